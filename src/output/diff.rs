//! Unified diffs that `git apply` accepts.

use similar::{Algorithm, TextDiff};

/// `diff --git` header plus hunks for one file; empty when nothing changed.
pub fn unified(rel: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
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
        .header(&format!("a/{rel}"), &format!("b/{rel}"))
        .to_string();
    format!("diff --git a/{rel} b/{rel}\n{body}")
}

/// The diff that adds file `rel` with `text`, as `git diff` shows it.
pub fn new_file(rel: &str, text: &str) -> String {
    let diff = TextDiff::from_lines("", text);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header("/dev/null", &format!("b/{rel}"))
        .to_string();
    format!("diff --git a/{rel} b/{rel}\nnew file mode 100644\n{body}")
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
}
