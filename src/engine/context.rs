//! What rules see of one file while matching: its text, tree, imports, and
//! the module's type index (types declared anywhere in the module).

use crate::go::imports::{imports, Import};
use crate::go::module::Module;
use crate::go::typeindex::{TypeExpr, TypeIndex};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tree_sitter::Node;

pub struct FileContext<'t> {
    /// Path relative to the repository root, with `/` separators.
    pub path: &'t str,
    pub source: &'t str,
    pub root: Node<'t>,
    imports: OnceLock<Arc<Vec<Import>>>,
    /// The type index and this file's folder, when the file is on disk.
    types: Option<(&'t TypeIndex, PathBuf)>,
}

impl<'t> FileContext<'t> {
    pub fn new(path: &'t str, source: &'t str, root: Node<'t>) -> Self {
        FileContext {
            path,
            source,
            root,
            imports: OnceLock::new(),
            types: None,
        }
    }

    pub fn with_types(mut self, index: &'t TypeIndex, dir: PathBuf) -> Self {
        self.types = Some((index, dir));
        self
    }

    pub fn imports(&self) -> &Arc<Vec<Import>> {
        self.imports
            .get_or_init(|| Arc::new(imports(self.root, self.source)))
    }

    pub fn text(&self, node: Node) -> &'t str {
        &self.source[node.byte_range()]
    }

    pub fn type_index(&self) -> Option<&'t TypeIndex> {
        self.types.as_ref().map(|(index, _)| *index)
    }

    /// The type of an expression, as far as declarations in the module say.
    pub fn type_of(&self, node: Node) -> Option<TypeExpr> {
        let (index, dir) = self.types.as_ref()?;
        index.type_of(node, self.source, self.imports(), dir)
    }

    /// The module (go.mod) the file belongs to.
    pub fn module(&self) -> Option<Arc<Module>> {
        let (index, dir) = self.types.as_ref()?;
        index.module_for(dir)
    }
}
