//! Which declaration an identifier resolves to, following Go's scope rules
//! within one file: blocks, statement initialisers (`if x := …`), loop and
//! range clauses, type-switch aliases, select receive cases, function
//! parameters and results, and package-level declarations of the file.

use super::syntax::{ancestors, contains, named_children, operator, text};
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// `x := …` (also in `if`/`for`/`switch` initialisers).
    ShortVar,
    /// `var x T` / `var x = …`.
    Var,
    Const,
    /// A parameter.
    Param,
    /// A method's receiver.
    Receiver,
    /// A named result: read by every `return`.
    Result,
    /// `for k, v := range …`.
    Range,
    /// `switch v := x.(type)`.
    TypeSwitch,
    /// `case v := <-ch:`.
    Receive,
    /// A package-level declaration of this file.
    Package,
}

/// The declaration of a name.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'t> {
    /// The identifier node that introduces the name.
    pub name: Node<'t>,
    pub kind: BindingKind,
    /// The declaring construct: `short_var_declaration`, `var_spec`,
    /// `parameter_declaration`, `range_clause`, …
    pub declaration: Node<'t>,
}

impl<'t> Binding<'t> {
    /// Two bindings are the same variable when they share the declaring identifier.
    pub fn same(&self, other: &Binding) -> bool {
        self.name.id() == other.name.id()
    }
}

/// Resolves `ident` (an `identifier` node) to its declaration in this file.
/// `None` means declared elsewhere: another file of the package, a builtin,
/// or an imported package name.
pub fn resolve<'t>(ident: Node<'t>, source: &str) -> Option<Binding<'t>> {
    // Found once: each `parent()` would walk down from the root again.
    let chain: Vec<Node<'t>> = ancestors(ident).collect();
    if let Some(binding) = declared_here(ident, &chain, source) {
        return Some(binding);
    }
    let name = text(ident, source);
    let use_at = ident.start_byte();
    let mut child = ident;
    for &node in &chain {
        let found = match node.kind() {
            "statement_list" => in_statement_list(node, name, use_at, source),
            "if_statement" | "expression_switch_statement" | "for_clause" => {
                in_initializer(node, child, name, source)
            }
            "type_switch_statement" => in_type_switch(node, child, name, source),
            "for_statement" => in_for_statement(node, child, name, source),
            "communication_case" => in_receive_case(node, child, name, source),
            "func_literal" | "function_declaration" | "method_declaration" => {
                in_signature(node, name, source)
            }
            "source_file" => in_package(node, name, source),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        child = node;
    }
    None
}

/// An identifier that itself declares a name resolves to that declaration;
/// on the left of `:=` only if its scope has not declared it already (then
/// `:=` redeclares, which is a plain write). `chain` holds its ancestors,
/// nearest first.
fn declared_here<'t>(ident: Node<'t>, chain: &[Node<'t>], source: &str) -> Option<Binding<'t>> {
    let parent = *chain.first()?;
    let this = |kind, declaration| {
        Some(Binding {
            name: ident,
            kind,
            declaration,
        })
    };
    match parent.kind() {
        "var_spec" | "const_spec" | "parameter_declaration" | "variadic_parameter_declaration" => {
            let is_name = parent.child_by_field_name("name").is_some()
                && parent
                    .children_by_field_name("name", &mut parent.walk())
                    .any(|n| n.id() == ident.id());
            if !is_name {
                return None;
            }
            let kind = match parent.kind() {
                "const_spec" => BindingKind::Const,
                "var_spec" if is_package_level(&chain[1..]) => BindingKind::Package,
                "var_spec" => BindingKind::Var,
                _ => signature_role(&chain[1..]),
            };
            this(kind, parent)
        }
        "expression_list" => {
            let owner = *chain.get(1)?;
            let on_left = owner
                .child_by_field_name("left")
                .is_some_and(|l| l.id() == parent.id());
            let declares = operator(owner).is_some_and(|op| op.kind() == ":=");
            match owner.kind() {
                "short_var_declaration" if on_left => {
                    let earlier = chain
                        .get(2)
                        .filter(|list| list.kind() == "statement_list")
                        .and_then(|&list| {
                            in_statement_list(list, text(ident, source), owner.start_byte(), source)
                        });
                    earlier.or(this(BindingKind::ShortVar, owner)?.into())
                }
                "range_clause" if on_left && declares => this(BindingKind::Range, owner),
                "receive_statement" if on_left && declares => this(BindingKind::Receive, owner),
                "type_switch_statement"
                    if owner
                        .child_by_field_name("alias")
                        .is_some_and(|a| a.id() == parent.id()) =>
                {
                    this(BindingKind::TypeSwitch, owner)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A parameter declaration's role: which list of its function holds it
/// (`above`: the declaration's ancestors, nearest first).
fn signature_role(above: &[Node]) -> BindingKind {
    let (Some(&list), Some(&func)) = (above.first(), above.get(1)) else {
        return BindingKind::Param;
    };
    let is = |field: &str| {
        func.child_by_field_name(field)
            .is_some_and(|l| l.id() == list.id())
    };
    if is("result") {
        BindingKind::Result
    } else if is("receiver") {
        BindingKind::Receiver
    } else {
        BindingKind::Param
    }
}

/// Whether a spec with these ancestors (nearest first) is at the top of the file.
fn is_package_level(above: &[Node]) -> bool {
    above
        .iter()
        .find(|a| matches!(a.kind(), "source_file" | "block" | "statement_list"))
        .is_some_and(|a| a.kind() == "source_file")
}

/// Declarations among the statements that end before the use. The first
/// match wins: a later `a, x := …` in the same block redeclares the same `x`.
fn in_statement_list<'t>(
    list: Node<'t>,
    name: &str,
    use_at: usize,
    source: &str,
) -> Option<Binding<'t>> {
    // In source order, stopping at the use: a list of hundreds of
    // statements (sibling subtests) is not walked whole for every name.
    let mut cursor = list.walk();
    let found = list
        .named_children(&mut cursor)
        .take_while(|stmt| stmt.end_byte() <= use_at)
        .find_map(|stmt| declared_by_statement(stmt, name, source));
    found
}

/// The binding of `name` that `stmt` declares, if any.
pub fn declared_by_statement<'t>(stmt: Node<'t>, name: &str, source: &str) -> Option<Binding<'t>> {
    match stmt.kind() {
        "short_var_declaration" => names_in_list(stmt.child_by_field_name("left")?, name, source)
            .map(|n| Binding {
                name: n,
                kind: BindingKind::ShortVar,
                declaration: stmt,
            }),
        "var_declaration" => in_specs(stmt, "var_spec", name, source, BindingKind::Var),
        "const_declaration" => in_specs(stmt, "const_spec", name, source, BindingKind::Const),
        "labeled_statement" => named_children(stmt)
            .into_iter()
            .filter(|c| c.kind() != "label_name")
            .find_map(|c| declared_by_statement(c, name, source)),
        _ => None,
    }
}

fn in_specs<'t>(
    decl: Node<'t>,
    spec_kind: &str,
    name: &str,
    source: &str,
    kind: BindingKind,
) -> Option<Binding<'t>> {
    let mut specs = Vec::new();
    for child in named_children(decl) {
        if child.kind() == spec_kind {
            specs.push(child);
        } else if child.kind().ends_with("_spec_list") {
            specs.extend(
                named_children(child)
                    .into_iter()
                    .filter(|c| c.kind() == spec_kind),
            );
        }
    }
    specs.into_iter().find_map(|spec| {
        let mut cursor = spec.walk();
        let names: Vec<Node> = spec.children_by_field_name("name", &mut cursor).collect();
        names
            .into_iter()
            .find(|n| text(*n, source) == name)
            .map(|n| Binding {
                name: n,
                kind,
                declaration: spec,
            })
    })
}

fn names_in_list<'t>(list: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    named_children(list)
        .into_iter()
        .find(|n| n.kind() == "identifier" && text(*n, source) == name)
}

/// `if x := …; cond {}`: the initialiser's names are visible in the rest of
/// the statement, not in the initialiser itself.
fn in_initializer<'t>(
    node: Node<'t>,
    from: Node<'t>,
    name: &str,
    source: &str,
) -> Option<Binding<'t>> {
    let init = node.child_by_field_name("initializer")?;
    if contains(init, from) {
        return None;
    }
    declared_by_statement(init, name, source)
}

fn in_type_switch<'t>(
    node: Node<'t>,
    from: Node<'t>,
    name: &str,
    source: &str,
) -> Option<Binding<'t>> {
    let in_clause = matches!(from.kind(), "type_case" | "default_case");
    if in_clause {
        if let Some(alias) = node.child_by_field_name("alias") {
            if let Some(n) = names_in_list(alias, name, source) {
                return Some(Binding {
                    name: n,
                    kind: BindingKind::TypeSwitch,
                    declaration: node,
                });
            }
        }
    }
    in_initializer(node, from, name, source)
}

/// A loop's clause declares for its body: `for i := 0; …` (initialiser)
/// and `for k, v := range …`.
fn in_for_statement<'t>(
    node: Node<'t>,
    from: Node<'t>,
    name: &str,
    source: &str,
) -> Option<Binding<'t>> {
    let clause = named_children(node)
        .into_iter()
        .find(|c| matches!(c.kind(), "range_clause" | "for_clause"))?;
    match clause.kind() {
        "range_clause" => declared_by_clause(clause, from, name, source, BindingKind::Range),
        _ => in_initializer(clause, from, name, source),
    }
}

fn in_receive_case<'t>(
    node: Node<'t>,
    from: Node<'t>,
    name: &str,
    source: &str,
) -> Option<Binding<'t>> {
    let comm = node
        .child_by_field_name("communication")
        .filter(|c| c.kind() == "receive_statement")?;
    declared_by_clause(comm, from, name, source, BindingKind::Receive)
}

/// `k, v := range …` or `v := <-ch` declares its left side for the code
/// it governs, not for itself.
fn declared_by_clause<'t>(
    clause: Node<'t>,
    from: Node<'t>,
    name: &str,
    source: &str,
    kind: BindingKind,
) -> Option<Binding<'t>> {
    let declares = operator(clause).is_some_and(|op| op.kind() == ":=");
    if contains(clause, from) || !declares {
        return None;
    }
    names_in_list(clause.child_by_field_name("left")?, name, source).map(|n| Binding {
        name: n,
        kind,
        declaration: clause,
    })
}

fn in_signature<'t>(func: Node<'t>, name: &str, source: &str) -> Option<Binding<'t>> {
    ["receiver", "parameters", "result"]
        .iter()
        .filter_map(|field| func.child_by_field_name(field).map(|list| (*field, list)))
        .filter(|(_, list)| list.kind() == "parameter_list")
        .flat_map(|(field, list)| named_children(list).into_iter().map(move |p| (field, p)))
        .find_map(|(field, param)| {
            let mut cursor = param.walk();
            let names: Vec<Node> = param.children_by_field_name("name", &mut cursor).collect();
            names
                .into_iter()
                .find(|n| text(*n, source) == name)
                .map(|n| Binding {
                    name: n,
                    kind: match field {
                        "result" => BindingKind::Result,
                        "receiver" => BindingKind::Receiver,
                        _ => BindingKind::Param,
                    },
                    declaration: param,
                })
        })
}

fn in_package<'t>(file: Node<'t>, name: &str, source: &str) -> Option<Binding<'t>> {
    if super::package_names::may_declare(file, name) == Some(false) {
        return None;
    }
    named_children(file).into_iter().find_map(|decl| {
        let found = declared_by_statement(decl, name, source)?;
        Some(Binding {
            kind: BindingKind::Package,
            ..found
        })
    })
}

/// The function literal the variable `ident` names is declared with
/// (`f := func(){…}`, `var f = func(){…}`).
pub fn function_literal_of<'t>(ident: Node<'t>, source: &str) -> Option<Node<'t>> {
    let binding = resolve(ident, source)?;
    if !matches!(binding.kind, BindingKind::ShortVar | BindingKind::Var) {
        return None;
    }
    declared_value(&binding).filter(|v| v.kind() == "func_literal")
}

/// The value a variable is declared with, one value per name
/// (`a, b := x, y`, `var a = x`; not `a, err := f()`).
pub fn declared_value<'t>(binding: &Binding<'t>) -> Option<Node<'t>> {
    let decl = binding.declaration;
    let (names, values) = match decl.kind() {
        "short_var_declaration" => (
            decl.child_by_field_name("left")?,
            decl.child_by_field_name("right")?,
        ),
        "var_spec" => (decl, decl.child_by_field_name("value")?),
        _ => return None,
    };
    let names: Vec<Node> = named_children(names)
        .into_iter()
        .filter(|n| n.kind() == "identifier")
        .collect();
    let values = named_children(values);
    if names.len() != values.len() {
        return None;
    }
    let position = names.iter().position(|n| n.id() == binding.name.id())?;
    values.get(position).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;
    use crate::go::syntax::descendants;

    /// Resolves the `nth` identifier named `name` and returns the line of its declaration.
    fn decl_line(src: &str, name: &str, nth: usize) -> Option<usize> {
        let tree = parse(src).unwrap();
        let ident = descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "identifier" && text(*n, src) == name)
            .nth(nth)
            .unwrap();
        resolve(ident, src).map(|b| b.name.start_position().row + 1)
    }

    const SRC: &str = "package x

var pkg int

func f(p int) (res error) {
	x := 1
	if x := 2; x > 0 {
		_ = x
	}
	_ = x
	for i, v := range []int{} {
		_, _ = i, v
	}
	x = x + 1
	return nil
}
";

    #[test]
    fn resolves_through_blocks_initialisers_and_signatures() {
        // x: 0 decl line 6, 1 decl in if (7), 2 cond x (7), 3 `_ = x` inside if (7), 4 `_ = x` after (6)
        assert_eq!(decl_line(SRC, "x", 2), Some(7));
        assert_eq!(decl_line(SRC, "x", 3), Some(7));
        assert_eq!(decl_line(SRC, "x", 4), Some(6));
        assert_eq!(decl_line(SRC, "x", 6), Some(6)); // RHS of x = x + 1
        assert_eq!(decl_line(SRC, "v", 1), Some(11));
        assert_eq!(decl_line(SRC, "p", 0), Some(5));
        assert_eq!(decl_line(SRC, "pkg", 0), Some(3));
    }

    #[test]
    fn loop_and_select_clauses_declare_for_their_bodies() {
        let src = "package x\n\nfunc f(ch chan int) {\n\tfor i := 0; i < 3; i++ {\n\t\t_ = i\n\t}\n\tselect {\n\tcase v := <-ch:\n\t\t_ = v\n\t}\n}\n";
        // i: 0 decl, 1 cond, 2 update, 3 body use; v: 0 decl, 1 body use
        assert_eq!(decl_line(src, "i", 1), Some(4));
        assert_eq!(decl_line(src, "i", 3), Some(4));
        assert_eq!(decl_line(src, "v", 1), Some(8));
    }

    #[test]
    fn short_var_declaration_is_not_visible_in_its_own_right_side() {
        let src = "package x\n\nfunc f() {\n\tx := 1\n\t{\n\t\tx := x + 1\n\t\t_ = x\n\t}\n}\n";
        // identifiers x: 0 line 4, 1 line 6 decl, 2 rhs line 6 -> line 4, 3 line 7 -> line 6
        assert_eq!(decl_line(src, "x", 2), Some(4));
        assert_eq!(decl_line(src, "x", 3), Some(6));
    }
}
