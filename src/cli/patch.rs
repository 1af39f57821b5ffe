//! `fixgen patch`: one `git format-patch` file per rule that changed
//! something, `0001-<rule-id>.patch` …, which `git am` applies in order to
//! a clean clone of HEAD. The source tree is left as it is.

use super::{session, GlobalArgs};
use anyhow::{Context as _, Result};
use fixgen::fsio::create_or_replace;
use fixgen::output::messages::{Messages, VERIFIED_BY_FIXGEN};
use fixgen::output::patch::format_patch;
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
    remove_old_patches(out)?;
    if changes.rules.is_empty() {
        eprintln!("nothing to fix: no patches written");
        return Ok(0);
    }
    let author = fixgen::git::author(&workspace.root);
    let now = SystemTime::now();
    let total = changes.rules.len();
    for (i, change) in changes.rules.iter().enumerate() {
        let message = messages.commit_message(change, VERIFIED_BY_FIXGEN)?;
        let patch = format_patch(i + 1, total, &author, now, &message, &change.files);
        let path = out.join(format!("{:04}-{}.patch", i + 1, change.rule_id));
        create_or_replace(&path, &patch)?;
        println!("{}", path.display());
    }
    Ok(0)
}

/// Patches of an earlier run would be applied by `git am DIR/*.patch`
/// along with the new ones; only files named like ours are removed.
fn remove_old_patches(out: &Path) -> Result<()> {
    for entry in std::fs::read_dir(out)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ours = name.ends_with(".patch")
            && name.len() > 5
            && name[..4].chars().all(|c| c.is_ascii_digit())
            && name.as_bytes()[4] == b'-';
        if ours {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
