//! What every scanning command does first: load and select rules, find the
//! repository, pick the files, scan.

use super::GlobalArgs;
use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use fixgen::changeset::{ChangeSet, Stacking};
use fixgen::config::{self, Config};
use fixgen::engine::HeldBack;
use fixgen::engine::{load_rules, select_rules, Rule, Selection};
use fixgen::engine::{Engine, Location};
use fixgen::output::progress::ScanProgress;
use fixgen::output::shown::Shown;
use fixgen::scan::{scan_with, ScanReport};
use fixgen::verify::{candidates, Candidate, Level, Options, Report, Verifier};
use fixgen::workspace::{Filters, Workspace};
use std::path::PathBuf;

pub struct Session {
    pub workspace: Workspace,
    pub engine: Engine,
    pub report: ScanReport,
}

pub fn engine(global: &GlobalArgs, workspace: &Workspace) -> Result<Engine> {
    let (rules, known) = rules_and_known(global, workspace)?;
    let locations = global
        .at
        .iter()
        .map(|a| relative_location(a, Some(workspace)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Engine::new(rules, locations)
        .with_known_rules(known)
        .with_max_filesize(global.max_filesize)
        .with_root(workspace.root.clone())
        .with_format_check())
}

/// The rules this run uses: every rule loaded, set up by the
/// repository's `.fixgen.toml`, then chosen and set by the flags; and the
/// ids of every rule loaded (`known_rules`), from one load: compiling the
/// rules' queries is most of a small run's time.
fn rules_and_known(global: &GlobalArgs, workspace: &Workspace) -> Result<(Vec<Rule>, Vec<String>)> {
    let mut rules = load_rules(&global.rule_dirs)?;
    let known = rules.iter().map(|r| r.id.clone()).collect();
    let config = config(workspace)?;
    config.apply(&mut rules)?;
    let selection = Selection {
        only: global.rules_only.clone(),
        sets: global.sets.clone(),
        enable: config.enabled(),
        disable: config.disabled(),
    };
    Ok((select_rules(rules, &selection)?, known))
}

/// Every rule id loaded, chosen for this run or not: what a
/// `//fixgen:ignore` directive may name without being a typo.
pub fn known_rules(global: &GlobalArgs) -> Result<Vec<String>> {
    Ok(load_rules(&global.rule_dirs)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// The repository's `.fixgen.toml` (empty without one), named in its
/// errors as the user reaches it from the current folder.
pub fn config(workspace: &Workspace) -> Result<Config> {
    let shown = Shown::from_cwd(&workspace.root).path(config::FILE_NAME);
    Config::load(&workspace.root, &shown)
}

/// `--at` paths may be given relative to the current folder or absolute;
/// the engine compares them relative to the repository root, so one
/// outside it could never match.
fn relative_location(arg: &str, workspace: Option<&Workspace>) -> Result<Location> {
    let mut location: Location = arg.parse().map_err(anyhow::Error::msg).context("--at")?;
    if let (Some(ws), Ok(abs)) = (workspace, PathBuf::from(&location.path).canonicalize()) {
        let Ok(rel) = abs.strip_prefix(&ws.root) else {
            bail!("--at {arg}: outside the repository {}", ws.root.display());
        };
        location.path = rel.to_string_lossy().replace('\\', "/");
    }
    Ok(location)
}

pub fn open(global: &GlobalArgs, paths: &[PathBuf]) -> Result<Session> {
    open_explaining(global, paths, false)
}

/// Like `open`; with `explain`, the files' results say what each rule did
/// (`check --explain`).
pub fn open_explaining(global: &GlobalArgs, paths: &[PathBuf], explain: bool) -> Result<Session> {
    let held = HeldBack::default();
    let session = open_configured(global, paths, &held, explain)?;
    print_problems(&session.report.warnings, &session.report.errors);
    Ok(session)
}

/// Like `open`, without the fixes `held_back` names, and quiet.
fn open_holding(global: &GlobalArgs, paths: &[PathBuf], held_back: &HeldBack) -> Result<Session> {
    open_configured(global, paths, held_back, false)
}

fn open_configured(
    global: &GlobalArgs,
    paths: &[PathBuf],
    held_back: &HeldBack,
    explain: bool,
) -> Result<Session> {
    let paths = targets(paths)?;
    let workspace = Workspace::discover(&paths[0])?;
    // Compiling the rules and walking the tree need each other's results
    // only once the scan starts: side by side.
    let (engine, selection) = rayon::join(
        || engine(global, &workspace),
        || workspace.select(&paths, &filters(global, &workspace)?),
    );
    let mut engine = engine?.with_held_back(held_back.clone());
    if explain {
        engine = engine.with_explain();
    }
    let selection = selection?;
    let progress = ScanProgress::new(selection.files.len());
    let mut report = scan_with(&engine, selection.files, &|_| None, Some(&progress));
    progress.finish();
    report.warnings.splice(0..0, selection.warnings);
    Ok(Session {
        workspace,
        engine,
        report,
    })
}

/// `open`, proven with `--verify` when asked: fixes whose package does not
/// pass are left out. The report is printed to stderr.
pub fn open_verified(
    global: &GlobalArgs,
    paths: &[PathBuf],
    verify: &VerifyArgs,
) -> Result<(Session, Option<Report>)> {
    let Some(verifier) = verifier(global, paths, verify)? else {
        return Ok((open(global, paths)?, None));
    };
    let (session, report) = verifier.until_clean(|held| {
        let session = open_holding(global, paths, held)?;
        let candidate = Candidate::from_scan(&session.report);
        Ok((session, vec![candidate]))
    })?;
    print_problems(&session.report.warnings, &session.report.errors);
    print_report(&report);
    Ok((session, Some(report)))
}

/// The fixes grouped by rule, each rule run on the result of those before
/// it: what `patch` and `pr` turn into patches and commits.
pub fn open_by_rule(
    global: &GlobalArgs,
    paths: &[PathBuf],
    stacking: Stacking,
    verify: &VerifyArgs,
) -> Result<(Workspace, ChangeSet, Option<Report>)> {
    let Some(verifier) = verifier(global, paths, verify)? else {
        let (workspace, changes) = by_rule_holding(global, paths, stacking, &HeldBack::default())?;
        print_problems(&changes.warnings, &changes.errors);
        return Ok((workspace, changes, None));
    };
    let ((workspace, changes), report) = verifier.until_clean(|held| {
        let (workspace, changes) = by_rule_holding(global, paths, stacking, held)?;
        let candidates = candidates(&changes, stacking);
        Ok(((workspace, changes), candidates))
    })?;
    print_problems(&changes.warnings, &changes.errors);
    print_report(&report);
    Ok((workspace, changes, Some(report)))
}

fn by_rule_holding(
    global: &GlobalArgs,
    paths: &[PathBuf],
    stacking: Stacking,
    held_back: &HeldBack,
) -> Result<(Workspace, ChangeSet)> {
    let paths = targets(paths)?;
    let workspace = Workspace::discover(&paths[0])?;
    let (rules, known) = rules_and_known(global, &workspace)?;
    let locations = global
        .at
        .iter()
        .map(|a| relative_location(a, Some(&workspace)))
        .collect::<Result<Vec<_>>>()?;
    let selection = workspace.select(&paths, &filters(global, &workspace)?)?;
    let progress = ScanProgress::new(selection.files.len() * rules.len());
    let engine_for = |rule| {
        Engine::new(vec![rule], locations.clone())
            .with_known_rules(known.clone())
            .with_root(workspace.root.clone())
            .with_held_back(held_back.clone())
            .with_max_filesize(global.max_filesize)
            .with_format_check()
    };
    let mut changes = fixgen::changeset::by_rule(
        rules,
        &engine_for,
        &selection.files,
        stacking,
        Some(&progress),
    );
    progress.finish();
    changes.warnings.splice(0..0, selection.warnings);
    Ok((workspace, changes))
}

/// Which files a scan leaves out, and how many threads walk the tree.
pub fn filters(global: &GlobalArgs, workspace: &Workspace) -> Result<Filters> {
    let exclude = config(workspace)?.exclude(&global.scan.exclude)?;
    Ok(Filters {
        max_filesize: global.max_filesize,
        exclude,
        threads: global.scan.jobs.unwrap_or(0),
    })
}

fn verifier(
    global: &GlobalArgs,
    paths: &[PathBuf],
    verify: &VerifyArgs,
) -> Result<Option<Verifier>> {
    let Some(options) = verify.options_for(global) else {
        return Ok(None);
    };
    let workspace = Workspace::discover(&targets(paths)?[0])?;
    Ok(Some(Verifier::new(&workspace.root, options)?))
}

/// The paths to scan: `.` when none is given, package patterns (`./...`)
/// as the folders they name.
fn targets(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Ok(vec![PathBuf::from(".")]);
    }
    paths.iter().map(|p| fixgen::patterns::resolve(p)).collect()
}

fn print_problems(warnings: &[String], errors: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    for error in errors {
        eprintln!("error: {error}");
    }
}

/// A command's exit status once `errors` (files whose fixes could not be
/// written) are taken into account: 2 when there are any.
pub fn with_errors(errors: &[String], status: u8) -> u8 {
    if errors.is_empty() {
        status
    } else {
        2
    }
}

/// Exit 2 when fixes were left out by --verify, after doing the rest.
pub fn exit_for_held_back(held_back: usize) -> u8 {
    if held_back == 0 {
        return 0;
    }
    eprintln!("error: {held_back} rule fix(es) left out: their package did not pass --verify");
    2
}

pub fn print_report(report: &Report) {
    for line in report.lines() {
        eprintln!("{line}");
    }
}

/// `--verify[=build|race]` and `--race-count`, shared by the commands
/// that write fixes.
#[derive(Args, Clone, Debug, Default)]
pub struct VerifyArgs {
    /// Prove the fixes first: gofmt -l, go build and go vet on the packages
    /// they touch (`build`, the default); `race` also runs their tests with
    /// `go test -race` before and after. Fixes whose package fails are left out.
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "build"
    )]
    pub verify: Option<VerifyLevel>,
    /// With --verify=race: how many times the tests run (go test -count), before and after.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub race_count: u32,
    /// Offer the fixes of rules loaded with --rules without building them first (by default, with `go` on PATH, they are proven as --verify=build proves them).
    #[arg(long, conflicts_with = "verify")]
    pub no_verify: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerifyLevel {
    Build,
    Race,
}

impl VerifyArgs {
    pub fn options(&self) -> Option<Options> {
        self.verify.map(|level| Options {
            level: match level {
                VerifyLevel::Build => Level::Build,
                VerifyLevel::Race => Level::Race,
            },
            race_count: self.race_count.max(1),
        })
    }

    /// The proof a run makes: the one asked for; else, for a run with
    /// rules of the user's own (`--rules`), `build` when `go` is on PATH.
    /// The built-in rules are tested against Go in CI; a rule written
    /// this morning is not, and a fix that does not build is no fix.
    fn options_for(&self, global: &GlobalArgs) -> Option<Options> {
        if let Some(asked) = self.options() {
            return Some(asked);
        }
        if self.no_verify || global.rule_dirs.is_empty() {
            return None;
        }
        if !go_on_path() {
            eprintln!(
                "warning: no `go` on PATH: the fixes of the rules in --rules are offered without being built first"
            );
            return None;
        }
        Some(Options {
            level: Level::Build,
            race_count: self.race_count.max(1),
        })
    }
}

fn go_on_path() -> bool {
    std::process::Command::new("go")
        .arg("version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
