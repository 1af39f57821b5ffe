//! Synchronisation the code shows: what a concurrent closure signals when
//! it is done (`wg.Done()`, a send on or `close` of a channel, the group
//! that started it), and where the launching function waits for that
//! signal (`wg.Wait()`, a receive from that channel). A read after such a
//! wait is ordered after the closure's writes.

use super::syntax::{contains, descendants, line_of, text};
use tree_sitter::Node;

/// What a closure does that another goroutine can wait for.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// Receivers of `X.Done()` (and the group whose `Go` started it).
    pub groups: Vec<String>,
    /// Channels it sends on or closes.
    pub channels: Vec<String>,
}

impl Signals {
    /// The signals of `closure` given after its last write at `after`
    /// (a byte offset), or deferred; `group` is the receiver of the call
    /// that started it (`g` in `g.Go(func…)`), which waits for it whole.
    pub fn of(closure: Node, after: usize, group: Option<&str>, source: &str) -> Signals {
        let mut signals = Signals::default();
        if let Some(g) = group {
            signals.groups.push(g.to_string());
        }
        for node in descendants(closure) {
            let late = node.start_byte() >= after || in_defer(node, closure);
            if !late {
                continue;
            }
            match node.kind() {
                "send_statement" => {
                    if let Some(ch) = node.child_by_field_name("channel") {
                        signals.channels.push(text(ch, source).to_string());
                    }
                }
                "call_expression" => match call_shape(node, source) {
                    Some(Call::Method(recv, "Done")) => signals.groups.push(recv.to_string()),
                    Some(Call::Close(ch)) => signals.channels.push(ch.to_string()),
                    _ => {}
                },
                _ => {}
            }
        }
        signals
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.channels.is_empty()
    }

    /// The wait for one of these signals inside `node` (not inside a
    /// nested closure), described for a message: `wg.Wait() at line 12`.
    pub fn wait_in(&self, node: Node, source: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        descendants(node)
            .into_iter()
            .filter(|n| !inside_literal(*n, node))
            .find_map(|n| self.waits(n, source))
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
            "range_clause" => node.child_by_field_name("right"),
            _ => None,
        }?;
        let name = text(channel, source);
        self.channels
            .iter()
            .any(|c| c == name)
            .then(|| format!("a receive from {name} at line {}", line_of(node)))
    }
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
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent.id() == closure.id() {
            return false;
        }
        if parent.kind() == "defer_statement" {
            return true;
        }
        current = parent;
    }
    false
}

fn inside_literal(node: Node, within: Node) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent.id() == within.id() {
            return false;
        }
        if parent.kind() == "func_literal" {
            return true;
        }
        current = parent;
    }
    false
}

/// The mutex held at `stmt`: an earlier `m.Lock()` (or `RLock`) in an
/// enclosing statement list up to `within`, not yet followed by
/// `m.Unlock()`. A deferred unlock keeps it held to the end.
pub fn held_lock(stmt: Node, within: Node, source: &str) -> Option<String> {
    let mut chain: Vec<(Node, Node)> = Vec::new();
    let mut child = stmt;
    while let Some(parent) = child.parent() {
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
        let after = src.find("err = g()").unwrap();
        let s = Signals::of(closure, after, None, src);
        assert_eq!(s.groups, ["wg"]);
        assert_eq!(s.channels, ["res", "done"]);
    }

    #[test]
    fn waits_are_recognised_by_receiver_and_channel() {
        let src = "package x\n\nfunc f() {\n\twg.Wait()\n\t<-done\n\tfor v := range res {\n\t}\n\tother.Wait()\n}\n";
        let tree = parse(src).unwrap();
        let s = Signals {
            groups: vec!["wg".into()],
            channels: vec!["done".into(), "res".into()],
        };
        let body = first(&tree, "block");
        let stmts: Vec<Node> = descendants(body)
            .into_iter()
            .filter(|n| n.parent().is_some_and(|p| p.kind() == "statement_list"))
            .collect();
        let found: Vec<Option<String>> = stmts.iter().map(|n| s.wait_in(*n, src)).collect();
        assert_eq!(found[0].as_deref(), Some("wg.Wait() at line 4"));
        assert_eq!(found[1].as_deref(), Some("a receive from done at line 5"));
        assert_eq!(found[2].as_deref(), Some("a receive from res at line 6"));
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
