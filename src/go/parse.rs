//! Parsing Go source with tree-sitter-go, one parser per thread.

use std::cell::RefCell;
use tree_sitter::{Language, Node, Parser, Tree};

pub fn language() -> Language {
    tree_sitter_go::LANGUAGE.into()
}

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&language())
            .expect("tree-sitter-go is compatible with the linked tree-sitter");
        parser
    });
}

/// Where a file fails to parse, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "syntax error at {}:{}", self.line, self.column)
    }
}

/// Parses `source`; a tree with any ERROR or MISSING node is a syntax error,
/// because rewriting code we misunderstood is how tools corrupt files.
pub fn parse(source: &str) -> Result<Tree, SyntaxError> {
    parse_leaving_out(source, &[])
}

/// Like `parse`, leaving the byte ranges `left_out` (sorted, disjoint,
/// each a run of whole top-level items or a body's inside) unparsed; the
/// tree keeps the file's offsets and positions. See `go::narrow`.
pub fn parse_leaving_out(source: &str, left_out: &[(usize, usize)]) -> Result<Tree, SyntaxError> {
    let ranges = if left_out.is_empty() {
        Vec::new()
    } else {
        super::narrow::ranges_without(source, left_out)
    };
    let tree = PARSER
        .with(|p| {
            let mut parser = p.borrow_mut();
            if ranges.is_empty() {
                return parser.parse(source, None);
            }
            parser
                .set_included_ranges(&ranges)
                .expect("ranges are sorted and disjoint");
            let tree = parser.parse(source, None);
            // Back to the whole file for the next caller.
            parser.set_included_ranges(&[]).expect("no ranges is valid");
            tree
        })
        .expect("parsing without a timeout or cancellation flag always yields a tree");
    match first_error(tree.root_node()) {
        Some(node) => {
            let pos = node.start_position();
            Err(SyntaxError {
                line: pos.row + 1,
                column: pos.column + 1,
            })
        }
        None => Ok(tree),
    }
}

fn first_error(node: Node) -> Option<Node> {
    if !node.has_error() {
        return None;
    }
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error).or(Some(node))
}
