//! `OUT/manifest.json`: where every repository of a batch stands, written
//! atomically after every step so that a killed run resumes from it.

use crate::fsio::create_or_replace;
use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not started yet.
    Pending,
    /// Being cloned or fetched.
    Cloning,
    /// Being scanned and patched.
    Scanning,
    /// Its pull requests are being opened.
    Publishing,
    /// Patches written.
    Patched,
    /// Nothing to fix.
    Clean,
    /// Patches written and pull requests opened or updated.
    PrOpen,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Cloning => "cloning",
            Status::Scanning => "scanning",
            Status::Publishing => "publishing",
            Status::Patched => "patched",
            Status::Clean => "clean",
            Status::PrOpen => "pr-open",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoState {
    pub name: String,
    pub url: String,
    /// The branch the patches are made against.
    pub base: Option<String>,
    /// The commit the patches were made against.
    pub base_commit: Option<String>,
    pub status: Status,
    /// Patch files, relative to OUT (`acme/api/0001-rule.patch`).
    #[serde(default)]
    pub patches: Vec<String>,
    /// The first pull request (`pr_urls` has them all, one per branch).
    pub pr_url: Option<String>,
    #[serde(default)]
    pub pr_urls: Vec<String>,
    pub error: Option<String>,
    /// Findings by rule, fixable or not.
    #[serde(default)]
    pub findings: BTreeMap<String, usize>,
    /// Files skipped with a warning (did not parse, unreadable).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The rules and parameters the state was reached with: `--resume`
    /// redoes a repository when they change.
    #[serde(default)]
    pub rule_set: String,
    /// With `--verify`: what the go command said, package by package, and
    /// the fixes left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification: Vec<String>,
}

impl RepoState {
    pub fn pending(name: &str, url: &str, base: Option<&str>) -> Self {
        RepoState {
            name: name.to_string(),
            url: url.to_string(),
            base: base.map(str::to_string),
            base_commit: None,
            status: Status::Pending,
            patches: Vec::new(),
            pr_url: None,
            pr_urls: Vec::new(),
            error: None,
            findings: BTreeMap::new(),
            verification: Vec::new(),
            warnings: Vec::new(),
            rule_set: String::new(),
        }
    }

    /// Finished with nothing left to do for this run's goal.
    pub fn is_done(&self, open_prs: bool) -> bool {
        match self.status {
            Status::Clean | Status::PrOpen => true,
            Status::Patched => !open_prs,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub repos: Vec<RepoState>,
}

impl Manifest {
    /// The manifest in `out`, or an empty one when there is none yet.
    pub fn load(out: &Path) -> Result<Manifest> {
        let path = out.join("manifest.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{}: not a fixgen manifest", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Written to a temporary file, then renamed: a crash leaves the old
    /// manifest or the new one, never half of one.
    /// Secrets are masked in every value.
    pub fn save(&self, out: &Path) -> Result<()> {
        let mut value = serde_json::to_value(self).expect("the manifest serialises");
        crate::secrets::redact_json(&mut value);
        let text = serde_json::to_string_pretty(&value).expect("JSON serialises") + "\n";
        create_or_replace(&out.join("manifest.json"), &text)
    }

    pub fn get(&self, name: &str) -> Option<&RepoState> {
        self.repos.iter().find(|r| r.name == name)
    }

    /// Replaces the state of `state.name`, or adds it.
    pub fn put(&mut self, state: RepoState) {
        match self.repos.iter_mut().find(|r| r.name == state.name) {
            Some(slot) => *slot = state,
            None => self.repos.push(state),
        }
    }
}
