//! A rule's before/after example, taken from its fixtures, for
//! `fixgen rules --explain`. Built-in rules' examples are picked when the
//! binary is built (build.rs includes this file), so an installed fixgen
//! shows them with no checkout at hand; a user rule's are picked from
//! `DIR/fixtures/RULE` when asked. This file uses only `std` for that reason.

use std::path::{Path, PathBuf};

/// One changed file of one fixture case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The case's folder name.
    pub case: String,
    /// The file, relative to the case's `before/`, `/`-separated.
    pub file: String,
    pub before: String,
    pub after: String,
}

/// Of the cases in `rule_fixtures` (`fixtures/RULE`), the changed `.go`
/// file with the shortest text before the fix: the smallest complete
/// illustration. A file the fix creates (a helper) only when no case
/// changes an existing one. None when no case changes a Go file.
pub fn pick(rule_fixtures: &Path) -> Option<Example> {
    let mut best: Option<Example> = None;
    for case in sorted_entries(rule_fixtures)
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let (before_dir, after_dir) = (case.join("before"), case.join("after"));
        for after_path in go_files(&after_dir) {
            let file = relative(&after_dir, &after_path);
            let after = std::fs::read_to_string(&after_path).unwrap_or_default();
            let before = std::fs::read_to_string(before_dir.join(&file)).unwrap_or_default();
            let key = |text: &str| (text.is_empty(), text.len());
            let smaller = best.as_ref().is_none_or(|b| key(&before) < key(&b.before));
            if before != after && smaller {
                let case = case.file_name().unwrap_or_default().to_string_lossy();
                best = Some(Example {
                    case: case.into_owned(),
                    file,
                    before,
                    after,
                });
            }
        }
    }
    best
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

/// The `.go` files under `dir`, sorted, at any depth.
fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in sorted_entries(dir) {
        if path.is_dir() {
            files.extend(go_files(&path));
        } else if path.extension().is_some_and(|e| e == "go") {
            files.push(path);
        }
    }
    files
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
