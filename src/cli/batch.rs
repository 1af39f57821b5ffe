//! `fixgen batch REPOS.toml` and `fixgen batch-report OUT…`.

use super::GlobalArgs;
use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use fixgen::batch::list::{self, RepoSpec};
use fixgen::batch::lock::OutLock;
use fixgen::batch::manifest::{Manifest, RepoState, Status};
use fixgen::batch::throttle::WriteLimiter;
use fixgen::batch::{report, Batch, PrOptions, Progress};
use fixgen::engine::{load_rules, select_rules, Rule, Selection};
use fixgen::filesize::MaxFilesize;
use fixgen::forge::Kind;
use fixgen::fsio::create_or_replace;
use fixgen::output::messages::Messages;
use fixgen::secrets::redact;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The repository list (TOML: [[repo]] url, name, base).
    #[arg(value_name = "REPOS.toml")]
    pub list: PathBuf,
    /// Where the manifest, the patches (OUT/<name>/) and the clones (OUT/.work/) go.
    #[arg(long, value_name = "DIR", default_value = "batch-out")]
    pub out: PathBuf,
    /// Repositories processed at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Only this share of the list, I of N (1-based), by a stable hash of the name.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Skip repositories already done at the same base commit and rule set.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub verify: super::session::VerifyArgs,
    /// Only the repositories the manifest records as failed.
    #[arg(long, value_enum, value_name = "STATUS")]
    pub only: Option<OnlyStatus>,
    /// Open or update each patched repository's pull requests, as `fixgen pr` does.
    #[arg(long)]
    pub open_prs: bool,
    /// With --open-prs: the forge, when the URLs do not name it.
    #[arg(long, value_enum, requires = "open_prs")]
    pub forge: Option<Kind>,
    /// With --open-prs: the forge's API base URL.
    #[arg(long, value_name = "URL", requires = "open_prs")]
    pub api_url: Option<String>,
    #[arg(long, requires = "open_prs")]
    pub draft: bool,
    #[arg(long = "label", value_name = "LABEL", requires = "open_prs")]
    pub labels: Vec<String>,
    #[arg(long = "reviewer", value_name = "USER", requires = "open_prs")]
    pub reviewers: Vec<String>,
    #[arg(long, requires = "open_prs")]
    pub single_branch: bool,
    /// Seconds between two forge writes, across all repositories.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub write_interval: f64,
    /// At most this many forge writes in any hour.
    #[arg(long, value_name = "N")]
    pub writes_per_hour: Option<u32>,
    /// Commit message and PR body templates (commit.tera, pr.tera).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnlyStatus {
    Failed,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Batch output folders (one per shard).
    #[arg(value_name = "OUT", required = true)]
    pub outs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

pub fn run(global: &GlobalArgs, args: &BatchArgs) -> Result<u8> {
    if !global.at.is_empty() {
        bail!("--at names places in one repository; batch runs many");
    }
    let repos = list::read(&args.list)?;
    let rules_for = || -> Result<Vec<Rule>> {
        select_rules(
            load_rules(&global.rule_dirs)?,
            &Selection {
                only: global.rules_only.clone(),
                sets: global.sets.clone(),
                ..Selection::default()
            },
        )
    };
    let rule_set = rule_set_id(&rules_for()?, &args.verify, global.max_filesize);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    // Held until the summary is written.
    let _lock = OutLock::take(&args.out)?;
    let ignore = args.out.join(".gitignore");
    if !ignore.exists() {
        create_or_replace(&ignore, "*\n")?;
    }
    let manifest = Manifest::load(&args.out)?;
    let selected = select(&repos, args, &manifest)?;
    let messages = Messages::load(args.templates.as_deref())?;
    let progress = Bars::new(selected.len());
    let batch = Batch {
        out: args.out.clone(),
        rule_set,
        rules: &rules_for,
        known_rules: super::session::known_rules(global)?,
        messages: &messages,
        prs: args.open_prs.then(|| PrOptions {
            forge: args.forge,
            api_url: args.api_url.clone(),
            draft: args.draft,
            labels: args.labels.clone(),
            reviewers: args.reviewers.clone(),
            single_branch: args.single_branch,
            limiter: WriteLimiter::new(
                Duration::from_secs_f64(args.write_interval.max(0.0)),
                args.writes_per_hour,
            ),
        }),
        verify: args.verify.options(),
        max_filesize: global.max_filesize,
        resume: args.resume,
        progress: &progress,
        manifest: Mutex::new(manifest),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let states = batch.run(&selected, jobs)?;
    progress.clear();
    let summary = report::summarize(&states);
    let markdown = report::to_markdown(&summary);
    create_or_replace(&args.out.join("summary.md"), &markdown)?;
    create_or_replace(&args.out.join("summary.json"), &report::to_json(&summary))?;
    print!("{markdown}");
    eprintln!("manifest: {}", args.out.join("manifest.json").display());
    Ok(if summary.failures.is_empty() { 0 } else { 1 })
}

/// The share of the list this run takes: `--shard`, then `--only failed`.
fn select(repos: &[RepoSpec], args: &BatchArgs, manifest: &Manifest) -> Result<Vec<RepoSpec>> {
    let shard = args
        .shard
        .as_deref()
        .map(list::parse_shard)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    Ok(repos
        .iter()
        .filter(|r| shard.is_none_or(|(i, n)| list::in_shard(&r.name, i, n)))
        .filter(|r| match args.only {
            Some(OnlyStatus::Failed) => manifest
                .get(&r.name)
                .is_some_and(|s| s.status == Status::Failed),
            None => true,
        })
        .cloned()
        .collect())
}

/// The selected rules and their parameters, and this fixgen's version.
fn rule_set_id(
    rules: &[Rule],
    verify: &super::session::VerifyArgs,
    max_filesize: MaxFilesize,
) -> String {
    let described: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "{}={}",
                r.id,
                serde_json::to_string(&r.params).unwrap_or_default()
            )
        })
        .collect();
    // A repository patched without proof is redone when proof is asked for.
    let mut text = format!("{}\n{}", env!("CARGO_PKG_VERSION"), described.join("\n"));
    if let Some(o) = verify.options() {
        text.push_str(&format!("\nverify={:?}/{}", o.level, o.race_count));
    }
    // Another limit may take in (or leave out) files; the default leaves
    // the ids of earlier runs as they were.
    if max_filesize != MaxFilesize::default() {
        text.push_str(&format!("\nmax-filesize={}", max_filesize.bytes()));
    }
    let hash = fixgen::changeset::fnv1a(text.as_bytes());
    format!("{hash:016x}")
}

pub fn report(args: &ReportArgs) -> Result<u8> {
    let manifests = args
        .outs
        .iter()
        .map(|out| {
            if !out.join("manifest.json").exists() {
                bail!(
                    "{}: no manifest.json (not a batch output folder)",
                    out.display()
                );
            }
            Manifest::load(out)
        })
        .collect::<Result<Vec<_>>>()?;
    let summary = report::summarize(&report::merge(&manifests));
    match args.format {
        ReportFormat::Markdown => print!("{}", report::to_markdown(&summary)),
        ReportFormat::Json => print!("{}", report::to_json(&summary)),
    }
    Ok(0)
}

/// Progress: an overall bar and one spinner per running repository on a
/// terminal; one line per step otherwise (CI logs).
struct Bars {
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    running: Mutex<HashMap<String, ProgressBar>>,
    total: usize,
    finished: Mutex<usize>,
}

impl Bars {
    fn new(total: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let multi = terminal.then(MultiProgress::new);
        let overall = multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} repositories {msg}")
                    .expect("a valid template"),
            );
            bar
        });
        Bars {
            multi,
            overall,
            running: Mutex::new(HashMap::new()),
            total,
            finished: Mutex::new(0),
        }
    }

    fn clear(&self) {
        if let Some(overall) = &self.overall {
            overall.finish_and_clear();
        }
    }

    fn line(state: &RepoState, skipped: bool) -> String {
        if skipped {
            return format!(
                "{}: {} (unchanged, skipped)",
                state.name,
                state.status.as_str()
            );
        }
        match state.status {
            Status::Failed => format!(
                "{}: failed: {}",
                state.name,
                state.error.as_deref().unwrap_or("")
            ),
            _ => format!(
                "{}: {} ({} patch(es))",
                state.name,
                state.status.as_str(),
                state.patches.len()
            ),
        }
    }
}

impl Progress for Bars {
    fn step(&self, name: &str, status: Status) {
        let Some(multi) = &self.multi else {
            eprintln!("{name}: {}", status.as_str());
            return;
        };
        let mut running = self.running.lock().unwrap();
        let bar = running.entry(name.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(format!("{name}: {}", status.as_str()));
    }

    fn finished(&self, state: &RepoState, skipped: bool) {
        let n = {
            let mut finished = self.finished.lock().unwrap();
            *finished += 1;
            *finished
        };
        let line = redact(&format!(
            "[{n}/{}] {}",
            self.total,
            Self::line(state, skipped)
        ));
        match &self.multi {
            Some(multi) => {
                if let Some(bar) = self.running.lock().unwrap().remove(&state.name) {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                let _ = multi.println(line);
                if let Some(overall) = &self.overall {
                    overall.inc(1);
                }
            }
            None => eprintln!("{line}"),
        }
    }
}
