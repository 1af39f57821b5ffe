//! `clone`: copy a slice or map where it is stored, so the stored value no
//! longer shares a backing array (or buckets) with the caller's. The copy
//! fits the module's Go version: `slices.Clone`/`maps.Clone` from Go 1.21
//! (importing the package once), `append(s[:0:0], s...)` below it, which
//! keeps nil and empty as they were; a map below 1.21 is reported only.

use super::{reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding};
use crate::engine::context::FileContext;
use crate::engine::edit::Edit;
use crate::engine::predicate::{hand_over, written_again};
use crate::go::imports::import_edit;
use crate::go::typeindex::TypeKind;
use crate::rule::model::FixSpec;
use tree_sitter::Node;

pub struct CloneValue {
    capture: u32,
}

impl CloneValue {
    pub fn compile(spec: &FixSpec, capture: &CaptureLookup) -> Result<Self, (usize, String)> {
        reject_options(spec, &["capture"])?;
        let capture = capture(required(spec, spec.capture.as_ref(), "capture")?)?;
        Ok(CloneValue { capture })
    }
}

/// What to do with one stored value.
enum Copy {
    /// Replacement text, and the standard package it needs.
    Wrap {
        text: String,
        import: Option<&'static str>,
        note: String,
    },
    Refuse(String),
}

impl Action for CloneValue {
    fn plan<'t>(
        &self,
        env: &PlanEnv<'_, 't>,
        matches: &[crate::engine::matcher::Match<'t>],
    ) -> Plan {
        let mut plan = Plan::default();
        for (i, m) in matches.iter().enumerate() {
            let Some(node) = m.get(self.capture) else {
                continue;
            };
            let Some(copy) = plan_copy(env.cx, node) else {
                continue;
            };
            let (fix, note) = match copy {
                Copy::Wrap { text, import, note } => {
                    let mut edits = vec![Edit::replace(node.start_byte(), node.end_byte(), text)];
                    if let Some((start, end, text)) =
                        import.and_then(|p| import_edit(env.cx.root, env.cx.source, p))
                    {
                        edits.push(Edit::replace(start, end, text));
                    }
                    plan.fixes.push(edits);
                    (Some(plan.fixes.len() - 1), note)
                }
                Copy::Refuse(reason) => (None, format!("not fixed: {reason}")),
            };
            let note = match why(env, node) {
                Some(why) => format!("{why}; {note}"),
                None => note,
            };
            plan.findings.push(PlannedFinding {
                match_index: i,
                start: m.report.start_byte(),
                end: m.report.end_byte(),
                vars: Vec::new(),
                note: Some(note),
                fix,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            });
        }
        plan
    }
}

/// The evidence, for the reviewer: where the value goes (`sent on a
/// channel`, `passed to Send, which …`) and, when this function writes the
/// storage again, where.
fn why(env: &PlanEnv, node: Node) -> Option<String> {
    let cx = env.cx;
    let strings = |name: &str| crate::engine::predicate::param_strings(env.rule.params.get(name));
    let (queue_methods, writers) = (strings("queue_methods"), strings("writers"));
    let mut parts: Vec<String> = hand_over(cx, node, &queue_methods)
        .map(|kept| format!("this function {}", kept.how))
        .into_iter()
        .collect();
    if let Some(write) = written_again(cx, node, &writers, &queue_methods) {
        parts.push(format!(
            "it writes the storage again at line {} with `{}`",
            write.start_position().row + 1,
            cx.text(write)
        ));
    }
    if let Some(reuse) = caller_reuse(cx, node, &writers) {
        parts.push(format!("a caller reuses what it hands over: {reuse}"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// For a request's field (`in.F`, `in.GetF()`): where code of the module
/// reuses storage it put in a request of that type, if it does.
fn caller_reuse(cx: &FileContext, node: Node, writers: &[&str]) -> Option<String> {
    let selector = match node.kind() {
        "call_expression" => node.child_by_field_name("function")?,
        _ => node,
    };
    let owner = selector
        .child_by_field_name("operand")
        .filter(|o| o.kind() == "identifier")?;
    let type_name = crate::engine::predicate::declared_type_name(cx, owner)?;
    let module = cx.module()?;
    cx.type_index()?
        .handed_over_and_reused(&module, &type_name, writers)
}

fn plan_copy(cx: &FileContext, node: Node) -> Option<Copy> {
    let ty = cx.type_of(node)?;
    let kind = cx.type_index()?.kind(&ty);
    let value = cx.text(node);
    let modern = cx.module().is_some_and(|m| m.go_at_least(1, 21));
    let version = cx
        .module()
        .and_then(|m| m.go_version)
        .map_or("no go line".to_string(), |(a, b)| format!("go {a}.{b}"));
    Some(match kind {
        TypeKind::Slice { pointer_elements } => {
            let shared = if pointer_elements {
                "; its elements are pointers and stay shared"
            } else {
                ""
            };
            let bytes = cx
                .type_index()
                .is_some_and(|index| index.is_byte_slice(&ty));
            let has_bytes_clone = cx.module().is_some_and(|m| m.go_at_least(1, 20));
            if bytes && has_bytes_clone {
                let pkg = local_name(cx, "bytes");
                Copy::Wrap {
                    text: format!("{pkg}.Clone({value})"),
                    import: Some("bytes"),
                    note: "fix: copy it with bytes.Clone where it is handed over".to_string(),
                }
            } else if modern {
                let pkg = local_name(cx, "slices");
                Copy::Wrap {
                    text: format!("{pkg}.Clone({value})"),
                    import: Some("slices"),
                    note: format!("fix: copy it with slices.Clone where it is stored{shared}"),
                }
            } else {
                Copy::Wrap {
                    text: format!("append({value}[:0:0], {value}...)"),
                    import: None,
                    note: format!("fix: copy it with append(x[:0:0], x...) ({version}: no slices package){shared}"),
                }
            }
        }
        TypeKind::Map if modern => Copy::Wrap {
            text: format!("{}.Clone({value})", local_name(cx, "maps")),
            import: Some("maps"),
            note: "fix: copy it with maps.Clone where it is stored".into(),
        },
        TypeKind::Map => Copy::Refuse(format!(
            "maps.Clone needs Go 1.21 and go.mod says {version}; copy the map by hand"
        )),
        TypeKind::Other => return None,
    })
}

/// The name the file uses for a standard package it may already import.
fn local_name(cx: &FileContext, path: &str) -> String {
    cx.imports()
        .iter()
        .find(|i| i.path == path)
        .map_or(path.to_string(), |i| i.local_name.clone())
}
