//! Parsing less: the parts of a file a rule can do without, found with a
//! small lexer (strings, runes and comments are skipped), never by
//! parsing. The parser is then told to leave them out (tree-sitter's
//! included ranges), so offsets, lines and columns stay those of the file.
//! The package clause, imports and package-level variables are always
//! kept, so names still resolve in the functions that are parsed.

/// A text's top-level items, lexed once when first asked for: a round
/// plans its parse from them several times (each candidate rule's
/// functions, what all of them leave out), and each lexing reads the
/// whole text.
pub struct TopLevel<'s> {
    source: &'s str,
    items: std::cell::OnceCell<Vec<(usize, usize)>>,
    functions: std::cell::OnceCell<Vec<(usize, usize)>>,
    /// The signatures of each function asked about, by its start.
    signatures: std::cell::RefCell<std::collections::HashMap<usize, Vec<(usize, usize)>>>,
}

impl<'s> TopLevel<'s> {
    pub fn of(source: &'s str) -> TopLevel<'s> {
        TopLevel {
            source,
            items: std::cell::OnceCell::new(),
            functions: std::cell::OnceCell::new(),
            signatures: Default::default(),
        }
    }

    /// The top-level function holding `offset`, if any.
    pub fn function_holding(&self, offset: usize) -> Option<(usize, usize)> {
        let functions = self.functions();
        let i = functions.partition_point(|&(start, _)| start <= offset);
        let function = functions[..i].last().copied()?;
        (offset < function.1).then_some(function)
    }

    /// Whether `offset` lies in a signature (see [`signature_ranges`]) of
    /// the top-level function holding it: its own, or a function
    /// literal's or function type's in its body. Only that function is
    /// lexed, once. Outside every function it lies in none that counts.
    pub fn in_signature(&self, offset: usize) -> bool {
        let Some((start, end)) = self.function_holding(offset) else {
            return false;
        };
        let mut cache = self.signatures.borrow_mut();
        let ranges = cache
            .entry(start)
            .or_insert_with(|| signature_ranges_in(self.source, start, end));
        ranges.iter().any(|&(s, e)| s <= offset && offset < e)
    }

    pub fn source(&self) -> &'s str {
        self.source
    }

    pub fn items(&self) -> &[(usize, usize)] {
        self.items.get_or_init(|| top_level_items(self.source))
    }

    /// Byte ranges of the top-level `func` declarations (see
    /// [`top_level_functions`]).
    pub fn functions(&self) -> &[(usize, usize)] {
        self.functions.get_or_init(|| {
            let bytes = self.source.as_bytes();
            self.items()
                .iter()
                .copied()
                .filter(|&(start, _)| starts_function(&bytes[start..]))
                .collect()
        })
    }

    /// What a rule whose literals vouch for their function never needs:
    /// every top-level item but the package clause, the imports, the
    /// package-level variables (a write to one is not a local's) and the
    /// functions holding one of `offsets`. Types and constants come from
    /// the package index.
    pub fn unneeded_around(&self, offsets: &[usize]) -> Vec<(usize, usize)> {
        let holds = holding(offsets);
        let bytes = self.source.as_bytes();
        self.items()
            .iter()
            .copied()
            .filter(|&(start, end)| {
                let item = &bytes[start..];
                let kept = item.starts_with(b"package")
                    || item.starts_with(b"import")
                    || item.starts_with(b"var")
                    || (starts_function(item) && holds(start, end));
                !kept
            })
            .collect()
    }

    /// Every top-level item but those starting with one of `keywords`
    /// (`package`, `import`, `const`…): what a reader of only those
    /// declarations leaves out.
    pub fn all_but(&self, keywords: &[&str]) -> Vec<(usize, usize)> {
        let bytes = self.source.as_bytes();
        self.items()
            .iter()
            .copied()
            .filter(|&(start, _)| {
                !keywords
                    .iter()
                    .any(|k| starts_keyword(&bytes[start..], k.as_bytes()))
            })
            .collect()
    }

    /// The top-level functions holding one of `offsets`: where a rule
    /// whose literals vouch for their function can match.
    pub fn functions_holding(&self, offsets: &[usize]) -> Vec<(usize, usize)> {
        let holds = holding(offsets);
        self.functions()
            .iter()
            .copied()
            .filter(|&(start, end)| holds(start, end))
            .collect()
    }
}

/// See [`TopLevel::unneeded_around`].
pub fn items_unneeded_around(source: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    TopLevel::of(source).unneeded_around(offsets)
}

/// See [`TopLevel::functions_holding`].
pub fn functions_holding(source: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    TopLevel::of(source).functions_holding(offsets)
}

/// Whether `start..end` holds one of `offsets`, by binary search: a file
/// of thousands of functions and as many hits is not compared pair by pair.
fn holding(offsets: &[usize]) -> impl Fn(usize, usize) -> bool {
    let mut sorted = offsets.to_vec();
    sorted.sort_unstable();
    move |start, end| {
        let first = sorted.partition_point(|&o| o < start);
        sorted.get(first).is_some_and(|&o| o < end)
    }
}

/// Byte ranges of every top-level item: from a line starting one (in
/// column one, outside brackets, strings and comments) to the next.
fn top_level_items(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut starts = Vec::new();
    if bytes.first().is_some_and(|b| !b.is_ascii_whitespace()) {
        starts.push(0);
    }
    // A line starts an item where the newline before it is code (or ends
    // a line comment) at depth zero.
    walk_code_bytes(
        source,
        0,
        bytes.len(),
        &ByteSet::of(b"\n"),
        |i, _, depth| {
            if depth == 0 && bytes.get(i + 1).is_some_and(|b| !b.is_ascii_whitespace()) {
                starts.push(i + 1);
            }
            true
        },
    );
    let ends = starts.iter().skip(1).copied().chain([bytes.len()]);
    starts.iter().copied().zip(ends).collect()
}

/// A file cut into parts that can be parsed one at a time: the header
/// (package clause, imports, and the comments among them), then runs of
/// whole top-level items that together hold the rest of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileParts {
    pub header_end: usize,
    pub parts: Vec<(usize, usize)>,
    /// The package-level `var` items (see `items_unneeded_around`).
    pub variables: Vec<(usize, usize)>,
}

impl FileParts {
    /// What to leave out to parse `part` with the header and `kept`
    /// (sorted items), in a file of `len` bytes.
    pub fn left_out(
        &self,
        part: (usize, usize),
        kept: &[(usize, usize)],
        len: usize,
    ) -> Vec<(usize, usize)> {
        let mut kept_ranges: Vec<(usize, usize)> = kept
            .iter()
            .copied()
            .filter(|k| k.1 <= part.0 || k.0 >= part.1)
            .chain([part])
            .collect();
        kept_ranges.sort_unstable();
        let mut left_out = Vec::new();
        let mut from = self.header_end;
        for (start, end) in kept_ranges.into_iter().chain([(len, len)]) {
            if start > from {
                left_out.push((from, start));
            }
            from = from.max(end);
        }
        left_out
    }
}

/// `source` cut into parts of at most `max_items` top-level items and
/// about `part_bytes` bytes. `None` for a file with no header the lexer
/// can find.
pub fn file_parts(source: &str, part_bytes: usize, max_items: usize) -> Option<FileParts> {
    let items = top_level_items(source);
    let starts_with =
        |&(start, _): &(usize, usize), word: &[u8]| source.as_bytes()[start..].starts_with(word);
    let header_end = header_end_of(source, &items)?;
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut count = 0;
    for &(start, end) in items.iter().filter(|i| i.0 >= header_end) {
        match parts.last_mut() {
            Some(part) if part.1 - part.0 < part_bytes && count < max_items => {
                part.1 = end;
                count += 1;
            }
            _ => {
                parts.push((start, end));
                count = 1;
            }
        }
    }
    let variables = items
        .iter()
        .filter(|i| i.0 >= header_end && starts_with(i, b"var"))
        .copied()
        .collect();
    Some(FileParts {
        header_end,
        parts,
        variables,
    })
}

/// Where the header of `source` ends: after its package clause and
/// imports (and what follows them up to the next declaration). `None`
/// when the lexer finds neither.
pub fn header_end(source: &str) -> Option<usize> {
    header_end_of(source, &top_level_items(source))
}

fn header_end_of(source: &str, items: &[(usize, usize)]) -> Option<usize> {
    let starts_with = |start: usize, word: &[u8]| source.as_bytes()[start..].starts_with(word);
    let header = items
        .iter()
        .rev()
        .find(|&&(start, _)| starts_with(start, b"package") || starts_with(start, b"import"))?;
    Some(header.1)
}

/// The insides of the bodies of the top-level functions: what the type
/// index never needs, since declarations and signatures are all it reads,
/// and bodies are most of the bytes.
pub fn function_bodies(source: &str) -> Vec<(usize, usize)> {
    top_level_functions(source)
        .into_iter()
        .filter_map(|(start, end)| body_braces(source, start, end))
        .map(|(open, close)| (open + 1, close))
        .collect()
}

/// What the type index never reads: the package variables, the functions
/// without a receiver, and the bodies of methods. Types, constants,
/// imports and method signatures stay; in a large generated file the
/// rest (descriptor tables, marshalling code) is most of the bytes.
pub fn unneeded_for_declarations(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut left_out = Vec::new();
    for (start, end) in top_level_items(source) {
        let item = &bytes[start..];
        let method = item.starts_with(b"func") && starts_receiver(&item[4..]);
        if method {
            left_out.extend(body_braces(source, start, end).map(|(open, close)| (open + 1, close)));
        } else if starts_function(item) || starts_keyword(item, b"var") {
            left_out.push((start, end));
        }
    }
    left_out
}

/// What a reader of the signatures of functions without a receiver
/// never needs: every top-level item but the package clause, the imports
/// and those functions, and their bodies.
pub fn unneeded_for_function_signatures(source: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut left_out = Vec::new();
    for (start, end) in top_level_items(source) {
        let item = &bytes[start..];
        let function = starts_function(item) && !starts_receiver(&item[4..]);
        if function {
            left_out.extend(body_braces(source, start, end).map(|(open, close)| (open + 1, close)));
        } else if !starts_keyword(item, b"package") && !starts_keyword(item, b"import") {
            left_out.push((start, end));
        }
    }
    merge_adjacent_ranges(left_out)
}

/// Ranges (sorted) with touching neighbours joined.
fn merge_adjacent_ranges(ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// `(` after `func` and blanks: a receiver.
fn starts_receiver(after_func: &[u8]) -> bool {
    after_func
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t'))
        .is_some_and(|&b| b == b'(')
}

/// `keyword` as a whole word at the start of `item`.
fn starts_keyword(item: &[u8], keyword: &[u8]) -> bool {
    item.starts_with(keyword)
        && item
            .get(keyword.len())
            .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
}

/// Byte ranges of the signatures in the file: from each `func` keyword
/// (a declaration, a function literal or a function type) to the `{` of
/// its body, or to where its bracket closes or its line ends.
pub fn signature_ranges(source: &str) -> Vec<(usize, usize)> {
    signature_ranges_in(source, 0, source.len())
}

/// [`signature_ranges`] of `source[from..to]`, a run of whole top-level
/// items: a scan asks only about the functions holding a hit, not the
/// whole file.
pub fn signature_ranges_in(source: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut ranges = Vec::new();
    // (start, depth of the `func` keyword)
    let mut open: Vec<(usize, i64)> = Vec::new();
    // The bytes that end a signature, and the `f` that may start one.
    let wanted = ByteSet::of(b"f{)]}\n");
    walk_code_bytes(source, from, to, &wanted, |i, b, depth| {
        open.retain(|&(start, at)| {
            let ends = match b {
                b'{' => depth == at && !opens_type(&source[start..i]),
                b')' | b']' | b'}' => depth - 1 < at,
                b'\n' => depth == at,
                _ => false,
            };
            if ends {
                ranges.push((start, i));
            }
            !ends
        });
        if is_func_keyword(bytes, i) {
            open.push((i, depth));
        }
        true
    });
    ranges.extend(open.into_iter().map(|(start, _)| (start, to)));
    ranges.sort_unstable();
    ranges
}

fn is_func_keyword(bytes: &[u8], i: usize) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    bytes[i..].starts_with(b"func")
        && (i == 0 || !ident(bytes[i - 1]))
        && bytes.get(i + 4).is_none_or(|&b| !ident(b))
}

/// The complement of `left_out` (sorted, disjoint) in a text of `len`
/// bytes, as parser ranges, with rows and columns from `lines`.
pub fn ranges_without(
    len: usize,
    left_out: &[(usize, usize)],
    lines: &super::syntax::LineIndex,
) -> Vec<tree_sitter::Range> {
    kept(len, left_out)
        .into_iter()
        .map(|(start, end)| tree_sitter::Range {
            start_byte: start,
            end_byte: end,
            start_point: lines.point(start),
            end_point: lines.point(end),
        })
        .collect()
}

/// The complement of `left_out` (sorted, disjoint) in `0..len`: the byte
/// ranges that are parsed.
pub fn kept(len: usize, left_out: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut kept = Vec::new();
    let mut from = 0;
    for &(start, end) in left_out.iter().chain([(len, len)].iter()) {
        if start > from {
            kept.push((from, start));
        }
        from = end;
    }
    kept
}

/// A set of bytes: which code bytes a walk reports.
#[derive(Clone, Copy)]
pub(super) struct ByteSet([bool; 256]);

impl ByteSet {
    /// Every byte.
    pub(super) const ALL: ByteSet = ByteSet([true; 256]);

    pub(super) const fn of(bytes: &[u8]) -> ByteSet {
        let mut set = [false; 256];
        let mut i = 0;
        while i < bytes.len() {
            set[bytes[i] as usize] = true;
            i += 1;
        }
        ByteSet(set)
    }

    fn has(&self, b: u8) -> bool {
        self.0[b as usize]
    }
}

/// The bytes that change a walk's state: comment, string and rune
/// openers, and brackets.
const STRUCTURE: ByteSet = ByteSet::of(b"/`\"'{([})]");

/// Calls `visit(offset, byte, depth)` for each byte of code in
/// `source[from..to]` (not in a string, rune or comment) that is in
/// `wanted`; `depth` counts the brackets open before it, from zero at
/// `from`. Stops when `visit` says so. A newline in `wanted` includes the
/// one ending a line comment.
///
/// Runs of other bytes are skipped without a call, and strings and comments
/// with a vectorised search: the lexers of a large scan read every byte
/// of every candidate file, so this is most of their cost.
pub(super) fn walk_code_bytes(
    source: &str,
    from: usize,
    to: usize,
    wanted: &ByteSet,
    mut visit: impl FnMut(usize, u8, i64) -> bool,
) {
    let bytes = source.as_bytes();
    let to = to.min(bytes.len());
    let newline_wanted = wanted.has(b'\n');
    let mut depth: i64 = 0;
    let mut i = from;
    while i < to {
        let b = bytes[i];
        if wanted.has(b) && !visit(i, b, depth) {
            return;
        }
        if !STRUCTURE.has(b) {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        i = match b {
            b'/' if next == Some(b'/') => {
                let Some(k) = memchr::memchr(b'\n', &bytes[i + 1..to]) else {
                    return;
                };
                let newline = i + 1 + k;
                if newline_wanted && !visit(newline, b'\n', depth) {
                    return;
                }
                newline + 1
            }
            b'/' if next == Some(b'*') => {
                let from = (i + 2).min(to);
                let Some(k) = memchr::memmem::find(&bytes[from..to], b"*/") else {
                    return;
                };
                from + k + 2
            }
            b'`' => {
                let Some(k) = memchr::memchr(b'`', &bytes[i + 1..to]) else {
                    return;
                };
                i + 1 + k + 1
            }
            b'"' | b'\'' => after_quoted(bytes, i + 1, to, b),
            b'{' | b'(' | b'[' => {
                depth += 1;
                i + 1
            }
            b'}' | b')' | b']' => {
                depth -= 1;
                i + 1
            }
            _ => i + 1,
        };
    }
}

/// The offset after the string or rune whose text starts at `from` and
/// closes with `close`: after the closing quote, or after the newline
/// that ends it unclosed; `to` if neither comes first.
fn after_quoted(bytes: &[u8], mut from: usize, to: usize, close: u8) -> usize {
    while from < to {
        let Some(k) = memchr::memchr3(close, b'\\', b'\n', &bytes[from..to]) else {
            return to;
        };
        let at = from + k;
        if bytes[at] == b'\\' {
            from = at + 2;
        } else {
            return at + 1;
        }
    }
    to
}

/// Byte ranges of top-level `func` declarations: from the `func` line to
/// the next line that starts a top-level item (a declaration or a comment
/// in column one, outside any bracket, string or comment), or the end.
pub fn top_level_functions(source: &str) -> Vec<(usize, usize)> {
    TopLevel::of(source).functions().to_vec()
}

/// The braces of the body of the function declared in `source[start..end]`:
/// the first `{` outside brackets that does not open an `interface` or
/// `struct` type in the signature, and the `}` that closes it.
fn body_braces(source: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let mut open = None;
    let mut close = None;
    walk_code_bytes(source, start, end, &ByteSet::of(b"{}"), |i, b, depth| {
        match (open, b) {
            (None, b'{') if depth == 0 && !opens_type(&source[start..i]) => open = Some(i),
            (Some(_), b'}') if depth == 1 => {
                close = Some(i);
                return false;
            }
            _ => {}
        }
        true
    });
    Some((open?, close?))
}

/// Whether a `{` after `before` opens a type literal (`interface{}`).
fn opens_type(before: &str) -> bool {
    let word = before.trim_end();
    word.ends_with("interface") || word.ends_with("struct")
}

fn starts_function(line: &[u8]) -> bool {
    line.starts_with(b"func") && matches!(line.get(4), Some(b' ' | b'\t' | b'('))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lexer as first written, a byte at a time: what the skipping
    /// one must agree with.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Code,
        LineComment,
        BlockComment,
        RawString,
        String,
        Rune,
    }

    /// Calls `visit(offset, byte, depth)` for each byte of code in
    /// `source[from..to]` (not in a string, rune or comment); `depth` counts
    /// the brackets open before it, from zero at `from`. Stops when `visit`
    /// says so.
    fn walk_code_reference(
        source: &str,
        from: usize,
        to: usize,
        mut visit: impl FnMut(usize, u8, i64) -> bool,
    ) {
        let bytes = source.as_bytes();
        let mut state = State::Code;
        let mut depth: i64 = 0;
        let mut i = from;
        while i < to {
            let b = bytes[i];
            let next = bytes.get(i + 1).copied();
            match state {
                State::Code => {
                    if !visit(i, b, depth) {
                        return;
                    }
                    match b {
                        b'/' if next == Some(b'/') => state = State::LineComment,
                        b'/' if next == Some(b'*') => {
                            state = State::BlockComment;
                            i += 1;
                        }
                        b'`' => state = State::RawString,
                        b'"' => state = State::String,
                        b'\'' => state = State::Rune,
                        b'{' | b'(' | b'[' => depth += 1,
                        b'}' | b')' | b']' => depth -= 1,
                        _ => {}
                    }
                }
                State::LineComment => {
                    if b == b'\n' {
                        state = State::Code;
                        if !visit(i, b, depth) {
                            return;
                        }
                    }
                }
                State::BlockComment => {
                    if b == b'*' && next == Some(b'/') {
                        state = State::Code;
                        i += 1;
                    }
                }
                State::RawString => {
                    if b == b'`' {
                        state = State::Code;
                    }
                }
                State::String | State::Rune => {
                    let close = if state == State::String { b'"' } else { b'\'' };
                    if b == b'\\' {
                        i += 1;
                    } else if b == close || b == b'\n' {
                        state = State::Code;
                    }
                }
            }
            i += 1;
        }
    }

    fn visits(source: &str, wanted: &ByteSet) -> Vec<(usize, u8, i64)> {
        let mut seen = Vec::new();
        walk_code_bytes(source, 0, source.len(), wanted, |i, b, d| {
            seen.push((i, b, d));
            true
        });
        seen
    }

    fn reference_visits(source: &str, wanted: &ByteSet) -> Vec<(usize, u8, i64)> {
        let mut seen = Vec::new();
        walk_code_reference(source, 0, source.len(), |i, b, d| {
            if wanted.has(b) {
                seen.push((i, b, d));
            }
            true
        });
        seen
    }

    const TRICKY: &[&str] = &[
        "package p\n\nvar s = \"a\\\"{\" // }\nfunc F() { _ = '\\'' ; _ = `{\n}` }\n/* { */ func G() {}\n",
        "package p\nvar r = '}'\nvar u = \"unclosed\nfunc H() {}\n",
        "package p\n/* unclosed { \nfunc X() {}",
        "package p\nvar b = `unclosed {\n",
        "package p\n// only a comment { (",
        "/*/ x */ package p\n",
        "",
    ];

    #[test]
    fn the_skipping_lexer_sees_what_the_byte_at_a_time_one_sees() {
        let goroot = std::process::Command::new("go")
            .args(["env", "GOROOT"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let mut sources: Vec<String> = TRICKY.iter().map(|s| s.to_string()).collect();
        if let Some(root) = goroot.filter(|r| !r.is_empty()) {
            for dir in [
                "src/net/http",
                "src/go/parser",
                "src/strconv",
                "src/regexp/syntax",
            ] {
                let Ok(entries) = std::fs::read_dir(std::path::Path::new(&root).join(dir)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    if entry.path().extension().is_some_and(|e| e == "go") {
                        sources.extend(std::fs::read_to_string(entry.path()).ok());
                    }
                }
            }
        } else {
            eprintln!("go not on PATH: the lexers are compared on the built-in samples only");
        }
        let sets = [ByteSet::ALL, ByteSet::of(b"\n"), ByteSet::of(b"{}:,f")];
        for source in &sources {
            for set in &sets {
                assert!(
                    visits(source, set) == reference_visits(source, set),
                    "lexers differ on:\n{}",
                    &source[..source.len().min(200)]
                );
            }
        }
    }
    use crate::go::parse::{parse, parse_leaving_out};
    use crate::go::syntax::text;

    const SOURCE: &str = "package p\n\nimport \"fmt\"\n\n// A is kept.\nfunc A() {\n\tfmt.Println(\"HIT\")\n}\n\n// B is left out.\nfunc (b *T) B() string {\n\treturn `\nfunc fake() {\n`\n}\n\nvar x = 1\n\nfunc C() { _ = '}' }\n";

    fn kept_declarations(source: &str, left_out: &[(usize, usize)]) -> Vec<String> {
        let tree = parse_leaving_out(source, left_out).unwrap();
        let root = tree.root_node();
        let mut cursor = root.walk();
        let kinds = root.named_children(&mut cursor).map(|n| {
            format!(
                "{}@{}: {}",
                n.kind(),
                n.start_position().row + 1,
                text(n, source).lines().next().unwrap()
            )
        });
        kinds.collect()
    }

    #[test]
    fn all_but_some_keywords_keeps_those_declarations_only() {
        let source = "package p\n\nimport \"time\"\n\nconst Wait = time.Second\n\nconstant := 1\n\nvar v = 1\n\nfunc F() {}\n";
        let left_out = TopLevel::of(source).all_but(&["package", "import", "const"]);
        let kept: Vec<&str> = kept(source.len(), &left_out)
            .into_iter()
            .map(|(s, e)| source[s..e].trim_end())
            .collect();
        assert_eq!(
            kept,
            ["package p\n\nimport \"time\"\n\nconst Wait = time.Second"]
        );
    }

    #[test]
    fn the_type_index_parses_types_constants_and_method_signatures_only() {
        let source = "package p\n\nimport \"fmt\"\n\ntype T struct{ A []int }\n\nconst (\n\tK = \"k\"\n)\n\nvar (\n\tv = []byte{1, 2}\n)\n\nfunc F() { fmt.Println() }\n\nfunc (t *T) M() string {\n\treturn `}`\n}\n\nfunc\t(T) N() {}\n";
        let left_out = unneeded_for_declarations(source);
        assert_eq!(
            kept_declarations(source, &left_out),
            [
                "package_clause@1: package p",
                "import_declaration@3: import \"fmt\"",
                "type_declaration@5: type T struct{ A []int }",
                "const_declaration@7: const (",
                "method_declaration@17: func (t *T) M() string {",
                "method_declaration@21: func\t(T) N() {}",
            ]
        );
        let bodies: Vec<&str> = left_out.iter().map(|&(s, e)| &source[s..e]).collect();
        assert!(bodies.contains(&"\n\treturn `}`\n"), "{bodies:?}");
    }

    #[test]
    fn items_unneeded_around_a_hit_are_left_out_and_lines_are_kept() {
        let hit = SOURCE.find("HIT").unwrap();
        let left_out = items_unneeded_around(SOURCE, &[hit]);
        assert_eq!(left_out.len(), 4, "two comments, B and C");
        assert_eq!(
            kept_declarations(SOURCE, &left_out),
            [
                "package_clause@1: package p",
                "import_declaration@3: import \"fmt\"",
                "function_declaration@6: func A() {",
                "var_declaration@17: var x = 1",
            ]
        );
    }

    #[test]
    fn signatures_of_declarations_literals_and_function_types() {
        let source = "package p\n\nfunc (s *S) Handle(ctx C,\n\treq *pb.SaveRequest) error {\n\tmux.Handle(func(w W, r *http.Request) { _ = r })\n\tvar f func(x Req) int\n\treturn nil\n}\n";
        let signatures: Vec<&str> = signature_ranges(source)
            .into_iter()
            .map(|(s, e)| &source[s..e])
            .collect();
        assert_eq!(
            signatures,
            [
                "func (s *S) Handle(ctx C,\n\treq *pb.SaveRequest) error ",
                "func(w W, r *http.Request) ",
                "func(x Req) int",
            ]
        );
    }

    #[test]
    fn a_func_line_inside_a_raw_string_does_not_start_a_function() {
        let ranges = top_level_functions(SOURCE);
        assert_eq!(ranges.len(), 3, "{ranges:?}");
    }

    #[test]
    fn bodies_are_left_out_and_signatures_kept() {
        let source = "package p\n\nfunc (s *S) Get() interface{ M() } {\n\treturn nil\n}\n\nfunc F(x struct{}) (int, error) { return 0, nil }\n\nfunc Asm(x int)\n";
        let bodies = function_bodies(source);
        assert_eq!(bodies.len(), 2);
        for (start, end) in &bodies {
            assert!(source[*start..*end].contains("return"));
        }
        let kept = kept_declarations(source, &bodies);
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(kept[1].starts_with("method_declaration@3: func (s *S) Get() interface{ M() } {"));
        assert!(parse(source).is_ok());
    }
}
