//! Facts about a package's top-level functions that rules reason over
//! without keeping trees around: the signature, the calls a body makes, the
//! string literals and names it uses. Extracted the same way from files on
//! disk (the package index) and from the file being fixed (its current
//! text), so that both agree.

use super::syntax::{descendants, line_of, named_children, text};
use std::collections::HashSet;
use tree_sitter::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// The receiver's type name (`Store` for `(s *Store)`), for methods.
    pub receiver: Option<String>,
    /// The file's name within its package folder.
    pub file: String,
    pub line: usize,
    /// Parameters as (name, type as written); the name is empty when unnamed.
    pub params: Vec<(String, String)>,
    /// Calls in the body, nested function literals included.
    pub calls: Vec<Call>,
    /// The values of the string literals in the body.
    pub strings: Vec<String>,
    /// Identifiers the body uses (a constant declared elsewhere, say).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `f` in `f(…)`, `x.f(…)` and `pkg.f(…)`.
    pub name: String,
    pub line: usize,
    /// A method called on a value (`x.f(…)`), not a function of this or
    /// an imported package (`f(…)`, `pkg.f(…)`).
    pub on_value: bool,
}

impl Function {
    /// `(*Store).Create` or `create`: how Go tools name it.
    pub fn display_name(&self) -> String {
        match &self.receiver {
            Some(recv) => format!("{recv}.{}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn calls_name(&self, name: &str) -> bool {
        self.calls.iter().any(|c| c.name == name)
    }
}

/// Every top-level function and method of a file with a body.
pub fn functions(root: Node, source: &str, file: &str) -> Vec<Function> {
    let packages = imported_names(root, source);
    named_children(root)
        .into_iter()
        .filter_map(|decl| facts(decl, source, file, &packages))
        .collect()
}

/// The facts of one `function_declaration` or `method_declaration`.
pub fn function(decl: Node, source: &str, file: &str) -> Option<Function> {
    let root = decl.parent()?;
    facts(decl, source, file, &imported_names(root, source))
}

/// The names by which a file refers to the packages it imports.
fn imported_names(root: Node, source: &str) -> HashSet<String> {
    super::imports::imports(root, source)
        .into_iter()
        .map(|i| i.local_name)
        .collect()
}

fn facts(decl: Node, source: &str, file: &str, packages: &HashSet<String>) -> Option<Function> {
    if !matches!(decl.kind(), "function_declaration" | "method_declaration") {
        return None;
    }
    let body = decl.child_by_field_name("body")?;
    let receiver = decl
        .child_by_field_name("receiver")
        .and_then(|r| r.named_child(0))
        .and_then(|p| p.child_by_field_name("type"))
        .map(|t| {
            let written = text(t, source).trim_start_matches('*');
            written.split('[').next().unwrap_or(written).to_string()
        });
    let mut calls = Vec::new();
    let mut strings = Vec::new();
    let mut names = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for node in descendants(body) {
        match node.kind() {
            "call_expression" => {
                if let Some(name) = called_name(node, source) {
                    calls.push(Call {
                        name: name.to_string(),
                        line: line_of(node),
                        on_value: on_value(node, source, packages),
                    });
                }
            }
            // `f[T](x)` parses as a conversion to a generic type.
            "type_conversion_expression" => {
                if let Some(name) = node
                    .child_by_field_name("type")
                    .filter(|t| t.kind() == "generic_type")
                    .and_then(|t| t.child_by_field_name("type"))
                {
                    calls.push(Call {
                        name: text(name, source).to_string(),
                        line: line_of(node),
                        on_value: false,
                    });
                }
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                strings.push(string_value(node, source));
            }
            "identifier" => {
                let name = text(node, source);
                if seen.insert(name) {
                    names.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    Some(Function {
        name: text(decl.child_by_field_name("name")?, source).to_string(),
        receiver,
        file: file.to_string(),
        line: line_of(decl),
        params: parameters(decl.child_by_field_name("parameters")?, source),
        calls,
        strings,
        names,
    })
}

/// Whether `call` calls a method on a value: `x.f(…)` where `x` is not
/// an imported package's name.
fn on_value(call: Node, source: &str, packages: &HashSet<String>) -> bool {
    let Some(function) = call.child_by_field_name("function") else {
        return false;
    };
    if function.kind() != "selector_expression" {
        return false;
    }
    match function.child_by_field_name("operand") {
        Some(operand) if operand.kind() == "identifier" => {
            !packages.contains(text(operand, source))
        }
        Some(_) => true,
        None => false,
    }
}

/// The name a call calls: `f` in `f(…)`, `x.f(…)`, `f[T](…)`.
pub fn called_name<'s>(call: Node, source: &'s str) -> Option<&'s str> {
    let mut function = call.child_by_field_name("function")?;
    if function.kind() == "generic_type" || function.kind() == "index_expression" {
        function = function.named_child(0)?;
    }
    match function.kind() {
        "identifier" | "type_identifier" => Some(text(function, source)),
        "selector_expression" => Some(text(function.child_by_field_name("field")?, source)),
        _ => None,
    }
}

/// (name, type) for each parameter of a `parameter_list`; a declaration
/// naming several (`a, b int`) gives one entry per name.
pub fn parameters(list: Node, source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for param in named_children(list) {
        let Some(ty) = param.child_by_field_name("type") else {
            continue;
        };
        let mut ty = text(ty, source).to_string();
        if param.kind() == "variadic_parameter_declaration" {
            ty = format!("...{ty}");
        }
        let mut cursor = param.walk();
        let param_names: Vec<Node> = param.children_by_field_name("name", &mut cursor).collect();
        if param_names.is_empty() {
            out.push((String::new(), ty.clone()));
        }
        for name in param_names {
            out.push((text(name, source).to_string(), ty.clone()));
        }
    }
    out
}

/// Package-level `const NAME = "…"` declarations of a file.
pub fn string_constants(root: Node, source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for decl in named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "const_declaration")
    {
        for spec in named_children(decl)
            .into_iter()
            .filter(|s| s.kind() == "const_spec")
        {
            let Some(values) = spec.child_by_field_name("value") else {
                continue;
            };
            let mut cursor = spec.walk();
            let spec_names: Vec<Node> = spec.children_by_field_name("name", &mut cursor).collect();
            for (name, value) in spec_names.into_iter().zip(named_children(values)) {
                if let Some(value) = string_constant_value(value, source) {
                    out.push((text(name, source).to_string(), value));
                }
            }
        }
    }
    out
}

/// A string literal, or literals joined with `+`, as its value.
fn string_constant_value(node: Node, source: &str) -> Option<String> {
    match node.kind() {
        "interpreted_string_literal" | "raw_string_literal" => Some(string_value(node, source)),
        "binary_expression" if node.child_by_field_name("operator")?.kind() == "+" => {
            let left = string_constant_value(node.child_by_field_name("left")?, source)?;
            let right = string_constant_value(node.child_by_field_name("right")?, source)?;
            Some(left + &right)
        }
        "parenthesized_expression" => string_constant_value(node.named_child(0)?, source),
        _ => None,
    }
}

/// The value of a string literal: raw literals as written, interpreted ones
/// with the common escapes undone (enough to read SQL, not a Go lexer).
pub fn string_value(node: Node, source: &str) -> String {
    let raw = text(node, source);
    // Both delimiters (`"` or `` ` ``) are one byte.
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    if node.kind() == "raw_string_literal" {
        return inner.to_string();
    }
    inner
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;

    #[test]
    fn facts_of_functions_and_constants() {
        let src = "package p\n\nconst q = \"INSERT INTO t \" + `(a) VALUES (?)`\n\nfunc (s *Store[T]) Save(ctx context.Context, a, b int, rest ...string) error {\n\ttx, _ := s.db.BeginTx(ctx, nil)\n\t_, err := tx.ExecContext(ctx, q, a)\n\thelper[int](\"x\\n\")\n\treturn tx.Commit()\n}\n";
        let tree = parse(src).unwrap();
        let fs = functions(tree.root_node(), src, "s.go");
        assert_eq!(fs.len(), 1);
        let f = &fs[0];
        assert_eq!(f.display_name(), "Store.Save");
        assert_eq!(f.line, 5);
        assert_eq!(
            f.params,
            [
                ("ctx".to_string(), "context.Context".to_string()),
                ("a".into(), "int".into()),
                ("b".into(), "int".into()),
                ("rest".into(), "...string".into())
            ]
        );
        let calls: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(calls, ["BeginTx", "ExecContext", "helper", "Commit"]);
        assert_eq!(f.strings, ["x\n"]);
        assert!(f.names.contains(&"q".to_string()));
        assert_eq!(
            string_constants(tree.root_node(), src),
            [("q".to_string(), "INSERT INTO t (a) VALUES (?)".to_string())]
        );
    }
}
