//! Loading rule files: built-in ones, then `--rules DIR` ones (a user rule
//! with a built-in's id replaces it), each compiled and checked up front so
//! a broken file is reported with its path and line before any scan.

use super::rule::Rule;
use crate::engine::actions;
use crate::engine::predicate::Condition;
use crate::go::parse::language;
use crate::rule::error::RuleError;
use crate::rule::model::{ParamSpec, RuleFile};
use crate::rule::param::{ParamInfo, ParamType};
use crate::rule::{is_valid_id, BUILTIN_RULES};
use anyhow::{bail, Context as _, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;
use tree_sitter::{Query, QueryErrorKind};

/// Loads the built-in rules and every `*.toml` in `user_dirs`.
pub fn load_rules(user_dirs: &[PathBuf]) -> Result<Vec<Rule>> {
    use rayon::prelude::*;
    // Compiling queries is most of a small run's time: on every core.
    let mut rules = BUILTIN_RULES
        .par_iter()
        .map(|(path, text)| compile_rule(path, text))
        .collect::<Result<Vec<Rule>, RuleError>>()?;
    let builtin_count = rules.len();
    for dir in user_dirs {
        for path in rule_files_in(dir)? {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read rule file {}", path.display()))?;
            let rule = compile_rule(&path.display().to_string(), &text)?;
            if let Some(existing) = rules.iter().position(|r| r.id == rule.id) {
                if existing >= builtin_count {
                    bail!(
                        "rule id `{}` is defined twice: {} and {}",
                        rule.id,
                        rules[existing].origin,
                        rule.origin
                    );
                }
                rules[existing] = rule;
            } else {
                rules.push(rule);
            }
        }
    }
    Ok(rules)
}

fn rule_files_in(dir: &PathBuf) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the rules folder {}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Parses and checks one rule file.
pub fn compile_rule(path: &str, text: &str) -> Result<Rule, RuleError> {
    let at = |offset: usize, message: String| RuleError::at(path, text, offset, message);
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(offset, e.message().trim().to_string())
    })?;
    check_id(&file.id).map_err(|m| at(file.id.span().start, m))?;
    let all_entries = file.prefilter_all.iter().flat_map(|e| e.literals());
    for entry in file.prefilter.iter().chain(all_entries) {
        // `params.NAME`, or `{params.NAME}` inside a literal.
        let named = entry.strip_prefix("params.").or_else(|| {
            let open = entry.find("{params.")? + "{params.".len();
            Some(&entry[open..open + entry[open..].find('}')?])
        });
        if let Some(name) = named.filter(|n| !file.params.contains_key(*n)) {
            let offset = text.find(&format!("\"{entry}\"")).unwrap_or(0);
            return Err(at(
                offset,
                format!("prefilter `{entry}`: the rule has no parameter `{name}`"),
            ));
        }
    }
    let (query, pattern) = compile_matcher(&file, text).map_err(|(offset, m)| at(offset, m))?;
    let report = report_capture(&file, &query).map_err(|(offset, m)| at(offset, m))?;
    let mut prefilter = file.prefilter.clone();
    // A pattern's longest word is in every file it matches.
    if let Some(word) = pattern.as_ref().and_then(|p| p.literal.clone()) {
        if prefilter.is_empty() && file.prefilter_all.is_empty() {
            prefilter.push(word);
        }
    }
    let capture_index = |name: &str| query.capture_index_for_name(name);
    let param_exists = |name: &str| file.params.contains_key(name);
    let parse_all = |list: &[Spanned<String>]| {
        list.iter()
            .map(|c| {
                Condition::parse(c.get_ref(), &capture_index, &param_exists)
                    .map_err(|m| at(c.span().start, m))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let conditions = parse_all(&file.conditions)?;
    let proof = parse_all(&file.proof)?;
    let proof_by_type_name = check_proof_by_type_name(&file, &proof).map_err(|(o, m)| at(o, m))?;
    let function_sieve = match &file.function_sieve {
        Some(name) => Some(
            crate::engine::sieve::TextSieve::compile(
                name.get_ref(),
                &file.prefilter_scope,
                &param_exists,
            )
            .map_err(|m| at(name.span().start, m))?,
        ),
        None => None,
    };
    let mut templates = super::template_bounds::instance();
    templates.register_filter("go_duration", go_duration_filter);
    let written = templates_of(&file);
    for (name, _, source) in &written {
        add_template(&mut templates, name, source).map_err(|(o, m)| at(o, m))?;
    }
    let action =
        actions::compile(file.fix.as_ref(), &query, &param_exists).map_err(|(o, m)| at(o, m))?;
    let captures = template_captures(&query, pattern.as_ref());
    for (name, key, source) in &written {
        let action_vars = action.template_vars(actions::TemplateRole::of(name));
        let given = super::template_vars::Given {
            captures: &captures,
            param_exists: &param_exists,
            action: &action_described(&file, &action_vars),
            action_vars: &action_vars,
        };
        super::template_vars::check(&templates, name, key, source, text, &given)
            .map_err(|(o, m)| at(o, m))?;
    }
    let param_info = compile_params(&file.params).map_err(|(o, m)| at(o, m))?;
    Ok(Rule {
        id: file.id.into_inner(),
        title: file.title,
        rationale: file.rationale.trim().to_string(),
        enabled_by_default: file.enabled,
        severity: file.severity,
        prefilter,
        prefilter_all: file
            .prefilter_all
            .into_iter()
            .map(crate::rule::model::OneOf::into_vec)
            .collect(),
        prefilter_scope: file.prefilter_scope,
        prefilter_type_names: file.prefilter_type_names,
        proof_by_type_name,
        function_sieve,
        test_files: file.test_files,
        needs_location: file.needs_location,
        query,
        pattern,
        report,
        condition_texts: file
            .conditions
            .iter()
            .map(|c| c.get_ref().clone())
            .collect(),
        proof_texts: file.proof.iter().map(|c| c.get_ref().clone()).collect(),
        conditions,
        proof,
        named: false,
        templates,
        params: param_info
            .iter()
            .map(|(name, info)| (name.clone(), info.default.clone()))
            .collect(),
        param_info,
        action,
        origin: path.to_string(),
        evidence: file.evidence,
    })
}

/// Each parameter's type (named, or implied by its default), and its
/// default checked against it: a rule must run as written.
fn compile_params(
    specs: &BTreeMap<String, ParamSpec>,
) -> Result<BTreeMap<String, ParamInfo>, (usize, String)> {
    let mut out = BTreeMap::new();
    for (name, spec) in specs {
        let default = &spec.default;
        let ty = match &spec.ty {
            Some(ty) => ty.get_ref().parse().map_err(|m| (ty.span().start, m))?,
            None => ParamType::implied_by(default.get_ref()).ok_or_else(|| {
                (
                    default.span().start,
                    format!(
                        "parameter `{name}`: a default like {} needs a `type`",
                        default.get_ref()
                    ),
                )
            })?,
        };
        let checked = ty.check(default.get_ref()).map_err(|why| {
            (
                default.span().start,
                format!("parameter `{name}`: the default is not a {ty}: {why}"),
            )
        })?;
        let info = ParamInfo {
            ty,
            default: checked,
            doc: spec.doc.clone(),
        };
        out.insert(name.clone(), info);
    }
    Ok(out)
}

/// `proof_by_type_name = true` holds only where the prefilter finds type
/// names and each proof condition can be asked about one.
fn check_proof_by_type_name(file: &RuleFile, proof: &[Condition]) -> Result<bool, (usize, String)> {
    let Some(flag) = file.proof_by_type_name.as_ref().filter(|f| *f.get_ref()) else {
        return Ok(false);
    };
    let at = flag.span().start;
    if !file.prefilter_type_names
        || file.prefilter_scope != crate::rule::model::PrefilterScope::Signature
    {
        return Err((
            at,
            "`proof_by_type_name` needs `prefilter_type_names = true` and `prefilter_scope = \"signature\"`: the names asked about are the types in signatures".to_string(),
        ));
    }
    if proof.is_empty() {
        return Err((
            at,
            "`proof_by_type_name`: the rule has no `proof`".to_string(),
        ));
    }
    if let Some((i, _)) = proof
        .iter()
        .enumerate()
        .find(|(_, c)| !c.answers_by_type_name())
    {
        return Err((
            file.proof[i].span().start,
            format!(
                "`{}` cannot be answered from a type name, which `proof_by_type_name` asks of every proof condition (these can: caller-reuses, type-name-ends-with)",
                file.proof[i].get_ref()
            ),
        ));
    }
    Ok(true)
}

fn check_id(id: &Spanned<String>) -> Result<(), String> {
    if is_valid_id(id.get_ref()) {
        Ok(())
    } else {
        Err(format!(
            "rule id `{}` must be lowercase letters, digits and dashes",
            id.get_ref()
        ))
    }
}

/// Compiles the query; a tree-sitter error is placed on its line in the file.
fn compile_query(query: &Spanned<String>, text: &str) -> Result<Query, (usize, String)> {
    Query::new(&language(), query.get_ref()).map_err(|e| {
        let start = query.span().start;
        let raw = &text[start..];
        let opens_multiline = (raw.starts_with("'''") || raw.starts_with("\"\"\""))
            && raw[3..].trim_start_matches('\r').starts_with('\n');
        let line_offset = e.row + usize::from(opens_multiline);
        let offset = nth_line_start(text, start, line_offset);
        let detail = e.message.lines().next().unwrap_or("").trim();
        let what = match e.kind {
            QueryErrorKind::NodeType => format!("unknown node type `{detail}`"),
            QueryErrorKind::Field => format!("unknown field `{detail}`"),
            QueryErrorKind::Capture => format!("unknown capture `@{detail}`"),
            QueryErrorKind::Predicate => format!("bad predicate: {detail}"),
            QueryErrorKind::Structure => {
                format!("impossible pattern: tree-sitter-go never nests nodes this way ({detail})")
            }
            _ => format!("syntax error near `{detail}`"),
        };
        (
            offset,
            format!("query does not compile against tree-sitter-go: {what}"),
        )
    })
}

fn nth_line_start(text: &str, from: usize, lines: usize) -> usize {
    let mut offset = from;
    for _ in 0..lines {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => break,
        }
    }
    offset
}

/// The rule's query: its own, or its pattern's (with the pattern).
fn compile_matcher(
    file: &RuleFile,
    text: &str,
) -> Result<(Query, Option<crate::engine::pattern::Pattern>), (usize, String)> {
    let id_at = file.id.span().start;
    match (&file.query, &file.pattern) {
        (Some(query), None) => {
            if let Some(kind) = &file.kind {
                return Err((
                    kind.span().start,
                    "`kind` narrows a `pattern`; this rule has a `query`".to_string(),
                ));
            }
            Ok((compile_query(query, text)?, None))
        }
        (None, Some(pattern)) => {
            let at = pattern.span().start;
            let kind = file.kind.as_ref().map(|k| k.get_ref().as_str());
            // Holes that relations in `where` bind are captures too.
            let related: Vec<String> = file
                .conditions
                .iter()
                .chain(&file.proof)
                .flat_map(|c| crate::engine::pattern::hole_names(c.get_ref()))
                .collect();
            let compiled = crate::engine::pattern::Pattern::compile(pattern.get_ref(), kind)
                .map_err(|m| (at, format!("pattern: {m}")))?
                .declaring(&related);
            let query = Query::new(&language(), &compiled.query).map_err(|e| {
                let why = match e.kind {
                    QueryErrorKind::NodeType => {
                        format!("`kind`: unknown node type `{}`", e.message.trim())
                    }
                    _ => format!(
                        "pattern: tree-sitter-go cannot search for it ({})",
                        e.message.lines().next().unwrap_or("").trim()
                    ),
                };
                (file.kind.as_ref().map_or(at, |k| k.span().start), why)
            })?;
            Ok((query, Some(compiled)))
        }
        (Some(query), Some(_)) => Err((
            query.span().start,
            "a rule has a `query` or a `pattern`, not both".to_string(),
        )),
        (None, None) => Err((id_at, "a rule needs a `query` or a `pattern`".to_string())),
    }
}

fn report_capture(file: &RuleFile, query: &Query) -> Result<u32, (usize, String)> {
    if file.report.is_none() && file.pattern.is_some() {
        let whole = crate::engine::pattern::MATCH_CAPTURE;
        return query
            .capture_index_for_name(whole)
            .ok_or((0, "a pattern's query names its match".to_string()));
    }
    match &file.report {
        Some(name) => query.capture_index_for_name(name.get_ref()).ok_or_else(|| {
            (
                name.span().start,
                format!("`report`: the query has no capture @{}", name.get_ref()),
            )
        }),
        None => query
            .capture_names()
            .iter()
            .position(|n| !n.starts_with('_'))
            .map(|i| i as u32)
            .ok_or_else(|| {
                (
                    file.query.as_ref().map_or(0, |q| q.span().start),
                    "the query needs a capture not starting with `_` to report".to_string(),
                )
            }),
    }
}

/// `{{ params.backoff | go_duration }}`: `"10ms"` → `10 * time.Millisecond`.
fn go_duration_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("go_duration: expected a string such as \"10ms\""))?;
    crate::go::duration::duration_expr(text)
        .map(tera::Value::String)
        .ok_or_else(|| {
            tera::Error::msg(format!(
                "go_duration: `{text}` is not a duration such as 10ms or 1.5s"
            ))
        })
}

/// The captures a template may name: the query's, or a pattern's holes
/// and `match` (not the helper captures its query is compiled with).
fn template_captures<'q>(
    query: &'q Query,
    pattern: Option<&'q crate::engine::pattern::Pattern>,
) -> Vec<&'q str> {
    match pattern {
        Some(pattern) => std::iter::once(crate::engine::pattern::MATCH_CAPTURE)
            .chain(pattern.holes.iter().map(String::as_str))
            .collect(),
        None => query.capture_names().to_vec(),
    }
}

/// The rule's templates: the name each is registered under, the key
/// that writes it in the rule file, and its text.
fn templates_of(file: &RuleFile) -> Vec<(String, String, &Spanned<String>)> {
    let mut out = vec![("message".to_string(), "message".to_string(), &file.message)];
    let Some(fix) = &file.fix else {
        return out;
    };
    if let Some(template) = &fix.template {
        out.push(("fix".into(), "template".into(), template));
    }
    let edits = fix.edits.as_deref().unwrap_or_default();
    for (i, edit) in edits.iter().enumerate() {
        if let Some(template) = &edit.template {
            out.push((format!("fix.{i}"), "template".into(), template));
        }
    }
    if let Some(add_file) = &fix.add_file {
        out.push((
            "file".into(),
            "add_file.template".into(),
            &add_file.template,
        ));
    }
    out
}

/// `of action `replace` (it gives: raised, raised_about)`, for an error
/// naming a template variable the rule does not give.
fn action_described(file: &RuleFile, vars: &[String]) -> String {
    let Some(fix) = &file.fix else {
        return "(the rule has no [fix])".to_string();
    };
    let gives = match vars.is_empty() {
        true => "none".to_string(),
        false => vars.join(", "),
    };
    format!("of action `{}` (it gives: {gives})", fix.action.get_ref())
}

fn add_template(
    tera: &mut tera::Tera,
    name: &str,
    source: &Spanned<String>,
) -> Result<(), (usize, String)> {
    super::template_bounds::add(tera, name, source.get_ref())
        .map_err(|message| (source.span().start, message))
}

/// Which rules run, and with which parameters.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// `--rule ID`: only these (a rule off by default runs when named).
    pub only: Vec<String>,
    /// `--set RULE.PARAM=VALUE`.
    pub sets: Vec<String>,
    /// Run by default too, as if named (`.fixgen.toml`'s `enable`);
    /// ignored when `only` names rules.
    pub enable: Vec<String>,
    /// Not run by default (`disable`); ignored when `only` names rules.
    pub disable: Vec<String>,
}

pub fn select_rules(mut rules: Vec<Rule>, selection: &Selection) -> Result<Vec<Rule>> {
    for id in &selection.only {
        if !rules.iter().any(|r| &r.id == id) {
            bail!("unknown rule `{id}` (see `fixgen rules`)");
        }
    }
    // Every value is checked, for a rule that runs or not.
    apply_sets(&mut rules, &selection.sets)?;
    let runs = |r: &Rule| {
        if selection.only.is_empty() {
            (r.enabled_by_default || selection.enable.contains(&r.id))
                && !selection.disable.contains(&r.id)
        } else {
            selection.only.contains(&r.id)
        }
    };
    for set in &selection.sets {
        let rule_id = set.split_once('.').map_or("", |(id, _)| id);
        if let Some(rule) = rules.iter().find(|r| r.id == rule_id && !runs(r)) {
            bail!(
                "--set {set}: rule `{rule_id}` is not selected in this run ({}); add --rule {rule_id} to run it",
                why_not_selected(rule, selection)
            );
        }
    }
    let mut selected: Vec<Rule> = rules.into_iter().filter(|r| runs(r)).collect();
    // The configuration's `enable` is the team's standing word, as
    // `--rule` is the user's: evidence before churn takes either.
    let named = match selection.only.is_empty() {
        true => &selection.enable,
        false => &selection.only,
    };
    for rule in &mut selected {
        rule.named = named.contains(&rule.id);
    }
    Ok(selected)
}

fn why_not_selected(rule: &Rule, selection: &Selection) -> &'static str {
    if !selection.only.is_empty() {
        "only the rules named with --rule run"
    } else if selection.disable.contains(&rule.id) {
        ".fixgen.toml disables it"
    } else {
        "it is off by default"
    }
}

/// `--set RULE.PARAM=VALUE` values, each checked against its
/// parameter's type and set on its rule: all are checked before the
/// selection is (see `select_rules`), so that a value is never taken on
/// trust, whichever rules run.
pub fn apply_sets(rules: &mut [Rule], sets: &[String]) -> Result<()> {
    for set in sets {
        apply_set(rules, set)?;
    }
    Ok(())
}

fn apply_set(rules: &mut [Rule], set: &str) -> Result<()> {
    let expected = || format!("--set {set}: expected RULE.PARAM=VALUE");
    let (key, value) = set.split_once('=').with_context(expected)?;
    let (rule_id, param) = key.split_once('.').with_context(expected)?;
    let Some(rule) = rules.iter_mut().find(|r| r.id == rule_id) else {
        bail!("--set {set}: unknown rule `{rule_id}` (see `fixgen rules`)");
    };
    let Some(info) = rule.param_info.get(param) else {
        bail!(
            "--set {set}: rule `{rule_id}` has no parameter `{param}` ({})",
            rule.params_listed()
        );
    };
    let parsed = info
        .ty
        .parse(value)
        .map_err(|why| anyhow::anyhow!("--set {set}: {why}"))?;
    rule.params.insert(param.to_string(), parsed);
    Ok(())
}
