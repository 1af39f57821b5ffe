//! Parsing Go source with tree-sitter-go, one parser per thread.

use super::error_nodes::{
    declarations_with_errors, explained_by_newer_syntax, tolerated_where, ErrorNodes,
};
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

    /// At byte `offset` of `source` (columns count bytes, as tree-sitter's).
    pub fn at_offset(source: &str, offset: usize, what: &'static str) -> SyntaxError {
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        SyntaxError {
            line: source[..offset].matches('\n').count() + 1,
            column: offset - line_start + 1,
            what,
        }
    }
}

/// A tree and the error nodes it holds (see `go::error_nodes`).
pub struct Parsed {
    pub tree: Tree,
    pub errors: ErrorNodes,
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
    check_around_errors(tree.root_node(), source)?;
    Ok(tree)
}

/// Like `parse_go_file`, for a file whose error nodes fixgen tolerates
/// (`go::error_nodes::tolerated`): the declarations holding them are the
/// author's, unchecked; everything else must pass. Returns the tree and
/// its error nodes.
pub fn parse_go_file_tolerating(source: &str) -> Result<Parsed, SyntaxError> {
    let parsed = parse_tolerating(source)?;
    check_around_errors(parsed.tree.root_node(), source)?;
    Ok(parsed)
}

/// `parse_go_file`'s checks on a tree of the whole of `source`, leaving
/// out the top-level declarations that hold error nodes (none, in a tree
/// `parse` accepted).
fn check_around_errors(root: Node, source: &str) -> Result<(), SyntaxError> {
    let unread: Vec<(usize, usize)> = declarations_with_errors(root)
        .iter()
        .map(|d| (d.start_byte(), d.end_byte()))
        .collect();
    check_characters(root, source)?;
    check_comment_starts(root, source, &super::narrow::kept(source.len(), &unread))?;
    check_file_layout(root, source.len())?;
    check_leaves(root, source)
}

/// A part of a file parsed and checked on its own holds about this many
/// bytes (here, and in the engine's check rounds).
pub const PART_BYTES: usize = 128 * 1024;

/// Whether `source` passes `parse_go_file`, a large file a part at a time
/// and the parts in parallel: one tree-sitter parse of a large file is
/// slow and would use one core.
///
/// Each part is a run of whole top-level items (they start lines in
/// column one, outside any bracket, string or comment), parsed together
/// with the package clause and imports and checked as a file. Parts that
/// each pass make a file that passes: Go's top level is a list of
/// declarations, each ended by its line. Where a part fails (a real
/// error, or items the small lexer split wrongly) the whole file is
/// parsed and decides, and names the error.
pub fn check_go_file(source: &str) -> Result<(), SyntaxError> {
    check_in_parts(source, PART_BYTES)
}

fn check_in_parts(source: &str, part_bytes: usize) -> Result<(), SyntaxError> {
    match parts_pass(source, part_bytes) {
        Some(true) => Ok(()),
        _ => parse_go_file(source).map(drop),
    }
}

/// Whether every part of `source` passes on its own; `None` when the file
/// makes one part or has no header to parse each part with.
fn parts_pass(source: &str, part_bytes: usize) -> Option<bool> {
    use rayon::prelude::*;
    let cut = super::narrow::file_parts(source, part_bytes, usize::MAX)?;
    if cut.parts.len() < 2 {
        return None;
    }
    let lines = super::syntax::LineIndex::new(source);
    let pass = cut.parts.par_iter().all(|&part| {
        let left_out = cut.left_out(part, &[], source.len());
        parse_leaving_out_indexed(source, &left_out, &lines)
            .and_then(|tree| check_parsed(tree.root_node(), source, &left_out, cut.header_end))
            .is_ok()
    });
    Some(pass && no_bad_characters(source))
}

/// `parse_go_file`'s checks, but for characters (see `no_bad_characters`),
/// on a tree of `source` parsed leaving out `left_out`; nothing but
/// declarations may start from `decls_from` on (where a part begins).
pub fn check_parsed(
    root: Node,
    source: &str,
    left_out: &[(usize, usize)],
    decls_from: usize,
) -> Result<(), SyntaxError> {
    let parsed = super::narrow::kept(source.len(), left_out);
    check_comment_starts(root, source, &parsed)?;
    check_file_layout(root, decls_from)?;
    check_leaves(root, source)
}

/// go/scanner refuses a NUL and a byte order mark anywhere but first.
pub fn no_bad_characters(source: &str) -> bool {
    !source
        .char_indices()
        .any(|(i, c)| c == '\0' || (c == '\u{feff}' && i > 0))
}

/// Checks each token tree-sitter read against what go/scanner would read
/// there, and forms go/parser refuses that tree-sitter's grammar allows:
/// the same token (tree-sitter's lexer splits `<-` into `<` and `-`
/// where only those parse), and a semicolon at a line's end only where
/// the grammar takes one; and nesting no deeper than `MAX_DEPTH`.
///
/// The walk keeps the ancestors at hand, without recursion (the depth is
/// in question): tree-sitter's `parent()` walks down from the root, which
/// in a file of thousands of functions costs as much as the file is long.
fn check_leaves(root: Node, source: &str) -> Result<(), SyntaxError> {
    let mut cursor = root.walk();
    let mut ancestors: Vec<Node> = Vec::new();
    loop {
        let node = cursor.node();
        if ancestors.len() > MAX_DEPTH {
            return Err(SyntaxError::at(node, "nesting too deep"));
        }
        // A declaration holding an error node is the author's, unchanged
        // (go::error_nodes): its misread tree says nothing of the file.
        let unread = ancestors.len() == 1 && node.has_error();
        if let Some(what) = misformed(node).filter(|_| !unread) {
            return Err(SyntaxError::at(node, what));
        }
        if node.child_count() == 0 && node.kind() != "comment" {
            if splits_an_operator(node, source) {
                return Err(SyntaxError::at(
                    node,
                    "an operator Go reads as a longer one",
                ));
            }
            if gets_a_semicolon(node, ancestors.last().copied())
                && newline_follows(source, node.end_byte())
                && !ends_a_terminable(node, &ancestors)
            {
                return Err(SyntaxError::at(node, "a line that Go would end here"));
            }
        }
        if !unread && cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return Ok(());
            }
            ancestors.pop();
        }
    }
}

/// Forms go/parser refuses: `go`/`defer` of anything but a call, and `:=`
/// with something other than names on its left.
fn misformed(node: Node) -> Option<&'static str> {
    match node.kind() {
        "go_statement" | "defer_statement" => {
            let called = node.named_child(0).is_some_and(|e| {
                matches!(e.kind(), "call_expression" | "type_conversion_expression")
            });
            (!called).then_some("`go` or `defer` of something that is not a call")
        }
        "short_var_declaration" => {
            let left = node.child_by_field_name("left")?;
            let mut cursor = left.walk();
            let names = left
                .named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .all(|n| n.kind() == "identifier");
            (!names).then_some("`:=` with something other than names on its left")
        }
        _ => None,
    }
}

const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "&^", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "<<=", ">>=", "&^=", "&&", "||", "<-", "++", "--", "==", "<", ">", "=", "!", "~",
    "!=", "<=", ">=", ":=", "...", ".", ":",
];

/// Go takes the longest operator it can: `<` followed by `-` is `<-`.
fn splits_an_operator(leaf: Node, source: &str) -> bool {
    let text = &source[leaf.byte_range()];
    if !OPERATORS.contains(&text) {
        return false;
    }
    let after = &source[leaf.end_byte()..];
    // Whether `text` and the next `n` bytes make an operator; no
    // allocation, since every operator leaf of the file is asked.
    (1..=2).any(|n| {
        after.len() >= n
            && after.is_char_boundary(n)
            && OPERATORS.iter().any(|op| {
                op.len() == text.len() + n && op.starts_with(text) && op.ends_with(&after[..n])
            })
    })
}

fn gets_a_semicolon(leaf: Node, parent: Option<Node>) -> bool {
    let kind = leaf.kind();
    kind.ends_with("identifier")
        || kind.ends_with("_literal")
        || matches!(
            kind,
            "label_name"
                | "nil"
                | "true"
                | "false"
                | "iota"
                | "return"
                | "break"
                | "continue"
                | "fallthrough"
                | "++"
                | "--"
                | ")"
                | "]"
                | "}"
        )
        || parent.is_some_and(|p| {
            p.kind().ends_with("string_literal") && p.end_byte() == leaf.end_byte()
        })
}

/// Whether a newline comes before the next token after `from` (comments
/// skipped; one that spans lines counts as a newline, as in Go).
fn newline_follows(source: &str, from: usize) -> bool {
    let mut rest = &source[from..];
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r']);
        if rest.is_empty() || rest.starts_with('\n') || rest.starts_with("//") {
            return true;
        }
        let Some(body) = rest.strip_prefix("/*") else {
            return false;
        };
        match body.find("*/") {
            Some(end) if body[..end].contains('\n') => return true,
            Some(end) => rest = &body[end + 2..],
            None => return true,
        }
    }
}

/// Where Go's grammar takes a semicolon: the end of a statement, a
/// declaration, a spec, a struct field or an interface element.
fn ends_a_terminable(leaf: Node, ancestors: &[Node]) -> bool {
    for (i, &parent) in ancestors.iter().enumerate().rev() {
        if parent.end_byte() != leaf.end_byte() {
            return false;
        }
        let kind = parent.kind();
        let terminable = kind.ends_with("_statement")
            || kind.ends_with("_declaration")
            || kind.ends_with("_spec")
            || matches!(
                kind,
                "package_clause" | "type_alias" | "method_elem" | "type_elem" | "source_file"
            )
            || (kind == "block"
                && i > 0
                && matches!(
                    ancestors[i - 1].kind(),
                    "statement_list" | "labeled_statement"
                ));
        if terminable {
            return true;
        }
    }
    false
}

/// go/scanner refuses a NUL and a byte order mark anywhere but first,
/// even inside comments and strings.
fn check_characters(root: Node, source: &str) -> Result<(), SyntaxError> {
    let bad = source
        .char_indices()
        .find(|&(i, c)| c == '\0' || (c == '\u{feff}' && i > 0));
    match bad {
        Some((at, c)) => {
            let node = root.descendant_for_byte_range(at, at).unwrap_or(root);
            let what = if c == '\0' {
                "a NUL character"
            } else {
                "a byte order mark after the start"
            };
            Err(SyntaxError::at(node, what))
        }
        None => Ok(()),
    }
}

/// To go/scanner, `/*` outside a string always opens a comment; tree-sitter
/// reads an unterminated one as `/` and `*` and parses on.
fn check_comment_starts(
    root: Node,
    source: &str,
    within: &[(usize, usize)],
) -> Result<(), SyntaxError> {
    let starts = within.iter().flat_map(|&(from, to)| {
        source[from..to]
            .match_indices("/*")
            .map(move |(at, _)| from + at)
    });
    for at in starts {
        let node = root.descendant_for_byte_range(at, at + 2).unwrap_or(root);
        let quoted = [node, node.parent().unwrap_or(node)].iter().any(|n| {
            matches!(
                n.kind(),
                "comment" | "interpreted_string_literal" | "raw_string_literal" | "rune_literal"
            )
        });
        if !quoted {
            return Err(SyntaxError::at(node, "a comment that is not closed"));
        }
    }
    Ok(())
}

/// Package clause first, then imports, then declarations; and nothing
/// but declarations from `decls_from` on (a part checked on its own).
fn check_file_layout(root: Node, decls_from: usize) -> Result<(), SyntaxError> {
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
        if item.start_byte() >= decls_from {
            imports_allowed = false;
        }
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

/// Parses `source`; a tree with any ERROR or MISSING node is a syntax error,
/// because rewriting code we misunderstood is how tools corrupt files.
pub fn parse(source: &str) -> Result<Tree, SyntaxError> {
    parse_leaving_out(source, &[])
}

/// Parses `source` whole, whatever it holds, with the error nodes of the
/// tree listed.
pub fn parse_keeping_errors(source: &str) -> Parsed {
    let tree = tree_of(source, &[]);
    let errors = ErrorNodes::of(tree.root_node(), source);
    Parsed { tree, errors }
}

/// Parses `source` whole; a syntax error unless every error node is one
/// fixgen tolerates (`go::error_nodes::tolerated`: inside a function's
/// body, the file's structure intact).
pub fn parse_tolerating(source: &str) -> Result<Parsed, SyntaxError> {
    tolerating_ranges(source, &[])
}

/// Like `parse_tolerating`, leaving out `left_out` as
/// `parse_leaving_out_indexed` does.
pub fn parse_tolerating_indexed(
    source: &str,
    left_out: &[(usize, usize)],
    lines: &super::syntax::LineIndex,
) -> Result<Parsed, SyntaxError> {
    let ranges = super::narrow::ranges_without(source.len(), left_out, lines);
    tolerating_ranges(source, &ranges)
}

/// Parses the `ranges` of `source` (all of it when there are none), with
/// its error nodes, unless they are not ones fixgen tolerates.
fn tolerating_ranges(source: &str, ranges: &[tree_sitter::Range]) -> Result<Parsed, SyntaxError> {
    let tree = tree_of(source, ranges);
    let errors = ErrorNodes::of(tree.root_node(), source);
    if errors.is_empty() {
        return Ok(Parsed { tree, errors });
    }
    tolerated_where(tree.root_node(), source, &errors)?;
    // The check parses the functions holding errors again, masked: one
    // large function's tree at a time in memory, not two.
    drop(tree);
    explained_by_newer_syntax(source, &errors)?;
    let tree = tree_of(source, ranges);
    Ok(Parsed { tree, errors })
}

/// Like `parse`, leaving the byte ranges `left_out` (sorted, disjoint,
/// each a run of whole top-level items or a body's inside) unparsed; the
/// tree keeps the file's offsets and positions. See `go::narrow`.
pub fn parse_leaving_out(source: &str, left_out: &[(usize, usize)]) -> Result<Tree, SyntaxError> {
    if left_out.is_empty() {
        return parse_ranges(source, &[]);
    }
    parse_leaving_out_indexed(source, left_out, &super::syntax::LineIndex::new(source))
}

/// Like `parse_leaving_out`, with the file's lines already indexed: a file
/// parsed a window at a time is not counted through once per window.
pub fn parse_leaving_out_indexed(
    source: &str,
    left_out: &[(usize, usize)],
    lines: &super::syntax::LineIndex,
) -> Result<Tree, SyntaxError> {
    let ranges = super::narrow::ranges_without(source.len(), left_out, lines);
    parse_ranges(source, &ranges)
}

/// Parses the `ranges` of `source` (all of it when there are none); a
/// tree with an error node is a syntax error.
fn parse_ranges(source: &str, ranges: &[tree_sitter::Range]) -> Result<Tree, SyntaxError> {
    let tree = tree_of(source, ranges);
    match first_error(tree.root_node()) {
        Some(node) => Err(SyntaxError::at(node, "syntax error")),
        None => Ok(tree),
    }
}

/// The tree of the `ranges` of `source` (all of it when there are none),
/// error nodes and all.
fn tree_of(source: &str, ranges: &[tree_sitter::Range]) -> Tree {
    PARSER
        .with(|p| {
            let mut parser = p.borrow_mut();
            if ranges.is_empty() {
                return parser.parse(source, None);
            }
            parser
                .set_included_ranges(ranges)
                .expect("ranges are sorted and disjoint");
            let tree = parser.parse(source, None);
            // Back to the whole file for the next caller.
            parser.set_included_ranges(&[]).expect("no ranges is valid");
            tree
        })
        .expect("parsing without a timeout or cancellation flag always yields a tree")
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

    /// A file of a header and 40 functions; with parts of one byte, each
    /// top-level item is a part.
    fn many_functions(body: impl Fn(usize) -> String) -> String {
        let mut source = String::from("// License.\n\npackage p\n\nimport \"fmt\"\n\n");
        for i in 0..40 {
            source.push_str(&format!(
                "// F{i} is one.\nfunc F{i}() {{\n{}}}\n\n",
                body(i)
            ));
        }
        source
    }

    #[test]
    fn a_file_checked_in_parts_passes_where_it_is_go_and_only_there() {
        let valid = many_functions(|i| format!("\tfmt.Println({i}, `x\nfunc g() {{`)\n"));
        assert_eq!(
            parts_pass(&valid, 1),
            Some(true),
            "the parts of valid Go pass"
        );
        assert_eq!(check_in_parts(&valid, 1), Ok(()));
        let broken_at_30 = |code: &str| {
            many_functions(|i| {
                if i == 30 {
                    code.to_string()
                } else {
                    "\t_ = fmt.Sprint()\n".to_string()
                }
            })
        };
        let wrong = [
            "\tx := \n",
            "\t_ = 1 /* open\n",
            "\tgo fmt.Sprint\n",
            "\tch <- \n",
            "\t_ = \"\0\"\n",
            "}\nimport \"os\"\nfunc h() {\n",
            // Not an item the lexer takes for part of the header.
            "}\n/* c */ import \"os\"\nfunc h() {\n",
            "}\npackage q\nfunc h() {\n",
            "}\nx := 1\nfunc h() {\n",
        ];
        for code in wrong {
            let source = broken_at_30(code);
            let whole = parse_go_file(&source).err();
            assert!(whole.is_some(), "the sample {code:?} is not Go");
            assert_eq!(parts_pass(&source, 1), Some(false), "{code:?}");
            assert_eq!(check_in_parts(&source, 1).err(), whole, "{code:?}");
        }
        // No header to parse the parts with: the whole file decides.
        assert_eq!(parts_pass("func f() {}\nfunc g() {}\n", 4), None);
        assert!(check_in_parts("func f() {}\nfunc g() {}\n", 4).is_err());
    }

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
        let deep = format!(
            "package p\nvar x = {}1{}\n",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert_eq!(what(&deep), Some("nesting too deep"));
        let shallow = format!(
            "package p\nvar x = {}1{}\n",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert_eq!(what(&shallow), None);
        assert_eq!(
            what("package p\nvar x = a/*b\n"),
            Some("a comment that is not closed")
        );
        assert_eq!(what("package p\nvar x = \"/*\" /* ok */\n"), None);
        assert_eq!(
            what("package p\n// a \u{feff} mark\n"),
            Some("a byte order mark after the start")
        );
        assert_eq!(what("\u{feff}package p\n"), None);
        assert!(what("package p\nvar s = \"\0\"\n").is_some());
        assert_eq!(
            what("package p\nfunc f(a\n int) {}\n"),
            Some("a line that Go would end here")
        );
        assert_eq!(what("package p\nvar x = f(a,\n\tb)\n"), None);
        assert_eq!(
            what("package p\nvar x = f(a,\n\tb\n)\n"),
            Some("a line that Go would end here")
        );
        let fine = "package p\n\nimport (\n\t\"fmt\"\n)\n\ntype T struct {\n\tA int `json:\"a\"`\n}\n\ntype I interface {\n\tM()\n}\n\nconst (\n\tA = iota\n\tB\n)\n\nfunc f(n int) int {\n\tfor i := 0; i < n; i++ {\n\t\tif i > 2 {\n\t\t\tbreak\n\t\t}\n\t\tn--\n\t}\n\t{\n\t}\n\tfmt.Println(T{\n\t\tA: 1,\n\t})\n\treturn n /* a\n */\n}\n";
        assert_eq!(what(fine), None);
        assert_eq!(
            what("package p\nvar x = f(time.S<-econd)\n"),
            Some("an operator Go reads as a longer one")
        );
        assert_eq!(
            what("package p\nfunc f() {\n\tdefer x\n}\n"),
            Some("`go` or `defer` of something that is not a call")
        );
        assert_eq!(
            what("package p\nfunc f() {\n\ta.b := 1\n}\n"),
            Some("`:=` with something other than names on its left")
        );
        assert_eq!(
            what("package p\nvar x = a < -b\nvar y = <-c\nvar z = [...]int{1}\n"),
            None
        );
    }
}
