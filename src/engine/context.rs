//! What rules see of one file while matching: its text, tree and imports.

use crate::go::imports::{imports, Import};
use std::sync::OnceLock;
use tree_sitter::Node;

pub struct FileContext<'t> {
    /// Path relative to the repository root, with `/` separators.
    pub path: &'t str,
    pub source: &'t str,
    pub root: Node<'t>,
    imports: OnceLock<Vec<Import>>,
}

impl<'t> FileContext<'t> {
    pub fn new(path: &'t str, source: &'t str, root: Node<'t>) -> Self {
        FileContext {
            path,
            source,
            root,
            imports: OnceLock::new(),
        }
    }

    pub fn imports(&self) -> &[Import] {
        self.imports.get_or_init(|| imports(self.root, self.source))
    }

    pub fn text(&self, node: Node) -> &'t str {
        &self.source[node.byte_range()]
    }
}
