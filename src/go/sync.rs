//! Synchronisation the code shows: what a concurrent closure signals when
//! it is done (`wg.Done()`, a send on or `close` of a channel, the group
//! that started it), and where the launching function waits for that
//! signal (`wg.Wait()`, a receive from that channel, the end of a `range`
//! over a channel it closes). A read after such a wait is ordered after
//! the closure's writes.

use super::flow::Flow;
use super::scope::function_literal_of;
use super::syntax::{ancestors, contains, descendants, line_of, text, walk_outside_literals};
use tree_sitter::Node;

/// What a closure does, after its writes, that another goroutine can wait for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Signals {
    /// Receivers of `X.Done()` (and the group whose `Go` started it).
    pub groups: Vec<String>,
    /// Channels a single receive from waits for the writes: every send on
    /// them (or their close) comes after the writes.
    pub received: Vec<String>,
    /// Channels closed after the writes: the end of a `range` over them
    /// waits for the writes.
    pub closed: Vec<String>,
}

impl Signals {
    /// The signals of `closure` that no write in `writes` can follow
    /// (deferred ones run last); `group` is the receiver of the call that
    /// started it (`g` in `g.Go(func…)`), which waits for it whole. With no
    /// writes, every signal counts.
    ///
    /// Once no write can follow any `wg.Done()`, a `wg.Wait()` that returns
    /// saw them all; once none can follow any send on (or close of) a
    /// channel, a receive that got something saw them all.
    pub fn of(closure: Node, writes: &[Node], group: Option<&str>, source: &str) -> Signals {
        let mut signals = Signals::default();
        if let Some(g) = group {
            signals.groups.push(g.to_string());
        }
        let Some(body) = closure.child_by_field_name("body") else {
            return signals;
        };
        let ops = signal_ops(body, source);
        if ops.is_empty() {
            return signals;
        }
        let flow = Flow::of(body, source);
        let write_steps: Vec<usize> = writes.iter().filter_map(|w| flow.step_of(*w)).collect();
        let write_follows = |node: Node| {
            !in_defer(node, body)
                && flow.step_of(node).is_none_or(|s| {
                    let reach = flow.reaching(s, &|_| false);
                    write_steps.iter().any(|w| reach[*w])
                })
        };
        let key = |op: &Op| match op {
            Op::Done(g) => g.clone(),
            Op::Send(ch) | Op::Close(ch) => ch.clone(),
        };
        // No write can follow any op of this name among those `which` picks.
        let late = |name: &str, which: &dyn Fn(&Op) -> bool| {
            ops.iter()
                .filter(|(op, _)| key(op) == name && which(op))
                .all(|(_, node)| !write_follows(*node))
        };
        let is_done = |op: &Op| matches!(op, Op::Done(_));
        let is_channel = |op: &Op| !matches!(op, Op::Done(_));
        // A range ends only when the channel is closed: sends do not matter.
        let is_close = |op: &Op| matches!(op, Op::Close(_));
        for (op, _) in &ops {
            let name = key(op);
            let (list, ok) = match op {
                Op::Done(_) => (&mut signals.groups, late(&name, &is_done)),
                Op::Send(_) | Op::Close(_) => (&mut signals.received, late(&name, &is_channel)),
            };
            if ok && !list.contains(&name) {
                list.push(name.clone());
            }
            if is_close(op) && late(&name, &is_close) && !signals.closed.contains(&name) {
                signals.closed.push(name);
            }
        }
        signals
    }

    /// These signals, and those of `relays` (see [`relays`]) that wait for
    /// them and then signal in turn (`go func() { wg.Wait(); close(done) }()`):
    /// a receive from `done` waits for the closure too.
    pub fn relayed(mut self, relays: &[Node], source: &str) -> Signals {
        if self.is_empty() {
            return self;
        }
        for relay in relays {
            let Some(list) = relay
                .child_by_field_name("body")
                .and_then(|b| b.named_child(0))
                .filter(|l| l.kind() == "statement_list")
            else {
                continue;
            };
            let mut cursor = list.walk();
            let statements: Vec<Node> = list.named_children(&mut cursor).collect();
            let Some(waited) = statements
                .iter()
                .position(|st| self.wait_in(*st, source).is_some())
            else {
                continue;
            };
            for (op, _) in statements[waited + 1..]
                .iter()
                .flat_map(|st| signal_ops(*st, source))
            {
                match op {
                    Op::Close(ch) => {
                        push_new(&mut self.closed, &ch);
                        push_new(&mut self.received, &ch);
                    }
                    Op::Send(ch) => push_new(&mut self.received, &ch),
                    Op::Done(g) => push_new(&mut self.groups, &g),
                }
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.received.is_empty() && self.closed.is_empty()
    }

    /// The wait for one of these signals inside `node` (not inside a
    /// nested closure), described for a message: `wg.Wait() at line 12`.
    pub fn wait_in(&self, node: Node, source: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut found = None;
        walk_outside_literals(node, &mut |n| {
            if found.is_none() {
                found = self.waits(n, source);
            }
        });
        found
    }

    /// The end of `range` over a channel (a loop's normal exit) that these
    /// signals close.
    pub fn range_end(&self, clause: Node, source: &str) -> Option<String> {
        let channel = clause.child_by_field_name("right")?;
        let name = text(channel, source);
        self.closed.iter().any(|c| c == name).then(|| {
            format!(
                "the end of the range over {name} at line {}",
                line_of(clause)
            )
        })
    }

    /// Whether a wait for these signals comes before `node` in the
    /// statements around it, up to `within`: a read inside a callback that
    /// first receives from the closure's channel.
    pub fn waited_before(&self, node: Node, within: Node, source: &str) -> Option<String> {
        let mut child = node;
        for parent in ancestors(node) {
            if parent.kind() == "statement_list" {
                let mut cursor = parent.walk();
                let earlier: Vec<Node> = parent
                    .named_children(&mut cursor)
                    .take_while(|s| s.start_byte() < child.start_byte())
                    .collect();
                if let Some(found) = earlier.iter().find_map(|s| self.wait_in(*s, source)) {
                    return Some(found);
                }
            }
            if parent.id() == within.id() {
                break;
            }
            child = parent;
        }
        None
    }

    fn waits(&self, node: Node, source: &str) -> Option<String> {
        let channel = match node.kind() {
            "call_expression" => {
                return match call_shape(node, source) {
                    Some(Call::Method(recv, "Wait")) if self.groups.iter().any(|g| g == recv) => {
                        Some(format!("{recv}.Wait() at line {}", line_of(node)))
                    }
                    _ => None,
                };
            }
            "unary_expression" => node
                .child_by_field_name("operator")
                .filter(|op| op.kind() == "<-")
                .and(node.child_by_field_name("operand")),
            _ => None,
        }?;
        let name = text(channel, source);
        self.received
            .iter()
            .any(|c| c == name)
            .then(|| format!("a receive from {name} at line {}", line_of(node)))
    }
}

/// The goroutines of `function` that may relay a closure's signals: the
/// function literals a `go` statement runs.
pub fn relays(function: Node) -> Vec<Node> {
    descendants(function)
        .into_iter()
        .filter(|n| {
            n.kind() == "func_literal"
                && n.parent()
                    .and_then(|call| call.parent())
                    .is_some_and(|g| g.kind() == "go_statement")
        })
        .collect()
}

/// Channels `closure` receives from on every path before each of
/// `writes` (`<-start`, `v := <-ready`): until someone sends on or closes
/// one of them, the writes cannot happen.
pub fn gates(closure: Node, writes: &[Node], source: &str) -> Vec<String> {
    let Some(body) = closure.child_by_field_name("body") else {
        return Vec::new();
    };
    // No receive, no gate: the text says so before any flow is built.
    if !text(body, source).contains("<-") {
        return Vec::new();
    }
    let flow = Flow::of(body, source);
    let write_steps: Vec<usize> = writes.iter().filter_map(|w| flow.step_of(*w)).collect();
    if write_steps.is_empty() {
        return Vec::new();
    }
    // The channels each step receives from (as a statement's own receive).
    let received: Vec<Vec<String>> = flow
        .steps
        .iter()
        .map(|step| {
            let mut found = Vec::new();
            let statements = step.atoms.iter().filter(|a| {
                matches!(
                    a.kind(),
                    "expression_statement" | "short_var_declaration" | "assignment_statement"
                )
            });
            for atom in statements {
                walk_outside_literals(*atom, &mut |n| {
                    let receive = n.kind() == "unary_expression"
                        && n.child_by_field_name("operator")
                            .is_some_and(|o| o.kind() == "<-");
                    if let Some(ch) = n.child_by_field_name("operand").filter(|_| receive) {
                        found.push(text(ch, source).to_string());
                    }
                });
            }
            found
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for name in received.iter().flatten() {
        if names.contains(name) {
            continue;
        }
        let passed = flow.always_passed(flow.entry, &|s| received[s].contains(name));
        if write_steps.iter().all(|w| passed[*w]) {
            names.push(name.clone());
        }
    }
    names
}

/// Whether `node` sends on or closes one of `channels` (outside the
/// parts `skip` accepts).
pub fn releases(
    node: Node,
    channels: &[String],
    skip: &dyn Fn(Node) -> bool,
    source: &str,
) -> bool {
    descendants(node).into_iter().filter(|n| !skip(*n)).any(|n| match n.kind() {
        "send_statement" => n
            .child_by_field_name("channel")
            .is_some_and(|ch| channels.iter().any(|c| c == text(ch, source))),
        "call_expression" => {
            matches!(call_shape(n, source), Some(Call::Close(ch)) if channels.iter().any(|c| c == ch))
        }
        _ => false,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Done(String),
    Send(String),
    Close(String),
}

/// Every `X.Done()`, send and `close` in `body`, nested closures aside
/// (deferred ones count: they run when it returns). A call of a local
/// function value (`finish()` where `finish := func(){ wg.Done() }`) counts
/// as the ops in its body, at the call.
fn signal_ops<'t>(body: Node<'t>, source: &str) -> Vec<(Op, Node<'t>)> {
    let mut out = Vec::new();
    collect_ops(body, false, source, &mut out);
    out
}

fn collect_ops<'t>(node: Node<'t>, deferred: bool, source: &str, out: &mut Vec<(Op, Node<'t>)>) {
    match node.kind() {
        "func_literal" if !deferred => return,
        "send_statement" => {
            if let Some(ch) = node.child_by_field_name("channel") {
                out.push((Op::Send(text(ch, source).to_string()), node));
            }
        }
        "call_expression" => match call_shape(node, source) {
            Some(Call::Method(recv, "Done")) => out.push((Op::Done(recv.to_string()), node)),
            Some(Call::Close(ch)) => out.push((Op::Close(ch.to_string()), node)),
            _ => out.extend(called_value_ops(node, source)),
        },
        _ => {}
    }
    let deferred = deferred || node.kind() == "defer_statement";
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect_ops(child, deferred, source, out);
    }
}

fn push_new(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// The ops of the function value a call invokes, placed at the call.
fn called_value_ops<'t>(call: Node<'t>, source: &str) -> Vec<(Op, Node<'t>)> {
    let literal = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "identifier")
        .and_then(|f| function_literal_of(f, source))
        .filter(|l| !contains(*l, call));
    let Some(body) = literal.and_then(|l| l.child_by_field_name("body")) else {
        return Vec::new();
    };
    signal_ops(body, source)
        .into_iter()
        .map(|(op, _)| (op, call))
        .collect()
}

enum Call<'s> {
    Method(&'s str, &'s str),
    Close(&'s str),
}

fn call_shape<'s>(call: Node, source: &'s str) -> Option<Call<'s>> {
    let function = call.child_by_field_name("function")?;
    match function.kind() {
        "selector_expression" => {
            let recv = function.child_by_field_name("operand")?;
            let method = function.child_by_field_name("field")?;
            Some(Call::Method(text(recv, source), text(method, source)))
        }
        "identifier" if text(function, source) == "close" => {
            let args = call.child_by_field_name("arguments")?;
            let first = args.named_child(0)?;
            Some(Call::Close(text(first, source)))
        }
        _ => None,
    }
}

/// Inside a `defer` statement of `closure` (which runs when it returns).
fn in_defer(node: Node, closure: Node) -> bool {
    ancestors(node)
        .find(|a| a.id() == closure.id() || a.kind() == "defer_statement")
        .is_some_and(|a| a.id() != closure.id())
}

/// The mutex held at `stmt`: an earlier `m.Lock()` (or `RLock`) in an
/// enclosing statement list up to `within`, not yet followed by
/// `m.Unlock()`. A deferred unlock keeps it held to the end.
pub fn held_lock(stmt: Node, within: Node, source: &str) -> Option<String> {
    let mut chain: Vec<(Node, Node)> = Vec::new();
    let mut child = stmt;
    for parent in ancestors(stmt) {
        if parent.kind() == "statement_list" {
            chain.push((parent, child));
        }
        if parent.id() == within.id() {
            break;
        }
        child = parent;
    }
    let mut held: Vec<String> = Vec::new();
    for (list, containing) in chain.into_iter().rev() {
        let mut cursor = list.walk();
        for sibling in list.named_children(&mut cursor) {
            if sibling.start_byte() >= containing.start_byte() {
                break;
            }
            let call = Some(sibling)
                .filter(|s| s.kind() == "expression_statement")
                .and_then(|s| s.named_child(0))
                .filter(|c| c.kind() == "call_expression");
            match call.and_then(|c| call_shape(c, source)) {
                Some(Call::Method(recv, "Lock" | "RLock")) => held.push(recv.to_string()),
                Some(Call::Method(recv, "Unlock" | "RUnlock")) => held.retain(|h| h != recv),
                _ => {}
            }
        }
    }
    debug_assert!(contains(within, stmt) || held.is_empty());
    held.pop()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;

    fn first<'t>(tree: &'t tree_sitter::Tree, kind: &str) -> Node<'t> {
        descendants(tree.root_node())
            .into_iter()
            .find(|n| n.kind() == kind)
            .unwrap()
    }

    #[test]
    fn a_closure_signals_done_sends_and_closes_after_its_write() {
        let src = "package x\n\nfunc f() {\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tearly <- 1\n\t\terr = g()\n\t\tres <- err\n\t\tclose(done)\n\t}()\n}\n";
        let tree = parse(src).unwrap();
        let closure = first(&tree, "func_literal");
        let write = descendants(closure)
            .into_iter()
            .find(|n| n.kind() == "assignment_statement")
            .unwrap();
        let s = Signals::of(closure, &[write], None, src);
        assert_eq!(s.groups, ["wg"]);
        assert_eq!(s.closed, ["done"]);
        // `early` is sent on before the write: its receive does not wait.
        assert_eq!(s.received, ["res", "done"]);
    }

    #[test]
    fn a_done_that_no_write_can_follow_counts_wherever_it_stands() {
        // Done in a select case before return, the write in another case
        // of the same loop: no write can follow the Done.
        let src = "package x\n\nfunc f() {\n\tgo func() {\n\t\tfor {\n\t\t\tselect {\n\t\t\tcase <-stop:\n\t\t\t\twg.Done()\n\t\t\t\treturn\n\t\t\tcase <-tick:\n\t\t\t\tn = 1\n\t\t\t}\n\t\t}\n\t}()\n}\n";
        let tree = parse(src).unwrap();
        let closure = first(&tree, "func_literal");
        let write = first(&tree, "assignment_statement");
        assert_eq!(Signals::of(closure, &[write], None, src).groups, ["wg"]);
        // A Done a write can follow does not order it.
        let src = "package x\n\nfunc f() {\n\tgo func() {\n\t\twg.Done()\n\t\tn = 1\n\t}()\n}\n";
        let tree = parse(src).unwrap();
        let closure = first(&tree, "func_literal");
        let write = first(&tree, "assignment_statement");
        assert!(Signals::of(closure, &[write], None, src).groups.is_empty());
    }

    #[test]
    fn a_gate_is_a_receive_on_every_path_before_the_write() {
        let gated = |body: &str| {
            let src =
                format!("package x\n\nfunc f() {{\n\tgo func() {{\n{body}\t\tn = 1\n\t}}()\n}}\n");
            let tree = parse(&src).unwrap();
            let closure = first(&tree, "func_literal");
            let write = descendants(closure)
                .into_iter()
                .find(|n| n.kind() == "assignment_statement")
                .unwrap();
            gates(closure, &[write], &src)
        };
        assert_eq!(gated("\t\t<-start\n"), ["start"]);
        assert_eq!(gated("\t\tv := <-ready\n\t\t_ = v\n"), ["ready"]);
        // A receive in one branch is no gate, and taking the channel's
        // address on the other path is no receive.
        assert!(gated("\t\tif c {\n\t\t\t<-start\n\t\t}\n\t\tuse(&start)\n").is_empty());
    }

    #[test]
    fn waits_are_recognised_by_receiver_and_channel() {
        let src = "package x\n\nfunc f() {\n\twg.Wait()\n\t<-done\n\tfor v := range res {\n\t}\n\tother.Wait()\n}\n";
        let tree = parse(src).unwrap();
        let s = Signals {
            groups: vec!["wg".into()],
            received: vec!["done".into(), "res".into()],
            closed: vec!["res".into()],
        };
        let body = first(&tree, "block");
        let stmts: Vec<Node> = descendants(body)
            .into_iter()
            .filter(|n| n.parent().is_some_and(|p| p.kind() == "statement_list"))
            .collect();
        let found: Vec<Option<String>> = stmts.iter().map(|n| s.wait_in(*n, src)).collect();
        assert_eq!(found[0].as_deref(), Some("wg.Wait() at line 4"));
        assert_eq!(found[1].as_deref(), Some("a receive from done at line 5"));
        // A range waits at its end, not at its clause.
        assert_eq!(found[2], None);
        let clause = first(&tree, "range_clause");
        assert_eq!(
            s.range_end(clause, src).as_deref(),
            Some("the end of the range over res at line 6")
        );
        assert_eq!(found[3], None);
    }

    #[test]
    fn a_deferred_unlock_keeps_the_lock_held() {
        let src = "package x\n\nfunc f() {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\tif c {\n\t\terr = g()\n\t}\n\tmu.Lock()\n\tmu.Unlock()\n\tn = 1\n}\n";
        let tree = parse(src).unwrap();
        let body = first(&tree, "block");
        let stmt_at = |p: &str| {
            let at = src.find(p).unwrap();
            descendants(body)
                .into_iter()
                .find(|n| n.start_byte() == at && n.kind() == "assignment_statement")
                .unwrap()
        };
        assert_eq!(
            held_lock(stmt_at("err = g()"), body, src).as_deref(),
            Some("s.mu")
        );
        assert_eq!(
            held_lock(stmt_at("n = 1"), body, src).as_deref(),
            Some("s.mu")
        );
    }
}
