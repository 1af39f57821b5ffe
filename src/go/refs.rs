//! How an identifier is used: written, read-modify-written, or read; and
//! every use of one variable within a subtree.

use super::scope::{resolve, Binding};
use super::syntax::{descendants, operator, text};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// Plain store: left side of `=` (or of a redeclaring `:=`, a range `=`).
    Write,
    /// `x += …`, `x++`: reads and writes in one step.
    ReadModifyWrite,
    /// Anything else, address-taking included.
    Read,
}

#[derive(Debug, Clone, Copy)]
pub struct Reference<'t> {
    pub ident: Node<'t>,
    pub kind: RefKind,
    /// For writes: the statement or clause that stores (assignment,
    /// short var declaration, range clause, receive).
    pub store: Option<Node<'t>>,
}

/// Classifies one use of an identifier.
pub fn classify<'t>(ident: Node<'t>) -> Reference<'t> {
    let read = Reference {
        ident,
        kind: RefKind::Read,
        store: None,
    };
    let Some(parent) = ident.parent() else {
        return read;
    };
    if matches!(parent.kind(), "inc_statement" | "dec_statement") {
        return Reference {
            kind: RefKind::ReadModifyWrite,
            store: Some(parent),
            ..read
        };
    }
    if parent.kind() != "expression_list" {
        return read;
    }
    let Some(store) = parent.parent() else {
        return read;
    };
    let on_left = store
        .child_by_field_name("left")
        .is_some_and(|left| left.id() == parent.id());
    if !on_left {
        return read;
    }
    let op = operator(store).map(|o| o.kind()).unwrap_or("");
    let kind = match (store.kind(), op) {
        ("assignment_statement", "=") => RefKind::Write,
        ("assignment_statement", _) => RefKind::ReadModifyWrite,
        ("short_var_declaration" | "range_clause" | "receive_statement", _) => RefKind::Write,
        _ => return read,
    };
    Reference {
        ident,
        kind,
        store: Some(store),
    }
}

/// `references_of`, each variable and area found once: the questions
/// asked of one variable (who reads it later, whether it is still used)
/// walk and resolve the same function.
#[derive(Default)]
pub struct References<'t> {
    /// By (declaring identifier, area) node ids.
    found: RefCell<HashMap<(usize, usize), Uses<'t>>>,
}

type Uses<'t> = Rc<Vec<Reference<'t>>>;

impl<'t> References<'t> {
    pub fn of(
        &self,
        binding: &Binding<'t>,
        within: Node<'t>,
        source: &str,
    ) -> Rc<Vec<Reference<'t>>> {
        let key = (binding.name.id(), within.id());
        if let Some(found) = self.found.borrow().get(&key) {
            return found.clone();
        }
        let found = Rc::new(references_of(binding, within, source));
        self.found.borrow_mut().insert(key, found.clone());
        found
    }
}

/// Every use of the variable `binding` inside `within`, in source order,
/// excluding the declaring identifier itself.
pub fn references_of<'t>(
    binding: &Binding<'t>,
    within: Node<'t>,
    source: &str,
) -> Vec<Reference<'t>> {
    let name = text(binding.name, source);
    descendants(within)
        .into_iter()
        .filter(|n| n.kind() == "identifier" && n.id() != binding.name.id())
        .filter(|n| text(*n, source) == name)
        .filter(|n| resolve(*n, source).is_some_and(|b| b.same(binding)))
        .map(classify)
        .collect()
}
