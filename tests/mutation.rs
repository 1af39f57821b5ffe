//! A bounded mutation fuzz over Go files: our own fixtures (shapes the
//! rules fix) and a sample of the Go standard library's tests. Each file
//! is mutated a few times over (lines deleted, duplicated or swapped, `:=`
//! and `=` traded, `t.Parallel()` and goroutines added, stray tokens,
//! truncation), and every mutant goes through the default rules. It
//! checks what users rely on whatever the input:
//! - no panic;
//! - what fixgen writes parses by gofmt's standard (`gofmt -e`) when its
//!   input did, and has exactly its input's syntax errors when not (fixgen
//!   fixes around errors inside function bodies);
//! - a second run over what it wrote changes nothing.
//!
//! The budget is fixed (`FIXGEN_FUZZ_MUTANTS`, default below) and the
//! mutations come from a fixed seed (`FIXGEN_FUZZ_SEED`), so a failure
//! reproduces; failing mutants are kept in `target/fuzz-failures/`.

mod support;

use fixgen::engine::Engine;
use fixgen::engine::{load_rules, select_rules, Selection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::require_tool;

const DEFAULT_MUTANTS: usize = 4000;
const MUTANTS_PER_FILE: usize = 12;
const GOROOT_FILES: usize = 40;

/// xorshift64*: a fixed sequence from a seed, the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const STRAY: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "\"",
    "`",
    "/*",
    "*/",
    "//",
    "go ",
    "defer ",
    "\u{feff}",
    "\r\n",
    "\n",
    "package p\n",
    "err = nil\n",
    "t.Parallel()\n",
    "x := 1\n",
    ";",
    "func",
    "[]",
    "<-",
];

fn mutate(source: &str, random: &mut Random) -> String {
    let mut text = source.to_string();
    for _ in 0..1 + random.below(3) {
        text = mutate_once(&text, random);
    }
    text
}

fn mutate_once(text: &str, random: &mut Random) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.is_empty() {
        return STRAY[random.below(STRAY.len())].to_string();
    }
    let i = random.below(lines.len());
    match random.below(10) {
        0 => {
            lines.remove(i);
        }
        1 => lines.insert(i, lines[i].clone()),
        2 if i + 1 < lines.len() => lines.swap(i, i + 1),
        3 => return replace_nth(text, ":=", "=", random),
        4 => return replace_nth(text, " = ", " := ", random),
        5 => return insert_after_nth(text, "func(t *testing.T) {\n", "t.Parallel()\n", random),
        6 => {
            let line = lines[i].trim_end_matches('\n').to_string();
            lines[i] = format!("go func() {{ {line} }}()\n");
        }
        7 => return text[..char_boundary(text, random.below(text.len()))].to_string(),
        _ => {
            let at = char_boundary(text, random.below(text.len()));
            let stray = STRAY[random.below(STRAY.len())];
            return format!("{}{stray}{}", &text[..at], &text[at..]);
        }
    }
    lines.concat()
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn replace_nth(text: &str, from: &str, to: &str, random: &mut Random) -> String {
    let hits: Vec<usize> = text.match_indices(from).map(|(i, _)| i).collect();
    match hits.get(random.below(hits.len())) {
        Some(&at) => format!("{}{to}{}", &text[..at], &text[at + from.len()..]),
        None => text.to_string(),
    }
}

fn insert_after_nth(text: &str, after: &str, insert: &str, random: &mut Random) -> String {
    let hits: Vec<usize> = text.match_indices(after).map(|(i, _)| i).collect();
    match hits.get(random.below(hits.len())) {
        Some(&at) => {
            let at = at + after.len();
            format!("{}{insert}{}", &text[..at], &text[at..])
        }
        None => text.to_string(),
    }
}

fn go_files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            go_files_under(&path, keep, out);
        } else if path.extension().is_some_and(|e| e == "go") && keep(&path) {
            out.push(path);
        }
    }
}

/// Our fixtures' inputs, then every so many standard library tests that
/// start subtests or goroutines (what the default rules look at).
fn corpus() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    let before = |p: &Path| p.components().any(|c| c.as_os_str() == "before");
    go_files_under(Path::new("fixtures"), &before, &mut paths);
    if let Some(goroot) = goroot() {
        let mut tests = Vec::new();
        let concurrent = |p: &Path| {
            p.to_string_lossy().ends_with("_test.go")
                && std::fs::read_to_string(p)
                    .is_ok_and(|s| s.contains("t.Run(") || s.contains("go func"))
        };
        go_files_under(&goroot.join("src"), &concurrent, &mut tests);
        let step = (tests.len() / GOROOT_FILES).max(1);
        paths.extend(tests.into_iter().step_by(step).take(GOROOT_FILES));
    }
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

fn goroot() -> Option<PathBuf> {
    let out = Command::new("go").args(["env", "GOROOT"]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(text.trim())).filter(|p| p.is_dir())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Mutant {
    origin: String,
    text: String,
}

/// A line of `gofmt -e -l` on stderr, `DIR/m12.go:3:4: message`, as
/// ((`m` or `o`, 12), message).
fn gofmt_complaint(line: &str) -> Option<((char, usize), String)> {
    let (file, rest) = line.split_once(".go:")?;
    let name = file.rsplit('/').next()?;
    let kind = name.chars().next()?;
    let n = name[1..].parse().ok()?;
    let message = rest.splitn(3, ':').nth(2)?.trim().to_string();
    Some(((kind, n), message))
}

/// What went wrong with one mutant, in words.
fn check_mutant(engine: &Engine, mutant: &Mutant) -> Result<Option<String>, String> {
    let run = |text: &str| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            engine.process("fuzz/x_test.go", text)
        }))
        .map_err(|_| "panicked".to_string())
    };
    let Ok(first) = run(&mutant.text)? else {
        return Ok(None);
    };
    let Some(fixed) = first.fixed else {
        return Ok(None);
    };
    match run(&fixed)? {
        Ok(second) if second.fixed.is_some() => Err("a second run changes it again".into()),
        Ok(_) => Ok(Some(fixed)),
        Err(e) => Err(format!(
            "what it wrote does not parse for fixgen itself ({e})"
        )),
    }
}

#[test]
fn mutants_never_panic_and_fixes_parse_and_settle() {
    if !require_tool("go") {
        return;
    }
    let budget = env_number("FIXGEN_FUZZ_MUTANTS", DEFAULT_MUTANTS as u64) as usize;
    let mut random = Random(env_number("FIXGEN_FUZZ_SEED", 0x5eed_f1c5) | 1);
    let rules = select_rules(load_rules(&[]).unwrap(), &Selection::default()).unwrap();
    let engine = Engine::new(rules, Vec::new());
    let corpus = corpus();
    assert!(!corpus.is_empty(), "no Go files to mutate");
    // Round robin over the files, so that every file gets its share of
    // the budget.
    let mut mutants: Vec<Mutant> = Vec::new();
    'rounds: for _ in 0..MUTANTS_PER_FILE {
        for (origin, text) in &corpus {
            if mutants.len() == budget {
                break 'rounds;
            }
            mutants.push(Mutant {
                origin: origin.clone(),
                text: mutate(text, &mut random),
            });
        }
    }

    let written = tempfile::tempdir().unwrap();
    let failures_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::remove_dir_all(&failures_dir);
    let mut failures = Vec::new();
    let mut fixed_count = 0;
    for (n, mutant) in mutants.iter().enumerate() {
        match check_mutant(&engine, mutant) {
            Ok(None) => {}
            Ok(Some(fixed)) => {
                fixed_count += 1;
                std::fs::write(written.path().join(format!("m{n}.go")), fixed).unwrap();
                // The mutant beside it: what gofmt thought of the input.
                std::fs::write(written.path().join(format!("o{n}.go")), &mutant.text).unwrap();
            }
            Err(why) => failures.push((n, why)),
        }
    }
    // What fixgen wrote, by gofmt's parser: one gofmt run for all of it.
    // fixgen fixes around syntax errors inside function bodies (Go newer
    // than tree-sitter-go knows, or a mutant broken there), so a mutant
    // gofmt rejects may be fixed elsewhere, but must keep exactly its
    // errors: the same messages, in order, wherever lines moved.
    let gofmt = Command::new("gofmt")
        .args(["-e", "-l"])
        .arg(written.path())
        .output()
        .expect("gofmt runs");
    let mut complaints: BTreeMap<(char, usize), Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&gofmt.stderr).lines() {
        match gofmt_complaint(line) {
            Some((file, message)) => complaints.entry(file).or_default().push(message),
            None => failures.push((usize::MAX, format!("gofmt: {line}"))),
        }
    }
    for (&(kind, n), messages) in &complaints {
        let input = complaints.get(&('o', n));
        if kind == 'm' && input != Some(messages) {
            let why = match input {
                None => "gofmt cannot parse what fixgen wrote",
                Some(_) => "what fixgen wrote has other syntax errors than its input",
            };
            failures.push((n, format!("{why}: {}", messages.join("; "))));
        }
        if kind == 'o' && !complaints.contains_key(&('m', n)) {
            failures.push((n, "fixgen mended a syntax error it was not asked to".into()));
        }
    }
    eprintln!(
        "mutation fuzz: {} mutants of {} files, {fixed_count} fixed, {} failure(s)",
        mutants.len(),
        corpus.len(),
        failures.len()
    );
    if failures.is_empty() {
        return;
    }
    std::fs::create_dir_all(&failures_dir).unwrap();
    let mut report = String::new();
    failures.sort();
    failures.dedup_by_key(|(n, _)| *n);
    for (n, why) in failures.iter().take(20) {
        if let Some(mutant) = mutants.get(*n) {
            let kept = failures_dir.join(format!("m{n}_test.go"));
            std::fs::write(&kept, &mutant.text).unwrap();
            report.push_str(&format!(
                "{}: mutant of {}: {why}\n",
                kept.display(),
                mutant.origin
            ));
        } else {
            report.push_str(&format!("{why}\n"));
        }
    }
    panic!("{} mutant(s) broke a promise:\n{report}", failures.len());
}
