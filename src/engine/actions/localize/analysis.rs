//! Which outer variables a concurrent closure writes, judged for every
//! closure of a function together (siblings), and the forms a local
//! declaration can take (`:=` where it scopes right, else `var`).

use super::exposure::{Exposure, Launch, Launcher};
use super::verdict::{guarded, verdict, LateReads};
use crate::go::flow::Flow;
use crate::go::refs::{classify, RefKind, Reference, References};
use crate::go::scope::{declared_by_statement, resolve, Binding, BindingKind};
use crate::go::syntax::{
    ancestor_of_kind, ancestors, contains, descendants, line_of, named_children, next_line_start,
    text,
};
use crate::go::types::{declared_type, short_declaration_keeps_type, value_type_of, ValueType};
use std::collections::HashMap;
use tree_sitter::Node;

/// How a shared variable becomes local.
#[derive(Debug, Clone)]
pub enum Verdict<'t> {
    /// `=` becomes `:=` in this statement.
    Short { store: Node<'t> },
    /// `var NAME TYPE` is declared where the concurrent part begins.
    Var { ty: String },
    /// Never read here: each write stores into `_`.
    Blank,
    /// No fix; the reason says why.
    Refused(String),
    /// Shared on purpose: every outer read is ordered after the closure.
    /// Reported as a note, not a defect.
    Ordered(String),
    /// Nothing runs at the same time as the write (or a lock guards it):
    /// not a finding at all.
    Quiet,
}

impl Verdict<'_> {
    /// Whether this verdict changes the code.
    pub fn fixes(&self) -> bool {
        matches!(
            self,
            Verdict::Short { .. } | Verdict::Var { .. } | Verdict::Blank
        )
    }
}

/// The identity of a variable: its declaring identifier in this file, or
/// its name when declared in another file of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKey {
    Local(usize),
    Elsewhere(String),
}

#[derive(Debug, Clone)]
pub struct SharedVar<'t> {
    pub key: VarKey,
    pub name: String,
    pub binding: Option<Binding<'t>>,
    /// Its uses in the concurrent region, in source order.
    pub refs: Vec<Reference<'t>>,
    pub verdict: Verdict<'t>,
}

/// A write to a field or element of a shared value: reported, never fixed.
#[derive(Debug, Clone)]
pub struct SharedFieldWrite<'t> {
    pub target: Node<'t>,
    /// The shared variable whose field or element is written.
    pub root: Node<'t>,
    pub binding: Option<Binding<'t>>,
}

/// Which reads of the outer variable, outside the closure, mean that the
/// value the closure writes is wanted there (so making it local would lose it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OuterReads {
    /// Reads after the closure starts (goroutines: the caller waits, then reads).
    AfterClosure,
    /// Reads after the function holding the closure returns, or in its
    /// `Cleanup` callbacks: parallel subtests run only once their parent's
    /// body has returned, so the parent's own later reads come first.
    AfterParent,
}

pub struct Closure<'t> {
    pub match_index: usize,
    pub node: Node<'t>,
    /// Where (and by what) it is started; more than one for `go f()` twice.
    pub launches: Vec<Launch<'t>>,
    /// A race report or the user says it runs concurrently.
    pub proven: bool,
    /// The body of the function that starts it.
    pub function: Option<Node<'t>>,
    pub body: Node<'t>,
    /// Statements of the body, if any.
    pub list: Option<Node<'t>>,
    /// Uses from this offset on are concurrent with siblings.
    pub region_start: usize,
    /// Where `var` declarations go and with which indentation.
    pub insert_at: Option<(usize, String)>,
    pub vars: Vec<SharedVar<'t>>,
    pub field_writes: Vec<SharedFieldWrite<'t>>,
}

/// The facts `analyse` needs beyond the closure itself.
pub struct Setting<'t> {
    pub launches: Vec<Launch<'t>>,
    /// Go 1.22+: loop variables are per iteration.
    pub loopvars: bool,
    /// Evidence from outside the code (a race report, `--at`) that the
    /// closure runs at the same time as something else.
    pub proven: bool,
}

impl<'t> Closure<'t> {
    pub fn in_region(&self, node: Node) -> bool {
        node.start_byte() >= self.region_start && contains(self.body, node)
    }
}

/// The closure's shared variables and field writes, not yet judged (see
/// [`judge`], which needs every closure of the function).
pub fn analyse<'t>(
    match_index: usize,
    closure: Node<'t>,
    after: Option<Node<'t>>,
    setting: Setting<'t>,
    source: &str,
) -> Option<Closure<'t>> {
    let body = closure.child_by_field_name("body")?;
    let list = named_children(body)
        .into_iter()
        .find(|c| c.kind() == "statement_list");
    let region_start = after.map_or(body.start_byte(), |s| s.end_byte());
    let insert_at = insertion_point(body, list, after, source);
    let function = setting
        .launches
        .first()
        .and_then(|l| {
            ancestor_of_kind(
                l.at,
                &["func_literal", "function_declaration", "method_declaration"],
            )
        })
        .and_then(|f| f.child_by_field_name("body"));
    let mut this = Closure {
        match_index,
        node: closure,
        launches: setting.launches,
        proven: setting.proven,
        function,
        body,
        list,
        region_start,
        insert_at,
        vars: Vec::new(),
        field_writes: Vec::new(),
    };
    this.vars = shared_vars(&this, setting.loopvars, source);
    this.field_writes = shared_field_writes(&this, setting.loopvars, source);
    Some(this)
}

/// Gives every shared variable of every closure its verdict, and drops
/// field writes nothing races with. Closures started by one function are
/// judged together: each may be the other's sibling.
pub fn judge<'t>(
    closures: &mut [Closure<'t>],
    policy: OuterReads,
    source: &str,
    references: &References<'t>,
    is_interface: &dyn Fn(&str) -> Option<bool>,
) {
    leave_nested_to_their_own(closures);
    // Flows of the functions that start closures and of those that declare
    // their shared variables (an outer function when launches nest).
    let mut bodies: Vec<Node> = Vec::new();
    // A closure that writes nothing shared needs no flow of its own (it
    // is still a sibling where another closure of its function does).
    for c in closures
        .iter()
        .filter(|c| !c.vars.is_empty() || !c.field_writes.is_empty())
    {
        bodies.extend(c.function);
        bodies.extend(
            c.vars
                .iter()
                .filter_map(|v| v.binding.and_then(|b| declaring_body(&b))),
        );
    }
    bodies.sort_by_key(|b| b.id());
    bodies.dedup_by_key(|b| b.id());
    let flows: Vec<Flow> = bodies.iter().map(|b| Flow::of(*b, source)).collect();
    let mut nodes: Vec<Node> = closures.iter().map(|c| c.node).collect();
    nodes.sort_by_key(|n| n.start_byte());
    // Each function's own closures: the others cannot hold its uses.
    let inside = |body: Node| {
        let from = nodes.partition_point(|n| n.start_byte() < body.start_byte());
        let to = nodes.partition_point(|n| n.start_byte() < body.end_byte());
        &nodes[from..to]
    };
    let launchers: HashMap<usize, Launcher> = flows
        .iter()
        .map(|flow| {
            (
                flow.body.id(),
                Launcher::new(flow, inside(flow.body), source),
            )
        })
        .collect();
    let launcher_of = |body: Node| launchers.get(&body.id());
    // Siblings are closures of the same function: found by key, not by
    // comparing every closure of the file with every other.
    let mut by_function: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, c) in closures.iter().enumerate() {
        by_function
            .entry(c.function.map(|f| f.id()))
            .or_default()
            .push(i);
    }
    let late = LateReads::new(references);
    for i in 0..closures.len() {
        let Some(launcher) = closures[i].function.and_then(launcher_of) else {
            for var in &mut closures[i].vars {
                var.verdict = Verdict::Quiet;
            }
            closures[i].field_writes.clear();
            continue;
        };
        let siblings: Vec<usize> = by_function[&closures[i].function.map(|f| f.id())]
            .iter()
            .copied()
            .filter(|&j| j != i)
            .collect();
        let judged: Vec<Verdict> = (0..closures[i].vars.len())
            .map(|v| {
                // Another function's flow only when launches nest.
                let declarer = closures[i].vars[v]
                    .binding
                    .and_then(|b| declaring_body(&b))
                    .filter(|body| Some(*body) != closures[i].function)
                    .and_then(launcher_of)
                    .unwrap_or(launcher);
                let exposure = exposure_of(
                    launcher, declarer, closures, i, &siblings, v, policy, source,
                );
                verdict(
                    &closures[i],
                    &closures[i].vars[v],
                    &exposure,
                    policy,
                    &late,
                    source,
                )
            })
            .collect();
        for (var, v) in closures[i].vars.iter_mut().zip(judged) {
            var.verdict = v;
        }
        let keep: Vec<bool> = closures[i]
            .field_writes
            .iter()
            .map(|w| field_write_races(launcher, closures, i, &siblings, w, source))
            .collect();
        let mut keep = keep.into_iter();
        closures[i]
            .field_writes
            .retain(|_| keep.next().unwrap_or(false));
        settle_short_forms(&mut closures[i], source, is_interface);
    }
}

/// A use inside a nested closure that is itself analysed belongs to that
/// closure, not to the one around it (else both would make it local).
fn leave_nested_to_their_own(closures: &mut [Closure]) {
    let mut nodes: Vec<Node> = closures.iter().map(|c| c.node).collect();
    nodes.sort_by_key(|n| n.start_byte());
    for c in closures.iter_mut() {
        // Those starting inside it, found in the sorted list.
        let from = nodes.partition_point(|n| n.start_byte() < c.node.start_byte());
        let to = nodes.partition_point(|n| n.start_byte() < c.node.end_byte());
        let inner: Vec<Node> = nodes[from..to]
            .iter()
            .filter(|n| n.id() != c.node.id() && contains(c.node, **n))
            .copied()
            .collect();
        if inner.is_empty() {
            continue;
        }
        let theirs = |n: Node| inner.iter().any(|i| contains(*i, n));
        for var in &mut c.vars {
            var.refs.retain(|r| !theirs(r.ident));
        }
        c.vars
            .retain(|v| v.refs.iter().any(|r| r.kind != RefKind::Read));
        c.field_writes.retain(|w| !theirs(w.target));
    }
}

/// The body of the function whose scope declares the binding.
fn declaring_body<'t>(binding: &Binding<'t>) -> Option<Node<'t>> {
    ancestor_of_kind(
        binding.name,
        &["func_literal", "function_declaration", "method_declaration"],
    )
    .and_then(|f| f.child_by_field_name("body"))
}

/// `launcher` is the flow of the function that starts the closure (its
/// loops, its sibling closures); `declarer` that of the function declaring
/// the variable, where the outer uses are (the same unless launches nest:
/// there the launch counts where the statement holding it runs).
#[allow(clippy::too_many_arguments)]
fn exposure_of<'t>(
    launcher: &Launcher<'_, 't>,
    declarer: &Launcher<'_, 't>,
    closures: &[Closure<'t>],
    i: usize,
    siblings: &[usize],
    v: usize,
    policy: OuterReads,
    source: &str,
) -> Exposure {
    let closure = &closures[i];
    let var = &closure.vars[v];
    let writes: Vec<Node> = var
        .refs
        .iter()
        .filter(|r| r.kind != RefKind::Read)
        .map(|r| r.ident)
        .collect();
    let mut e = declarer.exposure(
        var.binding.as_ref(),
        closure.node,
        &closure.launches,
        &writes,
    );
    if policy == OuterReads::AfterParent {
        // Parallel subtests start after their parent returns: the parent's
        // own later writes are not concurrent with them. Reads outside the
        // parent (after a group subtest) are judged by `outer_read`.
        e.unordered_write = None;
        if !std::ptr::eq(launcher, declarer) {
            e.unordered_read = None;
            e.ordered_read = None;
        }
    }
    if !std::ptr::eq(launcher, declarer) {
        e.repeats |= launcher
            .exposure(None, closure.node, &closure.launches, &writes)
            .repeats;
    }
    let running = siblings.iter().map(|&j| &closures[j]).filter(|c| {
        policy == OuterReads::AfterParent
            || launcher.overlap(closure.node, &closure.launches, c.node, &c.launches)
    });
    for c in running {
        // Its first use: a read there sees whatever another wrote.
        let first = match c.vars.iter().find(|w| w.key == var.key) {
            Some(w) => w
                .refs
                .first()
                .map(|r| (line_of(r.ident), r.kind == RefKind::Read)),
            None => sibling_use_of_elsewhere(c, var, source).map(|line| (line, true)),
        };
        if let Some((line, reads)) = first {
            e.sibling.get_or_insert(line);
            if reads {
                e.sibling_read.get_or_insert(line);
            }
        }
    }
    e
}

/// A sibling that only reads the variable never lists it among its
/// shared (written) variables: look for a use of the same name resolving
/// to the same declaration.
fn sibling_use_of_elsewhere(c: &Closure, var: &SharedVar, source: &str) -> Option<usize> {
    descendants(c.body)
        .into_iter()
        .filter(|n| n.kind() == "identifier" && text(*n, source) == var.name && c.in_region(*n))
        .find(|n| key_of(*n, resolve(*n, source).as_ref(), source) == var.key)
        .map(line_of)
}

/// A write to a field or element races when the closure runs more than
/// once at a time, or a sibling or the launching function (unordered)
/// uses the same expression, and no lock guards it.
fn field_write_races<'t>(
    launcher: &Launcher<'_, 't>,
    closures: &[Closure<'t>],
    i: usize,
    siblings: &[usize],
    write: &SharedFieldWrite<'t>,
    source: &str,
) -> bool {
    let closure = &closures[i];
    if guarded(write.target, closure.body, source) {
        return false;
    }
    if closure.proven {
        return true;
    }
    let target = text(write.target, source);
    let writes = [write.target];
    let exposure = launcher.exposure(None, closure.node, &closure.launches, &writes);
    if exposure.repeats {
        return true;
    }
    // The same expression on the same variable (not a namesake).
    let root = write.binding;
    let same = |n: Node| {
        n.kind() == write.target.kind()
            && text(n, source) == target
            && root_identifier(n)
                .and_then(|r| resolve(r, source))
                .map(|b| b.name.id())
                == root.map(|b| b.name.id())
    };
    let sibling = siblings.iter().map(|&j| &closures[j]).any(|c| {
        launcher.overlap(closure.node, &closure.launches, c.node, &c.launches)
            && descendants(c.body).into_iter().any(same)
    });
    sibling || launcher.uses_unordered(closure.node, &closure.launches, &writes, &same)
}

/// After the captured start statement, or after the body's opening brace;
/// only where that statement or brace ends its line.
fn insertion_point(
    body: Node,
    list: Option<Node>,
    after: Option<Node>,
    source: &str,
) -> Option<(usize, String)> {
    let (anchor_end, indent_from) = match after {
        Some(stmt) => (stmt.end_byte(), stmt.start_byte()),
        None => (body.start_byte() + 1, list?.named_child(0)?.start_byte()),
    };
    let line_end = next_line_start(source, anchor_end);
    let rest = source[anchor_end..line_end].trim();
    if !(rest.is_empty() || rest.starts_with("//")) {
        return None;
    }
    let indent = crate::go::syntax::indentation(source, indent_from).to_string();
    Some((line_end, indent))
}

pub(super) fn key_of(ident: Node, binding: Option<&Binding>, source: &str) -> VarKey {
    match binding {
        Some(b) => VarKey::Local(b.name.id()),
        None => VarKey::Elsewhere(text(ident, source).to_string()),
    }
}

/// Variables declared outside the closure and written in its region.
fn shared_vars<'t>(closure: &Closure<'t>, loopvars: bool, source: &str) -> Vec<SharedVar<'t>> {
    let mut vars: Vec<SharedVar<'t>> = Vec::new();
    let idents: Vec<Node<'t>> = descendants(closure.body)
        .into_iter()
        .filter(|i| i.kind() == "identifier" && closure.in_region(*i) && text(*i, source) != "_")
        .collect();
    // Only a variable written in the closure can be shared: names that are
    // only read are never resolved (resolving is most of the cost).
    let written: std::collections::HashSet<&str> = idents
        .iter()
        .filter(|i| classify(**i).kind != RefKind::Read)
        .map(|i| text(*i, source))
        .collect();
    for ident in idents {
        if !written.contains(text(ident, source)) {
            continue;
        }
        let binding = resolve(ident, source);
        if binding.is_some_and(|b| {
            contains(closure.node, b.name) || per_iteration(&b, closure.node, loopvars)
        }) {
            continue;
        }
        let key = key_of(ident, binding.as_ref(), source);
        let reference = classify(ident);
        match vars.iter_mut().find(|v| v.key == key) {
            Some(var) => var.refs.push(reference),
            None => vars.push(SharedVar {
                key,
                name: text(ident, source).to_string(),
                binding,
                refs: vec![reference],
                verdict: Verdict::Blank,
            }),
        }
    }
    vars.retain(|v| {
        let assignable = v
            .binding
            .is_none_or(|b| !matches!(b.kind, BindingKind::Const));
        assignable && v.refs.iter().any(|r| r.kind != RefKind::Read)
    });
    vars
}

/// `x.f = …`, `m[k] = …`, `*p = …` where `x`, `m`, `p` are shared.
fn shared_field_writes<'t>(
    closure: &Closure<'t>,
    loopvars: bool,
    source: &str,
) -> Vec<SharedFieldWrite<'t>> {
    let mut out = Vec::new();
    for store in descendants(closure.body) {
        if !closure.in_region(store) {
            continue;
        }
        let targets: Vec<Node> = match store.kind() {
            "assignment_statement" => store
                .child_by_field_name("left")
                .map(named_children)
                .unwrap_or_default(),
            "inc_statement" | "dec_statement" => store.named_child(0).into_iter().collect(),
            _ => continue,
        };
        for target in targets {
            if target.kind() == "identifier" {
                continue;
            }
            let Some(root) = root_identifier(target) else {
                continue;
            };
            let binding = resolve(root, source);
            let outside = binding.is_none_or(|b| !contains(closure.node, b.name));
            let own = binding.is_some_and(|b| per_iteration(&b, closure.node, loopvars));
            if outside && !own && !indexed_by_own_variable(target, closure.node, loopvars, source) {
                out.push(SharedFieldWrite {
                    target,
                    root,
                    binding,
                });
            }
        }
    }
    out
}

/// Declared inside the body of a loop that also holds the closure: each
/// iteration, so each closure, has its own. From Go 1.22 (`loopvars`) the
/// loop's own clause variables are per iteration too.
fn per_iteration(binding: &Binding, closure: Node, loopvars: bool) -> bool {
    let mut current = closure;
    while let Some(ancestor) = ancestor_of_kind(current, &["for_statement"]) {
        if ancestor
            .child_by_field_name("body")
            .is_some_and(|body| contains(body, binding.name))
        {
            return true;
        }
        if loopvars && declared_by_loop_clause(binding, ancestor) {
            return true;
        }
        current = ancestor;
    }
    false
}

/// `for i := …` or `for k, v := range …` of this loop declares it.
fn declared_by_loop_clause(binding: &Binding, loop_stmt: Node) -> bool {
    named_children(loop_stmt)
        .into_iter()
        .filter(|c| matches!(c.kind(), "for_clause" | "range_clause"))
        .any(|clause| contains(clause, binding.name))
}

/// `slots[i] = …` where `i` is the closure's own: each closure its own element.
fn indexed_by_own_variable(target: Node, closure: Node, loopvars: bool, source: &str) -> bool {
    let mut node = Some(target);
    while let Some(n) = node {
        if n.kind() == "index_expression" {
            let own = n.child_by_field_name("index").is_some_and(|index| {
                let idents: Vec<Node> = descendants(index)
                    .into_iter()
                    .filter(|i| i.kind() == "identifier")
                    .collect();
                !idents.is_empty()
                    && idents.iter().all(|i| {
                        resolve(*i, source).is_some_and(|b| {
                            contains(closure, b.name) || per_iteration(&b, closure, loopvars)
                        })
                    })
            });
            if own {
                return true;
            }
        }
        node = match n.kind() {
            "parenthesized_expression" => n.named_child(0),
            _ => n.child_by_field_name("operand"),
        };
    }
    false
}

/// The variable at the root of `a.b[c].d` or `*p`.
fn root_identifier(mut node: Node) -> Option<Node> {
    loop {
        node = match node.kind() {
            "identifier" => return Some(node),
            "selector_expression" | "index_expression" | "slice_expression" => {
                node.child_by_field_name("operand")?
            }
            "unary_expression" => node.child_by_field_name("operand")?,
            "parenthesized_expression" => node.named_child(0)?,
            _ => return None,
        };
    }
}

/// The statement whose `=` can become `:=`: the first write, a plain
/// assignment, with every later use inside the scope `:=` would open.
pub(super) fn short_store<'t>(var: &SharedVar<'t>, source: &str) -> Option<Node<'t>> {
    let first = var.refs.first()?;
    let store = first
        .store
        .filter(|s| first.kind == RefKind::Write && s.kind() == "assignment_statement")?;
    let scope = short_scope(store)?;
    let inside = var.refs.iter().all(|r| {
        r.ident.start_byte() >= store.start_byte() && r.ident.end_byte() <= scope.end_byte()
    });
    let redeclared_later = scope.kind() == "statement_list"
        && declares_later(scope, store.end_byte(), &var.name, source);
    (inside && !redeclared_later).then_some(store)
}

/// Where a `:=` in `store` would declare: its statement list, or the
/// `if`/`switch` whose initialiser it is.
fn short_scope(store: Node) -> Option<Node> {
    let parent = store.parent()?;
    match parent.kind() {
        "statement_list" => Some(parent),
        "if_statement" | "expression_switch_statement" | "type_switch_statement" => parent
            .child_by_field_name("initializer")
            .filter(|i| i.id() == store.id())
            .map(|_| parent),
        _ => None,
    }
}

/// Would a `:=` in `list` after `from` that names `name` have no new
/// variable left once `name` is declared before it (`no new variables`)?
fn declares_later(list: Node, from: usize, name: &str, source: &str) -> bool {
    named_children(list)
        .into_iter()
        .filter(|s| s.start_byte() >= from && s.kind() == "short_var_declaration")
        .any(|stmt| {
            let names: Vec<&str> = stmt
                .child_by_field_name("left")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .map(|n| text(n, source))
                .collect();
            names.contains(&name)
                && names.iter().all(|n| {
                    *n == "_" || *n == name || declared_before(list, stmt.start_byte(), n, source)
                })
        })
}

fn declared_before(list: Node, before: usize, name: &str, source: &str) -> bool {
    named_children(list)
        .into_iter()
        .filter(|s| s.end_byte() <= before)
        .any(|s| declared_by_statement(s, name, source).is_some())
}

pub(super) fn var_verdict<'t>(
    closure: &Closure<'t>,
    var: &SharedVar<'t>,
    source: &str,
) -> Verdict<'t> {
    let Some(binding) = var.binding else {
        return Verdict::Refused("declared in another file: its type cannot be named here".into());
    };
    let Some(ty) = declared_type(&binding, source) else {
        return Verdict::Refused(format!(
            "its type cannot be named from the declaration at line {}",
            line_of(binding.name)
        ));
    };
    if closure.insert_at.is_none() {
        return Verdict::Refused(
            "the closure's first line holds code: no place for a declaration".into(),
        );
    }
    if closure
        .list
        .is_some_and(|l| declares_later(l, closure.region_start, &var.name, source))
    {
        return Verdict::Refused("the closure declares the name again later with :=".into());
    }
    Verdict::Var { ty }
}

/// `a, err = f()` may become `a, err := f()` only if `:=` would not
/// declare a new `a` hiding another variable. Demote to `var` until stable.
/// Demoted too: a `:=` that would give the variable another type than
/// its declaration does (`var n int64; n = 1`).
fn settle_short_forms(
    closure: &mut Closure,
    source: &str,
    is_interface: &dyn Fn(&str) -> Option<bool>,
) {
    loop {
        let demote = (0..closure.vars.len()).find(|&i| match closure.vars[i].verdict {
            Verdict::Short { store } => {
                !left_side_allows_short(closure, store, source)
                    || !short_keeps_type(&closure.vars[i], store, source, is_interface)
            }
            _ => false,
        });
        let Some(i) = demote else { return };
        closure.vars[i].verdict = var_verdict(closure, &closure.vars[i], source);
    }
}

/// The value `store` gives the variable, and whether `:=` would keep the
/// type its declaration gives it.
fn short_keeps_type(
    var: &SharedVar,
    store: Node,
    source: &str,
    is_interface: &dyn Fn(&str) -> Option<bool>,
) -> bool {
    let (Some(left), Some(right)) = (
        store.child_by_field_name("left"),
        store.child_by_field_name("right"),
    ) else {
        return false;
    };
    let targets = named_children(left);
    let values = named_children(right);
    let value = targets
        .iter()
        .position(|t| var.refs.iter().any(|r| r.ident.id() == t.id()))
        .filter(|_| values.len() == targets.len())
        .map_or(ValueType::Unknown, |i| value_type_of(values[i], source));
    let declared = var.binding.and_then(|b| declared_type(&b, source));
    short_declaration_keeps_type(declared.as_deref(), &value, is_interface)
}

fn left_side_allows_short(closure: &Closure, store: Node, source: &str) -> bool {
    let Some(left) = store.child_by_field_name("left") else {
        return false;
    };
    let list = store.parent();
    named_children(left).into_iter().all(|target| {
        if target.kind() != "identifier" {
            return false;
        }
        if text(target, source) == "_" {
            return true;
        }
        let shared = closure
            .vars
            .iter()
            .find(|v| v.refs.iter().any(|r| r.ident.id() == target.id()));
        match shared.map(|v| &v.verdict) {
            Some(Verdict::Blank) => true,
            Some(Verdict::Short { store: s }) => s.id() == store.id(),
            Some(Verdict::Var { .. }) => {
                list.is_some_and(|l| closure.list.is_some_and(|cl| cl.id() == l.id()))
            }
            Some(Verdict::Refused(_) | Verdict::Ordered(_) | Verdict::Quiet) => false,
            None => declared_in_same_list(target, store, source),
        }
    })
}

fn declared_in_same_list(ident: Node, store: Node, source: &str) -> bool {
    let Some(binding) = resolve(ident, source) else {
        return false;
    };
    ancestors(binding.declaration)
        .find(|a| a.kind() == "statement_list")
        .is_some_and(|list| store.parent().is_some_and(|l| l.id() == list.id()))
}
