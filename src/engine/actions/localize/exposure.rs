//! Whether anything can run at the same time as a closure's write to an
//! outer variable, judged by the launching function's control flow rather
//! than by position: other runs of the same closure (it is started in a
//! loop, or more than once), sibling closures that use the variable, and
//! the launching function's own uses after the launch. A read there
//! matters only if no outer write stands between the launch and it, and
//! it is ordered after the closure when every path to it passes a wait
//! the closure signals (`wg.Wait()`, a receive from a channel it sends on
//! or closes, the group's `Wait` for `g.Go`).

use crate::go::flow::Flow;
use crate::go::refs::{classify, RefKind};
use crate::go::scope::{resolve, Binding, BindingKind};
use crate::go::sync::{gates, releases, Signals};
use crate::go::syntax::{contains, line_of, text};
use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use tree_sitter::Node;

/// How a closure is started.
#[derive(Debug, Clone)]
pub struct Launch<'t> {
    /// The `go` statement or the call that starts the closure.
    pub at: Node<'t>,
    /// The receiver of a launching method (`g` in `g.Go(func…)`): its
    /// `Wait` waits for the closure.
    pub group: Option<String>,
}

/// What can observe or race with the closure's writes of one variable.
#[derive(Debug, Default, Clone)]
pub struct Exposure {
    /// The closure can run more than once at a time.
    pub repeats: bool,
    /// Line of a use in another closure that runs at the same time.
    pub sibling: Option<usize>,
    /// Line where such a closure reads it before writing it (or never writes).
    pub sibling_read: Option<usize>,
    /// Line of an outer read that may see the closure's value, unordered.
    pub unordered_read: Option<usize>,
    /// The same, ordered after the closure: (line, by what).
    pub ordered_read: Option<(usize, String)>,
    /// Line of an outer write while the closure may run.
    pub unordered_write: Option<usize>,
    /// Line of such an unordered read or write made without holding a lock.
    pub unlocked_use: Option<usize>,
    /// A read in a deferred function or a bare `return` is among the reads.
    pub read_at_exit: bool,
}

impl Exposure {
    /// Anything at all runs at the same time as the write.
    pub fn concurrent(&self) -> bool {
        self.repeats
            || self.sibling.is_some()
            || self.unordered_read.is_some()
            || self.unordered_write.is_some()
    }
}

/// One use of the variable outside the closures, at a flow step.
struct Use<'t> {
    step: usize,
    node: Node<'t>,
    reads: bool,
    /// A plain store: what follows it no longer sees the closure's value.
    kills: bool,
}

/// The variable a function literal is declared into (`f := func(){…}`).
fn held_by(literal: Node) -> Option<Node> {
    let values = literal.parent().filter(|p| p.kind() == "expression_list")?;
    let decl = values
        .parent()
        .filter(|d| matches!(d.kind(), "short_var_declaration" | "assignment_statement"))?;
    let position = crate::go::syntax::named_children(values)
        .iter()
        .position(|v| v.id() == literal.id())?;
    let names = decl.child_by_field_name("left")?;
    crate::go::syntax::named_children(names)
        .into_iter()
        .nth(position)
        .filter(|n| n.kind() == "identifier")
}

/// One start of a closure: the step, the steps that can run after it, and
/// those every path to which has waited for the closure.
struct Run {
    start: usize,
    reach: Vec<bool>,
    ordered: Vec<bool>,
}

/// The launching function's flow and the closures it starts.
///
/// A function with N closures asks the same questions N times over (the
/// uses of a variable, where each closure starts, the goroutines that relay
/// a wait): each is answered once and kept, so judging the function costs
/// time in proportion to N, not N squared or cubed.
pub struct Launcher<'a, 't> {
    pub flow: &'a Flow<'t>,
    /// Every analysed closure of this function (uses inside them are theirs).
    closures: HashSet<usize>,
    pub source: &'a str,
    uses: RefCell<HashMap<usize, Rc<Vec<Use<'t>>>>>,
    /// Per closure and launch, its runs, as `overlap` compares them.
    runs: RefCell<HashMap<usize, Rc<Vec<Vec<Run>>>>>,
    relays: OnceCell<Vec<Node<'t>>>,
    /// Per set of signals, the wait for them each step holds: sibling
    /// closures mostly signal alike (or not at all).
    waits: RefCell<HashMap<Signals, Rc<Vec<Option<String>>>>>,
}

impl<'a, 't> Launcher<'a, 't> {
    pub fn new(flow: &'a Flow<'t>, closures: &[Node<'t>], source: &'a str) -> Self {
        Launcher {
            flow,
            closures: closures.iter().map(|c| c.id()).collect(),
            source,
            uses: RefCell::default(),
            runs: RefCell::default(),
            relays: OnceCell::new(),
            waits: RefCell::default(),
        }
    }
}

impl<'t> Launcher<'_, 't> {
    /// Uses of `binding` in the function outside every closure.
    fn uses(&self, binding: &Binding<'t>) -> Rc<Vec<Use<'t>>> {
        let key = binding.name.id();
        if let Some(found) = self.uses.borrow().get(&key) {
            return found.clone();
        }
        let found = Rc::new(self.find_uses(binding));
        self.uses.borrow_mut().insert(key, found.clone());
        found
    }

    fn find_uses(&self, binding: &Binding<'t>) -> Vec<Use<'t>> {
        let name = text(binding.name, self.source);
        let mut out = Vec::new();
        for step in 0..self.flow.steps.len() {
            let is_return = self.flow.steps[step].is_return;
            if is_return && binding.kind == BindingKind::Result {
                let atom = self.flow.steps[step].atoms[0];
                let bare = atom.named_child_count() == 0;
                out.push(Use {
                    step,
                    node: atom,
                    reads: bare,
                    kills: !bare,
                });
            }
            for ident in self.flow.idents(step) {
                if text(ident, self.source) != name
                    || ident.id() == binding.name.id()
                    || self.in_closure(ident)
                    || !resolve(ident, self.source).is_some_and(|b| b.same(binding))
                {
                    continue;
                }
                let kind = classify(ident).kind;
                // A function value runs where it is called, perhaps never or
                // later: its writes stop nothing from reaching a read.
                let held = self.held_literal(ident, step);
                for at in self.steps_running(ident, step) {
                    out.push(Use {
                        step: at,
                        node: ident,
                        reads: kind != RefKind::Write,
                        kills: kind == RefKind::Write && held.is_none(),
                    });
                }
            }
        }
        out
    }

    /// The outermost function literal around `node` inside `step`'s atoms
    /// that is not called on the spot (a value: held in a variable or
    /// handed to a call).
    fn held_literal(&self, node: Node<'t>, step: usize) -> Option<Node<'t>> {
        let atom = self.flow.steps[step]
            .atoms
            .iter()
            .find(|a| contains(**a, node))?;
        let mut found = None;
        let mut current = node;
        while let Some(literal) = crate::go::syntax::ancestor_of_kind(current, &["func_literal"]) {
            if !contains(*atom, literal) {
                break;
            }
            let called_here = literal.parent().is_some_and(|p| {
                p.kind() == "call_expression"
                    && p.child_by_field_name("function")
                        .is_some_and(|f| f.id() == literal.id())
            });
            if !called_here {
                found = Some(literal);
            }
            current = literal;
        }
        found
    }

    /// The steps where `node` (found in `step`) runs: there, or, inside a
    /// function literal held by a local variable (`f := func(){…}`), at
    /// every step that names the variable (calls it or hands it on).
    fn steps_running(&self, node: Node<'t>, step: usize) -> Vec<usize> {
        let Some(literal) = self.held_literal(node, step) else {
            return vec![step];
        };
        let Some(name) = held_by(literal) else {
            return vec![step];
        };
        let Some(binding) = resolve(name, self.source) else {
            return vec![step];
        };
        let named = text(name, self.source);
        let sites: Vec<usize> = (0..self.flow.steps.len())
            .filter(|s| {
                self.flow.idents(*s).into_iter().any(|i| {
                    i.id() != name.id()
                        && text(i, self.source) == named
                        && !contains(literal, i)
                        && resolve(i, self.source).is_some_and(|b| b.same(&binding))
                })
            })
            .collect();
        if sites.is_empty() {
            vec![step]
        } else {
            sites
        }
    }

    /// The launch steps of `launch`: where it stands, or where the function
    /// value holding it is called.
    fn launch_steps(&self, launch: &Launch<'t>) -> Vec<usize> {
        match self.flow.step_of(launch.at) {
            Some(step) => self.steps_running(launch.at, step),
            None => Vec::new(),
        }
    }

    /// Inside one of the analysed closures this function starts (not one
    /// that encloses the function itself): a use that is theirs.
    fn in_closure(&self, node: Node) -> bool {
        let mut current = node;
        while let Some(literal) = crate::go::syntax::ancestor_of_kind(current, &["func_literal"]) {
            if self.closures.contains(&literal.id()) && !contains(literal, self.flow.body) {
                return true;
            }
            current = literal;
        }
        false
    }

    /// What the closure signals after `writes`, directly or through a
    /// goroutine of this function that waits for it and signals on.
    fn signals(&self, closure: Node<'t>, writes: &[Node<'t>], launch: &Launch<'t>) -> Signals {
        let relays = self
            .relays
            .get_or_init(|| crate::go::sync::relays(self.flow.body));
        Signals::of(closure, writes, launch.group.as_deref(), self.source)
            .relayed(relays, self.source)
    }

    /// Whether a lock is held where `node` stands in its function.
    fn locked(&self, node: Node<'t>) -> bool {
        crate::go::syntax::ancestor_of_kind(
            node,
            &["func_literal", "function_declaration", "method_declaration"],
        )
        .and_then(|f| f.child_by_field_name("body"))
        .is_some_and(|body| crate::go::sync::held_lock(node, body, self.source).is_some())
    }

    /// Every step that starts one of `launches`, with its launch.
    fn starts<'l>(&self, launches: &'l [Launch<'t>]) -> Vec<(usize, &'l Launch<'t>)> {
        launches
            .iter()
            .flat_map(|l| self.launch_steps(l).into_iter().map(move |s| (s, l)))
            .collect()
    }

    /// The wait each step holds for `signals`, and whether every path from
    /// `start` to a step has passed one (the step is ordered after the
    /// closure).
    fn ordered_after(
        &self,
        start: usize,
        signals: &Signals,
    ) -> (Rc<Vec<Option<String>>>, Vec<bool>) {
        let waits = self.waits(signals);
        let ordered = self.flow.always_passed(start, &|s| waits[s].is_some());
        (waits, ordered)
    }

    /// For each step, the wait for `signals` it holds, if any.
    fn waits(&self, signals: &Signals) -> Rc<Vec<Option<String>>> {
        if let Some(known) = self.waits.borrow().get(signals) {
            return known.clone();
        }
        let waits: Rc<Vec<Option<String>>> = Rc::new(self.find_waits(signals));
        self.waits
            .borrow_mut()
            .insert(signals.clone(), waits.clone());
        waits
    }

    fn find_waits(&self, signals: &Signals) -> Vec<Option<String>> {
        self.flow
            .steps
            .iter()
            .map(|step| {
                if let Some(clause) = step.range_done {
                    return signals.range_end(clause, self.source);
                }
                step.atoms
                    .iter()
                    .filter(|a| a.kind() != "range_clause")
                    .find_map(|a| signals.wait_in(*a, self.source))
            })
            .collect()
    }

    /// The exposure of `binding`, written by `closure` (at `writes`) and
    /// started at `launches`.
    pub fn exposure(
        &self,
        binding: Option<&Binding<'t>>,
        closure: Node<'t>,
        launches: &[Launch<'t>],
        writes: &[Node<'t>],
    ) -> Exposure {
        let mut e = Exposure {
            repeats: launches.len() > 1,
            ..Exposure::default()
        };
        let uses = binding.map(|b| self.uses(b)).unwrap_or_default();
        let uses = uses.as_slice();
        let starts = self.starts(launches);
        e.repeats |= starts.len() > 1;
        // Where the closure may pass its gates: the same for every start.
        let released = self.released(closure, writes);
        for (start, launch) in starts {
            let signals = self.signals(closure, writes, launch);
            let (waits, ordered) = self.ordered_after(start, &signals);
            // Started again in a loop, but only after waiting for the last one:
            // the runs do not overlap.
            e.repeats |= self.flow.repeats(start) && !ordered[start];
            let kills = |s: usize| uses.iter().any(|u| u.step == s && u.kills);
            let seen = self.flow.reaching(start, &kills);
            let after = self.flow.reaching(start, &|_| false);
            for u in uses {
                // Before the function lets the closure past its gate.
                if released.as_ref().is_some_and(|r| !r[u.step]) {
                    continue;
                }
                let line = line_of(u.node);
                if u.reads && seen[u.step] {
                    e.read_at_exit |=
                        u.step == self.flow.exit || u.node.kind() == "return_statement";
                    let by = if ordered[u.step] {
                        Some(self.wait_before(start, u.step, &waits, &after))
                    } else if let Some(wait) = &waits[u.step] {
                        // In the wait's own statement (`return x, g.Wait()`):
                        // Go evaluates the call before the plain operand.
                        Some(wait.clone())
                    } else {
                        self.waited_inside(u.node, u.step, &signals)
                    };
                    match by {
                        Some(by) => {
                            e.ordered_read.get_or_insert((line, by));
                        }
                        None => {
                            e.unordered_read.get_or_insert(line);
                            if !self.locked(u.node) {
                                e.unlocked_use.get_or_insert(line);
                            }
                        }
                    }
                }
                if u.kills && after[u.step] && !ordered[u.step] {
                    e.unordered_write.get_or_insert(line);
                    if !self.locked(u.node) {
                        e.unlocked_use.get_or_insert(line);
                    }
                }
            }
        }
        e
    }

    /// Steps at or after a release of the closure's gates (a send on or
    /// close of a channel it receives from before writing); `None` when it
    /// has no gate this function releases.
    fn released(&self, closure: Node<'t>, writes: &[Node<'t>]) -> Option<Vec<bool>> {
        let gates = gates(closure, writes, self.source);
        if gates.is_empty() {
            return None;
        }
        let releases: Vec<usize> = (0..self.flow.steps.len())
            .filter(|s| {
                self.flow.steps[*s].atoms.iter().any(|a| {
                    let in_closure = |n: Node| self.in_closure(n);
                    releases(*a, &gates, &in_closure, self.source)
                })
            })
            .collect();
        if releases.is_empty() {
            return None;
        }
        let mut out = vec![false; self.flow.steps.len()];
        for r in releases {
            out[r] = true;
            for (s, reached) in self.flow.reaching(r, &|_| false).into_iter().enumerate() {
                out[s] |= reached;
            }
        }
        Some(out)
    }

    /// The wait that orders `step`: one reached from the launch from which
    /// `step` is reached, the latest in the source before it.
    fn wait_before(
        &self,
        start: usize,
        step: usize,
        waits: &[Option<String>],
        after: &[bool],
    ) -> String {
        let at = |s: usize| {
            self.flow.steps[s]
                .atoms
                .first()
                .map_or(usize::MAX, |a| a.start_byte())
        };
        let mut on_path: Vec<(usize, &String)> = waits
            .iter()
            .enumerate()
            .filter_map(|(s, w)| w.as_ref().map(|w| (s, w)))
            .filter(|(s, _)| (after[*s] || *s == start) && self.flow.reaching(*s, &|_| false)[step])
            .collect();
        on_path.sort_by_key(|(s, _)| at(*s));
        let before: Vec<&(usize, &String)> =
            on_path.iter().filter(|(s, _)| at(*s) <= at(step)).collect();
        before
            .last()
            .or(on_path.first().as_ref())
            .map(|(_, w)| (*w).clone())
            .unwrap_or_default()
    }

    /// A read inside a function literal that runs later (a callback the
    /// function returns or hands on) may itself wait first.
    fn waited_inside(&self, read: Node<'t>, step: usize, signals: &Signals) -> Option<String> {
        let atom = self.flow.steps[step]
            .atoms
            .iter()
            .find(|a| contains(**a, read))?;
        let literal = crate::go::syntax::ancestor_of_kind(read, &["func_literal"])
            .filter(|l| contains(*atom, *l))?;
        signals.waited_before(read, literal, self.source)
    }

    /// Whether the launching function, after a launch and not ordered
    /// after the closure, evaluates an expression `same` accepts.
    pub fn uses_unordered(
        &self,
        closure: Node<'t>,
        launches: &[Launch<'t>],
        writes: &[Node<'t>],
        same: &dyn Fn(Node) -> bool,
    ) -> bool {
        let starts = self.starts(launches);
        starts.into_iter().any(|(start, launch)| {
            let signals = self.signals(closure, writes, launch);
            let (_, ordered) = self.ordered_after(start, &signals);
            let after = self.flow.reaching(start, &|_| false);
            (0..self.flow.steps.len()).any(|s| {
                after[s]
                    && !ordered[s]
                    && self.flow.steps[s].atoms.iter().any(|a| {
                        crate::go::syntax::descendants(*a)
                            .into_iter()
                            .any(|n| same(n) && !self.in_closure(n))
                    })
            })
        })
    }

    /// Whether `other` (started at `other_launches`) can run while
    /// `closure` (started at `launches`) does: neither is started only
    /// after a wait for the other.
    pub fn overlap(
        &self,
        closure: Node<'t>,
        launches: &[Launch<'t>],
        other: Node<'t>,
        other_launches: &[Launch<'t>],
    ) -> bool {
        let (mine, theirs) = (
            self.runs(closure, launches),
            self.runs(other, other_launches),
        );
        !(waited(&mine, &theirs) && waited(&theirs, &mine))
    }

    /// Each launch's runs of `closure` (its signals with no writes: every
    /// signal counts).
    fn runs(&self, closure: Node<'t>, launches: &[Launch<'t>]) -> Rc<Vec<Vec<Run>>> {
        if let Some(found) = self.runs.borrow().get(&closure.id()) {
            return found.clone();
        }
        let runs: Vec<Vec<Run>> = launches
            .iter()
            .map(|l| {
                let signals = self.signals(closure, &[], l);
                self.launch_steps(l)
                    .into_iter()
                    .map(|start| Run {
                        start,
                        ordered: self.ordered_after(start, &signals).1,
                        reach: self.flow.reaching(start, &|_| false),
                    })
                    .collect()
            })
            .collect();
        let runs = Rc::new(runs);
        self.runs.borrow_mut().insert(closure.id(), runs.clone());
        runs
    }
}

/// Every run of `first` is ordered before every start of `then`: each
/// start `first` can reach passes a wait for it.
fn waited(first: &[Vec<Run>], then: &[Vec<Run>]) -> bool {
    first.iter().all(|runs| {
        !runs.is_empty()
            && runs.iter().all(|run| {
                then.iter().all(|starts| {
                    !starts.is_empty()
                        && starts
                            .iter()
                            .all(|s| !run.reach[s.start] || run.ordered[s.start])
                })
            })
    })
}
