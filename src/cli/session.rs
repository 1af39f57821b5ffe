//! What every scanning command does first: load and select rules, find the
//! repository, pick the files, scan.

use super::GlobalArgs;
use anyhow::{Context as _, Result};
use fixgen::engine::{Engine, Location};
use fixgen::rule::{load_rules, select_rules, Selection};
use fixgen::scan::{scan, ScanReport};
use fixgen::workspace::Workspace;
use std::path::PathBuf;

pub struct Session {
    pub workspace: Workspace,
    pub engine: Engine,
    pub report: ScanReport,
}

pub fn engine(global: &GlobalArgs, workspace: Option<&Workspace>) -> Result<Engine> {
    let rules = load_rules(&global.rule_dirs)?;
    let selection = Selection {
        only: global.rules_only.clone(),
        sets: global.sets.clone(),
    };
    let rules = select_rules(rules, &selection)?;
    let locations = global
        .at
        .iter()
        .map(|a| relative_location(a, workspace))
        .collect::<Result<Vec<_>>>()?;
    let engine = Engine::new(rules, locations);
    Ok(match workspace {
        Some(ws) => engine.with_root(ws.root.clone()),
        None => engine,
    })
}

/// `--at` paths may be given relative to the current folder or absolute;
/// the engine compares them relative to the repository root.
fn relative_location(arg: &str, workspace: Option<&Workspace>) -> Result<Location> {
    let mut location: Location = arg.parse().map_err(anyhow::Error::msg).context("--at")?;
    if let (Some(ws), Ok(abs)) = (workspace, PathBuf::from(&location.path).canonicalize()) {
        if let Ok(rel) = abs.strip_prefix(&ws.root) {
            location.path = rel.to_string_lossy().replace('\\', "/");
        }
    }
    Ok(location)
}

pub fn open(global: &GlobalArgs, paths: &[PathBuf]) -> Result<Session> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let workspace = Workspace::discover(&paths[0])?;
    let engine = engine(global, Some(&workspace))?;
    let selection = workspace.select(&paths)?;
    let mut report = scan(&engine, selection.files);
    report.warnings.splice(0..0, selection.warnings);
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(Session {
        workspace,
        engine,
        report,
    })
}

/// The fixes grouped by rule, each rule run on the result of those before
/// it: what `patch` and `pr` turn into patches and commits.
pub fn open_by_rule(
    global: &GlobalArgs,
    paths: &[PathBuf],
    stacking: fixgen::changeset::Stacking,
) -> Result<(Workspace, fixgen::changeset::ChangeSet)> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let workspace = Workspace::discover(&paths[0])?;
    let rules = select_rules(
        load_rules(&global.rule_dirs)?,
        &Selection {
            only: global.rules_only.clone(),
            sets: global.sets.clone(),
        },
    )?;
    let locations = global
        .at
        .iter()
        .map(|a| relative_location(a, Some(&workspace)))
        .collect::<Result<Vec<_>>>()?;
    let selection = workspace.select(&paths)?;
    let mut changes = fixgen::changeset::by_rule(
        rules,
        &locations,
        &workspace.root,
        &selection.files,
        stacking,
    );
    changes.warnings.splice(0..0, selection.warnings);
    for warning in &changes.warnings {
        eprintln!("warning: {warning}");
    }
    Ok((workspace, changes))
}
