//! Conditions over captures (`where = [...]` in a rule file): Go-aware
//! checks that tree-sitter's own `#eq?`/`#match?` cannot express.
//!
//! Syntax: `name(arg, …)`, negated with a leading `!`; an argument is a
//! capture `@name` or a string `"…"`.

use super::context::FileContext;
use super::matcher::Match;
use crate::go::scope::{resolve, BindingKind};
use crate::go::syntax::{ancestor_of_kind, contains};
use crate::go::typeindex::TypeKind;
use crate::go::types::{declared_type, type_matches};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Predicate {
    HasType,
    TypeNameEndsWith,
    TypeKind,
    ParameterField,
    Imports,
    Inside,
    InsideKind,
    NamesPackage,
    DurationBelow,
    TextIn,
    StoredPastCall,
    CallerReuses,
    WrittenAfter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Capture,
    Str,
}

const PREDICATES: &[(&str, Predicate, &[Param], &str)] = &[
    (
        "has-type",
        Predicate::HasType,
        &[Param::Capture, Param::Str],
        "the identifier's declared type is TYPE (path-qualified, e.g. \"*testing.T\")",
    ),
    (
        "type-name-ends-with",
        Predicate::TypeNameEndsWith,
        &[Param::Capture, Param::Str],
        "the identifier's declared type name (pointer, package and type arguments aside) ends with one of SUFFIXES (a string, or params.NAME holding a list)",
    ),
    (
        "type-kind",
        Predicate::TypeKind,
        &[Param::Capture, Param::Str],
        "the expression's type (from declarations anywhere in the module) is one of KINDS, `|`-separated: slice, map; `unknown` also accepts a type that cannot be found (without it, such a type is a warning)",
    ),
    (
        "parameter-field",
        Predicate::ParameterField,
        &[Param::Capture],
        "the expression is `p.F` or a getter `p.GetF()` on a parameter `p` of the enclosing function",
    ),
    (
        "imports",
        Predicate::Imports,
        &[Param::Str],
        "the file imports the package PATH",
    ),
    (
        "names-package",
        Predicate::NamesPackage,
        &[Param::Capture, Param::Str],
        "the identifier is the file's name for one of the imported packages PATHS (`|`-separated, or params.NAME)",
    ),
    (
        "duration-below",
        Predicate::DurationBelow,
        &[Param::Capture, Param::Str],
        "the expression is a constant duration written out (`2*time.Second`, not a named constant) shorter than DURATION (`15s`, or params.NAME)",
    ),
    (
        "inside",
        Predicate::Inside,
        &[Param::Capture, Param::Capture],
        "the first capture lies within the second",
    ),
    (
        "text-in",
        Predicate::TextIn,
        &[Param::Capture, Param::Str],
        "the capture's text is one of WORDS (`|`-separated, or params.NAME holding a list)",
    ),
    (
        "stored-past-call",
        Predicate::StoredPastCall,
        &[Param::Capture, Param::Str],
        "the value is kept past the function's return: sent on a channel, handed to a goroutine, stored in a receiver's field or a package variable, passed to a function of the module that does one of these, or to a method named in QUEUE_METHODS whose body is not at hand; through literals, append and local variables",
    ),
    (
        "caller-reuses",
        Predicate::CallerReuses,
        &[Param::Capture, Param::Str],
        "code of the module puts a variable in a literal of the identifier's declared type (a request: `&pb.UpdateRequest{Tags: tags}`) and writes the variable's storage after that statement (append, element writes, copy, a call in WRITERS): callers of this type reuse what they hand over",
    ),
    (
        "written-after",
        Predicate::WrittenAfter,
        &[Param::Capture, Param::Str, Param::Str],
        "the value is a variable or a slice of one (`buf[:n]`) whose storage the function writes again on some path after the value leaves it (where stored-past-call with QUEUE_METHODS, the third argument, says it does; else after this statement): append, element writes, copy, a call in WRITERS, through it or a variable it was copied from",
    ),
    (
        "inside-kind",
        Predicate::InsideKind,
        &[Param::Capture, Param::Str],
        "the capture has an ancestor node of KIND",
    ),
];

#[derive(Debug, Clone)]
enum Arg {
    Capture(u32),
    Str(String),
    /// `params.NAME`: the rule parameter's value(s) at run time.
    Param(String),
}

#[derive(Debug, Clone)]
pub struct Condition {
    kind: Predicate,
    negated: bool,
    args: Vec<Arg>,
}

impl Condition {
    /// Parses one condition; `capture_index` maps a capture name to its index.
    pub fn parse(
        input: &str,
        capture_index: &dyn Fn(&str) -> Option<u32>,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, String> {
        let input = input.trim();
        let (negated, body) = match input.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, input),
        };
        let open = body
            .find('(')
            .ok_or_else(|| format!("`{input}`: expected name(arguments)"))?;
        let inner = body[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| format!("`{input}`: missing closing parenthesis"))?;
        let name = body[..open].trim();
        let (_, kind, params, _) =
            PREDICATES
                .iter()
                .find(|(n, ..)| *n == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = PREDICATES.iter().map(|p| p.0).collect();
                    format!("unknown predicate `{name}` (known: {})", known.join(", "))
                })?;
        let raw_args = split_args(inner)?;
        if raw_args.len() != params.len() {
            return Err(format!(
                "`{name}` takes {} argument(s), got {}",
                params.len(),
                raw_args.len()
            ));
        }
        let args = raw_args
            .iter()
            .zip(params.iter())
            .map(|(raw, param)| parse_arg(name, raw, *param, capture_index, param_exists))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition {
            kind: *kind,
            negated,
            args,
        })
    }

    /// Whether the condition can be answered from the declared type name
    /// of its capture alone, before any parse (see
    /// [`Condition::holds_for_type_name`]).
    pub fn answers_by_type_name(&self) -> bool {
        matches!(
            self.kind,
            Predicate::CallerReuses | Predicate::TypeNameEndsWith
        )
    }

    /// The condition for a capture whose declared type's name is
    /// `type_name` (`UpdateRequest` of `*pb.UpdateRequest`), in `module`.
    /// Only for conditions that [`Condition::answers_by_type_name`]; any
    /// other holds.
    pub fn holds_for_type_name(
        &self,
        type_name: &str,
        types: (&crate::go::typeindex::TypeIndex, &crate::go::module::Module),
        params: &BTreeMap<String, toml::Value>,
    ) -> bool {
        let strings = |i: usize| -> Vec<&str> {
            match &self.args[i] {
                Arg::Str(s) => vec![s.as_str()],
                Arg::Param(name) => param_strings(params.get(name)),
                Arg::Capture(_) => Vec::new(),
            }
        };
        let (index, module) = types;
        let holds = match self.kind {
            Predicate::CallerReuses => index
                .handed_over_and_reused(module, type_name, &strings(1))
                .is_some(),
            Predicate::TypeNameEndsWith => strings(1).iter().any(|s| type_name.ends_with(s)),
            _ => return true,
        };
        holds != self.negated
    }

    /// Whether the condition holds for the match. A condition about a
    /// capture the match did not bind (another alternative of the query
    /// matched) is not checked: it speaks only of its own alternative.
    pub fn holds(
        &self,
        cx: &FileContext,
        m: &Match,
        params: &BTreeMap<String, toml::Value>,
    ) -> bool {
        let unbound = self
            .args
            .iter()
            .any(|a| matches!(a, Arg::Capture(c) if m.get(*c).is_none()));
        unbound || self.evaluate(cx, m, params) != self.negated
    }

    fn evaluate(
        &self,
        cx: &FileContext,
        m: &Match,
        params: &BTreeMap<String, toml::Value>,
    ) -> bool {
        let node = |i: usize| match &self.args[i] {
            Arg::Capture(c) => m.get(*c),
            Arg::Str(_) | Arg::Param(_) => None,
        };
        let strings = |i: usize| -> Vec<&str> {
            match &self.args[i] {
                Arg::Str(s) => vec![s.as_str()],
                Arg::Param(name) => param_strings(params.get(name)),
                Arg::Capture(_) => Vec::new(),
            }
        };
        let string = |i: usize| strings(i).first().copied().unwrap_or("");
        match self.kind {
            Predicate::HasType => node(0)
                .and_then(|ident| resolve(ident, cx.source))
                .and_then(|binding| declared_type(&binding, cx.source))
                .is_some_and(|ty| type_matches(&ty, string(1), cx.imports())),
            Predicate::TypeNameEndsWith => node(0).is_some_and(|n| {
                let name = declared_type_name(cx, n);
                strings(1)
                    .iter()
                    .any(|suffix| name.as_deref().is_some_and(|t| t.ends_with(suffix)))
            }),
            Predicate::TypeKind => node(0).is_some_and(|n| type_kind_is(cx, n, string(1))),
            Predicate::ParameterField => node(0).is_some_and(|n| is_parameter_field(n, cx.source)),
            Predicate::Imports => cx.imports().iter().any(|i| i.path == string(0)),
            Predicate::Inside => matches!((node(0), node(1)), (Some(a), Some(b)) if contains(b, a)),
            Predicate::InsideKind => {
                node(0).is_some_and(|n| ancestor_of_kind(n, &[string(1)]).is_some())
            }
            Predicate::NamesPackage => node(0).is_some_and(|n| {
                let name = &cx.source[n.byte_range()];
                let paths: Vec<&str> = strings(1).iter().flat_map(|s| s.split('|')).collect();
                n.kind() == "identifier"
                    && resolve(n, cx.source).is_none()
                    && cx
                        .imports()
                        .iter()
                        .any(|i| i.local_name == name && paths.contains(&i.path.as_str()))
            }),
            Predicate::DurationBelow => node(0).is_some_and(|n| duration_below(cx, n, string(1))),
            Predicate::StoredPastCall => {
                node(0).is_some_and(|n| hand_over(cx, n, &strings(1)).is_some())
            }
            Predicate::CallerReuses => node(0).is_some_and(|n| caller_reuses(cx, n, &strings(1))),
            Predicate::WrittenAfter => {
                node(0).is_some_and(|n| written_again(cx, n, &strings(1), &strings(2)).is_some())
            }
            Predicate::TextIn => node(0).is_some_and(|n| {
                let found = &cx.source[n.byte_range()];
                strings(1)
                    .iter()
                    .flat_map(|s| s.split('|'))
                    .any(|w| w.trim() == found)
            }),
        }
    }
}

/// A rule parameter as strings: a string, or the strings of a list.
pub fn param_strings(value: Option<&toml::Value>) -> Vec<&str> {
    match value {
        Some(toml::Value::String(s)) => vec![s.as_str()],
        Some(toml::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A duration written out as a constant expression, shorter than `limit`.
fn duration_below(cx: &FileContext, node: tree_sitter::Node, limit: &str) -> bool {
    let Some(time) = cx.imports().iter().find(|i| i.path == "time") else {
        return false;
    };
    let value = crate::go::duration::constant_nanos(node, cx.source, &time.local_name);
    match (value, crate::go::duration::nanos(limit)) {
        (Some(value), Some(limit)) => value < limit,
        _ => false,
    }
}

/// How and where `value` leaves the function, if it is kept past the call.
pub fn hand_over<'t>(
    cx: &FileContext<'t>,
    value: tree_sitter::Node<'t>,
    queue_methods: &[&str],
) -> Option<crate::go::escape::Kept<'t>> {
    let here = std::path::PathBuf::from(".");
    let escape = crate::go::escape::Escape::new(cx.type_index(), queue_methods);
    let site = crate::go::escape::Site {
        source: cx.source,
        imports: cx.imports(),
        dir: cx.dir().unwrap_or(&here),
    };
    escape.stored(value, site)
}

/// The write into `value`'s storage that can follow where it leaves the
/// function (or this statement, when it does not).
pub fn written_again<'t>(
    cx: &FileContext<'t>,
    value: tree_sitter::Node<'t>,
    writers: &[&str],
    queue_methods: &[&str],
) -> Option<tree_sitter::Node<'t>> {
    if !crate::go::reuse::may_be_written(value, cx.source, writers) {
        return None;
    }
    let from = hand_over(cx, value, queue_methods).map_or(value, |kept| kept.at);
    crate::go::reuse::written_after(value, from, cx.source, writers)
}

/// Whether code of the module reuses storage it handed over in a literal
/// of `ident`'s declared type.
fn caller_reuses(cx: &FileContext, ident: tree_sitter::Node, writers: &[&str]) -> bool {
    let (Some(type_name), Some(module), Some(index)) =
        (declared_type_name(cx, ident), cx.module(), cx.type_index())
    else {
        return false;
    };
    index
        .handed_over_and_reused(&module, &type_name, writers)
        .is_some()
}

/// `*pb.UpdateThreadRequest` → `UpdateThreadRequest`.
pub(crate) fn declared_type_name(cx: &FileContext, ident: tree_sitter::Node) -> Option<String> {
    let binding = resolve(ident, cx.source)?;
    let ty = declared_type(&binding, cx.source)?;
    let bare = ty.trim_start_matches('*');
    let bare = bare.split('[').next().unwrap_or(bare);
    Some(bare.rsplit('.').next().unwrap_or(bare).to_string())
}

/// An expression whose type cannot be found is not of the kinds, and the
/// run says so: silence would read as "checked, nothing to fix".
fn type_kind_is(cx: &FileContext, node: tree_sitter::Node, kinds: &str) -> bool {
    let Some(index) = cx.type_index() else {
        return false;
    };
    let wanted = |kind: &str| kinds.split('|').any(|k| k.trim() == kind);
    let Some(ty) = cx.type_of(node) else {
        // `unknown` among the kinds: a cheap first sieve, which lets an
        // unknown type through to the conditions that follow (a later
        // `type-kind` without it says what was not checked).
        if wanted("unknown") {
            return true;
        }
        cx.warn(format!(
            "{}: `{}` was not checked: {}",
            node.start_position().row + 1,
            cx.text(node),
            cx.why_type_unknown(node)
        ));
        return false;
    };
    let kind = match index.kind(&ty) {
        TypeKind::Slice { .. } => "slice",
        TypeKind::Map => "map",
        TypeKind::Other => return false,
    };
    wanted(kind)
}

/// `p.F`, or `p.GetF()` with no arguments, where `p` is a parameter.
fn is_parameter_field(node: tree_sitter::Node, source: &str) -> bool {
    let selector = match node.kind() {
        "selector_expression" => Some(node),
        "call_expression" => {
            let no_args = node
                .child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0);
            node.child_by_field_name("function")
                .filter(|f| no_args && f.kind() == "selector_expression")
        }
        _ => None,
    };
    selector
        .and_then(|s| s.child_by_field_name("operand"))
        .filter(|o| o.kind() == "identifier")
        .and_then(|o| resolve(o, source))
        .is_some_and(|b| b.kind == BindingKind::Param)
}

/// `a, "b, c", @d` → its arguments; commas inside quotes do not split.
pub(super) fn split_args(inner: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_string = false;
    for c in inner.chars() {
        match c {
            '"' => {
                in_string = !in_string;
                current.push(c);
            }
            ',' if !in_string => args.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if in_string {
        return Err("unterminated string".into());
    }
    if !current.trim().is_empty() || !args.is_empty() {
        args.push(current);
    }
    Ok(args.into_iter().map(|a| a.trim().to_string()).collect())
}

fn parse_arg(
    predicate: &str,
    raw: &str,
    param: Param,
    capture_index: &dyn Fn(&str) -> Option<u32>,
    param_exists: &dyn Fn(&str) -> bool,
) -> Result<Arg, String> {
    if let (Param::Str, Some(name)) = (param, raw.strip_prefix("params.")) {
        return if param_exists(name) {
            Ok(Arg::Param(name.to_string()))
        } else {
            Err(format!("`{predicate}`: the rule has no parameter `{name}`"))
        };
    }
    match param {
        Param::Capture => {
            let name = raw.strip_prefix('@').ok_or_else(|| {
                format!("`{predicate}`: expected a capture like @name, got `{raw}`")
            })?;
            capture_index(name)
                .map(Arg::Capture)
                .ok_or_else(|| format!("`{predicate}`: the query has no capture @{name}"))
        }
        Param::Str => raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .map(|s| Arg::Str(s.to_string()))
            .ok_or_else(|| format!("`{predicate}`: expected a quoted string, got `{raw}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captures(name: &str) -> Option<u32> {
        (name == "t").then_some(0)
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let params = |name: &str| name == "known";
        let parse = |text: &str| Condition::parse(text, &captures, &params);
        assert!(parse("type-name-ends-with(@t, params.known)").is_ok());
        let err = parse("type-name-ends-with(@t, params.unknown)").unwrap_err();
        assert!(err.contains("no parameter `unknown`"), "{err}");
        assert!(parse("has-type(@t, \"*testing.T\")").is_ok());
        assert!(parse("!imports(\"sync\")").is_ok());
        let err = parse("has-typo(@t)").unwrap_err();
        assert!(err.contains("unknown predicate `has-typo`"), "{err}");
        let err = parse("has-type(@x, \"int\")").unwrap_err();
        assert!(err.contains("no capture @x"), "{err}");
        let err = parse("imports(\"a\", \"b\")").unwrap_err();
        assert!(err.contains("takes 1 argument"), "{err}");
    }
}
