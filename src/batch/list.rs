//! The repository list (`REPOS.toml`) and the share of it one machine runs.
//!
//! ```toml
//! [[repo]]
//! url = "https://github.com/acme/api.git"   # or a local path, or file://
//! name = "acme/api"                          # optional, from the url
//! base = "main"                              # optional, the remote's default
//! ```

use crate::rule::RuleError;
use anyhow::Context as _;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    pub url: String,
    /// Unique in the list; also the folder of its patches (`OUT/<name>/`).
    pub name: String,
    pub base: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    #[serde(default)]
    repo: Vec<toml::Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    url: String,
    name: Option<String>,
    base: Option<String>,
}

/// Reads the list; errors name the file and line. Relative local paths are
/// taken relative to the list's folder.
pub fn read(path: &Path) -> anyhow::Result<Vec<RepoSpec>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the repository list", path.display()))?;
    let at = |offset: usize, message: String| {
        RuleError::at(&path.display().to_string(), &text, offset, message)
    };
    let file: ListFile = toml::from_str(&text).map_err(|e| {
        at(
            e.span().map_or(0, |s| s.start),
            e.message().trim().to_string(),
        )
    })?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let base_dir = std::path::absolute(parent.unwrap_or(Path::new(".")))
        .with_context(|| format!("{}: cannot tell its folder", path.display()))?;
    let mut repos: Vec<RepoSpec> = Vec::new();
    // The line of each entry taken so far, for errors naming two entries.
    let mut lines: Vec<usize> = Vec::new();
    for entry in &file.repo {
        let offset = entry.span().start;
        let e = entry.get_ref();
        // The clone may use credentials written into the URL; nothing shows them.
        crate::secrets::register_url(&e.url);
        let url = resolve_local(&e.url, &base_dir);
        let name = match &e.name {
            Some(n) => n.clone(),
            None => name_from_url(&e.url),
        };
        if !valid_name(&name) {
            return Err(at(
                offset,
                format!("repository name `{name}`: letters, digits, `-`, `_`, `.` and `/` only, no `..`"),
            )
            .into());
        }
        if repos.iter().any(|r| r.name == name) {
            return Err(at(
                offset,
                format!("repository name `{name}` is listed twice; give one a `name`"),
            )
            .into());
        }
        if let Some((other, line)) = repos
            .iter()
            .zip(&lines)
            .find(|(r, _)| nested(&r.name, &name))
        {
            return Err(at(
                offset,
                format!(
                    "repository names `{name}` and `{}` (line {line}) nest: OUT/{}/ would hold both; give one another `name`",
                    other.name,
                    shorter(&name, &other.name),
                ),
            )
            .into());
        }
        lines.push(at(offset, String::new()).line);
        repos.push(RepoSpec {
            url,
            name,
            base: e.base.clone(),
        });
    }
    if repos.is_empty() {
        return Err(at(0, "no [[repo]] entries".to_string()).into());
    }
    Ok(repos)
}

/// `https://github.com/acme/api.git` → `acme/api`; `/srv/git/api` → `api`.
pub fn name_from_url(url: &str) -> String {
    let url = crate::secrets::strip_userinfo(url);
    let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
    let remote = trimmed.contains("://") && !trimmed.starts_with("file://")
        || trimmed.contains('@') && trimmed.contains(':');
    let parts: Vec<&str> = trimmed
        .split(['/', ':'])
        .filter(|p| !p.is_empty())
        .collect();
    let take = if remote { 2 } else { 1 };
    parts[parts.len().saturating_sub(take)..].join("/")
}

/// Whether one name is a folder inside the other (`acme`, `acme/bytes`):
/// their patches and clones would share a folder.
fn nested(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

fn shorter<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() <= b.len() {
        a
    } else {
        b
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

/// A relative local path is relative to the list's folder.
fn resolve_local(url: &str, base_dir: &Path) -> String {
    let is_remote = url.contains("://") || url.contains('@') && url.contains(':');
    if is_remote || Path::new(url).is_absolute() {
        return url.to_string();
    }
    base_dir.join(url).display().to_string()
}

/// Whether `name` belongs to shard `index` (1-based) of `count`: a stable
/// hash of the name, so every machine of a CI matrix agrees.
pub fn in_shard(name: &str, index: u32, count: u32) -> bool {
    let hash = crate::changeset::fnv1a(name.as_bytes());
    hash % u64::from(count) == u64::from(index - 1)
}

/// `2/4` → (2, 4).
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard `{text}`: expected I/N, e.g. 1/4"))?;
    let (i, n): (u32, u32) = (
        i.trim()
            .parse()
            .map_err(|_| format!("--shard `{text}`: I must be a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("--shard `{text}`: N must be a number"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard `{text}`: need 1 <= I <= N"));
    }
    Ok((i, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_urls() {
        assert_eq!(name_from_url("https://github.com/acme/api.git"), "acme/api");
        assert_eq!(name_from_url("git@github.com:acme/api.git"), "acme/api");
        assert_eq!(name_from_url("/srv/git/api/"), "api");
        assert_eq!(name_from_url("file:///srv/git/api.git"), "api");
    }

    #[test]
    fn only_a_whole_folder_prefix_nests() {
        assert!(nested("acme", "acme/bytes") && nested("acme/bytes", "acme"));
        assert!(!nested("acme", "acme-bytes"));
        assert!(!nested("acme/b", "acme/bytes"));
    }

    #[test]
    fn shards_cover_the_list_once() {
        let names: Vec<String> = (0..200).map(|i| format!("org/repo-{i}")).collect();
        for n in 1..=5 {
            for name in &names {
                let owners = (1..=n).filter(|&i| in_shard(name, i, n)).count();
                assert_eq!(owners, 1, "{name} in {n} shards");
            }
        }
        assert!(parse_shard("0/2").is_err());
        assert!(parse_shard("3/2").is_err());
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
    }
}
