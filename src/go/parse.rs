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
    /// What is wrong: `syntax error`, or what go/parser would reject.
    pub what: &'static str,
}

impl SyntaxError {
    fn at(node: Node, what: &'static str) -> SyntaxError {
        let pos = node.start_position();
        SyntaxError {
            line: pos.row + 1,
            column: pos.column + 1,
            what,
        }
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}:{}", self.what, self.line, self.column)
    }
}

/// Deeper trees are refused: go/parser refuses to nest deeper than 10⁵
/// levels, and each of its levels is at least one level of the tree.
const MAX_DEPTH: usize = 100_000;

/// Parses `source` as a whole Go file, by go/parser's standard rather than
/// tree-sitter's more forgiving one: one package clause first, then only
/// imports and declarations, nested no deeper than `MAX_DEPTH`. What fixgen
/// writes must pass this.
pub fn parse_go_file(source: &str) -> Result<Tree, SyntaxError> {
    let tree = parse(source)?;
    check_file_layout(tree.root_node())?;
    check_depth(tree.root_node())?;
    Ok(tree)
}

fn check_file_layout(root: Node) -> Result<(), SyntaxError> {
    let mut cursor = root.walk();
    let items: Vec<Node> = root
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let Some(first) = items.first() else {
        return Err(SyntaxError::at(root, "no package clause"));
    };
    if first.kind() != "package_clause" {
        return Err(SyntaxError::at(*first, "no package clause first"));
    }
    let mut imports_allowed = true;
    for item in &items[1..] {
        match item.kind() {
            "import_declaration" if imports_allowed => {}
            "import_declaration" => {
                return Err(SyntaxError::at(*item, "an import after a declaration"))
            }
            "function_declaration"
            | "method_declaration"
            | "type_declaration"
            | "var_declaration"
            | "const_declaration" => imports_allowed = false,
            "package_clause" => return Err(SyntaxError::at(*item, "a second package clause")),
            _ => return Err(SyntaxError::at(*item, "a statement outside any function")),
        }
    }
    Ok(())
}

/// Walks the tree without recursion (the depth is what is in question).
fn check_depth(root: Node) -> Result<(), SyntaxError> {
    let mut cursor = root.walk();
    let mut depth = 0;
    loop {
        if depth > MAX_DEPTH {
            return Err(SyntaxError::at(cursor.node(), "nesting too deep"));
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return Ok(());
            }
            depth -= 1;
        }
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
        Some(node) => Err(SyntaxError::at(node, "syntax error")),
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

#[cfg(test)]
mod go_file_tests {
    use super::*;

    fn what(source: &str) -> Option<&'static str> {
        parse_go_file(source).err().map(|e| e.what)
    }

    #[test]
    fn files_go_parser_rejects_are_not_go_files() {
        assert_eq!(what("package p\n\nfunc f() {}\n"), None);
        assert_eq!(
            what("// doc\npackage p\nimport \"fmt\"\nvar _ = fmt.Sprint\n"),
            None
        );
        assert_eq!(what(""), Some("no package clause"));
        assert_eq!(what("func f() {}\n"), Some("no package clause first"));
        assert_eq!(
            what("package p\nx := 1\n"),
            Some("a statement outside any function")
        );
        assert_eq!(
            what("package p\nvar x = 1\nimport \"fmt\"\n"),
            Some("an import after a declaration")
        );
        let deep = format!("package p\nvar x = {}1{}\n", "-".repeat(MAX_DEPTH), "");
        assert_eq!(what(&deep), Some("nesting too deep"));
        let shallow = format!(
            "package p\nvar x = {}1{}\n",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert_eq!(what(&shallow), None);
    }
}
