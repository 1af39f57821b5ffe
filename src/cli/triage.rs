//! `fixgen triage LOG [--repo PATH] [--format text|json] [--preview|--apply]`:
//! reads a CI log, answers each race report and SQL error with a rule and a
//! place, and hands exactly those places to `preview` or `apply` (as
//! `--rule` and `--at`, the way a user would).

use super::{apply, preview, session, GlobalArgs};
use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use fixgen::engine::{apply_sets, load_rules, select_rules, Selection};
use fixgen::triage::places::Repo;
use fixgen::triage::{report, triage, RuleInfo, Triage};
use fixgen::workspace::Workspace;
use std::io::Read as _;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct TriageArgs {
    /// The `go test` output (plain, `-json` or gotestsum's), or - for standard input.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The checkout the log was produced from (a folder, or a package pattern such as ./...).
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,
    #[arg(long, value_enum, default_value_t = TriageFormat::Text)]
    pub format: TriageFormat,
    /// Print the diff of exactly the matched fixes; writes nothing.
    #[arg(long, conflicts_with = "apply")]
    pub preview: bool,
    /// Apply exactly the matched fixes.
    #[arg(long)]
    pub apply: bool,
    /// With --apply: apply even when the working tree has uncommitted changes.
    #[arg(long, requires = "apply")]
    pub allow_dirty: bool,
    /// With --apply: apply outside a git working tree.
    #[arg(long, requires = "apply")]
    pub allow_no_vcs: bool,
    #[command(flatten)]
    pub scan: super::ScanArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TriageFormat {
    Text,
    Json,
}

pub fn run(global: &GlobalArgs, args: &TriageArgs) -> Result<u8> {
    let log = read_log(&args.log)?;
    let repo_path = fixgen::patterns::resolve(&args.repo)?;
    let workspace = Workspace::discover(&repo_path)?;
    let filters = session::filters(global, &workspace)?;
    let selection = workspace.select(std::slice::from_ref(&repo_path), &filters)?;
    let selection_warnings = selection.warnings;
    let repo = Repo::new(&workspace.root, selection.files);
    let rules = catalog(global, &workspace)?;
    let engine_for = |only: &[String], sets: &[String], at: &[fixgen::engine::Location]| {
        let mut g = global.clone();
        g.rules_only = only.to_vec();
        g.at = at
            .iter()
            .map(|l| format!("{}:{}", workspace.root.join(&l.path).display(), l.line))
            .collect();
        // A user's --set for a rule not run here would be refused.
        g.sets
            .retain(|s| only.iter().any(|id| s.starts_with(&format!("{id}."))));
        g.sets.extend(sets.iter().cloned());
        session::engine(&g, &workspace)
    };
    let result = triage(&log, &repo, &rules, &engine_for)?;
    // A `--preview` or `--apply` run selects the same files again, and
    // says this itself.
    let fixes_follow = (args.preview || args.apply) && !result.fix_sites().is_empty();
    if !fixes_follow {
        for warning in &selection_warnings {
            eprintln!("warning: {warning}");
        }
    }
    for warning in &result.warnings {
        eprintln!("warning: {warning}");
    }
    let name = repo_path.display().to_string();
    let shown = match args.format {
        TriageFormat::Text => report::to_text(&result, &name),
        TriageFormat::Json => report::to_json(&result, &name),
    };
    if !(args.preview || args.apply) {
        print!("{shown}");
        if result.verdicts.is_empty() {
            eprintln!("no race report, SQL error or testify failure in the log");
        }
        return Ok(0);
    }
    // The diff or the applied files go to stdout; the verdicts to stderr.
    eprint!("{shown}");
    run_fixes(global, args, &workspace, &result)
}

/// Runs `preview` or `apply` with exactly the matched rules and places.
fn run_fixes(
    global: &GlobalArgs,
    args: &TriageArgs,
    workspace: &Workspace,
    result: &Triage,
) -> Result<u8> {
    let sites = result.fix_sites();
    if sites.is_empty() {
        eprintln!("nothing to fix");
        return Ok(0);
    }
    let mut g = global.clone();
    g.rules_only = sites.iter().map(|s| s.rule.clone()).collect();
    g.rules_only.sort();
    g.rules_only.dedup();
    g.sets = sets_for(&g.sets, &g.rules_only);
    g.sets.extend(result.sets());
    g.at = sites
        .iter()
        .map(|s| format!("{}:{}", workspace.root.join(&s.path).display(), s.line))
        .collect();
    let paths = [args.repo.clone()];
    if args.apply {
        let allow = apply::Allow {
            dirty: args.allow_dirty,
            no_vcs: args.allow_no_vcs,
        };
        apply::run(&g, &paths, allow, &super::session::VerifyArgs::default())
    } else {
        // triage's contract: 0 unless something went wrong.
        let verify = super::session::VerifyArgs::default();
        preview::run(&g, &paths, false, &verify).map(|code| if code == 1 { 0 } else { code })
    }
}

/// The rules triage may propose: those declaring evidence, limited to the
/// user's `--rule` list when given, with `--set` values applied.
fn catalog(global: &GlobalArgs, workspace: &Workspace) -> Result<Vec<RuleInfo>> {
    let mut all = load_rules(&global.rule_dirs)?;
    // The repository's parameters (a rule's `codes`) hold here too.
    session::config(workspace)?.apply(&mut all)?;
    // Every --set is checked here, though only those for the rules a
    // verdict names are used.
    apply_sets(&mut all, &global.sets)?;
    let only: Vec<String> = all
        .iter()
        .filter(|r| !r.evidence.is_empty())
        .filter(|r| global.rules_only.is_empty() || global.rules_only.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    for id in &global.rules_only {
        if !all.iter().any(|r| &r.id == id) {
            anyhow::bail!("unknown rule `{id}` (see `fixgen rules`)");
        }
    }
    if only.is_empty() {
        return Ok(Vec::new());
    }
    let sets = sets_for(&global.sets, &only);
    let selected = select_rules(
        all,
        &Selection {
            only,
            sets,
            ..Selection::default()
        },
    )?;
    Ok(selected
        .iter()
        .map(|r| RuleInfo {
            id: r.id.clone(),
            evidence: r.evidence.clone(),
            codes: codes(r.params.get("codes")),
            needs_location: r.needs_location,
        })
        .collect())
}

/// The user's `--set` values for the rules `only`: one for a rule not
/// selected would be refused as unknown.
fn sets_for(sets: &[String], only: &[String]) -> Vec<String> {
    sets.iter()
        .filter(|s| only.iter().any(|id| s.starts_with(&format!("{id}."))))
        .cloned()
        .collect()
}

/// A rule's `codes` parameter; 1213 (deadlock) when it has none.
fn codes(param: Option<&toml::Value>) -> Vec<u16> {
    match param.and_then(|v| v.as_array()) {
        Some(values) => values
            .iter()
            .filter_map(|v| v.as_integer().and_then(|n| u16::try_from(n).ok()))
            .collect(),
        None => vec![1213],
    }
}

fn read_log(path: &Path) -> Result<String> {
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading the log from standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("{}: cannot read the log", path.display()))?
    };
    // CI logs are not always clean UTF-8 (colour codes, cut bytes).
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
