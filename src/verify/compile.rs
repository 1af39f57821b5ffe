//! `gofmt -l`, `go build` and `go vet` on one package, with the fixes
//! (through the overlay) and, when they fail, without: a package that did
//! not build or vet cleanly before is not the fix's fault. Build and vet
//! run once per `-tags` list the caller gives.

use super::gotool::{GoTool, Overlay};
use super::Package;
use std::collections::BTreeSet;
use std::path::Path;

/// What the checks say of a package with the fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Formatted, builds, vet is clean (or says only what it said before).
    Passed,
    /// Already failing before the fixes: the fixes are kept, unverified.
    FailedBefore(String),
    /// The fixes break it: the message says how.
    Broken(String),
}

/// The checks with `-tags tags` (none: the default build). gofmt does not
/// depend on tags, so it runs only for the default build.
pub fn check(
    go: &GoTool,
    root: &Path,
    package: &Package,
    overlay: &Overlay,
    tags: &[String],
) -> Outcome {
    if tags.is_empty() {
        if let Some(message) = unformatted(go, root, package, overlay) {
            return Outcome::Broken(message);
        }
    }
    let flag = (!tags.is_empty()).then(|| format!("-tags={}", tags.join(",")));
    // `go build -tags cluster_proxy`: how messages name the command.
    let shown = |verb: &str| match tags.is_empty() {
        true => format!("go {verb}"),
        false => format!("go {verb} -tags {}", tags.join(",")),
    };
    let args = |verb: &'static str| -> Vec<&str> {
        let mut args = vec![verb];
        args.extend(flag.as_deref());
        args.push(&package.pattern);
        args
    };
    let build = go.go(&package.module_root, &args("build"), Some(overlay));
    // A folder of tests only has nothing to build; vet compiles the tests.
    if !build.success && !build.output.contains("no non-test Go files") {
        let before = go.go(&package.module_root, &args("build"), None);
        return if before.success {
            Outcome::Broken(format!("{}:\n{}", shown("build"), build.output.trim_end()))
        } else {
            Outcome::FailedBefore(format!(
                "{} failed before the fix too:\n{}",
                shown("build"),
                before.output.trim_end()
            ))
        };
    }
    let vet = go.go(&package.module_root, &args("vet"), Some(overlay));
    if vet.success {
        return Outcome::Passed;
    }
    let before = go.go(&package.module_root, &args("vet"), None);
    if before.success {
        return Outcome::Broken(format!("{}:\n{}", shown("vet"), vet.output.trim_end()));
    }
    let old = diagnostics(&before.output);
    let new: Vec<&str> = vet
        .output
        .lines()
        .filter(|l| is_diagnostic(l) && !old.contains(&without_position(l)))
        .collect();
    if new.is_empty() {
        Outcome::FailedBefore(format!(
            "{} reported the same before the fix:\n{}",
            shown("vet"),
            before.output.trim_end()
        ))
    } else {
        Outcome::Broken(format!("{}:\n{}", shown("vet"), new.join("\n")))
    }
}

/// A fixed file gofmt would change, when the original was formatted.
fn unformatted(go: &GoTool, root: &Path, package: &Package, overlay: &Overlay) -> Option<String> {
    let copies: Vec<_> = overlay
        .files()
        .iter()
        .filter(|(_, rel)| crate::workspace::dir_of(rel) == package.dir)
        .collect();
    let listed = go.unformatted(&copies.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>());
    for (copy, rel) in copies {
        if !listed.contains(copy) {
            continue;
        }
        let original = root.join(rel);
        let was_formatted = !original.exists() || go.unformatted(&[original]).is_empty();
        if was_formatted {
            return Some(format!("gofmt -l: {rel} is not formatted after the fix"));
        }
    }
    None
}

/// Lines that report a problem at a place (`file.go:3:2: …`), without the
/// place, which the fix may have moved.
fn diagnostics(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter(|l| is_diagnostic(l))
        .map(without_position)
        .collect()
}

fn is_diagnostic(line: &str) -> bool {
    line.contains(".go:")
}

fn without_position(line: &str) -> String {
    let line = line.trim_start_matches("vet: ");
    match line.find(".go:") {
        Some(at) => {
            let rest = &line[at + 4..];
            let message = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':');
            format!("{}.go: {}", &line[..at], message.trim())
        }
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_moved_by_the_fix_is_the_same_diagnostic() {
        assert_eq!(
            without_position("vet: a/b.go:12:3: unreachable code"),
            without_position("a/b.go:14:3: unreachable code")
        );
        assert_ne!(
            without_position("a/b.go:12:3: unreachable code"),
            without_position("a/b.go:12:3: x declared and not used")
        );
    }
}
