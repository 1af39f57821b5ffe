//! `--verify`: proof that fixes build, and with `--verify=race` that the
//! races they are for are gone. The packages a fix touches get `gofmt -l`,
//! `go build` and `go vet` (which compiles the tests too) with the fixed
//! files read through `go -overlay`, so nothing is written until the fixes
//! have passed. A rule's fixes in a package that stops building are held
//! back (the engine leaves them out and reports their findings as not
//! fixed), the rest is computed again, and checked again, until what is
//! left passes. With `race`, `go test -race -count=N` runs on each touched
//! package before and after.

mod candidate;
mod compile;
mod gotool;
mod race;

pub use candidate::{candidates, Candidate};
pub use compile::Outcome;
pub use race::{RaceVerdict, TestRun};

use crate::engine::HeldBack;
use crate::go::module::find_module;
use anyhow::{Context as _, Result};
use gotool::{GoTool, Overlay};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How much `--verify` proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// gofmt, go build, go vet.
    Build,
    /// Also the touched packages' tests under the race detector.
    Race,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub level: Level,
    /// `go test -count` for `Race`.
    pub race_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("--verify needs the go command, and it cannot be run ({0}); install Go and put it on PATH, or leave out --verify")]
    GoMissing(String),
}

/// A package as the go command is asked about it.
#[derive(Debug, Clone)]
pub struct Package {
    /// The folder relative to the repository root (`""` at the root).
    pub dir: String,
    /// The folder holding its go.mod, where go runs.
    pub module_root: PathBuf,
    /// `./dal`, relative to `module_root`.
    pub pattern: String,
    pub import_path: String,
}

/// What verification found, package by package.
#[derive(Debug, Default)]
pub struct Report {
    pub go_version: String,
    pub level: Option<Level>,
    pub race_count: u32,
    /// Package folder → the checks' outcome with the fixes it kept.
    pub packages: BTreeMap<String, PackageReport>,
    /// Fixes left out, and why: (rule, package folder, message).
    pub held_back: Vec<(String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct PackageReport {
    pub import_path: String,
    pub outcome: Outcome,
    pub races: Option<RaceVerdict>,
}

pub struct Verifier {
    go: GoTool,
    root: PathBuf,
    options: Options,
    /// Race runs without the fixes, by package folder: they do not change.
    before: std::cell::RefCell<BTreeMap<String, TestRun>>,
}

impl Verifier {
    /// Fails when there is no go command to verify with.
    pub fn new(root: &Path, options: Options) -> Result<Self> {
        // go reads overlay paths as absolute ones; a relative root would
        // make it read the files on disk instead, and prove nothing.
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot find {}", root.display()))?;
        Ok(Verifier {
            go: GoTool::find()?,
            root,
            options,
            before: Default::default(),
        })
    }

    /// Computes fixes with `compute` (given what to hold back), verifies
    /// the candidates it returns, holds back the rules' fixes in packages
    /// that break, and computes again until every candidate passes.
    /// Returns the last computation and the report.
    pub fn until_clean<T>(
        &self,
        mut compute: impl FnMut(&HeldBack) -> Result<(T, Vec<Candidate>)>,
    ) -> Result<(T, Report)> {
        let mut held = HeldBack::default();
        let mut held_reasons = Vec::new();
        loop {
            let (value, candidates) = compute(&held)?;
            let mut report = self.report();
            let mut grew = false;
            for candidate in candidates.iter().filter(|c| !c.is_empty()) {
                for (dir, outcome, races) in self.check(candidate)? {
                    let broken = match (&outcome, races.as_ref().and_then(RaceVerdict::broken)) {
                        (Outcome::Broken(message), _) => Some(message.clone()),
                        (_, Some(message)) => Some(message),
                        _ => None,
                    };
                    if let Some(message) = broken {
                        for rule in &candidate.culprits(&dir, &message) {
                            if held.insert(rule, &dir) {
                                held_reasons.push((rule.clone(), dir.clone(), message.clone()));
                                grew = true;
                            }
                        }
                        continue;
                    }
                    let import_path = self.package(&dir).import_path;
                    report.packages.insert(
                        dir,
                        PackageReport {
                            import_path,
                            outcome,
                            races,
                        },
                    );
                }
            }
            if !grew {
                report.held_back = held_reasons;
                return Ok((value, report));
            }
        }
    }

    fn report(&self) -> Report {
        Report {
            go_version: self.go.version.clone(),
            level: Some(self.options.level),
            race_count: self.options.race_count,
            ..Report::default()
        }
    }

    /// Every touched package of `candidate`: the checks, then the races.
    fn check(&self, candidate: &Candidate) -> Result<Vec<(String, Outcome, Option<RaceVerdict>)>> {
        let overlay = Overlay::write(&self.root, &candidate.files)
            .context("cannot write the fixed files for go to read")?;
        let mut out = Vec::new();
        for dir in candidate.dirs() {
            let package = self.package(dir);
            let outcome = compile::check(&self.go, &self.root, &package, &overlay);
            let races = (self.options.level == Level::Race
                && !matches!(outcome, Outcome::Broken(_)))
            .then(|| self.races(&package, &overlay));
            out.push((dir.to_string(), outcome, races));
        }
        Ok(out)
    }

    fn races(&self, package: &Package, overlay: &Overlay) -> RaceVerdict {
        let count = self.options.race_count;
        let before = self
            .before
            .borrow_mut()
            .entry(package.dir.clone())
            .or_insert_with(|| race::run(&self.go, package, count, None))
            .clone();
        let after = race::run(&self.go, package, count, Some(overlay));
        RaceVerdict {
            before,
            after,
            count,
        }
    }

    fn package(&self, dir: &str) -> Package {
        let abs = self.root.join(dir);
        let module = find_module(&abs);
        let module_root = module
            .as_ref()
            .map_or_else(|| self.root.clone(), |m| m.root.clone());
        let rel = abs
            .strip_prefix(&module_root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let pattern = if rel.is_empty() {
            ".".to_string()
        } else {
            format!("./{rel}")
        };
        let import_path = match (&module, rel.is_empty()) {
            (Some(m), true) => m.path.clone(),
            (Some(m), false) => format!("{}/{rel}", m.path),
            (None, _) => pattern.clone(),
        };
        Package {
            dir: dir.to_string(),
            module_root,
            pattern,
            import_path,
        }
    }
}

impl Report {
    /// What was verified for changes to the files `paths`, in words for a
    /// commit message or a PR body.
    pub fn describe(&self, paths: &[&str]) -> String {
        let mut dirs: Vec<&str> = paths.iter().map(|p| crate::workspace::dir_of(p)).collect();
        dirs.sort();
        dirs.dedup();
        let mut parts = Vec::new();
        for dir in dirs {
            let Some(package) = self.packages.get(dir) else {
                continue;
            };
            let mut text = match &package.outcome {
                Outcome::Passed => format!(
                    "`{}`: `gofmt -l`, `go build` and `go vet` pass with the fix",
                    package.import_path
                ),
                Outcome::FailedBefore(_) => format!(
                    "`{}`: did not build or vet cleanly before the fix either, so not verified",
                    package.import_path
                ),
                Outcome::Broken(_) => continue,
            };
            if let Some(races) = &package.races {
                text.push_str(&format!(
                    "; `go test -race -count={}`: {}",
                    races.count,
                    races.describe()
                ));
            }
            parts.push(text);
        }
        if parts.is_empty() {
            return crate::output::messages::VERIFIED_BY_FIXGEN.to_string();
        }
        format!(
            "fixgen re-parsed every changed file and ran the rules again on the result: nothing left to change. With {}: {}.",
            self.go_version,
            parts.join("; ")
        )
    }

    /// The report for a terminal, a line per package, then what was held back.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (dir, package) in &self.packages {
            let shown = if dir.is_empty() { "." } else { dir.as_str() };
            let checks = match &package.outcome {
                Outcome::Passed => "gofmt, build, vet: ok".to_string(),
                Outcome::FailedBefore(why) => {
                    format!("not verified: {}", why.lines().next().unwrap_or(""))
                }
                Outcome::Broken(why) => format!("broken: {why}"),
            };
            lines.push(format!(
                "verify: {shown} ({}): {checks}",
                package.import_path
            ));
            if let Some(races) = &package.races {
                lines.push(format!(
                    "verify: {shown}: go test -race -count={}: {}",
                    races.count,
                    races.describe()
                ));
            }
        }
        for (rule, dir, message) in &self.held_back {
            let shown = if dir.is_empty() { "." } else { dir.as_str() };
            lines.push(format!(
                "verify: {shown}: {rule}'s fixes left out: the package does not pass with them:"
            ));
            lines.extend(message.lines().map(|l| format!("    {l}")));
        }
        lines
    }
}
