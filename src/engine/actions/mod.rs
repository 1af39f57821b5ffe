//! Fix actions. A rule names one in its `[fix]` table; the action plans
//! findings and edits for all matches of the rule in one file at once, so
//! that fixes which must agree (two subtests localising the same variable,
//! then removing its declaration) are planned together.

mod clone;
mod eventually;
mod localize;
mod multi;
mod template;
mod wrap;

use super::context::FileContext;
use super::edit::{Edit, NewFile};
use super::matcher::Match;
use crate::engine::Rule;
use crate::rule::model::FixSpec;
use tree_sitter::Query;

/// Looks a capture up by name; errors carry the rule-file offset.
pub type CaptureLookup<'a> = dyn Fn(&toml::Spanned<String>) -> Result<u32, (usize, String)> + 'a;

pub trait Action: Send + Sync {
    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan;

    /// A first look at the text of a top-level function that must pass for
    /// the action to find anything in it; the functions it rejects are
    /// not parsed for the rule. It may pass what the action then finds
    /// nothing in, never the other way round.
    fn function_sieve(&self) -> Option<FunctionSieve> {
        None
    }

    /// The variables the action gives `role`'s template beside the
    /// captures and `params`. A rule template naming anything else is a
    /// mistake in the rule file, reported when it loads (`rule::load`);
    /// each action lists here what its `render` calls pass, and debug
    /// builds check every rendering against the list.
    fn template_vars(&self, _role: TemplateRole) -> Vec<String> {
        Vec::new()
    }
}

/// Which of a rule's templates renders: each sees its own variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateRole {
    /// `message`, for each finding.
    Message,
    /// `template`, or a `[[fix.edits]]` one: the fix's code.
    Fix,
    /// `add_file`'s template: a file the fix adds.
    File,
}

impl TemplateRole {
    /// The role of the template `rule::load` registered as `name`
    /// (`message`, `fix`, `fix.0`…, `file`).
    pub fn of(name: &str) -> TemplateRole {
        match name {
            "message" => TemplateRole::Message,
            "file" => TemplateRole::File,
            _ => TemplateRole::Fix,
        }
    }
}

/// `names` as the owned list [`Action::template_vars`] returns.
pub(crate) fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Whether `source[function.0..function.1]` may hold what an action finds.
pub type FunctionSieve =
    fn(source: &str, function: (usize, usize), facts: &super::sieve::FileFacts) -> bool;

/// What an action sees: the file and the rule (parameters, templates).
pub struct PlanEnv<'a, 't> {
    pub cx: &'a FileContext<'t>,
    pub rule: &'a Rule,
    /// The rule's other matches in the file, outside the `--at` places:
    /// evidence an action may weigh (a sibling closure), never to fix.
    pub unselected: &'a [Match<'t>],
    /// The matches are the ones at `--at` places: a failed run (triage)
    /// or the user pointed at them, which is evidence of the defect.
    pub located: bool,
}

impl PlanEnv<'_, '_> {
    /// Renders one of the rule's templates with the match's captures, the
    /// rule's parameters (`params.NAME`) and `extra` variables.
    pub fn render<K: AsRef<str>>(
        &self,
        template: &str,
        m: &Match,
        extra: &[(K, String)],
    ) -> Result<String, String> {
        self.render_marking(template, m, extra, None)
    }

    /// As [`PlanEnv::render`], with each line break of a capture's text
    /// written as `mark`: the template's own line breaks can then be told
    /// from the code's (which keep the indentation they have).
    pub fn render_marking<K: AsRef<str>>(
        &self,
        template: &str,
        m: &Match,
        extra: &[(K, String)],
        mark: Option<char>,
    ) -> Result<String, String> {
        let marked = |text: &str| match mark {
            Some(mark) => text.replace('\n', &mark.to_string()),
            None => text.to_string(),
        };
        let mut context = tera::Context::new();
        for (index, node) in &m.captures {
            context.insert(self.rule.capture_name(*index), &marked(self.cx.text(*node)));
        }
        // A pattern's `$$$ARGS`: the text from its first node to its last.
        for (index, span) in &m.spans {
            let text = &self.cx.source[span.clone()];
            context.insert(self.rule.capture_name(*index), &marked(text));
        }
        context.insert("params", &self.rule.params);
        for (key, value) in extra {
            debug_assert!(
                self.rule
                    .action
                    .template_vars(TemplateRole::of(template))
                    .iter()
                    .any(|v| v == key.as_ref()),
                "{}: the action renders `{template}` with `{}`, which its template_vars does not list",
                self.rule.origin,
                key.as_ref()
            );
            context.insert(key.as_ref(), value);
        }
        crate::engine::template_bounds::render(&self.rule.templates, template, &context)
            .map_err(|e| format!("{}: {e}", self.rule.origin))
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub findings: Vec<PlannedFinding>,
    /// Each entry is one all-or-nothing fix.
    pub fixes: Vec<Vec<Edit>>,
    /// Files a fix adds: (index into `fixes`, file). Added only with it.
    pub files: Vec<(usize, NewFile)>,
}

#[derive(Debug, Clone)]
pub struct PlannedFinding {
    pub match_index: usize,
    pub start: usize,
    pub end: usize,
    /// Variables for the rule's message template.
    pub vars: Vec<(String, String)>,
    /// Appended to the message: what the fix does, or why there is none.
    pub note: Option<String>,
    pub fix: Option<usize>,
    /// Byte offsets of other places the finding is about (every use of a
    /// variable the fix makes local): evidence at those lines points here.
    pub related: Vec<usize>,
    /// A note (shared on purpose, ordered) is not a defect: it does not
    /// fail `check`.
    pub severity: crate::engine::Severity,
}

/// Builds the action a rule's `[fix]` table names; errors carry the offset
/// of the offending option in the rule file.
pub fn compile(
    spec: Option<&FixSpec>,
    query: &Query,
    param_exists: &dyn Fn(&str) -> bool,
) -> Result<Box<dyn Action>, (usize, String)> {
    let Some(spec) = spec else {
        return Ok(Box::new(ReportOnly));
    };
    let capture = |name: &toml::Spanned<String>| {
        query.capture_index_for_name(name.get_ref()).ok_or_else(|| {
            (
                name.span().start,
                format!("the query has no capture @{}", name.get_ref()),
            )
        })
    };
    match spec.action.get_ref().as_str() {
        "localize" => {
            localize::Localize::compile(spec, &capture).map(|a| Box::new(a) as Box<dyn Action>)
        }
        "clone" => {
            clone::CloneValue::compile(spec, &capture).map(|a| Box::new(a) as Box<dyn Action>)
        }
        "wrap-function" => {
            wrap::WrapFunction::compile(spec, &capture).map(|a| Box::new(a) as Box<dyn Action>)
        }
        "replace" | "insert" => template::TemplateEdit::compile(spec, &capture, param_exists)
            .map(|a| Box::new(a) as Box<dyn Action>),
        "edits" => multi::MultiEdit::compile(spec, &capture).map(|a| Box::new(a) as Box<dyn Action>),
        "collect-condition" => eventually::CollectCondition::compile(spec, &capture, param_exists)
            .map(|a| Box::new(a) as Box<dyn Action>),
        "poll-statements" => eventually::PollStatements::compile(spec, &capture, param_exists)
            .map(|a| Box::new(a) as Box<dyn Action>),
        "merge-poll" => eventually::MergePoll::compile(spec, &capture, param_exists)
            .map(|a| Box::new(a) as Box<dyn Action>),
        other => Err((
            spec.action.span().start,
            format!(
                "unknown action `{other}` (known: clone, collect-condition, edits, insert, localize, merge-poll, poll-statements, replace, wrap-function)"
            ),
        )),
    }
}

/// Options an action does not take are mistakes, not silently ignored.
fn reject_options(spec: &FixSpec, allowed: &[&str]) -> Result<(), (usize, String)> {
    let lookups = spec
        .lookups
        .as_ref()
        .and_then(|t| t.values().next())
        .map(|v| v.span());
    let given: [(&str, Option<std::ops::Range<usize>>); 14] = [
        ("closure", spec.closure.as_ref().map(|v| v.span())),
        ("after", spec.after.as_ref().map(|v| v.span())),
        (
            "outer_reads_after",
            spec.outer_reads_after.as_ref().map(|v| v.span()),
        ),
        ("capture", spec.capture.as_ref().map(|v| v.span())),
        ("template", spec.template.as_ref().map(|v| v.span())),
        ("position", spec.position.as_ref().map(|v| v.span())),
        ("target", spec.target.as_ref().map(|v| v.span())),
        ("tables", spec.tables.as_ref().map(|v| v.span())),
        ("suffix", spec.suffix.as_ref().map(|v| v.span())),
        (
            "requires_module",
            spec.requires_module.as_ref().map(|v| v.span()),
        ),
        ("imports", spec.imports.as_ref().map(|v| v.span())),
        (
            "edits",
            spec.edits
                .as_ref()
                .and_then(|e| e.first())
                .map(|e| e.op.span()),
        ),
        ("add_file", spec.add_file.as_ref().map(|v| v.name.span())),
        ("lookups", lookups),
    ];
    for (name, span) in given {
        if let Some(span) = span {
            if !allowed.contains(&name) {
                return Err((
                    span.start,
                    format!(
                        "option `{name}` does not apply to action `{}`",
                        spec.action.get_ref()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn required<'s>(
    spec: &'s FixSpec,
    value: Option<&'s toml::Spanned<String>>,
    name: &str,
) -> Result<&'s toml::Spanned<String>, (usize, String)> {
    value.ok_or_else(|| {
        (
            spec.action.span().start,
            format!(
                "action `{}` needs the option `{name}`",
                spec.action.get_ref()
            ),
        )
    })
}

/// A rule without `[fix]`: one finding per match.
struct ReportOnly;

impl Action for ReportOnly {
    fn plan<'t>(&self, _env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let findings = matches
            .iter()
            .enumerate()
            .map(|(i, m)| PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars: Vec::new(),
                note: None,
                fix: None,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            })
            .collect();
        Plan {
            findings,
            ..Plan::default()
        }
    }
}
