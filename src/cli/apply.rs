use super::{session, GlobalArgs};
use anyhow::bail;
use clap::Args;
use fixgen::engine::Severity;
use fixgen::fsio::{self, create_atomically, replace_unchanged, write_atomically};
use fixgen::output::shown::Shown;
use fixgen::scan::ScanReport;
use fixgen::workspace::{dir_of, Workspace};
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
    let nothing = session.report.changed().next().is_none() && session.report.created.is_empty();
    let failed = if nothing {
        eprintln!("nothing to fix");
        BTreeSet::new()
    } else {
        refuse_unprotected(&session.workspace, allow)?;
        write(&session)
    };
    let verified = session::exit_for_held_back(held_back);
    report_unfixed(&session.report, &failed);
    let status = if failed.is_empty() { verified } else { 2 };
    Ok(session::with_errors(&session.report.errors, status))
}

/// Like `cargo fix`: an edit that cannot be reviewed or undone on its
/// own (no git, or mixed into uncommitted work) waits to be allowed.
fn refuse_unprotected(workspace: &Workspace, allow: Allow) -> anyhow::Result<()> {
    if !allow.no_vcs && !workspace.in_git {
        bail!(
            "{} is not in a git working tree: the fixes could not be reviewed or undone; \
             run `git init` and commit first, or pass --allow-no-vcs",
            workspace.root.display()
        );
    }
    if !allow.dirty {
        refuse_dirty_tree(&workspace.root)?;
    }
    Ok(())
}

/// Writes the helpers and the fixed files, saying which; returns the
/// files (relative to the root) that could not be written.
fn write(session: &session::Session) -> BTreeSet<&str> {
    let workspace = &session.workspace;
    let changes: Vec<_> = session.report.changed().collect();
    let created = &session.report.created;
    let folders = changes
        .iter()
        .map(|(file, _)| file.file.rel.as_str())
        .chain(created.iter().map(|file| file.path.as_str()))
        .map(dir_of);
    remove_stale_temps(&workspace.root, folders);
    before_write_hook();
    let mut failed = BTreeSet::new();
    let shown = Shown::from_cwd(&workspace.root);
    // Helpers first: a fixed file that calls one must never exist without it.
    for file in created {
        let path = workspace.root.join(&file.path);
        match workspace
            .ensure_owned(&path)
            .and_then(|()| create_atomically(&path, &file.text))
        {
            Ok(()) => println!("created {}", shown.path(&file.path)),
            Err(e) => {
                eprintln!("error: {e:#}");
                failed.insert(file.path.as_str());
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
                failed.insert(file.file.rel.as_str());
            }
        }
    }
    failed
}

/// The last word: defects still in the code after the run, those without
/// a fix and those whose file was not written. Notes (shared on purpose)
/// are not defects.
fn report_unfixed(report: &ScanReport, failed: &BTreeSet<&str>) {
    let unfixed: usize = report
        .files
        .iter()
        .map(|file| {
            let written = file.result.fixed.is_some() && !failed.contains(file.file.rel.as_str());
            file.result
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error && !(f.fixable && written))
                .count()
        })
        .sum();
    if unfixed > 0 {
        let plural = if unfixed == 1 { "" } else { "s" };
        eprintln!("{unfixed} finding{plural} not fixed; see `fixgen check`");
    }
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
