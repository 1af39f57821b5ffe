//! The type of an expression, as far as declarations say without a type
//! checker: identifiers through their declarations (`a, err := f()` and
//! `for k, v := range m` too), fields, calls of the module's functions and
//! methods and of the standard library's (through the type index, which
//! reads their signatures), builtins and conversions, literals, `&x`,
//! `*p`, `<-ch`, `m[k]`, `x.(T)`. What it cannot tell, it does not guess:
//! `None`.

use super::imports::Import;
use super::scope::{declared_value, resolve, BindingKind};
use super::syntax::{named_children, text};
use super::typeindex::{is_type_name, strip_type_args, TypeExpr, TypeIndex};
use super::types::declared_type;
use std::path::Path;
use std::sync::Arc;
use tree_sitter::Node;

/// Go's predeclared types: never qualified, the same in every package.
const PREDECLARED: &[&str] = &[
    "any",
    "bool",
    "byte",
    "comparable",
    "complex64",
    "complex128",
    "error",
    "float32",
    "float64",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "rune",
    "string",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
];

/// Where an expression is: its file's text and imports, its package
/// folder; and whether functions' signatures may be read (see
/// `TypeIndex::type_of`).
struct Place<'a> {
    source: &'a str,
    imports: &'a Arc<Vec<Import>>,
    dir: &'a Path,
    functions: bool,
}

impl<'a> Place<'a> {
    fn new(source: &'a str, imports: &'a Arc<Vec<Import>>, dir: &'a Path, functions: bool) -> Self {
        Place {
            source,
            imports,
            dir,
            functions,
        }
    }

    fn typed(&self, text: impl Into<String>) -> TypeExpr {
        TypeExpr {
            text: text.into(),
            imports: self.imports.clone(),
            dir: Arc::from(self.dir),
        }
    }
}

impl TypeIndex {
    /// The type of `expr`, an expression of the file `source` (whose
    /// imports are `file_imports`) in the package folder `dir`, from
    /// declarations of types and methods: what the built-in analyses ask
    /// on every candidate, cheaply. A call of a function without a
    /// receiver gives `None`: its package's signatures are not read.
    pub fn type_of(
        &self,
        expr: Node,
        source: &str,
        file_imports: &Arc<Vec<Import>>,
        dir: &Path,
    ) -> Option<TypeExpr> {
        self.expression_type(expr, &Place::new(source, file_imports, dir, false))
    }

    /// Like `type_of`, reading the signatures of the functions a call
    /// may run too (`store.Open(…)`, `os.Open(…)`, `T(x)` of another
    /// package): for `has-type`, asked of a rule's matches only.
    pub fn type_of_any(
        &self,
        expr: Node,
        source: &str,
        file_imports: &Arc<Vec<Import>>,
        dir: &Path,
    ) -> Option<TypeExpr> {
        self.expression_type(expr, &Place::new(source, file_imports, dir, true))
    }

    /// Whether `ty` is the type `expected` names: `*testing.T`,
    /// `example.com/m/store.Store`, `[]byte`; a type of the package `here`
    /// may also be named bare (`Store`).
    pub fn matches_type(&self, ty: &TypeExpr, expected: &str, here: &Path) -> bool {
        let (stars, written) = split_pointers(ty.text.trim());
        let (expected_stars, expected) = split_pointers(expected.trim());
        if stars != expected_stars {
            return false;
        }
        let name = strip_type_args(written);
        if !is_type_name(name) || PREDECLARED.contains(&name) {
            return squeezed(written) == squeezed(expected);
        }
        match name.split_once('.') {
            Some((qualifier, type_name)) => ty
                .imports
                .iter()
                .find(|i| i.local_name == qualifier)
                .is_some_and(|i| expected == format!("{}.{type_name}", i.path)),
            None => {
                (*ty.dir == *here && expected == name)
                    || self
                        .import_path_of(&ty.dir)
                        .is_some_and(|path| expected == format!("{path}.{name}"))
            }
        }
    }

    /// The import path of the package in `dir`.
    fn import_path_of(&self, dir: &Path) -> Option<String> {
        let module = self.module_for(dir)?;
        let rest = dir.strip_prefix(&module.root).ok()?.to_str()?;
        // GOROOT/src's go.mod says `module std`; its paths are bare.
        Some(match (module.path.as_str(), rest) {
            ("std", rest) => rest.to_string(),
            (path, "") => path.to_string(),
            (path, rest) => format!("{path}/{rest}"),
        })
    }

    fn expression_type(&self, expr: Node, at: &Place) -> Option<TypeExpr> {
        let child = |field: &str| expr.child_by_field_name(field);
        match expr.kind() {
            "identifier" => self.identifier_type(expr, at),
            "parenthesized_expression" => self.expression_type(expr.named_child(0)?, at),
            // `buf[:n]` is of `buf`'s type.
            "slice_expression" => self.expression_type(child("operand")?, at),
            "selector_expression" => {
                let operand = self.expression_type(child("operand")?, at)?;
                self.field_type(&operand, text(child("field")?, at.source))
            }
            "call_expression" => match self.call_results(expr, at)?.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            },
            "composite_literal" => Some(at.typed(text(child("type")?, at.source))),
            "type_assertion_expression" | "type_conversion_expression" => {
                Some(at.typed(text(child("type")?, at.source)))
            }
            "func_literal" => {
                let params = text(child("parameters")?, at.source);
                let result =
                    child("result").map_or(String::new(), |r| format!(" {}", text(r, at.source)));
                Some(at.typed(format!("func{params}{result}")))
            }
            "unary_expression" => self.unary_type(expr, at),
            "index_expression" => {
                let operand = self.expression_type(child("operand")?, at)?;
                let container = self.underlying(&operand);
                let (_, element) = elements(container.text.trim())?;
                Some(TypeExpr {
                    text: element,
                    ..container
                })
            }
            "binary_expression" => self.binary_type(expr, at),
            kind => literal_kind_type(kind).map(|t| at.typed(t)),
        }
    }

    fn identifier_type(&self, ident: Node, at: &Place) -> Option<TypeExpr> {
        let binding = resolve(ident, at.source)?;
        if let Some(text) = declared_type(&binding, at.source) {
            return Some(at.typed(text));
        }
        match binding.kind {
            // `tasks := pending`: the type of what it was declared with.
            BindingKind::ShortVar | BindingKind::Var | BindingKind::Package => {
                if let Some(value) = declared_value(&binding) {
                    return self.expression_type(value, at);
                }
                // `a, err := f()`: the call's result in that position.
                let (names, values) = declared_sides(binding.declaration)?;
                let [call] = values.as_slice() else {
                    return None;
                };
                let position = names.iter().position(|n| n.id() == binding.name.id())?;
                let results = self.call_results(*call, at)?;
                (results.len() == names.len())
                    .then(|| results.into_iter().nth(position))
                    .flatten()
            }
            // `for k, v := range xs`: the key and element of what it ranges over.
            BindingKind::Range => {
                let clause = binding.declaration;
                let left = named_children(clause.child_by_field_name("left")?);
                let position = left.iter().position(|n| n.id() == binding.name.id())?;
                let over = self.expression_type(clause.child_by_field_name("right")?, at)?;
                let container = self.underlying(&over);
                let (key, element) = elements(container.text.trim())?;
                let text = match (position, key) {
                    (_, Some(_)) if container.text.trim() == "string" && position == 1 => {
                        "rune".to_string()
                    }
                    (0, Some(key)) => key,
                    // A channel's one variable is its element.
                    (0, None) => element,
                    (_, Some(_)) => element,
                    (_, None) => return None,
                };
                Some(TypeExpr { text, ..container })
            }
            _ => None,
        }
    }

    /// The result types of a call: builtins, conversions, and the
    /// functions and methods whose signatures the index reads.
    fn call_results(&self, call: Node, at: &Place) -> Option<Vec<TypeExpr>> {
        let function = call.child_by_field_name("function")?;
        let args = call
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        match function.kind() {
            "identifier" if resolve(function, at.source).is_none() => {
                let name = text(function, at.source);
                if let Some(ty) = self.builtin_result(name, &args, at) {
                    return Some(vec![ty]);
                }
                at.functions
                    .then(|| self.declared_results(at.dir, name, at))
                    .flatten()
            }
            "selector_expression" => {
                let operand = function.child_by_field_name("operand")?;
                let name = text(function.child_by_field_name("field")?, at.source);
                let import = (operand.kind() == "identifier"
                    && resolve(operand, at.source).is_none())
                .then(|| {
                    at.imports
                        .iter()
                        .find(|i| i.local_name == text(operand, at.source))
                })
                .flatten();
                match import {
                    Some(_) if !at.functions => None,
                    Some(import) => {
                        let dir = self.package_dir(at.dir, &import.path)?;
                        self.declared_results(&dir, name, at).or_else(|| {
                            // `pkg.T(x)`: a conversion to the package's type.
                            let declared = self.package(&dir).declares_type(name);
                            declared.then(|| vec![at.typed(text(function, at.source))])
                        })
                    }
                    None => {
                        let receiver = self.expression_type(operand, at)?;
                        let (dir, type_name) = self.named_target(&receiver)?;
                        let package = self.package(&dir);
                        let key = (type_name, name.to_string());
                        match package.results.get(&key) {
                            Some(several) => Some(several.clone()),
                            None => self.method_result(&receiver, name).map(|one| vec![one]),
                        }
                    }
                }
            }
            // `(*T)(x)`, `[]byte(s)` when parsed as a call.
            "parenthesized_expression" | "slice_type" | "array_type" | "map_type" => {
                let ty = text(function, at.source).trim_start_matches('(');
                Some(vec![at.typed(ty.trim_end_matches(')'))])
            }
            _ => None,
        }
    }

    /// `f(…)` of the package in `dir`: a function's results, or a
    /// conversion to one of its types (`T(x)`).
    fn declared_results(&self, dir: &Path, name: &str, at: &Place) -> Option<Vec<TypeExpr>> {
        let package = self.package(dir);
        if let Some(results) = package.function_results(name) {
            return Some(results.clone());
        }
        (dir == at.dir && package.declares_type(name)).then(|| vec![at.typed(name)])
    }

    fn builtin_result(&self, name: &str, args: &[Node], at: &Place) -> Option<TypeExpr> {
        let first = args.first().copied();
        match name {
            "make" => Some(at.typed(text(first?, at.source))),
            "new" => Some(at.typed(format!("*{}", text(first?, at.source)))),
            "len" | "cap" | "copy" => Some(at.typed("int")),
            "append" => self.expression_type(first?, at),
            "real" | "imag" => Some(at.typed("float64")),
            "complex" => Some(at.typed("complex128")),
            "min" | "max" => self.expression_type(first?, at),
            // `int64(n)`, `string(b)`: conversions to predeclared types.
            name if PREDECLARED.contains(&name) && args.len() == 1 => Some(at.typed(name)),
            _ => None,
        }
    }

    fn unary_type(&self, expr: Node, at: &Place) -> Option<TypeExpr> {
        let operand = expr.child_by_field_name("operand")?;
        let operator = text(expr.child_by_field_name("operator")?, at.source);
        match operator {
            "!" => Some(at.typed("bool")),
            "&" => {
                let ty = self.expression_type(operand, at)?;
                Some(TypeExpr {
                    text: format!("*{}", ty.text.trim()),
                    ..ty
                })
            }
            "*" => {
                let ty = self.expression_type(operand, at)?;
                let pointee = ty.text.trim().strip_prefix('*')?.to_string();
                Some(TypeExpr {
                    text: pointee,
                    ..ty
                })
            }
            "<-" => {
                let ty = self.expression_type(operand, at)?;
                let channel = self.underlying(&ty);
                let (None, element) = elements(channel.text.trim())? else {
                    return None;
                };
                Some(TypeExpr {
                    text: element,
                    ..channel
                })
            }
            _ => self.expression_type(operand, at),
        }
    }

    fn binary_type(&self, expr: Node, at: &Place) -> Option<TypeExpr> {
        let operator = text(expr.child_by_field_name("operator")?, at.source);
        if matches!(
            operator,
            "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||"
        ) {
            return Some(at.typed("bool"));
        }
        // An untyped constant takes the other side's type.
        let typed = |side: &str| {
            let node = expr.child_by_field_name(side)?;
            literal_kind_type(node.kind())
                .is_none()
                .then(|| self.expression_type(node, at))
                .flatten()
        };
        typed("left")
            .or_else(|| typed("right"))
            .or_else(|| self.expression_type(expr.child_by_field_name("left")?, at))
    }
}

/// The names and values of a declaration (`a, b := x, y`, `var a, b = f()`).
fn declared_sides(decl: Node) -> Option<(Vec<Node>, Vec<Node>)> {
    match decl.kind() {
        "short_var_declaration" => Some((
            named_children(decl.child_by_field_name("left")?),
            named_children(decl.child_by_field_name("right")?),
        )),
        "var_spec" => {
            let mut cursor = decl.walk();
            let names = decl.children_by_field_name("name", &mut cursor).collect();
            Some((names, named_children(decl.child_by_field_name("value")?)))
        }
        _ => None,
    }
}

/// The type of a literal of this node kind, as a short declaration gives it.
fn literal_kind_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "int_literal" => "int",
        "float_literal" => "float64",
        "imaginary_literal" => "complex128",
        "rune_literal" => "rune",
        "interpreted_string_literal" | "raw_string_literal" => "string",
        "true" | "false" => "bool",
        _ => return None,
    })
}

/// (key, element) of a container type as written: `[]E` and `[N]E` give
/// (int, E), `map[K]V` (K, V), channels (none, E), and `string` (int,
/// byte): an index's byte, though a range gives runes (the caller that
/// ranges says so).
fn elements(container: &str) -> Option<(Option<String>, String)> {
    let int = Some("int".to_string());
    if let Some(rest) = container.strip_prefix("map[") {
        let close = matching_bracket(rest)?;
        let key = rest[..close].trim().to_string();
        return Some((Some(key), rest[close + 1..].trim().to_string()));
    }
    if let Some(rest) = container.strip_prefix('[') {
        let close = matching_bracket(rest)?;
        return Some((int, rest[close + 1..].trim().to_string()));
    }
    for prefix in ["<-chan", "chan<-", "chan"] {
        if let Some(element) = container.strip_prefix(prefix) {
            return Some((None, element.trim().to_string()));
        }
    }
    (container == "string").then(|| (int, "byte".to_string()))
}

/// The offset of the `]` closing the bracket opened just before `text`.
fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_pointers(ty: &str) -> (usize, &str) {
    let stripped = ty.trim_start_matches('*').trim_start();
    (ty.len() - stripped.len(), stripped)
}

/// A type's text with its blanks squeezed to one: `func(a  int)` is
/// `func(a int)`.
fn squeezed(ty: &str) -> String {
    ty.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::imports::imports;
    use crate::go::parse::parse;
    use crate::go::syntax::descendants;

    /// A module with a store package, and a handler file whose `_ = EXPR`
    /// lines are the expressions asked about.
    const STORE: &str = "package store\n\nimport \"time\"\n\ntype Store struct {\n\tItems map[string][]*Item\n\tDone chan time.Time\n}\n\ntype Item struct{ N int }\n\ntype ID string\n\nfunc Open(path string) (*Store, error) { return nil, nil }\n\nfunc (s *Store) Get(id ID) (*Item, bool) { return nil, false }\n\nfunc (s *Store) Len() int { return 0 }\n\nfunc Map[K comparable, V any](m map[K]V) []V { return nil }\n";

    const HANDLER: &str = "package h\n\nimport (\n\t\"os\"\n\t\"strings\"\n\n\t\"example.com/m/store\"\n)\n\ntype local struct{ s *store.Store }\n\nfunc newLocal() local { return local{} }\n\nfunc H(names []string) {\n\ts, err := store.Open(\"x\")\n\tit, ok := s.Get(\"a\")\n\tfor k, v := range s.Items {\n\t\t_ = k\n\t\t_ = v\n\t}\n\tfor i, r := range \"ab\" {\n\t\t_ = i\n\t\t_ = r\n\t}\n\tf, _ := os.Open(\"x\")\n\t_ = err\n\t_ = it\n\t_ = ok\n\t_ = s.Len()\n\t_ = &store.Item{}\n\t_ = *it\n\t_ = <-s.Done\n\t_ = s.Items[\"a\"][0]\n\t_ = store.ID(\"x\")\n\t_ = []byte(\"x\")\n\t_ = make(map[string]int)\n\t_ = new(store.Item)\n\t_ = len(names) + 1\n\t_ = strings.Fields(\"a b\")\n\t_ = newLocal()\n\t_ = newLocal().s\n\t_ = f\n\t_ = store.Map(map[string]int{})\n\t_ = 1.5 * 2\n\t_ = func(a int) error { return nil }\n\t_ = names[0] == \"a\"\n}\n";

    /// The type found for each `_ = EXPR` of HANDLER, in order (`?` for
    /// none), and the index and folder to ask more of.
    fn types() -> Vec<(String, Option<TypeExpr>)> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
        std::fs::create_dir_all(root.join("store")).unwrap();
        std::fs::create_dir_all(root.join("h")).unwrap();
        std::fs::write(root.join("store/store.go"), STORE).unwrap();
        std::fs::write(root.join("h/h.go"), HANDLER).unwrap();
        let tree = parse(HANDLER).unwrap();
        let index = TypeIndex::default();
        let file_imports = Arc::new(imports(tree.root_node(), HANDLER));
        let here = root.join("h");
        let found: Vec<(String, Option<TypeExpr>)> = descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "assignment_statement")
            .filter(|n| {
                n.child_by_field_name("left")
                    .is_some_and(|l| text(l, HANDLER) == "_")
            })
            .map(|n| {
                let expr = n
                    .child_by_field_name("right")
                    .unwrap()
                    .named_child(0)
                    .unwrap();
                let ty = index.type_of_any(expr, HANDLER, &file_imports, &here);
                (text(expr, HANDLER).to_string(), ty)
            })
            .collect();
        // The index reads files lazily: keep the folder until asked.
        drop(dir);
        found
    }

    #[test]
    fn expressions_get_the_types_their_declarations_give() {
        let shown: Vec<String> = types()
            .into_iter()
            .map(|(expr, ty)| format!("{expr}: {}", ty.map_or("?".into(), |t| t.text)))
            .collect();
        assert_eq!(
            shown,
            [
                "k: string",
                "v: []*Item",
                "i: int",
                "r: rune",
                "err: error",
                "it: *Item",
                "ok: bool",
                "s.Len(): int",
                "&store.Item{}: *store.Item",
                "*it: Item",
                "<-s.Done: time.Time",
                "s.Items[\"a\"][0]: *Item",
                "store.ID(\"x\"): store.ID",
                "[]byte(\"x\"): []byte",
                "make(map[string]int): map[string]int",
                "new(store.Item): *store.Item",
                "len(names) + 1: int",
                "strings.Fields(\"a b\"): []string",
                "newLocal(): local",
                "newLocal().s: *store.Store",
                "f: *File",
                // Generic functions' results are not guessed.
                "store.Map(map[string]int{}): ?",
                "1.5 * 2: float64",
                "func(a int) error { return nil }: func(a int) error",
                "names[0] == \"a\": bool",
            ]
        );
    }

    #[test]
    fn types_match_by_import_path_whichever_file_declared_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
        std::fs::create_dir_all(root.join("store")).unwrap();
        std::fs::write(root.join("store/store.go"), STORE).unwrap();
        let index = TypeIndex::default();
        let in_store = |text: &str| TypeExpr {
            text: text.into(),
            imports: Arc::new(Vec::new()),
            dir: Arc::from(root.join("store").as_path()),
        };
        let here = root.join("h");
        let item = in_store("*Item");
        assert!(index.matches_type(&item, "*example.com/m/store.Item", &here));
        assert!(!index.matches_type(&item, "example.com/m/store.Item", &here));
        assert!(
            !index.matches_type(&item, "*Item", &here),
            "another package's type is not bare"
        );
        assert!(index.matches_type(&item, "*Item", &root.join("store")));
        assert!(index.matches_type(&in_store("[]byte"), "[]byte", &here));
        assert!(index.matches_type(&in_store("error"), "error", &here));
    }
}
