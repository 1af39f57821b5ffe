//! Patterns in Go syntax (`ioutil.ReadAll($R)`, `go func() { $$$BODY }()`):
//! a rule may say what it looks for as Go code with holes instead of a
//! tree-sitter query. `$NAME` stands for one node, `$$$NAME` for any number
//! of siblings (`$$$` alone: any, unnamed; `$_`: one, unnamed), and a name
//! used twice must match the same text both times.
//!
//! A pattern compiles to a tree-sitter query (the concrete nodes and the
//! words at its leaves) that finds candidates, and to a tree the engine
//! then compares each candidate with exactly: children in order, holes
//! bound, repeats equal. The query alone cannot say "these siblings and no
//! others", nor that two holes hold the same text.

use tree_sitter::Node;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    root: PatternNode,
    /// The query finding candidates; its capture `match` is the candidate
    /// node, and it declares a capture for each named hole.
    pub query: String,
    /// The names of the holes, in the order they appear.
    pub holes: Vec<String>,
    /// The longest word of the pattern (an identifier or a literal): a
    /// file without it cannot match, so it is the rule's prefilter when the
    /// rule names none.
    pub literal: Option<String>,
}

/// The capture naming the node a pattern matched.
pub const MATCH_CAPTURE: &str = "match";

#[derive(Debug, Clone)]
enum PatternNode {
    /// `$NAME` (or `$_` when `name` is `None`).
    One(Option<String>),
    /// `$$$NAME` (or `$$$`).
    Many(Option<String>),
    Node {
        kind: String,
        /// The text a leaf must have.
        text: Option<String>,
        /// Anonymous tokens under a field (`operator: "+"`).
        tokens: Vec<(String, String)>,
        /// Named children, with the field each sits under.
        children: Vec<(Option<String>, PatternNode)>,
    },
}

const ONE: &str = "__fixgen_one_";
const MANY: &str = "__fixgen_many_";

impl Pattern {
    /// Compiles `text`; `kind` picks the node of that kind spanning the
    /// whole pattern when the text reads several ways (a call as an
    /// expression or as a statement).
    pub fn compile(text: &str, kind: Option<&str>) -> Result<Pattern, String> {
        let (go, holes) = with_placeholders(text)?;
        let (source, tree, start) = parse_pattern(&go)?;
        let root = pattern_root(tree.root_node(), start, go.trim(), kind)?;
        let root = PatternNode::of(root, &source);
        if matches!(root, PatternNode::One(_) | PatternNode::Many(_)) {
            return Err("a pattern must hold some Go besides holes".to_string());
        }
        let mut query = String::new();
        root.write_query(&mut query, &mut 0);
        let mut names: Vec<String> = Vec::new();
        for hole in &holes {
            if !names.contains(hole) {
                names.push(hole.clone());
            }
        }
        // Every hole is a capture of the query (on the root: the engine
        // binds them itself), so conditions and templates can name it.
        for name in std::iter::once(MATCH_CAPTURE).chain(names.iter().map(String::as_str)) {
            query.push_str(&format!(" @{name}"));
        }
        let mut words = Vec::new();
        root.words(&mut words);
        let literal = words.into_iter().max_by_key(|w| w.len());
        Ok(Pattern {
            root,
            query,
            holes: names,
            literal,
        })
    }

    /// Declares more captures on the match, for holes the rule's
    /// relations bind (`inside(pattern = 'func $F($$$)…')`).
    pub fn declaring(mut self, names: &[String]) -> Pattern {
        for name in names {
            if name != MATCH_CAPTURE && !self.holes.contains(name) {
                self.query.push_str(&format!(" @{name}"));
                self.holes.push(name.clone());
            }
        }
        self
    }

    /// Whether `node` matches the pattern; the nodes each named hole
    /// holds, by name.
    pub fn match_at<'t>(&self, node: Node<'t>, source: &str) -> Option<Bindings<'t>> {
        self.match_with(node, source, Bindings::default())
    }

    /// As [`Pattern::match_at`], with holes already bound (a relation's
    /// pattern, whose `$X` must hold what the match's `$X` holds).
    pub fn match_with<'t>(
        &self,
        node: Node<'t>,
        source: &str,
        mut bindings: Bindings<'t>,
    ) -> Option<Bindings<'t>> {
        self.root
            .matches(node, source, &mut bindings)
            .then_some(bindings)
    }
}

/// What each named hole of a match holds.
#[derive(Debug, Default, Clone)]
pub struct Bindings<'t> {
    pub holes: Vec<(String, Vec<Node<'t>>)>,
}

impl<'t> Bindings<'t> {
    fn bind(&mut self, name: &Option<String>, nodes: Vec<Node<'t>>, source: &str) -> bool {
        let Some(name) = name else {
            return true;
        };
        match self.holes.iter().find(|(n, _)| n == name) {
            Some((_, bound)) => squeezed(bound, source) == squeezed(&nodes, source),
            None => {
                self.holes.push((name.clone(), nodes));
                true
            }
        }
    }
}

/// The text of `nodes` with runs of blanks made one space: `f(a,b)` and
/// `f(a, b)` hold the same.
fn squeezed(nodes: &[Node], source: &str) -> String {
    let text = match (nodes.first(), nodes.last()) {
        (Some(first), Some(last)) => &source[first.start_byte()..last.end_byte()],
        _ => "",
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names of the holes in `text` (`$R`, `$$$ARGS`; not `$_`, `$$$`).
pub fn hole_names(text: &str) -> Vec<String> {
    with_placeholders(text)
        .map(|(_, names)| names)
        .unwrap_or_default()
}

/// `text` with each hole replaced by an identifier Go accepts there, and
/// the hole names in order.
fn with_placeholders(text: &str) -> Result<(String, Vec<String>), String> {
    let mut out = String::new();
    let mut holes = Vec::new();
    let mut rest = text;
    let mut unnamed = 0;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let (many, after) = match after.strip_prefix("$$$") {
            Some(a) => (true, a),
            None => (false, &after[1..]),
        };
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let name = &after[..len];
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("`${name}`: a hole's name starts with a letter"));
        }
        if !many && name.is_empty() {
            return Err("`$` must be followed by a name (`$X`) or be `$$$`".to_string());
        }
        let prefix = if many { MANY } else { ONE };
        if name.is_empty() || name == "_" {
            unnamed += 1;
            out.push_str(&format!("{prefix}_{unnamed}"));
        } else {
            if name == MATCH_CAPTURE {
                return Err(format!(
                    "`${name}`: `{MATCH_CAPTURE}` names the whole match"
                ));
            }
            out.push_str(&format!("{prefix}{name}"));
            holes.push(name.to_string());
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok((out, holes))
}

/// The pattern parsed inside a function body (an expression or a
/// statement), else at the top level (a declaration): the file, its tree
/// and where the pattern starts in it.
fn parse_pattern(go: &str) -> Result<(String, tree_sitter::Tree, usize), String> {
    for (before, after) in [("package p\nfunc _() {\n", "\n}\n"), ("package p\n", "\n")] {
        let source = format!("{before}{}{after}", go.trim());
        let Ok(tree) = crate::go::parse::parse(&source) else {
            continue;
        };
        return Ok((source, tree, before.len()));
    }
    Err(
        "the pattern does not parse as Go (an expression, a statement or a declaration)"
            .to_string(),
    )
}

/// The node the pattern is: the one of `kind` spanning it, else the
/// outermost node spanning it, an expression statement read as its
/// expression.
fn pattern_root<'t>(
    root: Node<'t>,
    start: usize,
    go: &str,
    kind: Option<&str>,
) -> Result<Node<'t>, String> {
    let end = start + go.len();
    let spanning: Vec<Node> = crate::go::syntax::descendants(root)
        .into_iter()
        .filter(|n| n.start_byte() == start && n.end_byte() == end && n.is_named())
        .filter(|n| n.kind() != "statement_list")
        .collect();
    match kind {
        Some(kind) => spanning
            .into_iter()
            .find(|n| n.kind() == kind)
            .ok_or_else(|| format!("no `{kind}` spans the whole pattern")),
        None => {
            let first = *spanning
                .first()
                .ok_or("a pattern is one expression, statement or declaration")?;
            match (first.kind(), first.named_child(0)) {
                ("expression_statement", Some(inner)) => Ok(inner),
                _ => Ok(first),
            }
        }
    }
}

impl PatternNode {
    fn of(node: Node, source: &str) -> PatternNode {
        let text = &source[node.byte_range()];
        let whole_name = |rest: &str| rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if let Some(name) = text.strip_prefix(MANY).filter(|r| whole_name(r)) {
            return PatternNode::Many(hole_name(name));
        }
        if let Some(name) = text.strip_prefix(ONE).filter(|r| whole_name(r)) {
            return PatternNode::One(hole_name(name));
        }
        let mut children = Vec::new();
        let mut tokens = Vec::new();
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                let field = cursor.field_name().map(str::to_string);
                if child.is_named() && child.kind() != "comment" {
                    children.push((field, PatternNode::of(child, source)));
                } else if let (Some(field), false) = (field, child.is_named()) {
                    tokens.push((field, source[child.byte_range()].to_string()));
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        let leaf = children.is_empty();
        PatternNode::Node {
            kind: node.kind().to_string(),
            text: leaf.then(|| text.to_string()),
            tokens,
            children,
        }
    }

    /// Whether this node can match no node at all: holes for any number
    /// of siblings, and nothing else (a body `{ $$$ }` matches `{}`).
    fn may_be_absent(&self) -> bool {
        match self {
            PatternNode::Many(_) => true,
            PatternNode::One(_) => false,
            PatternNode::Node { children, text, .. } => {
                text.is_none() && children.iter().all(|(_, c)| c.may_be_absent())
            }
        }
    }

    /// The query for the concrete part of this node (holes and what may be
    /// absent are left to the exact comparison).
    fn write_query(&self, out: &mut String, leaves: &mut usize) {
        let PatternNode::Node {
            kind,
            text,
            tokens,
            children,
        } = self
        else {
            return;
        };
        // A leaf: `((identifier) @_leaf1 (#eq? @_leaf1 "ReadAll"))`.
        if let Some(text) = text.as_ref().filter(|t| !t.contains('\n')) {
            *leaves += 1;
            out.push_str(&format!(
                "(({kind}) @_leaf{leaves} (#eq? @_leaf{leaves} {}))",
                quoted(text)
            ));
            return;
        }
        out.push('(');
        out.push_str(kind);
        for (field, token) in tokens {
            out.push_str(&format!(" {field}: {}", quoted(token)));
        }
        for (field, child) in children {
            if !matches!(child, PatternNode::Node { .. }) || child.may_be_absent() {
                continue;
            }
            out.push(' ');
            if let Some(field) = field {
                out.push_str(field);
                out.push_str(": ");
            }
            child.write_query(out, leaves);
        }
        out.push(')');
    }

    /// The words at the leaves (identifiers, literals): each must be in a
    /// file the pattern matches.
    fn words(&self, out: &mut Vec<String>) {
        if let PatternNode::Node { text, children, .. } = self {
            out.extend(text.iter().filter(|t| !t.contains('\n')).cloned());
            for (_, child) in children {
                child.words(out);
            }
        }
    }

    fn matches<'t>(&self, node: Node<'t>, source: &str, bindings: &mut Bindings<'t>) -> bool {
        match self {
            PatternNode::One(name) => bindings.bind(name, vec![node], source),
            PatternNode::Many(name) => bindings.bind(name, vec![node], source),
            PatternNode::Node {
                kind,
                text,
                tokens,
                children,
            } => {
                if node.kind() != kind {
                    return false;
                }
                if let Some(text) = text {
                    return &source[node.byte_range()] == text;
                }
                let same_tokens = tokens.iter().all(|(field, token)| {
                    node.child_by_field_name(field)
                        .is_some_and(|t| &source[t.byte_range()] == token)
                });
                same_tokens && sequence_matches(children, &named_children(node), source, bindings)
            }
        }
    }
}

fn hole_name(suffix: &str) -> Option<String> {
    (!suffix.starts_with('_')).then(|| suffix.to_string())
}

/// A node's named children (comments left out) with their fields.
fn named_children(node: Node) -> Vec<(Option<String>, Node)> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            let child = cursor.node();
            if child.is_named() && child.kind() != "comment" {
                out.push((cursor.field_name().map(str::to_string), child));
            }
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// Whether the pattern's children match the node's, in order: a `$$$`
/// takes any number of them (the fewest that let the rest match), a child
/// that may be absent may match none.
fn sequence_matches<'t>(
    pattern: &[(Option<String>, PatternNode)],
    nodes: &[(Option<String>, Node<'t>)],
    source: &str,
    bindings: &mut Bindings<'t>,
) -> bool {
    let Some(((field, first), rest)) = pattern.split_first() else {
        return nodes.is_empty();
    };
    if let PatternNode::Many(name) = first {
        for take in 0..=nodes.len() {
            let mut trial = bindings.clone();
            let taken: Vec<Node> = nodes[..take].iter().map(|(_, n)| *n).collect();
            if trial.bind(name, taken, source)
                && sequence_matches(rest, &nodes[take..], source, &mut trial)
            {
                *bindings = trial;
                return true;
            }
        }
        return false;
    }
    if let Some(((node_field, node), others)) = nodes.split_first() {
        let mut trial = bindings.clone();
        if field
            .as_ref()
            .is_none_or(|f| node_field.as_ref() == Some(f))
            && first.matches(*node, source, &mut trial)
            && sequence_matches(rest, others, source, &mut trial)
        {
            *bindings = trial;
            return true;
        }
    }
    first.may_be_absent() && sequence_matches(rest, nodes, source, bindings)
}

/// `text` as a query string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first node the pattern matches in a function body holding
    /// `code`, with what its holes hold.
    fn first_match(pattern: &str, code: &str) -> Option<(String, Vec<(String, String)>)> {
        let pattern = Pattern::compile(pattern, None).unwrap();
        let source = format!("package p\n\nfunc F() {{\n{code}\n}}\n");
        let tree = crate::go::parse::parse(&source).unwrap();
        crate::go::syntax::descendants(tree.root_node())
            .into_iter()
            .find_map(|n| {
                let found = pattern.match_at(n, &source)?;
                let holes = found
                    .holes
                    .iter()
                    .map(|(name, nodes)| (name.clone(), squeezed(nodes, &source)))
                    .collect();
                Some((source[n.byte_range()].to_string(), holes))
            })
    }

    fn holes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_call_with_a_hole_binds_its_argument() {
        let found = first_match(
            "ioutil.ReadAll($R)",
            "\tb, err := ioutil.ReadAll(resp.Body)\n\t_, _ = b, err",
        );
        assert_eq!(
            found,
            Some((
                "ioutil.ReadAll(resp.Body)".to_string(),
                holes(&[("R", "resp.Body")])
            ))
        );
        assert_eq!(first_match("ioutil.ReadAll($R)", "\tio.ReadAll(r)"), None);
        assert_eq!(
            first_match("ioutil.ReadAll($R)", "\tioutil.ReadAll(r, 2)"),
            None
        );
    }

    #[test]
    fn a_hole_for_any_number_of_siblings_takes_none_or_several() {
        let pattern = "$T.Fatalf($$$ARGS)";
        assert_eq!(
            first_match(pattern, "\tt.Fatalf(\"bad %d: %v\", n, err)"),
            Some((
                "t.Fatalf(\"bad %d: %v\", n, err)".to_string(),
                holes(&[("T", "t"), ("ARGS", "\"bad %d: %v\", n, err")])
            ))
        );
        assert_eq!(
            first_match("f($$$ARGS)", "\tf()"),
            Some(("f()".to_string(), holes(&[("ARGS", "")])))
        );
        assert_eq!(
            first_match("f($A, $$$REST)", "\tf(1, 2, 3)"),
            Some((
                "f(1, 2, 3)".to_string(),
                holes(&[("A", "1"), ("REST", "2, 3")])
            ))
        );
    }

    #[test]
    fn a_goroutine_pattern_matches_any_body_even_an_empty_one() {
        let pattern = "go func() { $$$BODY }()";
        let found = first_match(pattern, "\tgo func() {\n\t\tx = 1\n\t\ty()\n\t}()").unwrap();
        assert_eq!(found.1, holes(&[("BODY", "x = 1 y()")]));
        assert!(first_match(pattern, "\tgo func() {}()").is_some());
        assert_eq!(first_match(pattern, "\tgo func(n int) {}(1)"), None);
        assert_eq!(first_match(pattern, "\tdefer func() {}()"), None);
    }

    #[test]
    fn a_repeated_hole_must_hold_the_same_text() {
        let pattern = "$X = append($X, $$$)";
        assert!(first_match(pattern, "\txs = append(xs, 1)").is_some());
        assert!(first_match(pattern, "\txs = append(ys, 1)").is_none());
    }

    #[test]
    fn operators_and_literals_must_be_the_same() {
        assert!(first_match("$A + 1", "\t_ = n + 1").is_some());
        assert!(first_match("$A + 1", "\t_ = n - 1").is_none());
        assert!(first_match("$A + 1", "\t_ = n + 2").is_none());
    }

    #[test]
    fn kind_picks_the_statement_over_the_expression() {
        let pattern = Pattern::compile("t.Parallel()", Some("expression_statement")).unwrap();
        assert!(
            pattern.query.starts_with("(expression_statement"),
            "{}",
            pattern.query
        );
        let pattern = Pattern::compile("t.Parallel()", None).unwrap();
        assert!(
            pattern.query.starts_with("(call_expression"),
            "{}",
            pattern.query
        );
    }

    #[test]
    fn the_query_compiles_and_declares_every_hole() {
        for text in [
            "ioutil.ReadAll($R)",
            "go func() { $$$BODY }()",
            "$T.Fatalf($$$ARGS)",
            "func $F($$$) error { $$$ }",
        ] {
            let pattern = Pattern::compile(text, None).unwrap();
            let query = tree_sitter::Query::new(&crate::go::parse::language(), &pattern.query)
                .unwrap_or_else(|e| panic!("{text}: {e}: {}", pattern.query));
            for hole in &pattern.holes {
                assert!(
                    query.capture_index_for_name(hole).is_some(),
                    "{text}: {hole}"
                );
            }
            assert!(query.capture_index_for_name(MATCH_CAPTURE).is_some());
        }
    }

    #[test]
    fn the_longest_word_is_the_prefilter() {
        let pattern = Pattern::compile("ioutil.ReadAll($R)", None).unwrap();
        assert_eq!(pattern.literal.as_deref(), Some("ReadAll"));
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        for (text, why) in [
            ("ioutil.ReadAll(", "does not parse as Go"),
            ("$X", "must hold some Go"),
            ("f($1)", "starts with a letter"),
            ("f($)", "followed by a name"),
        ] {
            let err = Pattern::compile(text, None).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        let err = Pattern::compile("f(x)", Some("go_statement")).unwrap_err();
        assert!(err.contains("no `go_statement`"), "{err}");
    }
}
