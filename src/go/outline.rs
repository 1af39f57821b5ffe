//! The syntax tree as a rule author needs to see it (`fixgen tree`): each
//! named node's field and kind, where it is, and the text of its leaves,
//! indented by depth: the names a rule's `query` and `kind` use.

use std::fmt::Write as _;
use tree_sitter::{Node, Tree};

/// Leaves longer than this are cut, so one string literal cannot hide the
/// structure around it.
const LEAF_TEXT: usize = 60;

/// The outline of `tree` (parsed from `source`); with `line` (1-based),
/// only the nodes that touch that line, with their ancestors for context.
pub fn outline(tree: &Tree, source: &str, line: Option<usize>) -> String {
    let mut out = String::new();
    let mut cursor = tree.walk();
    write_node(&mut cursor, source, line.map(|l| l - 1), 0, &mut out);
    out
}

fn write_node(
    cursor: &mut tree_sitter::TreeCursor,
    source: &str,
    row: Option<usize>,
    depth: usize,
    out: &mut String,
) {
    let node = cursor.node();
    if row.is_some_and(|r| node.start_position().row > r || node.end_position().row < r) {
        return;
    }
    if node.is_named() || node.is_missing() {
        line_of(node, cursor.field_name(), source, depth, out);
    }
    if cursor.goto_first_child() {
        let inner = depth + usize::from(node.is_named());
        loop {
            write_node(cursor, source, row, inner, out);
            if !cursor.goto_next_sibling() {
                break;
            }
        }
        cursor.goto_parent();
    }
}

/// `  field: kind [row:col-row:col] "text"`, rows and columns 1-based as
/// fixgen prints places.
fn line_of(node: Node, field: Option<&str>, source: &str, depth: usize, out: &mut String) {
    let (start, end) = (node.start_position(), node.end_position());
    let _ = write!(out, "{}", "  ".repeat(depth));
    if let Some(field) = field {
        let _ = write!(out, "{field}: ");
    }
    let kind = match (node.is_error(), node.is_missing()) {
        (true, _) => "ERROR".to_string(),
        (_, true) => format!("MISSING {}", node.kind()),
        _ => node.kind().to_string(),
    };
    let _ = write!(
        out,
        "{kind} [{}:{}-{}:{}]",
        start.row + 1,
        start.column + 1,
        end.row + 1,
        end.column + 1
    );
    if node.named_child_count() == 0 {
        let text = &source[node.byte_range()];
        let shown: String = text.chars().take(LEAF_TEXT).collect();
        let cut = if shown.len() < text.len() { "…" } else { "" };
        let _ = write!(out, " {:?}", format!("{shown}{cut}"));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_kinds_places_and_leaf_text_indented_by_depth() {
        let source = "package p\n\nfunc f() {\n\terr = g()\n}\n";
        let parsed = crate::go::parse::parse_keeping_errors(source);
        let line = outline(&parsed.tree, source, Some(4));
        assert_eq!(
            line,
            "source_file [1:1-6:1]\n\
             \x20 function_declaration [3:1-5:2]\n\
             \x20   body: block [3:10-5:2]\n\
             \x20     statement_list [4:2-5:1]\n\
             \x20       assignment_statement [4:2-4:11]\n\
             \x20         left: expression_list [4:2-4:5]\n\
             \x20           identifier [4:2-4:5] \"err\"\n\
             \x20         right: expression_list [4:8-4:11]\n\
             \x20           call_expression [4:8-4:11]\n\
             \x20             function: identifier [4:8-4:9] \"g\"\n\
             \x20             arguments: argument_list [4:9-4:11] \"()\"\n"
        );
        let whole = outline(&parsed.tree, source, None);
        assert!(
            whole
                .contains("  package_clause [1:1-1:10]\n    package_identifier [1:9-1:10] \"p\"\n"),
            "{whole}"
        );
        assert!(
            whole.contains("    name: identifier [3:6-3:7] \"f\"\n"),
            "{whole}"
        );
    }
}
