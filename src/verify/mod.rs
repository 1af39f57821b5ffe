//! `--verify`: proof that fixes build, and with `--verify=race` that the
//! races they are for are gone. The packages a fix touches get `gofmt -l`,
//! `go build` and `go vet` (which compiles the tests too) with the fixed
//! files read through `go -overlay`, so nothing is written until the fixes
//! have passed. A rule's fixes in a package that stops building are held
//! back (the engine leaves them out and reports their findings as not
//! fixed), the rest is computed again, and checked again, until what is
//! left passes. Build and vet run under each build configuration the
//! files of the package and of the repository's packages it imports name:
//! no tags, then `-tags` lists that select the files behind `//go:build`
//! lines (`-tags cluster_proxy` for the other side of
//! `//go:build !cluster_proxy`), at most [`MAX_TAG_SETS`] in all. With `race`, `go test -race -count=N` runs on each touched
//! package before and after.

mod candidate;
mod compile;
mod gotool;
mod race;

pub use candidate::{candidates, Candidate};
pub use compile::Outcome;
pub use race::{RaceVerdict, TestRun};

use crate::engine::HeldBack;
use crate::go::buildtags::tag_sets;
use crate::go::module::find_module;
use anyhow::{Context as _, Result};
use gotool::{GoTool, Overlay};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Of the default build, or the first `-tags` build the fixes break.
    pub outcome: Outcome,
    /// The builds with `-tags` besides the default one, and their outcome
    /// (passed or failing before the fix too).
    pub tagged: Vec<(Vec<String>, Outcome)>,
    /// `-tags` lists that would build other files, left out by the limit.
    pub tags_dropped: usize,
    pub races: Option<RaceVerdict>,
}

/// At most this many builds per package (the default one included).
pub const MAX_TAG_SETS: usize = 8;

/// One package's checks, over all its builds.
struct Checked {
    dir: String,
    outcome: Outcome,
    tagged: Vec<(Vec<String>, Outcome)>,
    tags_dropped: usize,
    races: Option<RaceVerdict>,
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
                for checked in self.check(candidate)? {
                    let Checked {
                        dir,
                        outcome,
                        tagged,
                        tags_dropped,
                        races,
                    } = checked;
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
                            tagged,
                            tags_dropped,
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

    /// Every touched package of `candidate`: the checks under each build
    /// configuration (the first that breaks decides), then the races.
    fn check(&self, candidate: &Candidate) -> Result<Vec<Checked>> {
        let overlay = Overlay::write(&self.root, &candidate.files)
            .context("cannot write the fixed files for go to read")?;
        let mut out = Vec::new();
        for dir in candidate.dirs() {
            let package = self.package(dir);
            let mut outcome = compile::check(&self.go, &self.root, &package, &overlay, &[]);
            let mut tagged = Vec::new();
            let mut tags_dropped = 0;
            if !matches!(outcome, Outcome::Broken(_)) {
                let files = self.package_files(&package, candidate, &overlay);
                let sets = tag_sets(&files, &self.go.target, MAX_TAG_SETS);
                tags_dropped = sets.dropped;
                for tags in sets.sets.into_iter().filter(|t| !t.is_empty()) {
                    let result = compile::check(&self.go, &self.root, &package, &overlay, &tags);
                    if matches!(result, Outcome::Broken(_)) {
                        outcome = result;
                        break;
                    }
                    tagged.push((tags, result));
                }
            }
            let races = (self.options.level == Level::Race
                && !matches!(outcome, Outcome::Broken(_)))
            .then(|| self.races(&package, &overlay));
            out.push(Checked {
                dir: dir.to_string(),
                outcome,
                tagged,
                tags_dropped,
                races,
            });
        }
        Ok(out)
    }

    /// The Go files (base name, text), as the fixes leave them, of the
    /// package and of the packages of this repository it imports, tests
    /// included: their constraints decide what the package's builds see
    /// too. Only the package's own files when `go list` fails. Files the
    /// fixes leave alone are read no further than their header.
    fn package_files(
        &self,
        package: &Package,
        candidate: &Candidate,
        overlay: &Overlay,
    ) -> Vec<(String, String)> {
        let format = "{{if not .Standard}}{{.Dir}}{{end}}";
        let listed = self.go.go(
            &package.module_root,
            &[
                "list",
                "-e",
                "-deps",
                "-test",
                "-f",
                format,
                &package.pattern,
            ],
            Some(overlay),
        );
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        dirs.insert(package.dir.clone());
        if listed.success {
            for line in listed.output.lines() {
                if let Ok(rel) = Path::new(line.trim()).strip_prefix(&self.root) {
                    dirs.insert(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut files = Vec::new();
        for dir in &dirs {
            let mut texts: BTreeMap<String, String> = BTreeMap::new();
            if let Ok(entries) = std::fs::read_dir(self.root.join(dir)) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let ignored = name.starts_with(['.', '_']) || !name.ends_with(".go");
                    if ignored || !entry.file_type().is_ok_and(|t| t.is_file()) {
                        continue;
                    }
                    if let Some(header) = read_header(&entry.path()) {
                        texts.insert(name, header);
                    }
                }
            }
            for (rel, text) in &candidate.files {
                if crate::workspace::dir_of(rel) == dir {
                    let name = rel.rsplit('/').next().unwrap_or(rel);
                    texts.insert(name.to_string(), text.clone());
                }
            }
            files.extend(texts);
        }
        files
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
            let passed: Vec<String> = package
                .tagged
                .iter()
                .filter(|(_, o)| *o == Outcome::Passed)
                .map(|(tags, _)| format!("`-tags {}`", tags.join(",")))
                .collect();
            if !passed.is_empty() {
                text.push_str(&format!(", also with {}", passed.join(", ")));
            }
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
            for (tags, outcome) in &package.tagged {
                let checks = match outcome {
                    Outcome::Passed => "build, vet: ok".to_string(),
                    Outcome::FailedBefore(why) | Outcome::Broken(why) => {
                        format!("not verified: {}", why.lines().next().unwrap_or(""))
                    }
                };
                lines.push(format!(
                    "verify: {shown}: -tags {}: {checks}",
                    tags.join(",")
                ));
            }
            if package.tags_dropped > 0 {
                lines.push(format!(
                    "verify: {shown}: {} more -tags combination(s) not built: at most {MAX_TAG_SETS} builds per package",
                    package.tags_dropped
                ));
            }
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

/// Build constraints stand before the package clause: no more of a file
/// is read for them, however large it is (a generated giant is not read
/// whole just to learn it has no constraint).
const HEADER_BYTES: u64 = 64 * 1024;

/// The start of the file at `path`, as text: its build constraints.
fn read_header(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(HEADER_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    // A cut through a character mars only text after the header.
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tagged_build_and_the_ones_left_out_are_reported() {
        let mut report = Report {
            go_version: "go1.26.8".to_string(),
            ..Report::default()
        };
        report.packages.insert(
            "svc".to_string(),
            PackageReport {
                import_path: "example.com/m/svc".to_string(),
                outcome: Outcome::Passed,
                tagged: vec![
                    (vec!["cluster_proxy".to_string()], Outcome::Passed),
                    (
                        vec!["e2e".to_string(), "slow".to_string()],
                        Outcome::FailedBefore(
                            "go build -tags e2e,slow failed before the fix too:\n# x".to_string(),
                        ),
                    ),
                ],
                tags_dropped: 2,
                races: None,
            },
        );
        assert_eq!(
            report.lines(),
            [
                "verify: svc (example.com/m/svc): gofmt, build, vet: ok",
                "verify: svc: -tags cluster_proxy: build, vet: ok",
                "verify: svc: -tags e2e,slow: not verified: go build -tags e2e,slow failed before the fix too:",
                "verify: svc: 2 more -tags combination(s) not built: at most 8 builds per package",
            ]
        );
        let described = report.describe(&["svc/a.go"]);
        assert!(
            described.ends_with(
                "`go build` and `go vet` pass with the fix, also with `-tags cluster_proxy`."
            ),
            "{described}"
        );
        assert!(!described.contains("e2e"), "{described}");
    }
}
