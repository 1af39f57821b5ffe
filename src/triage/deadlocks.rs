//! SQL errors in a log (MySQL `Error 1213 (40001): Deadlock found…`),
//! answered with the data-access functions the failing tests reach.
//!
//! The error does not say which table deadlocked, so the tables come from
//! the code: the functions the test reaches that write tables, narrowed to
//! those the error lines name when they name any (a test usually says what
//! it was calling). Their tables become the rule's `tables` parameter, and
//! the rule's findings in the reached functions are the places to fix.

use super::calls::{CallGraph, Reached};
use super::places::Repo;
use super::{findings_in, site, EngineFor, Kind, RuleInfo, Verdict};
use crate::rule::Evidence;
use crate::workspace::SourceFile;
use std::collections::BTreeSet;

/// An error line: the test that printed it, the error number, the text.
pub type SqlError = (Option<String>, u16, String);

pub fn verdicts(
    errors: &[SqlError],
    repo: &Repo,
    rules: &[RuleInfo],
    engine_for: &EngineFor,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Verdict>> {
    if errors.is_empty() {
        return Ok(Vec::new());
    }
    let mut graph = CallGraph::new(repo);
    let mut verdicts = Vec::new();
    for (top, code, group) in groups(errors) {
        let reached = match &top {
            Some(test) => graph.reach(std::slice::from_ref(test)),
            None => Vec::new(),
        };
        let texts: Vec<&str> = group.iter().map(|e| e.2.as_str()).collect();
        let writers = chosen_writers(&reached, &texts);
        let tables: BTreeSet<&String> = writers.iter().flat_map(|w| &w.tables).collect();
        let mut fixes = Vec::new();
        let mut sets = Vec::new();
        let rule_ids: Vec<&RuleInfo> = rules
            .iter()
            .filter(|r| r.evidence.contains(&Evidence::SqlError) && r.codes.contains(&code))
            .collect();
        if !tables.is_empty() {
            for rule in rule_ids {
                let set = format!(
                    "{}.tables={}",
                    rule.id,
                    tables
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                );
                let found = findings_in(
                    engine_for,
                    std::slice::from_ref(&rule.id),
                    std::slice::from_ref(&set),
                    files_of(repo, &reached),
                    warnings,
                )?;
                let before = fixes.len();
                for f in &found {
                    let is_reached = reached
                        .iter()
                        .any(|r| r.path == f.path && r.function.line == f.line);
                    if is_reached {
                        let because = format!(
                            "reached from {} and writes {}",
                            top.as_deref().unwrap_or("the test"),
                            joined(&tables)
                        );
                        fixes.push(site(f, because));
                    }
                }
                if fixes.len() > before {
                    sets.push(set);
                }
            }
        }
        let mut tried = Vec::new();
        if fixes.is_empty() {
            tried.push(match &top {
                None => "the error lines name no test".to_string(),
                Some(test) if reached.is_empty() => {
                    format!("no test function `{test}` in a _test.go file of the repository")
                }
                Some(test) if tables.is_empty() => format!(
                    "{} function(s) reached from {test}; none writes a table in SQL the code spells out",
                    reached.len()
                ),
                Some(test) => format!(
                    "{test} reaches writers of {}, but no rule fixes them",
                    joined(&tables)
                ),
            });
        }
        let mut tests: Vec<String> = group.iter().filter_map(|e| e.0.clone()).collect();
        tests.dedup();
        verdicts.push(Verdict {
            kind: Kind::SqlError,
            report: verdicts.len() + 1,
            tests,
            evidence: first_lines(&group),
            fixes,
            tried,
            sets,
            truncated: false,
        });
    }
    Ok(verdicts)
}

/// Errors grouped by top-level test (`TestX` of `TestX/sub`) and number,
/// in log order.
fn groups(errors: &[SqlError]) -> Vec<(Option<String>, u16, Vec<&SqlError>)> {
    let mut groups: Vec<(Option<String>, u16, Vec<&SqlError>)> = Vec::new();
    for e in errors {
        let top =
            e.0.as_deref()
                .map(|t| t.split('/').next().unwrap_or(t).to_string());
        match groups.iter_mut().find(|g| g.0 == top && g.1 == e.1) {
            Some(g) => g.2.push(e),
            None => groups.push((top, e.1, vec![e])),
        }
    }
    groups
}

/// The reached writers the error lines name, or every reached writer when
/// they name none.
fn chosen_writers<'a>(reached: &'a [Reached], texts: &[&str]) -> Vec<&'a Reached> {
    let writers: Vec<&Reached> = reached.iter().filter(|r| !r.tables.is_empty()).collect();
    let named: Vec<&Reached> = writers
        .iter()
        .copied()
        .filter(|r| texts.iter().any(|t| names_word(t, &r.function.name)))
        .collect();
    if named.is_empty() {
        writers
    } else {
        named
    }
}

/// `word` occurs in `text` as a whole identifier.
fn names_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

fn files_of(repo: &Repo, reached: &[Reached]) -> Vec<SourceFile> {
    let paths: BTreeSet<&str> = reached.iter().map(|r| r.path.as_str()).collect();
    repo.files()
        .iter()
        .filter(|f| paths.contains(f.rel.as_str()))
        .cloned()
        .collect()
}

fn joined(tables: &BTreeSet<&String>) -> String {
    tables
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first three error lines, and how many more there were.
fn first_lines(group: &[&SqlError]) -> Vec<String> {
    let mut lines: Vec<String> = group.iter().take(3).map(|e| e.2.clone()).collect();
    if group.len() > 3 {
        lines.push(format!("… and {} more error line(s)", group.len() - 3));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_name_functions_as_whole_words() {
        assert!(names_word(
            "CreateConfig(org 1): Error 1213",
            "CreateConfig"
        ));
        assert!(!names_word("CreateConfigTx: Error 1213", "CreateConfig"));
        assert!(!names_word("MustCreateConfig: Error 1213", "CreateConfig"));
    }
}
