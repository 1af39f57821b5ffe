//! `fixgen patch`: one `git format-patch` file per rule that changed
//! something, `0001-<rule-id>.patch` …, which `git am` applies in order to
//! a clean clone of HEAD. The source tree is left as it is.

use super::{session, GlobalArgs};
use anyhow::{Context as _, Result};
use fixgen::fsio::create_or_replace;
use fixgen::output::messages::{verification, Messages};
use fixgen::output::patch::write_series;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub fn run(
    global: &GlobalArgs,
    paths: &[PathBuf],
    out: &Path,
    templates: Option<&Path>,
    verify: &session::VerifyArgs,
) -> Result<u8> {
    let messages = Messages::load(templates)?;
    let (workspace, changes, report) =
        session::open_by_rule(global, paths, fixgen::changeset::Stacking::Chained, verify)?;
    let held_back = report.as_ref().map_or(0, |r| r.held_back.len());
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // The folder ignores itself, so patches never make the tree dirty.
    let ignore = out.join(".gitignore");
    if !ignore.exists() {
        create_or_replace(&ignore, "*\n")?;
    }
    // Old patches go even when there is nothing new to write.
    let author = fixgen::git::author(&workspace.root);
    let names = write_series(
        out,
        &changes.rules,
        &messages,
        verification(report.as_ref()),
        &author,
        SystemTime::now(),
    )?;
    if names.is_empty() {
        eprintln!("nothing to fix: no patches written");
    }
    for name in names {
        println!("{}", out.join(name).display());
    }
    let verified = session::exit_for_held_back(held_back);
    Ok(session::with_errors(&changes.errors, verified))
}
