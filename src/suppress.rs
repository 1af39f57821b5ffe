//! `//fixgen:ignore RULE-ID[,RULE-ID] reason`: a maintainer's judgement,
//! written where the code is, that a finding is wrong there.
//!
//! The directive covers its own line when it trails code, and the next
//! line when it stands alone. A finding of a named rule that starts on a
//! covered line is not reported and its fix is not made; `check
//! --show-ignored` lists it with the reason. A directive that gives no
//! reason, or names a rule that does not exist, ignores nothing and is a
//! warning at its line, as golangci-lint's nolintlint does: a suppression
//! nobody can review, or one a typo keeps from working, is worse than none.
//!
//! Directives are read from the file's text with a small lexer (strings,
//! raw strings and block comments skipped), never a parse: the engine asks
//! once per round, and a file without the marker costs one substring search.

use crate::engine::actions::Plan;
use std::collections::BTreeSet;

/// What a directive starts with, as Go's own directives (`//go:build`).
pub const DIRECTIVE: &str = "//fixgen:ignore";

/// The part every spelling shares: a file without it holds no directive.
const MARK: &str = "fixgen:ignore";

/// The valid directives of one file, and what is wrong with the others.
#[derive(Debug, Default)]
pub struct Directives {
    valid: Vec<Directive>,
    /// `(line, what is wrong)`, in file order.
    pub problems: Vec<(usize, String)>,
}

#[derive(Debug)]
struct Directive {
    /// The line whose findings it ignores (1-based).
    covers: usize,
    rules: Vec<String>,
    reason: String,
}

impl Directives {
    /// The directives in `source`; `known` says whether a rule id exists.
    pub fn scan(source: &str, known: &dyn Fn(&str) -> bool) -> Directives {
        let mut out = Directives::default();
        if !source.contains(MARK) {
            return out;
        }
        for comment in line_comments(source) {
            match parse(comment.text, known) {
                Parsed::NotOne => {}
                Parsed::Invalid(problem) => out.problems.push((comment.line, problem)),
                Parsed::Valid { rules, reason } => out.valid.push(Directive {
                    covers: comment.line + usize::from(comment.alone),
                    rules,
                    reason,
                }),
            }
        }
        out
    }

    /// The reason a directive gives for ignoring `rule`'s finding at `line`.
    pub fn reason(&self, rule: &str, line: usize) -> Option<&str> {
        self.valid
            .iter()
            .find(|d| d.covers == line && d.rules.iter().any(|r| r == rule))
            .map(|d| d.reason.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.valid.is_empty() && self.problems.is_empty()
    }
}

/// Takes out of `plan` the fixes of the findings `directives` ignore, and
/// returns each finding's reason (`None`: reported as usual). A fix is
/// all or nothing, so one that also serves a finding nobody ignored (the
/// sibling subtests a single `:=` fix covers) is not made either: making
/// it would edit the ignored line. That finding says so.
pub fn withhold(
    plan: &mut Plan,
    rule: &str,
    directives: &Directives,
    line_of: &dyn Fn(usize) -> usize,
) -> Vec<Option<String>> {
    let reasons: Vec<Option<String>> = plan
        .findings
        .iter()
        .map(|f| directives.reason(rule, line_of(f.start)).map(String::from))
        .collect();
    let dropped: BTreeSet<usize> = plan
        .findings
        .iter()
        .zip(&reasons)
        .filter(|(_, reason)| reason.is_some())
        .filter_map(|(f, _)| f.fix)
        .collect();
    if dropped.is_empty() {
        return reasons;
    }
    for &fix in &dropped {
        plan.fixes[fix].clear();
    }
    plan.files.retain(|(fix, _)| !dropped.contains(fix));
    for (finding, reason) in plan.findings.iter_mut().zip(&reasons) {
        if finding.fix.is_some_and(|fix| dropped.contains(&fix)) {
            finding.fix = None;
            if reason.is_none() {
                finding.note = Some(format!(
                    "not fixed: its fix would also change a finding that {DIRECTIVE} ignores"
                ));
            }
        }
    }
    reasons
}

enum Parsed {
    /// Not a directive at all (`//fixgen:ignored`, any other comment).
    NotOne,
    Invalid(String),
    Valid {
        rules: Vec<String>,
        reason: String,
    },
}

/// Reads one `//…` comment.
fn parse(comment: &str, known: &dyn Fn(&str) -> bool) -> Parsed {
    let Some(rest) = comment.strip_prefix(DIRECTIVE) else {
        // `// fixgen:ignore` reads as prose to Go's tools; say why it does nothing.
        return match comment[2..].trim_start().starts_with(MARK) {
            true => Parsed::Invalid(format!(
                "`{}` is not a directive: write `{DIRECTIVE}`, with no space after `//`; it ignores nothing",
                comment.trim_end()
            )),
            false => Parsed::NotOne,
        };
    };
    if rest.starts_with(|c: char| !c.is_whitespace()) {
        return Parsed::NotOne;
    }
    let rest = rest.trim();
    let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let rules: Vec<String> = ids.split(',').map(str::to_string).collect();
    if ids.is_empty() {
        return Parsed::Invalid(format!(
            "{DIRECTIVE} names no rule: write `{DIRECTIVE} RULE-ID[,RULE-ID] reason`; it ignores nothing"
        ));
    }
    if rules.iter().any(String::is_empty) {
        return Parsed::Invalid(format!(
            "{DIRECTIVE} {ids} has an empty rule id: separate ids by `,` alone, then the reason; it ignores nothing"
        ));
    }
    if let Some(unknown) = rules.iter().find(|r| !known(r)) {
        return Parsed::Invalid(format!(
            "{DIRECTIVE} names `{unknown}`, which is no rule (see `fixgen rules`); it ignores nothing"
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Parsed::Invalid(format!(
            "{DIRECTIVE} {ids} gives no reason: say after the rule id why the finding is wrong here; it ignores nothing"
        ));
    }
    Parsed::Valid {
        rules,
        reason: reason.to_string(),
    }
}

struct LineComment<'s> {
    /// 1-based.
    line: usize,
    /// From `//` to the end of the line, without the newline.
    text: &'s str,
    /// Only blanks before it on its line.
    alone: bool,
}

/// Every `//` comment of Go source, skipping what only looks like one:
/// inside strings, runes, raw strings and block comments.
fn line_comments(source: &str) -> Vec<LineComment<'_>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    // Skips to just past `end` (not past a newline when `stop_at_newline`),
    // counting the lines it crosses.
    let skip_to = |from: usize, end: &[u8], escapes: bool, line: &mut usize, start: &mut usize| {
        let mut j = from;
        while j < bytes.len() {
            if escapes && bytes[j] == b'\\' {
                j += 2;
                continue;
            }
            if bytes[j] == b'\n' {
                if escapes {
                    // An unterminated string ends at the line's end.
                    return j;
                }
                *line += 1;
                *start = j + 1;
            }
            if bytes[j..].starts_with(end) {
                return j + end.len();
            }
            j += 1;
        }
        bytes.len()
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b'"' => i = skip_to(i + 1, b"\"", true, &mut line, &mut line_start),
            b'\'' => i = skip_to(i + 1, b"'", true, &mut line, &mut line_start),
            b'`' => i = skip_to(i + 1, b"`", false, &mut line, &mut line_start),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_to(i + 2, b"*/", false, &mut line, &mut line_start)
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                out.push(LineComment {
                    line,
                    text: source[i..end].trim_end_matches('\r'),
                    alone: source[line_start..i].trim().is_empty(),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        ["race", "other"].contains(&id)
    }

    #[test]
    fn a_directive_alone_covers_the_next_line_and_a_trailing_one_its_own() {
        let src = "package p\n\n//fixgen:ignore race the lock guards it\nx = 1\ny = 2 //fixgen:ignore race,other\tchecked by hand\n";
        let d = Directives::scan(src, &known);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.reason("race", 4), Some("the lock guards it"));
        assert_eq!(d.reason("race", 3), None);
        assert_eq!(d.reason("other", 4), None);
        assert_eq!(d.reason("other", 5), Some("checked by hand"));
        assert_eq!(
            d.reason("race", 6),
            None,
            "a trailing one covers only its line"
        );
    }

    #[test]
    fn directives_without_reason_or_with_unknown_rules_ignore_nothing_and_say_where() {
        let src = "package p\n//fixgen:ignore race\nx = 1\n//fixgen:ignore rcae typo\ny = 2\n//fixgen:ignore\n// fixgen:ignore race spaced\n//fixgen:ignore race, a gap\n";
        let d = Directives::scan(src, &known);
        assert_eq!(d.reason("race", 3), None);
        assert_eq!(d.reason("race", 5), None);
        let lines: Vec<usize> = d.problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 4, 6, 7, 8]);
        assert_eq!(
            d.problems[0].1,
            "//fixgen:ignore race gives no reason: say after the rule id why the finding is wrong here; it ignores nothing"
        );
        assert_eq!(
            d.problems[1].1,
            "//fixgen:ignore names `rcae`, which is no rule (see `fixgen rules`); it ignores nothing"
        );
        assert!(d.problems[3]
            .1
            .starts_with("`// fixgen:ignore race spaced` is not a directive"));
    }

    #[test]
    fn what_only_looks_like_a_directive_is_none() {
        let src = "package p\nvar s = \"//fixgen:ignore race in a string\"\nvar r = `\n//fixgen:ignore race in a raw string\n`\n/*\n//fixgen:ignore race in a block\n*/\n//fixgen:ignored race other word\nx := '\"' //fixgen:ignore race after a rune\n";
        let d = Directives::scan(src, &known);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        for line in 1..=9 {
            assert_eq!(d.reason("race", line), None, "line {line}");
        }
        assert_eq!(d.reason("race", 10), Some("after a rune"));
    }

    #[test]
    fn crlf_lines_keep_their_numbers_and_lose_their_carriage_return() {
        let src = "package p\r\n//fixgen:ignore race why\r\nx = 1\r\n";
        assert_eq!(Directives::scan(src, &known).reason("race", 3), Some("why"));
    }
}
