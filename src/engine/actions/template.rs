//! `replace` and `insert`: edits rendered from the rule's tera template.

use super::{
    reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding, TemplateRole,
};
use crate::engine::edit::{Edit, Fix};
use crate::engine::lookup::{compile_lookups, find_all, Lookups, Vars};
use crate::engine::matcher::Match;
use crate::go::imports::{default_package_name, imports_change, names_package, Import};
use crate::go::syntax::indentation;
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
    /// Packages the template may use (`io`): each is imported when the
    /// rendered text names it.
    imports: Vec<String>,
}

impl TemplateEdit {
    pub fn compile(
        spec: &FixSpec,
        capture: &CaptureLookup,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, (usize, String)> {
        let replace = spec.action.get_ref() == "replace";
        let allowed: &[&str] = if replace {
            &["capture", "template", "lookups", "imports"]
        } else {
            &["capture", "template", "position", "lookups", "imports"]
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
            imports: spec
                .imports
                .as_ref()
                .map(|i| i.get_ref().clone())
                .unwrap_or_default(),
        })
    }

    /// The fix's edits and the lookups' values (for the message).
    fn edits(&self, env: &PlanEnv, m: &Match) -> Result<(Vec<Edit>, Vars), String> {
        let node = m.get(self.capture).ok_or("capture not in this match")?;
        let (vars, imports) = find_all(&self.lookups, env.cx, &env.rule.params)?;
        let source = env.cx.source;
        // The template's line breaks take the edit's indentation; those in
        // the captured code keep theirs.
        const MARK: char = '\u{1}';
        let rendered = env.render_marking("fix", m, &vars, Some(MARK))?;
        let text =
            reindented(&rendered, indentation(source, node.start_byte())).replace(MARK, "\n");
        let edit = match self.placement {
            Placement::Replace => Edit::replace(node.start_byte(), node.end_byte(), text.clone()),
            Placement::Before => Edit::insert(node.start_byte(), text.clone()),
            Placement::After => Edit::insert(node.end_byte(), text.clone()),
        };
        let edited =
            crate::engine::edit::apply_fixes(source, &[Fix::new("", vec![edit.clone()])]).0;
        let lookups: Vec<&str> = imports.iter().map(String::as_str).collect();
        let mut edits = vec![edit];
        edits.extend(import_edit(env, &edited, &text, &self.imports, &lookups));
        Ok((edits, vars))
    }
}

/// A multi-line `text` to stand where a line indented with `indent`
/// holds it: its later lines get that indentation too, so a template is
/// written from column one whatever depth its edit lands at.
pub(super) fn reindented(text: &str, indent: &str) -> String {
    let mut lines = text.split('\n');
    let mut out = lines.next().unwrap_or("").to_string();
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

/// The edit of a fix's imports: it adds `lookups` and each of `imports`
/// (standard packages a template may use) that `rendered` names, and
/// removes those the fix's edits (`edited`: the file after them) leave
/// unused.
pub(super) fn import_edit(
    env: &PlanEnv,
    edited: &str,
    rendered: &str,
    imports: &[String],
    lookups: &[&str],
) -> Option<Edit> {
    let source = env.cx.source;
    let mut add = lookups.to_vec();
    add.extend(
        imports
            .iter()
            .filter(|path| names_package(rendered, default_package_name(path)))
            .map(String::as_str),
    );
    let remove = left_unused(env.cx.imports(), source, edited);
    let remove: Vec<&str> = remove.iter().map(String::as_str).collect();
    let (start, end, text) = imports_change(source, &add, &remove)?;
    Some(Edit::replace(start, end, text))
}

/// The import paths of `imports` that `source` uses and `edited` no
/// longer does: the fix took their last use. A blank (`_`) or dot import
/// has no name to count uses by, and stays.
pub(super) fn left_unused(imports: &[Import], source: &str, edited: &str) -> Vec<String> {
    imports
        .iter()
        .filter(|i| i.local_name != "_" && i.local_name != ".")
        .filter(|i| names_package(source, &i.local_name) && !names_package(edited, &i.local_name))
        .map(|i| i.path.clone())
        .collect()
}

impl Action for TemplateEdit {
    /// The lookups' values, for the fix and the message (`edits`).
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        match role {
            TemplateRole::Message | TemplateRole::Fix => {
                crate::engine::lookup::names(&self.lookups)
            }
            TemplateRole::File => Vec::new(),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_templates_later_lines_take_the_indentation_of_where_it_lands() {
        assert_eq!(reindented("a()\nb()", "\t\t"), "a()\n\t\tb()");
        assert_eq!(reindented("\ndefer r.Close()", "\t"), "\n\tdefer r.Close()");
        // A blank line stays blank (gofmt leaves no trailing blanks).
        assert_eq!(reindented("a()\n\nb()", "\t"), "a()\n\n\tb()");
        assert_eq!(reindented("one line", "\t"), "one line");
    }

    #[test]
    fn an_import_is_unused_when_the_edit_took_its_last_use() {
        let imports = vec![
            Import {
                local_name: "ioutil".into(),
                path: "io/ioutil".into(),
            },
            Import {
                local_name: "os".into(),
                path: "os".into(),
            },
            Import {
                local_name: "_".into(),
                path: "embed".into(),
            },
        ];
        let before = "func f() { ioutil.ReadAll(r); os.Exit(1) }";
        let after = "func f() { io.ReadAll(r); os.Exit(1) }";
        assert_eq!(left_unused(&imports, before, after), ["io/ioutil"]);
        assert!(left_unused(&imports, before, before).is_empty());
    }
}
