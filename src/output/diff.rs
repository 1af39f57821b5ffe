//! Unified diffs that `git apply` accepts.

use similar::{Algorithm, TextDiff};

/// `diff --git` header plus hunks for one file; empty when nothing changed.
pub fn unified(rel: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = (header_path("a/", rel), header_path("b/", rel));
    // Patience: lines found once on each side anchor the diff, and only
    // the short stretches between anchors are searched. Myers alone takes
    // time in proportion to the file's lines times the changed lines: a
    // fix in every function of a large file made that the square of its size.
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(old, new);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    format!("diff --git {a} {b}\n{body}")
}

/// The diff that adds file `rel` with `text`, as `git diff` shows it.
pub fn new_file(rel: &str, text: &str) -> String {
    let (a, b) = (header_path("a/", rel), header_path("b/", rel));
    let diff = TextDiff::from_lines("", text);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header("/dev/null", &b)
        .to_string();
    format!("diff --git {a} {b}\nnew file mode 100644\n{body}")
}

/// A path in a header line, quoted in C style when a character in it
/// (a newline, a tab, a quote) would otherwise end or split the line:
/// the form `git apply` reads back. Other text, UTF-8 included, stays as is.
fn header_path(side: &str, rel: &str) -> String {
    let path = format!("{side}{rel}");
    if !path
        .chars()
        .any(|c| c.is_ascii_control() || c == '"' || c == '\\')
    {
        return path;
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_ascii_control() => quoted.push_str(&format!("\\{:03o}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + 256);
    for line in diff.split_inclusive('\n') {
        let color =
            if line.starts_with("diff ") || line.starts_with("+++") || line.starts_with("---") {
                "\x1b[1m"
            } else if line.starts_with('+') {
                "\x1b[32m"
            } else if line.starts_with('-') {
                "\x1b[31m"
            } else if line.starts_with("@@") {
                "\x1b[36m"
            } else {
                ""
            };
        if color.is_empty() {
            out.push_str(line);
        } else {
            let (content, newline) = match line.strip_suffix('\n') {
                Some(c) => (c, "\n"),
                None => (line, ""),
            };
            out.push_str(&format!("{color}{content}\x1b[0m{newline}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_both_sides_relative_to_the_root() {
        let d = unified("pkg/x.go", "a\nb\n", "a\nc\n");
        assert!(d.starts_with("diff --git a/pkg/x.go b/pkg/x.go\n--- a/pkg/x.go\n+++ b/pkg/x.go\n@@ -1,2 +1,2 @@\n"), "{d}");
        assert!(d.ends_with(" a\n-b\n+c\n"), "{d}");
        assert_eq!(unified("x", "same", "same"), "");
        assert_eq!(
            new_file("p/h.go", "package p\n"),
            "diff --git a/p/h.go b/p/h.go\nnew file mode 100644\n--- /dev/null\n+++ b/p/h.go\n@@ -0,0 +1 @@\n+package p\n"
        );
    }

    #[test]
    fn a_name_a_header_cannot_carry_is_quoted_as_git_does() {
        let d = unified("a\nb \"c\"\t\\\x01é.go", "x\n", "y\n");
        let quoted = r#""a/a\nb \"c\"\t\\\001é.go" "b/a\nb \"c\"\t\\\001é.go""#;
        assert!(d.starts_with(&format!("diff --git {quoted}\n")), "{d}");
        assert!(d.contains("\n--- \"a/a\\nb"), "{d}");
        assert!(new_file("p q/é.go", "").starts_with("diff --git a/p q/é.go b/p q/é.go\n"));
    }
}
