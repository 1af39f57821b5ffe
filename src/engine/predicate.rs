//! Conditions over captures (`where = [...]` in a rule file): Go-aware
//! checks that tree-sitter's own `#eq?`/`#match?` cannot express.
//!
//! Syntax: `name(arg, …)`, negated with a leading `!`; an argument is a
//! capture `@name` or a string `"…"`.

use super::context::FileContext;
use super::matcher::Match;
use crate::go::scope::resolve;
use crate::go::syntax::{ancestor_of_kind, contains};
use crate::go::types::{declared_type, type_matches};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Predicate {
    HasType,
    Imports,
    Inside,
    InsideKind,
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
        "imports",
        Predicate::Imports,
        &[Param::Str],
        "the file imports the package PATH",
    ),
    (
        "inside",
        Predicate::Inside,
        &[Param::Capture, Param::Capture],
        "the first capture lies within the second",
    ),
    (
        "inside-kind",
        Predicate::InsideKind,
        &[Param::Capture, Param::Str],
        "the capture has an ancestor node of KIND",
    ),
];

/// Names and meanings, for documentation and error messages.
pub fn known_predicates() -> impl Iterator<Item = (&'static str, &'static str)> {
    PREDICATES.iter().map(|(name, _, _, doc)| (*name, *doc))
}

#[derive(Debug, Clone)]
enum Arg {
    Capture(u32),
    Str(String),
}

#[derive(Debug, Clone)]
pub struct Condition {
    kind: Predicate,
    negated: bool,
    args: Vec<Arg>,
}

impl Condition {
    /// Parses one condition; `capture_index` maps a capture name to its index.
    pub fn parse(input: &str, capture_index: &dyn Fn(&str) -> Option<u32>) -> Result<Self, String> {
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
            .map(|(raw, param)| parse_arg(name, raw, *param, capture_index))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition {
            kind: *kind,
            negated,
            args,
        })
    }

    pub fn holds(&self, cx: &FileContext, m: &Match) -> bool {
        self.evaluate(cx, m) != self.negated
    }

    fn evaluate(&self, cx: &FileContext, m: &Match) -> bool {
        let node = |i: usize| match &self.args[i] {
            Arg::Capture(c) => m.get(*c),
            Arg::Str(_) => None,
        };
        let string = |i: usize| match &self.args[i] {
            Arg::Str(s) => s.as_str(),
            Arg::Capture(_) => "",
        };
        match self.kind {
            Predicate::HasType => node(0)
                .and_then(|ident| resolve(ident, cx.source))
                .and_then(|binding| declared_type(&binding, cx.source))
                .is_some_and(|ty| type_matches(&ty, string(1), cx.imports())),
            Predicate::Imports => cx.imports().iter().any(|i| i.path == string(0)),
            Predicate::Inside => matches!((node(0), node(1)), (Some(a), Some(b)) if contains(b, a)),
            Predicate::InsideKind => {
                node(0).is_some_and(|n| ancestor_of_kind(n, &[string(1)]).is_some())
            }
        }
    }
}

fn split_args(inner: &str) -> Result<Vec<String>, String> {
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
) -> Result<Arg, String> {
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
        assert!(Condition::parse("has-type(@t, \"*testing.T\")", &captures).is_ok());
        assert!(Condition::parse("!imports(\"sync\")", &captures).is_ok());
        let err = Condition::parse("has-typo(@t)", &captures).unwrap_err();
        assert!(err.contains("unknown predicate `has-typo`"), "{err}");
        let err = Condition::parse("has-type(@x, \"int\")", &captures).unwrap_err();
        assert!(err.contains("no capture @x"), "{err}");
        let err = Condition::parse("imports(\"a\", \"b\")", &captures).unwrap_err();
        assert!(err.contains("takes 1 argument"), "{err}");
    }
}
