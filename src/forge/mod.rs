//! Pull requests over the forges' REST APIs: GitHub (and GitHub
//! Enterprise), GitLab merge requests, Gitea. Each speaks list, create and
//! update; the API base URL is configurable for self-hosted forges.

mod gitea;
mod github;
mod gitlab;
pub mod http;

use anyhow::{anyhow, bail, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Github,
    Gitlab,
    Gitea,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    /// Closed without merging: by a person, so not reopened lightly.
    Closed,
    Merged,
}

#[derive(Debug, Clone)]
pub struct PullRequest {
    pub number: u64,
    pub url: String,
    pub state: State,
    pub body: String,
}

pub struct NewPullRequest<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub head: &'a str,
    pub base: &'a str,
    pub draft: bool,
    pub labels: &'a [String],
    pub reviewers: &'a [String],
}

pub trait Forge {
    /// The newest pull request whose head is `branch`, in any state.
    fn find(&self, branch: &str) -> Result<Option<PullRequest>>;
    fn create(&self, pr: &NewPullRequest) -> Result<PullRequest>;
    fn update(&self, number: u64, title: &str, body: &str) -> Result<PullRequest>;
}

/// The environment variable holding a forge's token.
pub fn token_variable(kind: Kind) -> &'static str {
    match kind {
        Kind::Github => "GITHUB_TOKEN",
        Kind::Gitlab => "GITLAB_TOKEN",
        Kind::Gitea => "GITEA_TOKEN",
    }
}

/// The forge's token from its environment variable, registered as a
/// secret so that nothing fixgen prints or stores shows it.
pub fn token(kind: Kind) -> Option<String> {
    let token = std::env::var(token_variable(kind))
        .ok()
        .filter(|t| !t.is_empty())?;
    crate::secrets::register_token(&token);
    Some(token)
}

pub fn connect(
    kind: Kind,
    api_url: &str,
    slug: &str,
    token: Option<String>,
) -> Result<Box<dyn Forge>> {
    let api = api_url.trim_end_matches('/').to_string();
    Ok(match kind {
        Kind::Github => Box::new(github::GitHub::new(api, slug, token)),
        Kind::Gitlab => Box::new(gitlab::GitLab::new(api, slug, token)),
        Kind::Gitea => Box::new(gitea::Gitea::new(api, slug, token)),
    })
}

/// What a remote URL says: the forge (by host), its default API URL and
/// the repository's `owner/name`.
pub struct RemoteInfo {
    pub kind: Option<Kind>,
    pub api_url: Option<String>,
    pub slug: Option<String>,
}

pub fn parse_remote_url(url: &str) -> RemoteInfo {
    // https://host/owner/name(.git), ssh://git@host/owner/name, git@host:owner/name
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(url)
        .trim_start_matches("git@");
    let (host, path) = match rest.split_once(['/', ':']) {
        Some((host, path)) => (host.rsplit('@').next().unwrap_or(host), path),
        None => ("", ""),
    };
    let slug = path.trim_end_matches('/').trim_end_matches(".git");
    let slug = (slug.matches('/').count() >= 1 && !host.is_empty()).then(|| slug.to_string());
    let kind = if host == "github.com" {
        Some(Kind::Github)
    } else if host.contains("gitlab") {
        Some(Kind::Gitlab)
    } else if host.contains("gitea") || host == "codeberg.org" {
        Some(Kind::Gitea)
    } else {
        None
    };
    let api_url = kind.map(|k| match k {
        Kind::Github => "https://api.github.com".to_string(),
        Kind::Gitlab => format!("https://{host}/api/v4"),
        Kind::Gitea => format!("https://{host}/api/v1"),
    });
    RemoteInfo {
        kind,
        api_url,
        slug,
    }
}

fn split_slug(slug: &str) -> Result<(&str, &str)> {
    match slug.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() => Ok((owner, name)),
        _ => bail!("--slug `{slug}`: expected OWNER/NAME"),
    }
}

fn field<'v>(value: &'v serde_json::Value, key: &str) -> Result<&'v serde_json::Value> {
    value
        .get(key)
        .ok_or_else(|| anyhow!("the forge's answer has no `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_name_forge_and_repository() {
        let r = parse_remote_url("https://github.com/acme/api.git");
        assert_eq!(
            (r.kind, r.slug.as_deref()),
            (Some(Kind::Github), Some("acme/api"))
        );
        assert_eq!(r.api_url.as_deref(), Some("https://api.github.com"));
        let r = parse_remote_url("git@gitlab.example.com:group/sub/proj.git");
        assert_eq!(r.kind, Some(Kind::Gitlab));
        assert_eq!(r.slug.as_deref(), Some("group/sub/proj"));
        assert_eq!(
            r.api_url.as_deref(),
            Some("https://gitlab.example.com/api/v4")
        );
        let r = parse_remote_url("/srv/git/api.git");
        assert_eq!((r.kind, r.slug), (None, None));
    }
}
