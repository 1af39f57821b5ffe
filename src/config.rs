//! `.fixgen.toml` at the repository root: what a team decides once for
//! every run (rules on and off, parameters, excluded paths), so that a CI
//! job and a developer's `fixgen check` agree without repeating flags.
//! Flags override it: `--rule` replaces `[rules]`, `--set` a parameter,
//! and `--exclude` adds to `exclude`.
//!
//! ```toml
//! exclude = ["gen", "**/*_mock.go"]
//!
//! [rules]
//! enable = ["mysql-deadlock-retry"]
//! disable = ["reused-buffer"]
//!
//! [params.mysql-deadlock-retry]
//! tables = ["orders"]
//! ```
//!
//! Every mistake is an error naming the file and line, checked against
//! the rules before any Go file is read: a typo must not quietly turn a
//! gate's rule off.

use crate::engine::Rule;
use crate::exclude::Exclude;
use anyhow::{anyhow, bail, Context as _, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

pub const FILE_NAME: &str = ".fixgen.toml";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    rules: RulesTable,
    #[serde(default)]
    params: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesTable {
    #[serde(default)]
    enable: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
}

/// A loaded `.fixgen.toml` (empty when there is none).
#[derive(Debug, Default)]
pub struct Config {
    /// The file as the user reads it (from the current folder), for errors.
    shown: String,
    text: String,
    file: File,
}

impl Config {
    /// Reads `root/.fixgen.toml`, if there is one; `shown` names it in
    /// errors. Syntax and unknown keys are errors here, with their line.
    pub fn load(root: &Path, shown: &str) -> Result<Config> {
        let path = root.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {shown}")),
        };
        let mut config = Config {
            shown: shown.to_string(),
            text,
            file: File::default(),
        };
        config.file = toml::from_str(&config.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            config.error_at(offset, e.message().trim())
        })?;
        Ok(config)
    }

    /// The rules to run by default beside those on by default.
    pub fn enabled(&self) -> Vec<String> {
        self.file
            .rules
            .enable
            .iter()
            .map(|id| id.get_ref().clone())
            .collect()
    }

    pub fn disabled(&self) -> Vec<String> {
        self.file
            .rules
            .disable
            .iter()
            .map(|id| id.get_ref().clone())
            .collect()
    }

    /// The `exclude` globs compiled, with `extra` (from `--exclude`)
    /// after them; a broken glob of the file is named by its line.
    pub fn exclude(&self, extra: &[String]) -> Result<Exclude> {
        let own = self.file.exclude.len();
        let globs = self.file.exclude.iter().map(|g| g.get_ref().as_str());
        Exclude::new(globs.chain(extra.iter().map(String::as_str))).map_err(|(i, why)| {
            match self.file.exclude.get(i) {
                Some(glob) if i < own => {
                    self.error_at(glob.span().start, &format!("exclude: {why}"))
                }
                _ => anyhow!("--exclude: {why}"),
            }
        })
    }

    /// Checks every rule id and parameter against `rules` (all loaded,
    /// selected or not: a parameter holds whenever its rule runs) and
    /// sets the parameters, before `--set` overrides them.
    pub fn apply(&self, rules: &mut [Rule]) -> Result<()> {
        let known = |id: &Spanned<String>| -> Result<()> {
            match rules.iter().any(|r| &r.id == id.get_ref()) {
                true => Ok(()),
                false => Err(self.unknown_rule(id)),
            }
        };
        for id in &self.file.rules.enable {
            known(id)?;
        }
        for id in &self.file.rules.disable {
            known(id)?;
            if self
                .file
                .rules
                .enable
                .iter()
                .any(|e| e.get_ref() == id.get_ref())
            {
                bail!(self.error_at(
                    id.span().start,
                    &format!("rule `{}` is both enabled and disabled", id.get_ref())
                ));
            }
        }
        for (id, params) in &self.file.params {
            let Some(rule) = rules.iter_mut().find(|r| &r.id == id.get_ref()) else {
                return Err(self.unknown_rule(id));
            };
            for (name, value) in params {
                self.set_param(rule, name, value)?;
            }
        }
        Ok(())
    }

    /// One parameter's value, checked against the parameter's type as a
    /// `--set` value is (see `rule::param`).
    fn set_param(
        &self,
        rule: &mut Rule,
        name: &Spanned<String>,
        value: &Spanned<toml::Value>,
    ) -> Result<()> {
        let Some(info) = rule.param_info.get(name.get_ref()) else {
            bail!(self.error_at(
                name.span().start,
                &format!(
                    "rule `{}` has no parameter `{}` ({})",
                    rule.id,
                    name.get_ref(),
                    rule.params_listed()
                )
            ));
        };
        let checked = info.ty.check(value.get_ref()).map_err(|why| {
            self.error_at(
                value.span().start,
                &format!("`{}.{}`: {why}", rule.id, name.get_ref()),
            )
        })?;
        rule.params.insert(name.get_ref().clone(), checked);
        Ok(())
    }

    fn unknown_rule(&self, id: &Spanned<String>) -> anyhow::Error {
        self.error_at(
            id.span().start,
            &format!("unknown rule `{}` (see `fixgen rules`)", id.get_ref()),
        )
    }

    fn error_at(&self, offset: usize, message: &str) -> anyhow::Error {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        anyhow!("{}:{line}: {message}", self.shown)
    }
}
