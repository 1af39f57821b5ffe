//! `localize`: make a variable that a concurrent closure shares with its
//! siblings local to the closure, the way a Go programmer would, so the
//! result builds: `:=` where it declares the right scope, `var NAME TYPE`
//! where it does not, `_` for values never read, and the outer declaration
//! removed when nothing uses it any more. Everything else is reported.

mod analysis;
mod edits;
mod exposure;
mod verdict;

use super::{
    reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding, TemplateRole,
};
use crate::engine::matcher::Match;
use crate::engine::Severity;
use crate::go::refs::References;
use crate::go::scope::function_literal_of;
use crate::go::syntax::{line_of, text, top_level_declaration};
use crate::rule::model::FixSpec;
use analysis::{analyse, judge, Closure, OuterReads, Setting, Verdict};
use exposure::Launch;
use std::collections::HashMap;
use tree_sitter::Node;

pub struct Localize {
    closure: u32,
    after: Option<u32>,
    outer_reads: OuterReads,
}

impl Localize {
    pub fn compile(spec: &FixSpec, capture: &CaptureLookup) -> Result<Self, (usize, String)> {
        reject_options(spec, &["closure", "after", "outer_reads_after"])?;
        let closure = capture(required(spec, spec.closure.as_ref(), "closure")?)?;
        let after = spec.after.as_ref().map(capture).transpose()?;
        let outer_reads = match spec.outer_reads_after.as_ref() {
            None => OuterReads::AfterClosure,
            Some(v) => match v.get_ref().as_str() {
                "after-closure" => OuterReads::AfterClosure,
                "after-parent" => OuterReads::AfterParent,
                other => {
                    return Err((
                        v.span().start,
                        format!(
                        "`outer_reads_after` is `after-closure` or `after-parent`, not `{other}`"
                    ),
                    ))
                }
            },
        };
        Ok(Localize {
            closure,
            after,
            outer_reads,
        })
    }
}

impl Action for Localize {
    /// Every finding is a closure writing a variable declared outside it.
    fn function_sieve(&self) -> Option<super::FunctionSieve> {
        Some(|source, function, facts| {
            crate::go::closure_sieve::literal_may_write_outside(source, function, facts.loopvars)
        })
    }

    /// The message names the variable and where it is declared (`report`).
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        match role {
            TemplateRole::Message => super::owned(&["var", "declared"]),
            TemplateRole::Fix | TemplateRole::File => Vec::new(),
        }
    }

    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let source = env.cx.source;
        let loopvars = env.cx.module().is_some_and(|m| m.go_at_least(1, 22));
        let mut closures: Vec<Closure<'t>> = Vec::new();
        // Closures outside the `--at` places are judged too (they may be
        // siblings) but are neither fixed nor reported.
        let all: Vec<Match<'t>> = matches.iter().chain(env.unselected).cloned().collect();
        for (literal, launches, index) in started_closures(&all, self.closure, source) {
            let after = self.after.and_then(|a| all[index].get(a));
            // A closure at an `--at` place is concurrent: a race report
            // (or the user) says so, even where the code cannot show it.
            let proven = env.located && index < matches.len();
            let setting = Setting {
                launches,
                loopvars,
                proven,
            };
            closures.extend(analyse(index, literal, after, setting, source));
        }
        let references = References::default();
        judge(
            &mut closures,
            self.outer_reads,
            source,
            &references,
            &|ty| env.cx.is_interface(ty),
        );
        closures.retain(|c| c.match_index < matches.len());
        let mut plan = Plan::default();
        // One fix per top-level declaration: its closures' edits and the
        // removal of declarations they leave unused must land together.
        let mut groups: Vec<Vec<&Closure>> = Vec::new();
        let mut group_of: HashMap<usize, usize> = HashMap::new();
        for closure in &closures {
            let top = top_level_declaration(closure.node).id();
            let g = *group_of.entry(top).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(closure);
        }
        for members in groups {
            let edits = edits::plan_edits(&members, source, &references);
            let fix = (!edits.is_empty()).then(|| {
                plan.fixes.push(edits);
                plan.fixes.len() - 1
            });
            for closure in members {
                report(&mut plan, closure, fix, source);
            }
        }
        plan
    }
}

/// Each function literal the matches start, with every place that starts
/// it: the capture is the literal itself (`go func(){…}()`, `g.Go(func…)`)
/// or a local variable holding one (`f := func(){…}; go f()`).
fn started_closures<'t>(
    matches: &[Match<'t>],
    capture: u32,
    source: &str,
) -> Vec<(Node<'t>, Vec<Launch<'t>>, usize)> {
    let mut out: Vec<(Node<'t>, Vec<Launch<'t>>, usize)> = Vec::new();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (i, m) in matches.iter().enumerate() {
        let Some(node) = m.get(capture) else { continue };
        let literal = match node.kind() {
            "func_literal" => Some(node),
            "identifier" => function_literal_of(node, source),
            _ => None,
        };
        let (Some(literal), Some(launch)) = (literal, launch_of(node, source)) else {
            continue;
        };
        match seen.get(&literal.id()) {
            Some(&at) => out[at].1.push(launch),
            None => {
                seen.insert(literal.id(), out.len());
                out.push((literal, vec![launch], i));
            }
        }
    }
    out
}

/// The `go` statement that calls `node`, or the call `node` is an
/// argument of (with its receiver: `g` in `g.Go(func…)`). A literal stored
/// elsewhere (a callback field) runs at some time after it is written:
/// its launch is the literal itself.
fn launch_of<'t>(node: Node<'t>, source: &str) -> Option<Launch<'t>> {
    let parent = node.parent()?;
    if parent.kind() == "call_expression" {
        let go = parent.parent().filter(|g| g.kind() == "go_statement")?;
        return Some(Launch {
            at: go,
            group: None,
        });
    }
    let itself = Launch {
        at: node,
        group: None,
    };
    let Some(call) = parent
        .parent()
        .filter(|c| parent.kind() == "argument_list" && c.kind() == "call_expression")
    else {
        return (node.kind() == "func_literal").then_some(itself);
    };
    let group = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "selector_expression")
        .and_then(|f| f.child_by_field_name("operand"))
        .map(|r| text(r, source).to_string());
    Some(Launch { at: call, group })
}

fn report(plan: &mut Plan, closure: &Closure, fix: Option<usize>, source: &str) {
    for var in &closure.vars {
        let Some(first) = var
            .refs
            .iter()
            .find(|r| r.kind != crate::go::refs::RefKind::Read)
        else {
            continue;
        };
        let declared = declared_at(var.binding.as_ref());
        let line = line_of(first.ident);
        let mut severity = Severity::Error;
        let (note, fixable) = match &var.verdict {
            Verdict::Short { .. } => (format!("fix: declare it with := at line {line}"), true),
            Verdict::Var { ty } => (
                format!("fix: declare `var {} {ty}` in the closure", var.name),
                true,
            ),
            Verdict::Blank => (
                "fix: the value is never read here, assign it to _".to_string(),
                true,
            ),
            Verdict::Refused(reason) => (format!("not fixed: {reason}"), false),
            Verdict::Ordered(reason) => {
                severity = Severity::Note;
                (reason.clone(), false)
            }
            Verdict::Quiet => continue,
        };
        plan.findings.push(PlannedFinding {
            match_index: closure.match_index,
            start: first.ident.start_byte(),
            end: first.ident.end_byte(),
            vars: vec![
                ("var".into(), var.name.clone()),
                ("declared".into(), declared),
            ],
            note: Some(note),
            fix: if fixable { fix } else { None },
            related: var.refs.iter().map(|r| r.ident.start_byte()).collect(),
            severity,
        });
    }
    for write in &closure.field_writes {
        plan.findings.push(PlannedFinding {
            match_index: closure.match_index,
            start: write.target.start_byte(),
            end: write.target.end_byte(),
            vars: vec![
                ("var".into(), text(write.root, source).to_string()),
                ("declared".into(), declared_at(write.binding.as_ref())),
            ],
            note: Some(format!(
                "not fixed: it writes `{}`, a field or element of the shared value; \
                 guard it with a mutex or give each its own copy",
                text(write.target, source)
            )),
            fix: None,
            related: Vec::new(),
            severity: Severity::Error,
        });
    }
}

/// ` (declared at line N)`, or nothing when declared in another file.
fn declared_at(binding: Option<&crate::go::scope::Binding>) -> String {
    binding
        .map(|b| format!(" (declared at line {})", line_of(b.name)))
        .unwrap_or_default()
}
