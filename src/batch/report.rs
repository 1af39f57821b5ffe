//! The summary of a batch: counts by status, findings by rule, and every
//! failure with its reason; for one run, or merged from the manifests of
//! several shards (`fixgen batch-report`).

use super::manifest::{Manifest, RepoState, Status};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub repositories: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub findings_by_rule: BTreeMap<String, usize>,
    pub patches: usize,
    pub pull_requests: Vec<String>,
    pub failures: Vec<Failure>,
    pub repos: Vec<RepoState>,
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub name: String,
    pub error: String,
}

pub fn summarize(states: &[RepoState]) -> Summary {
    let mut by_status = BTreeMap::new();
    let mut findings_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for s in states {
        *by_status.entry(s.status.as_str()).or_default() += 1;
        for (rule, n) in &s.findings {
            *findings_by_rule.entry(rule.clone()).or_default() += n;
        }
    }
    Summary {
        repositories: states.len(),
        by_status,
        findings_by_rule,
        patches: states.iter().map(|s| s.patches.len()).sum(),
        pull_requests: states.iter().flat_map(|s| s.pr_urls.clone()).collect(),
        failures: states
            .iter()
            .filter(|s| s.status == Status::Failed)
            .map(|s| Failure {
                name: s.name.clone(),
                error: s.error.clone().unwrap_or_default(),
            })
            .collect(),
        repos: states.to_vec(),
    }
}

/// The manifests of several shards as one: a repository in more than one
/// keeps its most finished state.
pub fn merge(manifests: &[Manifest]) -> Vec<RepoState> {
    let mut merged: Vec<RepoState> = Vec::new();
    for manifest in manifests {
        for state in &manifest.repos {
            match merged.iter_mut().find(|m| m.name == state.name) {
                Some(slot) if rank(state.status) > rank(slot.status) => *slot = state.clone(),
                Some(_) => {}
                None => merged.push(state.clone()),
            }
        }
    }
    merged.sort_by(|a, b| a.name.cmp(&b.name));
    merged
}

fn rank(status: Status) -> u8 {
    match status {
        Status::Pending => 0,
        Status::Cloning | Status::Scanning | Status::Publishing => 1,
        Status::Failed => 2,
        Status::Clean | Status::Patched => 3,
        Status::PrOpen => 4,
    }
}

/// The summary as Markdown, with secrets masked.
pub fn to_markdown(summary: &Summary) -> String {
    crate::secrets::redact(&markdown(summary))
}

fn markdown(summary: &Summary) -> String {
    let mut out = String::from("# fixgen batch\n\n");
    let counts: Vec<String> = summary
        .by_status
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    let _ = writeln!(
        out,
        "{} repositories: {}. {} patch(es){}.\n",
        summary.repositories,
        counts.join(", "),
        summary.patches,
        if summary.pull_requests.is_empty() {
            String::new()
        } else {
            format!(", {} pull request(s)", summary.pull_requests.len())
        }
    );
    if !summary.findings_by_rule.is_empty() {
        out.push_str("| rule | findings |\n| --- | --- |\n");
        for (rule, n) in &summary.findings_by_rule {
            let _ = writeln!(out, "| `{rule}` | {n} |");
        }
        out.push('\n');
    }
    out.push_str("| repository | status | base commit | patches | pull request |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for r in &summary.repos {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.name,
            r.status.as_str(),
            r.base_commit
                .as_deref()
                .map_or("", |c| &c[..c.len().min(12)]),
            r.patches.len(),
            r.pr_url.as_deref().unwrap_or("")
        );
    }
    if !summary.failures.is_empty() {
        out.push_str("\n## Failures\n\n");
        for f in &summary.failures {
            let _ = writeln!(out, "- **{}**: {}", f.name, f.error);
        }
    }
    out
}

/// The summary as JSON, with secrets masked in every value.
pub fn to_json(summary: &Summary) -> String {
    let mut value = serde_json::to_value(summary).expect("the summary serialises");
    crate::secrets::redact_json(&mut value);
    serde_json::to_string_pretty(&value).expect("JSON serialises") + "\n"
}
