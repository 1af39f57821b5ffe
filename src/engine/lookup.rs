//! Lookups: values a fix's template needs from the Go knowledge rather
//! than from the match (`[fix.lookups]` in a rule file), each with the
//! import that makes it usable in the file.
//!
//! Syntax: `name(arg, …)`; an argument is a string `"…"` or `params.NAME`.
//!
//! - `package("PATH")`: the file's name for package PATH (imported when
//!   the file does not yet import it).
//! - `duration-constant(NAMED, AT_LEAST, "WORD|WORD")`: the module's own
//!   constant for a wait (see [`crate::go::constants`]): the one NAMED
//!   when it is not empty, else the shortest `time.Duration` constant
//!   whose name holds a WORD and that lasts at least AT_LEAST; when the
//!   module has none, AT_LEAST itself as Go (`15*time.Second`). A
//!   constant declared under a build constraint the file does not share
//!   (`//go:build !cluster_proxy`) is not one the file can use.

use super::context::FileContext;
use super::predicate::param_strings;
use crate::go::buildtags::Constraint;
use crate::go::constants::UseSite;
use crate::go::duration::{describe, duration_expr, nanos};
use crate::go::imports::default_package_name;
use crate::go::syntax::{named_children, text};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Arg {
    Str(String),
    Param(String),
}

#[derive(Debug, Clone)]
enum Kind {
    Package,
    DurationConstant,
}

#[derive(Debug, Clone)]
pub struct Lookup {
    kind: Kind,
    args: Vec<Arg>,
}

/// A looked-up value: the Go text to write, the import it needs, and how
/// to say what it is in a message (`testutil.WaitLong (30s)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    pub import: Option<String>,
    pub about: String,
}

impl Lookup {
    pub fn parse(input: &str, param_exists: &dyn Fn(&str) -> bool) -> Result<Self, String> {
        let input = input.trim();
        let (name, inner) = input
            .split_once('(')
            .and_then(|(name, rest)| Some((name.trim(), rest.strip_suffix(')')?)))
            .ok_or_else(|| format!("`{input}`: expected name(arguments)"))?;
        let (kind, arity) = match name {
            "package" => (Kind::Package, 1),
            "duration-constant" => (Kind::DurationConstant, 3),
            other => {
                return Err(format!(
                    "unknown lookup `{other}` (known: package, duration-constant)"
                ))
            }
        };
        let args = super::predicate::split_args(inner)?
            .iter()
            .map(|raw| parse_arg(name, raw, param_exists))
            .collect::<Result<Vec<_>, _>>()?;
        if args.len() != arity {
            return Err(format!(
                "`{name}` takes {arity} argument(s), got {}",
                args.len()
            ));
        }
        Ok(Lookup { kind, args })
    }

    pub fn find(
        &self,
        cx: &FileContext,
        params: &BTreeMap<String, toml::Value>,
    ) -> Result<Found, String> {
        let arg = |i: usize| -> String {
            match &self.args[i] {
                Arg::Str(s) => s.clone(),
                Arg::Param(name) => param_strings(params.get(name)).join("|"),
            }
        };
        match self.kind {
            Kind::Package => package_name(cx, &arg(0)),
            Kind::DurationConstant => duration_constant(cx, &arg(0), &arg(1), &arg(2)),
        }
    }
}

fn parse_arg(lookup: &str, raw: &str, param_exists: &dyn Fn(&str) -> bool) -> Result<Arg, String> {
    if let Some(name) = raw.strip_prefix("params.") {
        return if param_exists(name) {
            Ok(Arg::Param(name.to_string()))
        } else {
            Err(format!("`{lookup}`: the rule has no parameter `{name}`"))
        };
    }
    raw.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map(|s| Arg::Str(s.to_string()))
        .ok_or_else(|| format!("`{lookup}`: expected a quoted string or params.NAME, got `{raw}`"))
}

/// The file's name for `path`, importing it under its default name when
/// the file lacks it (and no other import has that name).
pub fn package_name(cx: &FileContext, path: &str) -> Result<Found, String> {
    if let Some(import) = cx.imports().iter().find(|i| i.path == path) {
        return Ok(Found {
            text: import.local_name.clone(),
            import: None,
            about: path.to_string(),
        });
    }
    let name = default_package_name(path);
    if cx.imports().iter().any(|i| i.local_name == name) {
        return Err(format!("the file imports another package named `{name}`"));
    }
    Ok(Found {
        text: name.to_string(),
        import: Some(path.to_string()),
        about: path.to_string(),
    })
}

fn duration_constant(
    cx: &FileContext,
    named: &str,
    at_least: &str,
    words: &str,
) -> Result<Found, String> {
    let minimum = nanos(at_least).ok_or_else(|| format!("`{at_least}` is not a duration"))?;
    let chosen = match (cx.type_index(), cx.module(), cx.dir()) {
        (Some(index), Some(module), Some(dir)) => {
            let constants = index.module_constants(&module);
            let package = file_package(cx);
            let name = cx.path.rsplit('/').next().unwrap_or(cx.path);
            let constraint = Constraint::of_file(name, cx.source);
            let site = UseSite {
                dir,
                package: &package,
                constraint: &constraint,
            };
            let words: Vec<&str> = words.split('|').filter(|w| !w.is_empty()).collect();
            let named = (!named.is_empty()).then_some(named);
            constants
                .choose(&site, named, &words, minimum)
                .map(|c| (c.clone(), constants.is_local(c, &site)))
        }
        _ => None,
    };
    let Some((constant, local)) = chosen else {
        if !named.is_empty() {
            return Err(format!("no duration constant `{named}` this file can use"));
        }
        let time = package_name(cx, "time")?;
        let text =
            duration_expr(at_least).ok_or_else(|| format!("`{at_least}` is not a duration"))?;
        return Ok(Found {
            text: text.replace("time.", &format!("{}.", time.text)),
            import: time.import,
            about: describe(minimum),
        });
    };
    if local {
        return Ok(Found {
            about: format!("{} ({})", constant.name, describe(constant.nanos)),
            text: constant.name,
            import: None,
        });
    }
    let qualifier = match cx.imports().iter().find(|i| i.path == constant.import_path) {
        Some(import) => Found {
            text: import.local_name.clone(),
            import: None,
            about: String::new(),
        },
        None if cx
            .imports()
            .iter()
            .any(|i| i.local_name == constant.package) =>
        {
            return Err(format!(
                "the file imports another package named `{}`",
                constant.package
            ))
        }
        None => Found {
            text: constant.package.clone(),
            import: Some(constant.import_path.clone()),
            about: String::new(),
        },
    };
    let text = format!("{}.{}", qualifier.text, constant.name);
    Ok(Found {
        about: format!("{text} ({})", describe(constant.nanos)),
        text,
        import: qualifier.import,
    })
}

/// The file's package clause name.
fn file_package(cx: &FileContext) -> String {
    named_children(cx.root)
        .into_iter()
        .find(|n| n.kind() == "package_clause")
        .and_then(|c| named_children(c).into_iter().next())
        .map(|n| text(n, cx.source).to_string())
        .unwrap_or_default()
}

/// The lookups of a fix, each with its name in the templates.
pub type Lookups = Vec<(String, Lookup)>;

/// Parses `[fix.lookups]`; errors carry the rule-file offset.
pub fn compile_lookups(
    table: Option<&BTreeMap<String, toml::Spanned<String>>>,
    param_exists: &dyn Fn(&str) -> bool,
) -> Result<Lookups, (usize, String)> {
    let Some(table) = table else {
        return Ok(Vec::new());
    };
    table
        .iter()
        .map(|(name, expr)| {
            Lookup::parse(expr.get_ref(), param_exists)
                .map(|l| (name.clone(), l))
                .map_err(|e| (expr.span().start, e))
        })
        .collect()
}

/// Template variables: (name, value).
pub type Vars = Vec<(String, String)>;

/// The template variables the lookups give: `NAME` and `NAME_about` each.
pub fn names(lookups: &Lookups) -> Vec<String> {
    lookups
        .iter()
        .flat_map(|(name, _)| [name.clone(), about(name)])
        .collect()
}

/// `wait` → `wait_about`: how a message says what lookup `wait` found.
fn about(name: &str) -> String {
    format!("{name}_about")
}

/// Every lookup's value for one match: template variables (`NAME` and
/// `NAME_about`) and the imports they need.
pub fn find_all(
    lookups: &Lookups,
    cx: &FileContext,
    params: &BTreeMap<String, toml::Value>,
) -> Result<(Vars, Vec<String>), String> {
    let mut vars = Vec::new();
    let mut imports = Vec::new();
    for (name, lookup) in lookups {
        let found = lookup.find(cx, params)?;
        vars.push((name.clone(), found.text));
        vars.push((about(name), found.about));
        if let Some(path) = found.import {
            if !imports.contains(&path) {
                imports.push(path);
            }
        }
    }
    Ok((vars, imports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_parse_like_conditions() {
        let params = |name: &str| name == "min_wait";
        assert!(Lookup::parse("package(\"github.com/a/b\")", &params).is_ok());
        assert!(Lookup::parse(
            "duration-constant(\"\", params.min_wait, \"wait, timeout\")",
            &params
        )
        .is_ok());
        let err =
            Lookup::parse("duration-constant(\"\", params.nope, \"wait\")", &params).unwrap_err();
        assert!(err.contains("no parameter `nope`"), "{err}");
        let err = Lookup::parse("package(\"a\", \"b\")", &params).unwrap_err();
        assert!(err.contains("takes 1 argument"), "{err}");
        let err = Lookup::parse("pakage(\"a\")", &params).unwrap_err();
        assert!(err.contains("unknown lookup `pakage`"), "{err}");
    }
}
