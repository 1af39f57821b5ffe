//! The first look at "handed over in a literal, then written again"
//! ([`super::reuse::handed_over_and_reused`]), from the text alone: a
//! literal whose keyed values name no variable that its function could
//! write is never parsed. The look may keep what the parse then rejects,
//! never the other way round: every use [`super::reuse`] counts as a write
//! (`x[i] = …`, `x[i]++`, `append(x…)`, `copy(x…)`, `delete(x…)`,
//! `clear(x)`, a writer call taking `x`) shows in the text as the
//! variable's name beside a `[` and an assignment, or as a call's first
//! argument; the variables it was copied from (`tasks := pending`) are
//! read off the lines declaring it.

use super::narrow::{walk_code_bytes, ByteSet};

/// What the text of one function writes, read once for all the literals
/// in it: for each name asked about, where it is written; the names each
/// name may have been copied from; and which code may run after which.
/// The writes of a name are looked for only when it is handed over (or
/// one handed over was copied from it): most names never are.
pub struct FunctionWrites<'s, 'w> {
    source: &'s str,
    function: (usize, usize),
    writers: &'w [&'w str],
    /// The lines that may declare a variable (`:=`, `var`).
    declaring: Vec<&'s str>,
    /// The offsets of each name's writing uses, once asked for.
    written: std::collections::HashMap<&'s str, Vec<usize>>,
    /// Each name's origins (see [`with_origins`]), once asked for: a
    /// table test hands over the same names hundreds of times.
    origins: std::collections::HashMap<&'s str, Option<Vec<&'s str>>>,
    /// Read once a write is found.
    order: Option<TextOrder>,
}

impl<'s, 'w> FunctionWrites<'s, 'w> {
    /// `function` is the byte range of a top-level function in `source`;
    /// `writers` are the calls that write their slice arguments (`Read`,
    /// `Strings`…).
    pub fn of(source: &'s str, function: (usize, usize), writers: &'w [&'w str]) -> Self {
        let text = &source[function.0..function.1];
        let declaring = text
            .lines()
            .filter(|l| l.contains(":=") || l.trim_start().starts_with("var "))
            .collect();
        FunctionWrites {
            source,
            function,
            writers,
            declaring,
            written: Default::default(),
            origins: Default::default(),
            order: None,
        }
    }

    /// Whether the function writes one of `values` (the variables handed
    /// over, each with where), or a variable one of them was declared
    /// from, where the write may run after the hand-over.
    fn writes_any_after(&mut self, values: &[(&'s str, usize)]) -> bool {
        for &(name, at) in values {
            let declaring = &self.declaring;
            let origins = self
                .origins
                .entry(name)
                .or_insert_with(|| with_origins(declaring, name));
            // A declaration whose value the line does not show: any
            // variable may be the origin.
            let Some(names) = origins.clone() else {
                return true;
            };
            for name in names {
                if self.written_after(name, at) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether a write of `name` may run after the code at `at`.
    fn written_after(&mut self, name: &'s str, at: usize) -> bool {
        let (source, function, writers) = (self.source, self.function, self.writers);
        let writes = self
            .written
            .entry(name)
            .or_insert_with(|| writing_uses(source, function, name, writers));
        if writes.is_empty() {
            return false;
        }
        let order = self
            .order
            .get_or_insert_with(|| TextOrder::of(source, function));
        writes.iter().any(|&write| order.may_run_after(write, at))
    }
}

/// The offsets of the uses of variable `name` in `function` that write
/// its storage (see [`writing_use`]). A field (`p.stop[i] = c`) is no
/// variable's own storage.
fn writing_uses(
    source: &str,
    function: (usize, usize),
    name: &str,
    writers: &[&str],
) -> Vec<usize> {
    let text = &source[function.0..function.1];
    let bytes = text.as_bytes();
    let whole = |at: usize| {
        (at == 0 || !in_name(bytes[at - 1]))
            && bytes.get(at + name.len()).is_none_or(|&b| !in_name(b))
    };
    let field = |at: usize| text[..at].trim_end().ends_with('.');
    memchr::memmem::find_iter(bytes, name.as_bytes())
        .filter(|&at| whole(at) && !field(at) && writing_use(text, at, name, writers))
        .map(|at| function.0 + at)
        .collect()
}

/// Which code of a function may run after which, from its text: code
/// later in the text; in a loop, all of the loop; in a deferred
/// statement, anywhere; with a `goto`, anything. A superset of what
/// [`super::flow::Flow`] lets run after a statement (its steps follow the
/// text but for loops, jumps and deferred closures), so a sieve asking
/// "is there a write after the hand-over?" keeps every function the flow
/// analysis would find one in.
#[derive(Default)]
struct TextOrder {
    /// From each `for` to the `}` closing its body.
    loops: Vec<(usize, usize)>,
    /// Each `defer` statement.
    deferred: Vec<(usize, usize)>,
    jumps: bool,
}

impl TextOrder {
    fn of(source: &str, (start, end): (usize, usize)) -> Self {
        let bytes = source.as_bytes();
        let mut order = TextOrder::default();
        // (offset, depth) of the `for`s and `defer`s not closed yet.
        let mut open_loops: Vec<(usize, i64)> = Vec::new();
        let mut open_defers: Vec<(usize, i64)> = Vec::new();
        let wanted = ByteSet::of(b"dfg}\n");
        walk_code_bytes(source, start, end, &wanted, |i, b, depth| {
            match b {
                b'd' | b'f' | b'g' if i == 0 || !in_name(bytes[i - 1]) => {
                    let len = bytes[i..end].iter().take_while(|&&c| in_name(c)).count();
                    match &source[i..i + len] {
                        "for" => open_loops.push((i, depth)),
                        "defer" => open_defers.push((i, depth)),
                        "goto" => order.jumps = true,
                        _ => {}
                    }
                }
                // A loop's body closes back to the loop's depth at the end
                // of a line; a literal in its header closes before `{` or
                // `,`. Missing the close only widens the loop.
                b'}' => {
                    if let Some(&(at, d)) = open_loops.last() {
                        if depth == d + 1 && ends_line(&source[i + 1..end]) {
                            order.loops.push((at, i + 1));
                            open_loops.pop();
                        }
                    }
                }
                // A `defer` statement ends at a newline at its own depth.
                b'\n' => {
                    while let Some(&(at, d)) = open_defers.last() {
                        if depth > d {
                            break;
                        }
                        order.deferred.push((at, i));
                        open_defers.pop();
                    }
                }
                _ => {}
            }
            true
        });
        let unclosed = open_loops.into_iter().map(|(at, _)| (at, end));
        order.loops.extend(unclosed);
        order
            .deferred
            .extend(open_defers.into_iter().map(|(at, _)| (at, end)));
        order
    }

    /// Whether the code at `write` may run after the code at `from`.
    fn may_run_after(&self, write: usize, from: usize) -> bool {
        let holds = |&(s, e): &(usize, usize), at: usize| s <= at && at < e;
        self.jumps
            || write >= from
            || self.deferred.iter().any(|d| holds(d, write))
            || self.loops.iter().any(|l| holds(l, from) && holds(l, write))
    }
}

/// Whether `rest` (the text after a `}`) ends the line: blanks, then a
/// newline, a comment or nothing.
fn ends_line(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t', '\r']);
    rest.is_empty() || rest.starts_with('\n') || rest.starts_with("//") || rest.starts_with("/*")
}

/// The literals of one text, asked about in order: a function's writes
/// are read once for its literals, and only once one of them hands over a
/// variable at all.
pub struct LiteralSieve<'s, 'w> {
    source: &'s str,
    writers: &'w [&'w str],
    read: Option<((usize, usize), FunctionWrites<'s, 'w>)>,
}

impl<'s, 'w> LiteralSieve<'s, 'w> {
    /// `writers` are the calls that write their slice arguments (`Read`,
    /// `Strings`…).
    pub fn new(source: &'s str, writers: &'w [&'w str]) -> Self {
        LiteralSieve {
            source,
            writers,
            read: None,
        }
    }

    /// Whether the literal whose `{` is at `brace`, in the top-level
    /// function whose byte range is `function`, may hand over a variable
    /// the function writes: a `Key: value` element whose value is a
    /// variable or a reslice of one, written by the function, or declared
    /// from one it writes.
    pub fn may_hand_over_reused(&mut self, function: (usize, usize), brace: usize) -> bool {
        let Some(values) = keyed_variables(self.source, brace, function.1) else {
            // A literal the lexer cannot close: let the parse decide.
            return true;
        };
        if values.is_empty() {
            return false;
        }
        if self.read.as_ref().is_none_or(|(f, _)| *f != function) {
            let writes = FunctionWrites::of(self.source, function, self.writers);
            self.read = Some((function, writes));
        }
        let (_, writes) = self.read.as_mut().expect("just read");
        let values: Vec<(&str, usize)> = values.into_iter().map(|v| (v, brace)).collect();
        writes.writes_any_after(&values)
    }
}

/// Whether the literal whose `{` is at `brace` may hand over a variable
/// that the code of `function` (the byte range of the function holding
/// it) writes (see [`LiteralSieve`]).
pub fn may_hand_over_reused(
    source: &str,
    function: (usize, usize),
    brace: usize,
    writers: &[&str],
) -> bool {
    LiteralSieve::new(source, writers).may_hand_over_reused(function, brace)
}

/// Whether the top-level function `function` of `source` may hand a
/// variable over and write its storage again, from its text alone: some
/// name it hands over (sends, `ch <- buf[:n]`; puts in a composite
/// literal, `Packet{buf, from}`; passes to a `go` call or to a method in
/// `queue_methods`) is one the function writes (see [`FunctionWrites`]),
/// or was declared from one, where the write may run after the hand-over
/// (see [`TextOrder`]). The first look of `reused-buffer`'s
/// `function_sieve`: a function with a send and an `append` is common, one
/// sending what it appends to next is not. It may keep what the parse then
/// rejects, never the other way round: every value those shapes hand over
/// starts with its variable's name right after `<-`, after `{`, `,` or
/// `:` inside braces, or after `(` or `,` in such a call's arguments, and
/// ends it (or a reslice of it) there.
pub fn hands_over_written(
    source: &str,
    function: (usize, usize),
    writers: &[&str],
    queue_methods: &[&str],
) -> bool {
    let handed = handed_names(source, function, queue_methods);
    if handed.is_empty() {
        return false;
    }
    FunctionWrites::of(source, function, writers).writes_any_after(&handed)
}

/// What an open bracket holds, for [`handed_names`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// `{`: a block or a composite literal (the text cannot tell).
    Brace,
    /// `(` of a call whose arguments are handed over: a `go` statement's
    /// (on a line starting with `go`, or after `}` as in `go func(){…}(x)`)
    /// or a queue method's.
    HandingCall,
    /// Any other `(` or `[`.
    Other,
}

/// The names at the places [`hands_over_written`] counts as handing over,
/// each with its offset.
fn handed_names<'s>(
    source: &'s str,
    (start, end): (usize, usize),
    queue_methods: &[&str],
) -> Vec<(&'s str, usize)> {
    let bytes = source.as_bytes();
    let mut names: Vec<(&str, usize)> = Vec::new();
    let mut open: Vec<Opened> = Vec::new();
    // The last code byte that is not a blank, and where the line began.
    let mut previous: Option<usize> = None;
    let mut line_start = start;
    super::narrow::walk_code_bytes(
        source,
        start,
        end,
        &super::narrow::ByteSet::ALL,
        |i, b, _| {
            let word_starts = in_name(b) && (i == 0 || !in_name(bytes[i - 1]));
            if word_starts && !b.is_ascii_digit() {
                let before = previous.map(|p| bytes[p]);
                let sent =
                    before == Some(b'-') && previous.is_some_and(|p| p > 0 && bytes[p - 1] == b'<');
                let len = bytes[i..end].iter().take_while(|&&c| in_name(c)).count();
                let name = &source[i..i + len];
                let element = open.last() == Some(&Opened::Brace)
                    && matches!(before, Some(b'{' | b',' | b':'))
                    && ends_an_element(&source[i + len..end]);
                let argument = open.last() == Some(&Opened::HandingCall)
                    && matches!(before, Some(b'(' | b','));
                // A send or an argument hands over the variable itself or
                // a reslice of it, not a field (`ch <- s.buf`).
                let whole = || ends_a_value(&source[i + len..end]);
                if (element || ((sent || argument) && whole())) && !is_keyword(name) && name != "_"
                {
                    names.push((name, i));
                }
            }
            match b {
                b'{' => open.push(Opened::Brace),
                b'(' => {
                    let line = source[line_start..i].trim_start();
                    let go_call = line.starts_with("go ") || line.starts_with("go\t");
                    let after_literal = previous.is_some_and(|p| bytes[p] == b'}');
                    let queued = method_before(&source[start..i])
                        .is_some_and(|m| queue_methods.contains(&m));
                    open.push(if go_call || after_literal || queued {
                        Opened::HandingCall
                    } else {
                        Opened::Other
                    });
                }
                b'[' => open.push(Opened::Other),
                b'}' | b')' | b']' => {
                    open.pop();
                }
                b'\n' => line_start = i + 1,
                _ => {}
            }
            if !b.is_ascii_whitespace() {
                previous = Some(i);
            }
            true
        },
    );
    names
}

/// Whether a name followed by `rest` may be a whole element of a
/// composite literal (a key, a value, or a reslice of one as a value):
/// after any `[…]`, the next code is `,`, `}`, or a `:` that is no `:=`.
/// A statement starting a block (`buf = append(…)`, `x.f()`) is not.
/// A comment there keeps the name.
fn ends_an_element(rest: &str) -> bool {
    // An index that does not close: let the parse decide.
    let Some(rest) = after_indexes(rest.trim_start()) else {
        return true;
    };
    let rest = rest.trim_start();
    match rest.as_bytes().first() {
        Some(b',' | b'}' | b'/') | None => true,
        Some(b':') => !rest.starts_with(":="),
        _ => false,
    }
}

/// Go's keywords: never a variable.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "break"
            | "case"
            | "chan"
            | "const"
            | "continue"
            | "default"
            | "defer"
            | "else"
            | "fallthrough"
            | "for"
            | "func"
            | "go"
            | "goto"
            | "if"
            | "import"
            | "interface"
            | "map"
            | "package"
            | "range"
            | "return"
            | "select"
            | "struct"
            | "switch"
            | "type"
            | "var"
    )
}

/// The method name of a call whose `(` ends `before`: `Enqueue` of
/// `q.Enqueue`.
fn method_before(before: &str) -> Option<&str> {
    let len = before.bytes().rev().take_while(|&b| in_name(b)).count();
    let name = &before[before.len() - len..];
    (len > 0 && before[..before.len() - len].ends_with('.')).then_some(name)
}

/// The variables (`tags` of `Tags: tags`, `buf` of `Data: buf[:n]`) of the
/// keyed elements of the literal opening at `brace`; `None` when the
/// literal does not close before `end`.
fn keyed_variables(source: &str, brace: usize, end: usize) -> Option<Vec<&str>> {
    let mut close = None;
    // Offsets of `:` and of the `,` or `}` after them, at the literal's
    // own level (not in `[a:b]` or a nested literal).
    let mut colons = Vec::new();
    let mut ends = Vec::new();
    walk_code_bytes(source, brace, end, &ByteSet::of(b":,}"), |i, b, depth| {
        match (b, depth) {
            (b':', 1) if source.as_bytes().get(i + 1) != Some(&b'=') => colons.push(i),
            (b',', 1) => ends.push(i),
            (b'}', 1) => {
                ends.push(i);
                close = Some(i);
                return false;
            }
            _ => {}
        }
        true
    });
    close?;
    let values = colons.iter().filter_map(|&colon| {
        let stop = ends[ends.partition_point(|&e| e < colon)];
        storage_name(source[colon + 1..stop].trim())
    });
    Some(values.collect())
}

/// `tags` of `tags`, `tags[:n]`, `(tags)`: a value sharing a variable's
/// storage.
fn storage_name(value: &str) -> Option<&str> {
    let value = value.trim_start_matches('(').trim_start();
    let len = value.bytes().take_while(|&b| in_name(b)).count();
    let (name, rest) = value.split_at(len);
    let rest = rest.trim_start_matches(')').trim_start();
    let plain = rest.is_empty() || rest.starts_with('[');
    (len > 0 && plain && !name.as_bytes()[0].is_ascii_digit()).then_some(name)
}

/// `name` and the variables it may have been copied from: the variable
/// (or reslice of one) a line declaring it gives it as its value (`tasks
/// := pending`, `var b = buf[:n]`), followed four steps back as
/// [`super::reuse`] does. `None` when a declaration's value cannot be read
/// off its line: then any variable may be its origin.
fn with_origins<'a>(declaring: &[&'a str], name: &'a str) -> Option<Vec<&'a str>> {
    let mut names = vec![name];
    let mut next = 0;
    while next < names.len() && next <= 4 && names.len() < 32 {
        let current = names[next];
        next += 1;
        for line in declaring.iter().filter(|l| declares(l, current)) {
            match origin_declared(line, current) {
                Origin::Unknown => return None,
                Origin::Variable(origin) if !names.contains(&origin) => names.push(origin),
                Origin::Variable(_) | Origin::None => {}
            }
        }
    }
    Some(names)
}

/// What a declaring line gives a name as its value.
#[derive(Debug, PartialEq, Eq)]
enum Origin<'a> {
    /// A variable, or a reslice of one: it shares that one's storage.
    Variable(&'a str),
    /// Something else (a call, a literal, `range`): no variable's storage.
    None,
    /// The line does not say (the value is on the next line; a string or
    /// comment may hide a comma).
    Unknown,
}

/// The value `line` declares `name` with, when it is a variable: the
/// `:=` of a short declaration (also in `if`/`for`/`switch` headers) or
/// the `=` of a `var` line, paired by position as Go pairs them.
fn origin_declared<'a>(line: &'a str, name: &str) -> Origin<'a> {
    let trimmed = line.trim_start();
    let (left, right, first_words) = if let Some(spec) = trimmed.strip_prefix("var ") {
        match spec.find('=') {
            Some(eq) => (&spec[..eq], &spec[eq + 1..], true),
            None => return Origin::None,
        }
    } else {
        match line.find(":=") {
            Some(at) => (&line[..at], &line[at + 2..], false),
            None => return Origin::None,
        }
    };
    // An `if`/`switch` header's declaration ends at its `;`.
    let right = right.split(';').next().unwrap_or(right).trim();
    if right.is_empty() || right.starts_with("//") || right.starts_with("/*") {
        return Origin::Unknown;
    }
    let names: Vec<&str> = left
        .split(',')
        .filter_map(|part| {
            let mut words = words(part);
            if first_words {
                words.next()
            } else {
                words.last()
            }
        })
        .collect();
    let values = top_level_commas(right);
    // `n, err := f(…)`: one call for several names, none a variable.
    if names.len() != values.len() {
        return Origin::None;
    }
    // The word is elsewhere on the line: not declared here.
    let Some(position) = names.iter().position(|n| *n == name) else {
        return Origin::None;
    };
    storage_name(values[position].trim()).map_or(Origin::None, Origin::Variable)
}

/// `text` (the rest of one line) cut at the commas outside brackets,
/// strings and comments; a `//` comment ends it.
fn top_level_commas(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                parts.push(&text[from..i]);
                from = i + 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                parts.push(&text[from..i]);
                return parts;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |k| i + 2 + k + 1);
            }
            quote @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' && quote != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&text[from..]);
    parts
}

/// Whether `line` may declare `name`: it holds the word and a `:=`, or
/// starts with `var`.
fn declares(line: &str, name: &str) -> bool {
    let trimmed = line.trim_start();
    (line.contains(":=") || trimmed.starts_with("var ")) && words(line).any(|w| w == name)
}

/// Whether the occurrence of `name` at `at` writes its storage by one of
/// the uses [`super::reuse`] counts: followed by `[` on a line that
/// assigns or steps, or the first argument of `append`, `copy`, `delete`,
/// `clear`, or any argument of a call in `writers`.
fn writing_use(text: &str, at: usize, name: &str, writers: &[&str]) -> bool {
    let after = text[at + name.len()..].trim_start_matches([' ', '\t']);
    let line_end = after.find('\n').unwrap_or(after.len());
    (after.starts_with('[') && assigns(&after[..line_end]))
        || (ends_a_value(after) && argument_of_writer(text, at, writers))
}

/// Whether a name followed by `rest` is a whole value, the variable or a
/// reslice of it (`buf`, `buf[:n]`), and not the start of a longer
/// expression (`s.buf`, `f(x)`, `a + b`): after any `[…]`, the next code
/// ends a statement, an argument, a case or an element, or is a comment
/// or `...`.
fn ends_a_value(rest: &str) -> bool {
    let Some(rest) = after_indexes(rest) else {
        return true;
    };
    match rest.as_bytes().first() {
        None | Some(b',' | b')' | b'}' | b';' | b':' | b'\n' | b'\r' | b'/') => true,
        Some(b'.') => rest.starts_with("..."),
        _ => false,
    }
}

/// `rest` after the blanks and any `[…]` it starts with (`[:n]`,
/// `[i][j]`), up to the next code; `None` when an index does not close.
fn after_indexes(rest: &str) -> Option<&str> {
    let mut rest = rest.trim_start_matches([' ', '\t']);
    while rest.starts_with('[') {
        let mut depth = 0;
        let close = rest.bytes().position(|b| {
            match b {
                b'[' => depth += 1,
                b']' => depth -= 1,
                _ => {}
            }
            depth == 0
        })?;
        rest = rest[close + 1..].trim_start_matches([' ', '\t']);
    }
    Some(rest)
}

/// An assignment (`=`, `+=`…, not `==`, `!=`, `<=`, `>=` or `:=`) or a
/// step (`++`, `--`) in `line`.
fn assigns(line: &str) -> bool {
    let bytes = line.as_bytes();
    let assignment = |i: usize| {
        let before = |k: usize| i.checked_sub(k).map(|j| bytes[j]);
        match (before(1), bytes.get(i + 1)) {
            (_, Some(b'=')) => false,
            // `<<=` and `>>=` assign; `<=` and `>=` compare.
            (Some(b'<'), _) => before(2) == Some(b'<'),
            (Some(b'>'), _) => before(2) == Some(b'>'),
            (Some(b'=' | b'!' | b':'), _) => false,
            _ => true,
        }
    };
    line.contains("++")
        || line.contains("--")
        || bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'=' && assignment(i))
}

/// Whether the occurrence of a name at `at` is an argument of a call that
/// writes it: the first of a builtin that writes, or any of a writer.
fn argument_of_writer(text: &str, at: usize, writers: &[&str]) -> bool {
    let before = text[..at].trim_end();
    let (call, first) = match before.strip_suffix('(') {
        Some(call) => (call, true),
        // A later argument: only writers take it; find its call's `(`.
        None if before.ends_with(',') => match open_paren_of(text, at) {
            Some(open) => (&text[..open], false),
            None => return false,
        },
        None => return false,
    };
    let call = call.trim_end();
    let len = call.bytes().rev().take_while(|&b| in_name(b)).count();
    let callee = &call[call.len() - len..];
    let builtin = matches!(callee, "append" | "copy" | "delete" | "clear");
    (builtin && first) || writers.contains(&callee)
}

/// The `(` of the argument list around `at`, on the lines before it.
fn open_paren_of(text: &str, at: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, b) in text[..at].bytes().enumerate().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' => depth -= 1,
            b'(' if depth == 0 => return Some(i),
            b'(' => depth -= 1,
            b';' if depth == 0 => return None,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    None
}

/// The identifiers of a line (keywords too: they never name a variable
/// another line writes).
fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.as_bytes()[0].is_ascii_digit())
}

/// Non-ASCII bytes may be letters of a name: Go allows them.
fn in_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRITERS: &[&str] = &["Read", "Strings"];

    /// Whether the first `Request{` literal of a one-function file may be
    /// reused.
    fn kept(body: &str) -> bool {
        let source = format!("package p\n\nfunc f(c Client) {{\n{body}\n}}\n");
        let brace = source.find("Request{").expect("a literal") + "Request".len();
        may_hand_over_reused(&source, (11, source.len()), brace, WRITERS)
    }

    #[test]
    fn a_variable_appended_to_after_the_hand_over_is_kept() {
        assert!(kept(
            "\ttags := []string{}\n\tfor _, it := range items {\n\t\tc.Put(&pb.PutRequest{Name: it, Tags: tags})\n\t\ttags = append(tags[:0], it)\n\t}"
        ));
    }

    #[test]
    fn each_writing_use_is_seen() {
        for write in [
            "buf[0] = 1",
            "buf[i]++",
            "buf[:n][0] += 2",
            "copy(buf, other)",
            "clear(buf)",
            "delete(buf, k)",
            "sort.Strings(buf)",
            "io.Read(r,\n\t\tbuf)",
        ] {
            assert!(
                kept(&format!("\tc.Put(&Request{{Data: buf[:n]}})\n\t{write}")),
                "{write}"
            );
        }
    }

    #[test]
    fn a_variable_it_was_copied_from_counts() {
        assert!(kept(
            "\tpending := load()\n\ttasks := pending[:2]\n\tc.Put(Request{Tasks: tasks})\n\tpending[0] = nil"
        ));
    }

    #[test]
    fn reads_fresh_values_and_unrelated_writes_are_not_kept() {
        assert!(!kept(
            "\tc.Put(&Request{Name: name, Tags: []string{a}, N: 3, Data: x.Field})\n\tfmt.Println(tags[0] == x, name)\n\tother = append(other, name)\n\tif n <= 3 && m >= 2 {}"
        ));
    }

    const QUEUE: &[&str] = &["Enqueue"];

    /// Whether a one-function file with `body` passes `hands_over_written`.
    fn hands_over(body: &str) -> bool {
        let source = format!("package p\n\nfunc f(ch chan []byte, q Q) {{\n{body}\n}}\n");
        hands_over_written(&source, (11, source.len()), WRITERS, QUEUE)
    }

    #[test]
    fn each_hand_over_of_a_written_variable_is_kept() {
        for handed in [
            "	ch <- buf[:n]",
            "	ch <- buf",
            "	out <- Packet{buf[:n], from}",
            "	out <- &Packet{\n\t\tData: buf,\n\t}",
            "	p := Packet{Data: buf /* kept */}\n\tout <- p",
            "	m := map[string][]byte{\"k\": buf}\n\tkeep(m)",
            "	go send(conn,\n\t\tbuf[:n])",
            "	go func(b []byte) {\n\t\tuse(b)\n\t}(buf)",
            "	q.Enqueue(buf)",
        ] {
            let body = format!("\tfor {{\n\t\tn, _ := conn.Read(buf)\n{handed}\n\t}}");
            assert!(hands_over(&body), "{handed}");
        }
    }

    #[test]
    fn a_hand_over_of_a_copy_declared_from_a_written_variable_is_kept() {
        assert!(hands_over(
            "\ttasks := pending[:2]\n\tch <- tasks\n\tpending = append(pending, t)"
        ));
        assert!(hands_over(
            "\tvar tasks = pending\n\tch <- tasks\n\tpending[0] = t"
        ));
        assert!(hands_over(
            "\tif tasks := pending; ok {\n\t\tch <- tasks\n\t}\n\tpending[0] = t"
        ));
        // A value the line does not show (continued on the next) may be any variable.
        assert!(hands_over(
            "\ttasks :=\n\t\tpending\n\tch <- tasks\n\tpending[0] = t"
        ));
    }

    #[test]
    fn functions_handing_over_nothing_they_write_are_turned_down() {
        for body in [
            // Sends a fresh value; appends to another slice.
            "\tch <- []byte(s)\n\tout = append(out, s)",
            // Sends an error; the write is to a buffer never handed over.
            "\tn, err := conn.Read(buf)\n\terrCh <- err\n\t_ = n",
            // A block statement after `{` is no literal element.
            "\tfor {\n\t\tbuf = append(buf, 1)\n\t\tx := T{Name: name}\n\t\tch <- x\n\t}",
            // An argument of a call that neither starts a goroutine nor queues.
            "\tuse(buf)\n\tbuf[0] = 1\n\tch <- nil",
            // Declared from a call: shares no variable's storage.
            "\tdata, err := load(buf, \"a, b\")\n\tch <- data\n\tbuf[0] = 1\n\t_ = err",
        ] {
            assert!(!hands_over(body), "{body}");
        }
    }

    /// A write counts only where it may run after the hand-over: later in
    /// the text, anywhere in a loop holding the hand-over, in a deferred
    /// statement, or anywhere once the function has a `goto`.
    #[test]
    fn only_writes_that_may_follow_the_hand_over_keep_a_function() {
        for body in [
            "\tch <- buf\n\tbuf = append(buf, 1)",
            "\tfor {\n\t\tbuf = append(buf[:0], 1)\n\t\tch <- buf\n\t}",
            "\tfor _, x := range []int{1} {\n\t\tif x > 0 {\n\t\t\tbuf[0] = 1\n\t\t}\n\t\tch <- buf\n\t}",
            "\tdefer func() {\n\t\tbuf[0] = 0\n\t}()\n\tch <- buf",
            "\tdefer sort.Strings(buf)\n\tch <- buf",
            "again:\n\tbuf = append(buf, 1)\n\tch <- buf\n\tgoto again",
        ] {
            assert!(hands_over(body), "{body}");
        }
        for body in [
            // Filled in, then handed over once.
            "\tfor _, x := range xs {\n\t\tbuf = append(buf, x)\n\t}\n\tch <- buf",
            "\tbuf[0] = 1\n\tgo send(buf)",
            // A loop that ended before the hand-over.
            "\tfor {\n\t\tbuf = append(buf, 1)\n\t}\n\tq.Enqueue(buf)",
            // A deferred statement that ended before the write.
            "\tdefer close(ch)\n\tbuf[0] = 1\n\tch <- buf",
        ] {
            assert!(!hands_over(body), "{body}");
        }
    }

    /// A field shares no variable's storage: `p.stop[i] = c` writes none,
    /// and `ch <- s.buf` or `go run(s.buf)` hands none over.
    #[test]
    fn fields_are_neither_written_nor_handed_variables() {
        for body in [
            "\tp := &Pool{stop: make([]chan int, n)}\n\tfor i := range n {\n\t\tp.stop[i] = make(chan int)\n\t\tgo p.run(stop)\n\t}",
            "\tfor {\n\t\ts.buf = append(s.buf, 1)\n\t\tch <- s.buf\n\t}",
            "\tfor {\n\t\tbuf = append(buf, 1)\n\t\tgo run(buf.Len())\n\t}",
        ] {
            assert!(!hands_over(body), "{body}");
        }
    }

    #[test]
    fn origins_are_read_as_go_pairs_names_and_values() {
        assert_eq!(
            origin_declared("\tb := buf[:n]", "b"),
            Origin::Variable("buf")
        );
        assert_eq!(
            origin_declared("\ta, b := x, (y)", "b"),
            Origin::Variable("y")
        );
        assert_eq!(
            origin_declared("\tvar b []byte = buf // c, d", "b"),
            Origin::Variable("buf")
        );
        assert_eq!(
            origin_declared("\tn, err := r.Read(buf)", "err"),
            Origin::None
        );
        assert_eq!(
            origin_declared("\tfor _, b := range bufs {", "b"),
            Origin::None
        );
        assert_eq!(origin_declared("\tb := T{x}", "b"), Origin::None);
        assert_eq!(
            origin_declared("\tif err := f(); err != nil {", "nil"),
            Origin::None
        );
        assert_eq!(
            origin_declared("\tb := // the buffer", "b"),
            Origin::Unknown
        );
    }

    #[test]
    fn a_literal_that_does_not_close_is_left_to_the_parse() {
        let source = "package p\n\nfunc f() {\n\tc.Put(&Request{Tags: tags\n}\n";
        let brace = source.find('{').unwrap();
        let brace = source[brace + 1..].find('{').unwrap() + brace + 1;
        assert!(may_hand_over_reused(source, (11, 30), brace, WRITERS));
    }
}
