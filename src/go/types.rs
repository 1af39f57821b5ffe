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
        "call_expression" => {
            return allocation_type(value, source).or_else(|| conversion_type(value, source))
        }
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

/// What the source says of a value's type: what `name := value` would give
/// a new variable. A constant without a type takes its default type, `nil`
/// gives none at all (`:=` does not compile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    Nil,
    /// An untyped constant, with the type it defaults to.
    Untyped(&'static str),
    Typed(String),
    /// Typed, but only a type checker could say which type.
    Unknown,
}

pub fn value_type_of(value: Node, source: &str) -> ValueType {
    match value.kind() {
        "nil" => ValueType::Nil,
        "int_literal" => ValueType::Untyped("int"),
        "float_literal" => ValueType::Untyped("float64"),
        "imaginary_literal" => ValueType::Untyped("complex128"),
        "rune_literal" => ValueType::Untyped("rune"),
        "interpreted_string_literal" | "raw_string_literal" => ValueType::Untyped("string"),
        "true" | "false" => ValueType::Untyped("bool"),
        "iota" => ValueType::Untyped("int"),
        "parenthesized_expression" => value
            .named_child(0)
            .map_or(ValueType::Unknown, |v| value_type_of(v, source)),
        "unary_expression" => unary_value_type(value, source),
        "binary_expression" => binary_value_type(value, source),
        "call_expression" => conversion_type(value, source)
            .or_else(|| allocation_type(value, source))
            .map_or(ValueType::Unknown, ValueType::Typed),
        "composite_literal" => {
            literal_type(value, source).map_or(ValueType::Unknown, ValueType::Typed)
        }
        // `[]byte(s)`, `(*T)(p)`: spelled types the grammar tells apart.
        "type_conversion_expression" => value
            .child_by_field_name("type")
            .map_or(ValueType::Unknown, |t| {
                ValueType::Typed(text(t, source).to_string())
            }),
        _ => ValueType::Unknown,
    }
}

fn unary_value_type(value: Node, source: &str) -> ValueType {
    let operator = value
        .child_by_field_name("operator")
        .map(|o| text(o, source));
    let Some(operand) = value.child_by_field_name("operand") else {
        return ValueType::Unknown;
    };
    match (operator, value_type_of(operand, source)) {
        (Some("&"), _) => {
            address_of_literal(value, source).map_or(ValueType::Unknown, ValueType::Typed)
        }
        (Some("+" | "-" | "^" | "!"), untyped @ ValueType::Untyped(_)) => untyped,
        _ => ValueType::Unknown,
    }
}

/// Untyped operands give an untyped result: a comparison is a bool, a
/// shift has its left operand's kind, arithmetic the later of the kinds
/// (int, rune, float64, complex128), as the spec orders them.
fn binary_value_type(value: Node, source: &str) -> ValueType {
    let side = |field| {
        value
            .child_by_field_name(field)
            .map_or(ValueType::Unknown, |n| value_type_of(n, source))
    };
    let operator = value
        .child_by_field_name("operator")
        .map_or("", |o| text(o, source));
    let (ValueType::Untyped(left), ValueType::Untyped(right)) = (side("left"), side("right"))
    else {
        return ValueType::Unknown;
    };
    let rank = |t: &str| {
        ["int", "rune", "float64", "complex128"]
            .iter()
            .position(|k| *k == t)
    };
    match operator {
        "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" => ValueType::Untyped("bool"),
        "<<" | ">>" => ValueType::Untyped(left),
        _ if rank(left) >= rank(right) => ValueType::Untyped(left),
        _ => ValueType::Untyped(right),
    }
}

/// `int64(n)`: a conversion to a predeclared type, which the grammar
/// cannot tell from a call (a conversion to a named type looks like any call).
fn conversion_type(call: Node, source: &str) -> Option<String> {
    let function = call.child_by_field_name("function")?;
    let name = text(function, source);
    (function.kind() == "identifier" && is_predeclared_basic(name)).then(|| name.to_string())
}

fn is_predeclared_basic(name: &str) -> bool {
    matches!(
        name,
        "bool"
            | "string"
            | "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "uintptr"
            | "byte"
            | "rune"
            | "float32"
            | "float64"
            | "complex64"
            | "complex128"
    )
}

/// Whether a type written as `ty` is an interface, from its spelling
/// alone: `None` for a name only its declaration can tell.
pub fn interface_by_spelling(ty: &str) -> Option<bool> {
    let ty = ty.trim();
    if matches!(ty, "error" | "any") || ty.starts_with("interface") {
        return Some(true);
    }
    let composite = ["*", "[", "map[", "chan", "<-", "func", "struct"];
    if is_predeclared_basic(ty) || composite.iter().any(|p| ty.starts_with(p)) {
        return Some(false);
    }
    None
}

/// Would `name := value` give `name` the type it is declared with
/// (`declared`, when the declaration says)? `:=` types a variable by its
/// value, so it must not be used where the value's type differs: `nil`, an
/// untyped constant of another default type (`var n int64; n = 1`), or a
/// value assigned to an interface (`var r io.Reader; r = os.Stdin`).
/// `is_interface` answers for named types. Two leaps of faith, both where
/// nothing better can be known: a value assigned to `error` is an `error`
/// (Go's convention for results), and with neither type known the value
/// is taken to have the variable's type.
pub fn short_declaration_keeps_type(
    declared: Option<&str>,
    value: &ValueType,
    is_interface: impl Fn(&str) -> Option<bool>,
) -> bool {
    match (declared.map(str::trim), value) {
        (_, ValueType::Nil) => false,
        (Some(declared), ValueType::Untyped(default)) => same_type(declared, default),
        (None, ValueType::Untyped(_)) => false,
        (Some(declared), ValueType::Typed(ty)) => same_type(declared, ty),
        (None, ValueType::Typed(_) | ValueType::Unknown) => true,
        (Some("error"), ValueType::Unknown) => true,
        (Some(declared), ValueType::Unknown) => {
            interface_by_spelling(declared).or_else(|| is_interface(declared)) == Some(false)
        }
    }
}

/// Type spellings that denote one type: spaces aside, and the aliases
/// `byte` and `rune`.
fn same_type(a: &str, b: &str) -> bool {
    let canonical = |t: &str| -> String {
        let t: String = t.split_whitespace().collect();
        match t.as_str() {
            "byte" => "uint8".into(),
            "rune" => "int32".into(),
            _ => t,
        }
    };
    canonical(a) == canonical(b)
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

    /// The type of the value assigned in `x = VALUE`.
    fn assigned(value: &str) -> ValueType {
        let source = format!("package p\nfunc f() {{ x = {value} }}\n");
        let tree = crate::go::parse::parse(&source).unwrap();
        let right = super::super::syntax::descendants(tree.root_node())
            .into_iter()
            .find(|n| n.kind() == "assignment_statement")
            .and_then(|a| a.child_by_field_name("right"))
            .and_then(|r| r.named_child(0))
            .unwrap();
        value_type_of(right, &source)
    }

    #[test]
    fn values_have_the_type_short_declarations_would_give() {
        assert_eq!(assigned("nil"), ValueType::Nil);
        assert_eq!(assigned("1"), ValueType::Untyped("int"));
        assert_eq!(assigned("-(1 + 2.5)"), ValueType::Untyped("float64"));
        assert_eq!(assigned("'a' + 1"), ValueType::Untyped("rune"));
        assert_eq!(assigned("1 < 2"), ValueType::Untyped("bool"));
        assert_eq!(assigned("int64(n)"), ValueType::Typed("int64".into()));
        assert_eq!(assigned("[]byte(s)"), ValueType::Typed("[]byte".into()));
        assert_eq!(assigned("&T{}"), ValueType::Typed("*T".into()));
        assert_eq!(assigned("os.Stdin"), ValueType::Unknown);
        assert_eq!(assigned("time.Duration(5)"), ValueType::Unknown);
    }

    #[test]
    fn short_declarations_that_change_the_type_are_refused() {
        let named = |_: &str| None;
        let keeps = |declared: Option<&str>, value: &str| {
            short_declaration_keeps_type(declared, &assigned(value), named)
        };
        assert!(!keeps(Some("error"), "nil"));
        assert!(!keeps(Some("int64"), "1"));
        assert!(keeps(Some("int"), "1"));
        assert!(keeps(Some("byte"), "uint8(1)"));
        assert!(!keeps(Some("io.Reader"), "os.Stdin"));
        assert!(keeps(Some("*os.File"), "os.Stdin"));
        assert!(keeps(Some("error"), "check()"));
        assert!(!keeps(Some("error"), "&MyErr{}"));
        assert!(!keeps(None, "0"));
        assert!(keeps(None, "load()"));
        let interfaces = |t: &str| Some(t == "Storer");
        assert!(!short_declaration_keeps_type(
            Some("Storer"),
            &assigned("open()"),
            interfaces
        ));
        assert!(short_declaration_keeps_type(
            Some("Table"),
            &assigned("open()"),
            interfaces
        ));
    }
}
