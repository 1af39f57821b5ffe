//! `replace` and `insert`: edits rendered from the rule's tera template.

use super::{reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding};
use crate::engine::edit::Edit;
use crate::engine::matcher::Match;
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
}

impl TemplateEdit {
    pub fn compile(spec: &FixSpec, capture: &CaptureLookup) -> Result<Self, (usize, String)> {
        let replace = spec.action.get_ref() == "replace";
        let allowed: &[&str] = if replace {
            &["capture", "template"]
        } else {
            &["capture", "template", "position"]
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
        })
    }

    fn edit(&self, env: &PlanEnv, m: &Match) -> Result<Edit, String> {
        let node = m.get(self.capture).ok_or("capture not in this match")?;
        let text = env.render("fix", m, &[])?;
        Ok(match self.placement {
            Placement::Replace => Edit::replace(node.start_byte(), node.end_byte(), text),
            Placement::Before => Edit::insert(node.start_byte(), text),
            Placement::After => Edit::insert(node.end_byte(), text),
        })
    }
}

impl Action for TemplateEdit {
    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let mut plan = Plan::default();
        for (i, m) in matches.iter().enumerate() {
            let (fix, note) = match self.edit(env, m) {
                Ok(edit) => {
                    plan.fixes.push(vec![edit]);
                    (Some(plan.fixes.len() - 1), None)
                }
                Err(e) => (
                    None,
                    Some(format!("not fixed: the fix template failed: {e}")),
                ),
            };
            plan.findings.push(PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars: Vec::new(),
                note,
                fix,
                related: Vec::new(),
            });
        }
        plan
    }
}
