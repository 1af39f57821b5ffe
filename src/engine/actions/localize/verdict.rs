//! The verdict on one shared variable of a closure, given what runs at
//! the same time (exposure.rs): not a finding, a note, a refusal with its
//! reason, or how to make it local (`:=`, `var`, `_`).

use super::analysis::{key_of, short_store, var_verdict, Closure, OuterReads, SharedVar, Verdict};
use super::exposure::Exposure;
use crate::go::refs::{RefKind, Reference, References};
use crate::go::scope::{resolve, Binding, BindingKind};
use crate::go::sync::held_lock;
use crate::go::syntax::{
    ancestor_of_kind, contains, descendants, line_of, text, top_level_declaration,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

/// A write nothing else can interleave with: under a held lock, or inside
/// a function given to a `Do` (`sync.Once.Do`, singleflight), which runs it
/// once at a time.
pub(super) fn guarded(write: Node, body: Node, source: &str) -> bool {
    if held_lock(write, body, source).is_some() {
        return true;
    }
    let mut current = write;
    while let Some(literal) = ancestor_of_kind(current, &["func_literal"]) {
        if !contains(body, literal) {
            return false;
        }
        if handed_to_method(literal, source) == Some("Do") {
            return true;
        }
        current = literal;
    }
    false
}

/// The method a function literal is an argument of: `Do` in
/// `once.Do(func(){…})`.
fn handed_to_method<'s>(literal: Node, source: &'s str) -> Option<&'s str> {
    literal
        .parent()
        .filter(|a| a.kind() == "argument_list")
        .and_then(|a| a.parent())
        .filter(|call| call.kind() == "call_expression")
        .and_then(|call| call.child_by_field_name("function"))
        .and_then(|f| f.child_by_field_name("field"))
        .map(|m| text(m, source))
}

pub(super) fn verdict<'t>(
    closure: &Closure<'t>,
    var: &SharedVar<'t>,
    exposure: &Exposure,
    policy: OuterReads,
    late: &LateReads<'_, 't>,
    source: &str,
) -> Verdict<'t> {
    let locked = var
        .refs
        .iter()
        .filter(|r| r.kind != RefKind::Read)
        .all(|r| guarded(r.store.unwrap_or(r.ident), closure.body, source));
    // Guarded here: a race only if the function uses it unguarded meanwhile,
    // and then it is judged like any unguarded write.
    if locked && (exposure.unlocked_use.is_none() || policy == OuterReads::AfterParent) {
        return Verdict::Quiet;
    }
    if let Some(verdict) = flow_verdict(var, exposure, policy, closure.proven) {
        return verdict;
    }
    if let Some(reason) = refusal(closure, var, policy, late, source) {
        return Verdict::Refused(reason);
    }
    if !var.refs.iter().any(|r| r.kind == RefKind::Read) {
        return Verdict::Blank;
    }
    match short_store(var, source) {
        Some(store) => Verdict::Short { store },
        None => var_verdict(closure, var, source),
    }
}

/// What the launching function's flow decides on its own: nothing runs
/// at the same time (quiet), a read that wants the closure's value
/// (refused, or a note when ordered), or nothing yet (`None`: make it local).
fn flow_verdict<'t>(
    var: &SharedVar,
    e: &Exposure,
    policy: OuterReads,
    proven: bool,
) -> Option<Verdict<'t>> {
    let siblings = e.repeats || e.sibling.is_some();
    if policy == OuterReads::AfterParent {
        // The parent reads it after starting the subtest, expecting what it
        // writes; but the parent runs first and never sees it.
        let parent_read = e
            .unordered_read
            .or(e.ordered_read.as_ref().map(|(l, _)| *l));
        // A named result has its own refusal (`visibility_refusal`).
        let result = var.binding.is_some_and(|b| b.kind == BindingKind::Result);
        if let (Some(line), true, false) = (parent_read, siblings || proven, result) {
            return Some(Verdict::Refused(format!(
                "read at line {line} by the parent test, which runs before its parallel \
                 subtests do and never sees what they write: collect their results in \
                 t.Cleanup or a parent subtest that waits for them"
            )));
        }
        return (!siblings && !proven).then_some(Verdict::Quiet);
    }
    if let Some(line) = e.sibling_read {
        return Some(Verdict::Refused(format!(
            "read at line {line} by another closure that runs meanwhile: the value is meant to \
             flow to it; send it on a channel or guard it"
        )));
    }
    if let Some(line) = e.unordered_read {
        let by = if e.read_at_exit {
            " (by `return` or a deferred function)"
        } else {
            ""
        };
        return Some(Verdict::Refused(format!(
            "read at line {line}{by} while the goroutine may still write it: the value is meant \
             to flow out; send it on a channel, use errgroup, or guard it"
        )));
    }
    if let Some((line, by)) = &e.ordered_read {
        let updated = var
            .refs
            .iter()
            .find(|r| r.kind == RefKind::ReadModifyWrite)
            .map(|r| line_of(r.ident));
        return Some(if let (true, Some(at)) = (siblings, updated) {
            Verdict::Refused(format!(
                "every goroutine started here updates it (line {at}) unguarded, and line {line} \
                 reads the total after {by}: use sync/atomic or a mutex"
            ))
        } else if siblings {
            Verdict::Refused(format!(
                "every goroutine started here writes it, and line {line} reads whichever wrote \
                 last (after {by}): give each its own result (a slice, errgroup, or errors.Join \
                 under a mutex)"
            ))
        } else if let Some(w) = e.unordered_write {
            Verdict::Refused(format!(
                "line {line} reads the goroutine's value after {by}, but line {w} writes it while \
                 the goroutine runs"
            ))
        } else {
            Verdict::Ordered(format!(
                "shared on purpose: line {line} reads it after {by}, which orders the write first"
            ))
        });
    }
    if !e.concurrent() && !proven {
        return Some(Verdict::Quiet);
    }
    // Code this file cannot see may read it; nothing here does.
    matches!(
        var.binding.map(|b| b.kind),
        None | Some(BindingKind::Package)
    )
    .then(|| Verdict::Refused(visibility_refusal(var, policy).unwrap_or_default()))
}

fn refusal<'t>(
    closure: &Closure<'t>,
    var: &SharedVar<'t>,
    policy: OuterReads,
    late: &LateReads<'_, 't>,
    source: &str,
) -> Option<String> {
    if let Some(reason) = visibility_refusal(var, policy) {
        return Some(reason);
    }
    if let Some(r) = var
        .refs
        .iter()
        .find(|r| is_read_modify_write(r, var, source))
    {
        return Some(format!(
            "read-modify-write at line {}: the new value depends on the shared one",
            line_of(r.ident)
        ));
    }
    let first = var.refs.first()?;
    if first.kind == RefKind::Read {
        return Some(format!(
            "read at line {} before it is written here: the value comes from outside",
            line_of(first.ident)
        ));
    }
    match policy {
        OuterReads::AfterParent => outer_read(closure, var, late, source),
        // The flow has judged the goroutine's outer reads already.
        OuterReads::AfterClosure => None,
    }
}

/// Variables whose readers this file cannot see. For parallel subtests, a
/// named result too: the parent has returned before they run.
fn visibility_refusal(var: &SharedVar, policy: OuterReads) -> Option<String> {
    let reason = match (var.binding.map(|b| b.kind), policy) {
        (None, _) => "declared in another file of the package: code elsewhere may read it",
        (Some(BindingKind::Package), _) => "a package-level variable: code elsewhere may read it",
        (Some(BindingKind::Result), OuterReads::AfterParent) => {
            "a named result of the enclosing function, which returns before parallel subtests run: \
             what they write is lost; report it through t instead"
        }
        _ => return None,
    };
    Some(reason.to_string())
}

/// A read after the parent test returns (or in its `Cleanup`), which
/// parallel subtests run before: it may want the value they write.
fn outer_read<'t>(
    closure: &Closure<'t>,
    var: &SharedVar<'t>,
    late: &LateReads<'_, 't>,
    source: &str,
) -> Option<String> {
    let binding = var.binding?;
    let parent = ancestor_of_kind(
        closure.node,
        &["func_literal", "function_declaration", "method_declaration"],
    )?;
    let found = late
        .of(&binding, parent, source)
        .iter()
        .copied()
        .find(|read| !contains(closure.node, *read))?;
    Some(format!(
        "read at line {} after the subtests finish: the value is meant to flow out; \
         guard it with a mutex or use sync/atomic",
        line_of(found)
    ))
}

/// The reads of a variable after its parent function returns or in its
/// `Cleanup`, per variable and parent: the same for every sibling subtest,
/// so found once rather than once for each of them.
pub(super) struct LateReads<'a, 't> {
    references: &'a References<'t>,
    found: RefCell<HashMap<(usize, usize), Reads<'t>>>,
}

type Reads<'t> = Rc<Vec<Node<'t>>>;

impl<'a, 't> LateReads<'a, 't> {
    pub(super) fn new(references: &'a References<'t>) -> Self {
        LateReads {
            references,
            found: RefCell::default(),
        }
    }

    fn of(&self, binding: &Binding<'t>, parent: Node<'t>, source: &str) -> Reads<'t> {
        let key = (binding.name.id(), parent.id());
        if let Some(found) = self.found.borrow().get(&key) {
            return found.clone();
        }
        let area = top_level_declaration(parent);
        let reads: Vec<Node<'t>> = self
            .references
            .of(binding, area, source)
            .iter()
            .filter(|r| r.kind != RefKind::Write)
            .map(|r| r.ident)
            .filter(|read| {
                (!contains(parent, *read) && read.start_byte() > parent.end_byte())
                    || in_cleanup(*read, source)
            })
            .collect();
        let reads = Rc::new(reads);
        self.found.borrow_mut().insert(key, reads.clone());
        reads
    }
}

/// Inside a function passed to `….Cleanup(…)`, which runs after subtests.
fn in_cleanup(node: Node, source: &str) -> bool {
    let mut current = node;
    while let Some(func) = ancestor_of_kind(current, &["func_literal"]) {
        if handed_to_method(func, source) == Some("Cleanup") {
            return true;
        }
        current = func;
    }
    false
}

fn is_read_modify_write(r: &Reference, var: &SharedVar, source: &str) -> bool {
    match (r.kind, r.store) {
        (RefKind::ReadModifyWrite, _) => true,
        (RefKind::Write, Some(store)) => right_side_mentions(store, var, source),
        _ => false,
    }
}

fn right_side_mentions(store: Node, var: &SharedVar, source: &str) -> bool {
    let Some(right) = store.child_by_field_name("right") else {
        return false;
    };
    descendants(right)
        .into_iter()
        .filter(|n| n.kind() == "identifier" && text(*n, source) == var.name)
        .any(|n| key_of(n, resolve(n, source).as_ref(), source) == var.key)
}
