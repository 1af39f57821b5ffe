//! Naming the type of a variable from its declaration, as far as the source
//! says it without a type checker, and comparing a written type with a
//! path-qualified one (`*testing.T`) through the file's imports.

use super::imports::Import;
use super::scope::{Binding, BindingKind};
use super::syntax::{named_children, text};
use tree_sitter::Node;

/// The type a `var NAME TYPE` declaration needs to stand for the variable,
/// or `None` when the declaration does not say.
pub fn declared_type(binding: &Binding, source: &str) -> Option<String> {
    let name = text(binding.name, source);
    let decl = binding.declaration;
    match binding.kind {
        BindingKind::Var | BindingKind::Package if decl.kind() == "var_spec" => {
            if let Some(ty) = decl.child_by_field_name("type") {
                return Some(text(ty, source).to_string());
            }
            let index = name_index(decl, binding.name, "name")?;
            value_type(name, decl.child_by_field_name("value")?, index, source)
        }
        BindingKind::ShortVar | BindingKind::Package if decl.kind() == "short_var_declaration" => {
            let left = decl.child_by_field_name("left")?;
            let index = named_children(left)
                .iter()
                .position(|n| n.id() == binding.name.id())?;
            value_type(name, decl.child_by_field_name("right")?, index, source)
        }
        BindingKind::Param | BindingKind::Result | BindingKind::Receiver => {
            let ty = text(decl.child_by_field_name("type")?, source);
            Some(if decl.kind() == "variadic_parameter_declaration" {
                format!("[]{ty}")
            } else {
                ty.to_string()
            })
        }
        _ => None,
    }
}

fn name_index(decl: Node, name: Node, field: &str) -> Option<usize> {
    let mut cursor = decl.walk();
    let names: Vec<Node> = decl.children_by_field_name(field, &mut cursor).collect();
    names.iter().position(|n| n.id() == name.id())
}

/// The type of the `index`th value on a declaration's right side.
fn value_type(name: &str, values: Node, index: usize, source: &str) -> Option<String> {
    let values = named_children(values);
    let value = if values.len() == 1 && index > 0 {
        // `a, err := f()`: one call, several results. Only the error
        // convention names a result's type without a type checker.
        return is_error_name(name).then(|| "error".to_string());
    } else {
        *values.get(index)?
    };
    if value.kind() == "call_expression" && is_error_name(name) && !is_builtin_call(value, source) {
        return Some("error".to_string());
    }
    literal_type(value, source)
}

fn is_error_name(name: &str) -> bool {
    name == "err"
}

fn is_builtin_call(call: Node, source: &str) -> bool {
    call.child_by_field_name("function")
        .is_some_and(|f| matches!(text(f, source), "make" | "new"))
}

/// The default type of a literal-like expression.
pub fn literal_type(value: Node, source: &str) -> Option<String> {
    let simple = match value.kind() {
        "int_literal" => "int",
        "float_literal" => "float64",
        "imaginary_literal" => "complex128",
        "rune_literal" => "rune",
        "interpreted_string_literal" | "raw_string_literal" => "string",
        "true" | "false" => "bool",
        "composite_literal" => {
            return Some(text(value.child_by_field_name("type")?, source).into())
        }
        "unary_expression" => return address_of_literal(value, source),
        "call_expression" => return allocation_type(value, source),
        "parenthesized_expression" => return literal_type(value.named_child(0)?, source),
        _ => return None,
    };
    Some(simple.to_string())
}

fn address_of_literal(value: Node, source: &str) -> Option<String> {
    let operand = value.child_by_field_name("operand")?;
    let op = value.child_by_field_name("operator")?;
    if text(op, source) != "&" || operand.kind() != "composite_literal" {
        return None;
    }
    literal_type(operand, source).map(|t| format!("*{t}"))
}

/// `make(T, …)` is a T, `new(T)` a *T.
fn allocation_type(call: Node, source: &str) -> Option<String> {
    let function = text(call.child_by_field_name("function")?, source);
    let first = call.child_by_field_name("arguments")?.named_child(0)?;
    let ty = text(first, source);
    match function {
        "make" => Some(ty.to_string()),
        "new" => Some(format!("*{ty}")),
        _ => None,
    }
}

/// Does the type written as `written` in a file with `imports` denote
/// `expected`, given as a path-qualified type such as `*testing.T` or
/// `github.com/go-sql-driver/mysql.MySQLError`?
pub fn type_matches(written: &str, expected: &str, imports: &[Import]) -> bool {
    let (written_ptr, written) = strip_pointers(written.trim());
    let (expected_ptr, expected) = strip_pointers(expected.trim());
    if written_ptr != expected_ptr {
        return false;
    }
    match (written.split_once('.'), expected.rsplit_once('.')) {
        (Some((qualifier, name)), Some((path, expected_name))) => {
            name == expected_name
                && imports
                    .iter()
                    .any(|i| i.local_name == qualifier && i.path == path)
        }
        (None, None) => written == expected,
        _ => false,
    }
}

fn strip_pointers(ty: &str) -> (usize, &str) {
    let stripped = ty.trim_start_matches('*');
    (ty.len() - stripped.len(), stripped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_types_resolve_through_aliases() {
        let imports = vec![Import {
            local_name: "tst".into(),
            path: "testing".into(),
        }];
        assert!(type_matches("*tst.T", "*testing.T", &imports));
        assert!(!type_matches("tst.T", "*testing.T", &imports));
        assert!(!type_matches("*testing.T", "*testing.T", &imports));
        assert!(type_matches("error", "error", &[]));
    }
}
