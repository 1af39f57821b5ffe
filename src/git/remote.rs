//! Talking to a remote with git2: fetching a branch to see what it holds,
//! pushing fix branches. A token goes to git only through the credentials
//! callback; it is never part of a URL, a message or an error.

use anyhow::{anyhow, Result};
use git2::{Cred, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};

/// Credentials: the ssh agent for ssh remotes; for https remotes the forge
/// token as the password.
fn callbacks(token: Option<&str>) -> RemoteCallbacks<'_> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, username, allowed| {
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        match token {
            Some(token) => Cred::userpass_plaintext(username.unwrap_or("x-access-token"), token),
            None => Err(git2::Error::from_str(
                "the remote asks for credentials: set GITHUB_TOKEN, GITLAB_TOKEN or GITEA_TOKEN",
            )),
        }
    });
    callbacks
}

/// The remote's URL, to name the forge and the repository.
pub fn url(repo: &Repository, remote: &str) -> Result<String> {
    let remote = repo
        .find_remote(remote)
        .map_err(|_| anyhow!("no remote named `{remote}` (see `git remote -v`)"))?;
    remote
        .url()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("remote `{}` has no URL", remote.name().unwrap_or("?")))
}

/// Fetches `branch` from `remote`; its tip, or `None` when the remote has
/// no such branch.
pub fn fetch_branch(
    repo: &Repository,
    remote: &str,
    branch: &str,
    token: Option<&str>,
) -> Result<Option<Oid>> {
    let mut handle = repo.find_remote(remote)?;
    let tracking = format!("refs/remotes/{remote}/{branch}");
    let refspec = format!("+refs/heads/{branch}:{tracking}");
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks(token));
    // A missing branch is not an error for us: the ref is simply not there.
    let _ = repo.find_reference(&tracking).map(|mut r| r.delete());
    handle
        .fetch(&[&refspec], Some(&mut options), None)
        .map_err(|e| anyhow!("cannot fetch {branch} from {remote}: {}", e.message()))?;
    Ok(repo.find_reference(&tracking).ok().and_then(|r| r.target()))
}

/// Pushes the local `branch` to `remote`, replacing what is there (the
/// caller has checked that it is fixgen's own).
pub fn push_branch(
    repo: &Repository,
    remote: &str,
    branch: &str,
    token: Option<&str>,
) -> Result<()> {
    let mut handle = repo.find_remote(remote)?;
    let mut rejected: Option<String> = None;
    {
        let mut callbacks = callbacks(token);
        callbacks.push_update_reference(|reference, status| {
            if let Some(message) = status {
                rejected = Some(format!("{reference}: {message}"));
            }
            Ok(())
        });
        let mut options = PushOptions::new();
        options.remote_callbacks(callbacks);
        let refspec = format!("+refs/heads/{branch}:refs/heads/{branch}");
        handle
            .push(&[&refspec], Some(&mut options))
            .map_err(|e| anyhow!("cannot push {branch} to {remote}: {}", e.message()))?;
    }
    match rejected {
        Some(why) => Err(anyhow!("the remote refused {why}")),
        None => Ok(()),
    }
}
