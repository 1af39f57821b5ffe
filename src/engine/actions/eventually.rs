//! Polling fixes for testify assertions on asynchronous state (the Go
//! knowledge is `go::testify`):
//!
//! - `collect-condition`: an `Eventually` whose condition stops the test
//!   (`require.X(t, …)`, `t.Fatal`) becomes `EventuallyWithT`, its
//!   condition reporting to the `*assert.CollectT`.
//! - `poll-statements`: an assertion (with the statements that fetch what
//!   it reads) is wrapped in the poll the rule's template renders.

use super::{
    reject_options, required, Action, CaptureLookup, Plan, PlanEnv, PlannedFinding, TemplateRole,
};
use crate::engine::edit::Edit;
use crate::engine::lookup::{compile_lookups, find_all, package_name, Lookups, Vars};
use crate::engine::matcher::Match;
use crate::go::imports::Import;
use crate::go::imports::{default_package_name, imports_change};
use crate::go::scope::resolve;
use crate::go::syntax::{
    ancestors, block_statements, descendants, indentation, line_of, line_start, named_children,
    text,
};
use crate::go::testify::{
    apply_within, assertion, asserts_no_error, collect_edits, collect_name, collect_parameter,
    declared_names, fetch_poll, fetched_call, fetches_again, invariant_reason, is_poll,
    nil_error_verdict, only_reports, orphaned_objects, stopping_calls, with_t_name, Assertion,
    Collect, FetchPoll, TextEdit, ASSERT,
};
use crate::rule::model::FixSpec;
use tree_sitter::Node;

/// `collect-condition`: `capture` is the `Eventually` call.
pub struct CollectCondition {
    capture: u32,
}

impl CollectCondition {
    pub fn compile(
        spec: &FixSpec,
        capture: &CaptureLookup,
        _param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, (usize, String)> {
        reject_options(spec, &["capture"])?;
        Ok(CollectCondition {
            capture: capture(required(spec, spec.capture.as_ref(), "capture")?)?,
        })
    }

    fn plan_one(
        &self,
        env: &PlanEnv,
        m: &Match,
        index: usize,
    ) -> Option<(PlannedFinding, Option<Vec<Edit>>)> {
        let cx = env.cx;
        let call = m.get(self.capture)?;
        let poll = assertion(call, cx.source, cx.imports())?;
        let condition = call.child_by_field_name("arguments")?.named_child(1)?;
        if condition.kind() != "func_literal" || poll.test.kind() != "identifier" {
            return None;
        }
        let body = condition.child_by_field_name("body")?;
        let statements = block_statements(body);
        let test = text(poll.test, cx.source);
        let (new_name, collect, naming) = collector(poll.name, condition, test, cx.source)?;
        let assert = package_name(cx, ASSERT);
        let assert_name = assert
            .as_ref()
            .map_or("assert".to_string(), |f| f.text.clone());
        let rewrite = Collect {
            source: cx.source,
            imports: cx.imports(),
            test,
            collect,
            assert: &assert_name,
            returns_verdict: new_name.is_some(),
        };
        let stopping = stopping_calls(&statements, &rewrite);
        let first = *stopping.first()?;
        let stopper = first
            .child_by_field_name("function")
            .map_or("", |f| text(f, cx.source));
        let mut finding = PlannedFinding {
            match_index: index,
            start: first.start_byte(),
            end: first.end_byte(),
            vars: vec![
                ("stopper".into(), stopper.to_string()),
                (
                    "poll".into(),
                    format!("{}.{}", text(poll.package, cx.source), poll.name),
                ),
            ],
            note: None,
            fix: None,
            related: std::iter::once(call.start_byte())
                .chain(stopping.iter().skip(1).map(|n| n.start_byte()))
                .collect(),
            severity: crate::engine::Severity::Error,
        };
        // A stopper guarding an invariant must stay fatal: no fix.
        if let Some(reason) = stopping
            .iter()
            .find_map(|s| invariant_reason(*s, &statements, &rewrite))
        {
            finding.vars.push(("invariant".into(), "yes".into()));
            finding.note = Some(format!(
                "not fixed: {reason}; a retry would let a passing violation go unseen: check it after the poll, or rewrite the rest by hand"
            ));
            return Some((finding, None));
        }
        let edits = assert
            .map_err(|e| format!("package assert: {e}"))
            .and_then(|assert| {
                let mut edits = collected(&statements, &rewrite, naming)?;
                if let Some(new_name) = new_name {
                    let poll = to_collected_poll(call, condition, new_name, collect, &assert.text);
                    edits.extend(poll?);
                }
                edits.extend(import_edits(cx.source, &edits, cx.imports(), &assert));
                Ok(edits)
            });
        match edits {
            Ok(edits) => {
                finding.note = Some(match new_name {
                    Some(name) => {
                        format!("fix: `{name}`, the condition reporting to the collector")
                    }
                    None => format!("fix: the condition reports to its collector `{collect}`"),
                });
                Some((finding, Some(edits)))
            }
            Err(reason) => {
                finding.note = Some(format!("not fixed: {reason}"));
                Some((finding, None))
            }
        }
    }
}

impl Action for CollectCondition {
    /// The message names the stopping call and the poll (`plan_one`).
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        match role {
            TemplateRole::Message => super::owned(&["stopper", "poll", "invariant"]),
            TemplateRole::Fix | TemplateRole::File => Vec::new(),
        }
    }

    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        plan_each(matches, |m, i| self.plan_one(env, m, i))
    }
}

/// The condition's statements reporting to the collector: the rewrite,
/// the removal of assertion objects it leaves unused, and the naming of
/// the collector parameter if it needs one.
fn collected(
    statements: &[Node],
    rewrite: &Collect,
    naming: Option<TextEdit>,
) -> Result<Vec<Edit>, String> {
    let mut rewritten = collect_edits(statements, rewrite)?;
    rewritten.extend(orphaned_objects(statements, rewrite, &rewritten));
    rewritten.extend(naming);
    Ok(rewritten
        .into_iter()
        .map(|(s, e, t)| Edit::replace(s, e, t))
        .collect())
}

/// The poll's new name (for an `Eventually`), the CollectT's name, and the
/// edit naming the parameter when the condition has one without a name
/// (`_`, or the type alone). `None` when the test is not stopped from the
/// condition: an `EventuallyWithT` whose parameter shadows the test.
fn collector<'s>(
    poll: &str,
    condition: Node,
    test: &str,
    source: &'s str,
) -> Option<(Option<&'static str>, &'s str, Option<TextEdit>)> {
    let body = condition.child_by_field_name("body")?;
    // An `Eventually` condition is handed a CollectT by the fix; an
    // `EventuallyWithT` one has its own, and reports to it instead.
    if let Some(name) = with_t_name(poll) {
        return Some((Some(name), collect_name(text(body, source)), None));
    }
    let declaration = collect_parameter(condition, source)?;
    let kind = declaration.child_by_field_name("type")?;
    match declaration
        .child_by_field_name("name")
        .map(|n| text(n, source))
    {
        Some(name) if name == test => None,
        Some(name) if name != "_" => Some((None, name, None)),
        _ => {
            let name = collect_name(text(body, source));
            let edit = (
                declaration.start_byte(),
                kind.start_byte(),
                format!("{name} "),
            );
            Some((None, name, Some(edit)))
        }
    }
}

/// The import edit for the fixed file: assert added if it was not
/// imported, require dropped if nothing uses it any more.
fn import_edits(
    source: &str,
    edits: &[Edit],
    imports: &[Import],
    assert: &crate::engine::lookup::Found,
) -> Option<Edit> {
    let add: Vec<&str> = assert.import.as_deref().into_iter().collect();
    let remove = unused_after(source, edits, imports);
    let remove: Vec<&str> = remove.iter().map(String::as_str).collect();
    imports_change(source, &add, &remove).map(|(s, e, t)| Edit::replace(s, e, t))
}

/// `Eventually(t, func() bool {` → `EventuallyWithT(t, func(c *assert.CollectT) {`.
fn to_collected_poll(
    call: Node,
    condition: Node,
    new_name: &str,
    collect: &str,
    assert: &str,
) -> Result<Vec<Edit>, String> {
    let name = call
        .child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("field"))
        .ok_or("no function name")?;
    let parameters = condition
        .child_by_field_name("parameters")
        .ok_or("no parameters")?;
    let body = condition.child_by_field_name("body").ok_or("no body")?;
    Ok(vec![
        Edit::replace(name.start_byte(), name.end_byte(), new_name),
        Edit::replace(
            parameters.start_byte(),
            body.start_byte(),
            format!("({collect} *{assert}.CollectT) "),
        ),
    ])
}

/// The imports of testify's require that `edits` leave unused: the
/// edited file names the package nowhere else.
fn unused_after(
    source: &str,
    edits: &[Edit],
    imports: &[crate::go::imports::Import],
) -> Vec<String> {
    let changes: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| (e.start, e.end, e.text.clone()))
        .collect();
    let edited = apply_within(source, 0, source.len(), &changes);
    imports
        .iter()
        .filter(|i| i.path == crate::go::testify::REQUIRE)
        .filter(|i| !crate::go::imports::names_package(&edited, &i.local_name))
        .map(|i| i.path.clone())
        .collect()
}

/// `poll-statements`: `capture` is the assertion's expression statement.
pub struct PollStatements {
    capture: u32,
    lookups: Lookups,
    /// Packages the template may use (`time`), imported when it does.
    imports: Vec<String>,
}

impl PollStatements {
    pub fn compile(
        spec: &FixSpec,
        capture: &CaptureLookup,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, (usize, String)> {
        reject_options(spec, &["capture", "template", "lookups", "imports"])?;
        required(spec, spec.template.as_ref(), "template")?;
        Ok(PollStatements {
            capture: capture(required(spec, spec.capture.as_ref(), "capture")?)?,
            lookups: compile_lookups(spec.lookups.as_ref(), param_exists)?,
            imports: spec
                .imports
                .as_ref()
                .map(|i| i.get_ref().clone())
                .unwrap_or_default(),
        })
    }

    /// The edits wrapping the statements, and the template's variables.
    fn wrap(
        &self,
        env: &PlanEnv,
        m: &Match,
        run: &[Node],
        test: Node,
    ) -> Result<(Vec<Edit>, Vars), String> {
        let cx = env.cx;
        let first = run[0];
        let last = run[run.len() - 1];
        let from = line_start(cx.source, first.start_byte());
        let code = &cx.source[from..last.end_byte()];
        let collect = collect_name(code);
        let (mut vars, mut imports) = find_all(&self.lookups, cx, &env.rule.params)?;
        let assert = package_name(cx, ASSERT)?;
        let rewrite = Collect {
            source: cx.source,
            imports: cx.imports(),
            test: text(test, cx.source),
            collect,
            assert: &assert.text,
            returns_verdict: false,
        };
        let edits = collect_edits(run, &rewrite)?;
        movable(run, test, &edits, cx.source)?;
        let body = deepen(&apply_within(cx.source, from, last.end_byte(), &edits));
        vars.extend([
            ("t".to_string(), text(test, cx.source).to_string()),
            ("collect".to_string(), collect.to_string()),
            ("assert".to_string(), assert.text.clone()),
            ("body".to_string(), body),
            (
                "indent".to_string(),
                indentation(cx.source, first.start_byte()).to_string(),
            ),
        ]);
        let rendered = env.render("fix", m, &vars)?;
        imports.extend(assert.import);
        for path in &self.imports {
            if rendered.contains(&format!("{}.", default_package_name(path))) {
                imports.push(path.clone());
            }
        }
        let paths: Vec<&str> = imports.iter().map(String::as_str).collect();
        let mut out = vec![Edit::replace(first.start_byte(), last.end_byte(), rendered)];
        if let Some((s, e, t)) = imports_change(cx.source, &paths, &[]) {
            out.push(Edit::replace(s, e, t));
        }
        Ok((out, vars))
    }
}

/// What `PollStatements::wrap` gives its template beside the lookups.
const POLL_VARS: [&str; 5] = ["t", "collect", "assert", "body", "indent"];

impl Action for PollStatements {
    /// The fix's variables; the message gets them too once the fix is made.
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        match role {
            TemplateRole::Message | TemplateRole::Fix => {
                let mut vars = crate::engine::lookup::names(&self.lookups);
                vars.extend(super::owned(&POLL_VARS));
                vars
            }
            TemplateRole::File => Vec::new(),
        }
    }

    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        let mut plan = Plan::default();
        for (i, m) in matches.iter().enumerate() {
            let Some(stmt) = m.get(self.capture) else {
                continue;
            };
            let Some(target) = stmt
                .named_child(0)
                .and_then(|call| assertion(call, env.cx.source, env.cx.imports()))
            else {
                continue;
            };
            // A poll needs no poll around it, nor what runs inside one.
            if is_poll(target.name) || inside_poll(stmt, env) {
                continue;
            }
            let mut finding = PlannedFinding {
                match_index: i,
                start: stmt.start_byte(),
                end: stmt.end_byte(),
                vars: Vec::new(),
                note: None,
                fix: None,
                related: Vec::new(),
                severity: crate::engine::Severity::Error,
            };
            let outcome = statements_to_poll(stmt, target, env.cx.source, env.cx.imports())
                .and_then(|run| self.wrap(env, m, &run, target.test));
            match outcome {
                Ok((edits, vars)) => {
                    plan.fixes.push(edits);
                    finding.fix = Some(plan.fixes.len() - 1);
                    finding.vars = vars;
                }
                Err(reason) => finding.note = Some(format!("not fixed: {reason}")),
            }
            plan.findings.push(finding);
        }
        plan
    }
}

/// The run of statements to poll: from the first fetch (see `is_fetch`)
/// declaring a variable the assertion reads to the assertion. Each poll runs them all again, so they may only declare
/// variables and assert on the test; and what they declare must not be
/// used after them, since it now lives inside the poll's function.
fn statements_to_poll<'t>(
    stmt: Node<'t>,
    target: Assertion<'t>,
    source: &'t str,
    imports: &[Import],
) -> Result<Vec<Node<'t>>, String> {
    let (call, test) = (target.call, target.test);
    let list = stmt.parent().ok_or("no enclosing block")?;
    let siblings: Vec<Node> = if list.kind() == "block" {
        block_statements(list)
    } else {
        named_children(list)
    };
    let at = siblings
        .iter()
        .position(|s| s.id() == stmt.id())
        .ok_or("no enclosing block")?;
    let mut start = at;
    for ident in descendants(call)
        .into_iter()
        .filter(|n| n.kind() == "identifier")
    {
        let Some(binding) = resolve(ident, source) else {
            continue;
        };
        if let Some(j) = siblings[..at]
            .iter()
            .position(|s| s.byte_range().contains(&binding.declaration.start_byte()))
        {
            if is_fetch(siblings[j], source) {
                start = start.min(j);
            }
        }
    }
    let run: Vec<Node> = siblings[start..=at].to_vec();
    for s in &run[..run.len() - 1] {
        let declares = matches!(
            s.kind(),
            "short_var_declaration" | "var_declaration" | "comment"
        );
        let asserts = s.kind() == "expression_statement"
            && s.named_child(0)
                .and_then(|c| assertion(c, source, imports))
                .is_some_and(|a| text(a.test, source) == text(test, source));
        if !(declares || asserts) {
            return Err(format!(
                "line {} would run again on every poll; wrap by hand what fetches the value",
                line_of(*s)
            ));
        }
    }
    reassigned_check(&run, &siblings[at + 1..], source)?;
    if let Some(used) = used_after(&run, &siblings[at + 1..], source) {
        return Err(format!(
            "`{}` (line {}) is used after the assertion, at line {}: it cannot move into the poll",
            text(used.0, source),
            line_of(used.0),
            line_of(used.1)
        ));
    }
    Ok(run)
}

/// `code` one level deeper: each line not empty starts with one more tab.
fn deepen(code: &str) -> String {
    let lines: Vec<String> = code
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("\t{l}")
            }
        })
        .collect();
    lines.join("\n")
}

/// `merge-poll`: `capture` is the expression statement of an `Eventually`
/// whose condition only fetches and judges the fetch, followed by the same
/// fetch and assertions on it (`go::testify::fetch_poll`). The poll waits
/// for the fetch to succeed; what the test asserts on the second fetch is
/// checked once, on state that may have moved on. The fetch and the
/// assertions become the poll's condition, an `EventuallyWithT`.
pub struct MergePoll {
    capture: u32,
}

/// A poll statement and what follows it that the fix merges into it.
struct Merge<'t> {
    stmt: Node<'t>,
    call: Node<'t>,
    condition: Node<'t>,
    poll: FetchPoll<'t>,
    new_name: &'static str,
    /// The second fetch, then the statements that report on it.
    run: Vec<Node<'t>>,
    /// The statements after the run.
    later: Vec<Node<'t>>,
}

impl MergePoll {
    pub fn compile(
        spec: &FixSpec,
        capture: &CaptureLookup,
        _param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, (usize, String)> {
        reject_options(spec, &["capture"])?;
        Ok(MergePoll {
            capture: capture(required(spec, spec.capture.as_ref(), "capture")?)?,
        })
    }

    /// The shape, or `None` when the code is not this defect.
    fn shape<'t>(
        &self,
        env: &PlanEnv<'_, 't>,
        m: &Match<'t>,
        probe: &Collect,
    ) -> Option<Merge<'t>> {
        let source = env.cx.source;
        let stmt = m.get(self.capture)?;
        let call = stmt.named_child(0)?;
        let target = assertion(call, source, env.cx.imports())?;
        let new_name = with_t_name(target.name)?;
        let condition = call.child_by_field_name("arguments")?.named_child(1)?;
        let poll = fetch_poll(condition)?;
        let siblings = siblings(stmt)?;
        let at = siblings.iter().position(|s| s.id() == stmt.id())?;
        let refetch = *siblings.get(at + 1)?;
        if !fetches_again(&poll, refetch, source) {
            return None;
        }
        let reports = siblings[at + 2..]
            .iter()
            .take_while(|s| only_reports(**s, probe))
            .count();
        if reports == 0 {
            return None;
        }
        let end = at + 2 + reports;
        Some(Merge {
            stmt,
            call,
            condition,
            poll,
            new_name,
            run: siblings[at + 1..end].to_vec(),
            later: siblings[end..].to_vec(),
        })
    }

    /// The edits merging the run into the poll.
    fn merge(&self, env: &PlanEnv, shape: &Merge, cx: &Collect) -> Result<Vec<Edit>, String> {
        let source = env.cx.source;
        let (first, last) = (shape.run[0], shape.run[shape.run.len() - 1]);
        if let Some((name, use_at)) = used_after(&shape.run, &shape.later, source) {
            return Err(format!(
                "`{}` (line {}) is used after the assertions, at line {}: it cannot move into the poll",
                text(name, source),
                line_of(name),
                line_of(use_at)
            ));
        }
        reassigned_check(&shape.run, &shape.later, source)?;
        let assert = package_name(env.cx, ASSERT)?;
        let test = shape
            .call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .ok_or("no test")?;
        let mut rewritten = verdict_gate(shape, cx);
        rewritten.extend(collect_edits(&shape.run, cx)?);
        movable(&shape.run, test, &rewritten, source)?;
        let body = deepen(&apply_within(
            source,
            line_start(source, first.start_byte()),
            last.end_byte(),
            &rewritten,
        ));
        let indent = indentation(source, shape.stmt.start_byte());
        let name = shape
            .call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("field"))
            .ok_or("no function name")?;
        let mut edits = vec![
            Edit::replace(name.start_byte(), name.end_byte(), shape.new_name),
            Edit::replace(
                shape.condition.start_byte(),
                shape.condition.end_byte(),
                format!(
                    "func({} *{}.CollectT) {{\n{body}\n{indent}}}",
                    cx.collect, assert.text
                ),
            ),
            Edit::replace(shape.stmt.end_byte(), last.end_byte(), String::new()),
        ];
        edits.extend(
            orphaned_objects(&shape.run, cx, &rewritten)
                .into_iter()
                .map(|(s, e, t)| Edit::replace(s, e, t)),
        );
        edits.extend(import_edits(source, &edits, env.cx.imports(), &assert));
        Ok(edits)
    }
}

/// The poll's verdict, kept as a gate after the second fetch unless the
/// assertions say it already (`return err == nil` beside `NoError(t, err)`).
fn verdict_gate(shape: &Merge, cx: &Collect) -> Vec<TextEdit> {
    let verdict = shape.poll.verdict;
    let said = nil_error_verdict(verdict, cx.source)
        .is_some_and(|err| asserts_no_error(&shape.run[1..], err, cx));
    if said {
        return Vec::new();
    }
    let at = shape.run[1].start_byte();
    let indent = indentation(cx.source, at);
    vec![(
        at,
        at,
        format!(
            "if !{}.True({}, {}) {{\n{indent}\treturn\n{indent}}}\n{indent}",
            cx.assert,
            cx.collect,
            text(verdict, cx.source)
        ),
    )]
}

/// A variable a `:=` of the run assigns rather than declares (`c, err :=`
/// with `err` declared earlier in the same block) that a later statement
/// reads: (its declaring name, the read). Inside a poll's function `:=`
/// declares it anew, and the read would see the older value.
fn reassigned_then_used<'t>(
    run: &[Node<'t>],
    later: &[Node<'t>],
    source: &str,
) -> Option<(Node<'t>, Node<'t>)> {
    let first = *run.first()?;
    let block = first.parent()?;
    let in_block_before =
        |n: Node| n.start_byte() < first.start_byte() && ancestors(n).any(|a| a.id() == block.id());
    let names: Vec<&str> = run
        .iter()
        .filter(|s| s.kind() == "short_var_declaration")
        .flat_map(|s| declared_names(*s, source))
        .filter(|n| *n != "_")
        .collect();
    later
        .iter()
        .flat_map(|s| descendants(*s))
        .filter(|n| n.kind() == "identifier" && names.contains(&text(*n, source)))
        .find_map(|n| {
            let binding = resolve(n, source)?;
            in_block_before(binding.name).then_some((binding.name, n))
        })
}

/// Fails, saying why, when `reassigned_then_used` finds a variable.
fn reassigned_check(run: &[Node], later: &[Node], source: &str) -> Result<(), String> {
    match reassigned_then_used(run, later, source) {
        Some((name, use_at)) => Err(format!(
            "`{}` (declared at line {}) is assigned by the moved statements and read after them, at line {}: in the poll it would be a new variable",
            text(name, source),
            line_of(name),
            line_of(use_at)
        )),
        None => Ok(()),
    }
}

/// The statements of the block (or case) holding `stmt`.
fn siblings(stmt: Node) -> Option<Vec<Node>> {
    let list = stmt.parent()?;
    Some(if list.kind() == "block" {
        block_statements(list)
    } else {
        named_children(list)
    })
}

impl MergePoll {
    /// The finding at one poll, with the merge or why there is none.
    fn plan_one(
        &self,
        env: &PlanEnv,
        m: &Match,
        index: usize,
    ) -> Option<(PlannedFinding, Option<Vec<Edit>>)> {
        let source = env.cx.source;
        let call = m.get(self.capture)?.named_child(0)?;
        let test = text(assertion(call, source, env.cx.imports())?.test, source);
        let assert_name = package_name(env.cx, ASSERT).map_or("assert".to_string(), |f| f.text);
        let mut cx = Collect {
            source,
            imports: env.cx.imports(),
            test,
            collect: "c",
            assert: &assert_name,
            returns_verdict: false,
        };
        let shape = self.shape(env, m, &cx)?;
        let last = shape.run[shape.run.len() - 1];
        cx.collect = collect_name(&source[shape.stmt.start_byte()..last.end_byte()]);
        let name_of = |call: Option<Node>| {
            call.and_then(|c| c.child_by_field_name("function"))
                .map_or(String::new(), |f| text(f, source).to_string())
        };
        let mut finding = PlannedFinding {
            match_index: index,
            start: shape.stmt.start_byte(),
            end: shape.stmt.end_byte(),
            vars: vec![
                ("poll".into(), name_of(Some(shape.call))),
                ("fetch".into(), name_of(fetched_call(shape.run[0]))),
            ],
            note: None,
            fix: None,
            related: shape.run.iter().map(|s| s.start_byte()).collect(),
            severity: crate::engine::Severity::Error,
        };
        match self.merge(env, &shape, &cx) {
            Ok(edits) => {
                finding.note = Some(format!(
                    "fix: `{}`, polling the fetch and its assertions",
                    shape.new_name
                ));
                Some((finding, Some(edits)))
            }
            Err(reason) => {
                finding.note = Some(format!("not fixed: {reason}"));
                Some((finding, None))
            }
        }
    }
}

impl Action for MergePoll {
    /// The message names the poll and its fetch (`plan_one`).
    fn template_vars(&self, role: TemplateRole) -> Vec<String> {
        match role {
            TemplateRole::Message => super::owned(&["poll", "fetch"]),
            TemplateRole::Fix | TemplateRole::File => Vec::new(),
        }
    }

    fn plan<'t>(&self, env: &PlanEnv<'_, 't>, matches: &[Match<'t>]) -> Plan {
        plan_each(matches, |m, i| self.plan_one(env, m, i))
    }
}

/// A plan from each match's finding and its fix, if any.
fn plan_each<'t>(
    matches: &[Match<'t>],
    mut plan_one: impl FnMut(&Match<'t>, usize) -> Option<(PlannedFinding, Option<Vec<Edit>>)>,
) -> Plan {
    let mut plan = Plan::default();
    for (i, m) in matches.iter().enumerate() {
        let Some((mut finding, edits)) = plan_one(m, i) else {
            continue;
        };
        if let Some(edits) = edits {
            plan.fixes.push(edits);
            finding.fix = Some(plan.fixes.len() - 1);
        }
        plan.findings.push(finding);
    }
    plan
}

/// Whether the statements can move one level deeper into the poll: no
/// raw string spans lines (indenting it would change it), and the test is
/// not handed to anything the rewrite left alone (a helper that may call
/// `t.Fatal`, now on the poll's goroutine).
fn movable(run: &[Node], test: Node, edits: &[TextEdit], source: &str) -> Result<(), String> {
    let name = text(test, source);
    for node in run.iter().flat_map(|s| descendants(*s)) {
        if node.kind() == "raw_string_literal" && text(node, source).contains('\n') {
            return Err(format!(
                "line {}: a raw string spanning lines cannot be indented into the poll",
                line_of(node)
            ));
        }
        let rewritten = edits
            .iter()
            .any(|(s, e, _)| *s <= node.start_byte() && node.end_byte() <= *e);
        let logs = node.parent().is_some_and(|p| {
            p.kind() == "selector_expression"
                && p.child_by_field_name("field")
                    .is_some_and(|f| matches!(text(f, source), "Log" | "Logf" | "Helper" | "Name"))
        });
        if node.kind() == "identifier" && text(node, source) == name && !rewritten && !logs {
            return Err(format!(
                "line {}: `{name}` is handed on; whatever gets it would run on the poll's goroutine",
                line_of(node)
            ));
        }
    }
    Ok(())
}

/// Whether `node` lies in the arguments of a testify poll (its condition).
fn inside_poll(node: Node, env: &PlanEnv) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if assertion(n, env.cx.source, env.cx.imports()).is_some_and(|a| is_poll(a.name)) {
            return true;
        }
        current = n.parent();
    }
    false
}

/// `c, err := s.Lookup(id)`: a declaration whose value comes from a call
/// that reads state, which a poll must make again. A value built here
/// (`&Switch{}`, `NewSwitch(…)`) is the thing under test: the poll reads
/// it again, it does not rebuild it.
fn is_fetch(stmt: Node, source: &str) -> bool {
    let value = match stmt.kind() {
        "short_var_declaration" => stmt.child_by_field_name("right"),
        "var_declaration" => descendants(stmt)
            .into_iter()
            .find(|n| n.kind() == "var_spec")
            .and_then(|s| s.child_by_field_name("value")),
        _ => None,
    };
    let Some(call) = value
        .and_then(|v| v.named_child(0))
        .filter(|c| c.kind() == "call_expression")
    else {
        return false;
    };
    let name = call.child_by_field_name("function").map_or("", |f| {
        let name = f.child_by_field_name("field").unwrap_or(f);
        text(name, source)
    });
    !(name.starts_with("New") || name.starts_with("new") || name == "make")
}

/// A variable the run declares that a later statement uses: (its
/// declaring name, the use).
fn used_after<'t>(
    run: &[Node<'t>],
    later: &[Node<'t>],
    source: &str,
) -> Option<(Node<'t>, Node<'t>)> {
    for stmt in later {
        for ident in descendants(*stmt)
            .into_iter()
            .filter(|n| n.kind() == "identifier")
        {
            let Some(binding) = resolve(ident, source) else {
                continue;
            };
            if run
                .iter()
                .any(|s| s.byte_range().contains(&binding.name.start_byte()))
            {
                return Some((binding.name, ident));
            }
        }
    }
    None
}
