//! `localize`: make a variable that a concurrent closure shares with its
//! siblings local to the closure, the way a Go programmer would, so the
//! result builds: `:=` where it declares the right scope, `var NAME TYPE`
//! where it does not, `_` for values never read, and the outer declaration
//! removed when nothing uses it any more. Everything else is reported.

mod analysis;
mod edits;

use super::{reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding};
use crate::engine::matcher::Match;
use crate::go::syntax::{line_of, text, top_level_declaration};
use crate::rule::model::FixSpec;
use analysis::{analyse, Closure, OuterReads, Verdict};

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
    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let source = env.cx.source;
        let closures: Vec<Closure<'t>> = matches
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let closure = m.get(self.closure).filter(|n| n.kind() == "func_literal")?;
                let after = self.after.and_then(|a| m.get(a));
                analyse(i, closure, after, self.outer_reads, source)
            })
            .collect();
        let mut plan = Plan::default();
        // One fix per top-level declaration: its closures' edits and the
        // removal of declarations they leave unused must land together.
        let mut groups: Vec<(usize, Vec<&Closure>)> = Vec::new();
        for closure in &closures {
            let top = top_level_declaration(closure.node).id();
            match groups.iter_mut().find(|(id, _)| *id == top) {
                Some((_, members)) => members.push(closure),
                None => groups.push((top, vec![closure])),
            }
        }
        for (_, members) in groups {
            let edits = edits::plan_edits(&members, source);
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
        });
    }
}

/// ` (declared at line N)`, or nothing when declared in another file.
fn declared_at(binding: Option<&crate::go::scope::Binding>) -> String {
    binding
        .map(|b| format!(" (declared at line {})", line_of(b.name)))
        .unwrap_or_default()
}
