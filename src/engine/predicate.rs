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
    DeclaredOutside,
    /// `not`, `any`, `all`, a relation, `go-version`, `in-test`: see
    /// [`Composite`].
    Composite,
}

/// Conditions that are not a predicate over captures.
#[derive(Debug, Clone)]
enum Composite {
    Not(Condition),
    Any(Vec<Condition>),
    All(Vec<Condition>),
    Relation(super::relation::Relation),
    /// The nearest go.mod's `go` version against (operator, major, minor).
    GoVersion(String, (u32, u32)),
    /// The capture (the reported node when `None`) is in a function or
    /// function literal taking a `*testing.T`, `*testing.B` or `testing.TB`.
    InTest(Option<u32>),
}

/// Holes a condition bound (a relation's pattern), by name.
pub type Bound<'t> = Vec<(String, Vec<tree_sitter::Node<'t>>)>;

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
        "declared-outside",
        Predicate::DeclaredOutside,
        &[Param::Capture, Param::Capture],
        "every variable the first capture names is declared outside the second (a value that can be computed before a loop: `declared-outside(@D, @LOOP)`)",
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
    composite: Option<Box<Composite>>,
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
        if let Some(composite) = Composite::parse(name, inner, capture_index, param_exists)? {
            return Ok(Condition {
                kind: Predicate::Composite,
                negated,
                args: Vec::new(),
                composite: Some(Box::new(composite)),
            });
        }
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
            composite: None,
        })
    }

    /// The names of the holes the condition's relations may bind.
    pub fn holes(&self) -> Vec<String> {
        match self.composite.as_deref() {
            Some(Composite::Relation(r)) if !self.negated => r.holes(),
            Some(Composite::Any(all) | Composite::All(all)) if !self.negated => {
                all.iter().flat_map(Condition::holes).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the condition holds for the match, and the holes it bound
    /// (a relation's pattern: new captures of the match). `names` are the
    /// rule's capture names, by index.
    pub fn check<'t>(
        &self,
        cx: &FileContext<'t>,
        m: &Match<'t>,
        params: &BTreeMap<String, toml::Value>,
        names: &[&str],
    ) -> Option<Bound<'t>> {
        let Some(composite) = self.composite.as_deref() else {
            return self.holds(cx, m, params).then(Vec::new);
        };
        let found = composite.check(cx, m, params, names);
        match self.negated {
            true => found.is_none().then(Vec::new),
            false => found,
        }
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
        let strings = |i: usize| self.arg_strings(i, params);
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

    /// The question [`Condition::holds_for_type_name`] would answer from
    /// the whole module's code, when not answered yet: a run may leave it
    /// for later (see `Engine::process_deferring`). With it, whether the
    /// condition is negated.
    pub fn unanswered_for_type_name(
        &self,
        type_name: &str,
        types: (&crate::go::typeindex::TypeIndex, &crate::go::module::Module),
        params: &BTreeMap<String, toml::Value>,
    ) -> Option<(crate::go::reuse_index::ReuseAsk, bool)> {
        let (index, module) = types;
        if self.kind != Predicate::CallerReuses
            || index.reuse_known(&module.root, type_name).is_some()
        {
            return None;
        }
        let ask = crate::go::reuse_index::ReuseAsk {
            module: module.root.clone(),
            type_name: type_name.to_string(),
            writers: self
                .arg_strings(1, params)
                .into_iter()
                .map(String::from)
                .collect(),
        };
        Some((ask, self.negated))
    }

    /// The strings argument `i` stands for: itself, or a parameter's list.
    fn arg_strings<'a>(
        &'a self,
        i: usize,
        params: &'a BTreeMap<String, toml::Value>,
    ) -> Vec<&'a str> {
        match &self.args[i] {
            Arg::Str(s) => vec![s.as_str()],
            Arg::Param(name) => param_strings(params.get(name)),
            Arg::Capture(_) => Vec::new(),
        }
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
        if self.composite.is_some() {
            let names: Vec<&str> = Vec::new();
            return self.check(cx, m, params, &names).is_some();
        }
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
            Predicate::HasType => node(0).is_some_and(|n| has_type(cx, n, string(1))),
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
            Predicate::Composite => unreachable!("composites are checked by `check`"),
            Predicate::DeclaredOutside => match (node(0), node(1)) {
                (Some(value), Some(scope)) => crate::go::syntax::descendants(value)
                    .into_iter()
                    .filter(|n| n.kind() == "identifier")
                    .filter_map(|n| resolve(n, cx.source))
                    .all(|binding| !contains(scope, binding.declaration)),
                _ => false,
            },
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

impl Composite {
    /// `name(inner)` as a composite condition, if it is one.
    fn parse(
        name: &str,
        inner: &str,
        capture_index: &dyn Fn(&str) -> Option<u32>,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Composite>, String> {
        use super::relation::{split_nested, unquoted, Relation};
        let sub = |args: &[String]| {
            args.iter()
                .map(|a| Condition::parse(a, capture_index, param_exists))
                .collect::<Result<Vec<_>, _>>()
        };
        let is_composite = matches!(name, "not" | "any" | "all" | "go-version" | "in-test")
            || super::relation::RELATIONS.iter().any(|(n, _)| *n == name);
        if !is_composite {
            return Ok(None);
        }
        let args = split_nested(inner)?;
        Ok(Some(match name {
            "not" => match sub(&args)?.as_slice() {
                [one] => Composite::Not(one.clone()),
                _ => return Err("`not` takes one condition".to_string()),
            },
            "any" | "all" if args.is_empty() => {
                return Err(format!("`{name}` takes one condition or more"))
            }
            "any" => Composite::Any(sub(&args)?),
            "all" => Composite::All(sub(&args)?),
            "go-version" => {
                let [arg] = args.as_slice() else {
                    return Err("`go-version` takes one string, like \"<1.22\"".to_string());
                };
                let wanted = unquoted(arg).ok_or("`go-version` takes a quoted version")?;
                let (op, version) = parse_version_requirement(&wanted)?;
                Composite::GoVersion(op, version)
            }
            "in-test" => match args.as_slice() {
                [] => Composite::InTest(None),
                [capture] => {
                    let name = capture
                        .strip_prefix('@')
                        .ok_or("`in-test` takes a capture or nothing")?;
                    Composite::InTest(Some(
                        capture_index(name)
                            .ok_or_else(|| format!("`in-test`: the rule has no capture @{name}"))?,
                    ))
                }
                _ => return Err("`in-test` takes a capture or nothing".to_string()),
            },
            _ => match Relation::parse(name, &args, capture_index)? {
                Some(relation) => Composite::Relation(relation),
                None => return Ok(None),
            },
        }))
    }

    fn check<'t>(
        &self,
        cx: &FileContext<'t>,
        m: &Match<'t>,
        params: &BTreeMap<String, toml::Value>,
        names: &[&str],
    ) -> Option<Bound<'t>> {
        match self {
            Composite::Not(inner) => inner.check(cx, m, params, names).is_none().then(Vec::new),
            Composite::Any(all) => all.iter().find_map(|c| c.check(cx, m, params, names)),
            Composite::All(all) => {
                // What one condition binds, the next may name (as in `where`).
                let mut with_bound = m.clone();
                let mut bound = Vec::new();
                for c in all {
                    let found = c.check(cx, &with_bound, params, names)?;
                    for (name, nodes) in &found {
                        if let Some(index) = names.iter().position(|n| n == name) {
                            let index = index as u32;
                            with_bound
                                .captures
                                .extend(nodes.iter().map(|n| (index, *n)));
                        }
                    }
                    bound.extend(found);
                }
                Some(bound)
            }
            Composite::Relation(relation) => {
                let found = relation.find(cx, m, names)?;
                // Only what the match did not hold already.
                let held: Vec<&str> = m
                    .captures
                    .iter()
                    .filter_map(|(i, _)| names.get(*i as usize).copied())
                    .collect();
                Some(
                    found
                        .holes
                        .into_iter()
                        .filter(|(name, _)| !held.contains(&name.as_str()))
                        .collect(),
                )
            }
            Composite::GoVersion(op, wanted) => {
                let have = cx.module()?.go_version?;
                let holds = match op.as_str() {
                    "<" => have < *wanted,
                    "<=" => have <= *wanted,
                    ">" => have > *wanted,
                    ">=" => have >= *wanted,
                    _ => have == *wanted,
                };
                holds.then(Vec::new)
            }
            Composite::InTest(capture) => {
                let node = match capture {
                    Some(c) => m.get(*c)?,
                    None => m.report,
                };
                in_test(cx, node).then(Vec::new)
            }
        }
    }
}

/// `"<1.22"` → (`<`, (1, 22)); the operator is one of `<`, `<=`, `>`,
/// `>=`, `==` (or none: equal).
fn parse_version_requirement(text: &str) -> Result<(String, (u32, u32)), String> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("`go-version(\"{text}\")`: expected a version like \"<1.22\""))?;
    let (op, version) = text.split_at(split);
    let op = match op.trim() {
        "" | "=" | "==" => "==",
        op @ ("<" | "<=" | ">" | ">=") => op,
        other => {
            return Err(format!(
                "`go-version`: unknown comparison `{other}` (<, <=, >, >=, ==)"
            ))
        }
    };
    let mut parts = version.split('.');
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<u32>().ok());
    let (Some(major), Some(minor)) = (number(parts.next()), number(parts.next())) else {
        return Err(format!(
            "`go-version`: `{version}` is no Go version like 1.22"
        ));
    };
    Ok((op.to_string(), (major, minor)))
}

/// Whether `node` is in a function or function literal with a parameter
/// of type `*testing.T`, `*testing.B` or `testing.TB` (under the name the
/// file imports `testing` as).
fn in_test(cx: &FileContext, node: tree_sitter::Node) -> bool {
    let Some(testing) = cx
        .imports()
        .iter()
        .find(|i| i.path == "testing")
        .map(|i| i.local_name.clone())
    else {
        return false;
    };
    let test_types = [
        format!("*{testing}.T"),
        format!("*{testing}.B"),
        format!("{testing}.TB"),
    ];
    std::iter::successors(node.parent(), |n| n.parent())
        .filter(|n| {
            matches!(
                n.kind(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        })
        .filter_map(|f| f.child_by_field_name("parameters"))
        .flat_map(crate::go::syntax::named_children)
        .filter_map(|p| p.child_by_field_name("type"))
        .any(|t| test_types.iter().any(|ty| &cx.source[t.byte_range()] == ty))
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
    if !crate::go::reuse::may_be_written(value, cx.source, writers, cx.serial()) {
        return None;
    }
    // Where the value leaves the function follows the value on every path
    // that still holds its storage: no write after the value, none after
    // that. The value's own flow is cheap; finding where it leaves may
    // read the callees' bodies, so it comes second.
    let after_value = crate::go::reuse::written_after(value, value, cx.source, writers)?;
    match hand_over(cx, value, queue_methods) {
        Some(kept) if kept.at != value => {
            crate::go::reuse::written_after(value, kept.at, cx.source, writers)
        }
        _ => Some(after_value),
    }
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

/// `has-type(@x, "T")`: any expression's type, through the module's
/// declarations and the standard library's signatures (`go::exprtype`);
/// without a module, an identifier's declared type as written.
fn has_type(cx: &FileContext, node: tree_sitter::Node, expected: &str) -> bool {
    if let (Some(index), Some(dir)) = (cx.type_index(), cx.dir()) {
        return cx
            .type_of_any(node)
            .is_some_and(|ty| index.matches_type(&ty, expected, dir));
    }
    resolve(node, cx.source)
        .and_then(|binding| declared_type(&binding, cx.source))
        .is_some_and(|ty| type_matches(&ty, expected, cx.imports()))
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

    #[test]
    fn combinators_relations_and_go_conditions_parse_or_say_why_not() {
        let params = |_: &str| false;
        let parse = |text: &str| Condition::parse(text, &captures, &params);
        for good in [
            "not(imports(\"sync\"))",
            "any(imports(\"a\"), all(imports(\"b\"), !imports(\"c\")))",
            "inside(pattern = 'go func() { $$$ }()')",
            "inside(@t, kind = \"for_statement\")",
            "has(pattern = \"$X.Close()\")",
            "precedes(pattern = \"defer $R.Close()\", stop-by = \"end\")",
            "follows(kind = \"if_statement\")",
            "in-function(pattern = \"func $F($T *testing.T) { $$$ }\")",
            "go-version(\"<1.22\")",
            "go-version(\">= 1.21\")",
            "in-test()",
            "in-test(@t)",
            // The older form: one capture within another.
            "inside(@t, @t)",
        ] {
            assert!(parse(good).is_ok(), "{good}: {:?}", parse(good).err());
        }
        for (bad, why) in [
            (
                "not(imports(\"a\"), imports(\"b\"))",
                "`not` takes one condition",
            ),
            ("any()", "`any` takes one condition or more"),
            ("follows()", "needs `pattern = '…'` or `kind = \"…\"`"),
            (
                "precedes(kind = \"x\", stop-by = \"far\")",
                "`stop-by` is \"neighbor\" or \"end\"",
            ),
            ("inside(kind = \"x\", @t)", "the capture comes first"),
            (
                "has(pattern = \"f(\")",
                "pattern: the pattern does not parse as Go",
            ),
            ("has(pattern = f)", "needs a quoted value"),
            ("go-version(\"~1.22\")", "unknown comparison `~`"),
            ("go-version(\"<one\")", "expected a version"),
            ("in-test(@nope)", "no capture @nope"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
