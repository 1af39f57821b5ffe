//! Talking to a remote with git2: fetching a branch to see what it holds,
//! pushing fix branches. A token goes to git only through the credentials
//! callback; it is never part of a URL, a message or an error.

use crate::secrets::strip_userinfo;
use anyhow::{anyhow, Result};
use git2::{Cred, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};

/// Credentials: the ssh agent for ssh remotes; for https remotes the forge
/// token as the password.
fn callbacks(token: Option<&str>) -> RemoteCallbacks<'_> {
    callbacks_with(token, None)
}

/// `callbacks`, with the user and password a repository URL carried
/// (taken first): the URL git stores is one without them.
fn callbacks_with<'a>(
    token: Option<&'a str>,
    login: Option<&'a (String, String)>,
) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, username, allowed| {
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if let Some((user, password)) = login {
            return Cred::userpass_plaintext(user, password);
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
    let url = remote.url().map(str::to_string);
    // A URL may carry credentials (`https://user:token@host/…`).
    url.iter().for_each(|u| crate::secrets::register_url(u));
    url.ok_or_else(|| anyhow!("remote `{}` has no URL", remote.name().unwrap_or("?")))
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

/// Where a batch checkout stands: the branch and its commit.
pub struct Fetched {
    pub base: String,
    pub commit: Oid,
}

/// Clones `url` into `dir`, or fetches into the clone an earlier run left
/// there, and checks out the tip of `base` (the remote's default branch
/// when `None`), discarding anything else in the folder. Shallow (one
/// commit) over the network; libgit2's local transport cannot do shallow.
///
/// `dir` is fixgen's own scratch folder. A run killed while it wrote there
/// can leave it half-done (a stale `config.lock`, a torn index): when the
/// folder an earlier run left cannot be reused, it is removed and the
/// repository cloned afresh.
pub fn fetch_checkout(
    url: &str,
    dir: &std::path::Path,
    base: Option<&str>,
    token: Option<&str>,
) -> Result<Fetched> {
    let local = url.strip_prefix("file://").unwrap_or(url);
    if !is_network_url(url) && !std::path::Path::new(local).exists() {
        return Err(anyhow!("{}: no such repository", strip_userinfo(url)));
    }
    let left_by_earlier_run = dir.exists();
    match fetch_checkout_into(url, dir, base, token) {
        Err(_) if left_by_earlier_run => {
            std::fs::remove_dir_all(dir)?;
            fetch_checkout_into(url, dir, base, token)
        }
        result => result,
    }
}

fn fetch_checkout_into(
    url: &str,
    dir: &std::path::Path,
    base: Option<&str>,
    token: Option<&str>,
) -> Result<Fetched> {
    let repo = match Repository::open(dir) {
        Ok(repo) => repo,
        Err(_) => {
            std::fs::create_dir_all(dir)?;
            Repository::init(dir)?
        }
    };
    // The clone's config holds the URL without credentials (it is a file
    // on disk, in the batch's output); git gets them from memory.
    let shown = strip_userinfo(url);
    let login = crate::secrets::url_login(url);
    if repo.find_remote("origin").is_err() {
        repo.remote("origin", &shown)?;
    } else {
        repo.remote_set_url("origin", &shown)?;
    }
    let mut remote = repo.find_remote("origin")?;
    let base = match base {
        Some(b) => b.to_string(),
        None => {
            let connection = remote
                .connect_auth(
                    git2::Direction::Fetch,
                    Some(callbacks_with(token, login.as_ref())),
                    None,
                )
                .map_err(|e| anyhow!("cannot reach {shown}: {}", e.message()))?;
            let head = connection
                .default_branch()
                .map_err(|e| anyhow!("{shown} names no default branch: {}", e.message()))?;
            let head = head.as_str().unwrap_or("").to_string();
            drop(connection);
            head.trim_start_matches("refs/heads/").to_string()
        }
    };
    let tracking = format!("refs/remotes/origin/{base}");
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks_with(token, login.as_ref()));
    if is_network_url(url) {
        options.depth(1);
    }
    remote
        .fetch(
            &[&format!("+refs/heads/{base}:{tracking}")],
            Some(&mut options),
            None,
        )
        .map_err(|e| anyhow!("cannot fetch {base} from {shown}: {}", e.message()))?;
    let commit = repo
        .find_reference(&tracking)
        .ok()
        .and_then(|r| r.target())
        .ok_or_else(|| anyhow!("{shown} has no branch `{base}`"))?;
    let object = repo.find_object(commit, None)?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force().remove_untracked(true).remove_ignored(true);
    repo.checkout_tree(&object, Some(&mut checkout))?;
    repo.set_head_detached(commit)?;
    Ok(Fetched { base, commit })
}

fn is_network_url(url: &str) -> bool {
    ["https://", "http://", "ssh://", "git://"]
        .iter()
        .any(|p| url.starts_with(p))
        || (url.contains('@') && url.contains(':') && !url.contains("://"))
}
