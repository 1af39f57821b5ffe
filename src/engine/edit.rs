//! The edit model: a fix is a set of byte-range edits applied all or
//! nothing; fixes that overlap an accepted one wait for the next round.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Edit {
    pub fn replace(start: usize, end: usize, text: impl Into<String>) -> Self {
        Edit {
            start,
            end,
            text: text.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit::replace(at, at, text)
    }

    pub fn delete(start: usize, end: usize) -> Self {
        Edit::replace(start, end, "")
    }

    fn overlaps(&self, other: &Edit) -> bool {
        if self.start == self.end || other.start == other.end {
            // An insertion conflicts with anything touching its point but a
            // range that merely ends or starts there.
            let (point, range) = if self.start == self.end {
                (self, other)
            } else {
                (other, self)
            };
            return if range.start == range.end {
                point.start == range.start
            } else {
                range.start < point.start && point.start < range.end
            };
        }
        self.start < other.end && other.start < self.end
    }
}

/// A file a fix adds (a helper the fixed code calls), relative to the
/// repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub path: String,
    pub text: String,
}

/// One fix: edits that only make sense together, and the files they need.
#[derive(Debug, Clone)]
pub struct Fix {
    pub rule: String,
    pub edits: Vec<Edit>,
    pub files: Vec<NewFile>,
}

impl Fix {
    /// Sorts the edits and joins insertions at the same point in the order given.
    pub fn new(rule: impl Into<String>, mut edits: Vec<Edit>) -> Self {
        edits.sort_by_key(|e| (e.start, e.end));
        let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
        for edit in edits {
            if merged.last() == Some(&edit) {
                continue;
            }
            match merged.last_mut() {
                Some(last)
                    if last.start == last.end
                        && edit.start == last.start
                        && edit.end == edit.start =>
                {
                    last.text.push_str(&edit.text);
                }
                _ => merged.push(edit),
            }
        }
        Fix {
            rule: rule.into(),
            edits: merged,
            files: Vec::new(),
        }
    }

    /// Edits that overlap each other cannot be applied as one fix.
    pub fn is_consistent(&self) -> bool {
        self.edits.windows(2).all(|w| w[0].end <= w[1].start)
    }
}

/// The edit of `current` that removes the imports it uses and `next` (it
/// after `edits`) no longer does: the fixes took their last use. `None`
/// when there are none, or when an edit touched the import block itself
/// (a fix that imports what it uses also drops what it leaves unused).
pub fn unused_imports_removal(current: &str, next: &str, edits: &[&Edit]) -> Option<Edit> {
    use crate::go::imports::{imports, imports_change, names_package};
    let header_end = crate::go::narrow::header_end(next)?;
    let header = crate::go::parse::parse_keeping_errors(&next[..header_end]).tree;
    let unused: Vec<String> = imports(header.root_node(), next)
        .into_iter()
        .filter(|i| i.local_name != "_" && i.local_name != ".")
        .filter(|i| names_package(current, &i.local_name) && !names_package(next, &i.local_name))
        .map(|i| i.path)
        .collect();
    if unused.is_empty() {
        return None;
    }
    let paths: Vec<&str> = unused.iter().map(String::as_str).collect();
    let (start, end, text) = imports_change(next, &[], &paths)?;
    // Back to `current`'s offsets, through the edits before it.
    let mut sorted: Vec<&&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut shift: isize = 0;
    for edit in sorted {
        let edit_start = (edit.start as isize + shift) as usize;
        let edit_end = edit_start + edit.text.len();
        if edit_start >= end {
            break;
        }
        if edit_end > start {
            return None;
        }
        shift += edit.text.len() as isize - (edit.end - edit.start) as isize;
    }
    let back = |offset: usize| (offset as isize - shift) as usize;
    Some(Edit::replace(back(start), back(end), text))
}

/// Applies as many fixes as fit, in the order given, skipping any fix that
/// overlaps one already accepted. Returns the new text and the indices of
/// the fixes applied.
pub fn apply_fixes(source: &str, fixes: &[Fix]) -> (String, Vec<usize>) {
    let mut accepted: Vec<usize> = Vec::new();
    let mut taken = Taken::default();
    for (index, fix) in fixes.iter().enumerate() {
        if fix.edits.is_empty() || !fix.is_consistent() {
            continue;
        }
        if fix.edits.iter().all(|e| !taken.overlaps(e)) {
            taken
                .edits
                .extend(fix.edits.iter().map(|e| ((e.start, e.end), e)));
            accepted.push(index);
        }
    }
    let mut edits: Vec<&Edit> = accepted.iter().flat_map(|&i| &fixes[i].edits).collect();
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(source.len() + 64);
    let mut cursor = 0;
    for edit in edits {
        out.push_str(&source[cursor..edit.start]);
        out.push_str(&edit.text);
        cursor = edit.end;
    }
    out.push_str(&source[cursor..]);
    (out, accepted)
}

/// The edits of accepted fixes, by position. They do not overlap each
/// other, so a new edit can only overlap those that start within it and
/// the last one starting before it: each check is a lookup, not a pass over
/// every fix accepted so far (a file with thousands of fixes).
#[derive(Default)]
struct Taken<'f> {
    edits: std::collections::BTreeMap<(usize, usize), &'f Edit>,
}

impl Taken<'_> {
    fn overlaps(&self, edit: &Edit) -> bool {
        let before = self.edits.range(..(edit.start, 0)).next_back();
        let within = self.edits.range((edit.start, 0)..=(edit.end, usize::MAX));
        before
            .into_iter()
            .chain(within)
            .any(|(_, taken)| taken.overlaps(edit))
    }
}

/// Where lines of `source` are after `edits`: a line moves by the lines
/// inserted or removed by edits that end before it starts. 1-based.
pub fn moved_lines(source: &str, edits: &[&Edit], lines: &[usize]) -> Vec<usize> {
    let newlines = |s: &str| s.matches('\n').count() as isize;
    lines
        .iter()
        .map(|&line| {
            let start = source
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum::<usize>();
            let delta: isize = edits
                .iter()
                .filter(|e| e.end <= start)
                .map(|e| newlines(&e.text) - newlines(&source[e.start..e.end]))
                .sum();
            (line as isize + delta).max(1) as usize
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_two_edits_left_unused_is_removed_in_the_first_texts_offsets() {
        let current = "package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f() {\n\tfmt.Println()\n\tos.Exit(1)\n\tos.Exit(2)\n}\n";
        let first = current.find("os.Exit(1)").unwrap();
        let second = current.find("os.Exit(2)").unwrap();
        let edits = [
            Edit::replace(first, first + 10, "panic(1)"),
            Edit::replace(second, second + 10, "panic(2)"),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        let fix = Fix {
            rule: "r".into(),
            edits: edits.to_vec(),
            files: Vec::new(),
        };
        let (next, _) = apply_fixes(current, std::slice::from_ref(&fix));
        let removal = unused_imports_removal(current, &next, &refs).expect("os is unused");
        let mut all = fix.clone();
        all.edits.push(removal);
        all.edits.sort_by_key(|e| (e.start, e.end));
        let (fixed, applied) = apply_fixes(current, &[all]);
        assert_eq!(applied, [0]);
        assert_eq!(
            fixed,
            "package p\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() {\n\tfmt.Println()\n\tpanic(1)\n\tpanic(2)\n}\n"
        );
        // One use left: nothing to remove.
        let (one, _) = apply_fixes(
            current,
            &[Fix {
                edits: edits[..1].to_vec(),
                ..fix.clone()
            }],
        );
        assert!(unused_imports_removal(current, &one, &refs[..1]).is_none());
    }

    #[test]
    fn lines_move_with_the_lines_edits_add_before_them() {
        let src = "a\nb\nc\nd\n";
        // Insert two lines before b, and change c in place.
        let insert = Edit::replace(2, 2, "x\ny\n");
        let change = Edit::replace(4, 5, "C");
        assert_eq!(
            moved_lines(src, &[&insert, &change], &[1, 2, 3, 4]),
            vec![1, 4, 5, 6]
        );
        let remove = Edit::replace(0, 4, "");
        assert_eq!(moved_lines(src, &[&remove], &[3, 4]), vec![1, 2]);
    }

    #[test]
    fn overlapping_fixes_wait_and_insertions_merge() {
        let src = "abcdef";
        let a = Fix::new(
            "r",
            vec![
                Edit::replace(1, 3, "X"),
                Edit::insert(5, "1"),
                Edit::insert(5, "2"),
            ],
        );
        let b = Fix::new("r", vec![Edit::replace(2, 4, "Y")]);
        let c = Fix::new("r", vec![Edit::insert(0, ">")]);
        let (out, applied) = apply_fixes(src, &[a, b, c]);
        assert_eq!(out, ">aXde12f");
        assert_eq!(applied, vec![0, 2]);
    }

    #[test]
    fn a_fix_waits_for_any_accepted_edit_it_touches_wherever_that_starts() {
        let accepted = Fix::new("r", vec![Edit::replace(2, 6, "X")]);
        let conflicting = [
            Edit::insert(4, "i"),
            Edit::replace(5, 8, "s"),
            Edit::replace(0, 3, "e"),
            Edit::replace(3, 4, "w"),
            Edit::replace(1, 7, "o"),
        ];
        for edit in conflicting {
            let fixes = [accepted.clone(), Fix::new("r", vec![edit.clone()])];
            assert_eq!(apply_fixes("abcdefgh", &fixes).1, vec![0], "{edit:?}");
        }
        let beside = [Edit::insert(6, "+"), Edit::replace(0, 2, "<")];
        let fixes = [
            accepted,
            Fix::new("r", vec![beside[0].clone()]),
            Fix::new("r", vec![beside[1].clone()]),
        ];
        assert_eq!(
            apply_fixes("abcdefgh", &fixes),
            ("<X+gh".to_string(), vec![0, 1, 2])
        );
    }

    #[test]
    fn insertion_at_a_range_boundary_does_not_conflict() {
        let a = Fix::new("r", vec![Edit::replace(1, 3, "X")]);
        let b = Fix::new("r", vec![Edit::insert(3, "+")]);
        let (out, applied) = apply_fixes("abcd", &[a, b]);
        assert_eq!((out.as_str(), applied.len()), ("aX+d", 2));
    }
}
