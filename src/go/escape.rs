//! Where a value goes after the expression that produces it: is it kept
//! past the function's return (sent on a channel, handed to a goroutine,
//! stored in a field of the receiver or in a package variable, queued), or
//! only used during the call (passed to a synchronous call, returned,
//! appended to a local that goes nowhere)?
//!
//! The value is followed through the literals that carry it
//! (`&Event{Tags: v}`), through `append`, through local variables (one
//! statement later, `s.q <- ev`) and into called functions whose bodies
//! the module holds (`s.events.Enqueue(ev)` sends `ev` on a channel). A
//! call whose body cannot be read stores its argument only when the method
//! is one of the caller's queueing names.

use super::imports::Import;
use super::scope::{resolve, Binding, BindingKind};
use super::syntax::{ancestors, contains, descendants, enclosing_body, named_children, text};
use super::typeindex::TypeIndex;
use std::path::Path;
use std::sync::Arc;
use tree_sitter::Node;

/// How deep calls and locals are followed: the seed's
/// literal → local → queue method → channel is four.
const MAX_DEPTH: usize = 6;

/// How many called functions deep: a queue method and what it calls. Each
/// callee is read once per run (memoised in the type index).
const MAX_CALLEE_DEPTH: usize = 3;

/// What the analysis may consult beyond the file.
pub struct Escape<'a> {
    /// Reads the bodies of called functions of the module.
    index: Option<&'a TypeIndex>,
    /// Methods that keep their argument when their body cannot be read
    /// (an interface, another module): `Enqueue`, `Publish`, …
    queue_methods: &'a [&'a str],
    /// Variables already followed for the current question.
    followed: std::cell::RefCell<std::collections::HashSet<(usize, usize)>>,
}

/// One file the analysis walks: its text, imports and folder.
#[derive(Clone, Copy)]
pub struct Site<'s> {
    pub source: &'s str,
    pub imports: &'s Arc<Vec<Import>>,
    pub dir: &'s Path,
}

/// How a value is kept past the call, and where it leaves the function.
#[derive(Debug, Clone)]
pub struct Kept<'t> {
    /// In words, after "this function": `sends it on a channel`.
    pub how: String,
    /// The statement or call of the analysed function by which it leaves:
    /// the send, the `go` statement, the call that keeps it. Writes before
    /// this point cannot race with whoever receives it.
    pub at: Node<'t>,
}

impl<'a> Escape<'a> {
    pub fn new(index: Option<&'a TypeIndex>, queue_methods: &'a [&'a str]) -> Self {
        Escape {
            index,
            queue_methods,
            followed: Default::default(),
        }
    }

    /// How `value` is kept past the call, or `None` when nothing shows
    /// that it is.
    pub fn stored<'t>(&self, value: Node<'t>, site: Site) -> Option<Kept<'t>> {
        self.followed.borrow_mut().clear();
        self.stored_at(value, site, 0)
    }

    fn stored_at<'t>(&self, value: Node<'t>, site: Site, depth: usize) -> Option<Kept<'t>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let carrier = carrier_of(value, site.source);
        let parent = carrier.parent()?;
        match parent.kind() {
            "send_statement" => {
                (parent.child_by_field_name("value") == Some(carrier)).then(|| Kept {
                    how: "sends it on a channel".to_string(),
                    at: parent,
                })
            }
            "argument_list" => self.passed(parent, carrier, site, depth),
            "expression_list" => self.assigned(parent, carrier, site, depth),
            _ => None,
        }
    }

    /// `carrier` is an argument of a call.
    fn passed<'t>(
        &self,
        args: Node<'t>,
        carrier: Node<'t>,
        site: Site,
        depth: usize,
    ) -> Option<Kept<'t>> {
        let call = args.parent().filter(|c| c.kind() == "call_expression")?;
        if let Some(launch) = call.parent().filter(|p| p.kind() == "go_statement") {
            return Some(Kept {
                how: "hands it to a goroutine".to_string(),
                at: launch,
            });
        }
        let position = named_children(args)
            .iter()
            .position(|a| a.id() == carrier.id())?;
        let function = call.child_by_field_name("function")?;
        let name = match function.kind() {
            "selector_expression" => text(function.child_by_field_name("field")?, site.source),
            _ => text(function, site.source),
        };
        let how = match self.callee_keeps(call, position, site, depth) {
            Some(verdict) => verdict.map(|how| format!("passes it to `{name}`, which {how}")),
            None => self
                .queue_methods
                .contains(&name)
                .then(|| format!("queues it with `{name}`")),
        }?;
        Some(Kept { how, at: call })
    }

    /// Whether the called function keeps its `position`th argument:
    /// `None` when its body is not at hand.
    fn callee_keeps(
        &self,
        call: Node,
        position: usize,
        site: Site,
        depth: usize,
    ) -> Option<Option<String>> {
        let index = self.index?;
        if depth > MAX_CALLEE_DEPTH {
            return None;
        }
        let callee = index.callee_of(call, site.source, site.imports, site.dir)?;
        let key = (callee.dir.join(&callee.file), callee.start, position);
        Some(index.memo_kept_argument(key, || self.parameter_kept(&callee, position, depth)))
    }

    /// Whether the callee's `position`th parameter is kept by its body.
    fn parameter_kept(
        &self,
        callee: &super::typeindex::Callee,
        position: usize,
        depth: usize,
    ) -> Option<String> {
        let source = self.index?.callee_text(callee)?;
        // Only the callee itself, the imports and package variables are
        // parsed: its file may be large.
        let others = super::narrow::TopLevel::of(&source).unneeded_around(&[callee.start]);
        let tree = super::parse::parse_leaving_out(&source, &others).ok()?;
        let decl = tree
            .root_node()
            .descendant_for_byte_range(callee.start, callee.start)
            .and_then(|n| {
                std::iter::once(n)
                    .chain(ancestors(n))
                    .find(|n| matches!(n.kind(), "function_declaration" | "method_declaration"))
            })?;
        let param = parameter_at(decl, position, &source)?;
        let body = decl.child_by_field_name("body")?;
        let imports = Arc::new(super::imports::imports(tree.root_node(), &source));
        let inner = Site {
            source: &source,
            imports: &imports,
            dir: &callee.dir,
        };
        let binding = resolve(param, &source)?;
        self.local_kept(&binding, body, inner, depth + 1)
            .map(|kept| kept.how)
    }

    /// `carrier` is on the right of an assignment or declaration, or is
    /// returned.
    fn assigned<'t>(
        &self,
        list: Node<'t>,
        carrier: Node<'t>,
        site: Site,
        depth: usize,
    ) -> Option<Kept<'t>> {
        let statement = list.parent()?;
        let position = named_children(list)
            .iter()
            .position(|v| v.id() == carrier.id())?;
        let target = match statement.kind() {
            "assignment_statement" | "short_var_declaration"
                if statement.child_by_field_name("right") == Some(list) =>
            {
                statement.child_by_field_name("left")?
            }
            "var_spec" if statement.child_by_field_name("value") == Some(list) => {
                let names: Vec<Node> = named_children(statement)
                    .into_iter()
                    .filter(|n| n.kind() == "identifier")
                    .collect();
                let name = *names.get(position)?;
                let binding = resolve(name, site.source)?;
                return self.local_kept(&binding, enclosing_body(statement)?, site, depth + 1);
            }
            _ => return None,
        };
        let target = *named_children(target).get(position)?;
        self.kept_in(target, statement, site, depth)
    }

    /// What a value assigned to `target` (`x`, `s.f`, `m[k]`) by
    /// `statement` means.
    fn kept_in<'t>(
        &self,
        target: Node<'t>,
        statement: Node<'t>,
        site: Site,
        depth: usize,
    ) -> Option<Kept<'t>> {
        let root = root_variable(target)?;
        let name = text(root, site.source);
        let at = statement;
        let Some(binding) = resolve(root, site.source) else {
            // Declared outside the function: a package variable of this
            // file's package, or of an imported one (`pkg.Default = …`).
            return Some(Kept {
                how: format!("stores it in the package variable `{name}`"),
                at,
            });
        };
        match binding.kind {
            BindingKind::Package => Some(Kept {
                how: format!("stores it in the package variable `{name}`"),
                at,
            }),
            BindingKind::Receiver if target.kind() != "identifier" => Some(Kept {
                how: format!(
                    "stores it in `{}`, which outlives the call",
                    text(target, site.source)
                ),
                at,
            }),
            // A parameter's fields belong to the caller: a response the
            // caller asked for, not a place kept by this function.
            BindingKind::Param | BindingKind::Receiver => None,
            _ => self.local_kept(
                &binding,
                enclosing_body(binding.declaration)?,
                site,
                depth + 1,
            ),
        }
    }

    /// Whether the local variable `binding` (or a value it holds) is kept
    /// by any of its later uses in `body`.
    fn local_kept<'t>(
        &self,
        binding: &Binding<'t>,
        body: Node<'t>,
        site: Site,
        depth: usize,
    ) -> Option<Kept<'t>> {
        if depth > MAX_DEPTH {
            return None;
        }
        // `args = append(args, v)` uses `args` to define `args` again:
        // each variable is followed once per question, or the uses of uses
        // multiply (seconds per function on real code).
        let key = (site.source.as_ptr() as usize, binding.name.id());
        if !self.followed.borrow_mut().insert(key) {
            return None;
        }
        let name = text(binding.name, site.source);
        for ident in descendants(body) {
            if ident.kind() != "identifier"
                || ident.id() == binding.name.id()
                || text(ident, site.source) != name
                || written_not_read(ident)
            {
                continue;
            }
            if !resolve(ident, site.source).is_some_and(|b| b.same(binding)) {
                continue;
            }
            if let Some(literal) = launched_literal_around(ident, binding.name) {
                return Some(Kept {
                    how: format!("lets a goroutine capture it as `{name}`"),
                    at: literal.parent().and_then(|c| c.parent()).unwrap_or(literal),
                });
            }
            if let Some(kept) = self.stored_at(ident, site, depth) {
                return Some(kept);
            }
        }
        None
    }
}

/// The largest expression that carries `value` as it is: the literals it
/// is an element of, `&` of them, parentheses, and `append`'s result.
fn carrier_of<'t>(value: Node<'t>, source: &str) -> Node<'t> {
    let mut node = value;
    while let Some(parent) = node.parent() {
        let carries = match parent.kind() {
            "literal_element"
            | "literal_value"
            | "composite_literal"
            | "parenthesized_expression" => true,
            "keyed_element" => parent.child_by_field_name("key") != Some(node),
            "unary_expression" => parent
                .child_by_field_name("operator")
                .is_some_and(|o| text(o, source) == "&"),
            "argument_list" => parent.parent().is_some_and(|call| {
                call.child_by_field_name("function")
                    .is_some_and(|f| text(f, source) == "append")
            }),
            _ => false,
        };
        if !carries {
            break;
        }
        node = if parent.kind() == "argument_list" {
            parent.parent().unwrap_or(parent)
        } else {
            parent
        };
    }
    node
}

/// The variable an assignment target writes into: `x` of `x`, `x.f.g`,
/// `x[k]`, `*x`.
fn root_variable(target: Node) -> Option<Node> {
    let mut node = target;
    loop {
        node = match node.kind() {
            "identifier" => return Some(node),
            "selector_expression" => node.child_by_field_name("operand")?,
            "index_expression" => node.child_by_field_name("operand")?,
            "parenthesized_expression" => node.named_child(0)?,
            "unary_expression" => node.child_by_field_name("operand")?,
            _ => return None,
        };
    }
}

/// An identifier on the left of `=` or `:=` (or under it, `x.f = …`): a
/// write into the variable, not a use of its value.
fn written_not_read(ident: Node) -> bool {
    let mut child = ident;
    for parent in ancestors(ident) {
        match parent.kind() {
            "expression_list" => {
                let statement = parent.parent();
                return statement.is_some_and(|s| {
                    matches!(s.kind(), "assignment_statement" | "short_var_declaration")
                        && s.child_by_field_name("left") == Some(parent)
                });
            }
            "selector_expression" | "index_expression" | "parenthesized_expression"
                if parent.child_by_field_name("operand") == Some(child)
                    || parent.kind() == "parenthesized_expression" =>
            {
                child = parent
            }
            _ => return false,
        }
    }
    false
}

/// A function literal started with `go` that holds `ident` but not the
/// variable's declaration: the goroutine captures the variable.
fn launched_literal_around<'t>(ident: Node<'t>, declared: Node) -> Option<Node<'t>> {
    ancestors(ident)
        .filter(|n| n.kind() == "func_literal" && !contains(*n, declared))
        .find(|literal| {
            literal
                .parent()
                .filter(|c| c.kind() == "call_expression")
                .and_then(|c| c.parent())
                .is_some_and(|g| g.kind() == "go_statement")
        })
}

/// The name of a declaration's `position`th parameter; a variadic last
/// parameter takes every argument from its position on.
fn parameter_at<'t>(decl: Node<'t>, position: usize, source: &str) -> Option<Node<'t>> {
    let params = decl.child_by_field_name("parameters")?;
    let mut names: Vec<Node<'t>> = Vec::new();
    for p in named_children(params) {
        let declared: Vec<Node<'t>> = named_children(p)
            .into_iter()
            .filter(|n| n.kind() == "identifier")
            .collect();
        let variadic = p.kind() == "variadic_parameter_declaration";
        names.extend(declared.iter().copied());
        if variadic && position >= names.len() {
            return declared.last().copied();
        }
    }
    names
        .get(position)
        .copied()
        .filter(|n| text(*n, source) != "_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;

    /// How the `nth` `in.Tags` of `src` is kept, with no module at hand.
    fn kept(src: &str, nth: usize) -> Option<String> {
        kept_at(src, nth).map(|(how, _)| how)
    }

    /// How and by which statement (its text) the `nth` `in.Tags` is kept.
    fn kept_at(src: &str, nth: usize) -> Option<(String, String)> {
        let tree = parse(src).unwrap();
        let value = descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "selector_expression" && text(*n, src) == "in.Tags")
            .nth(nth)
            .expect("in.Tags");
        let imports = Arc::new(crate::go::imports::imports(tree.root_node(), src));
        let escape = Escape::new(None, &["Enqueue"]);
        escape
            .stored(
                value,
                Site {
                    source: src,
                    imports: &imports,
                    dir: Path::new("."),
                },
            )
            .map(|k| (k.how, text(k.at, src).to_string()))
    }

    fn handler(body: &str) -> String {
        format!("package p\n\nvar last []string\n\nfunc (s *S) H(in *Req) *Resp {{\n{body}\n}}\n")
    }

    #[test]
    fn kept_places_are_proven() {
        let cases = [
            ("\ts.q <- in.Tags\n\treturn nil", "sends it on a channel"),
            ("\ts.q <- &Ev{Tags: in.Tags}\n\treturn nil", "sends it on a channel"),
            ("\tgo s.flush(in.Tags)\n\treturn nil", "hands it to a goroutine"),
            ("\ts.tags = in.Tags\n\treturn nil", "stores it in `s.tags`"),
            ("\ts.byID[in.ID] = in.Tags\n\treturn nil", "stores it in `s.byID[in.ID]`"),
            ("\tlast = in.Tags\n\treturn nil", "package variable `last`"),
            (
                "\tev := &Ev{Tags: in.Tags}\n\ts.events.Enqueue(ev)\n\treturn nil",
                "queues it with `Enqueue`",
            ),
            (
                "\tvar evs []*Ev\n\tevs = append(evs, &Ev{Tags: in.Tags})\n\ts.pending = evs\n\treturn nil",
                "stores it in `s.pending`",
            ),
            (
                "\tev := Ev{}\n\tev.Tags = in.Tags\n\tgo func() { s.send(ev) }()\n\treturn nil",
                "capture it as `ev`",
            ),
            (
                "\ts.pending = append(s.pending, in.Tags)\n\treturn nil",
                "stores it in `s.pending`",
            ),
        ];
        for (body, want) in cases {
            let got = kept(&handler(body), 0);
            assert!(
                got.as_deref().is_some_and(|g| g.contains(want)),
                "{body}: got {got:?}, want {want}"
            );
        }
    }

    #[test]
    fn the_place_it_leaves_is_where_it_is_stored_not_where_it_is_built() {
        let src = handler(
            "\tev := &Ev{Tags: in.Tags}\n\tev.N = 1\n\tdefer func() {\n\t\ts.q <- ev\n\t}()\n\treturn nil",
        );
        assert_eq!(
            kept_at(&src, 0).map(|(_, at)| at).as_deref(),
            Some("s.q <- ev")
        );
    }

    #[test]
    fn uses_during_the_call_are_not_stores() {
        let cases = [
            "\ts.provider.Read(ReadReq{Tags: in.Tags})\n\treturn nil",
            "\treturn &Resp{Tags: in.Tags}",
            "\tvar all []string\n\tall = append(all, in.Tags...)\n\tlog(all)\n\treturn nil",
            "\tfor _, t := range in.Tags {\n\t\t_ = t\n\t}\n\treturn nil",
            "\tresp := &Resp{}\n\tresp.Tags = in.Tags\n\treturn resp",
            "\tdefer s.audit(in.Tags)\n\treturn nil",
            "\tx := in.Tags[0]\n\ts.q <- x\n\treturn nil",
        ];
        for body in cases {
            assert_eq!(kept(&handler(body), 0), None, "{body}");
        }
    }
}
