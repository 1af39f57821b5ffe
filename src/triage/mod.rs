//! `fixgen triage`: from a CI log to the rule and the line that fix it.
//!
//! The log is read into race reports, SQL errors and failed tests
//! ([`log`]); frames are placed in the repository ([`places`]); each piece
//! of evidence is answered by the findings of the rules that declare that
//! kind of evidence (`evidence = [...]` in the rule file): a race by a
//! finding at a racing line, or in a package carrying the value between
//! the two sides ([`races`]); a SQL error by a finding in a function the
//! failing test reaches ([`deadlocks`]). Tests that failed only because the
//! race detector fired are counted as victims ([`cascade`]).

pub mod calls;
pub mod cascade;
pub mod deadlocks;
pub mod log;
pub mod places;
pub mod polls;
pub mod races;
pub mod report;

use crate::engine::{Engine, Finding, Location};
use crate::rule::Evidence;
use crate::scan::scan;
use crate::workspace::SourceFile;
use places::Repo;
use serde::Serialize;
use std::collections::BTreeSet;

/// What triage needs to know of a rule.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub evidence: Vec<Evidence>,
    /// For `sql-error`: the error numbers the rule fixes (its `codes`).
    pub codes: Vec<u16>,
    /// Runs only at `--at` places: a fallback where no other rule answers.
    pub needs_location: bool,
}

/// Builds an engine running only the rules `only`, with extra `--set`
/// values, at `--at` places (none: everywhere): how triage runs the
/// rules its evidence points at.
pub type EngineFor<'a> = dyn Fn(&[String], &[String], &[Location]) -> anyhow::Result<Engine> + 'a;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    DataRace,
    SqlError,
    /// A testify poll that timed out (`Condition never satisfied`).
    PollTimeout,
    /// Another failed testify assertion.
    AssertionFailure,
}

/// One place a rule fixes, for one piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixSite {
    pub rule: String,
    pub path: String,
    pub line: usize,
    pub fixable: bool,
    /// The rule's finding message.
    pub message: String,
    /// Why the evidence points here.
    pub because: String,
}

/// The answer to one race report or one group of SQL errors.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub kind: Kind,
    /// 1-based, counted per kind in log order.
    pub report: usize,
    pub tests: Vec<String>,
    /// What the log showed: the racing accesses, or the error lines.
    pub evidence: Vec<String>,
    pub fixes: Vec<FixSite>,
    /// When nothing fixes it: what was tried.
    pub tried: Vec<String>,
    /// `--set` values the fixes need (`rule.tables=…`).
    pub sets: Vec<String>,
    /// The log ended inside the report.
    pub truncated: bool,
}

pub struct Triage {
    pub verdicts: Vec<Verdict>,
    pub cascade: cascade::Cascade,
    /// Frames in the log's race reports, and how many were placed here.
    pub frames: usize,
    pub placed: usize,
    /// Files that could not be read or parsed while answering.
    pub warnings: Vec<String>,
}

impl Triage {
    /// The fixable sites, once each, in verdict order.
    pub fn fix_sites(&self) -> Vec<&FixSite> {
        let mut sites: Vec<&FixSite> = Vec::new();
        for site in self.verdicts.iter().flat_map(|v| &v.fixes) {
            if site.fixable
                && !sites
                    .iter()
                    .any(|s| s.rule == site.rule && s.path == site.path && s.line == site.line)
            {
                sites.push(site);
            }
        }
        sites
    }

    /// The `--set` values the fixes need, once each.
    pub fn sets(&self) -> Vec<String> {
        let sets: BTreeSet<&String> = self.verdicts.iter().flat_map(|v| &v.sets).collect();
        sets.into_iter().cloned().collect()
    }
}

/// Reads `log` and answers every race report and SQL error in it with the
/// findings of `rules` in `repo`.
pub fn triage(
    log: &str,
    repo: &Repo,
    rules: &[RuleInfo],
    engine_for: &EngineFor,
) -> anyhow::Result<Triage> {
    let lines = log::output_lines(log);
    let reports = log::race_reports(&lines);
    let codes: BTreeSet<u16> = rules
        .iter()
        .filter(|r| r.evidence.contains(&Evidence::SqlError))
        .flat_map(|r| r.codes.iter().copied())
        .collect();
    let codes: Vec<u16> = codes.into_iter().collect();
    let errors = log::mysql_errors(&lines, &codes);
    let cascade = cascade::cascade(&lines, &codes);
    let failures = log::assertion_failures(&lines);

    let mut warnings = Vec::new();
    let races = races::verdicts(&reports, repo, rules, engine_for, &mut warnings)?;
    let mut verdicts = races.verdicts;
    verdicts.extend(deadlocks::verdicts(
        &errors,
        repo,
        rules,
        engine_for,
        &mut warnings,
    )?);
    verdicts.extend(polls::verdicts(
        &failures,
        repo,
        rules,
        engine_for,
        &mut warnings,
    )?);
    Ok(Triage {
        verdicts,
        cascade,
        frames: races.frames,
        placed: races.placed,
        warnings,
    })
}

/// The findings of `rule_ids` in `files`.
fn findings_in(
    engine_for: &EngineFor,
    rule_ids: &[String],
    sets: &[String],
    files: Vec<SourceFile>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    findings_at(engine_for, rule_ids, sets, &[], files, warnings)
}

/// The findings of `rule_ids` in `files`, at `locations` only when given.
fn findings_at(
    engine_for: &EngineFor,
    rule_ids: &[String],
    sets: &[String],
    locations: &[Location],
    files: Vec<SourceFile>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    if rule_ids.is_empty() || files.is_empty() {
        return Ok(Vec::new());
    }
    let engine = engine_for(rule_ids, sets, locations)?;
    let report = scan(&engine, files);
    for w in &report.warnings {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    Ok(report.findings().cloned().collect())
}

/// The ids of the rules declaring `evidence`.
fn rules_with(rules: &[RuleInfo], evidence: Evidence) -> Vec<String> {
    rules
        .iter()
        .filter(|r| r.evidence.contains(&evidence))
        .map(|r| r.id.clone())
        .collect()
}

fn site(finding: &Finding, because: String) -> FixSite {
    FixSite {
        rule: finding.rule.clone(),
        path: finding.path.clone(),
        line: finding.line,
        fixable: finding.fixable,
        message: finding.message.clone(),
        because,
    }
}
