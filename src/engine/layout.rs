//! The last check on fixed files: gofmt must leave what the fixes changed
//! as it is (issue 20: "after every fix the file must still parse and
//! gofmt must not change it"). Only the top-level declarations the fixes
//! changed go to gofmt, and the files of a whole scan in one run of it:
//! a fix in a 500 KB test file costs milliseconds, and a scan of many
//! fixed files one process.

use crate::go::narrow::TopLevel;
use std::collections::HashSet;

/// What `as_file` puts above declarations that come without their file's
/// package clause.
const PACKAGE: &str = "package p\n\n";

/// For each (original, fixed) text (LF line ends), the line (1-based, in
/// the fixed text) of the first change gofmt would lay out otherwise,
/// when the same declarations of the original were gofmt's layout: a fix
/// must not spoil a formatted file, and is not blamed for an author's
/// own layout. All None when there is no gofmt to ask (no `go` on PATH).
pub fn unformatted_changes(files: &[(&str, &str)]) -> Vec<Option<usize>> {
    let mut found = vec![None; files.len()];
    let Some(gofmt) = crate::gocheck::gofmt() else {
        return found;
    };
    let snippets: Vec<String> = files
        .iter()
        .map(|(original, fixed)| as_file(fixed, &changed_items(fixed, original)))
        .collect();
    let Some(listed) = gofmt.unformatted_among(&snippets) else {
        return found;
    };
    // Rare: then file by file.
    for i in listed {
        let (original, fixed) = files[i];
        let before = as_file(original, &changed_items(original, fixed));
        if gofmt.leaves_unchanged(&before) == Some(true) {
            found[i] = first_unformatted_line(fixed, original).or(Some(1));
        }
    }
    found
}

/// The line of the first change of `fixed` gofmt lays out otherwise, one
/// changed declaration at a time.
fn first_unformatted_line(fixed: &str, original: &str) -> Option<usize> {
    let gofmt = crate::gocheck::gofmt()?;
    changed_items(fixed, original).into_iter().find_map(|item| {
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
pub(crate) fn changed_items(text: &str, other: &str) -> Vec<(usize, usize)> {
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
        assert_eq!(unformatted_changes(&[(ORIGINAL, &fixed)]), [None]);
    }

    #[test]
    fn a_fix_that_breaks_gofmt_layout_is_named_by_its_line() {
        if !gofmt_or_skip() {
            return;
        }
        let fixed = ORIGINAL.replace("fmt.Println(2)", "fmt.Println( 2 )");
        assert_eq!(unformatted_changes(&[(ORIGINAL, &fixed)]), [Some(10)]);
    }

    #[test]
    fn an_author_layout_is_not_blamed_on_the_fix() {
        if !gofmt_or_skip() {
            return;
        }
        let original = ORIGINAL.replace("fmt.Println(2)", "fmt.Println( 2 )");
        let fixed = original.replace("Println( 2 )", "Println( 3 )");
        assert_eq!(unformatted_changes(&[(&original, &fixed)]), [None]);
    }

    #[test]
    fn a_changed_import_block_is_checked_too() {
        if !gofmt_or_skip() {
            return;
        }
        let fixed = ORIGINAL.replace("import \"fmt\"", "import (\n\"fmt\"\n\t\"os\"\n)");
        assert_eq!(unformatted_changes(&[(ORIGINAL, &fixed)]), [Some(4)]);
    }

    #[test]
    fn one_gofmt_run_judges_many_files_and_names_only_the_spoiled() {
        if !gofmt_or_skip() {
            return;
        }
        let good = ORIGINAL.replace("Println(2)", "Println(3)");
        let bad = ORIGINAL.replace("fmt.Println(1)", "fmt.Println( 1 )");
        let files = [
            (ORIGINAL, good.as_str()),
            (ORIGINAL, bad.as_str()),
            (ORIGINAL, ORIGINAL),
        ];
        assert_eq!(unformatted_changes(&files), [None, Some(6), None]);
    }
}
