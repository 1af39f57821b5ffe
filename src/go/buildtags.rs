//! Build constraints: which build configurations compile a file.
//!
//! A file's constraint is its `//go:build` line (or, in a file without
//! one, its legacy `// +build` lines, read with their own syntax: spaces
//! are OR, commas AND, lines AND), together with what its name says
//! (`_linux.go`, `_arm64.go`, `_test.go`). Two questions are answered:
//!
//! - [`Constraint::implies`]: does every configuration that compiles one
//!   file compile another? (May a file use a declaration of the other?)
//!   Tags are treated as independent, so the answer errs towards "no":
//!   `linux` is not taken to imply `unix`.
//! - [`tag_sets`]: which `-tags` lists build a package's constrained files
//!   under the host's GOOS/GOARCH, so that a check sees each side of a
//!   `//go:build !cluster_proxy`.
//!
//! A constraint line that does not parse becomes an opaque atom: it
//! implies only an identical line, and names no tag to build with.

use std::collections::BTreeSet;

/// A boolean expression over build tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// A constraint line that did not parse, by its text.
    Opaque(String),
}

impl Expr {
    fn and(a: Expr, b: Expr) -> Expr {
        Expr::And(Box::new(a), Box::new(b))
    }

    fn or(a: Expr, b: Expr) -> Expr {
        Expr::Or(Box::new(a), Box::new(b))
    }

    /// The value when each tag (and opaque atom) is `set(name)`.
    pub fn eval(&self, set: &dyn Fn(&Atom) -> bool) -> bool {
        match self {
            Expr::Tag(t) => set(&Atom::Tag(t.clone())),
            Expr::Opaque(o) => set(&Atom::Opaque(o.clone())),
            Expr::Not(e) => !e.eval(set),
            Expr::And(a, b) => a.eval(set) && b.eval(set),
            Expr::Or(a, b) => a.eval(set) || b.eval(set),
        }
    }

    /// The atoms the expression names.
    pub fn atoms(&self) -> BTreeSet<Atom> {
        let mut out = BTreeSet::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut BTreeSet<Atom>) {
        match self {
            Expr::Tag(t) => {
                out.insert(Atom::Tag(t.clone()));
            }
            Expr::Opaque(o) => {
                out.insert(Atom::Opaque(o.clone()));
            }
            Expr::Not(e) => e.collect(out),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// The build tags it names.
    pub fn tags(&self) -> BTreeSet<String> {
        self.atoms()
            .into_iter()
            .filter_map(|a| match a {
                Atom::Tag(t) => Some(t),
                Atom::Opaque(_) => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Atom {
    Tag(String),
    Opaque(String),
}

/// Parses a `//go:build` expression (the text after `//go:build`): tags,
/// `!`, `&&`, `||` and parentheses, `&&` binding tighter than `||`.
pub fn parse_expr(input: &str) -> Result<Expr, String> {
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(t) => Err(format!("unexpected `{}`", t.text())),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Tag(String),
    Not,
    And,
    Or,
    Open,
    Close,
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Tag(t) => t,
            Token::Not => "!",
            Token::And => "&&",
            Token::Or => "||",
            Token::Open => "(",
            Token::Close => ")",
        }
    }
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '!' => tokens.push(Token::Not),
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '&' | '|' => {
                if chars.next().map(|(_, n)| n) != Some(c) {
                    return Err(format!("`{c}` where `{c}{c}` was expected"));
                }
                tokens.push(if c == '&' { Token::And } else { Token::Or });
            }
            c if is_tag_char(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = chars.peek() {
                    if !is_tag_char(n) {
                        break;
                    }
                    end = j + n.len_utf8();
                    chars.next();
                }
                tokens.push(Token::Tag(input[i..end].to_string()));
            }
            other => return Err(format!("unexpected `{other}`")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn eat(&mut self, token: &Token) -> bool {
        if self.tokens.get(self.at) == Some(token) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat(&Token::Or) {
            left = Expr::or(left, self.and()?);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat(&Token::And) {
            left = Expr::and(left, self.unary()?);
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        match token {
            Some(Token::Not) => Ok(Expr::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let inner = self.or()?;
                if self.eat(&Token::Close) {
                    Ok(inner)
                } else {
                    Err("missing `)`".to_string())
                }
            }
            Some(Token::Tag(t)) => Ok(Expr::Tag(t)),
            Some(other) => Err(format!("unexpected `{}`", other.text())),
            None => Err("unexpected end of expression".to_string()),
        }
    }
}

/// A legacy `// +build` line's arguments: space-separated alternatives,
/// each a comma-separated conjunction of `tag` or `!tag`.
fn parse_plus_build(args: &str) -> Result<Expr, String> {
    let mut any: Option<Expr> = None;
    for alternative in args.split_whitespace() {
        let mut all: Option<Expr> = None;
        for term in alternative.split(',') {
            let (negated, tag) = match term.strip_prefix('!') {
                Some(tag) => (true, tag),
                None => (false, term),
            };
            if tag.is_empty() || !tag.chars().all(is_tag_char) {
                return Err(format!("bad term `{term}`"));
            }
            let atom = Expr::Tag(tag.to_string());
            let atom = if negated {
                Expr::Not(Box::new(atom))
            } else {
                atom
            };
            all = Some(match all {
                Some(a) => Expr::and(a, atom),
                None => atom,
            });
        }
        let all = all.ok_or("empty term")?;
        any = Some(match any {
            Some(a) => Expr::or(a, all),
            None => all,
        });
    }
    any.ok_or_else(|| "no terms".to_string())
}

/// The constraint a file's header states: its `//go:build` line, else the
/// conjunction of its `// +build` lines; `None` when it has neither. Only
/// comments before the last blank line ahead of the package clause count
/// (the package's doc comment does not), as for the go command.
pub fn header_expr(source: &str) -> Option<Expr> {
    let mut counted: Vec<&str> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut in_block = false;
    for line in source.lines() {
        let trimmed = line.trim();
        if in_block {
            if let Some((_, after)) = trimmed.split_once("*/") {
                in_block = false;
                if !after.trim().is_empty() {
                    break;
                }
            }
            continue;
        }
        if trimmed.is_empty() {
            counted.append(&mut pending);
        } else if trimmed.starts_with("//") {
            pending.push(trimmed);
        } else if let Some(rest) = trimmed.strip_prefix("/*") {
            match rest.split_once("*/") {
                Some((_, after)) if !after.trim().is_empty() => break,
                Some(_) => {}
                None => in_block = true,
            }
        } else {
            break;
        }
    }
    if let Some(line) = counted.iter().find_map(|l| {
        l.strip_prefix("//go:build")
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    }) {
        return Some(parse_expr(line).unwrap_or_else(|_| Expr::Opaque(line.trim().to_string())));
    }
    let mut all: Option<Expr> = None;
    for line in &counted {
        let Some(rest) = line
            .strip_prefix("//")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix("+build"))
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        else {
            continue;
        };
        let expr = parse_plus_build(rest).unwrap_or_else(|_| Expr::Opaque(line.to_string()));
        all = Some(match all {
            Some(a) => Expr::and(a, expr),
            None => expr,
        });
    }
    all
}

/// The operating systems the go command knows (file-name suffixes).
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// The architectures the go command knows (file-name suffixes).
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The systems the `unix` tag stands for.
const UNIX: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// What a file name says: `x_linux.go`, `x_arm64.go`, `x_linux_arm64.go`
/// (and the same before `_test.go`). The part before the first `_` never
/// counts: `linux.go` has no constraint.
pub fn file_name_expr(name: &str) -> Option<Expr> {
    let stem = name.split('.').next().unwrap_or(name);
    let (_, rest) = stem.split_once('_')?;
    let mut parts: Vec<&str> = rest.split('_').collect();
    if parts.last() == Some(&"test") {
        parts.pop();
    }
    let n = parts.len();
    let os = |s: &str| KNOWN_OS.contains(&s);
    let arch = |s: &str| KNOWN_ARCH.contains(&s);
    if n >= 2 && os(parts[n - 2]) && arch(parts[n - 1]) {
        return Some(Expr::and(
            Expr::Tag(parts[n - 2].to_string()),
            Expr::Tag(parts[n - 1].to_string()),
        ));
    }
    let last = *parts.last()?;
    (os(last) || arch(last)).then(|| Expr::Tag(last.to_string()))
}

/// Which builds compile a file: its header and name constraints, and
/// whether only test builds do (`_test.go`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraint {
    pub expr: Option<Expr>,
    pub test: bool,
}

/// Beyond this many atoms, implication is not worked out: only identical
/// constraints imply each other.
const MAX_ATOMS: usize = 16;

impl Constraint {
    /// The constraint of the file named `name` (base name) with `source`.
    pub fn of_file(name: &str, source: &str) -> Constraint {
        let expr = match (header_expr(source), file_name_expr(name)) {
            (Some(h), Some(f)) => Some(Expr::and(h, f)),
            (h, f) => h.or(f),
        };
        Constraint {
            expr,
            test: name.ends_with("_test.go"),
        }
    }

    /// Whether every build that compiles a file constrained by `self` also
    /// compiles one constrained by `other`. Tags are taken as independent
    /// of each other (`linux` does not imply `unix` here), which can only
    /// say "no" where the go command would say "yes".
    pub fn implies(&self, other: &Constraint) -> bool {
        if other.test && !self.test {
            return false;
        }
        let Some(needed) = &other.expr else {
            return true;
        };
        let Some(given) = &self.expr else {
            return tautology(needed);
        };
        if given == needed {
            return true;
        }
        let mut atoms = given.atoms();
        atoms.extend(needed.atoms());
        if atoms.len() > MAX_ATOMS {
            return false;
        }
        let atoms: Vec<Atom> = atoms.into_iter().collect();
        (0u32..1 << atoms.len()).all(|row| {
            let set = |a: &Atom| {
                let i = atoms.iter().position(|b| b == a).expect("a known atom");
                row & (1 << i) != 0
            };
            !given.eval(&set) || needed.eval(&set)
        })
    }
}

fn tautology(expr: &Expr) -> bool {
    let atoms: Vec<Atom> = expr.atoms().into_iter().collect();
    atoms.len() <= MAX_ATOMS
        && (0u32..1 << atoms.len()).all(|row| {
            expr.eval(&|a: &Atom| {
                let i = atoms.iter().position(|b| b == a).expect("a known atom");
                row & (1 << i) != 0
            })
        })
}

/// The configuration the go command builds for: what decides tags that
/// `-tags` does not set.
#[derive(Debug, Clone)]
pub struct Target {
    pub goos: String,
    pub goarch: String,
    pub cgo: bool,
    /// The toolchain's Go minor version: `go1.N` tags up to it hold.
    pub go_minor: u32,
}

impl Target {
    /// Whether `tag` holds when building for this target with `-tags tags`.
    pub fn holds(&self, tag: &str, tags: &[String]) -> bool {
        if let Some(minor) = tag.strip_prefix("go1.") {
            return minor.parse::<u32>().is_ok_and(|m| m <= self.go_minor);
        }
        match tag {
            "gc" => true,
            "cgo" => self.cgo,
            "unix" => UNIX.contains(&self.goos.as_str()),
            // GOOS=android also matches linux, ios darwin, illumos solaris.
            "linux" => matches!(self.goos.as_str(), "linux" | "android"),
            "darwin" => matches!(self.goos.as_str(), "darwin" | "ios"),
            "solaris" => matches!(self.goos.as_str(), "solaris" | "illumos"),
            t if KNOWN_OS.contains(&t) => self.goos == t,
            t if KNOWN_ARCH.contains(&t) => self.goarch == t,
            t => tags.iter().any(|s| s == t),
        }
    }

    fn builds(&self, expr: &Expr, tags: &[String]) -> bool {
        expr.eval(&|a: &Atom| match a {
            Atom::Tag(t) => self.holds(t, tags),
            Atom::Opaque(_) => false,
        })
    }
}

/// Tags `-tags` should not be given: the go command sets them from the
/// target, the toolchain, or flags of its own (`-race`), and `ignore`
/// marks files never meant to build.
pub fn settable(tag: &str) -> bool {
    let fixed = KNOWN_OS.contains(&tag)
        || KNOWN_ARCH.contains(&tag)
        || tag.starts_with("go1.")
        || tag.starts_with("goexperiment.")
        || matches!(
            tag,
            "unix" | "cgo" | "gc" | "gccgo" | "race" | "msan" | "asan" | "ignore"
        );
    !fixed
}

/// The `-tags` lists that build a package's files (base name, text) in
/// every way they can be built here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSets {
    /// The first is always the empty list (no `-tags`).
    pub sets: Vec<Vec<String>>,
    /// Further lists that would select other files, left out by the limit.
    pub dropped: usize,
}

/// The tag lists to build a package with: none, then each tag a file's
/// constraint names alone, then for each constraint the fewest of its
/// tags that satisfy it; a list is kept only when it selects a set of
/// files no earlier list selects. At most `limit` lists (counting the
/// empty one).
pub fn tag_sets(files: &[(String, String)], target: &Target, limit: usize) -> TagSets {
    let constraints: Vec<Option<Expr>> = files
        .iter()
        .map(|(name, source)| Constraint::of_file(name, source).expr)
        .collect();
    let mut headers: Vec<Expr> = Vec::new();
    for (_, source) in files {
        if let Some(e) = header_expr(source) {
            if !headers.contains(&e) {
                headers.push(e);
            }
        }
    }
    let user_tags =
        |e: &Expr| -> Vec<String> { e.tags().into_iter().filter(|t| settable(t)).collect() };
    let mut wanted: Vec<Vec<String>> = Vec::new();
    let singles: BTreeSet<String> = headers.iter().flat_map(user_tags).collect();
    wanted.extend(singles.into_iter().map(|t| vec![t]));
    for expr in &headers {
        if let Some(set) = fewest_satisfying(expr, &user_tags(expr), target) {
            if set.len() > 1 {
                wanted.push(set);
            }
        }
    }
    let selected = |tags: &[String]| -> Vec<bool> {
        constraints
            .iter()
            .map(|c| c.as_ref().is_none_or(|e| target.builds(e, tags)))
            .collect()
    };
    let mut seen = vec![selected(&[])];
    let mut sets = vec![Vec::new()];
    let mut dropped = 0;
    for tags in wanted {
        let files = selected(&tags);
        if seen.contains(&files) {
            continue;
        }
        seen.push(files);
        if sets.len() < limit {
            sets.push(tags);
        } else {
            dropped += 1;
        }
    }
    TagSets { sets, dropped }
}

/// The smallest subset of `tags` under which `expr` holds for `target`
/// (the first in order among those of that size), if any; subsets are
/// tried only for up to 10 tags, beyond that only all of them.
fn fewest_satisfying(expr: &Expr, tags: &[String], target: &Target) -> Option<Vec<String>> {
    if tags.len() > 10 {
        return target.builds(expr, tags).then(|| tags.to_vec());
    }
    let mut subsets: Vec<Vec<String>> = (0u32..1 << tags.len())
        .map(|mask| {
            tags.iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| t.clone())
                .collect()
        })
        .collect();
    subsets.sort_by_key(Vec::len);
    subsets.into_iter().find(|s| target.builds(expr, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: &str) -> Expr {
        Expr::Tag(t.to_string())
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    fn constraint(source: &str) -> Constraint {
        Constraint::of_file("x.go", source)
    }

    #[test]
    fn go_build_expressions_parse_with_go_precedence() {
        assert_eq!(parse_expr("linux").unwrap(), tag("linux"));
        // && binds tighter than ||.
        assert_eq!(
            parse_expr("a || b && !c").unwrap(),
            Expr::or(tag("a"), Expr::and(tag("b"), not(tag("c"))))
        );
        assert_eq!(
            parse_expr("(a || b) && !(c)").unwrap(),
            Expr::and(Expr::or(tag("a"), tag("b")), not(tag("c")))
        );
        assert_eq!(parse_expr("!!go1.21").unwrap(), not(not(tag("go1.21"))));
        for bad in ["", "a &", "a ||", "(a", "a)", "a b", "a & b", "a-b", "!"] {
            assert!(parse_expr(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn the_header_line_counts_not_the_doc_comment_nor_after_the_package_clause() {
        let src = "// Copyright\n\n//go:build !cluster_proxy\n\n// Package x does.\npackage x\n";
        assert_eq!(header_expr(src), Some(not(tag("cluster_proxy"))));
        // Directly above the package clause, it is the doc comment's.
        assert_eq!(header_expr("//go:build a\npackage x\n"), None);
        assert_eq!(
            header_expr("package x\n\n//go:build a\n\nvar x = 1\n"),
            None
        );
        assert_eq!(
            header_expr("/* licence\n */\n\n//go:build a\n\npackage x\n"),
            Some(tag("a"))
        );
        // A line that does not parse is kept, opaque.
        assert_eq!(
            header_expr("//go:build a &&\n\npackage x\n"),
            Some(Expr::Opaque("a &&".to_string()))
        );
    }

    #[test]
    fn legacy_plus_build_lines_are_read_when_there_is_no_go_build_line() {
        let src = "// +build linux,!cgo darwin\n// +build proxy\n\npackage x\n";
        assert_eq!(
            header_expr(src),
            Some(Expr::and(
                Expr::or(Expr::and(tag("linux"), not(tag("cgo"))), tag("darwin")),
                tag("proxy")
            ))
        );
        // //go:build wins over +build lines.
        let both = "//go:build a\n// +build b\n\npackage x\n";
        assert_eq!(header_expr(both), Some(tag("a")));
    }

    #[test]
    fn file_names_constrain_by_system_and_architecture() {
        assert_eq!(file_name_expr("wait_linux.go"), Some(tag("linux")));
        assert_eq!(file_name_expr("wait_arm64_test.go"), Some(tag("arm64")));
        assert_eq!(
            file_name_expr("wait_windows_amd64.go"),
            Some(Expr::and(tag("windows"), tag("amd64")))
        );
        assert_eq!(file_name_expr("linux.go"), None);
        assert_eq!(file_name_expr("wait_test.go"), None);
        assert_eq!(file_name_expr("proxy_mode.go"), None);
    }

    #[test]
    fn a_constraint_implies_what_every_build_of_it_also_builds() {
        let none = constraint("package x\n");
        let proxy = constraint("//go:build cluster_proxy\n\npackage x\n");
        let not_proxy = constraint("//go:build !cluster_proxy\n\npackage x\n");
        let both = constraint("//go:build cluster_proxy && linux\n\npackage x\n");
        let either = constraint("//go:build cluster_proxy || e2e\n\npackage x\n");
        // Unconstrained declarations serve everyone.
        assert!(not_proxy.implies(&none));
        assert!(none.implies(&none));
        // A constrained one serves only files built under it.
        assert!(!none.implies(&not_proxy));
        assert!(!proxy.implies(&not_proxy));
        assert!(not_proxy.implies(&not_proxy.clone()));
        assert!(both.implies(&proxy));
        assert!(!proxy.implies(&both));
        assert!(proxy.implies(&either));
        assert!(!either.implies(&proxy));
        // Same meaning, other spelling.
        let spelled = constraint("//go:build !(cluster_proxy)\n\npackage x\n");
        assert!(spelled.implies(&not_proxy) && not_proxy.implies(&spelled));
        // A file name constrains as a line does.
        let linux_file = Constraint::of_file("w_linux.go", "package x\n");
        let linux_line = constraint("//go:build linux\n\npackage x\n");
        assert!(linux_file.implies(&linux_line) && !none.implies(&linux_file));
        // Conservative: tags are independent, so linux does not give unix.
        assert!(!linux_line.implies(&constraint("//go:build unix\n\npackage x\n")));
        // A line that cannot be read is implied by itself alone.
        let odd = constraint("//go:build a &&\n\npackage x\n");
        assert!(odd.implies(&odd.clone()) && !none.implies(&odd) && !proxy.implies(&odd));
        // A tautology is no constraint.
        assert!(none.implies(&constraint("//go:build a || !a\n\npackage x\n")));
    }

    #[test]
    fn test_files_serve_test_files_only() {
        let test = Constraint::of_file("wait_test.go", "package x\n");
        let plain = Constraint::of_file("wait.go", "package x\n");
        assert!(test.implies(&test.clone()));
        assert!(test.implies(&plain));
        assert!(!plain.implies(&test));
    }

    fn linux() -> Target {
        Target {
            goos: "linux".to_string(),
            goarch: "amd64".to_string(),
            cgo: true,
            go_minor: 22,
        }
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect()
    }

    #[test]
    fn each_side_of_a_constraint_gets_a_build() {
        let pkg = files(&[
            ("app.go", "package app\n"),
            (
                "wait_default.go",
                "//go:build !cluster_proxy\n\npackage app\n",
            ),
            (
                "wait_proxy_test.go",
                "//go:build cluster_proxy\n\npackage app\n",
            ),
            ("both.go", "//go:build e2e && slow\n\npackage app\n"),
        ]);
        let sets = tag_sets(&pkg, &linux(), 8);
        assert_eq!(
            sets.sets,
            vec![
                vec![],
                vec!["cluster_proxy".to_string()],
                vec!["e2e".to_string(), "slow".to_string()],
            ],
            "e2e or slow alone selects the same files as no tags"
        );
        assert_eq!(sets.dropped, 0);
    }

    #[test]
    fn tags_the_target_decides_are_never_set_and_the_count_is_bounded() {
        let pkg = files(&[
            ("a_windows.go", "package app\n"),
            ("b.go", "//go:build linux && !cgo\n\npackage app\n"),
            ("c.go", "//go:build ignore\n\npackage main\n"),
            ("d.go", "//go:build go1.99 || race\n\npackage app\n"),
            ("e.go", "// +build legacy\n\npackage app\n"),
        ]);
        assert_eq!(
            tag_sets(&pkg, &linux(), 8).sets,
            vec![vec![], vec!["legacy".to_string()]]
        );
        let many: Vec<(String, String)> = (0..10)
            .map(|i| {
                (
                    format!("f{i}.go"),
                    format!("//go:build t{i}\n\npackage app\n"),
                )
            })
            .collect();
        let sets = tag_sets(&many, &linux(), 8);
        assert_eq!(sets.sets.len(), 8);
        assert_eq!(sets.dropped, 3);
    }
}
