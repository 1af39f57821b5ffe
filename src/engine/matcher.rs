//! Running a rule's tree-sitter query over a file and keeping the matches
//! whose conditions hold.

use super::context::FileContext;
use crate::engine::Rule;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor};

/// One match of a rule's query: its captures and the node findings point at.
#[derive(Debug, Clone)]
pub struct Match<'t> {
    pub captures: Vec<(u32, Node<'t>)>,
    pub report: Node<'t>,
    /// Captures holding several siblings (a pattern's `$$$ARGS`) or none:
    /// the byte span whose text templates see.
    pub spans: Vec<(u32, std::ops::Range<usize>)>,
}

impl<'t> Match<'t> {
    pub fn get(&self, capture: u32) -> Option<Node<'t>> {
        self.captures
            .iter()
            .find(|(i, _)| *i == capture)
            .map(|(_, n)| *n)
    }
}

/// The rule's matches in `ranges` of the file (all of it when `None`).
pub fn find_matches<'t>(
    rule: &Rule,
    cx: &FileContext<'t>,
    ranges: Option<&[(usize, usize)]>,
) -> Vec<Match<'t>> {
    let mut out: Vec<Match<'t>> = Vec::new();
    let whole = [(0, cx.source.len())];
    for &(start, end) in ranges.unwrap_or(&whole) {
        matches_in(rule, cx, start..end, &mut out);
    }
    out
}

fn matches_in<'t>(
    rule: &Rule,
    cx: &FileContext<'t>,
    range: std::ops::Range<usize>,
    out: &mut Vec<Match<'t>>,
) {
    let mut cursor = QueryCursor::new();
    cursor.set_byte_range(range);
    let mut matches = cursor.matches(&rule.query, cx.root, cx.source.as_bytes());
    while let Some(m) = matches.next() {
        let captures: Vec<(u32, Node<'t>)> = m.captures.iter().map(|c| (c.index, c.node)).collect();
        let (captures, spans) = match &rule.pattern {
            Some(pattern) => match pattern_captures(rule, pattern, &captures, cx.source) {
                Some(found) => found,
                None => continue,
            },
            None => (captures, Vec::new()),
        };
        let Some(report) = captures
            .iter()
            .find(|(i, _)| *i == rule.report)
            .map(|(_, n)| *n)
        else {
            continue;
        };
        let candidate = Match {
            captures,
            report,
            spans,
        };
        // The same node can match a pattern more than once (alternatives);
        // one finding per reported node is what users expect.
        if out.iter().any(|seen| seen.report.id() == report.id()) {
            continue;
        }
        if let Some(found) = with_conditions(rule, cx, candidate) {
            out.push(found);
        }
    }
}

type Captures<'t> = (Vec<(u32, Node<'t>)>, Vec<(u32, std::ops::Range<usize>)>);

/// A pattern rule's captures for a query match: the candidate (capture
/// `match`) compared with the pattern exactly, and each hole bound to what
/// it holds; `None` when the candidate is not a match.
fn pattern_captures<'t>(
    rule: &Rule,
    pattern: &super::pattern::Pattern,
    captures: &[(u32, Node<'t>)],
    source: &str,
) -> Option<Captures<'t>> {
    let whole = rule
        .query
        .capture_index_for_name(super::pattern::MATCH_CAPTURE)?;
    let node = captures.iter().find(|(i, _)| *i == whole)?.1;
    let bindings = pattern.match_at(node, source)?;
    let mut out = vec![(whole, node)];
    let mut spans = Vec::new();
    for (name, nodes) in bindings.holes {
        let index = rule.query.capture_index_for_name(&name)?;
        out.extend(nodes.iter().map(|n| (index, *n)));
        if nodes.len() != 1 {
            let span = match (nodes.first(), nodes.last()) {
                (Some(first), Some(last)) => first.start_byte()..last.end_byte(),
                _ => node.start_byte()..node.start_byte(),
            };
            spans.push((index, span));
        }
    }
    Some((out, spans))
}

/// The match if every condition holds, in order, with the holes their
/// relations bound added as captures (a later condition, the message and
/// the template can name them).
fn with_conditions<'t>(rule: &Rule, cx: &FileContext<'t>, mut m: Match<'t>) -> Option<Match<'t>> {
    let names = rule.query.capture_names();
    for (k, condition) in rule.conditions.iter().enumerate() {
        let Some(bound) = condition.check(cx, &m, &rule.params, names) else {
            cx.explain(m.report.start_byte(), || {
                let failed = rule.condition_texts.get(k).map_or("?", String::as_str);
                format!("{}: `{failed}` does not hold", described(rule, cx, &m))
            });
            return None;
        };
        for (name, nodes) in bound {
            let Some(index) = rule.query.capture_index_for_name(&name) else {
                continue;
            };
            m.captures.extend(nodes.iter().map(|n| (index, *n)));
        }
    }
    cx.explain(m.report.start_byte(), || {
        format!("{}: every condition holds", described(rule, cx, &m))
    });
    Some(m)
}

/// `rule-id 12:3 match (CAPTURE = text, …)`, for `check --explain`.
fn described(rule: &Rule, cx: &FileContext, m: &Match) -> String {
    let at = m.report.start_position();
    let mut bound: Vec<String> = Vec::new();
    for (index, node) in &m.captures {
        let name = rule.capture_name(*index);
        if name.starts_with('_') {
            continue;
        }
        let text: String = cx.text(*node).chars().take(60).collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let shown = format!("{name} = `{text}`");
        if !bound.contains(&shown) {
            bound.push(shown);
        }
    }
    format!(
        "{} {}:{} match ({})",
        rule.id,
        at.row + 1,
        at.column + 1,
        bound.join(", ")
    )
}
