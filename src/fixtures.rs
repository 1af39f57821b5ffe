//! `fixgen test`: every rule's fixtures, `fixtures/<rule-id>/<case>/`, with
//! `before/` (the input tree), `after/` (the exact expected tree; absent
//! when nothing may change), an optional `findings.txt` (the expected
//! `fixgen check` lines), an optional `warnings.txt` (the warnings the
//! first run prints, exactly; none without it) and an optional `case.toml`
//! (`set = [...]`, `at = [...]`). Each case is fixed in a temporary copy, compared byte for
//! byte, then fixed again to prove that a second run changes nothing.

use crate::engine::{select_rules, Rule, Selection};
use crate::engine::{Engine, Location};
use crate::gocheck::GoCheck;
use crate::output::{diff, findings};
use crate::scan::{scan, ScanReport};
use crate::workspace::Workspace;
use anyhow::{bail, Context as _, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Folders under `fixtures/` that hold Go end-to-end modules, not cases.
const NOT_RULES: &[&str] = &["e2e"];

#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    pub failure: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseOptions {
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    at: Vec<String>,
    /// Run the rule as a default run does (`fixgen check` with no
    /// `--rule`): its `proof` conditions are required.
    #[serde(default)]
    by_default: bool,
}

/// Runs every case under `fixtures_dir` (only those of the rules `only`
/// names, when it names any); `load` gives fresh rules (rules are not
/// `Clone`: each case selects its own with its own parameters).
/// With `update`, each case's `after/` and `findings.txt` are first
/// rewritten from what fixgen does now (`fixgen test --update`, for
/// review with `git diff`); idempotency is still checked.
/// With `go`, a case's `after/` module must also be gofmt-clean and pass
/// `go vet`.
pub fn run_all(
    fixtures_dir: &Path,
    only: &[String],
    update: bool,
    go: Option<&GoCheck>,
    load: &dyn Fn() -> Result<Vec<Rule>>,
) -> Result<Vec<CaseResult>> {
    let known: Vec<String> = load()?.into_iter().map(|r| r.id).collect();
    let mut results = Vec::new();
    for rule_dir in sorted_dirs(fixtures_dir)? {
        let rule_id = file_name(&rule_dir);
        if NOT_RULES.contains(&rule_id.as_str()) || !(only.is_empty() || only.contains(&rule_id)) {
            continue;
        }
        if !known.contains(&rule_id) {
            results.push(CaseResult {
                name: rule_id.clone(),
                failure: Some(format!(
                    "no rule named `{rule_id}` for {}",
                    rule_dir.display()
                )),
            });
            continue;
        }
        for case in sorted_dirs(&rule_dir)? {
            let name = format!("{rule_id}/{}", file_name(&case));
            let failure = run_case(&rule_id, &case, update, go, load)
                .err()
                .map(|e| format!("{e:#}"));
            results.push(CaseResult { name, failure });
        }
    }
    Ok(results)
}

/// The rules among `ids` with no case folder in any of `fixtures_dirs`.
pub fn without_fixtures<'a>(ids: &'a [String], fixtures_dirs: &[PathBuf]) -> Vec<&'a str> {
    ids.iter()
        .filter(|id| !fixtures_dirs.iter().any(|d| d.join(id).is_dir()))
        .map(String::as_str)
        .collect()
}

fn run_case(
    rule_id: &str,
    case: &Path,
    update: bool,
    go: Option<&GoCheck>,
    load: &dyn Fn() -> Result<Vec<Rule>>,
) -> Result<()> {
    let before = case.join("before");
    if !before.is_dir() {
        bail!("{}: no before/ folder", case.display());
    }
    let options: CaseOptions = match std::fs::read_to_string(case.join("case.toml")) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("{}/case.toml", case.display()))?
        }
        Err(_) => CaseOptions::default(),
    };
    let selection = Selection {
        only: vec![rule_id.to_string()],
        sets: options.set.clone(),
        ..Selection::default()
    };
    let locations = options
        .at
        .iter()
        .map(|a| a.parse::<Location>().map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    let work = tempfile::tempdir()?;
    copy_tree(&before, work.path())?;
    let mut rules = select_rules(load()?, &selection)?;
    for rule in &mut rules {
        rule.named = !options.by_default;
    }
    let engine = Engine::new(rules, locations)
        .with_root(work.path().canonicalize()?)
        .with_format_check();
    let warnings = std::fs::read_to_string(case.join("warnings.txt")).unwrap_or_default();
    let first = scan_tree(&engine, work.path(), &warnings, true)?;
    if update {
        update_findings(case, &first)?;
    }
    if let Ok(expected) = std::fs::read_to_string(case.join("findings.txt")) {
        let actual = findings::to_text(&first.findings().cloned().collect::<Vec<_>>());
        if actual != expected {
            bail!(
                "findings differ from findings.txt:\n{}",
                diff::unified("findings.txt", &expected, &actual)
            );
        }
    }
    write_fixes(&first, work.path())?;
    if update {
        update_after(case, &before, work.path())?;
    }
    let expected_dir = if case.join("after").is_dir() {
        case.join("after")
    } else {
        before.clone()
    };
    compare_trees(&expected_dir, work.path())?;
    // What a second run meets of the file may be less: a file is read
    // around unknown syntax only where a tree or a fix reached it.
    let second = scan_tree(&engine, work.path(), &warnings, false)?;
    if let Some(file) = second.created.first() {
        bail!("not idempotent: a second run adds {} again", file.path);
    }
    if let Some((file, fixed)) = second.changed().next() {
        bail!(
            "not idempotent: a second run changes {}:\n{}",
            file.file.rel,
            diff::unified(&file.file.rel, &file.original, fixed)
        );
    }
    // The copy now holds exactly after/; a module there must build.
    if let Some(go) = go.filter(|_| case.join("after/go.mod").is_file()) {
        go.check_module(work.path()).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// Scans the tree at `root`; its warnings must be `warnings` (lines), or
/// some of them when not `exact`.
fn scan_tree(engine: &Engine, root: &Path, warnings: &str, exact: bool) -> Result<ScanReport> {
    let workspace = Workspace {
        root: root.canonicalize()?,
        in_git: false,
    };
    let selection = workspace.select(
        std::slice::from_ref(&workspace.root),
        &crate::workspace::Filters::default(),
    )?;
    let report = scan(engine, selection.files);
    let actual: String = report.warnings.iter().map(|w| format!("{w}\n")).collect();
    let expected = |w: &String| warnings.lines().any(|line| line == w);
    match report.warnings.first() {
        Some(w) if warnings.is_empty() => bail!("warning: {w}"),
        _ if actual != warnings && (exact || !report.warnings.iter().all(expected)) => bail!(
            "warnings differ from warnings.txt:\n{}",
            diff::unified("warnings.txt", warnings, &actual)
        ),
        _ => Ok(report),
    }
}

/// `findings.txt` from the findings of this run, where the case has one
/// (an empty one asks for it): a case that does not pin its findings is
/// not made to.
fn update_findings(case: &Path, report: &ScanReport) -> Result<()> {
    let path = case.join("findings.txt");
    if path.exists() {
        let text = findings::to_text(&report.findings().cloned().collect::<Vec<_>>());
        std::fs::write(&path, text)?;
    }
    Ok(())
}

/// `after/` as the fixed copy `fixed` stands, or no `after/` when the
/// run changed nothing (an absent `after/` means "no change").
fn update_after(case: &Path, before: &Path, fixed: &Path) -> Result<()> {
    let after = case.join("after");
    if after.is_dir() {
        std::fs::remove_dir_all(&after)?;
    }
    if read_tree(fixed)? != read_tree(before)? {
        copy_tree(fixed, &after)?;
    }
    Ok(())
}

fn write_fixes(report: &ScanReport, root: &Path) -> Result<()> {
    for (file, fixed) in report.changed() {
        std::fs::write(&file.file.abs, fixed)?;
    }
    for file in &report.created {
        std::fs::write(root.join(&file.path), &file.text)?;
    }
    Ok(())
}

fn compare_trees(expected: &Path, actual: &Path) -> Result<()> {
    let want = read_tree(expected)?;
    let got = read_tree(actual)?;
    let mut problems = String::new();
    for (rel, want_text) in &want {
        match got.get(rel) {
            None => problems.push_str(&format!("missing file {rel}\n")),
            Some(got_text) if got_text != want_text => {
                problems.push_str(&format!(
                    "{rel} differs from the expected output (- expected, + actual):\n"
                ));
                problems.push_str(&diff::unified(rel, want_text, got_text));
            }
            _ => {}
        }
    }
    for rel in got.keys().filter(|k| !want.contains_key(*k)) {
        problems.push_str(&format!("unexpected file {rel}\n"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{problems}")
    }
}

fn read_tree(root: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)?
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(
                    rel,
                    String::from_utf8_lossy(&std::fs::read(&path)?).into_owned(),
                );
            }
        }
    }
    Ok(out)
}

pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
