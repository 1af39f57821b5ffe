use super::{session, GlobalArgs};
use anyhow::bail;
use clap::Args;
use fixgen::fsio::{self, create_atomically, replace_unchanged, write_atomically};
use fixgen::output::shown::Shown;
use fixgen::workspace::dir_of;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `apply` refuses unless told otherwise, as `cargo fix` does.
#[derive(Args, Clone, Copy, Debug, Default)]
pub struct Allow {
    /// Apply even when the git working tree has uncommitted changes.
    #[arg(long = "allow-dirty")]
    pub dirty: bool,
    /// Apply outside a git working tree, where the edits cannot be reviewed or undone with git.
    #[arg(long = "allow-no-vcs")]
    pub no_vcs: bool,
}

pub fn run(
    global: &GlobalArgs,
    paths: &[PathBuf],
    allow: Allow,
    verify: &session::VerifyArgs,
) -> anyhow::Result<u8> {
    let (session, report) = session::open_verified(global, paths, verify)?;
    let held_back = report.as_ref().map_or(0, |r| r.held_back.len());
    let changes: Vec<_> = session.report.changed().collect();
    let created = &session.report.created;
    if changes.is_empty() && created.is_empty() {
        eprintln!("nothing to fix");
        let verified = session::exit_for_held_back(held_back);
        return Ok(session::with_errors(&session.report.errors, verified));
    }
    if !allow.no_vcs && !session.workspace.in_git {
        bail!(
            "{} is not in a git working tree: the fixes could not be reviewed or undone; \
             run `git init` and commit first, or pass --allow-no-vcs",
            session.workspace.root.display()
        );
    }
    if !allow.dirty {
        refuse_dirty_tree(&session.workspace.root)?;
    }
    let folders = changes
        .iter()
        .map(|(file, _)| file.file.rel.as_str())
        .chain(created.iter().map(|file| file.path.as_str()))
        .map(dir_of);
    remove_stale_temps(&session.workspace.root, folders);
    before_write_hook();
    let mut failed = 0;
    // Helpers first: a fixed file that calls one must never exist without it.
    let workspace = &session.workspace;
    let shown = Shown::from_cwd(&workspace.root);
    for file in created {
        let path = workspace.root.join(&file.path);
        match workspace
            .ensure_owned(&path)
            .and_then(|()| create_atomically(&path, &file.text))
        {
            Ok(()) => println!("created {}", shown.path(&file.path)),
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    for (file, fixed) in changes {
        // Checked again at the write: the tree may have changed since the
        // files were selected.
        match workspace
            .ensure_owned(&file.file.abs)
            .and_then(|()| match &file.read {
                Some(read) => replace_unchanged(&file.file.abs, fixed, read),
                None => write_atomically(&file.file.abs, fixed),
            }) {
            Ok(()) => {
                let path = shown.path(&file.file.rel);
                println!("fixed {path}: {}", describe_fixes(&file.result));
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    let verified = session::exit_for_held_back(held_back);
    let status = if failed == 0 { verified } else { 2 };
    Ok(session::with_errors(&session.report.errors, status))
}

/// A run killed mid-write leaves its temporary file where it wrote: the
/// next run that writes there removes it, and says so.
fn remove_stale_temps<'a>(root: &Path, folders: impl Iterator<Item = &'a str>) {
    let folders: BTreeSet<&str> = folders.collect();
    for folder in folders {
        for removed in fsio::remove_stale_temps(&root.join(folder)) {
            let rel = removed.strip_prefix(root).unwrap_or(&removed);
            eprintln!(
                "removed {}, left by a fixgen run that was interrupted",
                rel.display()
            );
        }
    }
}

/// Lets the tests edit a file between its read and its write, as a user
/// might while `apply` runs; debug builds only.
fn before_write_hook() {
    #[cfg(debug_assertions)]
    if let Some(command) = std::env::var_os("FIXGEN_TEST_BEFORE_WRITE") {
        let _ = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .status();
    }
}

/// Like `cargo fix`: a fix mixed into uncommitted work cannot be reviewed
/// or undone on its own. fixgen's own temporary files are not work.
pub(super) fn refuse_dirty_tree(root: &Path) -> anyhow::Result<()> {
    let Some(mut dirty) = fixgen::git::uncommitted_paths(root)? else {
        return Ok(());
    };
    dirty.retain(|path| !fsio::is_temp_file(Path::new(path)));
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dirty.iter().take(10).map(String::as_str).collect();
    let more = if dirty.len() > shown.len() {
        format!(" and {} more", dirty.len() - shown.len())
    } else {
        String::new()
    };
    bail!(
        "the working tree has uncommitted changes ({}{more}); commit or stash them first, or pass --allow-dirty",
        shown.join(", ")
    )
}

/// `rule-a (3 findings), rule-b (1 finding)`: what the user saw in `check`.
fn describe_fixes(result: &fixgen::engine::FileResult) -> String {
    result
        .applied
        .keys()
        .map(|rule| {
            let n = result
                .findings
                .iter()
                .filter(|f| f.fixable && &f.rule == rule)
                .count()
                .max(1);
            format!("{rule} ({n} finding{})", if n == 1 { "" } else { "s" })
        })
        .collect::<Vec<_>>()
        .join(", ")
}
