//! Fix branches: commits built in the object database from a parent
//! commit and a set of file changes (the working tree is never touched),
//! and what a remote branch holds, to decide whether it is ours to replace.

use crate::changeset::FileChange;
use crate::output::patch::Author;
use anyhow::{Context as _, Result};
use git2::{build::TreeUpdateBuilder, FileMode, Oid, Repository, Signature};

/// The trailer every fixgen commit carries.
pub const MARKER_TRAILER: &str = "Fixgen-Marker:";

/// The branch pull requests merge into must exist: as a local branch, or
/// as `remote`'s branch the last fetch saw. The forge would refuse a pull
/// request into a branch it lacks, after the fix branch was pushed.
pub fn find_base(repo: &Repository, remote: &str, base: &str) -> Result<Oid> {
    let local = format!("refs/heads/{base}");
    let tracking = format!("refs/remotes/{remote}/{base}");
    [&local, &tracking]
        .iter()
        .find_map(|name| repo.refname_to_id(name).ok())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--base {base}: no branch `{base}` here or on {remote} (neither {local} nor {tracking}; `git fetch {remote}` may bring it)"
            )
        })
}

/// Commits `files` on top of `parent` with `message`; returns the commit.
pub fn commit_changes(
    repo: &Repository,
    parent: Oid,
    files: &[FileChange],
    message: &str,
    author: &Author,
) -> Result<Oid> {
    let parent = repo.find_commit(parent)?;
    let base_tree = parent.tree()?;
    let mut update = TreeUpdateBuilder::new();
    for file in files {
        let blob = repo.blob(file.new.as_bytes())?;
        let mode = base_tree
            .get_path(std::path::Path::new(&file.path))
            .ok()
            .and_then(|e| match e.filemode() {
                0o100755 => Some(FileMode::BlobExecutable),
                _ => None,
            })
            .unwrap_or(FileMode::Blob);
        update.upsert(&file.path, blob, mode);
    }
    let tree = repo.find_tree(update.create_updated(repo, &base_tree)?)?;
    let signature = Signature::now(&author.name, &author.email)?;
    Ok(repo.commit(None, &signature, &signature, message, &tree, &[&parent])?)
}

/// Points the local branch `name` at `commit` (created or moved).
pub fn set_branch(repo: &Repository, name: &str, commit: Oid) -> Result<()> {
    let commit = repo.find_commit(commit)?;
    repo.branch(name, &commit, true)
        .with_context(|| format!("cannot set branch {name}"))?;
    Ok(())
}

/// What the remote's copy of a branch holds, relative to `base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteBranch {
    Absent,
    /// Every commit since `base` carries fixgen's marker: ours to replace.
    Ours {
        tip: Oid,
    },
    /// Someone else committed to it: left alone.
    Foreign {
        tip: Oid,
        author: String,
    },
}

/// Classifies the fetched `tip` of a branch against `base`.
pub fn classify(repo: &Repository, tip: Option<Oid>, base: Oid) -> Result<RemoteBranch> {
    let Some(tip) = tip else {
        return Ok(RemoteBranch::Absent);
    };
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    if let Ok(merge_base) = repo.merge_base(tip, base) {
        walk.hide(merge_base)?;
    }
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let message = commit.message().unwrap_or("");
        if !message.lines().any(|l| l.starts_with(MARKER_TRAILER)) {
            let author = commit.author().name().unwrap_or("someone").to_string();
            return Ok(RemoteBranch::Foreign { tip, author });
        }
    }
    Ok(RemoteBranch::Ours { tip })
}

/// True when two commits hold the same tree: nothing to push.
pub fn same_tree(repo: &Repository, a: Oid, b: Oid) -> bool {
    let tree = |oid| repo.find_commit(oid).and_then(|c| c.tree()).map(|t| t.id());
    matches!((tree(a), tree(b)), (Ok(x), Ok(y)) if x == y)
}
