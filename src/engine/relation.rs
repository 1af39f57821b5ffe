//! Relations in `where`: where a match stands among the nodes around it.
//! `inside(pattern = 'go func() { $$$ }()')`, `has(kind = "defer_statement")`,
//! `precedes(…)` / `follows(…)` (the next / previous statement of the
//! same block, or with `stop-by = "end"` any later / earlier one; a node
//! at any depth in it), `in-function(…)` (the nearest enclosing
//! function or function literal). Each looks at the reported node, or at
//! the capture given first (`inside(@call, kind = "for_statement")`), and
//! is met by a node of the `kind` and/or matching the `pattern`. A
//! pattern's holes named like the match's captures must hold the same
//! text; its other holes become captures of the match (in a pattern rule).

use super::context::FileContext;
use super::matcher::Match;
use super::pattern::{Bindings, Pattern};
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Inside,
    Has,
    Precedes,
    Follows,
    InFunction,
}

/// The relations' names, for `where`.
pub const RELATIONS: &[(&str, Direction)] = &[
    ("inside", Direction::Inside),
    ("has", Direction::Has),
    ("precedes", Direction::Precedes),
    ("follows", Direction::Follows),
    ("in-function", Direction::InFunction),
];

#[derive(Debug, Clone)]
pub struct Relation {
    direction: Direction,
    /// The capture looked from; the reported node when `None`.
    subject: Option<u32>,
    kind: Option<String>,
    pattern: Option<Pattern>,
    /// `precedes` / `follows`: every later / earlier statement of the
    /// block (`stop-by = "end"`), not only the next / previous one.
    to_end: bool,
    /// `as = "$LOOP"`: the node found becomes this capture.
    bind: Option<String>,
}

impl Relation {
    /// `name(args)` as a relation, when `name` is one and its arguments
    /// say `pattern =` or `kind =`; `Ok(None)` otherwise (the older
    /// `inside(@a, @b)`).
    pub fn parse(
        name: &str,
        args: &[String],
        capture_index: &dyn Fn(&str) -> Option<u32>,
    ) -> Result<Option<Relation>, String> {
        let Some(&(_, direction)) = RELATIONS.iter().find(|(n, _)| *n == name) else {
            return Ok(None);
        };
        let keyed =
            |a: &String| a.starts_with("pattern") || a.starts_with("kind") || a.starts_with("as");
        if !args.iter().any(keyed) {
            return match direction {
                Direction::Inside => Ok(None),
                _ => Err(format!("`{name}` needs `pattern = '…'` or `kind = \"…\"`")),
            };
        }
        let mut relation = Relation {
            direction,
            subject: None,
            kind: None,
            pattern: None,
            to_end: false,
            bind: None,
        };
        for (i, arg) in args.iter().enumerate() {
            if let Some(capture) = arg.strip_prefix('@') {
                if i > 0 {
                    return Err(format!("`{name}`: the capture comes first"));
                }
                relation.subject = Some(
                    capture_index(capture)
                        .ok_or_else(|| format!("`{name}`: the rule has no capture @{capture}"))?,
                );
                continue;
            }
            let (key, value) = arg.split_once('=').ok_or_else(|| {
                format!("`{name}`: expected `pattern = '…'` or `kind = \"…\"`, got `{arg}`")
            })?;
            let value = unquoted(value.trim())
                .ok_or_else(|| format!("`{name}`: `{}` needs a quoted value", key.trim()))?;
            match key.trim() {
                "kind" => relation.kind = Some(value),
                "as" => {
                    let hole = value.strip_prefix('$').filter(|h| {
                        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    });
                    let hole = hole.ok_or_else(|| {
                        format!("`{name}`: `as` names a capture like \"$LOOP\", not \"{value}\"")
                    })?;
                    relation.bind = Some(hole.to_string());
                }
                "pattern" => {
                    relation.pattern = Some(
                        Pattern::compile(&value, None)
                            .map_err(|e| format!("`{name}`: pattern: {e}"))?,
                    )
                }
                "stop-by" if matches!(direction, Direction::Precedes | Direction::Follows) => {
                    relation.to_end = match value.as_str() {
                        "end" => true,
                        "neighbor" => false,
                        other => {
                            return Err(format!(
                                "`{name}`: `stop-by` is \"neighbor\" or \"end\", not \"{other}\""
                            ))
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "`{name}`: unknown argument `{other}` (pattern, kind, as{})",
                        if matches!(direction, Direction::Precedes | Direction::Follows) {
                            ", stop-by"
                        } else {
                            ""
                        }
                    ))
                }
            }
        }
        Ok(Some(relation))
    }

    /// The holes of the relation's pattern, and its `as`, by name.
    pub fn holes(&self) -> Vec<String> {
        let mut holes = self
            .pattern
            .as_ref()
            .map_or(Vec::new(), |p| p.holes.clone());
        holes.extend(self.bind.clone());
        holes
    }

    /// The holes bound by the first node the relation finds, if any.
    pub fn find<'t>(
        &self,
        cx: &FileContext<'t>,
        m: &Match<'t>,
        names: &[&str],
    ) -> Option<Bindings<'t>> {
        let subject = match self.subject {
            Some(capture) => m.get(capture)?,
            None => m.report,
        };
        let seed = seeded(m, names);
        let met = |node: Node<'t>| self.meets(node, cx.source, &seed);
        match self.direction {
            Direction::Inside => ancestors(subject).find_map(met),
            Direction::InFunction => ancestors(subject)
                .find(|n| FUNCTIONS.contains(&n.kind()))
                .and_then(met),
            Direction::Has => crate::go::syntax::descendants(subject)
                .into_iter()
                .skip(1)
                .find_map(met),
            Direction::Precedes | Direction::Follows => {
                let statement = statement_of(subject)?;
                let siblings = statement_siblings(statement);
                let at = siblings.iter().position(|s| s.id() == statement.id())?;
                let others: Vec<Node> = match (self.direction, self.to_end) {
                    (Direction::Precedes, true) => siblings[at + 1..].to_vec(),
                    (Direction::Precedes, false) => {
                        siblings.get(at + 1).copied().into_iter().collect()
                    }
                    (_, true) => siblings[..at].iter().rev().copied().collect(),
                    (_, false) => at.checked_sub(1).map(|i| siblings[i]).into_iter().collect(),
                };
                others.iter().find_map(|s| {
                    crate::go::syntax::descendants(*s)
                        .into_iter()
                        .find_map(&met)
                })
            }
        }
    }

    fn meets<'t>(&self, node: Node<'t>, source: &str, seed: &Bindings<'t>) -> Option<Bindings<'t>> {
        if self.kind.as_ref().is_some_and(|k| node.kind() != k) {
            return None;
        }
        let mut found = match &self.pattern {
            Some(pattern) => pattern.match_with(node, source, seed.clone())?,
            None => seed.clone(),
        };
        if let Some(name) = &self.bind {
            found.holes.push((name.clone(), vec![node]));
        }
        Some(found)
    }
}

/// Function declarations, methods and literals.
const FUNCTIONS: &[&str] = &["function_declaration", "method_declaration", "func_literal"];

/// The match's captures as bound holes, so that a relation's `$ROWS` must
/// hold what the match's `$ROWS` holds.
fn seeded<'t>(m: &Match<'t>, names: &[&str]) -> Bindings<'t> {
    let mut seed = Bindings::default();
    for (index, node) in &m.captures {
        let Some(name) = names.get(*index as usize) else {
            continue;
        };
        match seed.holes.iter_mut().find(|(n, _)| n == name) {
            Some((_, nodes)) => nodes.push(*node),
            None => seed.holes.push((name.to_string(), vec![*node])),
        }
    }
    seed
}

fn ancestors(node: Node) -> impl Iterator<Item = Node> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// The statement holding `node` (or `node` itself): the node whose parent
/// is a statement list.
fn statement_of(node: Node) -> Option<Node> {
    std::iter::successors(Some(node), |n| n.parent())
        .find(|n| n.parent().is_some_and(|p| p.kind() == "statement_list"))
}

/// The statements of the list holding `statement`, comments left out.
fn statement_siblings(statement: Node) -> Vec<Node> {
    let Some(list) = statement.parent() else {
        return Vec::new();
    };
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// `'…'` or `"…"` (with `\"` and `\\`) without its quotes.
pub fn unquoted(text: &str) -> Option<String> {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(inner.to_string());
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// The arguments of a condition, split at the commas outside brackets and
/// quotes (`'…'` or `"…"`).
pub fn split_nested(inner: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                current.push(c);
                current.extend(chars.next());
                continue;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                args.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if quote.is_some() {
        return Err("unterminated string".into());
    }
    if !current.trim().is_empty() || !args.is_empty() {
        args.push(current.trim().to_string());
    }
    Ok(args)
}
