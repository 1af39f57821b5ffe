use super::GlobalArgs;
use anyhow::bail;
use fixgen::engine::{load_rules, Rule};
use fixgen::output::diff;
use fixgen::rule::example::{self, Example};
use fixgen::rule::BUILTIN_EXAMPLES;
use std::fmt::Write as _;

pub fn run(global: &GlobalArgs, explain: Option<&str>) -> anyhow::Result<u8> {
    let rules = load_rules(&global.rule_dirs)?;
    if let Some(id) = explain {
        let Some(rule) = rules.iter().find(|r| r.id == id) else {
            bail!("unknown rule `{id}` (see `fixgen rules`)");
        };
        print!("{}", explanation(rule, &global.rule_dirs));
        return Ok(0);
    }
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &rules {
        println!("{:width$}  {}  {}", rule.id, default_word(rule), rule.title);
    }
    Ok(0)
}

/// `at`: on, but only where --at (or triage) points.
fn default_word(rule: &Rule) -> &'static str {
    match (rule.enabled_by_default, rule.needs_location) {
        (true, true) => "at ",
        (true, false) => "on ",
        (false, _) => "off",
    }
}

/// What `rules --explain ID` prints: everything a user deciding whether to
/// trust, tune or suppress the rule needs, from the rule file and its
/// fixtures.
fn explanation(rule: &Rule, rule_dirs: &[std::path::PathBuf]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", rule.id, rule.title);
    let runs = match default_word(rule).trim() {
        "on" => "on by default: changes code where the code itself proves the defect",
        "at" => "on only at --at places (a race report, triage): the evidence is a failed run",
        _ => "off by default: runs when named (--rule, .fixgen.toml's enable) or from triage",
    };
    let _ = writeln!(out, "runs: {runs}");
    let severity = format!("{:?}", rule.severity).to_lowercase();
    let _ = writeln!(out, "severity: {severity}");
    let _ = writeln!(out, "from: {}", rule.origin);
    let _ = writeln!(out, "\n{}", rule.rationale.trim_end());
    out.push_str(&parameters(rule));
    if !rule.evidence.is_empty() {
        let kinds: Vec<String> = rule.evidence.iter().map(evidence_name).collect();
        let _ = writeln!(
            out,
            "\nCI evidence it answers (fixgen triage): {}",
            kinds.join(", ")
        );
    }
    match rule_example(rule, rule_dirs) {
        Some(e) => {
            let _ = writeln!(out, "\nExample (fixtures/{}/{}):", rule.id, e.case);
            out.push_str(&diff::unified(&e.file, &e.before, &e.after));
        }
        None => out.push_str("\nExample: none (the rule has no fixture case that changes code)\n"),
    }
    out
}

fn parameters(rule: &Rule) -> String {
    if rule.param_info.is_empty() {
        return "\nParameters: none\n".to_string();
    }
    let mut out =
        String::from("\nParameters (--set RULE.NAME=VALUE, or [params.RULE] in .fixgen.toml):\n");
    for (name, info) in &rule.param_info {
        let _ = writeln!(out, "  {name} ({}, default {})", info.ty, info.default);
        if !info.doc.is_empty() {
            let _ = writeln!(out, "      {}", info.doc);
        }
    }
    out
}

/// `race-access`, as rule files spell it.
fn evidence_name(evidence: &fixgen::rule::Evidence) -> String {
    let debug = format!("{evidence:?}");
    let mut name = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// A built-in rule's example is in the binary; a user rule's comes from
/// `DIR/fixtures/ID` of a `--rules DIR`, where `fixgen test` finds it.
fn rule_example(rule: &Rule, rule_dirs: &[std::path::PathBuf]) -> Option<Example> {
    let user = rule_dirs
        .iter()
        .find_map(|dir| example::pick(&dir.join("fixtures").join(&rule.id)));
    user.or_else(|| {
        let builtin = rule.origin.starts_with("rules/");
        BUILTIN_EXAMPLES
            .iter()
            .find(|(id, ..)| builtin && *id == rule.id)
            .map(|(_, case, file, before, after)| Example {
                case: case.to_string(),
                file: file.to_string(),
                before: before.to_string(),
                after: after.to_string(),
            })
    })
}
