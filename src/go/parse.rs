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
    let tree = PARSER
        .with(|p| p.borrow_mut().parse(source, None))
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
