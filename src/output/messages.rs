//! Commit messages and pull-request bodies, rendered from tera templates:
//! the built-in ones in `templates/` (compiled in), or a user's with
//! `--templates DIR` (`commit.tera`, `pr.tera`; either may be left out).

use crate::changeset::RuleChanges;
use crate::engine::template_bounds;
use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use std::path::Path;

const BUILTIN: &[(&str, &str)] = &[
    ("commit.tera", include_str!("../../templates/commit.tera")),
    ("pr.tera", include_str!("../../templates/pr.tera")),
];

/// Git's advice, and what most forges cut at.
const SUBJECT_LIMIT: usize = 72;

pub struct Messages {
    tera: tera::Tera,
}

#[derive(Serialize)]
struct RuleView<'a> {
    id: &'a str,
    title: &'a str,
    rationale: &'a str,
}

#[derive(Serialize)]
struct Place<'a> {
    path: &'a str,
    line: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct ChangeView<'a> {
    rule: RuleView<'a>,
    summary: String,
    places: Vec<Place<'a>>,
    added: Vec<&'a str>,
    marker: String,
}

impl<'a> ChangeView<'a> {
    fn of(change: &'a RuleChanges) -> Self {
        let files = change.files.len();
        let fixes = change.findings.len().max(1);
        ChangeView {
            rule: RuleView {
                id: &change.rule_id,
                title: &change.title,
                rationale: &change.rationale,
            },
            summary: format!(
                "fix {fixes} finding{} in {files} file{}",
                plural(fixes),
                plural(files)
            ),
            places: change
                .findings
                .iter()
                .map(|f| Place {
                    path: &f.path,
                    line: f.line,
                    message: &f.message,
                })
                .collect(),
            added: change
                .files
                .iter()
                .filter(|f| f.old.is_none())
                .map(|f| f.path.as_str())
                .collect(),
            marker: change.marker(),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Messages {
    /// The built-in templates, each replaced by `DIR/NAME` where there is
    /// one. A user's template gets the bounds a rule's does (no recursion,
    /// bounded depth and output): a template must never crash a run.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let mut tera = template_bounds::instance();
        for (name, builtin) in BUILTIN {
            let (text, origin) = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(path) => (
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                    path.display().to_string(),
                ),
                None => (builtin.to_string(), format!("templates/{name} (built in)")),
            };
            template_bounds::add(&mut tera, name, &text)
                .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        }
        Ok(Messages { tera })
    }

    /// The commit message for one rule's changes: a subject line of at
    /// most 72 characters, a blank line, the body, the marker trailer.
    pub fn commit_message(
        &self,
        change: &RuleChanges,
        verification: &dyn Verification,
    ) -> Result<String> {
        let mut context = tera::Context::from_serialize(ChangeView::of(change))?;
        context.insert("verification", &verification.describe(&[change]));
        let text = self.render("commit.tera", &context)?;
        let text = text.trim().to_string() + "\n";
        let subject = text.lines().next().unwrap_or("");
        if subject.trim().is_empty() {
            bail!("commit.tera: the first line (the subject) is empty");
        }
        if subject.chars().count() > SUBJECT_LIMIT {
            let cut: String = subject.chars().take(SUBJECT_LIMIT - 1).collect();
            return Ok(format!("{}…{}", cut.trim_end(), &text[subject.len()..]));
        }
        Ok(text)
    }

    /// The pull-request body for one or more rules' changes.
    pub fn pr_body(
        &self,
        changes: &[&RuleChanges],
        verification: &dyn Verification,
    ) -> Result<String> {
        let views: Vec<ChangeView> = changes.iter().map(|c| ChangeView::of(c)).collect();
        let mut context = tera::Context::new();
        context.insert("changes", &views);
        context.insert("verification", &verification.describe(changes));
        Ok(self.render("pr.tera", &context)?.trim().to_string() + "\n")
    }

    fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        template_bounds::render(&self.tera, name, context)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))
    }
}

/// What was verified of some rules' changes, in words for the
/// `verification` of commit messages and PR bodies.
pub trait Verification {
    fn describe(&self, changes: &[&RuleChanges]) -> String;
}

/// Without `--verify`: what fixgen itself checked.
pub struct NotVerified;

impl Verification for NotVerified {
    fn describe(&self, _: &[&RuleChanges]) -> String {
        VERIFIED_BY_FIXGEN.to_string()
    }
}

/// What the messages say was verified: the `--verify` report when there is
/// one, else fixgen's own checks.
pub fn verification(report: Option<&crate::verify::Report>) -> &dyn Verification {
    match report {
        Some(report) => report,
        None => &NotVerified,
    }
}

/// With `--verify`: what the go command said of the packages they change.
impl Verification for crate::verify::Report {
    fn describe(&self, changes: &[&RuleChanges]) -> String {
        let paths: Vec<&str> = changes
            .iter()
            .flat_map(|c| c.files.iter().map(|f| f.path.as_str()))
            .collect();
        crate::verify::Report::describe(self, &paths)
    }
}

/// What fixgen itself checked, for messages, until `--verify` says more.
pub const VERIFIED_BY_FIXGEN: &str = "fixgen re-parsed every changed file and ran the rules again on the result: nothing left to change. Build and tests not run by fixgen; CI will tell.";
