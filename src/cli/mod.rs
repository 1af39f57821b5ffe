//! The command-line contract (see docs and DESIGN.md): names, options and
//! exit statuses that scripts depend on.

mod apply;
mod at;
mod batch;
mod check;
mod new;
mod patch;
mod pr;
mod preview;
mod rules;
mod session;
mod test;
mod tree;
mod triage;

use clap::{Args, Parser, Subcommand, ValueEnum};
use fixgen::filesize::MaxFilesize;
use fixgen::output::ColorChoice;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "fixgen",
    version,
    about = "Finds and fixes data races and other defects in Go code; emits reviewable diffs"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Clone, Debug)]
pub struct GlobalArgs {
    /// Only this rule (repeatable); a rule off by default runs when named.
    #[arg(long = "rule", value_name = "ID", global = true)]
    pub rules_only: Vec<String>,
    /// A folder of rule files used beside the built-in ones (repeatable).
    #[arg(long = "rules", value_name = "DIR", global = true)]
    pub rule_dirs: Vec<PathBuf>,
    /// A rule parameter, e.g. --set mysql-deadlock-retry.tables=t1,t2.
    #[arg(long = "set", value_name = "RULE.PARAM=VALUE", global = true)]
    pub sets: Vec<String>,
    /// Only matches covering this line (repeatable); PATH:LINE:COL is accepted.
    #[arg(long = "at", value_name = "PATH:LINE", global = true)]
    pub at: Vec<String>,
    /// Colour: auto (on a terminal), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Skip Go files larger than SIZE (bytes, or with K, M or G: 512K, 4M).
    #[arg(long, value_name = "SIZE", default_value = "4M", global = true)]
    pub max_filesize: MaxFilesize,
    /// The scanning command's own `--exclude` and `--jobs`, put here by
    /// `run` so that everything that scans sees them where it sees the rest.
    #[arg(skip)]
    pub scan: ScanArgs,
}

/// What every command that scans a tree takes beside its paths.
#[derive(Args, Clone, Debug, Default)]
pub struct ScanArgs {
    /// Leave out files and folders matching GLOB, relative to the repository root (repeatable; adds to .fixgen.toml's `exclude`).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Scan with N threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
}

fn parse_jobs(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("0 threads would scan nothing; give 1 or more".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{value}` is not a number of threads (1 or more)")),
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// List rules: id, enabled by default or not, title; or explain one. Exit 0, 2: unknown rule.
    Rules {
        /// Print the rule's rationale, parameters (type, default, doc), evidence kinds and a before/after example from its fixtures.
        #[arg(long, value_name = "ID")]
        explain: Option<String>,
    },
    /// Report findings without editing. Exit 0: nothing fails the check, 1: a finding fails it, 2: error.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check {
        /// Go files, folders (each with every folder below it) or package patterns (./..., ./pkg/...); the current folder by default
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How findings are printed on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Every finding fails the check, with a fix or not (notes excepted).
        #[arg(long)]
        strict: bool,
        /// Also list the findings //fixgen:ignore directives ignore, with their reasons.
        #[arg(long)]
        show_ignored: bool,
        /// Say on stderr, per file and rule, what the rule did: skipped by its prefilter or sieves (and which), parsed, and each match with its captures and the first `where` condition that failed.
        #[arg(long)]
        explain: bool,
        #[command(flatten)]
        scan: ScanArgs,
    },
    /// Print the fixes as a unified diff; writes nothing. Exit 0: no change, 1: changes, 2: error.
    Preview {
        /// Go files, folders (each with every folder below it) or package patterns (./..., ./pkg/...); the current folder by default
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// List the files that would change (or be created), one per line, instead of the diff.
        #[arg(short = 'l', long)]
        list: bool,
        #[command(flatten)]
        verify: session::VerifyArgs,
        #[command(flatten)]
        scan: ScanArgs,
    },
    /// Apply the fixes in place, atomically. Exit 0: ok, 2: error.
    Apply {
        /// Go files, folders (each with every folder below it) or package patterns (./..., ./pkg/...); the current folder by default
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        allow: apply::Allow,
        #[command(flatten)]
        verify: session::VerifyArgs,
        #[command(flatten)]
        scan: ScanArgs,
    },
    /// Write one patch per rule (git format-patch form; `git am` applies them in order). Exit 0: ok, 2: error.
    Patch {
        /// Go files, folders (each with every folder below it) or package patterns (./..., ./pkg/...); the current folder by default
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Where the patches go.
        #[arg(long, value_name = "DIR", default_value = "patches-out")]
        out: PathBuf,
        /// Commit message templates (commit.tera) instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        #[command(flatten)]
        verify: session::VerifyArgs,
        #[command(flatten)]
        scan: ScanArgs,
    },
    /// Branch, commit per rule, push, and open or update the pull request. Exit 0: ok, 2: error.
    Pr(pr::PrArgs),
    /// The same fixes across many repositories: clone or fetch, scan, write patches (and open PRs). Exit 0: all done, 1: some failed, 2: error.
    Batch(batch::BatchArgs),
    /// Merge the manifests of several batch shards into one summary (Markdown or JSON). Exit 0, 2: error.
    BatchReport(batch::ReportArgs),
    /// Read a `go test` log (plain or -json) and name the rule and place that fix each race report or SQL error. Exit 0: ok, 2: error.
    Triage(triage::TriageArgs),
    /// Run every rule's fixtures (before → after, then idempotency). Exit 0: pass, 1: fail.
    Test {
        /// The fixtures folder (default: ./fixtures, and DIR/fixtures for each --rules DIR).
        #[arg(long, value_name = "DIR")]
        fixtures: Vec<PathBuf>,
        /// Rewrite each case's after/ and findings.txt from what fixgen does now, for review with git diff (idempotency is still checked).
        #[arg(long)]
        update: bool,
    },
    /// Print a Go file's syntax tree: each node's field, kind and place, and its leaves' text; the names a rule's query uses. Exit 0, 2: error.
    Tree {
        /// A Go file, or FILE:LINE for only the nodes on that line (with their ancestors).
        #[arg(value_name = "FILE[:LINE]")]
        target: String,
    },
    /// Start something new from a working example; `fixgen new rule ID`. Exit 0, 2: error (nothing is overwritten).
    New {
        #[command(subcommand)]
        what: NewKind,
    },
    /// Print a shell completion script: `fixgen completions bash > ~/.local/share/bash-completion/completions/fixgen`. Exit 0.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What `fixgen new` can start.
#[derive(Subcommand)]
pub enum NewKind {
    /// Write DIR/ID.toml, a small commented rule that works as written, and
    /// DIR/fixtures/ID/ with a case it fixes and one it leaves alone;
    /// `fixgen test --rules DIR --rule ID` passes right away.
    Rule {
        /// The rule id: lowercase letters, digits and dashes.
        id: String,
        /// The rules folder, the one later passed to --rules.
        #[arg(long, value_name = "DIR", default_value = "fixgen-rules")]
        dir: PathBuf,
    },
}

/// What a CI job reads from `check`'s status.
const CHECK_EXIT_CODES: &str = "\
Exit status:
  0  nothing fails the check: no findings, or only notes and findings without a fix
  1  a finding fails the check: one with a fix, one of a rule with severity = \"error\",
     or, with --strict, any finding that is not a note
  2  an error: a bad option, rule file or .fixgen.toml, a file that could not be read

A finding is ignored, neither reported nor failing the check nor fixed, where a
comment on its line, or alone on the line above, says
  //fixgen:ignore RULE-ID[,RULE-ID] reason
A directive without a reason, or naming no rule, ignores nothing and is a warning.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// PATH:LINE:COL: RULE: MESSAGE, files named from the current folder
    Text,
    /// An array of findings, each fixable one with the edits `apply` makes ("fix")
    Json,
    /// SARIF 2.1.0 for code scanning, with each finding's fix
    Sarif,
    /// GitHub Actions workflow commands (::error, ::warning, ::notice) that annotate a pull request; paths relative to the repository root, which GitHub resolves from the workspace root
    Github,
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let mut global = cli.global;
    // batch names its own refusal of --at.
    if !matches!(cli.command, Command::Batch(_)) {
        at::check(&global.at)?;
    }
    if let Some(scan) = cli.command.scan_args() {
        global.scan = scan.clone();
        use_threads(scan.jobs)?;
    }
    match cli.command {
        Command::Rules { explain } => rules::run(&global, explain.as_deref()),
        Command::Check {
            paths,
            format,
            strict,
            show_ignored,
            explain,
            scan: _,
        } => {
            let options = check::Options {
                format,
                strict,
                show_ignored,
                explain,
            };
            check::run(&global, &paths, &options)
        }
        Command::Preview {
            paths,
            list,
            verify,
            ..
        } => preview::run(&global, &paths, list, &verify),
        Command::Apply {
            paths,
            allow,
            verify,
            scan: _,
        } => apply::run(&global, &paths, allow, &verify),
        Command::Patch {
            paths,
            out,
            templates,
            verify,
            scan: _,
        } => patch::run(&global, &paths, &out, templates.as_deref(), &verify),
        Command::Pr(args) => pr::run(&global, &args),
        Command::Batch(args) => batch::run(&global, &args),
        Command::BatchReport(args) => batch::report(&args),
        Command::Triage(args) => triage::run(&global, &args),
        Command::Test { fixtures, update } => test::run(&global, &fixtures, update),
        Command::Completions { shell } => print_completions(shell),
        Command::Tree { target } => tree::run(&target),
        Command::New {
            what: NewKind::Rule { id, dir },
        } => new::rule(&dir, &id),
    }
}

impl Command {
    /// The `--exclude` and `--jobs` of a command that scans a tree.
    fn scan_args(&self) -> Option<&ScanArgs> {
        match self {
            Command::Check { scan, .. }
            | Command::Preview { scan, .. }
            | Command::Apply { scan, .. }
            | Command::Patch { scan, .. } => Some(scan),
            Command::Pr(args) => Some(&args.scan),
            Command::Triage(args) => Some(&args.scan),
            _ => None,
        }
    }
}

/// The script a shell sources to complete fixgen's commands and options,
/// generated from the same definitions as `--help`, so it cannot drift.
/// Written whole from memory: a pager or `head` closing the pipe early is
/// no error of ours.
fn print_completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    use clap::CommandFactory as _;
    use std::io::Write as _;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "fixgen", &mut script);
    match std::io::stdout().write_all(&script) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

/// `--jobs N`: every parallel part of a scan (the walk reads it from
/// `GlobalArgs::scan`) runs on rayon's global pool, which is sized once,
/// before its first use.
fn use_threads(jobs: Option<usize>) -> anyhow::Result<()> {
    let Some(n) = jobs else {
        return Ok(());
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| anyhow::anyhow!("--jobs {n}: {e}"))
}
