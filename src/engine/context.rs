//! What rules see of one file while matching: its text, tree, imports, and
//! the module's type index (types declared anywhere in the module).

use crate::go::error_nodes::ErrorNodes;
use crate::go::functions::{functions, string_constants};
use crate::go::imports::{imports, Import};
use crate::go::module::Module;
use crate::go::sql::PackageView;
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
    /// What a condition or action could not check and the user should
    /// know (a type it could not find), reported once per run.
    warnings: std::sync::Mutex<Vec<String>>,
    /// The error nodes of the tree (tolerated ones; go::error_nodes).
    syntax_errors: Option<&'t ErrorNodes>,
    /// Unique to this context in the run: what per-thread caches of a
    /// tree's facts are keyed by (a text's address, or a node's, may be
    /// another file's once the first is dropped).
    serial: u64,
    /// `check --explain`: what the rules did here, by byte offset; `None`
    /// (and free) otherwise.
    explanation: Option<std::sync::Mutex<Vec<(usize, String)>>>,
}

impl<'t> FileContext<'t> {
    pub fn new(path: &'t str, source: &'t str, root: Node<'t>) -> Self {
        FileContext {
            path,
            source,
            root,
            imports: OnceLock::new(),
            types: None,
            warnings: std::sync::Mutex::new(Vec::new()),
            syntax_errors: None,
            serial: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
            explanation: None,
        }
    }

    /// Records what the rules do here, for `check --explain`.
    pub fn explaining(mut self) -> Self {
        self.explanation = Some(Default::default());
        self
    }

    /// Notes a step of a rule at `offset`, when explaining: the text is
    /// built only then.
    pub fn explain(&self, offset: usize, line: impl FnOnce() -> String) {
        if let Some(lines) = &self.explanation {
            lines.lock().unwrap().push((offset, line()));
        }
    }

    /// The notes so far, taken.
    pub fn take_explanation(&self) -> Vec<(usize, String)> {
        self.explanation
            .as_ref()
            .map(|lines| std::mem::take(&mut *lines.lock().unwrap()))
            .unwrap_or_default()
    }

    /// See the field: unique to this context in the run.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The error nodes `root`'s tree holds, where fixes are not made.
    pub fn with_syntax_errors(mut self, errors: &'t ErrorNodes) -> Self {
        self.syntax_errors = Some(errors);
        self
    }

    pub fn syntax_errors(&self) -> &ErrorNodes {
        static NONE: ErrorNodes = ErrorNodes::none();
        self.syntax_errors.unwrap_or(&NONE)
    }

    pub fn with_types(mut self, index: &'t TypeIndex, dir: PathBuf) -> Self {
        self.types = Some((index, dir));
        self
    }

    pub fn imports(&self) -> &Arc<Vec<Import>> {
        self.imports
            .get_or_init(|| Arc::new(imports(self.root, self.source)))
    }

    /// Records something the rules could not check here.
    pub fn warn(&self, warning: String) {
        let mut warnings = self.warnings.lock().unwrap();
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }

    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.lock().unwrap())
    }

    /// Why the type of `node` is not known, in words, for a warning.
    pub fn why_type_unknown(&self, node: Node) -> String {
        match self.types.as_ref() {
            Some((index, dir)) => index.why_unknown(node, self.source, self.imports(), dir),
            None => "the file is not on disk, so no package around it was read".to_string(),
        }
    }

    pub fn text(&self, node: Node) -> &'t str {
        &self.source[node.byte_range()]
    }

    pub fn type_index(&self) -> Option<&'t TypeIndex> {
        self.types.as_ref().map(|(index, _)| *index)
    }

    /// Whether the type spelled `ty` in this file is an interface: from
    /// the spelling, else from the declarations of the module (or `None`).
    pub fn is_interface(&self, ty: &str) -> Option<bool> {
        crate::go::types::interface_by_spelling(ty).or_else(|| {
            let (index, dir) = self.types.as_ref()?;
            index.is_interface(&TypeExpr {
                text: ty.to_string(),
                imports: self.imports().clone(),
                dir: std::sync::Arc::from(dir.as_path()),
            })
        })
    }

    /// The type of an expression, as far as declarations in the module say.
    pub fn type_of(&self, node: Node) -> Option<TypeExpr> {
        let (index, dir) = self.types.as_ref()?;
        index.type_of(node, self.source, self.imports(), dir)
    }

    /// Like `type_of`, from functions' signatures too (`TypeIndex::type_of_any`).
    pub fn type_of_any(&self, node: Node) -> Option<TypeExpr> {
        let (index, dir) = self.types.as_ref()?;
        index.type_of_any(node, self.source, self.imports(), dir)
    }

    /// The file's package: its other files as the index read them from
    /// disk, this file as it is now (mid-fix, it differs from the disk).
    pub fn package_view(&self) -> Option<PackageView> {
        let (index, dir) = self.types.as_ref()?;
        let package = index.package(dir);
        let (rel_dir, file) = self.path.rsplit_once('/').unwrap_or(("", self.path));
        let mut all: Vec<_> = package
            .functions()
            .iter()
            .filter(|f| f.file != file)
            .cloned()
            .collect();
        // The whole file: the tree rules match may hold only the functions
        // around the prefilter's literals.
        let whole = crate::go::parse::parse_tolerating(self.source).ok()?.tree;
        all.extend(functions(whole.root_node(), self.source, file));
        let mut constants = package.string_constants.clone();
        constants.extend(string_constants(whole.root_node(), self.source));
        Some(PackageView {
            dir: rel_dir.to_string(),
            functions: all,
            constants,
        })
    }

    /// The folder holding the file on disk.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.types.as_ref().map(|(_, dir)| dir.as_path())
    }

    /// The module (go.mod) the file belongs to.
    pub fn module(&self) -> Option<Arc<Module>> {
        let (index, dir) = self.types.as_ref()?;
        index.module_for(dir)
    }
}
