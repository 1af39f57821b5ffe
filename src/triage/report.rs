//! How a triage is shown: text for a person, JSON for a script (one object
//! per verdict and fix site, each with `kind`, `test`, `rule`, `path`,
//! `line`).

use super::{Kind, Triage, Verdict};
use serde_json::{json, Value};
use std::fmt::Write as _;

pub fn to_text(triage: &Triage, repo_name: &str) -> String {
    let mut out = String::new();
    for v in &triage.verdicts {
        verdict_text(&mut out, v);
    }
    if let Some(note) = nothing_placed(triage, repo_name) {
        let _ = writeln!(out, "{note}");
    }
    cascade_text(&mut out, triage);
    let sites = triage.fix_sites();
    if !sites.is_empty() {
        let rules: std::collections::BTreeSet<&str> =
            sites.iter().map(|s| s.rule.as_str()).collect();
        let _ = writeln!(
            out,
            "\n{} place(s) to fix with {}: run again with --preview to see the diff, --apply to write it.",
            sites.len(),
            rules.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    out
}

fn verdict_text(out: &mut String, v: &Verdict) {
    let what = match v.kind {
        Kind::DataRace => "data race",
        Kind::SqlError => "SQL error",
        Kind::PollTimeout => "poll timed out",
        Kind::AssertionFailure => "assertion failed",
    };
    let tests = if v.tests.is_empty() {
        String::new()
    } else {
        format!(" in {}", v.tests.join(", "))
    };
    let truncated = if v.truncated {
        " (the log ends inside this report)"
    } else {
        ""
    };
    let _ = writeln!(out, "{what} {}{tests}{truncated}", v.report);
    for e in &v.evidence {
        let _ = writeln!(out, "  {e}");
    }
    for f in &v.fixes {
        let status = if f.fixable { "fix" } else { "reported, no fix" };
        let _ = writeln!(
            out,
            "  -> {status}: {} at {}:{} ({})",
            f.rule, f.path, f.line, f.because
        );
        let _ = writeln!(out, "     {}", f.message);
    }
    for s in &v.sets {
        let _ = writeln!(out, "  -> needs --set {s}");
    }
    if v.fixes.is_empty() {
        let _ = writeln!(out, "  -> not matched by any rule");
        for t in &v.tried {
            let _ = writeln!(out, "     tried: {t}");
        }
    }
}

/// When race reports exist but none of their frames is in the repository.
fn nothing_placed(triage: &Triage, repo_name: &str) -> Option<String> {
    (triage.frames > 0 && triage.placed == 0).then(|| {
        format!(
            "none of the {} stack frames in the log's race reports is in {repo_name}: \
             the log comes from another repository (or another version of it); \
             point --repo at the checkout the log was produced from",
            triage.frames
        )
    })
}

fn cascade_text(out: &mut String, triage: &Triage) {
    let c = &triage.cascade;
    if c.failed.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{} test(s) failed:", c.failed.len());
    let groups = [
        (
            &c.race_victims,
            "failed only because the race detector fired while they ran (victims, not failures of their own)",
        ),
        (&c.sql_errors, "printed a SQL error"),
        (&c.own_failures, "failed with a message of their own"),
        (&c.through_subtests, "failed because a subtest failed"),
    ];
    for (tests, why) in groups {
        if tests.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {} {why}: {}", tests.len(), shown(tests));
    }
}

/// At most eight names, then a count.
fn shown(tests: &[String]) -> String {
    let mut s = tests.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    if tests.len() > 8 {
        let _ = write!(s, " and {} more", tests.len() - 8);
    }
    s
}

pub fn to_json(triage: &Triage, repo_name: &str) -> String {
    let mut verdicts = Vec::new();
    for v in &triage.verdicts {
        let base = json!({
            "kind": v.kind,
            "report": v.report,
            "test": v.tests.first(),
            "tests": v.tests,
            "evidence": v.evidence,
            "truncated": v.truncated,
        });
        if v.fixes.is_empty() {
            let mut o = base.clone();
            extend(
                &mut o,
                json!({"rule": null, "path": null, "line": null, "fixable": false, "tried": v.tried}),
            );
            verdicts.push(o);
        }
        for f in &v.fixes {
            let mut o = base.clone();
            extend(
                &mut o,
                json!({
                    "rule": f.rule, "path": f.path, "line": f.line, "fixable": f.fixable,
                    "message": f.message, "because": f.because, "sets": v.sets,
                }),
            );
            verdicts.push(o);
        }
    }
    let doc = json!({
        "verdicts": verdicts,
        "cascade": triage.cascade,
        "sets": triage.sets(),
        "frames": triage.frames,
        "frames_in_repository": triage.placed,
        "note": nothing_placed(triage, repo_name),
    });
    serde_json::to_string_pretty(&doc).expect("JSON values serialise") + "\n"
}

fn extend(target: &mut Value, more: Value) {
    if let (Value::Object(t), Value::Object(m)) = (target, more) {
        t.extend(m);
    }
}
