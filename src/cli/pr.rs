//! `fixgen pr`: a branch per rule (or one with `--single-branch`), one
//! commit per rule, pushed to the remote, and the pull request opened or
//! updated through the forge's API. `--dry-run` shows it all and sends
//! nothing, after checking what sending would need.

use super::{session, GlobalArgs};
use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use fixgen::changeset::Stacking;
use fixgen::forge::{self, Kind};
use fixgen::git::branch::find_base;
use fixgen::output::messages::{verification, Messages};
use fixgen::publish::{self, Target};
use fixgen::secrets::redact;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct PrArgs {
    /// A folder or package pattern (./..., ./pkg/...) of the repository; the current folder by default
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// The branch the pull requests merge into.
    #[arg(long, value_name = "BRANCH")]
    pub base: String,
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// The forge; by default named by the remote's host.
    #[arg(long, value_enum)]
    pub forge: Option<Kind>,
    /// The forge's API base URL (GitHub Enterprise, self-hosted GitLab or Gitea).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The repository on the forge; by default what the remote's URL names.
    #[arg(long, value_name = "OWNER/NAME")]
    pub slug: Option<String>,
    #[arg(long)]
    pub draft: bool,
    /// A label for new pull requests (repeatable).
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// A reviewer for new pull requests (repeatable).
    #[arg(long = "reviewer", value_name = "USER")]
    pub reviewers: Vec<String>,
    /// One branch (fixgen/fixes) with a commit per rule, instead of a branch per rule.
    #[arg(long)]
    pub single_branch: bool,
    /// Print the branches, commit messages, titles, bodies and diffs; push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit message and PR body templates (commit.tera, pr.tera).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub verify: super::session::VerifyArgs,
    #[command(flatten)]
    pub scan: super::ScanArgs,
}

pub fn run(global: &GlobalArgs, args: &PrArgs) -> Result<u8> {
    let messages = Messages::load(args.templates.as_deref())?;
    // Checked before the scan, and by a dry run too: a dry run that passes
    // is one whose real run can push and open pull requests.
    let repo = repository(args)?;
    let destination = destination(&repo, args)?;
    let stacking = if args.single_branch {
        Stacking::Chained
    } else {
        Stacking::Independent
    };
    let paths: Vec<PathBuf> = args.path.iter().cloned().collect();
    let (workspace, changes, report) =
        session::open_by_rule(global, &paths, stacking, &args.verify)?;
    let held_back = report.as_ref().map_or(0, |r| r.held_back.len());
    if changes.rules.is_empty() {
        eprintln!("nothing to fix: no pull request");
        let verified = session::exit_for_held_back(held_back);
        return Ok(session::with_errors(&changes.errors, verified));
    }
    let plans = publish::plan(
        &changes.rules,
        args.single_branch,
        &messages,
        verification(report.as_ref()),
    )?;
    if args.dry_run {
        for plan in &plans {
            // Output, like the real run's: the token is now known.
            println!("{}", redact(&publish::describe(plan, &args.base)));
        }
        eprintln!(
            "dry run: {} branch(es); nothing pushed or sent",
            plans.len()
        );
        return Ok(session::with_errors(&changes.errors, 0));
    }
    // The commits hold the fixed files as they are in the working tree.
    super::apply::refuse_dirty_tree(&workspace.root)?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .context("the repository has no commit to branch from")?
        .id();
    let token = destination.token;
    let forge = forge::connect(
        destination.kind,
        &destination.api_url,
        &destination.slug,
        Some(token.clone()),
    )?;
    let author = fixgen::git::author(&workspace.root);
    let target = Target {
        repo: &repo,
        remote: &args.remote,
        base: &args.base,
        head,
        author: &author,
        token: Some(&token),
        forge: forge.as_ref(),
        draft: args.draft,
        labels: &args.labels,
        reviewers: &args.reviewers,
    };
    let mut failed = 0;
    for plan in &plans {
        match publish::publish(&target, plan) {
            Ok(outcome) => println!("{}", redact(&format!("{}: {outcome}", plan.name))),
            Err(e) => {
                eprintln!("{}", redact(&format!("error: {}: {e:#}", plan.name)));
                failed += 1;
            }
        }
    }
    let verified = session::exit_for_held_back(held_back);
    let status = if failed == 0 { verified } else { 2 };
    Ok(session::with_errors(&changes.errors, status))
}

/// The git repository holding PATH (the current folder by default).
fn repository(args: &PrArgs) -> Result<git2::Repository> {
    let start = fixgen::patterns::resolve(args.path.as_deref().unwrap_or(Path::new(".")))?;
    git2::Repository::discover(&start).map_err(|_| anyhow!("fixgen pr needs a git repository"))
}

/// Where pull requests go, with what a real run needs to open them.
struct Destination {
    kind: Kind,
    api_url: String,
    slug: String,
    token: String,
}

/// Everything a run needs before it can publish, checked in the order
/// it is needed: the remote, the forge, its API and the repository on
/// it, the token, and the base branch. The first missing one is the error.
fn destination(repo: &git2::Repository, args: &PrArgs) -> Result<Destination> {
    let remote_url = fixgen::git::remote::url(repo, &args.remote)?;
    let from_url = forge::parse_remote_url(&remote_url);
    let kind = args.forge.or(from_url.kind).ok_or_else(|| {
        anyhow!("cannot tell the forge from the remote's URL: pass --forge github|gitlab|gitea")
    })?;
    let api_url = args.api_url.clone().or(from_url.api_url).ok_or_else(|| {
        anyhow!("cannot tell the forge's API URL from the remote's URL: pass --api-url")
    })?;
    let slug = args
        .slug
        .clone()
        .or(from_url.slug)
        .ok_or_else(|| anyhow!("cannot tell OWNER/NAME from the remote's URL: pass --slug"))?;
    // Every forge refuses to open a pull request without one.
    let token = forge::token(kind).ok_or_else(|| {
        anyhow!(
            "{} is not set: the forge needs a token to open pull requests",
            forge::token_variable(kind)
        )
    })?;
    find_base(repo, &args.remote, &args.base)?;
    Ok(Destination {
        kind,
        api_url,
        slug,
        token,
    })
}
