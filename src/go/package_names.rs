//! The names a file declares with package-level `var` and `const`, listed
//! once per parsed tree. Resolving a name that no local scope declares
//! (a called function, an imported package, a builtin) ends at the package
//! level; without the list every such lookup walks every top-level
//! declaration, and a file of thousands of functions costs the square of
//! its size.
//!
//! Resolving takes a node and the source, nothing more, from dozens of
//! places; so the list lives with the thread that holds the tree, for as
//! long as [`PackageNames`] (which cannot leave the thread or outlive the
//! tree) is alive, and is found by the tree's root.

use super::syntax::{named_children, text};
use std::cell::RefCell;
use std::collections::HashSet;
use std::marker::PhantomData;
use tree_sitter::Node;

struct Listed {
    root: usize,
    names: HashSet<String>,
}

thread_local! {
    static LISTED: RefCell<Vec<Listed>> = const { RefCell::new(Vec::new()) };
}

/// While alive, package-level lookups in the tree of `root` consult the list.
pub struct PackageNames<'t> {
    root: usize,
    /// Tied to the tree (its root's id is unique only while it lives) and
    /// to this thread (the list is this thread's).
    _tree: PhantomData<(Node<'t>, *const ())>,
}

impl<'t> PackageNames<'t> {
    pub fn list(root: Node<'t>, source: &str) -> Self {
        let names = named_children(root)
            .into_iter()
            .filter(|d| matches!(d.kind(), "var_declaration" | "const_declaration"))
            .flat_map(declared_names)
            .map(|n| text(n, source).to_string())
            .collect();
        LISTED.with(|l| {
            l.borrow_mut().push(Listed {
                root: root.id(),
                names,
            })
        });
        PackageNames {
            root: root.id(),
            _tree: PhantomData,
        }
    }
}

impl Drop for PackageNames<'_> {
    fn drop(&mut self) {
        LISTED.with(|l| l.borrow_mut().retain(|listed| listed.root != self.root));
    }
}

/// Whether the file at `root` declares a package-level `var` or `const`
/// named `name`; `None` when no list is at hand (then look).
pub fn may_declare(root: Node, name: &str) -> Option<bool> {
    LISTED.with(|l| {
        l.borrow()
            .iter()
            .find(|listed| listed.root == root.id())
            .map(|listed| listed.names.contains(name))
    })
}

/// The identifiers a `var`/`const` declaration names, in every spec.
fn declared_names(decl: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut pending = named_children(decl);
    while let Some(node) = pending.pop() {
        match node.kind() {
            "var_spec" | "const_spec" => {
                let mut cursor = node.walk();
                out.extend(node.children_by_field_name("name", &mut cursor));
            }
            kind if kind.ends_with("_spec_list") => pending.extend(named_children(node)),
            _ => {}
        }
    }
    out
}
