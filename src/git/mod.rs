//! git through git2.

use anyhow::Result;
use std::path::Path;

/// Paths with uncommitted changes (modified, staged, untracked and not
/// ignored), relative to the repository root; `None` outside git.
pub fn uncommitted_paths(root: &Path) -> Result<Option<Vec<String>>> {
    let Ok(repo) = git2::Repository::open(root) else {
        return Ok(None);
    };
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(false)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut options))?;
    let paths = statuses
        .iter()
        .filter(|s| {
            s.status() != git2::Status::CURRENT && !s.status().contains(git2::Status::IGNORED)
        })
        .filter_map(|s| s.path().map(str::to_string))
        .collect();
    Ok(Some(paths))
}
