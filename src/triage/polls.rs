//! testify failures in a log, answered with the rules that declare them:
//! a poll that timed out (`Condition never satisfied`) by `poll-timeout`
//! findings at the poll; any failed assertion by `assertion-failure`
//! findings covering its line; an assertion that read a zero value by the
//! `zero-value-assertion` rules, run at exactly that line (`--at`): which
//! assertion reads asynchronous state cannot be told from the code.

use super::log::AssertionFailure;
use super::places::{Place, Repo};
use super::{findings_at, rules_with, site, EngineFor, FixSite, Kind, RuleInfo, Verdict};
use crate::engine::{Finding, Location};
use crate::rule::Evidence;
use crate::workspace::SourceFile;
use std::collections::BTreeSet;

/// One failing place: the failure as first seen, and every test it failed.
struct Failing<'a> {
    place: Place,
    failure: &'a AssertionFailure,
    tests: Vec<String>,
}

pub fn verdicts(
    failures: &[AssertionFailure],
    repo: &Repo,
    rules: &[RuleInfo],
    engine_for: &EngineFor,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Verdict>> {
    let failing = placed(failures, repo);
    if failing.is_empty() {
        return Ok(Vec::new());
    }
    let timeouts = rules_with(rules, Evidence::PollTimeout);
    let assertions = rules_with(rules, Evidence::AssertionFailure);
    let targeted = rules_with(rules, Evidence::ZeroValueAssertion);
    let paths: BTreeSet<&str> = failing.iter().map(|f| f.place.path.as_str()).collect();
    let files = files_at(repo, &paths);

    let mut pattern_rules: Vec<String> = timeouts.clone();
    pattern_rules.extend(assertions.iter().filter(|r| !timeouts.contains(r)).cloned());
    let found = findings_at(
        engine_for,
        &pattern_rules,
        &[],
        &[],
        files.clone(),
        warnings,
    )?;
    let zero_places: Vec<Location> = failing
        .iter()
        .filter(|f| f.failure.read_a_zero_value() && !f.failure.is_poll_timeout())
        .map(|f| Location {
            path: f.place.path.clone(),
            line: f.place.line,
        })
        .collect();
    let at_zero = if zero_places.is_empty() {
        Vec::new()
    } else {
        findings_at(engine_for, &targeted, &[], &zero_places, files, warnings)?
    };

    let mut out = Vec::new();
    let (mut timeouts_seen, mut failures_seen) = (0, 0);
    for f in &failing {
        let timed_out = f.failure.is_poll_timeout();
        let (kind, rules_for, counter) = if timed_out {
            (Kind::PollTimeout, &timeouts, &mut timeouts_seen)
        } else {
            (Kind::AssertionFailure, &assertions, &mut failures_seen)
        };
        *counter += 1;
        let mut fixes = at_line(&found, rules_for, &f.place, |finding| {
            because(f.failure, finding.line == f.place.line, f.place.line)
        });
        let zero = !timed_out && f.failure.read_a_zero_value();
        if zero {
            for finding in at_zero.iter().filter(|x| targeted.contains(&x.rule)) {
                if covers(finding, &f.place) {
                    let value = f.failure.actual.as_deref().unwrap_or("nothing");
                    fixes.push(site(
                        finding,
                        format!("the assertion read {value}: state another goroutine sets, read before it was"),
                    ));
                }
            }
        }
        let mut tried: Vec<&String> = rules_for.iter().collect();
        if zero {
            tried.extend(&targeted);
        }
        out.push(Verdict {
            kind,
            report: *counter,
            tests: f.tests.clone(),
            evidence: vec![f.failure.describe(&f.place.path)],
            tried: if fixes.is_empty() {
                tried
                    .iter()
                    .map(|r| format!("{r}: no finding at {}:{}", f.place.path, f.place.line))
                    .collect()
            } else {
                Vec::new()
            },
            fixes,
            sets: Vec::new(),
            truncated: false,
        });
    }
    Ok(out)
}

/// The failures placed in the repository, once per place and kind (a
/// flaky test run with -count=N fails at the same line N times).
fn placed<'a>(failures: &'a [AssertionFailure], repo: &Repo) -> Vec<Failing<'a>> {
    let mut out: Vec<Failing> = Vec::new();
    for failure in failures {
        let Some(place) = repo.place_path(&failure.path, failure.line, None) else {
            continue;
        };
        let same = out
            .iter_mut()
            .find(|f| f.place == place && f.failure.is_poll_timeout() == failure.is_poll_timeout());
        let test = failure.test.clone();
        match same {
            Some(f) => {
                if let Some(t) = test.filter(|t| !f.tests.contains(t)) {
                    f.tests.push(t);
                }
            }
            None => out.push(Failing {
                place,
                failure,
                tests: test.into_iter().collect(),
            }),
        }
    }
    out
}

fn files_at(repo: &Repo, paths: &BTreeSet<&str>) -> Vec<SourceFile> {
    repo.files()
        .iter()
        .filter(|f| paths.contains(f.rel.as_str()))
        .cloned()
        .collect()
}

/// Whether a finding spans the place's line, or names it as related.
fn covers(finding: &Finding, place: &Place) -> bool {
    finding.path == place.path
        && ((finding.line..=finding.end_line.max(finding.line)).contains(&place.line)
            || finding.related_lines.contains(&place.line))
}

/// The findings of `rules` covering the place.
fn at_line(
    findings: &[Finding],
    rules: &[String],
    place: &Place,
    because: impl Fn(&Finding) -> String,
) -> Vec<FixSite> {
    findings
        .iter()
        .filter(|f| rules.contains(&f.rule) && covers(f, place))
        .map(|f| site(f, because(f)))
        .collect()
}

fn because(failure: &AssertionFailure, same_line: bool, line: usize) -> String {
    match (failure.is_poll_timeout(), same_line) {
        (true, true) => "the poll at this line timed out".into(),
        (true, false) => format!("the poll at line {line} timed out"),
        (false, true) => "the assertion at this line failed".into(),
        (false, false) => format!("the assertion at line {line} failed"),
    }
}
