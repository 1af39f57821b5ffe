//! The last check on a fixed file: gofmt must leave what the fixes
//! changed as it is (issue 20: "after every fix the file must still parse
//! and gofmt must not change it"). Only the top-level declarations the
//! fixes changed go to gofmt, each group in a file of its own: a fix in a
//! 500 KB test file costs a few milliseconds, not a format of the file.

use crate::go::narrow::TopLevel;
use std::collections::HashSet;

/// What `as_file` puts above declarations that come without their file's
/// package clause.
const PACKAGE: &str = "package p\n\n";

/// The line (1-based, in `fixed`) of the first changed declaration gofmt
/// would format otherwise, when the same declarations of `original` were
/// gofmt's layout: a fix must not spoil a formatted file, and is not
/// blamed for an author's own layout. None when all is well, or when
/// there is no gofmt to ask (no `go` on PATH).
pub fn unformatted_change(original: &str, fixed: &str) -> Option<usize> {
    let gofmt = crate::gocheck::gofmt()?;
    let changed = changed_items(fixed, original);
    if changed.is_empty() || gofmt.leaves_unchanged(&as_file(fixed, &changed)) != Some(false) {
        return None;
    }
    let before = changed_items(original, fixed);
    if gofmt.leaves_unchanged(&as_file(original, &before)) != Some(true) {
        return None;
    }
    // Rare: then one declaration at a time, for the line to name.
    changed.iter().find_map(|&item| {
        let alone = as_file(fixed, &[item]);
        let laid_out = gofmt.formatted(&alone)?;
        let differs = alone
            .lines()
            .zip(laid_out.lines().chain(std::iter::repeat("")))
            .position(|(a, b)| a != b)?;
        // The lines `as_file` put above the item.
        let above = match alone.starts_with(PACKAGE) {
            true => PACKAGE.matches('\n').count(),
            false => 0,
        };
        let item_line = fixed[..item.0].matches('\n').count() + 1;
        Some(item_line + differs.checked_sub(above)?)
    })
}

/// The top-level items of `text` (declarations, comment lines) whose
/// text `other` does not hold as an item of its own.
fn changed_items(text: &str, other: &str) -> Vec<(usize, usize)> {
    let others: HashSet<&str> = TopLevel::of(other)
        .items()
        .iter()
        .map(|&(start, end)| other[start..end].trim_end())
        .collect();
    TopLevel::of(text)
        .items()
        .iter()
        .copied()
        .filter(|&(start, end)| !others.contains(text[start..end].trim_end()))
        .collect()
}

/// A Go file of `items` of `text`, under a package clause unless one of
/// them is the file's own. gofmt lays out each top-level declaration on
/// its own, so what it says of them here holds in the file.
fn as_file(text: &str, items: &[(usize, usize)]) -> String {
    let parts: Vec<&str> = items
        .iter()
        .map(|&(start, end)| text[start..end].trim_end())
        .collect();
    let has_package = parts.iter().any(|p| p.starts_with("package"));
    let mut file = String::new();
    if !has_package {
        file.push_str(PACKAGE);
    }
    file.push_str(&parts.join("\n\n"));
    file.push('\n');
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gofmt_or_skip() -> bool {
        if crate::gocheck::gofmt().is_none() {
            eprintln!("SKIPPED: no `go` on PATH; gofmt layout checks not run");
            return false;
        }
        true
    }

    const ORIGINAL: &str = "package p\n\nimport \"fmt\"\n\nfunc A() {\n\tfmt.Println(1)\n}\n\nfunc B() {\n\tfmt.Println(2)\n}\n";

    #[test]
    fn a_fix_that_keeps_gofmt_layout_passes() {
        if !gofmt_or_skip() {
            return;
        }
        let fixed = ORIGINAL.replace("Println(2)", "Println(3)");
        assert_eq!(unformatted_change(ORIGINAL, &fixed), None);
    }

    #[test]
    fn a_fix_that_breaks_gofmt_layout_is_named_by_its_line() {
        if !gofmt_or_skip() {
            return;
        }
        let fixed = ORIGINAL.replace("fmt.Println(2)", "fmt.Println( 2 )");
        assert_eq!(unformatted_change(ORIGINAL, &fixed), Some(10));
    }

    #[test]
    fn an_author_layout_is_not_blamed_on_the_fix() {
        if !gofmt_or_skip() {
            return;
        }
        let original = ORIGINAL.replace("fmt.Println(2)", "fmt.Println( 2 )");
        let fixed = original.replace("Println( 2 )", "Println( 3 )");
        assert_eq!(unformatted_change(&original, &fixed), None);
    }

    #[test]
    fn a_changed_import_block_is_checked_too() {
        if !gofmt_or_skip() {
            return;
        }
        let fixed = ORIGINAL.replace("import \"fmt\"", "import (\n\"fmt\"\n\t\"os\"\n)");
        assert_eq!(unformatted_change(ORIGINAL, &fixed), Some(4));
    }
}
