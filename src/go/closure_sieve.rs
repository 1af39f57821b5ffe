//! The first look at "a function literal writes a variable declared
//! outside it", from the text alone: a top-level function none of whose
//! function literals assigns to (`=`, `+=`…, `++`, `--`) a name it does not
//! declare itself need not be parsed for a rule whose findings are such
//! writes (the `localize` action's). The look may keep what the parse then
//! rejects, never the other way round: where it is unsure whether a name
//! is the literal's own, it is not.

/// Whether a function literal inside `source[function.0..function.1]` (a
/// top-level function) may write a variable declared outside it: the root
/// of an assignment's or step's target (`x` of `x.f[i] = …`) that no
/// enclosing block of the literal, nor its parameters or named results,
/// declares before it.
/// With `loopvars` (a module on Go 1.22 or later), a loop clause's
/// variables are each iteration's own, as the body's are.
pub fn literal_may_write_outside(source: &str, function: (usize, usize), loopvars: bool) -> bool {
    let tokens = tokens(&source[function.0..function.1]);
    Scan::new(&tokens, Counted::All, loopvars).run()
}

/// As [`literal_may_write_outside`], counting only the writes in a
/// function literal that may run on its own goroutine (or in one nested
/// in such a literal): one after `go`, the first argument of a method in
/// `launchers` (`g.Go(func…`), or one given to a variable (`f := func…`,
/// which `go f()` may start later). A `defer func() { err = … }()` or a
/// `sort.Slice` callback writes on the caller's goroutine.
pub fn launched_literal_may_write_outside(
    source: &str,
    function: (usize, usize),
    launchers: &[&str],
    loopvars: bool,
) -> bool {
    let tokens = tokens(&source[function.0..function.1]);
    Scan::new(&tokens, Counted::Launched(launchers), loopvars).run()
}

/// As [`literal_may_write_outside`], counting only the writes in a
/// function literal whose body calls method `method` with no arguments
/// (`t.Parallel()` of a parallel subtest), or in one nested in such a
/// literal: the closures that run beside their siblings.
pub fn calling_literal_may_write_outside(
    source: &str,
    function: (usize, usize),
    method: &str,
    loopvars: bool,
) -> bool {
    let tokens = tokens(&source[function.0..function.1]);
    Scan::new(&tokens, Counted::Calling(method), loopvars).run()
}

/// Whether the body whose `{` is `tokens[open]` calls `.method()`
/// anywhere in it.
fn body_calls(tokens: &[Token], open: usize, method: &str) -> bool {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Op("{") => depth += 1,
            Token::Op("}") => {
                depth -= 1;
                if depth == 0 {
                    return false;
                }
            }
            Token::Word(name) if *name == method => {
                let call = [Token::Op("("), Token::Op(")")];
                if i > 0
                    && tokens[i - 1] == Token::Op(".")
                    && tokens.get(i + 1..i + 3) == Some(&call[..])
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether the function literal whose `func` is `tokens[at]` may be
/// started on a goroutine (see [`launched_literal_may_write_outside`]).
fn launch_position(tokens: &[Token], at: usize, launchers: &[&str]) -> bool {
    let before = |k: usize| at.checked_sub(k).and_then(|i| tokens.get(i)).copied();
    match before(1) {
        Some(Token::Word("go")) | Some(Token::Op(":=" | "=")) => true,
        Some(Token::Op("(")) => {
            matches!(before(2), Some(Token::Word(name)) if launchers.contains(&name))
                && before(3) == Some(Token::Op("."))
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'s> {
    /// A name or keyword.
    Word(&'s str),
    /// An operator or punctuation, longest first (`:=`, `<<=`, `...`).
    Op(&'s str),
    /// A line break outside brackets of the same line: where Go may end a
    /// statement.
    Newline,
    /// A number, string or rune.
    Literal,
}

/// The tokens of Go text; comments are dropped (a line comment keeps its
/// line break).
fn tokens(text: &str) -> Vec<Token<'_>> {
    const OPS: [&str; 18] = [
        "<<=", ">>=", "&^=", "...", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++",
        "--", "==", "!=", "<-",
    ];
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let rest = &text[i..];
        if b == b'\n' {
            out.push(Token::Newline);
            i += 1;
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if let Some(comment) = rest.strip_prefix("/*") {
            let end = comment.find("*/").map_or(rest.len(), |e| e + 4);
            if rest[..end].contains('\n') {
                out.push(Token::Newline);
            }
            i += end;
        } else if in_name(b) && !b.is_ascii_digit() {
            let len = rest.bytes().take_while(|&c| in_name(c)).count();
            out.push(Token::Word(&rest[..len]));
            i += len;
        } else if b.is_ascii_digit() {
            i += rest
                .bytes()
                .take_while(|&c| in_name(c) || c == b'.')
                .count();
            out.push(Token::Literal);
        } else if matches!(b, b'"' | b'\'' | b'`') {
            i += quoted_len(rest);
            out.push(Token::Literal);
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(*op)) {
            out.push(Token::Op(op));
            i += op.len();
        } else {
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(Token::Op(&rest[..len]));
            i += len;
        }
    }
    out
}

/// The length of the string or rune literal `rest` starts with.
fn quoted_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let quote = bytes[0];
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 1,
            b'\n' if quote != b'`' => return i,
            b if b == quote => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Non-ASCII bytes may be letters of a name: Go allows them.
fn in_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// A block being scanned: the names it declares, and whether it is the
/// body of a function literal (whose parameters it holds).
struct Block<'s> {
    names: Vec<&'s str>,
    /// How many of `names` its header or signature declared: a `case`
    /// clause's own end at the next clause.
    declared_before: usize,
    literal: bool,
    /// A literal whose writes count, by its own position or body (see
    /// [`Counted`]); a literal nested in it counts too, but a name declared
    /// anywhere inside it is its own, even where a nested literal writes
    /// it (an HTTP handler setting a subtest's `gotHost`).
    counted_here: bool,
    /// The body of a `for` loop: what it declares (not its clause's
    /// names, `names[..declared_before]`) is each iteration's own, and so
    /// each closure's started in it (`go::localize`'s `per_iteration`).
    loop_body: bool,
    /// The bracket depth inside it, to find its own `}`.
    depth: usize,
}

struct Scan<'a, 's> {
    tokens: &'a [Token<'s>],
    blocks: Vec<Block<'s>>,
    /// Names declared by an `if`, `for` or `switch` header, for the block
    /// it opens.
    pending: Vec<&'s str>,
    in_header: bool,
    /// The header is a `for` loop's.
    loop_header: bool,
    /// A loop clause's variables are each iteration's own (Go 1.22).
    loopvars: bool,
    /// Brackets open inside the current block.
    depth: usize,
    /// Which literals' writes count.
    counted: Counted<'a>,
}

/// The function literals whose writes a [`Scan`] counts (with those
/// nested in them).
#[derive(Clone, Copy)]
enum Counted<'a> {
    All,
    /// Those that may run on their own goroutine, these methods launching
    /// (see [`launched_literal_may_write_outside`]).
    Launched(&'a [&'a str]),
    /// Those calling this method (see
    /// [`calling_literal_may_write_outside`]).
    Calling(&'a str),
}

impl<'a, 's> Scan<'a, 's> {
    fn new(tokens: &'a [Token<'s>], counted: Counted<'a>, loopvars: bool) -> Self {
        Scan {
            tokens,
            blocks: Vec::new(),
            pending: Vec::new(),
            in_header: false,
            loop_header: false,
            loopvars,
            depth: 0,
            counted,
        }
    }

    /// Whether a literal writes a name it does not declare.
    fn run(mut self) -> bool {
        let mut i = 0;
        while i < self.tokens.len() {
            match self.tokens[i] {
                Token::Word("func") if !self.blocks.is_empty() => {
                    if let Some((body, names)) = literal_signature(self.tokens, i + 1) {
                        let counted_here = match self.counted {
                            Counted::All => false,
                            Counted::Launched(l) => launch_position(self.tokens, i, l),
                            Counted::Calling(m) => body_calls(self.tokens, body, m),
                        };
                        self.open(names, true);
                        if let Some(block) = self.blocks.last_mut() {
                            block.counted_here = counted_here;
                        }
                        i = body + 1;
                        continue;
                    }
                }
                Token::Word(word @ ("if" | "for" | "switch")) => {
                    self.in_header = true;
                    self.loop_header = word == "for";
                    self.pending.clear();
                }
                Token::Word("var" | "const") => self.declare_var(i + 1),
                Token::Op("{") if self.depth == 0 || self.blocks.is_empty() => {
                    let names = std::mem::take(&mut self.pending);
                    let loop_body = self.in_header && self.loop_header;
                    self.in_header = false;
                    self.loop_header = false;
                    self.open(names, false);
                    if let Some(block) = self.blocks.last_mut() {
                        block.loop_body = loop_body;
                    }
                }
                Token::Op("{" | "(" | "[") => self.depth += 1,
                Token::Op("}") if self.depth == 0 => {
                    if let Some(block) = self.blocks.pop() {
                        self.depth = block.depth;
                    }
                }
                Token::Op("}" | ")" | "]") => self.depth = self.depth.saturating_sub(1),
                Token::Op(":=") => self.declare_short(i),
                Token::Word("case" | "default") if self.depth == 0 => {
                    if let Some(block) = self.blocks.last_mut() {
                        block.names.truncate(block.declared_before);
                    }
                }
                Token::Op(op) if is_write(op) && self.writes_outside(i) => return true,
                _ => {}
            }
            i += 1;
        }
        false
    }

    fn open(&mut self, names: Vec<&'s str>, literal: bool) {
        self.blocks.push(Block {
            declared_before: names.len(),
            names,
            literal,
            counted_here: false,
            loop_body: false,
            depth: self.depth,
        });
        self.depth = 0;
    }

    /// `a, b := …`: the names before it, in this block (or, in an `if`,
    /// `for` or `switch` header, in the block it opens). Those of a `case`
    /// belong to its clause alone, which is not tracked: not declared.
    fn declare_short(&mut self, at: usize) {
        let (start, after_case) = statement_start(self.tokens, at);
        if after_case {
            return;
        }
        let names: Vec<&'s str> = self.tokens[start..at]
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(*w),
                _ => None,
            })
            .collect();
        if self.in_header {
            self.pending.extend(names);
        } else if let Some(block) = self.blocks.last_mut() {
            block.names.extend(names);
        }
    }

    /// `var a, b T` or `var a = …`: the names after the keyword. A `var (`
    /// group declares nothing here (its lines read as writes: kept).
    fn declare_var(&mut self, mut i: usize) {
        let Some(block) = self.blocks.last_mut() else {
            return;
        };
        while let Some(Token::Word(name)) = self.tokens.get(i) {
            block.names.push(name);
            match self.tokens.get(i + 1) {
                Some(Token::Op(",")) => i += 2,
                _ => break,
            }
        }
    }

    /// Whether the assignment or step at `at`, inside a literal, has a
    /// target whose root the literal does not declare.
    fn writes_outside(&self, at: usize) -> bool {
        // The literal whose writes count: the innermost one, or with a
        // criterion, the innermost that meets it itself.
        let literal = match self.counted {
            Counted::All => self.blocks.iter().rposition(|b| b.literal),
            _ => self.blocks.iter().rposition(|b| b.counted_here),
        };
        let Some(literal) = literal else {
            return false;
        };
        let (start, _) = statement_start(self.tokens, at);
        // A header's names (`for i := 0; i < n; i++`) are its own too.
        let own = |name: &str| {
            self.blocks[literal..]
                .iter()
                .any(|b| b.names.contains(&name))
                || (self.in_header && self.pending.contains(&name))
                || self.per_iteration(literal, name)
        };
        // `slots[i] = …` with `i` the literal's own: its own element.
        let own_element = |target: &Target| {
            (target.indexes.iter()).any(|index| !index.is_empty() && index.iter().all(|n| own(n)))
        };
        targets(&self.tokens[start..at])
            .into_iter()
            .any(|target| target.root != "_" && !own(target.root) && !own_element(&target))
    }

    /// Whether `name` is declared, outside the literal whose block is
    /// `blocks[literal]`, in the body of a loop holding it (in the loop's
    /// clause too with `loopvars`): each iteration has its own.
    fn per_iteration(&self, literal: usize, name: &str) -> bool {
        let outside = &self.blocks[..literal];
        let Some(first) = outside.iter().position(|b| b.loop_body) else {
            return false;
        };
        outside[first..].iter().any(|b| {
            let declared = match b.loop_body && !self.loopvars {
                true => &b.names[b.declared_before.min(b.names.len())..],
                false => &b.names[..],
            };
            declared.contains(&name)
        })
    }
}

fn is_write(op: &str) -> bool {
    matches!(
        op,
        "=" | "+="
            | "-="
            | "*="
            | "/="
            | "%="
            | "&="
            | "|="
            | "^="
            | "<<="
            | ">>="
            | "&^="
            | "++"
            | "--"
    )
}

/// Where the statement holding the token at `at` starts (after a line
/// break not following a comma, `;`, `{`, `}`, `:`, an unmatched opening
/// bracket or a keyword that starts a clause), and whether that keyword is
/// `case`.
fn statement_start(tokens: &[Token], at: usize) -> (usize, bool) {
    let mut nested = 0usize;
    let mut i = at;
    while i > 0 {
        let token = tokens[i - 1];
        match token {
            Token::Op(")" | "]" | "}") if nested > 0 || token != Token::Op("}") => nested += 1,
            Token::Op("(" | "[" | "{") if nested > 0 => nested -= 1,
            _ if nested > 0 => {}
            Token::Newline if i >= 2 && tokens[i - 2] == Token::Op(",") => {}
            Token::Newline | Token::Op(";" | "{" | "}" | ":" | "(" | "[") => return (i, false),
            Token::Word("case") => return (i, true),
            Token::Word(
                "for" | "if" | "switch" | "default" | "else" | "go" | "defer" | "range",
            ) => return (i, false),
            _ => {}
        }
        i -= 1;
    }
    (0, false)
}

/// One target of an assignment: its root name (`x` of `x.f[i]`, `p` of
/// `*p`) and the words of each index on the way to it (`[i]`).
struct Target<'s> {
    root: &'s str,
    indexes: Vec<Vec<&'s str>>,
}

/// The comma-separated targets.
fn targets<'s>(tokens: &[Token<'s>]) -> Vec<Target<'s>> {
    let mut out: Vec<Target<'s>> = Vec::new();
    let mut nested = 0usize;
    let mut expecting = true;
    // The outermost bracket open is an index of the current target.
    let mut in_index = false;
    for token in tokens {
        match token {
            Token::Op(open @ ("(" | "[" | "{")) if !expecting => {
                if nested == 0 {
                    in_index = *open == "[";
                    if let (true, Some(target)) = (in_index, out.last_mut()) {
                        target.indexes.push(Vec::new());
                    }
                }
                nested += 1;
            }
            Token::Op(")" | "]" | "}") => nested = nested.saturating_sub(1),
            Token::Op(",") if nested == 0 => expecting = true,
            Token::Word(name) if expecting => {
                out.push(Target {
                    root: name,
                    indexes: Vec::new(),
                });
                expecting = false;
            }
            Token::Word(name) if nested > 0 && in_index => {
                if let Some(index) = out.last_mut().and_then(|t| t.indexes.last_mut()) {
                    index.push(name);
                }
            }
            // `*p`, `(x)`: the root comes after.
            Token::Op("*" | "(") if expecting => {}
            _ => {}
        }
    }
    out
}

/// For `func` at `tokens[at - 1]`: when a function literal follows, the
/// index of its body's `{` and the names its parameters and named results
/// declare; `None` for a function type.
fn literal_signature<'s>(tokens: &[Token<'s>], at: usize) -> Option<(usize, Vec<&'s str>)> {
    let mut names = Vec::new();
    let close = group_names(tokens, at, &mut names)?;
    let mut i = close + 1;
    if tokens.get(i) == Some(&Token::Op("(")) {
        i = group_names(tokens, i, &mut names)? + 1;
    } else {
        // A result type: up to the body's `{`, through `struct{…}`.
        let mut nested = 0usize;
        loop {
            match tokens.get(i)? {
                Token::Op("{") if nested == 0 => {
                    let type_literal = matches!(
                        tokens.get(i.wrapping_sub(1)),
                        Some(Token::Word("struct" | "interface"))
                    );
                    if !type_literal {
                        break;
                    }
                    nested += 1;
                }
                Token::Op("(" | "[" | "{") => nested += 1,
                Token::Op(")" | "]" | "}") if nested > 0 => nested -= 1,
                Token::Newline | Token::Op(")" | "]" | "}" | "," | ";" | "=") if nested == 0 => {
                    return None
                }
                _ => {}
            }
            i += 1;
        }
    }
    (tokens.get(i) == Some(&Token::Op("{"))).then_some((i, names))
}

/// For the `(` at `open`: the first name of each comma-separated part of
/// the list (`a, b int` → `a`, `b`; `int, error` → `int`, `error`, which
/// are never written), into `names`; the index of the matching `)`.
fn group_names<'s>(tokens: &[Token<'s>], open: usize, names: &mut Vec<&'s str>) -> Option<usize> {
    if tokens.get(open) != Some(&Token::Op("(")) {
        return None;
    }
    let mut nested = 0usize;
    let mut expecting = true;
    for (i, token) in tokens.iter().enumerate().skip(open + 1) {
        match token {
            Token::Op("(" | "[" | "{") => nested += 1,
            Token::Op(")") if nested == 0 => return Some(i),
            Token::Op(")" | "]" | "}") => nested -= 1,
            Token::Op(",") if nested == 0 => expecting = true,
            Token::Word(name) if expecting && nested == 0 => {
                names.push(name);
                expecting = false;
            }
            Token::Newline => {}
            _ => expecting = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(body: &str) -> bool {
        let source = format!("func F(t *testing.T, xs []int) {{\n{body}\n}}\n");
        literal_may_write_outside(&source, (0, source.len()), false)
    }

    fn launched_writes(body: &str) -> bool {
        let source = format!("func F(t *testing.T, xs []int) {{\n{body}\n}}\n");
        launched_literal_may_write_outside(&source, (0, source.len()), &["Go", "Submit"], false)
    }

    #[test]
    fn a_launched_literal_writing_outside_is_kept() {
        for body in [
            "\tvar err error\n\tgo func() { err = run() }()",
            "\tg.Go(func() error {\n\t\tsum += 1\n\t\treturn nil\n\t})",
            "\tp.Submit(func() { n++ })",
            "\tf := func() { done = true }\n\tgo f()",
            "\tvar f = func() { done = true }\n\tgo f()",
            "\tgo func() {\n\t\tdefer func() { outer = 1 }()\n\t}()",
        ] {
            assert!(launched_writes(body), "{body}");
        }
    }

    fn parallel_writes(body: &str) -> bool {
        let source = format!("func F(t *testing.T, xs []int) {{\n{body}\n}}\n");
        calling_literal_may_write_outside(&source, (0, source.len()), "Parallel", false)
    }

    #[test]
    fn only_the_writes_of_literals_calling_parallel_count_for_parallel_subtests() {
        for body in [
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel()\n\t\terr = run()\n\t})",
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel()\n\t\tfunc() { n++ }()\n\t})",
            "\tt.Run(\"a\", func(tt *testing.T) {\n\t\ttt.Parallel() // siblings\n\t\tgot.n = 1\n\t})",
        ] {
            assert!(parallel_writes(body), "{body}");
        }
        for body in [
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\terr = run()\n\t})",
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel()\n\t\terr := run()\n\t\terr = nil\n\t})",
            "\tt.Parallel()\n\tt.Run(\"a\", func(t *testing.T) {\n\t\tgot = 1\n\t})",
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel\n\t\tgot = 1\n\t})",
        ] {
            assert!(!parallel_writes(body), "{body}");
        }
    }

    /// A callback inside a subtest or goroutine (an HTTP handler, a
    /// nested goroutine) writing what the subtest or goroutine declares
    /// shares nothing with its siblings or the enclosing function; one
    /// writing a name from outside does.
    #[test]
    fn names_declared_in_the_counted_literal_are_its_own_in_nested_literals() {
        let handler = |declared: &str| {
            format!("\tt.Run(\"a\", func(t *testing.T) {{\n\t\tt.Parallel()\n{declared}\t\th := func(w W, r *R) {{\n\t\t\tgotHost = r.Host\n\t\t}}\n\t\tserve(h)\n\t}})")
        };
        assert!(!parallel_writes(&handler("\t\tvar gotHost string\n")));
        assert!(parallel_writes(&handler("")));
        assert!(!launched_writes(
            "\tgo func() {\n\t\tn := 0\n\t\teach(func() { n++ })\n\t}()"
        ));
        // A goroutine started inside a goroutine shares that one's names.
        assert!(launched_writes(
            "\tgo func() {\n\t\tn := 0\n\t\tgo func() { n++ }()\n\t}()"
        ));
    }

    /// As `go::localize` judges: a variable declared in the body of a loop
    /// holding the literal is each iteration's own, and an element indexed
    /// only by the literal's own names is its own element; a loop clause's
    /// variable is shared (before Go 1.22), and so is an element indexed by
    /// a shared name.
    #[test]
    fn per_iteration_names_and_own_elements_are_not_writes_outside() {
        for body in [
            "\tfor i, c := range cs {\n\t\tgo func(c C, idx int) {\n\t\t\treply[idx] = c.Info()\n\t\t}(c, i)\n\t}",
            "\tfor _, x := range xs {\n\t\tvar n int\n\t\tgo func() { n = x }()\n\t}",
            "\tfor _, x := range xs {\n\t\tif ok {\n\t\t\tres := x\n\t\t\tgo func() { res = 2 }()\n\t\t}\n\t}",
            "\tgo func() {\n\t\tk := 1\n\t\tout[k].n = 2\n\t}()",
        ] {
            assert!(!launched_writes(body), "{body}");
        }
        for body in [
            "\tfor i := 0; i < 3; i++ {\n\t\tgo func() { i = 1 }()\n\t}",
            "\tfor _, x := range xs {\n\t\tgo func() { xs[k] = x }()\n\t}",
            "\tgo func() {\n\t\tk := 1\n\t\tout[k+j] = 2\n\t}()",
            "\tvar n int\n\tfor range xs {\n\t\tgo func() { n = 1 }()\n\t}",
        ] {
            assert!(launched_writes(body), "{body}");
        }
    }

    /// From Go 1.22 a loop clause's variables are each iteration's own.
    #[test]
    fn loop_clause_names_are_per_iteration_with_go_1_22() {
        let body = "\tfor i := 0; i < 3; i++ {\n\t\tgo func() { i = 1 }()\n\t}";
        let source = format!("func F(t *testing.T, xs []int) {{\n{body}\n}}\n");
        let function = (0, source.len());
        assert!(launched_literal_may_write_outside(
            &source,
            function,
            &[],
            false
        ));
        assert!(!launched_literal_may_write_outside(
            &source,
            function,
            &[],
            true
        ));
    }

    #[test]
    fn literals_running_on_the_callers_goroutine_are_not_counted() {
        for body in [
            "\tdefer func() { err = recover() }()",
            "\tsort.Slice(xs, func(i, j int) bool { n++; return xs[i] < xs[j] })",
            "\tt.Run(\"a\", func(t *testing.T) { got = 1 })",
            "\tfunc() { outer = 1 }()",
            "\tgo func() { v := 1; v++ }()",
        ] {
            assert!(!launched_writes(body), "{body}");
        }
    }

    #[test]
    fn writes_to_the_enclosing_functions_variables_are_seen() {
        for body in [
            "\tvar err error\n\tgo func() { err = run() }()",
            "\tn := 0\n\tgo func() {\n\t\tn++\n\t}()",
            "\tgo func() { total += 2 }()",
            "\tgo func() {\n\t\tres.count = 1\n\t}()",
            "\tgo func() { xs[0] = 1 }()",
            "\tgo func() { *p = v }()",
            "\tgo func() { a, err = f() }()",
            "\tgo func() {\n\t\tselect {\n\t\tcase v = <-ch:\n\t\t}\n\t}()",
            "\tgo func() {\n\t\tif err := f(); err != nil {\n\t\t}\n\t\terr = g()\n\t}()",
            "\tgo func() {\n\t\tswitch {\n\t\tcase true:\n\t\t\tv := 1\n\t\t\t_ = v\n\t\tdefault:\n\t\t\tv = 2\n\t\t}\n\t}()",
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel()\n\t\tgot, err = f()\n\t})",
            "\tg.Go(func() error {\n\t\tfor i := range xs {\n\t\t\tsum += i\n\t\t}\n\t\treturn nil\n\t})",
            "\tf := func() { done = true }\n\tgo f()",
            "\tgo func() {\n\t\tfunc() { outer = 1 }()\n\t}()",
            "\tgo func(a,\n\t\tb int) {\n\t\tc,\n\t\t\td = a, b\n\t}(1, 2)",
        ] {
            assert!(writes(body), "{body}");
        }
    }

    #[test]
    fn literals_writing_only_their_own_names_are_not_kept() {
        for body in [
            "\tgo func() {\n\t\terr := run()\n\t\terr = again(err)\n\t}()",
            "\tgo func(n int) { n++ }(3)",
            "\tgo func() (err error) {\n\t\terr = run()\n\t\treturn\n\t}()",
            "\tgo func() {\n\t\tfor i := 0; i < 3; i++ {\n\t\t\tlog(i)\n\t\t}\n\t}()",
            "\tgo func() {\n\t\tvar buf []byte\n\t\tbuf = append(buf, 1)\n\t\t_ = buf\n\t}()",
            "\tt.Run(\"a\", func(t *testing.T) {\n\t\tt.Parallel()\n\t\tgot := f()\n\t\tif got == 2 || got != 3 || got <= 1 || got >= 4 {\n\t\t\tt.Fatal(got)\n\t\t}\n\t})",
            "\tgo func() {\n\t\tfor k, v := range m {\n\t\t\tv = k\n\t\t\t_ = v\n\t\t}\n\t}()",
            "\tgo func() { ch <- \"x = 1\" }() // y = 2",
            "\tx := 1\n\tx = 2\n\tgo worker(x)",
            "\tvar handler func(int) error\n\thandler = nil\n\t_ = handler",
        ] {
            assert!(!writes(body), "{body}");
        }
    }

    #[test]
    fn a_header_name_is_the_headers_block_only() {
        assert!(writes(
            "\tgo func() {\n\t\tfor _, v := range []int{1} {\n\t\t\t_ = v\n\t\t}\n\t\tv = 3\n\t}()"
        ));
    }
}
