//! `edits`: several edits at several places, made together as one fix
//! (`[[fix.edits]]`): replace a capture, insert before or after it,
//! delete it, move it before or after another, or claim it (no change;
//! two fixes claiming it are not made in one round). A capture that is a
//! statement on lines of its own is edited as lines (an insertion gets a
//! line of its own at the statement's depth; a deletion takes its lines);
//! anything else is edited where it stands.

use super::template::{import_edit, reindented};
use super::{reject_options, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding};
use crate::engine::edit::Edit;
use crate::engine::matcher::Match;
use crate::go::syntax::{indentation, line_start, next_line_start, owns_its_lines};
use crate::rule::model::FixSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Replace,
    InsertBefore,
    InsertAfter,
    Delete,
    MoveBefore,
    MoveAfter,
    Claim,
}

const OPS: &[(&str, Op)] = &[
    ("replace", Op::Replace),
    ("insert-before", Op::InsertBefore),
    ("insert-after", Op::InsertAfter),
    ("delete", Op::Delete),
    ("move-before", Op::MoveBefore),
    ("move-after", Op::MoveAfter),
    ("claim", Op::Claim),
];

struct Step {
    op: Op,
    capture: u32,
    /// The template's name (`fix.0`…), for the ops that render one.
    template: Option<String>,
    to: Option<u32>,
}

pub struct MultiEdit {
    steps: Vec<Step>,
    imports: Vec<String>,
}

impl MultiEdit {
    pub fn compile(spec: &FixSpec, capture: &CaptureLookup) -> Result<Self, (usize, String)> {
        reject_options(spec, &["edits", "imports"])?;
        let specs = spec.edits.as_deref().unwrap_or_default();
        if specs.is_empty() {
            return Err((
                spec.action.span().start,
                "`edits` needs one [[fix.edits]] or more".to_string(),
            ));
        }
        let mut steps = Vec::new();
        for (i, edit) in specs.iter().enumerate() {
            let op = OPS
                .iter()
                .find(|(name, _)| name == edit.op.get_ref())
                .map(|&(_, op)| op)
                .ok_or_else(|| {
                    let known: Vec<&str> = OPS.iter().map(|(n, _)| *n).collect();
                    (
                        edit.op.span().start,
                        format!(
                            "unknown edit `{}` (known: {})",
                            edit.op.get_ref(),
                            known.join(", ")
                        ),
                    )
                })?;
            let renders = matches!(op, Op::Replace | Op::InsertBefore | Op::InsertAfter);
            let moves = matches!(op, Op::MoveBefore | Op::MoveAfter);
            let template = match (&edit.template, renders) {
                (Some(_), true) => Some(format!("fix.{i}")),
                (None, true) => {
                    return Err((
                        edit.op.span().start,
                        format!("edit `{}` needs a `template`", edit.op.get_ref()),
                    ))
                }
                (Some(t), false) => {
                    return Err((
                        t.span().start,
                        format!("edit `{}` takes no `template`", edit.op.get_ref()),
                    ))
                }
                (None, false) => None,
            };
            let to = match (&edit.to, moves) {
                (Some(to), true) => Some(capture(to)?),
                (None, true) => {
                    return Err((
                        edit.op.span().start,
                        format!(
                            "edit `{}` needs `to`, the capture it goes next to",
                            edit.op.get_ref()
                        ),
                    ))
                }
                (Some(to), false) => {
                    return Err((
                        to.span().start,
                        format!("edit `{}` takes no `to`", edit.op.get_ref()),
                    ))
                }
                (None, false) => None,
            };
            steps.push(Step {
                op,
                capture: capture(&edit.capture)?,
                template,
                to,
            });
        }
        Ok(MultiEdit {
            steps,
            imports: spec
                .imports
                .as_ref()
                .map(|i| i.get_ref().clone())
                .unwrap_or_default(),
        })
    }

    fn edits(&self, env: &PlanEnv, m: &Match) -> Result<Vec<Edit>, String> {
        let source = env.cx.source;
        let mut edits = Vec::new();
        let mut rendered_all = String::new();
        for step in &self.steps {
            let node = m
                .get(step.capture)
                .ok_or("a capture of the edits is not in this match")?;
            let rendered = match &step.template {
                Some(name) => {
                    const MARK: char = '\u{1}';
                    let text = env.render_marking(name, m, &[] as &[(&str, String)], Some(MARK))?;
                    let text = reindented(&text, indentation(source, node.start_byte()))
                        .replace(MARK, "\n");
                    rendered_all.push_str(&text);
                    Some(text)
                }
                None => None,
            };
            // A statement's label goes with it (`outer: for {`); what is
            // inserted stands at the statement's depth, not the label's.
            let indent = indentation(source, node.start_byte());
            let node = labelled(node);
            let range = node.start_byte()..node.end_byte();
            match step.op {
                Op::Replace => edits.push(Edit::replace(
                    range.start,
                    range.end,
                    rendered.unwrap_or_default(),
                )),
                Op::InsertBefore => edits.push(insert_before(
                    source,
                    range,
                    &rendered.unwrap_or_default(),
                    indent,
                )),
                Op::InsertAfter => edits.push(insert_after(
                    source,
                    range,
                    &rendered.unwrap_or_default(),
                    indent,
                )),
                Op::Delete => edits.push(deletion(source, range)),
                // No change, but a point no other fix of the round may
                // touch: the next fix claiming it waits for the next round,
                // and its conditions are asked again of the changed code.
                Op::Claim => edits.push(Edit::insert(range.start, "")),
                Op::MoveBefore | Op::MoveAfter => {
                    let to = m
                        .get(step.to.expect("compiled with `to`"))
                        .ok_or("the `to` capture is not in this match")?;
                    let to_indent = indentation(source, to.start_byte());
                    let to = labelled(to);
                    let to_range = to.start_byte()..to.end_byte();
                    let text = moved_text(source, range.clone(), to_indent);
                    edits.push(deletion(source, range));
                    edits.push(match step.op {
                        Op::MoveBefore => insert_before(source, to_range, &text, to_indent),
                        _ => insert_after(source, to_range, &text, to_indent),
                    });
                }
            }
        }
        let edited = crate::engine::edit::apply_fixes(
            source,
            &[crate::engine::edit::Fix::new("", edits.clone())],
        )
        .0;
        edits.extend(import_edit(env, &edited, &rendered_all, &self.imports, &[]));
        Ok(edits)
    }
}

/// The labelled statement around `node`, if it is one's statement.
fn labelled(node: tree_sitter::Node) -> tree_sitter::Node {
    match node.parent() {
        Some(parent) if parent.kind() == "labeled_statement" => parent,
        _ => node,
    }
}

/// `text` before the node at `range`: on a line of its own above a
/// statement that owns its lines (at `indent`, the statement's depth),
/// else right before it.
fn insert_before(source: &str, range: std::ops::Range<usize>, text: &str, indent: &str) -> Edit {
    if owns_its_lines(source, range.start, range.end) {
        Edit::insert(line_start(source, range.start), format!("{indent}{text}\n"))
    } else {
        Edit::insert(range.start, text.to_string())
    }
}

/// `text` after the node at `range`: on a line of its own below a
/// statement that owns its lines, else right after it.
fn insert_after(source: &str, range: std::ops::Range<usize>, text: &str, indent: &str) -> Edit {
    if owns_its_lines(source, range.start, range.end) {
        Edit::insert(range.end, format!("\n{indent}{text}"))
    } else {
        Edit::insert(range.end, text.to_string())
    }
}

/// Removes the node at `range`: its lines when it owns them.
fn deletion(source: &str, range: std::ops::Range<usize>) -> Edit {
    if owns_its_lines(source, range.start, range.end) {
        Edit::replace(
            line_start(source, range.start),
            next_line_start(source, range.end),
            "",
        )
    } else {
        Edit::replace(range.start, range.end, "")
    }
}

/// The text of the node at `range`, its later lines moved from its own
/// depth to `indent`'s.
fn moved_text(source: &str, range: std::ops::Range<usize>, indent: &str) -> String {
    let own = indentation(source, range.start);
    let at_column_one: Vec<&str> = source[range]
        .split('\n')
        .map(|line| line.strip_prefix(own).unwrap_or(line))
        .collect();
    reindented(&at_column_one.join("\n"), indent)
}

impl Action for MultiEdit {
    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let mut plan = Plan::default();
        for (i, m) in matches.iter().enumerate() {
            let (fix, note) = match self.edits(env, m) {
                Ok(edits) => {
                    plan.fixes.push(edits);
                    (Some(plan.fixes.len() - 1), None)
                }
                Err(e) => (None, Some(format!("not fixed: {e}"))),
            };
            plan.findings.push(PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars: Vec::new(),
                note,
                fix,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            });
        }
        plan
    }
}
