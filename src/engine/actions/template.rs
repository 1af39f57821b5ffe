//! `replace` and `insert`: edits rendered from the rule's tera template.

use super::{reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding};
use crate::engine::edit::Edit;
use crate::engine::lookup::{compile_lookups, find_all, Lookups, Vars};
use crate::engine::matcher::Match;
use crate::go::imports::imports_change;
use crate::rule::model::FixSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Replace,
    Before,
    After,
}

pub struct TemplateEdit {
    capture: u32,
    placement: Placement,
    /// Values from the Go knowledge the template uses; their imports are
    /// added with the edit.
    lookups: Lookups,
}

impl TemplateEdit {
    pub fn compile(
        spec: &FixSpec,
        capture: &CaptureLookup,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, (usize, String)> {
        let replace = spec.action.get_ref() == "replace";
        let allowed: &[&str] = if replace {
            &["capture", "template", "lookups"]
        } else {
            &["capture", "template", "position", "lookups"]
        };
        reject_options(spec, allowed)?;
        let target = capture(required(spec, spec.capture.as_ref(), "capture")?)?;
        required(spec, spec.template.as_ref(), "template")?;
        let placement = if replace {
            Placement::Replace
        } else {
            let position = required(spec, spec.position.as_ref(), "position")?;
            match position.get_ref().as_str() {
                "before" => Placement::Before,
                "after" => Placement::After,
                other => {
                    return Err((
                        position.span().start,
                        format!("`position` is `before` or `after`, not `{other}`"),
                    ))
                }
            }
        };
        Ok(TemplateEdit {
            capture: target,
            placement,
            lookups: compile_lookups(spec.lookups.as_ref(), param_exists)?,
        })
    }

    /// The fix's edits and the lookups' values (for the message).
    fn edits(&self, env: &PlanEnv, m: &Match) -> Result<(Vec<Edit>, Vars), String> {
        let node = m.get(self.capture).ok_or("capture not in this match")?;
        let (vars, imports) = find_all(&self.lookups, env.cx, &env.rule.params)?;
        let text = env.render("fix", m, &vars)?;
        let mut edits = vec![match self.placement {
            Placement::Replace => Edit::replace(node.start_byte(), node.end_byte(), text),
            Placement::Before => Edit::insert(node.start_byte(), text),
            Placement::After => Edit::insert(node.end_byte(), text),
        }];
        let paths: Vec<&str> = imports.iter().map(String::as_str).collect();
        if let Some((start, end, text)) = imports_change(env.cx.source, &paths, &[]) {
            edits.push(Edit::replace(start, end, text));
        }
        Ok((edits, vars))
    }
}

impl Action for TemplateEdit {
    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let mut plan = Plan::default();
        for (i, m) in matches.iter().enumerate() {
            let (fix, note, vars) = match self.edits(env, m) {
                Ok((edits, vars)) => {
                    plan.fixes.push(edits);
                    (Some(plan.fixes.len() - 1), None, vars)
                }
                Err(e) => (None, Some(format!("not fixed: {e}")), Vec::new()),
            };
            plan.findings.push(PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars,
                note,
                fix,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            });
        }
        plan
    }
}
