//! git through git2.

pub mod branch;
pub mod remote;

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

/// Who commits and patches are from: git's `user.name` and `user.email`,
/// else fixgen itself.
pub fn author(root: &Path) -> crate::output::patch::Author {
    let config = git2::Repository::open(root)
        .and_then(|r| r.config())
        .or_else(|_| git2::Config::open_default());
    let get = |key: &str| config.as_ref().ok().and_then(|c| c.get_string(key).ok());
    crate::output::patch::Author {
        name: get("user.name").unwrap_or_else(|| "fixgen".into()),
        email: get("user.email").unwrap_or_else(|| "fixgen@localhost".into()),
    }
}
