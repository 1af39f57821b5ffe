//! `wrap-function`: run a function again when it fails. Its body moves,
//! unchanged, to an unexported sibling with the same signature (`Save` →
//! `saveOnce`); the original keeps its name, signature and doc comment, so
//! callers and interfaces see no change, and its new body, rendered from the
//! rule's template, calls the sibling in a loop. Which functions may be
//! wrapped is Go knowledge the rule names with `target`; the others are
//! reported with the reason. A helper file the loop calls is added to the
//! package once, when the package lacks it.

use super::{
    reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding, TemplateRole,
};
use crate::engine::edit::{Edit, NewFile};
use crate::engine::matcher::Match;
use crate::engine::predicate::param_strings;
use crate::go::functions::{self, Function};
use crate::go::imports::{default_package_name, imports_edit};
use crate::go::sql::{self, PackageView, Role, TableFilter};
use crate::go::syntax::{named_children, text};
use crate::go::types::type_matches;
use crate::rule::model::FixSpec;
use tree_sitter::Node;

pub struct WrapFunction {
    capture: u32,
    target: Target,
    /// The parameter naming the tables (`params.tables` → `tables`).
    tables_param: Option<String>,
    suffix: String,
    /// A module path, or `params.NAME` holding one.
    requires_module: Option<String>,
    imports: Vec<String>,
    add_file: Option<AddFile>,
}

struct AddFile {
    name: String,
    unless_declared: String,
}

/// Which functions may be wrapped.
enum Target {
    /// The function owning the transaction a deadlock rolls back (src/go/sql.rs).
    SqlTransactionOwner,
}

/// What the target says of one function.
enum Verdict {
    /// Not the rule's business: no finding.
    Skip,
    Wrap(Vec<(&'static str, String)>),
    Refuse(String, Vec<(&'static str, String)>),
}

impl WrapFunction {
    /// What the function's own facts allow, before the package is read.
    fn may_be_target(&self, f: &Function) -> bool {
        match self.target {
            Target::SqlTransactionOwner => sql::may_write(f),
        }
    }

    pub fn compile(spec: &FixSpec, capture: &CaptureLookup) -> Result<Self, (usize, String)> {
        reject_options(
            spec,
            &[
                "capture",
                "template",
                "target",
                "tables",
                "suffix",
                "requires_module",
                "imports",
                "add_file",
            ],
        )?;
        let capture = capture(required(spec, spec.capture.as_ref(), "capture")?)?;
        required(spec, spec.template.as_ref(), "template")?;
        let target = required(spec, spec.target.as_ref(), "target")?;
        let target = match target.get_ref().as_str() {
            "sql-transaction-owner" => Target::SqlTransactionOwner,
            other => {
                return Err((
                    target.span().start,
                    format!("unknown target `{other}` (known: sql-transaction-owner)"),
                ))
            }
        };
        let tables_param = match &spec.tables {
            None => None,
            Some(t) => Some(
                t.get_ref()
                    .strip_prefix("params.")
                    .map(str::to_string)
                    .ok_or_else(|| {
                        (
                            t.span().start,
                            "`tables` must name a parameter: params.NAME".to_string(),
                        )
                    })?,
            ),
        };
        Ok(WrapFunction {
            capture,
            target,
            tables_param,
            suffix: spec
                .suffix
                .as_ref()
                .map_or("Once".to_string(), |s| s.get_ref().clone()),
            requires_module: spec.requires_module.as_ref().map(|r| r.get_ref().clone()),
            imports: spec
                .imports
                .as_ref()
                .map_or(Vec::new(), |i| i.get_ref().clone()),
            add_file: spec.add_file.as_ref().map(|a| AddFile {
                name: a.name.get_ref().clone(),
                unless_declared: a.unless_declared.get_ref().clone(),
            }),
        })
    }
}

/// What the target says of a function, for the message (`Verdict`).
const MESSAGE_VARS: [&str; 2] = ["tables", "role"];
/// The wrapper's signature, for the fix's template
/// (`Signature::template_vars`).
const FIX_VARS: [&str; 9] = [
    "name", "once", "call", "results", "assign", "err", "ctx", "attempt", "retry",
];
/// The added file's package, for its template (`WrapFunction::add_file`).
const FILE_VARS: [&str; 1] = ["package"];

impl Action for WrapFunction {
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        super::owned(match role {
            TemplateRole::Message => &MESSAGE_VARS,
            TemplateRole::Fix => &FIX_VARS,
            TemplateRole::File => &FILE_VARS,
        })
    }

    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let mut plan = Plan::default();
        let file = env.cx.path.rsplit('/').next().unwrap_or(env.cx.path);
        // The file's own facts first: most files hold no function that could
        // be a target, and then the package is never read.
        let candidates: Vec<(usize, Node, Function)> = matches
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let decl = m.get(self.capture)?;
                let facts = functions::function(decl, env.cx.source, file)?;
                self.may_be_target(&facts).then_some((i, decl, facts))
            })
            .collect();
        if candidates.is_empty() {
            return plan;
        }

        let Some(view) = env.cx.package_view() else {
            return plan;
        };
        for (i, decl, facts) in candidates {
            let m = &matches[i];
            if self.already_wrapped(&facts, &view) {
                continue;
            }
            let (vars, outcome) = match self.judge(env, decl, &facts, &view) {
                Verdict::Skip => continue,
                Verdict::Refuse(reason, vars) => (vars, Err(reason)),
                Verdict::Wrap(vars) => {
                    let outcome = self
                        .check_module(env)
                        .and_then(|()| self.wrap(env, m, decl, &facts, &view));
                    (vars, outcome)
                }
            };
            let (fix, note) = match outcome {
                Ok((edits, new_file, note)) => {
                    plan.fixes.push(edits);
                    let index = plan.fixes.len() - 1;
                    if let Some(new_file) = new_file {
                        plan.files.push((index, new_file));
                    }
                    (Some(index), note)
                }
                Err(reason) => (None, format!("not fixed: {reason}")),
            };
            plan.findings.push(PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars: vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                note: Some(note),
                fix,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            });
        }
        plan
    }
}

impl WrapFunction {
    /// A wrapper calls its attempt; the attempt is named after a wrapper
    /// that calls it. Neither is wrapped again.
    fn already_wrapped(&self, f: &Function, view: &PackageView) -> bool {
        if f.calls_name(&attempt_name(&f.name, &self.suffix)) {
            return true;
        }
        f.name.ends_with(&self.suffix)
            && view.functions.iter().any(|w| {
                w.name != f.name
                    && attempt_name(&w.name, &self.suffix) == f.name
                    && w.calls_name(&f.name)
            })
    }

    fn judge(&self, env: &PlanEnv, decl: Node, f: &Function, view: &PackageView) -> Verdict {
        match self.target {
            Target::SqlTransactionOwner => {
                let wanted: Vec<String> = self
                    .tables_param
                    .as_ref()
                    .map(|p| {
                        param_strings(env.rule.params.get(p))
                            .into_iter()
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                let type_of = |n: Node| env.cx.type_of(n).map(|t| t.text);
                let role = sql::role(
                    view,
                    f,
                    decl,
                    env.cx.source,
                    &TableFilter(&wanted),
                    &type_of,
                );
                let listed = |tables: &std::collections::BTreeSet<String>| {
                    tables
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match role {
                    Role::NotAWriter => Verdict::Skip,
                    Role::Owner { tables } => Verdict::Wrap(vec![
                        ("tables", listed(&tables)),
                        ("role", "owns the transaction that writes".into()),
                    ]),
                    Role::SingleStatement { tables } => Verdict::Wrap(vec![
                        ("tables", listed(&tables)),
                        ("role", "runs one write statement on".into()),
                    ]),
                    Role::NotOwner { tables, reason } => Verdict::Refuse(
                        reason,
                        vec![("tables", listed(&tables)), ("role", "writes".into())],
                    ),
                }
            }
        }
    }

    /// The fix may need a module (a driver) that go.mod must require.
    fn check_module(&self, env: &PlanEnv) -> Result<(), String> {
        let Some(wanted) = &self.requires_module else {
            return Ok(());
        };
        let path = match wanted.strip_prefix("params.") {
            Some(name) => param_strings(env.rule.params.get(name))
                .first()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            None => wanted.clone(),
        };
        match env.cx.module() {
            Some(module) if module.requires_module(&path) => Ok(()),
            Some(_) => Err(format!(
                "go.mod does not require {path}, so the fix could not recognise its errors; add the driver or retry by hand"
            )),
            None => Err(format!(
                "no go.mod found, so whether the module uses {path} is unknown"
            )),
        }
    }

    /// The edits that wrap `decl`, the helper file it needs, and the note.
    fn wrap(
        &self,
        env: &PlanEnv,
        m: &Match,
        decl: Node,
        f: &Function,
        view: &PackageView,
    ) -> Result<(Vec<Edit>, Option<NewFile>, String), String> {
        let source = env.cx.source;
        let signature = Signature::read(decl, source, env.cx)?;
        let once = attempt_name(&f.name, &self.suffix);
        if view.functions.iter().any(|g| g.name == once) {
            return Err(format!("`{once}` already exists in the package"));
        }
        let vars = signature.template_vars(&f.name, &once);
        let body_text = env
            .render("fix", m, &vars)
            .map_err(|e| format!("the rule's template failed: {e}"))?;
        let body = decl.child_by_field_name("body").ok_or("no body")?;
        let name = decl.child_by_field_name("name").ok_or("no name")?;
        let attempt_decl = format!(
            "{}{once}{}",
            &source[decl.start_byte()..name.start_byte()],
            &source[name.end_byte()..decl.end_byte()]
        );
        let mut edits = vec![
            Edit::replace(
                body.start_byte(),
                body.end_byte(),
                format!("{{\n{}\n}}", body_text.trim_matches('\n')),
            ),
            Edit::insert(
                decl.end_byte(),
                format!(
                    "\n\n// {once} is one attempt of {}, which retries it.\n{attempt_decl}",
                    f.name
                ),
            ),
        ];
        let used: Vec<&str> = self
            .imports
            .iter()
            .map(String::as_str)
            .filter(|p| body_text.contains(&format!("{}.", default_package_name(p))))
            .collect();
        if let Some((start, end, text)) = imports_edit(source, &used) {
            edits.push(Edit::replace(start, end, text));
        }
        let new_file = self.helper_file(env, m, view)?;
        let mut note = format!(
            "fix: the body moves to `{once}`, which `{}` calls again when it fails",
            f.name
        );
        if let Some(file) = &new_file {
            note.push_str(&format!("; adds {}", file.path));
        }
        Ok((edits, new_file, note))
    }

    /// The helper file, when the package does not declare its function yet.
    fn helper_file(
        &self,
        env: &PlanEnv,
        m: &Match,
        view: &PackageView,
    ) -> Result<Option<NewFile>, String> {
        let Some(add) = &self.add_file else {
            return Ok(None);
        };
        if view.functions.iter().any(|g| g.name == add.unless_declared) {
            return Ok(None);
        }
        let dir = env.cx.dir().ok_or("the file's folder is unknown")?;
        let fallback = add.name.replace(".go", "_fixgen.go");
        let name = [add.name.as_str(), fallback.as_str()]
            .into_iter()
            .find(|n| !dir.join(n).exists())
            .ok_or_else(|| format!("{} and {fallback} exist already", add.name))?;
        let package = package_name(env.cx.root, env.cx.source).ok_or("no package clause")?;
        let mut text = env
            .render("file", m, &[(FILE_VARS[0], package)])
            .map_err(|e| format!("the rule's file template failed: {e}"))?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let path = if view.dir.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", view.dir)
        };
        Ok(Some(NewFile { path, text }))
    }
}

/// What the wrapper needs of the wrapped function's signature.
struct Signature {
    receiver: Option<String>,
    type_args: Vec<String>,
    /// Arguments that pass the parameters on (`rest...` for a variadic one).
    args: Vec<String>,
    /// Names for the results in the wrapper; the last is the error.
    results: Vec<String>,
    /// Named results are assigned (`=`); unnamed ones get new names (`:=`).
    named_results: bool,
    context: Option<String>,
    attempt: String,
}

impl Signature {
    fn read(
        decl: Node,
        source: &str,
        cx: &crate::engine::context::FileContext,
    ) -> Result<Self, String> {
        let mut taken: Vec<String> = Vec::new();
        let receiver = match decl.child_by_field_name("receiver") {
            None => None,
            Some(list) => {
                let names = functions::parameters(list, source);
                let name = names.first().map(|(n, _)| n.clone()).unwrap_or_default();
                if name.is_empty() || name == "_" {
                    return Err("its receiver has no name to call the attempt with".into());
                }
                taken.push(name.clone());
                Some(name)
            }
        };
        let type_args = decl
            .child_by_field_name("type_parameters")
            .map(|list| {
                named_children(list)
                    .into_iter()
                    .flat_map(|p| {
                        let mut cursor = p.walk();
                        p.children_by_field_name("name", &mut cursor)
                            .map(|n| text(n, source).to_string())
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let params = decl
            .child_by_field_name("parameters")
            .map(|p| functions::parameters(p, source))
            .unwrap_or_default();
        let mut args = Vec::new();
        let mut context = None;
        for (name, ty) in &params {
            if name.is_empty() || name == "_" {
                return Err("a parameter has no name to pass on to the attempt".into());
            }
            taken.push(name.clone());
            if context.is_none() && type_matches(ty, "context.Context", cx.imports()) {
                context = Some(name.clone());
            }
            args.push(if ty.starts_with("...") {
                format!("{name}...")
            } else {
                name.clone()
            });
        }
        let results = match decl.child_by_field_name("result") {
            None => return Err("it returns nothing, so a failed attempt cannot be seen".into()),
            Some(r) if r.kind() == "parameter_list" => functions::parameters(r, source),
            Some(r) => vec![(String::new(), text(r, source).to_string())],
        };
        if results.last().map(|(_, ty)| ty.as_str()) != Some("error") {
            return Err(
                "its last result is not an error, so a failed attempt cannot be seen".into(),
            );
        }
        let named_results = results.iter().all(|(n, _)| !n.is_empty() && n != "_");
        let last = results.len() - 1;
        let mut names = Vec::new();
        for (i, (name, _)) in results.iter().enumerate() {
            let wanted = if !name.is_empty() && name != "_" {
                name.clone()
            } else if i == last {
                "err".to_string()
            } else {
                format!("r{i}")
            };
            let chosen = if named_results {
                wanted
            } else {
                fresh(&wanted, &taken)
            };
            taken.push(chosen.clone());
            names.push(chosen);
        }
        // The loop's variable: the retry pacer (older templates call it `attempt`).
        let attempt = fresh("retry", &taken);
        Ok(Signature {
            receiver,
            type_args,
            args,
            results: names,
            named_results,
            context,
            attempt,
        })
    }

    /// Variables for the wrapper's template.
    fn template_vars(&self, name: &str, once: &str) -> Vec<(&'static str, String)> {
        let callee = match &self.receiver {
            Some(recv) => format!("{recv}.{once}"),
            None => once.to_string(),
        };
        let type_args = if self.type_args.is_empty() {
            String::new()
        } else {
            format!("[{}]", self.type_args.join(", "))
        };
        // In the order of `FIX_VARS`, which names them.
        let values = [
            name.to_string(),
            once.to_string(),
            format!("{callee}{type_args}({})", self.args.join(", ")),
            self.results.join(", "),
            if self.named_results { "=" } else { ":=" }.to_string(),
            self.results.last().cloned().unwrap_or_default(),
            self.context
                .clone()
                .unwrap_or_else(|| "context.Background()".into()),
            self.attempt.clone(),
            self.attempt.clone(),
        ];
        FIX_VARS.into_iter().zip(values).collect()
    }
}

/// `name`, or `name2`, `name3`… when it is taken.
fn fresh(name: &str, taken: &[String]) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

/// `CreateConfig` → `createConfigOnce`, `HTTPSave` → `httpSaveOnce`.
pub fn attempt_name(name: &str, suffix: &str) -> String {
    format!("{}{suffix}", unexported(name))
}

/// Lowercases the leading capitals as Go style does for an initialism:
/// `DBInsert` → `dbInsert`, `ID` → `id`, `Save` → `save`.
fn unexported(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let run = chars.iter().take_while(|c| c.is_uppercase()).count();
    let lower = match chars.get(run) {
        Some(next) if next.is_lowercase() && run > 1 => run - 1,
        _ => run,
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower {
                c.to_lowercase().next().unwrap_or(*c)
            } else {
                *c
            }
        })
        .collect()
}

fn package_name(root: Node, source: &str) -> Option<String> {
    let clause = named_children(root)
        .into_iter()
        .find(|n| n.kind() == "package_clause")?;
    Some(text(clause.named_child(0)?, source).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_names_follow_go_style() {
        assert_eq!(attempt_name("CreateConfig", "Once"), "createConfigOnce");
        assert_eq!(attempt_name("createConfig", "Once"), "createConfigOnce");
        assert_eq!(attempt_name("DBInsert", "Once"), "dbInsertOnce");
        assert_eq!(attempt_name("ID", "Once"), "idOnce");
        assert_eq!(fresh("err", &["err".into(), "err2".into()]), "err3");
    }
}
