//! A module-wide index of declared types, loaded lazily one package at a
//! time: struct fields, named types and method results, so that the type
//! of `in.AddTags` or `in.GetAddTags()` is known even when the request type
//! lives in a generated `.pb.go` file of another package. Files are read
//! for their declarations only; nothing here edits them.

use super::functions::{functions, string_constants, Function};
use super::imports::{imports, Import};
use super::module::{find_module, Module};
use super::narrow::{unneeded_for_declarations, TopLevel};
use super::parse::{parse_leaving_out, parse_tolerating};
use super::scope::resolve;
use super::syntax::{descendants, named_children, text};
use crate::filesize::MaxFilesize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tree_sitter::Node;

/// A type as written, with what is needed to resolve its names: the
/// declaring file's imports and its package folder.
#[derive(Debug, Clone)]
pub struct TypeExpr {
    pub text: String,
    pub imports: Arc<Vec<Import>>,
    /// Shared: a package's index holds one per type, field and method.
    pub dir: Arc<Path>,
}

/// A called function's file, where the declaration starts, and its package
/// folder. Not its text: a run asks about hundreds of callees, and the
/// text is read again only when one's body is analysed (once, memoised).
#[derive(Clone)]
pub struct Callee {
    pub start: usize,
    pub dir: PathBuf,
    /// The file's name in `dir`.
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    /// A slice; `pointer_elements` when its elements are pointers.
    Slice {
        pointer_elements: bool,
    },
    Map,
    Other,
}

#[derive(Debug, Default)]
pub struct Package {
    /// Named types: name → the type they are declared as.
    types: HashMap<String, TypeExpr>,
    /// Struct fields: (type name, field) → field type.
    fields: HashMap<(String, String), TypeExpr>,
    /// Methods with one result: (receiver type name, method) → result type.
    methods: HashMap<(String, String), TypeExpr>,
    /// Results of methods with several (the one of a one-result method is
    /// in `methods`) of types that are not generic: (receiver type name,
    /// method) → result types, in order.
    pub(super) results: HashMap<(String, String), Vec<TypeExpr>>,
    /// Results of functions without a receiver or type parameters: name →
    /// result types. Read on first use: the declarations parse leaves
    /// these functions out (most runs never ask).
    function_results: OnceLock<HashMap<String, Vec<TypeExpr>>>,
    /// Package-level string constants: name → value.
    pub string_constants: HashMap<String, String>,
    /// The folder, and its function facts once asked for: reading bodies
    /// costs most, and only some rules need them.
    dir: PathBuf,
    functions: OnceLock<Vec<Function>>,
    max_filesize: MaxFilesize,
}

impl Package {
    /// The result types of the package's function `name`.
    pub fn function_results(&self, name: &str) -> Option<&Vec<TypeExpr>> {
        self.function_results
            .get_or_init(|| {
                let mut all = HashMap::new();
                for (_, source) in package_files(&self.dir, self.max_filesize) {
                    all.extend(function_signatures(&source, &self.dir));
                }
                all
            })
            .get(name)
    }

    /// Whether the package declares a type named `name`.
    pub fn declares_type(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// Top-level functions and methods, with what their bodies call and
    /// use; read on first use.
    pub fn functions(&self) -> &[Function] {
        self.functions.get_or_init(|| {
            let mut all = Vec::new();
            for (name, source) in package_files(&self.dir, self.max_filesize) {
                // Error nodes in bodies (newer Go) leave the facts of the
                // declarations: see go::error_nodes.
                if let Ok(parsed) = parse_tolerating(&source) {
                    all.extend(functions(parsed.tree.root_node(), &source, &name));
                }
            }
            all
        })
    }
}

#[derive(Default)]
pub struct TypeIndex {
    packages: Mutex<HashMap<PathBuf, Arc<Package>>>,
    /// Folder → its module; module root → the module, parsed once.
    modules: Mutex<HashMap<PathBuf, Option<Arc<Module>>>>,
    module_roots: Mutex<HashMap<PathBuf, Option<Arc<Module>>>>,
    /// Module root → its duration constants, read when a fix first asks.
    constants: Mutex<HashMap<PathBuf, Arc<super::constants::ModuleConstants>>>,
    /// (package folder, receiver type, name) → the function's declaration.
    #[allow(clippy::type_complexity)]
    declarations: Mutex<HashMap<(PathBuf, Option<String>, String), Option<Arc<Callee>>>>,
    /// (callee file, declaration offset, parameter) → how the callee keeps
    /// that argument past its return, if it does.
    kept_arguments: Mutex<HashMap<(PathBuf, usize, usize), Option<String>>>,
    /// Which literal types code of a module reuses after handing over.
    reuse: super::reuse_index::ReuseIndex,
    /// Larger files are not read: a generated giant would cost more than
    /// the types it declares are worth.
    max_filesize: MaxFilesize,
}

impl TypeIndex {
    pub fn with_max_filesize(max_filesize: MaxFilesize) -> Self {
        TypeIndex {
            max_filesize,
            ..TypeIndex::default()
        }
    }

    pub fn module_for(&self, dir: &Path) -> Option<Arc<Module>> {
        if let Some(found) = self.modules.lock().unwrap().get(dir) {
            return found.clone();
        }
        // One module per go.mod, shared by all its folders: a large
        // go.mod is parsed once, not once per package.
        let root = dir.ancestors().find(|d| d.join("go.mod").is_file());
        let found = root.and_then(|root| {
            self.module_roots
                .lock()
                .unwrap()
                .entry(root.to_path_buf())
                .or_insert_with(|| find_module(root).map(Arc::new))
                .clone()
        });
        self.modules
            .lock()
            .unwrap()
            .insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The duration constants of `module`'s packages, read on first use.
    pub fn module_constants(&self, module: &Module) -> Arc<super::constants::ModuleConstants> {
        if let Some(found) = self.constants.lock().unwrap().get(&module.root) {
            return found.clone();
        }
        let loaded = Arc::new(super::constants::ModuleConstants::load(
            module,
            self.max_filesize,
        ));
        self.constants
            .lock()
            .unwrap()
            .entry(module.root.clone())
            .or_insert(loaded)
            .clone()
    }

    /// Where code of `module` hands a variable over in a `type_name`
    /// literal and writes it afterwards (see
    /// [`super::reuse::handed_over_and_reused`]); asked once per type.
    pub fn handed_over_and_reused(
        &self,
        module: &Module,
        type_name: &str,
        writers: &[&str],
    ) -> Option<String> {
        self.reuse
            .answer(module, type_name, writers, self.max_filesize)
    }

    /// The answer `handed_over_and_reused` gives for `type_name` in the
    /// module rooted at `module`, if already worked out.
    pub fn reuse_known(&self, module: &Path, type_name: &str) -> Option<Option<String>> {
        self.reuse.known(module, type_name)
    }

    /// Works out the answers to `asks` left for later, together.
    pub fn settle_reuse(&self, asks: &[super::reuse_index::ReuseAsk]) {
        let module_of = |root: &Path| {
            self.module_roots
                .lock()
                .unwrap()
                .get(root)
                .cloned()
                .flatten()
        };
        self.reuse.settle(asks, module_of, self.max_filesize);
    }

    /// Keeps what the reuse questions need of a file a scan read from
    /// disk, so that it is not read again for them.
    pub fn record_read(&self, path: PathBuf, source: &str) {
        self.reuse.record_read(path, source);
    }

    /// The text of the file declaring `callee`, unless larger than the
    /// limit or gone.
    pub fn callee_text(&self, callee: &Callee) -> Option<String> {
        self.max_filesize.read_text(&callee.dir.join(&callee.file))
    }

    /// `compute`'s answer for a callee's parameter, worked out once per
    /// run. A recursive call asking while this thread computes it gets
    /// `None` (other threads compute it themselves, so no answer depends
    /// on timing).
    pub fn memo_kept_argument(
        &self,
        key: (PathBuf, usize, usize),
        compute: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        thread_local! {
            static IN_PROGRESS: std::cell::RefCell<Vec<(PathBuf, usize, usize)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        if let Some(found) = self.kept_arguments.lock().unwrap().get(&key) {
            return found.clone();
        }
        if IN_PROGRESS.with(|p| p.borrow().contains(&key)) {
            return None;
        }
        IN_PROGRESS.with(|p| p.borrow_mut().push(key.clone()));
        let found = compute();
        IN_PROGRESS.with(|p| p.borrow_mut().retain(|k| k != &key));
        self.kept_arguments
            .lock()
            .unwrap()
            .insert(key, found.clone());
        found
    }

    /// The package in `dir`, parsed on first use.
    pub fn package(&self, dir: &Path) -> Arc<Package> {
        if let Some(p) = self.packages.lock().unwrap().get(dir) {
            return p.clone();
        }
        let loaded = Arc::new(load_package(dir, self.max_filesize));
        self.packages
            .lock()
            .unwrap()
            .entry(dir.to_path_buf())
            .or_insert(loaded)
            .clone()
    }

    /// Where a type name written as `T` or `pkg.T` in `ty`'s file is declared.
    fn declaring_package(&self, ty: &TypeExpr, name: &str) -> Option<(PathBuf, String)> {
        match name.split_once('.') {
            None => Some((ty.dir.to_path_buf(), name.to_string())),
            Some((qualifier, type_name)) => {
                let import = ty.imports.iter().find(|i| i.local_name == qualifier)?;
                Some((
                    self.package_dir(&ty.dir, &import.path)?,
                    type_name.to_string(),
                ))
            }
        }
    }

    /// The folder of the package `import_path` imported from a file in
    /// `dir`: in the module, its workspace, a replacement or the cache.
    pub fn package_dir(&self, dir: &Path, import_path: &str) -> Option<PathBuf> {
        self.module_for(dir)?.locate(import_path)
    }

    /// The declaration a call runs, when the module (or a module it can
    /// see) holds its body: `f(…)` of the file's package, `pkg.F(…)`, and
    /// `x.M(…)` on a value whose named type declares `M`. Interfaces,
    /// function values and the standard library give `None`.
    pub fn callee_of(
        &self,
        call: Node,
        source: &str,
        file_imports: &Arc<Vec<Import>>,
        dir: &Path,
    ) -> Option<Arc<Callee>> {
        let function = call.child_by_field_name("function")?;
        let (package_dir, receiver, name) = match function.kind() {
            "identifier" if resolve(function, source).is_none() => {
                (dir.to_path_buf(), None, text(function, source))
            }
            "selector_expression" => {
                let operand = function.child_by_field_name("operand")?;
                let name = text(function.child_by_field_name("field")?, source);
                let import = (operand.kind() == "identifier" && resolve(operand, source).is_none())
                    .then(|| {
                        file_imports
                            .iter()
                            .find(|i| i.local_name == text(operand, source))
                    })
                    .flatten();
                match import {
                    Some(import) => (self.package_dir(dir, &import.path)?, None, name),
                    None => {
                        let ty = self.type_of(operand, source, file_imports, dir)?;
                        let (type_dir, type_name) = self.named_target(&ty)?;
                        (type_dir, Some(type_name), name)
                    }
                }
            }
            _ => return None,
        };
        let key = (package_dir, receiver, name.to_string());
        if let Some(found) = self.declarations.lock().unwrap().get(&key) {
            return found.clone();
        }
        let found =
            find_declaration(&key.0, key.1.as_deref(), name, self.max_filesize).map(Arc::new);
        self.declarations.lock().unwrap().insert(key, found.clone());
        found
    }

    /// Why `type_of(expr)` found nothing, for the user: the package that
    /// is not on this machine, or the field or method not declared.
    pub fn why_unknown(
        &self,
        expr: Node,
        source: &str,
        file_imports: &Arc<Vec<Import>>,
        dir: &Path,
    ) -> String {
        let shown = text(expr, source);
        let (operand, member) = match expr.kind() {
            "selector_expression" => (
                expr.child_by_field_name("operand"),
                expr.child_by_field_name("field"),
            ),
            "call_expression" => {
                let function = expr.child_by_field_name("function");
                (
                    function.and_then(|f| f.child_by_field_name("operand")),
                    function.and_then(|f| f.child_by_field_name("field")),
                )
            }
            _ => (None, None),
        };
        let (Some(operand), Some(member)) = (operand, member) else {
            return format!("the type of `{shown}` is not declared where fixgen looks");
        };
        let Some(owner) = self.type_of(operand, source, file_imports, dir) else {
            return format!("the type of `{}` is not known", text(operand, source));
        };
        let name = strip_type_args(owner.text.trim().trim_start_matches('*'));
        if let Some((qualifier, _)) = name.split_once('.') {
            if let Some(import) = owner.imports.iter().find(|i| i.local_name == qualifier) {
                if self.package_dir(&owner.dir, &import.path).is_none() {
                    return format!(
                        "package {} (of `{name}`) is neither in the module, its go.work, a replace target, vendor/ nor the module cache (run `go mod download`)",
                        import.path
                    );
                }
            }
        }
        format!(
            "`{name}` declares no field or one-result method `{}` that fixgen can read (embedded, or an alias)",
            text(member, source)
        )
    }

    /// Follows named types to what they are declared as.
    pub fn underlying(&self, ty: &TypeExpr) -> TypeExpr {
        let mut current = ty.clone();
        for _ in 0..16 {
            let name = strip_type_args(current.text.trim());
            if !is_type_name(name) {
                break;
            }
            let Some((dir, type_name)) = self.declaring_package(&current, name) else {
                break;
            };
            match self.package(&dir).types.get(&type_name) {
                Some(next) => current = next.clone(),
                None => break,
            }
        }
        current
    }

    pub fn kind(&self, ty: &TypeExpr) -> TypeKind {
        let under = self.underlying(ty);
        let text = under.text.trim();
        if let Some(elem) = text.strip_prefix("[]") {
            let elem = TypeExpr {
                text: elem.to_string(),
                ..under.clone()
            };
            let pointer_elements = self.underlying(&elem).text.trim_start().starts_with('*');
            TypeKind::Slice { pointer_elements }
        } else if text.starts_with("map[") {
            TypeKind::Map
        } else {
            TypeKind::Other
        }
    }

    /// Whether `ty` is an interface, following named types to their
    /// declarations; `None` when a name cannot be followed.
    pub fn is_interface(&self, ty: &TypeExpr) -> Option<bool> {
        super::types::interface_by_spelling(&self.underlying(ty).text)
    }

    /// Whether `ty` is a slice of bytes (`[]byte`, `[]uint8`, or a named
    /// type declared as one).
    pub fn is_byte_slice(&self, ty: &TypeExpr) -> bool {
        let under = self.underlying(ty);
        matches!(
            under.text.trim().strip_prefix("[]").map(str::trim),
            Some("byte" | "uint8")
        )
    }

    /// The type of field `field` of (a pointer to) the struct type `ty`.
    pub fn field_type(&self, ty: &TypeExpr, field: &str) -> Option<TypeExpr> {
        let (dir, name) = self.named_target(ty)?;
        self.package(&dir)
            .fields
            .get(&(name, field.to_string()))
            .cloned()
    }

    /// The result type of the one-result method `method` of `ty` (or `*ty`).
    pub fn method_result(&self, ty: &TypeExpr, method: &str) -> Option<TypeExpr> {
        let (dir, name) = self.named_target(ty)?;
        self.package(&dir)
            .methods
            .get(&(name, method.to_string()))
            .cloned()
    }

    pub(super) fn named_target(&self, ty: &TypeExpr) -> Option<(PathBuf, String)> {
        let name = strip_type_args(ty.text.trim().trim_start_matches('*'));
        if !is_type_name(name) {
            return None;
        }
        self.declaring_package(ty, name)
    }
}

/// The declaration of function `name` (or method `name` of `receiver`)
/// among the package's files in `dir`. Only files whose text names it are
/// parsed, and only their declarations: a callee is found without reading
/// the package's bodies.
fn find_declaration(
    dir: &Path,
    receiver: Option<&str>,
    name: &str,
    max_filesize: MaxFilesize,
) -> Option<Callee> {
    // gofmt writes `func Name(` and `) Name(` (after a receiver).
    let needle = match receiver {
        Some(_) => format!(") {name}("),
        None => format!("func {name}("),
    };
    for (file, source) in package_files(dir, max_filesize) {
        let at: Vec<usize> = source.match_indices(&needle).map(|(i, _)| i).collect();
        if at.is_empty() {
            continue;
        }
        // Only the functions the needle is in: a package's other
        // declarations are most of what a large generated file holds.
        let Ok(tree) = parse_leaving_out(&source, &TopLevel::of(&source).unneeded_around(&at))
        else {
            continue;
        };
        let decl = named_children(tree.root_node()).into_iter().find(|d| {
            let kind_fits = match receiver {
                Some(_) => d.kind() == "method_declaration",
                None => d.kind() == "function_declaration",
            };
            kind_fits
                && d.child_by_field_name("name")
                    .is_some_and(|n| text(n, &source) == name)
                && receiver.is_none_or(|r| receiver_type_name(*d, &source) == Some(r))
        });
        if let Some(decl) = decl {
            let start = decl.start_byte();
            return Some(Callee {
                start,
                dir: dir.to_path_buf(),
                file,
            });
        }
    }
    None
}

/// `Store` of `func (s *Store[T]) M()`.
fn receiver_type_name<'s>(decl: Node, source: &'s str) -> Option<&'s str> {
    let receiver = decl.child_by_field_name("receiver")?;
    let param = named_children(receiver).into_iter().next()?;
    let ty = text(param.child_by_field_name("type")?, source);
    Some(strip_type_args(ty.trim_start_matches('*').trim()))
}

pub(super) fn is_type_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// `List[T]` → `List`.
pub(super) fn strip_type_args(text: &str) -> &str {
    text.split('[').next().unwrap_or(text).trim()
}

fn load_package(dir: &Path, max_filesize: MaxFilesize) -> Package {
    let mut package = Package {
        dir: dir.to_path_buf(),
        max_filesize,
        ..Package::default()
    };
    for (_, source) in package_files(dir, max_filesize) {
        index_file(&mut package, &source, dir);
    }
    package
}

/// The package's Go files other than tests, up to `max_filesize` each:
/// (file name, text), each read when the iteration reaches it, so that a
/// large package is never held in memory whole.
fn package_files(
    dir: &Path,
    max_filesize: MaxFilesize,
) -> impl Iterator<Item = (String, String)> + '_ {
    let names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .filter(|name| name.ends_with(".go") && !name.ends_with("_test.go"))
        .collect();
    names.into_iter().filter_map(move |name| {
        let source = max_filesize.read_text(&dir.join(&name))?;
        Some((name, source))
    })
}

fn index_file(package: &mut Package, source: &str, dir: &Path) {
    let Ok(tree) = parse_leaving_out(source, &unneeded_for_declarations(source)) else {
        return;
    };
    let root = tree.root_node();
    package
        .string_constants
        .extend(string_constants(root, source));
    let file_imports = Arc::new(imports(root, source));
    let dir: Arc<Path> = Arc::from(dir);
    let expr = |node: Node| TypeExpr {
        text: text(node, source).to_string(),
        imports: file_imports.clone(),
        dir: dir.clone(),
    };
    for decl in named_children(root) {
        match decl.kind() {
            "type_declaration" => {
                for spec in named_children(decl)
                    .into_iter()
                    .filter(|s| matches!(s.kind(), "type_spec" | "type_alias"))
                {
                    let (Some(name), Some(ty)) = (
                        spec.child_by_field_name("name"),
                        spec.child_by_field_name("type"),
                    ) else {
                        continue;
                    };
                    let name = text(name, source).to_string();
                    if ty.kind() == "struct_type" {
                        for (field, field_ty) in struct_fields(ty, source) {
                            package.fields.insert((name.clone(), field), expr(field_ty));
                        }
                    }
                    package.types.insert(name, expr(ty));
                }
            }
            "method_declaration" => {
                // One result is `methods`' (most are: getters).
                if let Some((key, results)) = signature_results(decl, source) {
                    if results.len() > 1 {
                        let results = results.into_iter().map(expr).collect();
                        package.results.insert(key, results);
                    }
                }
                let Some((recv, method, result)) = method_signature(decl, source) else {
                    continue;
                };
                package.methods.insert((recv, method), expr(result));
            }
            _ => {}
        }
    }
}

fn struct_fields<'t>(ty: Node<'t>, source: &str) -> Vec<(String, Node<'t>)> {
    descendants(ty)
        .into_iter()
        .filter(|n| {
            n.kind() == "field_declaration"
                && n.parent()
                    .is_some_and(|p| p.parent().is_some_and(|s| s.id() == ty.id()))
        })
        .flat_map(|field| {
            let ty = field.child_by_field_name("type");
            let mut cursor = field.walk();
            let names: Vec<Node> = field.children_by_field_name("name", &mut cursor).collect();
            names
                .into_iter()
                .filter_map(move |n| Some((text(n, source).to_string(), ty?)))
        })
        .collect()
}

/// The functions without a receiver of one file: name → result types.
fn function_signatures(source: &str, dir: &Path) -> Vec<(String, Vec<TypeExpr>)> {
    let left_out = super::narrow::unneeded_for_function_signatures(source);
    let Ok(tree) = parse_leaving_out(source, &left_out) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let file_imports = Arc::new(imports(root, source));
    let dir: Arc<Path> = Arc::from(dir);
    named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "function_declaration")
        .filter_map(|decl| signature_results(decl, source))
        .map(|((_, name), results)| {
            let results = results
                .into_iter()
                .map(|node| TypeExpr {
                    text: text(node, source).to_string(),
                    imports: file_imports.clone(),
                    dir: dir.clone(),
                })
                .collect();
            (name, results)
        })
        .collect()
}

/// ((receiver type name or "", name), the result types in order) of a
/// function or method without type parameters (of its own or of its
/// receiver's type).
fn signature_results<'t>(
    decl: Node<'t>,
    source: &str,
) -> Option<((String, String), Vec<Node<'t>>)> {
    if decl.child_by_field_name("type_parameters").is_some() {
        return None;
    }
    let receiver = match decl.child_by_field_name("receiver") {
        Some(list) => {
            let ty = text(list.named_child(0)?.child_by_field_name("type")?, source);
            let ty = ty.trim_start_matches('*').trim();
            if ty.contains('[') {
                return None;
            }
            ty.to_string()
        }
        None => String::new(),
    };
    let name = text(decl.child_by_field_name("name")?, source).to_string();
    let results = match decl.child_by_field_name("result") {
        None => Vec::new(),
        Some(list) if list.kind() == "parameter_list" => named_children(list)
            .into_iter()
            .filter_map(|param| {
                let ty = param.child_by_field_name("type")?;
                let mut cursor = param.walk();
                let names = param.children_by_field_name("name", &mut cursor).count();
                Some(std::iter::repeat_n(ty, names.max(1)))
            })
            .flatten()
            .collect(),
        Some(ty) => vec![ty],
    };
    Some(((receiver, name), results))
}

/// (receiver type name, method name, the single result type).
fn method_signature<'t>(decl: Node<'t>, source: &str) -> Option<(String, String, Node<'t>)> {
    let receiver = decl.child_by_field_name("receiver")?.named_child(0)?;
    let recv_type = text(receiver.child_by_field_name("type")?, source);
    let recv_name = strip_type_args(recv_type.trim_start_matches('*')).to_string();
    let method = text(decl.child_by_field_name("name")?, source).to_string();
    let mut result = decl.child_by_field_name("result")?;
    if result.kind() == "parameter_list" {
        let params = named_children(result);
        if params.len() != 1 || params[0].child_by_field_name("name").is_some() {
            return None;
        }
        result = params[0].child_by_field_name("type")?;
    }
    Some((recv_name, method, result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;

    #[test]
    fn types_resolve_across_packages_of_a_module() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("go.mod"), "module example.com/svc\n\ngo 1.22\n").unwrap();
        std::fs::create_dir_all(root.join("pb")).unwrap();
        std::fs::write(
            root.join("pb/x.pb.go"),
            "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage pb\n\ntype Tags []string\n\ntype Tag struct{ N string }\n\ntype Req struct {\n\tName string\n\tAddTags Tags\n\tRefs []*Tag\n\tAttrs map[string]string\n}\n\nfunc (x *Req) GetAddTags() Tags {\n\tif x != nil {\n\t\treturn x.AddTags\n\t}\n\treturn nil\n}\n",
        )
        .unwrap();
        let handler = "package h\n\nimport \"example.com/svc/pb\"\n\nfunc H(in *pb.Req) {\n\t_ = in.AddTags\n\t_ = in.GetAddTags()\n\t_ = in.Name\n\t_ = in.Attrs\n\t_ = in.Refs\n}\n";
        let tree = parse(handler).unwrap();
        let index = TypeIndex::default();
        let file_imports = Arc::new(imports(tree.root_node(), handler));
        let kinds: Vec<TypeKind> = descendants(tree.root_node())
            .into_iter()
            .filter(|n| {
                n.parent().is_some_and(|p| p.kind() == "expression_list")
                    && matches!(n.kind(), "selector_expression" | "call_expression")
            })
            .filter(|n| {
                n.parent()
                    .unwrap()
                    .parent()
                    .is_some_and(|s| s.kind() == "assignment_statement")
                    && n.start_position().column > 4
            })
            .map(|n| {
                index
                    .type_of(n, handler, &file_imports, &root.join("h"))
                    .map(|t| index.kind(&t))
                    .unwrap_or(TypeKind::Other)
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                TypeKind::Slice {
                    pointer_elements: false
                },
                TypeKind::Slice {
                    pointer_elements: false
                },
                TypeKind::Other,
                TypeKind::Map,
                TypeKind::Slice {
                    pointer_elements: true
                },
            ]
        );
    }
}
