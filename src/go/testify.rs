//! testify's assertions (github.com/stretchr/testify/assert and require),
//! and how code that reports to a `*testing.T` is rewritten to report to
//! the `*assert.CollectT` of an `EventuallyWithT` condition.
//!
//! Inside a condition, `require.X(t, …)` and `t.Fatal` call `t.FailNow`
//! on the condition's goroutine, not the test's: the test is marked failed
//! for good, the goroutine exits, and the poll never sees a later success.
//! Reporting to the CollectT instead fails only that tick. `require.X`
//! stops the code after it, so it becomes `if !assert.X(c, …) { return }`
//! unless nothing follows it.

use super::imports::Import;
use super::scope::resolve;
use super::syntax::{
    indentation, line_of, line_start, named_children, next_line_start, text, walk_outside_literals,
};
use tree_sitter::Node;

pub const ASSERT: &str = "github.com/stretchr/testify/assert";
pub const REQUIRE: &str = "github.com/stretchr/testify/require";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Reports and goes on.
    Assert,
    /// Reports and stops the test (`FailNow`).
    Require,
}

/// A call `pkg.Name(t, …)` of a package function of assert or require.
#[derive(Debug, Clone, Copy)]
pub struct Assertion<'t> {
    pub call: Node<'t>,
    pub flavor: Flavor,
    /// The package identifier (`require` in `require.NoError`).
    pub package: Node<'t>,
    pub name: &'t str,
    /// The first argument: the test, or a CollectT.
    pub test: Node<'t>,
}

/// The assertion `call` is, through the file's import names.
pub fn assertion<'t>(call: Node<'t>, source: &'t str, imports: &[Import]) -> Option<Assertion<'t>> {
    if call.kind() != "call_expression" {
        return None;
    }
    let function = call.child_by_field_name("function")?;
    if function.kind() != "selector_expression" {
        return None;
    }
    let package = function.child_by_field_name("operand")?;
    if package.kind() != "identifier" {
        return None;
    }
    let flavor = package_flavor(text(package, source), imports)?;
    let test = call.child_by_field_name("arguments")?.named_child(0)?;
    Some(Assertion {
        call,
        flavor,
        package,
        name: text(function.child_by_field_name("field")?, source),
        test,
    })
}

/// A method call on an assertion object: `req.NoError(err)` where the
/// file declares `req := require.New(t)` (or `assert.New(t)`). It reports
/// to the `t` handed to `New`, as `require.NoError(t, err)` would.
#[derive(Debug, Clone, Copy)]
pub struct ObjectAssertion<'t> {
    pub call: Node<'t>,
    pub flavor: Flavor,
    pub name: &'t str,
    /// The test handed to `New`.
    pub test: Node<'t>,
    /// The object's declaring identifier (`req` in `req := require.New(t)`).
    pub object: Node<'t>,
    /// Its declaration: `short_var_declaration` or `var_spec`.
    pub declaration: Node<'t>,
}

/// The object assertion `call` is: its receiver resolves to a variable
/// declared, alone, from `require.New(x)` or `assert.New(x)`.
pub fn object_assertion<'t>(
    call: Node<'t>,
    source: &'t str,
    imports: &[Import],
) -> Option<ObjectAssertion<'t>> {
    let function = call.child_by_field_name("function")?;
    if call.kind() != "call_expression" || function.kind() != "selector_expression" {
        return None;
    }
    let receiver = function.child_by_field_name("operand")?;
    if receiver.kind() != "identifier" {
        return None;
    }
    let binding = resolve(receiver, source)?;
    let values = match binding.declaration.kind() {
        "short_var_declaration" => binding.declaration.child_by_field_name("right")?,
        "var_spec" => binding.declaration.child_by_field_name("value")?,
        _ => return None,
    };
    let [value] = named_children(values)[..] else {
        return None;
    };
    let new = assertion(value, source, imports).filter(|a| a.name == "New")?;
    Some(ObjectAssertion {
        call,
        flavor: new.flavor,
        name: text(function.child_by_field_name("field")?, source),
        test: new.test,
        object: binding.name,
        declaration: binding.declaration,
    })
}

/// Which testify package a local name stands for in a file.
pub fn package_flavor(local_name: &str, imports: &[Import]) -> Option<Flavor> {
    let import = imports.iter().find(|i| i.local_name == local_name)?;
    match import.path.as_str() {
        ASSERT => Some(Flavor::Assert),
        REQUIRE => Some(Flavor::Require),
        _ => None,
    }
}

/// `Eventually`, `EventuallyWithT`, `Never` and their `…f` forms: they
/// poll already.
pub fn is_poll(name: &str) -> bool {
    matches!(
        name.trim_end_matches('f'),
        "Eventually" | "EventuallyWithT" | "Never"
    )
}

/// The `EventuallyWithT` form of an `Eventually` call's name.
pub fn with_t_name(name: &str) -> Option<&'static str> {
    match name {
        "Eventually" => Some("EventuallyWithT"),
        "Eventuallyf" => Some("EventuallyWithTf"),
        _ => None,
    }
}

/// The parameter declaration of an `EventuallyWithT` condition's
/// `*assert.CollectT` (`c *assert.CollectT`, `_ *assert.CollectT`, or the
/// type alone).
pub fn collect_parameter<'t>(condition: Node<'t>, source: &str) -> Option<Node<'t>> {
    let parameters = condition.child_by_field_name("parameters")?;
    let [declaration] = named_children(parameters)[..] else {
        return None;
    };
    let kind = declaration.child_by_field_name("type")?;
    text(kind, source)
        .ends_with(".CollectT")
        .then_some(declaration)
}

/// An `Eventually` condition that only fetches and judges the fetch:
/// `func() bool { _, err := get(); return err == nil }`.
#[derive(Debug, Clone, Copy)]
pub struct FetchPoll<'t> {
    /// The `short_var_declaration` from one call.
    pub fetch: Node<'t>,
    /// The returned expression.
    pub verdict: Node<'t>,
}

/// The fetch and verdict of a poll's condition, when that is all it does.
pub fn fetch_poll(condition: Node) -> Option<FetchPoll> {
    let body = condition.child_by_field_name("body")?;
    let code: Vec<Node> = super::syntax::block_statements(body)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .collect();
    let [fetch, ret] = code[..] else {
        return None;
    };
    fetched_call(fetch)?;
    if ret.kind() != "return_statement" {
        return None;
    }
    let [verdict] = named_children(ret)[..] else {
        return None;
    };
    let verdict = if verdict.kind() == "expression_list" {
        let [v] = named_children(verdict)[..] else {
            return None;
        };
        v
    } else {
        verdict
    };
    Some(FetchPoll { fetch, verdict })
}

/// The one call a `short_var_declaration` takes its values from.
pub fn fetched_call(stmt: Node) -> Option<Node> {
    if stmt.kind() != "short_var_declaration" {
        return None;
    }
    let [call] = named_children(stmt.child_by_field_name("right")?)[..] else {
        return None;
    };
    (call.kind() == "call_expression").then_some(call)
}

/// The names a `short_var_declaration` declares, `_` included.
pub fn declared_names<'s>(stmt: Node, source: &'s str) -> Vec<&'s str> {
    stmt.child_by_field_name("left")
        .map(|l| {
            named_children(l)
                .into_iter()
                .map(|n| text(n, source))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `stmt` fetches again what the poll's fetch did: the same call,
/// to the letter, declaring the same names where the poll's are not `_`
/// (so the poll's verdict means the same after it).
pub fn fetches_again(poll: &FetchPoll, stmt: Node, source: &str) -> bool {
    let (Some(a), Some(b)) = (fetched_call(poll.fetch), fetched_call(stmt)) else {
        return false;
    };
    let (names, again) = (
        declared_names(poll.fetch, source),
        declared_names(stmt, source),
    );
    text(a, source) == text(b, source)
        && names.len() == again.len()
        && names.iter().zip(&again).all(|(n, m)| *n == "_" || n == m)
}

/// The error a verdict `err == nil` requires to be nil, if that is all it
/// says: a `NoError` on it after the fetch says the same.
pub fn nil_error_verdict<'s>(verdict: Node, source: &'s str) -> Option<&'s str> {
    if verdict.kind() != "binary_expression" {
        return None;
    }
    let (left, right) = (
        verdict.child_by_field_name("left")?,
        verdict.child_by_field_name("right")?,
    );
    let operator = verdict.child_by_field_name("operator")?;
    (text(operator, source) == "==" && left.kind() == "identifier" && right.kind() == "nil")
        .then(|| text(left, source))
}

/// Whether one of `statements` asserts `NoError` (or `NoErrorf`) on `err`
/// for the test: `require.NoError(t, err)`, `req.NoError(err)`.
pub fn asserts_no_error(statements: &[Node], err: &str, cx: &Collect) -> bool {
    statements.iter().any(|stmt| {
        let Some(call) = stmt.named_child(0) else {
            return false;
        };
        let (name, first) = if let Some(a) = assertion(call, cx.source, cx.imports) {
            (a.name, 1)
        } else if let Some(a) = object_assertion(call, cx.source, cx.imports) {
            (a.name, 0)
        } else {
            return false;
        };
        let arg = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(first));
        name.trim_end_matches('f') == "NoError" && arg.is_some_and(|a| is_name(a, err, cx.source))
    })
}

/// Whether `stmt` only reports to the test: an assertion on it (package
/// function or object), or an `if` without `else` whose block does only
/// that or `t.Fatal`/`t.Error` (`if err != nil { t.Fatal(err) }`).
pub fn only_reports(stmt: Node, cx: &Collect) -> bool {
    match stmt.kind() {
        "expression_statement" => stmt.named_child(0).is_some_and(|call| {
            // A poll after the poll is not merged into it.
            assertion(call, cx.source, cx.imports)
                .is_some_and(|a| is_name(a.test, cx.test, cx.source) && !is_poll(a.name))
                || object_assertion(call, cx.source, cx.imports)
                    .is_some_and(|a| is_name(a.test, cx.test, cx.source) && !is_poll(a.name))
                || test_method(call, cx)
                    .is_some_and(|m| m.starts_with("Fatal") || m.starts_with("Error"))
        }),
        "if_statement" => {
            stmt.child_by_field_name("alternative").is_none()
                && stmt.child_by_field_name("consequence").is_some_and(|b| {
                    let inner = super::syntax::block_statements(b);
                    !inner.is_empty() && inner.iter().all(|s| only_reports(*s, cx))
                })
        }
        _ => false,
    }
}

/// How to rewrite: the test's name in the code, the CollectT's, the
/// file's name for package assert, and whether `return` statements are a
/// bool condition's verdict to turn into assertions.
pub struct Collect<'a> {
    pub source: &'a str,
    pub imports: &'a [Import],
    pub test: &'a str,
    pub collect: &'a str,
    pub assert: &'a str,
    pub returns_verdict: bool,
}

/// An edit: (start, end, replacement).
pub type TextEdit = (usize, usize, String);

/// The calls in `statements` (and the blocks inside them, not in function
/// literals) that stop the test from where they run: `require.X(t, …)`,
/// `t.Fatal…` and `t.FailNow`.
pub fn stopping_calls<'t>(statements: &[Node<'t>], cx: &Collect) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    for stmt in statements {
        walk_outside_literals(*stmt, &mut |node| {
            if node.kind() != "call_expression" {
                return;
            }
            let require = assertion(node, cx.source, cx.imports).is_some_and(|a| {
                a.flavor == Flavor::Require && is_name(a.test, cx.test, cx.source)
            }) || object_assertion(node, cx.source, cx.imports).is_some_and(|a| {
                a.flavor == Flavor::Require && is_name(a.test, cx.test, cx.source)
            });
            let fatal =
                test_method(node, cx).is_some_and(|m| m.starts_with("Fatal") || m == "FailNow");
            if require || fatal {
                found.push(node);
            }
        });
    }
    found
}

/// Words by which a failure message says that what it checks must never
/// happen: an invariant, not work that is unfinished. A bare "never" is
/// not one of them: "job never finished" is the wait's own failure.
const NEVER_WORDS: [&str; 16] = [
    "should never",
    "must never",
    "shall never",
    "never be",
    "never happen",
    "shouldn't",
    "should not",
    "must not",
    "mustn't",
    "unexpected",
    "unexpectedly",
    "not allowed",
    "invariant",
    "not supposed to",
    "cannot happen",
    "can't happen",
];

/// Why `stopper`, a call in a poll's condition (`statements`) that stops
/// the test, checks an invariant rather than waits: a retry would let a
/// violation that passes by go unseen, so it must not become one. The code
/// says so in one of two ways:
///
/// - its message says the thing must never happen (`t.Fatalf("job %s
///   shouldn't be dropped", …)`);
/// - it runs once the condition has found the work done: a check that ends
///   the tick while the work is unfinished (`return false`, a `return`
///   after an assertion on the collector) comes before it, and nothing
///   that judges the tick comes after it. It checks the finished state.
pub fn invariant_reason(stopper: Node, statements: &[Node], cx: &Collect) -> Option<String> {
    let what = stopper
        .child_by_field_name("function")
        .map_or("", |f| text(f, cx.source));
    if let Some(word) = never_word(stopper, cx) {
        return Some(format!(
            "line {}: `{what}` checks something that must never happen (its message says \"{word}\"), not unfinished work",
            line_of(stopper)
        ));
    }
    let (gates, checks) = verdicts(statements, cx);
    let gate = gates
        .into_iter()
        .find(|g| g.end_byte() <= stopper.start_byte())?;
    if checks.iter().any(|c| c.start_byte() >= stopper.end_byte()) {
        return None;
    }
    Some(format!(
        "line {}: `{what}` runs once the condition has found the work done (line {} ends the tick until then): it checks the finished state, not unfinished work",
        line_of(stopper),
        line_of(gate)
    ))
}

/// The word of `NEVER_WORDS` in the stopper's message, if any. For a
/// `t.Fatal` every string argument is message; for an assertion only those
/// with a space (`"job dropped"`), not values it compares (`"unexpected"`).
fn never_word(stopper: Node, cx: &Collect) -> Option<&'static str> {
    let on_test = test_method(stopper, cx).is_some();
    let args = stopper.child_by_field_name("arguments")?;
    named_children(args)
        .into_iter()
        .filter(|a| {
            matches!(
                a.kind(),
                "interpreted_string_literal" | "raw_string_literal"
            )
        })
        .map(|a| text(a, cx.source).to_lowercase())
        .filter(|m| on_test || m.contains(' '))
        .find_map(|m| NEVER_WORDS.into_iter().find(|w| has_phrase(&m, w)))
}

/// Whether `message` holds `phrase` as whole words.
fn has_phrase(message: &str, phrase: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '\'';
    message.match_indices(phrase).any(|(at, _)| {
        let before = message[..at].chars().next_back();
        let after = message[at + phrase.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Where the condition judges a tick, in source order: the gates, which
/// end the tick while the work is unfinished (a `return` other than
/// `return true`; a require on the collector), and the checks, which fail
/// it (gates with a verdict, and every assertion on the collector).
fn verdicts<'t>(statements: &[Node<'t>], cx: &Collect) -> (Vec<Node<'t>>, Vec<Node<'t>>) {
    let (mut gates, mut checks) = (Vec::new(), Vec::new());
    let on_collect = |test: Node| is_name(test, cx.collect, cx.source);
    for stmt in statements {
        walk_outside_literals(*stmt, &mut |node| match node.kind() {
            "return_statement" => {
                let value = text(node, cx.source).trim_start_matches("return").trim();
                if value == "true" {
                    return;
                }
                gates.push(node);
                if !value.is_empty() {
                    checks.push(node);
                }
            }
            "call_expression" => {
                let flavor = assertion(node, cx.source, cx.imports)
                    .filter(|a| on_collect(a.test))
                    .map(|a| a.flavor)
                    .or_else(|| {
                        object_assertion(node, cx.source, cx.imports)
                            .filter(|a| on_collect(a.test))
                            .map(|a| a.flavor)
                    });
                let method = node
                    .child_by_field_name("function")
                    .filter(|f| f.kind() == "selector_expression")
                    .filter(|f| f.child_by_field_name("operand").is_some_and(on_collect))
                    .and_then(|f| f.child_by_field_name("field"))
                    .map(|f| text(f, cx.source));
                if flavor == Some(Flavor::Require) || method == Some("FailNow") {
                    gates.push(node);
                }
                if flavor.is_some() || method.is_some() {
                    checks.push(node);
                }
            }
            _ => {}
        });
    }
    (gates, checks)
}

/// The edits that make `statements` (a run of one block's statements)
/// report to the CollectT: assertions on the test take the CollectT,
/// `require` ones return after a failure unless they are the last
/// statement, `t.Fatal`/`t.Error` become `Errorf` on the CollectT (with a
/// return after a fatal one), and with `returns_verdict` a returned bool
/// becomes an assertion. Fails, saying why, on what it cannot rewrite.
pub fn collect_edits(statements: &[Node], cx: &Collect) -> Result<Vec<TextEdit>, String> {
    let code: Vec<Node> = statements
        .iter()
        .filter(|s| s.kind() != "comment")
        .copied()
        .collect();
    let last = code.last().copied();
    // A final `return true` goes away: what precedes it ends the function.
    let ends_returning_true = cx.returns_verdict
        && last.is_some_and(|l| {
            l.kind() == "return_statement"
                && text(l, cx.source).trim_start_matches("return").trim() == "true"
        });
    let last_call = if ends_returning_true {
        code.len().checked_sub(2).map(|i| code[i])
    } else {
        last
    };
    let mut edits = Vec::new();
    let mut failure = None;
    for stmt in statements {
        walk_outside_literals(*stmt, &mut |node| {
            if failure.is_some() {
                return;
            }
            let is_last = last.is_some_and(|l| l.id() == node.id())
                || node
                    .parent()
                    .is_some_and(|p| p.kind() == "expression_statement" && Some(p) == last_call);
            let result = match node.kind() {
                "call_expression" => call_edits(node, cx, is_last),
                "return_statement" if cx.returns_verdict => return_edits(node, cx, is_last),
                _ => Ok(Vec::new()),
            };
            match result {
                Ok(more) => edits.extend(more),
                Err(e) => failure = Some(e),
            }
        });
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(edits),
    }
}

fn call_edits(call: Node, cx: &Collect, is_last: bool) -> Result<Vec<TextEdit>, String> {
    if let Some(a) = assertion(call, cx.source, cx.imports) {
        if !is_name(a.test, cx.test, cx.source) {
            return Ok(Vec::new());
        }
        if is_poll(a.name) {
            return Err(format!(
                "line {}: a poll inside the poll; rewrite it by hand",
                line_of(call)
            ));
        }
        let to_collect = (
            a.test.start_byte(),
            a.test.end_byte(),
            cx.collect.to_string(),
        );
        if a.flavor == Flavor::Assert {
            return Ok(vec![to_collect]);
        }
        let to_assert = (
            a.package.start_byte(),
            a.package.end_byte(),
            cx.assert.to_string(),
        );
        if is_last {
            return Ok(vec![to_assert, to_collect]);
        }
        let mut edits = vec![to_assert, to_collect];
        edits.extend(return_on_failure(call, cx)?);
        return Ok(edits);
    }
    if let Some(a) = object_assertion(call, cx.source, cx.imports) {
        return object_edits(a, cx, is_last);
    }
    let Some(method) = test_method(call, cx) else {
        return Ok(Vec::new());
    };
    let stops = match method {
        "Fatal" | "Fatalf" => true,
        "Error" | "Errorf" => false,
        "FailNow" | "Fail" | "SkipNow" | "Skip" | "Skipf" => {
            return Err(format!(
                "line {}: `{}.{method}` in the condition; rewrite it by hand",
                line_of(call),
                cx.test
            ))
        }
        _ => return Ok(Vec::new()),
    };
    let args = call
        .child_by_field_name("arguments")
        .ok_or("no arguments")?;
    let inner = &cx.source[args.start_byte() + 1..args.end_byte() - 1];
    let replacement = if method.ends_with('f') {
        format!("{}.Errorf({inner})", cx.collect)
    } else {
        // t.Fatal(a, b) prints its operands as Sprintln does.
        let count = args.named_child_count().max(1);
        let verbs = vec!["%v"; count].join(" ");
        if args.named_child_count() == 0 {
            format!("{}.Errorf(\"failed\")", cx.collect)
        } else {
            format!("{}.Errorf(\"{verbs}\", {inner})", cx.collect)
        }
    };
    let Some(stmt) = statement_of(call) else {
        return Err(format!(
            "line {}: `{}.{method}` is used as a value",
            line_of(call),
            cx.test
        ));
    };
    let mut replacement = replacement;
    if stops && !is_last {
        let indent = indentation(cx.source, stmt.start_byte());
        replacement.push_str(&format!("\n{indent}return"));
    }
    Ok(vec![(call.start_byte(), call.end_byte(), replacement)])
}

/// `req.X(…)` on an object of the test → `assert.X(c, …)`: the package
/// function takes what the method does, with the test first. A `require`
/// one returns after a failure unless it is last.
fn object_edits(a: ObjectAssertion, cx: &Collect, is_last: bool) -> Result<Vec<TextEdit>, String> {
    if !is_name(a.test, cx.test, cx.source) {
        return Ok(Vec::new());
    }
    let call = a.call;
    if is_poll(a.name) {
        return Err(format!(
            "line {}: a poll inside the poll; rewrite it by hand",
            line_of(call)
        ));
    }
    let function = call.child_by_field_name("function").ok_or("no function")?;
    let args = call
        .child_by_field_name("arguments")
        .ok_or("no arguments")?;
    let first = if args.named_child_count() == 0 {
        cx.collect.to_string()
    } else {
        format!("{}, ", cx.collect)
    };
    let mut edits = vec![
        (
            function.start_byte(),
            function.end_byte(),
            format!("{}.{}", cx.assert, a.name),
        ),
        (args.start_byte() + 1, args.start_byte() + 1, first),
    ];
    if a.flavor == Flavor::Require && !is_last {
        edits.extend(return_on_failure(call, cx)?);
    }
    Ok(edits)
}

/// `if !` before an assertion and `{ return }` after it.
fn return_on_failure(call: Node, cx: &Collect) -> Result<Vec<TextEdit>, String> {
    let stmt = statement_of(call).ok_or_else(|| {
        format!(
            "line {}: `{}` is used as a value",
            line_of(call),
            call.child_by_field_name("function")
                .map_or("", |f| text(f, cx.source))
        )
    })?;
    let indent = indentation(cx.source, stmt.start_byte());
    Ok(vec![
        (call.start_byte(), call.start_byte(), "if !".to_string()),
        (
            call.end_byte(),
            call.end_byte(),
            format!(" {{\n{indent}\treturn\n{indent}}}"),
        ),
    ])
}

/// The declarations of assertion objects (`req := require.New(t)`) that
/// `edits` leave unused, as edits removing their lines: every other use of
/// the object was a call the rewrite turned into a package function's, and
/// Go rejects a variable declared and not used.
pub fn orphaned_objects(statements: &[Node], cx: &Collect, edits: &[TextEdit]) -> Vec<TextEdit> {
    let mut objects: Vec<ObjectAssertion> = Vec::new();
    for stmt in statements {
        walk_outside_literals(*stmt, &mut |node| {
            if let Some(a) = object_assertion(node, cx.source, cx.imports) {
                if is_name(a.test, cx.test, cx.source)
                    && !objects.iter().any(|o| o.object.id() == a.object.id())
                {
                    objects.push(a);
                }
            }
        });
    }
    let rewritten = |n: Node| {
        edits
            .iter()
            .any(|(s, e, _)| *s <= n.start_byte() && n.end_byte() <= *e && s < e)
    };
    objects
        .into_iter()
        .filter_map(|o| {
            let stmt = match o.declaration.kind() {
                "var_spec" => o
                    .declaration
                    .parent()
                    .filter(|d| d.kind() == "var_declaration")?,
                _ => o.declaration,
            };
            let scope = super::syntax::top_level_declaration(stmt);
            let still_used = super::syntax::descendants(scope).into_iter().any(|n| {
                n.kind() == "identifier"
                    && n.id() != o.object.id()
                    && text(n, cx.source) == text(o.object, cx.source)
                    && resolve(n, cx.source).is_some_and(|b| b.name.id() == o.object.id())
                    && !rewritten(n)
            });
            let (start, end) = (stmt.start_byte(), stmt.end_byte());
            if still_used || !super::syntax::owns_its_lines(cx.source, start, end) {
                return None;
            }
            Some((
                line_start(cx.source, start),
                next_line_start(cx.source, end),
                String::new(),
            ))
        })
        .collect()
}

/// `return ok` → `assert.True(c, ok)`, then `return` unless it is last;
/// `return true` → `return`, or nothing when last; `return false` →
/// `assert.Fail(c, "condition not met")`.
fn return_edits(ret: Node, cx: &Collect, is_last: bool) -> Result<Vec<TextEdit>, String> {
    let values: Vec<Node> = named_children(ret)
        .into_iter()
        .flat_map(|n| {
            if n.kind() == "expression_list" {
                named_children(n)
            } else {
                vec![n]
            }
        })
        .collect();
    let [value] = values.as_slice() else {
        return Err(format!("line {}: a return without one value", line_of(ret)));
    };
    let indent = indentation(cx.source, ret.start_byte());
    let then_return = if is_last {
        String::new()
    } else {
        format!("\n{indent}return")
    };
    let (start, end) = (ret.start_byte(), ret.end_byte());
    Ok(match value.kind() {
        "true" if is_last => {
            let line = line_start(cx.source, start);
            vec![(line, next_line_start(cx.source, end), String::new())]
        }
        "true" => vec![(start, end, "return".to_string())],
        "false" => vec![(
            start,
            end,
            format!(
                "{}.Fail({}, \"condition not met\"){then_return}",
                cx.assert, cx.collect
            ),
        )],
        _ => vec![
            (
                start,
                value.start_byte(),
                format!("{}.True({}, ", cx.assert, cx.collect),
            ),
            (value.end_byte(), end, format!("){then_return}")),
        ],
    })
}

/// `t.Method(…)` on the test: the method's name.
fn test_method<'t>(call: Node<'t>, cx: &Collect<'t>) -> Option<&'t str> {
    let function = call.child_by_field_name("function")?;
    if function.kind() != "selector_expression" {
        return None;
    }
    let operand = function.child_by_field_name("operand")?;
    if !is_name(operand, cx.test, cx.source) {
        return None;
    }
    Some(text(function.child_by_field_name("field")?, cx.source))
}

fn is_name(node: Node, name: &str, source: &str) -> bool {
    node.kind() == "identifier" && text(node, source) == name
}

/// The expression statement a call stands as, if it does.
fn statement_of(call: Node) -> Option<Node> {
    call.parent().filter(|p| p.kind() == "expression_statement")
}

/// A name for the CollectT that nothing in `code` uses.
pub fn collect_name(code: &str) -> &'static str {
    ["c", "collect", "ct"]
        .into_iter()
        .find(|name| !mentions(code, name))
        .unwrap_or("collectT")
}

/// Whether `code` holds the identifier `name`.
fn mentions(code: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Applies `edits` to `source[start..end]`.
pub fn apply_within(source: &str, start: usize, end: usize, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.0, e.1));
    let mut out = String::new();
    let mut at = start;
    for (s, e, replacement) in sorted {
        out.push_str(&source[at..*s]);
        out.push_str(replacement);
        at = *e;
    }
    out.push_str(&source[at..end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::imports::imports;

    /// The condition body of the first func literal, rewritten.
    fn rewrite(body: &str, returns_verdict: bool) -> Result<String, String> {
        let source = format!(
            "package p\n\nimport (\n\t\"github.com/stretchr/testify/assert\"\n\t\"github.com/stretchr/testify/require\"\n)\n\nfunc f(t *testing.T) {{\n\tg(func() bool {{\n{body}\t}})\n}}\n"
        );
        let tree = crate::go::parse::parse(&source).unwrap();
        let found = imports(tree.root_node(), &source);
        let literal = crate::go::syntax::descendants(tree.root_node())
            .into_iter()
            .find(|n| n.kind() == "func_literal")
            .unwrap();
        let block = literal.child_by_field_name("body").unwrap();
        let statements = crate::go::syntax::block_statements(block);
        let cx = Collect {
            source: &source,
            imports: &found,
            test: "t",
            collect: "c",
            assert: "assert",
            returns_verdict,
        };
        let edits = collect_edits(&statements, &cx)?;
        Ok(apply_within(
            &source,
            block.start_byte() + 2,
            block.end_byte() - 2,
            &edits,
        ))
    }

    #[test]
    fn requires_return_after_failing_unless_last() {
        let got = rewrite(
            "\t\tv, err := get()\n\t\trequire.NoError(t, err)\n\t\tassert.NotNil(t, v)\n\t\treturn v.Done\n",
            true,
        )
        .unwrap();
        assert_eq!(
            got,
            "\t\tv, err := get()\n\t\tif !assert.NoError(c, err) {\n\t\t\treturn\n\t\t}\n\t\tassert.NotNil(c, v)\n\t\tassert.True(c, v.Done)\n"
        );
    }

    #[test]
    fn returns_and_fatals_become_collected_failures() {
        let got = rewrite(
            "\t\tif err := ping(); err != nil {\n\t\t\tt.Fatalf(\"ping: %v\", err)\n\t\t}\n\t\tif !ready() {\n\t\t\treturn false\n\t\t}\n\t\trequire.True(t, ok())\n\t\treturn true\n",
            true,
        )
        .unwrap();
        assert_eq!(
            got,
            "\t\tif err := ping(); err != nil {\n\t\t\tc.Errorf(\"ping: %v\", err)\n\t\t\treturn\n\t\t}\n\t\tif !ready() {\n\t\t\tassert.Fail(c, \"condition not met\")\n\t\t\treturn\n\t\t}\n\t\tassert.True(c, ok())\n"
        );
    }

    #[test]
    fn what_cannot_be_rewritten_is_refused() {
        let err = rewrite("\t\tt.FailNow()\n\t\treturn true\n", true).unwrap_err();
        assert!(err.contains("t.FailNow"), "{err}");
        let err = rewrite(
            "\t\tx := require.NoError\n\t\t_ = x\n\t\treturn require.Eventually(t, nil, 0, 0)\n",
            true,
        )
        .unwrap_err();
        assert!(err.contains("poll inside the poll"), "{err}");
    }

    #[test]
    fn never_words_are_whole_words() {
        assert!(has_phrase("job %s shouldn't be dropped", "shouldn't"));
        assert!(has_phrase("a job must never be dropped", "must never"));
        assert!(!has_phrase("job never finished", "never be"));
        assert!(!has_phrase("never been seen", "never be"));
        assert!(!has_phrase("unexpectedly", "unexpected"));
    }

    #[test]
    fn collect_names_avoid_the_code() {
        assert_eq!(collect_name("x := 1"), "c");
        assert_eq!(collect_name("c, err := get()"), "collect");
        assert_eq!(collect_name("calls := c.Calls"), "collect");
        assert_eq!(collect_name("abc := 1"), "c");
    }
}
