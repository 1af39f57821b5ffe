//! `fixgen tree FILE[:LINE]`: the syntax tree a rule is written against.

use anyhow::{bail, Context as _, Result};
use fixgen::go::outline::outline;
use fixgen::go::parse::parse_keeping_errors;

pub fn run(target: &str) -> Result<u8> {
    let (path, line) = split_line(target);
    let source = std::fs::read_to_string(path).with_context(|| format!("{path}: cannot read"))?;
    if let Some(line) = line {
        let lines = source.lines().count().max(1);
        if line == 0 || line > lines {
            bail!("{path}:{line}: the file has {lines} line(s)");
        }
    }
    let parsed = parse_keeping_errors(&source);
    print!("{}", outline(&parsed.tree, &source, line));
    Ok(0)
}

/// `x.go:12` → (`x.go`, 12); a path whose last `:` part is no number is
/// all path.
fn split_line(target: &str) -> (&str, Option<usize>) {
    match target.rsplit_once(':') {
        Some((path, line)) if !path.is_empty() => match line.parse() {
            Ok(n) => (path, Some(n)),
            Err(_) => (target, None),
        },
        _ => (target, None),
    }
}
