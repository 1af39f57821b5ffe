//! Control flow of one function body, at statement granularity: which
//! statement can run after which. Enough to ask "can a value written here
//! still be there when that line reads it?" and "has every path from here
//! passed a `wg.Wait()` first?" without judging by source position.
//!
//! A step is a simple statement or the header of a compound one (an `if`
//! condition, a loop's clause, a `case` value). Function literals are not
//! entered: a `go` statement's closure runs elsewhere, a deferred closure
//! runs when the function returns (its body is the exit step), and any
//! other literal counts as run where it is written, which is what a
//! synchronous call or callback would do and errs on the side of a read.

use super::syntax::{named_children, text};
use tree_sitter::Node;

#[derive(Debug, Clone)]
pub struct Step<'t> {
    /// The nodes this step evaluates (their function-literal bodies aside,
    /// see [`Flow::idents`]).
    pub atoms: Vec<Node<'t>>,
    /// A `return` statement: named results are written (`return x`) or
    /// read (a bare `return`) here.
    pub is_return: bool,
    /// The normal end of a `range` loop (its clause): over a channel, the
    /// channel was closed. A `break` leaves without passing it.
    pub range_done: Option<Node<'t>>,
}

pub struct Flow<'t> {
    /// The function body the flow is of.
    pub body: Node<'t>,
    pub steps: Vec<Step<'t>>,
    succ: Vec<Vec<usize>>,
    pred: Vec<Vec<usize>>,
    pub entry: usize,
    /// The function's end: deferred closures' bodies are its atoms.
    pub exit: usize,
}

struct Jump {
    label: Option<String>,
    break_to: Vec<usize>,
    /// Where `continue` goes; `None` for switch and select.
    continue_to: Option<usize>,
    is_loop: bool,
}

struct Builder<'t, 's> {
    source: &'s str,
    steps: Vec<Step<'t>>,
    edges: Vec<(usize, usize)>,
    jumps: Vec<Jump>,
    labels: Vec<(String, usize)>,
    gotos: Vec<(usize, String)>,
    /// `fallthrough` steps waiting for the next case's first step.
    fallthrough: Vec<usize>,
    exit: usize,
    pending_label: Option<String>,
}

impl<'t> Flow<'t> {
    /// The flow of `body` (a function's or function literal's block).
    pub fn of(body: Node<'t>, source: &str) -> Flow<'t> {
        let mut b = Builder {
            source,
            steps: Vec::new(),
            edges: Vec::new(),
            jumps: Vec::new(),
            labels: Vec::new(),
            gotos: Vec::new(),
            fallthrough: Vec::new(),
            exit: 0,
            pending_label: None,
        };
        let entry = b.step(Vec::new(), &[]);
        b.exit = b.step(deferred_bodies(body), &[]);
        let ends = b.block(body, vec![entry]);
        let exit = b.exit;
        for end in ends {
            b.edges.push((end, exit));
        }
        for (from, label) in std::mem::take(&mut b.gotos) {
            // An unknown label cannot be: Go rejects it. Be conservative anyway.
            let to = b
                .labels
                .iter()
                .find(|(l, _)| *l == label)
                .map_or(exit, |(_, s)| *s);
            b.edges.push((from, to));
        }
        let n = b.steps.len();
        let mut succ = vec![Vec::new(); n];
        let mut pred = vec![Vec::new(); n];
        for (from, to) in b.edges {
            if !succ[from].contains(&to) {
                succ[from].push(to);
                pred[to].push(from);
            }
        }
        Flow {
            body,
            steps: b.steps,
            succ,
            pred,
            entry,
            exit,
        }
    }

    /// The step whose atoms contain `node`, the innermost (latest) one.
    pub fn step_of(&self, node: Node) -> Option<usize> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.atoms.iter().any(|a| super::syntax::contains(*a, node)))
            .max_by_key(|(_, s)| {
                s.atoms
                    .iter()
                    .find(|a| super::syntax::contains(**a, node))
                    .map_or(0, |a| a.start_byte())
            })
            .map(|(i, _)| i)
    }

    /// Identifiers a step evaluates: bodies of closures started with `go`
    /// or deferred are left out (they run elsewhere or at the exit).
    pub fn idents(&self, step: usize) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        for atom in &self.steps[step].atoms {
            collect_idents(*atom, step == self.exit, &mut out);
        }
        out
    }

    /// Steps that can run after `from` (excluded) before any step for which
    /// `kills` holds is passed; a killing step itself is reached but not
    /// passed. `reached[s]` says the fact reaches the start of `s`.
    pub fn reaching(&self, from: usize, kills: &dyn Fn(usize) -> bool) -> Vec<bool> {
        let mut reached = vec![false; self.steps.len()];
        let mut work: Vec<usize> = self.succ[from].clone();
        while let Some(s) = work.pop() {
            if reached[s] {
                continue;
            }
            reached[s] = true;
            if !kills(s) {
                work.extend(self.succ[s].iter().copied());
            }
        }
        reached
    }

    /// For each step, whether every path from `from` to its start passes a
    /// step for which `gen` holds (after `from` itself).
    pub fn always_passed(&self, from: usize, gen: &dyn Fn(usize) -> bool) -> Vec<bool> {
        let n = self.steps.len();
        let live = self.reaching(from, &|_| false);
        // Optimistic start, lowered to a fixed point (a must-analysis).
        let mut into = vec![true; n];
        let out = |s: usize, into: &[bool]| s != from && (into[s] || gen(s));
        let mut changed = true;
        while changed {
            changed = false;
            for s in 0..n {
                if !live[s] {
                    continue;
                }
                let v = self.pred[s]
                    .iter()
                    .filter(|p| **p == from || live[**p])
                    .all(|p| out(*p, &into));
                if v != into[s] {
                    into[s] = v;
                    changed = true;
                }
            }
        }
        into
    }

    /// Whether `step` can run again after itself: it is inside a loop.
    pub fn repeats(&self, step: usize) -> bool {
        self.reaching(step, &|_| false)[step]
    }
}

/// A call after which the goroutine does not go on: `panic`, `os.Exit`,
/// `log.Fatal…`, `runtime.Goexit`, and a test's `Fatal…`, `FailNow`,
/// `Skip…`.
fn terminates(stmt: Node, source: &str) -> bool {
    let Some(function) = stmt
        .named_child(0)
        .filter(|c| c.kind() == "call_expression")
        .and_then(|c| c.child_by_field_name("function"))
    else {
        return false;
    };
    match function.kind() {
        "identifier" => text(function, source) == "panic",
        "selector_expression" => {
            let operand = function
                .child_by_field_name("operand")
                .map_or("", |o| text(o, source));
            let field = function
                .child_by_field_name("field")
                .map_or("", |f| text(f, source));
            matches!(
                (operand, field),
                ("os", "Exit") | ("runtime", "Goexit") | ("log", "Fatal" | "Fatalf" | "Fatalln")
            ) || matches!(
                field,
                "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
            )
        }
        _ => false,
    }
}

fn collect_idents<'t>(node: Node<'t>, at_exit: bool, out: &mut Vec<Node<'t>>) {
    if node.kind() == "identifier" {
        out.push(node);
        return;
    }
    if !at_exit && node.kind() == "func_literal" && runs_elsewhere(node) {
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect_idents(child, at_exit, out);
    }
}

/// A function literal called by a `go` or `defer` statement.
fn runs_elsewhere(literal: Node) -> bool {
    let call = literal
        .parent()
        .filter(|c| c.kind() == "call_expression")
        .filter(|c| {
            c.child_by_field_name("function")
                .is_some_and(|f| f.id() == literal.id())
        });
    call.and_then(|c| c.parent())
        .is_some_and(|s| matches!(s.kind(), "go_statement" | "defer_statement"))
}

/// Bodies of closures deferred anywhere in `body` (not in nested literals).
fn deferred_bodies(body: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "func_literal" {
            if let Some(call) = node.parent() {
                let deferred = call.parent().is_some_and(|s| s.kind() == "defer_statement");
                if deferred {
                    out.extend(node.child_by_field_name("body"));
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}

impl<'t> Builder<'t, '_> {
    fn step(&mut self, atoms: Vec<Node<'t>>, preds: &[usize]) -> usize {
        let id = self.steps.len();
        self.steps.push(Step {
            atoms,
            is_return: false,
            range_done: None,
        });
        for p in preds {
            self.edges.push((*p, id));
        }
        id
    }

    fn block(&mut self, block: Node<'t>, ends: Vec<usize>) -> Vec<usize> {
        match named_children(block)
            .into_iter()
            .find(|c| c.kind() == "statement_list")
        {
            Some(list) => self.list(list, ends),
            None => ends,
        }
    }

    fn list(&mut self, list: Node<'t>, mut ends: Vec<usize>) -> Vec<usize> {
        for stmt in named_children(list) {
            if stmt.kind() == "comment" {
                continue;
            }
            ends = self.statement(stmt, ends);
        }
        ends
    }

    fn simple(&mut self, node: Option<Node<'t>>, ends: Vec<usize>) -> Vec<usize> {
        match node {
            Some(n) => vec![self.step(vec![n], &ends)],
            None => ends,
        }
    }

    fn statement(&mut self, stmt: Node<'t>, ends: Vec<usize>) -> Vec<usize> {
        let label = self.pending_label.take();
        match stmt.kind() {
            "block" => self.block(stmt, ends),
            "statement_list" => self.list(stmt, ends),
            "labeled_statement" => self.labeled(stmt, ends),
            "if_statement" => self.if_statement(stmt, ends),
            "for_statement" => self.for_statement(stmt, ends, label),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.switch(stmt, ends, label)
            }
            "return_statement" => {
                let s = self.step(vec![stmt], &ends);
                self.steps[s].is_return = true;
                self.edges.push((s, self.exit));
                Vec::new()
            }
            "break_statement" | "continue_statement" => {
                let s = self.step(Vec::new(), &ends);
                let wanted = named_children(stmt)
                    .into_iter()
                    .find(|c| c.kind() == "label_name")
                    .map(|l| text(l, self.source).to_string());
                let is_break = stmt.kind() == "break_statement";
                let target = self.jumps.iter_mut().rev().find(|j| match &wanted {
                    Some(l) => j.label.as_deref() == Some(l),
                    None => is_break || j.is_loop,
                });
                match target {
                    Some(j) if is_break => j.break_to.push(s),
                    Some(j) => {
                        if let Some(c) = j.continue_to {
                            self.edges.push((s, c));
                        }
                    }
                    None => self.edges.push((s, self.exit)),
                }
                Vec::new()
            }
            "goto_statement" => {
                let s = self.step(Vec::new(), &ends);
                if let Some(l) = named_children(stmt)
                    .into_iter()
                    .find(|c| c.kind() == "label_name")
                {
                    self.gotos.push((s, text(l, self.source).to_string()));
                }
                Vec::new()
            }
            "fallthrough_statement" => {
                let s = self.step(Vec::new(), &ends);
                self.fallthrough.push(s);
                Vec::new()
            }
            "empty_statement" => ends,
            // The path ends: what deferred functions read on the way out of
            // a panic or a failed test is not a value the code means to pass.
            "expression_statement" if terminates(stmt, self.source) => {
                self.step(vec![stmt], &ends);
                Vec::new()
            }
            _ => vec![self.step(vec![stmt], &ends)],
        }
    }

    fn labeled(&mut self, stmt: Node<'t>, ends: Vec<usize>) -> Vec<usize> {
        let name = stmt
            .child_by_field_name("label")
            .map(|l| text(l, self.source).to_string())
            .unwrap_or_default();
        // The label's own step is where a `goto` lands.
        let here = self.step(Vec::new(), &ends);
        self.labels.push((name.clone(), here));
        let inner = named_children(stmt)
            .into_iter()
            .find(|c| c.kind() != "label_name");
        match inner {
            Some(inner) => {
                self.pending_label = Some(name);
                let out = self.statement(inner, vec![here]);
                self.pending_label = None;
                out
            }
            None => vec![here],
        }
    }

    fn if_statement(&mut self, stmt: Node<'t>, ends: Vec<usize>) -> Vec<usize> {
        let ends = self.simple(stmt.child_by_field_name("initializer"), ends);
        let cond = self.simple(stmt.child_by_field_name("condition"), ends);
        let mut out = match stmt.child_by_field_name("consequence") {
            Some(c) => self.block(c, cond.clone()),
            None => cond.clone(),
        };
        match stmt.child_by_field_name("alternative") {
            Some(alt) => out.extend(self.statement(alt, cond)),
            None => out.extend(cond),
        }
        out
    }

    fn for_statement(
        &mut self,
        stmt: Node<'t>,
        ends: Vec<usize>,
        label: Option<String>,
    ) -> Vec<usize> {
        let clause = named_children(stmt)
            .into_iter()
            .find(|c| c.kind() != "block" && c.kind() != "comment");
        let (init, header_atoms, update) = match clause {
            Some(c) if c.kind() == "for_clause" => (
                c.child_by_field_name("initializer"),
                c.child_by_field_name("condition").into_iter().collect(),
                c.child_by_field_name("update"),
            ),
            Some(c) => (None, vec![c], None),
            None => (None, Vec::new(), None),
        };
        let ends = self.simple(init, ends);
        let header = self.step(header_atoms, &ends);
        let update_step = update.map(|u| self.step(vec![u], &[]));
        let continue_to = update_step.unwrap_or(header);
        if let Some(u) = update_step {
            self.edges.push((u, header));
        }
        self.jumps.push(Jump {
            label,
            break_to: Vec::new(),
            continue_to: Some(continue_to),
            is_loop: true,
        });
        let body_ends = match stmt.child_by_field_name("body") {
            Some(body) => self.block(body, vec![header]),
            None => vec![header],
        };
        for e in body_ends {
            self.edges.push((e, continue_to));
        }
        let jump = self.jumps.pop().expect("pushed above");
        // A loop with a condition or a range ends; `for {}` only by break.
        let mut out = jump.break_to;
        match clause {
            Some(c) if c.kind() == "range_clause" => {
                let done = self.step(Vec::new(), &[header]);
                self.steps[done].range_done = Some(c);
                out.push(done);
            }
            Some(_) => out.push(header),
            None => {}
        }
        out
    }

    fn switch(&mut self, stmt: Node<'t>, ends: Vec<usize>, label: Option<String>) -> Vec<usize> {
        let ends = self.simple(stmt.child_by_field_name("initializer"), ends);
        let header_atoms: Vec<Node> = ["value", "alias"]
            .iter()
            .filter_map(|f| stmt.child_by_field_name(f))
            .collect();
        let header = self.step(header_atoms, &ends);
        self.jumps.push(Jump {
            label,
            break_to: Vec::new(),
            continue_to: None,
            is_loop: false,
        });
        let mut out = Vec::new();
        let mut has_default = false;
        let mut open_fallthrough: Vec<usize> = Vec::new();
        for case in named_children(stmt) {
            let case_atoms: Vec<Node> = match case.kind() {
                "expression_case" => case.child_by_field_name("value").into_iter().collect(),
                "type_case" => Vec::new(),
                "communication_case" => case
                    .child_by_field_name("communication")
                    .into_iter()
                    .collect(),
                "default_case" => {
                    has_default = true;
                    Vec::new()
                }
                _ => continue,
            };
            let mut preds = vec![header];
            preds.append(&mut open_fallthrough);
            let start = self.step(case_atoms, &preds);
            let body = named_children(case)
                .into_iter()
                .find(|c| c.kind() == "statement_list");
            let before = self.fallthrough.len();
            let case_ends = match body {
                Some(list) => self.list(list, vec![start]),
                None => vec![start],
            };
            open_fallthrough = self.fallthrough.split_off(before);
            out.extend(case_ends);
        }
        out.extend(open_fallthrough);
        let jump = self.jumps.pop().expect("pushed above");
        out.extend(jump.break_to);
        // Without a default, no case may match (a select always waits for one).
        if !has_default && stmt.kind() != "select_statement" {
            out.push(header);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;
    use crate::go::syntax::descendants;

    fn body_of(tree: &tree_sitter::Tree) -> Node<'_> {
        descendants(tree.root_node())
            .into_iter()
            .find(|n| n.kind() == "function_declaration")
            .and_then(|f| f.child_by_field_name("body"))
            .unwrap()
    }

    /// The step of the first statement whose text starts with `prefix`.
    fn step_at(flow: &Flow, src: &str, prefix: &str) -> usize {
        let at = src.find(prefix).unwrap();
        (0..flow.steps.len())
            .find(|s| flow.steps[*s].atoms.iter().any(|a| a.start_byte() == at))
            .unwrap_or_else(|| panic!("no step at {prefix}"))
    }

    #[test]
    fn a_write_in_between_stops_a_value_from_reaching_a_read() {
        let src = "package x\n\nfunc f() {\n\tgo g()\n\ta = 1\n\tif a != 0 {\n\t\tb()\n\t}\n}\n";
        let tree = parse(src).unwrap();
        let flow = Flow::of(body_of(&tree), src);
        let go = step_at(&flow, src, "go g()");
        let write = step_at(&flow, src, "a = 1");
        let read = step_at(&flow, src, "a != 0");
        let reached = flow.reaching(go, &|s| s == write);
        assert!(reached[write]);
        assert!(!reached[read]);
        assert!(
            !reached[flow.exit],
            "every path to the end passes the write"
        );
    }

    #[test]
    fn loops_reach_their_own_start_and_breaks_leave() {
        let src = "package x\n\nfunc f() {\n\tfor {\n\t\tgo g()\n\t\tif c() {\n\t\t\tbreak\n\t\t}\n\t}\n\tdone()\n}\n";
        let tree = parse(src).unwrap();
        let flow = Flow::of(body_of(&tree), src);
        let go = step_at(&flow, src, "go g()");
        assert!(flow.repeats(go));
        let done = step_at(&flow, src, "done()");
        assert!(flow.reaching(go, &|_| false)[done]);
        let straight = "package x\n\nfunc f() {\n\tgo g()\n\tdone()\n}\n";
        let tree = parse(straight).unwrap();
        let flow = Flow::of(body_of(&tree), straight);
        assert!(!flow.repeats(step_at(&flow, straight, "go g()")));
    }

    #[test]
    fn a_wait_on_every_path_orders_what_follows() {
        let src = "package x\n\nfunc f() {\n\tgo g()\n\tif c() {\n\t\twg.Wait()\n\t\tuse1()\n\t\treturn\n\t}\n\tuse2()\n}\n";
        let tree = parse(src).unwrap();
        let flow = Flow::of(body_of(&tree), src);
        let go = step_at(&flow, src, "go g()");
        let wait = step_at(&flow, src, "wg.Wait()");
        let passed = flow.always_passed(go, &|s| s == wait);
        assert!(passed[step_at(&flow, src, "use1()")]);
        assert!(!passed[step_at(&flow, src, "use2()")]);
        assert!(!passed[flow.exit]);
    }

    #[test]
    fn deferred_closures_run_at_the_exit() {
        let src = "package x\n\nfunc f() {\n\tdefer func() { use(err) }()\n\tgo g()\n}\n";
        let tree = parse(src).unwrap();
        let flow = Flow::of(body_of(&tree), src);
        let names: Vec<&str> = flow
            .idents(flow.exit)
            .into_iter()
            .map(|i| text(i, src))
            .collect();
        assert_eq!(names, ["use", "err"]);
        let defer = step_at(&flow, src, "defer");
        assert!(flow.idents(defer).is_empty());
    }

    #[test]
    fn switch_cases_fall_through_and_goto_jumps_to_its_label() {
        let src = "package x\n\nfunc f() {\n\tswitch v {\n\tcase 1:\n\t\ta()\n\t\tfallthrough\n\tcase 2:\n\t\tb()\n\t}\nagain:\n\tc()\n\tgoto again\n}\n";
        let tree = parse(src).unwrap();
        let flow = Flow::of(body_of(&tree), src);
        let a = step_at(&flow, src, "a()");
        let b = step_at(&flow, src, "b()");
        let c = step_at(&flow, src, "c()");
        assert!(flow.reaching(a, &|_| false)[b]);
        assert!(flow.repeats(c));
    }
}
