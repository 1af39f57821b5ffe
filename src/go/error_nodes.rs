//! What tree-sitter-go could not parse in a file, and when fixgen reads
//! the file around it.
//!
//! tree-sitter-go 0.25 knows Go up to 1.25. Valid Go 1.26 (`new(42)`,
//! `new(5 * time.Second)`, `new(int(x))`, a call of a generic function
//! named `new` or `make`) comes out of it as ERROR and MISSING nodes.
//! Refusing such a file whole leaves its races unfixed; rewriting code
//! that was misread is how tools corrupt files. The line drawn here:
//!
//! - **Tolerated:** a file whose error nodes all lie strictly inside the
//!   bodies of top-level functions and methods, where
//!   - the small lexer of `go::narrow` (strings, runes and comments
//!     skipped) pairs each such body's braces as the parser did, and
//!     closes every bracket inside by one of its kind, so Go's parser
//!     reads the same nesting and the same end of the function;
//!   - and every error node is due to syntax tree-sitter-go does not
//!     know: with the arguments of the calls in `NEWER_SYNTAX_CALLS`
//!     masked (`new(42)` read as `new(__)`), the file parses clean.
//!
//!   The package clause, imports, types, variables, constants and every
//!   signature then parsed as Go, and so did the functions without errors.
//! - **Refused whole, as before** (`PATH: syntax error at L:C; not parsed,
//!   not changed`, naming the first error node): any other error node: at
//!   the top level (`var v = new(42)` too), in the package clause or the
//!   imports, in a signature or a type; in a body whose brackets the
//!   parser and the lexer pair differently (an unclosed `(` or `{`, a
//!   stray `}`: the error may span several declarations); or one that
//!   masking does not explain (a genuinely broken file: Go's parser may
//!   carry its error past the function's end, so nothing in the file is
//!   changed).
//!
//! In a tolerated file, a top-level declaration holding an error node is
//! read for reports only: no fix is made in it, nor one whose finding lies
//! in it (its analysis read a misread tree), nor one with an edit touching
//! an error node. A fixed file must hold exactly the error nodes it had,
//! with the same text, moved by the edits (`ErrorNodes::moved`), and its
//! declarations holding them byte for byte as they were.

use super::parse::SyntaxError;
use super::syntax::{named_children, text};
use tree_sitter::Node;

/// One ERROR or MISSING node: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorNode {
    pub start: usize,
    pub end: usize,
    /// The text it covers (empty for a MISSING node).
    pub text: String,
    /// For a MISSING node, the token the parser supplied (`)`).
    pub missing: Option<&'static str>,
}

/// A tree's error nodes in source order: the outermost ERROR nodes (what
/// they hold is theirs) and the MISSING nodes outside them. Comparing two
/// of these compares the error signatures of two trees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorNodes(Vec<ErrorNode>);

impl ErrorNodes {
    pub const fn none() -> ErrorNodes {
        ErrorNodes(Vec::new())
    }

    /// The error nodes of the tree under `root`. Clean subtrees are not
    /// walked: a tree without errors costs one look at its root.
    pub fn of(root: Node, source: &str) -> ErrorNodes {
        let mut found = Vec::new();
        collect(root, source, &mut found);
        if found.is_empty() && root.has_error() {
            // tree-sitter says there is an error but shows none: the whole
            // tree is suspect (and refused, as it is not inside a body).
            found.push(error_node(root, source));
        }
        ErrorNodes(found)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn first(&self) -> Option<&ErrorNode> {
        self.0.first()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ErrorNode> {
        self.0.iter()
    }

    /// The error nodes of several trees of one text (windows of a file),
    /// each node once, in source order.
    pub fn merged(parts: impl IntoIterator<Item = ErrorNodes>) -> ErrorNodes {
        let mut all: Vec<ErrorNode> = parts.into_iter().flat_map(|p| p.0).collect();
        all.sort_by_key(|e| (e.start, e.end));
        all.dedup();
        ErrorNodes(all)
    }

    /// The first error node where these and `other` differ (the one of
    /// either that has it), or `None` when they are the same.
    pub fn first_difference<'a>(&'a self, other: &'a ErrorNodes) -> Option<&'a ErrorNode> {
        let longest = self.0.len().max(other.0.len());
        let i = (0..longest).find(|&i| self.0.get(i) != other.0.get(i))?;
        self.0.get(i).or(other.0.get(i))
    }

    /// The first error node that `start..end` holds or touches: an edit
    /// there would change it, or shift text into it (an insertion at its
    /// edge joins its tokens).
    pub fn touching(&self, start: usize, end: usize) -> Option<&ErrorNode> {
        self.0.iter().find(|e| start <= e.end && e.start <= end)
    }

    /// Where these error nodes are once `edits` are made: each edit
    /// (sorted, disjoint) replaces `start..end` with `len` bytes. `None`
    /// when an edit touches an error node: it cannot be the same node.
    pub fn moved(&self, edits: &[(usize, usize, usize)]) -> Option<ErrorNodes> {
        let mut moved = Vec::with_capacity(self.0.len());
        for error in &self.0 {
            if edits
                .iter()
                .any(|&(start, end, _)| start <= error.end && error.start <= end)
            {
                return None;
            }
            let shift: isize = edits
                .iter()
                .filter(|&&(_, end, _)| end < error.start)
                .map(|&(start, end, len)| len as isize - (end - start) as isize)
                .sum();
            let at = |offset: usize| (offset as isize + shift) as usize;
            moved.push(ErrorNode {
                start: at(error.start),
                end: at(error.end),
                ..error.clone()
            });
        }
        Some(ErrorNodes(moved))
    }
}

fn collect(node: Node, source: &str, found: &mut Vec<ErrorNode>) {
    if node.is_error() || node.is_missing() {
        found.push(error_node(node, source));
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, source, found);
    }
}

fn error_node(node: Node, source: &str) -> ErrorNode {
    ErrorNode {
        start: node.start_byte(),
        end: node.end_byte(),
        text: text(node, source).to_string(),
        missing: node.is_missing().then(|| node.kind()),
    }
}

/// Whether fixgen reads a file whose tree (`root`, the whole file or
/// windows of it) holds `errors`; see the module's documentation. The
/// error names the first error node, as for a file refused whole.
pub fn tolerated(root: Node, source: &str, errors: &ErrorNodes) -> Result<(), SyntaxError> {
    tolerated_where(root, source, errors)?;
    explained_by_newer_syntax(source, errors)
}

/// The first half of [`tolerated`]: every error node lies inside a body
/// whose brackets the lexer pairs as the parser did.
pub fn tolerated_where(root: Node, source: &str, errors: &ErrorNodes) -> Result<(), SyntaxError> {
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let refused = || Err(SyntaxError::at_offset(source, first.start, "syntax error"));
    let bodies: Vec<(usize, usize)> = declarations_with_errors(root)
        .into_iter()
        .filter(|d| matches!(d.kind(), "function_declaration" | "method_declaration"))
        .filter_map(|d| d.child_by_field_name("body"))
        .map(|b| (b.start_byte(), b.end_byte()))
        .collect();
    // Strictly between the braces: a MISSING `}` ends the body itself.
    let inside_a_body = |e: &ErrorNode| bodies.iter().any(|&(s, end)| s < e.start && e.end < end);
    if !errors.iter().all(inside_a_body) {
        return refused();
    }
    // The lexer pairs the body's braces as the parser did, and every
    // bracket inside with one of its kind: Go's parser then reads the
    // same nesting (`f(func() {)` … `})` balances by count, not by kind).
    let paired = super::narrow::function_bodies(source);
    let as_paired = |&(s, end): &(usize, usize)| {
        paired.binary_search(&(s + 1, end - 1)).is_ok() && brackets_match(source, s, end)
    };
    if !bodies.iter().all(as_paired) {
        return refused();
    }
    Ok(())
}

/// The second half of [`tolerated`]: the error nodes are all due to
/// syntax tree-sitter-go does not know. It parses, so a caller holding a
/// large tree may drop it first.
pub fn explained_by_newer_syntax(source: &str, errors: &ErrorNodes) -> Result<(), SyntaxError> {
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let refused = || Err(SyntaxError::at_offset(source, first.start, "syntax error"));
    // Every error node is due to syntax tree-sitter-go does not know:
    // with those arguments masked, the functions holding them parse. Only
    // those (and the header) are parsed again: this runs for each window
    // of a large file, and a whole-file parse each time cost a file's
    // tree in memory and its parse in time, per window.
    let masked = masked_newer_calls(source);
    if masked == source {
        return refused();
    }
    let starts: Vec<usize> = errors.iter().map(|e| e.start).collect();
    let left_out = super::narrow::TopLevel::of(&masked).unneeded_around(&starts);
    if super::parse::parse_leaving_out(&masked, &left_out).is_err() {
        return refused();
    }
    Ok(())
}

/// Calls whose arguments tree-sitter-go 0.25 misreads though Go accepts
/// them: its grammar wants a type first in `new(…)` and `make(…)`, but Go
/// 1.26 takes an expression in `new(42)`, and a generic function named
/// `new` or `make` shadows the builtin. Syntax a later Go adds goes here.
const NEWER_SYNTAX_CALLS: &[&[u8]] = &[b"new", b"make"];

/// `source` with the arguments of every call of `NEWER_SYNTAX_CALLS`
/// masked (`new(42)` becomes `new(__)`, which names a type): what
/// tree-sitter then finds wrong, Go finds wrong too. Offsets are kept.
fn masked_newer_calls(source: &str) -> String {
    let bytes = source.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let is_newer_call = |open: usize| {
        NEWER_SYNTAX_CALLS.iter().any(|name| {
            let Some(start) = open.checked_sub(name.len()) else {
                return false;
            };
            &bytes[start..open] == *name && (start == 0 || !ident(bytes[start - 1]))
        })
    };
    // (offset of `(`, its depth) of the calls open.
    let mut open: Vec<(usize, i64)> = Vec::new();
    let mut arguments: Vec<(usize, usize)> = Vec::new();
    let parens = super::narrow::ByteSet::of(b"()");
    super::narrow::walk_code_bytes(source, 0, bytes.len(), &parens, |i, b, depth| {
        match b {
            b'(' if is_newer_call(i) => open.push((i, depth)),
            b')' if open.last().is_some_and(|&(_, d)| d + 1 == depth) => {
                let (start, _) = open.pop().expect("checked");
                arguments.push((start + 1, i));
            }
            _ => {}
        }
        true
    });
    let mut masked = bytes.to_vec();
    for (start, end) in arguments {
        masked[start..end].fill(b'_');
    }
    String::from_utf8(masked).expect("whole characters between ASCII parentheses became `_`")
}

/// Whether every bracket in `source[from..to]` (strings, runes and
/// comments skipped) is closed, in order, by one of its own kind.
fn brackets_match(source: &str, from: usize, to: usize) -> bool {
    let mut open: Vec<u8> = Vec::new();
    let mut matched = true;
    let brackets = super::narrow::ByteSet::of(b"{([})]");
    super::narrow::walk_code_bytes(source, from, to, &brackets, |_, b, _| {
        let opener = match b {
            b'{' | b'(' | b'[' => {
                open.push(b);
                return true;
            }
            b'}' => b'{',
            b')' => b'(',
            b']' => b'[',
            _ => return true,
        };
        matched = open.pop() == Some(opener);
        matched
    });
    matched && open.is_empty()
}

/// The top-level declarations holding an error node: read, never changed.
pub fn declarations_with_errors(root: Node) -> Vec<Node> {
    if !root.has_error() {
        return Vec::new();
    }
    named_children(root)
        .into_iter()
        .filter(|d| d.has_error())
        .collect()
}

/// Why a fix must not be made in a tree (`root`) holding `errors`: one of
/// `edits` touches an error node, or an edit or one of the places the
/// fix's findings report (`reported`) lies in a declaration holding one:
/// the analysis behind the fix read code the parser misread. Ranges are
/// byte offsets; `None` when the fix may be made.
pub fn why_not_fixable(
    root: Node,
    source: &str,
    errors: &ErrorNodes,
    reported: &[(usize, usize)],
    edits: &[(usize, usize)],
) -> Option<String> {
    let line = |offset: usize| source[..offset].matches('\n').count() + 1;
    if let Some(error) = edits.iter().find_map(|&(s, e)| errors.touching(s, e)) {
        return Some(format!(
            "not fixed: the fix would edit next to syntax tree-sitter-go does not parse (line {})",
            line(error.start)
        ));
    }
    let declarations = declarations_with_errors(root);
    let holding = reported.iter().chain(edits).find_map(|&range| {
        declarations
            .iter()
            .find(|d| reaches_into(range, (d.start_byte(), d.end_byte())))
    })?;
    let first = errors
        .iter()
        .find(|e| holding.start_byte() <= e.start && e.end <= holding.end_byte())?;
    let name = holding
        .child_by_field_name("name")
        .map_or(String::from("its function"), |n| {
            format!("`{}`", text(n, source))
        });
    Some(format!(
        "not fixed: {name} holds syntax tree-sitter-go does not parse (line {})",
        line(first.start)
    ))
}

/// Whether the byte range `range` reaches into `declaration`: overlaps
/// it, or inserts strictly inside it (an insertion at its edge is
/// beside it).
fn reaches_into(range: (usize, usize), declaration: (usize, usize)) -> bool {
    let (start, end) = range;
    if start == end {
        return declaration.0 < start && start < declaration.1;
    }
    start < declaration.1 && declaration.0 < end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse_keeping_errors;

    fn errors_of(source: &str) -> ErrorNodes {
        parse_keeping_errors(source).errors
    }

    fn verdict(source: &str) -> Result<(), SyntaxError> {
        let parsed = parse_keeping_errors(source);
        tolerated(parsed.tree.root_node(), source, &parsed.errors)
    }

    const NEW_42: &str = "package p\n\nimport \"time\"\n\nfunc f() *int {\n\treturn new(42)\n}\n\nfunc g() {\n\td := new(5 * time.Second)\n\t_ = d\n}\n\nfunc h() int {\n\tx := 1\n\treturn x\n}\n";

    #[test]
    fn newer_syntax_inside_function_bodies_is_tolerated() {
        let errors = errors_of(NEW_42);
        assert!(!errors.is_empty(), "tree-sitter-go 0.25 misreads new(42)");
        assert!(errors
            .iter()
            .all(|e| e.start > NEW_42.find("func f").unwrap()));
        assert_eq!(verdict(NEW_42), Ok(()));
    }

    #[test]
    fn every_shape_of_newer_calls_is_explained_by_masking_their_arguments() {
        let tolerated = [
            "package p\n\nfunc f() {\n\tw := new(int(ptr.Deref(b.Weight, 1)))\n\t_ = w\n}\n",
            // The parser's recovery reaches the next statements.
            "package p\n\nfunc f() {\n\tif l == 0 {\n\t\tfail(errors.New(\"x\"), new(int64(400)), e)\n\t\treturn\n\t}\n\n\tif a.ID != \"\" {\n\t\treturn\n\t}\n}\n",
            // Over several lines, with a composite literal and a comment.
            "package p\n\nfunc f() {\n\tm := T{\n\t\tPath: new(M{ // the path\n\t\t\tType:  new(Prefix),\n\t\t\tValue: new(\"/\"),\n\t\t}),\n\t}\n\t_ = m\n}\n",
            // A generic `make` shadowing the builtin.
            "package p\n\nfunc f() {\n\tx := make(5, 6)\n\t_ = x\n}\n",
        ];
        for source in tolerated {
            assert!(!errors_of(source).is_empty(), "{source}");
            assert_eq!(verdict(source), Ok(()), "{source}");
        }
        assert_eq!(
            masked_newer_calls("a := new(f(\")\")) // new(x\nb := x.new(1) + renew(2)"),
            "a := new(______) // new(x\nb := x.new(1) + renew(2)"
        );
    }

    #[test]
    fn errors_outside_bodies_or_across_them_are_refused() {
        let refused = [
            // At the top level.
            "package p\n\nvar v = new(42)\n\nfunc f() {}\n",
            // In the imports.
            "package p\n\nimport (\n\t\"fmt\n)\n\nfunc f() { fmt.Println() }\n",
            // In a signature.
            "package p\n\nfunc f(x int,, y int) {\n\t_ = x\n}\n",
            // An unclosed `{`: the parser closes the function elsewhere
            // than Go does.
            "package p\n\nfunc f() {\n\tif true {\n}\n\nfunc g() {}\n",
            // An unclosed `(`.
            "package p\n\nfunc f() {\n\tp := new(42\n\t_ = p\n}\n\nfunc g() {}\n",
            // A stray `}` ends the function early: the rest is top level.
            "package p\n\nfunc f() {\n\t}}\n\t_ = 1\n}\n\nfunc g() {}\n",
            // Brackets that balance by count, not by kind: go/parser reads
            // on into g, which tree-sitter parsed clean.
            "package p\n\nfunc f() {\n\tgo func() { run(func() error { }()\n\t\t_ = 1\n\t})\n}\n\nfunc g() {}\n",
            // Broken inside a body, brackets fine: no newer syntax
            // explains it, and go/parser skips from `go` to the next
            // statement keyword, in g.
            "package p\n\nfunc f() {\n\tx := 1\ngo }\n\nfunc g() {\n\tif true {\n\t\treturn\n\t}\n}\n",
            "package p\n\nfunc f() {\n\tx := new(42)\n\ty := := 4\n}\n",
        ];
        for source in refused {
            let parsed = parse_keeping_errors(source);
            assert!(!parsed.errors.is_empty(), "{source:?} has an error node");
            let err = verdict(source).expect_err(source);
            assert_eq!(err.what, "syntax error");
            // The first error node is named, as for any file refused whole.
            let first = parsed.errors.first().unwrap().start;
            assert_eq!(err.line, source[..first].matches('\n').count() + 1);
        }
    }

    #[test]
    fn error_nodes_move_with_edits_before_them_and_refuse_edits_touching_them() {
        let errors = errors_of(NEW_42);
        let first = errors.first().unwrap().clone();
        // Three bytes inserted before, one replaced by two after.
        let before = first.start - 10;
        let moved = errors
            .moved(&[(before, before, 3), (first.end + 5, first.end + 6, 2)])
            .unwrap();
        assert_eq!(moved.first().unwrap().start, first.start + 3);
        assert_eq!(moved.first().unwrap().text, first.text);
        // An insertion at the error's edge, or a change inside it.
        assert_eq!(errors.moved(&[(first.start, first.start, 1)]), None);
        assert_eq!(errors.moved(&[(first.end, first.end + 1, 0)]), None);
        assert_eq!(errors.touching(first.end, first.end + 4), Some(&first));
        assert_eq!(errors.touching(0, 5), None);
    }

    #[test]
    fn the_signature_of_a_tree_tells_a_changed_error_node() {
        let changed = NEW_42.replace("new(42)", "new(43)");
        assert_ne!(errors_of(NEW_42), errors_of(&changed));
        let other_function = NEW_42.replace("x := 1", "y, x := 0, 1");
        let shift = "y, x := 0, 1".len() - "x := 1".len();
        let at = NEW_42.find("x := 1").unwrap();
        assert_eq!(
            errors_of(NEW_42).moved(&[(at, at + 6, 6 + shift)]),
            Some(errors_of(&other_function)),
            "an edit outside the error nodes keeps the signature"
        );
    }

    #[test]
    fn a_fix_in_or_beside_a_declaration_with_errors_is_refused_with_a_reason() {
        let parsed = parse_keeping_errors(NEW_42);
        let root = parsed.tree.root_node();
        let why = |reported: &[(usize, usize)], edits: &[(usize, usize)]| {
            why_not_fixable(root, NEW_42, &parsed.errors, reported, edits)
        };
        let in_h = NEW_42.find("x := 1").unwrap();
        assert_eq!(why(&[(in_h, in_h + 6)], &[(in_h, in_h + 1)]), None);
        // A new function inserted right after g's closing brace is beside it.
        let after_g = NEW_42.find("}\n\nfunc h").unwrap() + 1;
        assert_eq!(why(&[(in_h, in_h + 6)], &[(after_g, after_g)]), None);

        let in_g = NEW_42.find("_ = d").unwrap();
        let reason = why(&[(in_g, in_g + 5)], &[(in_g, in_g + 1)]).unwrap();
        assert!(
            reason.starts_with("not fixed: `g` holds syntax"),
            "{reason}"
        );
        assert!(reason.contains("(line 10)"), "{reason}");
        // The finding is in g, the edit elsewhere: g's analysis decided it.
        assert!(why(&[(in_g, in_g + 5)], &[(in_h, in_h + 1)]).is_some());

        let error = parsed.errors.first().unwrap();
        let reason = why(&[], &[(error.end, error.end)]).unwrap();
        assert!(reason.contains("would edit next to syntax"), "{reason}");
    }
}
