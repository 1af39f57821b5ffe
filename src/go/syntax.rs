//! Small helpers over tree-sitter nodes and source text.

use tree_sitter::Node;

pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// True when `inner` lies within `outer` (byte ranges).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Every node below `node` (itself included), in source order.
pub fn descendants(node: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    loop {
        out.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return out;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

pub fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The root of the tree `node` belongs to.
fn root_of<'t>(node: Node<'t>) -> Node<'t> {
    let raw = node.into_raw();
    // SAFETY: `raw.tree` is the live tree that `node` borrows for 't (a
    // node never outlives its tree), and the root node of that tree is
    // valid for as long as the tree is: the same lifetime 't.
    unsafe { Node::from_raw(tree_sitter::ffi::ts_tree_root_node(raw.tree)) }
}

/// `node`'s ancestors, nearest first, `node` itself left out.
///
/// tree-sitter keeps no parent links: `Node::parent` walks down from the
/// root, so climbing one `parent()` at a time costs depth² steps, and
/// in a large tree every step as much as the file is wide. This walks
/// down once, for the price of a single `parent()`.
pub fn ancestors<'t>(node: Node<'t>) -> std::iter::Rev<std::vec::IntoIter<Node<'t>>> {
    let mut path = Vec::new();
    let mut current = root_of(node);
    while current.id() != node.id() {
        path.push(current);
        match current.child_with_descendant(node) {
            Some(next) => current = next,
            // Not below the root: a node of another tree cannot get here.
            None => break,
        }
    }
    path.into_iter().rev()
}

/// The nearest ancestor (not `node` itself) of one of `kinds`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    ancestors(node).find(|n| kinds.contains(&n.kind()))
}

/// The declaration at the top of the file (a child of `source_file`) holding `node`.
pub fn top_level_declaration(node: Node) -> Node {
    let mut path = ancestors(node).rev();
    match path.next() {
        Some(root) if root.kind() == "source_file" => path.next().unwrap_or(node),
        Some(root) => root,
        None => node,
    }
}

/// The anonymous operator token of an assignment-like node (`=`, `:=`, `+=`).
pub fn operator<'t>(node: Node<'t>) -> Option<Node<'t>> {
    if let Some(op) = node.child_by_field_name("operator") {
        return Some(op);
    }
    let mut cursor = node.walk();
    let found = node
        .children(&mut cursor)
        .find(|c| !c.is_named() && matches!(c.kind(), "=" | ":="));
    found
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset just past the newline ending the line holding `offset`.
pub fn next_line_start(source: &str, offset: usize) -> usize {
    source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i + 1)
}

/// The leading whitespace of the line holding `offset`.
pub fn indentation(source: &str, offset: usize) -> &str {
    let start = line_start(source, offset);
    let line = &source[start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// True when nothing but whitespace stands on the line between its start and
/// `start`, and between `end` and the line's end: the node owns its lines.
pub fn owns_its_lines(source: &str, start: usize, end: usize) -> bool {
    let before = &source[line_start(source, start)..start];
    let after_end = next_line_start(source, end);
    let after = &source[end..after_end];
    before.trim().is_empty() && after.trim().is_empty()
}

pub fn is_blank_line_at(source: &str, line_start_offset: usize) -> bool {
    let end = next_line_start(source, line_start_offset);
    line_start_offset < source.len() && source[line_start_offset..end].trim().is_empty()
}

/// The 1-based line a node starts on; constant time (the tree knows it),
/// where `LineIndex` finds a byte offset's line in a list of line starts.
pub fn line_of(node: Node) -> usize {
    node.start_position().row + 1
}

/// The 1-based line a node ends on.
pub fn end_line_of(node: Node) -> usize {
    node.end_position().row + 1
}

/// Where each line of a text starts, found once, so that a file with many
/// findings does not count lines from the top for every one.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let newlines = source.match_indices('\n').map(|(i, _)| i + 1);
        LineIndex {
            starts: std::iter::once(0).chain(newlines).collect(),
        }
    }

    /// 1-based line and column (in bytes) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&start| start <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }

    /// The same place as tree-sitter counts it: 0-based row and column.
    pub fn point(&self, offset: usize) -> tree_sitter::Point {
        let (line, column) = self.line_column(offset);
        tree_sitter::Point::new(line - 1, column - 1)
    }
}

/// The statements of a `block` (tree-sitter-go wraps them in a
/// `statement_list`), comments included.
pub fn block_statements(block: Node) -> Vec<Node> {
    named_children(block)
        .into_iter()
        .flat_map(|child| {
            if child.kind() == "statement_list" {
                named_children(child)
            } else {
                vec![child]
            }
        })
        .collect()
}

/// Visits `node` and its descendants, not entering function literals
/// (their returns and calls are their own).
pub fn walk_outside_literals<'t>(node: Node<'t>, visit: &mut dyn FnMut(Node<'t>)) {
    visit(node);
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() != "func_literal" {
            walk_outside_literals(child, visit);
        }
    }
}

/// The body of the innermost function declaration, method or function
/// literal around `node`.
pub fn enclosing_body(node: Node) -> Option<Node> {
    ancestors(node)
        .find(|n| {
            matches!(
                n.kind(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        })
        .and_then(|f| f.child_by_field_name("body"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk down from the root finds exactly the chain `parent()` climbs,
    /// for every node: named or not, empty, nested in literals.
    #[test]
    fn ancestors_are_the_parent_chain_of_every_node() {
        let source = "package p\n\nimport \"testing\"\n\nvar x, y = 1, 2\n\n\
            func TestA(t *testing.T) {\n\tfor i := range 3 {\n\t\tt.Run(\"a\", func(t *testing.T) {\n\
            \t\t\tt.Parallel()\n\t\t\tx = i + y // c\n\t\t\tgo func() { defer func() {}() }()\n\
            \t\t})\n\t}\n}\n\nfunc f() (err error) { return }\n";
        let tree = crate::go::parse::parse(source).unwrap();
        let all = descendants(tree.root_node());
        assert!(
            all.len() > 100,
            "the sample is large enough to mean something"
        );
        for node in all {
            let climbed: Vec<usize> = std::iter::successors(node.parent(), |n| n.parent())
                .map(|n| n.id())
                .collect();
            let walked: Vec<usize> = ancestors(node).map(|n| n.id()).collect();
            assert_eq!(
                walked,
                climbed,
                "ancestors of {} at {}",
                node.kind(),
                node.start_byte()
            );
        }
        let x = all_named(&tree, "identifier", "x", source)[1];
        assert_eq!(top_level_declaration(x).kind(), "function_declaration");
        assert_eq!(
            ancestor_of_kind(x, &["func_literal"]).map(|f| f.start_position().row),
            Some(8)
        );
        assert_eq!(
            top_level_declaration(tree.root_node()).kind(),
            "source_file"
        );
    }

    fn all_named<'t>(
        tree: &'t tree_sitter::Tree,
        kind: &str,
        name: &str,
        source: &str,
    ) -> Vec<Node<'t>> {
        descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == kind && text(*n, source) == name)
            .collect()
    }
}
