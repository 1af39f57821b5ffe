//! `fixgen batch`: the same fixes across many repositories. Each is cloned
//! or fetched into `OUT/.work/<name>`, scanned at the tip of its base
//! branch, and its patches written to `OUT/<name>/`; with `--open-prs` its
//! pull requests are opened as `fixgen pr` opens them. Repositories run in
//! parallel; one's failure is recorded and never stops the others. The
//! manifest is written after every step, so a killed run resumes.

pub mod list;
pub mod lock;
pub mod manifest;
pub mod report;
pub mod throttle;

use crate::changeset::{by_rule, ChangeSet, Stacking};
use crate::engine::Rule;
use crate::engine::{Engine, HeldBack};
use crate::forge::{self, Kind};
use crate::git::remote::fetch_checkout;
use crate::output::messages::{verification, Messages};
use crate::output::patch::write_series;
use crate::publish::{self, Target};
use crate::secrets::strip_userinfo;
use crate::verify::{candidates, Report, Verifier};
use crate::workspace::{Filters, Workspace};
use anyhow::{anyhow, Context as _, Result};
use list::RepoSpec;
use manifest::{Manifest, RepoState, Status};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What happens to each repository, as it happens (progress bars or lines).
pub trait Progress: Sync {
    fn step(&self, name: &str, status: Status);
    /// The repository is finished; `skipped` when `--resume` found it done.
    fn finished(&self, state: &RepoState, skipped: bool);
}

/// `--open-prs`: how pull requests are opened.
pub struct PrOptions {
    pub forge: Option<Kind>,
    pub api_url: Option<String>,
    pub draft: bool,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub single_branch: bool,
    pub limiter: throttle::WriteLimiter,
}

pub struct Batch<'a> {
    pub out: PathBuf,
    /// Identifies the rules and parameters: a repository done with another
    /// rule set is redone by `--resume`.
    pub rule_set: String,
    /// A fresh copy of the selected rules (rules are not `Clone`).
    pub rules: &'a (dyn Fn() -> Result<Vec<Rule>> + Sync),
    /// Every rule id loaded: what a `//fixgen:ignore` may name.
    pub known_rules: Vec<String>,
    pub messages: &'a Messages,
    pub prs: Option<PrOptions>,
    /// `--verify`: the fixes are proven in each clone before patches are written.
    pub verify: Option<crate::verify::Options>,
    /// `--max-filesize`: larger files of the clones are skipped.
    pub max_filesize: crate::filesize::MaxFilesize,
    pub resume: bool,
    pub progress: &'a dyn Progress,
    pub manifest: Mutex<Manifest>,
}

impl Batch<'_> {
    /// Runs `repos` on `jobs` threads; the final state of each, in list order.
    pub fn run(&self, repos: &[RepoSpec], jobs: usize) -> Result<Vec<RepoState>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .context("cannot start the worker threads")?;
        let states: Vec<RepoState> = pool.install(|| {
            use rayon::prelude::*;
            repos.par_iter().map(|spec| self.repository(spec)).collect()
        });
        Ok(states)
    }

    fn repository(&self, spec: &RepoSpec) -> RepoState {
        let previous = self.manifest.lock().unwrap().get(&spec.name).cloned();
        let mut state =
            RepoState::pending(&spec.name, &strip_userinfo(&spec.url), spec.base.as_deref());
        state.rule_set = self.rule_set.clone();
        if let Some(done) = previous.filter(|p| self.resume && p.is_done(self.prs.is_some())) {
            // Done before: fetch quietly, and skip if nothing moved.
            if let Ok(fetched) = self.fetch(spec) {
                let same = done.base_commit.as_deref() == Some(&fetched.commit.to_string())
                    && done.rule_set == self.rule_set;
                if same {
                    self.progress.finished(&done, true);
                    return done;
                }
            }
        }
        if let Err(e) = self.process(spec, &mut state) {
            state.status = Status::Failed;
            state.error = Some(format!("{e:#}"));
            self.save(&state);
        }
        self.progress.finished(&state, false);
        state
    }

    fn process(&self, spec: &RepoSpec, state: &mut RepoState) -> Result<()> {
        self.enter(state, Status::Cloning);
        let fetched = self.fetch(spec)?;
        state.base = Some(fetched.base.clone());
        state.base_commit = Some(fetched.commit.to_string());
        self.enter(state, Status::Scanning);
        let dir = self.work_dir(&spec.name);
        let (changes, report) = self.scan_verified(&dir, Stacking::Chained)?;
        state.warnings = changes.warnings.clone();
        // Files whose fixes never settle are left as they are; the other
        // files' patches still stand, and the manifest says which did not.
        state
            .warnings
            .extend(changes.errors.iter().map(|e| format!("error: {e}")));
        if let Some(report) = &report {
            state.verification = report.lines();
        }
        let patch_dir = self.out.join(&spec.name);
        let author = crate::git::author(&dir);
        let names = write_series(
            &patch_dir,
            &changes.rules,
            self.messages,
            verification(report.as_ref()),
            &author,
            SystemTime::now(),
        )?;
        if let Err(e) = verify_series(&dir, fetched.commit, &patch_dir, &names, &changes) {
            // Patches nobody can apply must not be left for someone to try.
            for name in &names {
                let _ = std::fs::remove_file(patch_dir.join(name));
            }
            return Err(e);
        }
        for change in &changes.rules {
            *state.findings.entry(change.rule_id.clone()).or_default() += change.findings.len();
        }
        state.patches = names.iter().map(|n| format!("{}/{n}", spec.name)).collect();
        if names.is_empty() {
            self.enter(state, Status::Clean);
            return Ok(());
        }
        self.enter(state, Status::Patched);
        if let Some(prs) = &self.prs {
            self.enter(state, Status::Publishing);
            let urls = self.open_prs(spec, prs, &dir, fetched.commit, &fetched.base)?;
            state.pr_url = urls.first().cloned();
            state.pr_urls = urls;
            self.enter(state, Status::PrOpen);
        }
        Ok(())
    }

    fn fetch(&self, spec: &RepoSpec) -> Result<crate::git::remote::Fetched> {
        let token = token_for(&spec.url, self.prs.as_ref().and_then(|p| p.forge));
        fetch_checkout(
            &spec.url,
            &self.work_dir(&spec.name),
            spec.base.as_deref(),
            token.as_deref(),
        )
    }

    /// The fixes in the clone at `dir`, grouped by rule; with `--verify`,
    /// proven, and without those whose package did not pass.
    fn scan_verified(&self, dir: &Path, stacking: Stacking) -> Result<(ChangeSet, Option<Report>)> {
        let Some(options) = self.verify else {
            return Ok((self.scan(dir, stacking, &HeldBack::default())?, None));
        };
        let verifier = Verifier::new(dir, options)?;
        let (changes, report) = verifier.until_clean(|held| {
            let changes = self.scan(dir, stacking, held)?;
            let candidates = candidates(&changes, stacking);
            Ok((changes, candidates))
        })?;
        Ok((changes, Some(report)))
    }

    /// The fixes in the clone at `dir`, grouped by rule.
    fn scan(&self, dir: &Path, stacking: Stacking, held_back: &HeldBack) -> Result<ChangeSet> {
        let workspace = Workspace::discover(dir)?;
        let selection = workspace.select(
            std::slice::from_ref(&workspace.root),
            &Filters::sized(self.max_filesize),
        )?;
        let engine_for = |rule| {
            Engine::new(vec![rule], Vec::new())
                .with_known_rules(self.known_rules.clone())
                .with_root(workspace.root.clone())
                .with_held_back(held_back.clone())
                .with_max_filesize(self.max_filesize)
                .with_format_check()
        };
        let mut changes = by_rule(
            (self.rules)()?,
            &engine_for,
            &selection.files,
            stacking,
            None,
        );
        changes.warnings.splice(0..0, selection.warnings);
        Ok(changes)
    }

    fn open_prs(
        &self,
        spec: &RepoSpec,
        prs: &PrOptions,
        dir: &Path,
        head: git2::Oid,
        base: &str,
    ) -> Result<Vec<String>> {
        let info = forge::parse_remote_url(&spec.url);
        let shown = strip_userinfo(&spec.url);
        let kind = prs
            .forge
            .or(info.kind)
            .ok_or_else(|| anyhow!("cannot tell the forge from `{shown}`: pass --forge"))?;
        let api_url = prs.api_url.clone().or(info.api_url).ok_or_else(|| {
            anyhow!("cannot tell the forge's API URL from `{shown}`: pass --api-url")
        })?;
        let slug = info.slug.unwrap_or_else(|| spec.name.clone());
        let token = token_for(&spec.url, Some(kind));
        let inner = forge::connect(kind, &api_url, &slug, token.clone())?;
        let forge = throttle::Throttled::new(inner, &prs.limiter);
        // Stacked like the patches when on one branch, each on the base otherwise.
        let stacking = if prs.single_branch {
            Stacking::Chained
        } else {
            Stacking::Independent
        };
        let (changes, report) = self.scan_verified(dir, stacking)?;
        let plans = publish::plan(
            &changes.rules,
            prs.single_branch,
            self.messages,
            verification(report.as_ref()),
        )?;
        let repo = git2::Repository::open(dir)?;
        let author = crate::git::author(dir);
        let target = Target {
            repo: &repo,
            remote: "origin",
            base,
            head,
            author: &author,
            token: token.as_deref(),
            forge: &forge,
            draft: prs.draft,
            labels: &prs.labels,
            reviewers: &prs.reviewers,
        };
        let mut urls = Vec::new();
        for plan in &plans {
            match publish::publish(&target, plan)? {
                publish::Outcome::Opened(url) | publish::Outcome::Updated(url) => urls.push(url),
                publish::Outcome::NotReopened(url) => urls.push(url),
                publish::Outcome::LeftAlone(why) => return Err(anyhow!("{why}")),
            }
        }
        Ok(urls)
    }

    fn work_dir(&self, name: &str) -> PathBuf {
        self.out.join(".work").join(name)
    }

    /// Records a step in the manifest, and shows it.
    fn enter(&self, state: &mut RepoState, status: Status) {
        state.status = status;
        self.save(state);
        self.progress.step(&state.name, status);
    }

    fn save(&self, state: &RepoState) {
        let mut manifest = self.manifest.lock().unwrap();
        manifest.put(state.clone());
        // A manifest that cannot be written loses resumability, not work.
        if let Err(e) = manifest.save(&self.out) {
            eprintln!("warning: {e:#}");
        }
    }
}

/// The forge token for a URL: named by `forge` or by the URL's host.
fn token_for(url: &str, forge: Option<Kind>) -> Option<String> {
    forge::token(forge.or(forge::parse_remote_url(url).kind)?)
}

/// Applies the patch files in order to the base commit's tree, as `git am`
/// would, and checks that the result holds exactly the fixed files. A
/// series that does not apply (a checkout filter changed the files, say)
/// fails the repository instead of shipping patches nobody can apply.
fn verify_series(
    dir: &Path,
    base: git2::Oid,
    patch_dir: &Path,
    names: &[String],
    changes: &ChangeSet,
) -> Result<()> {
    let repo = git2::Repository::open(dir)?;
    let mut tree = repo.find_commit(base)?.tree()?;
    for name in names {
        let text = std::fs::read(patch_dir.join(name))?;
        let diff = git2::Diff::from_buffer(&text)
            .map_err(|e| anyhow!("patch {name} cannot be read back: {}", e.message()))?;
        let mut index = repo.apply_to_tree(&tree, &diff, None).map_err(|e| {
            anyhow!(
                "patch {name} does not apply to the base commit: {}",
                e.message()
            )
        })?;
        let oid = index.write_tree_to(&repo)?;
        tree = repo.find_tree(oid)?;
    }
    for change in &changes.rules {
        for file in &change.files {
            let entry = tree
                .get_path(Path::new(&file.path))
                .with_context(|| format!("the patches do not create {}", file.path))?;
            let blob = repo.find_blob(entry.id())?;
            let expected = last_version(changes, &file.path);
            if blob.content() != expected.as_bytes() {
                return Err(anyhow!(
                    "the patches give {} other content than the fix (a checkout filter or line-ending conversion?)",
                    file.path
                ));
            }
        }
    }
    Ok(())
}

/// The content of `path` after the last rule that changed it.
fn last_version<'c>(changes: &'c ChangeSet, path: &str) -> &'c str {
    changes
        .rules
        .iter()
        .flat_map(|c| &c.files)
        .rfind(|f| f.path == path)
        .map_or("", |f| f.new.as_str())
}
