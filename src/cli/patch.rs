//! `fixgen patch`: one `git format-patch` file per rule that changed
//! something, `0001-<rule-id>.patch` …, which `git am` applies in order to
//! a clean clone of HEAD. The source tree is left as it is.

use super::{session, GlobalArgs};
use anyhow::{Context as _, Result};
use fixgen::fsio::create_or_replace;
use fixgen::output::messages::{Messages, VERIFIED_BY_FIXGEN};
use fixgen::output::patch::write_series;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub fn run(
    global: &GlobalArgs,
    paths: &[PathBuf],
    out: &Path,
    templates: Option<&Path>,
) -> Result<u8> {
    let messages = Messages::load(templates)?;
    let (workspace, changes) =
        session::open_by_rule(global, paths, fixgen::changeset::Stacking::Chained)?;
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
        VERIFIED_BY_FIXGEN,
        &author,
        SystemTime::now(),
    )?;
    if names.is_empty() {
        eprintln!("nothing to fix: no patches written");
        return Ok(0);
    }
    for name in names {
        println!("{}", out.join(name).display());
    }
    Ok(0)
}
