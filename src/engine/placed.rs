//! A finding's fix as a reader of the file places it: each edit's lines,
//! columns and byte offsets in the text as it was read, so that a script
//! or an editor applies exactly what `fixgen apply` writes.

use super::edit::{Fix, NewFile};
use crate::go::syntax::LineIndex;

/// A place in a file: 1-based line, 1-based column in bytes (as findings
/// print) and in UTF-16 code units (SARIF's default), and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
    pub utf16_column: usize,
    pub offset: usize,
}

/// Replace the bytes `start.offset..end.offset` of `path` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedEdit {
    pub path: String,
    pub start: Place,
    pub end: Place,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedFix {
    pub edits: Vec<PlacedEdit>,
    /// Files the fix adds beside the edited one.
    pub files: Vec<NewFile>,
}

impl PlacedFix {
    /// What identifies the fix among a round's: its edits' ranges and texts.
    pub(crate) fn key(&self) -> Vec<(usize, usize, &str)> {
        self.edits
            .iter()
            .map(|e| (e.start.offset, e.end.offset, e.text.as_str()))
            .collect()
    }

    /// The same fix in the file as read with CRLF line endings, where the
    /// engine worked on its text with `\n` alone: every earlier line's
    /// `\r` moves an offset by one, and inserted lines end as the file's.
    pub(crate) fn in_crlf(mut self) -> PlacedFix {
        for edit in &mut self.edits {
            edit.start.offset += edit.start.line - 1;
            edit.end.offset += edit.end.line - 1;
            edit.text = edit.text.replace('\n', "\r\n");
        }
        self
    }
}

pub fn place(source: &str, lines: &LineIndex, offset: usize) -> Place {
    let (line, column) = lines.line_column(offset);
    let line_start = offset + 1 - column;
    Place {
        line,
        column,
        utf16_column: source[line_start..offset].encode_utf16().count() + 1,
        offset,
    }
}

pub fn placed(fix: &Fix, path: &str, source: &str, lines: &LineIndex) -> PlacedFix {
    PlacedFix {
        edits: fix
            .edits
            .iter()
            .map(|e| PlacedEdit {
                path: path.to_string(),
                start: place(source, lines, e.start),
                end: place(source, lines, e.end),
                text: e.text.clone(),
            })
            .collect(),
        files: fix.files.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::edit::Edit;

    #[test]
    fn columns_count_bytes_and_utf16_units_and_crlf_moves_offsets() {
        let src = "package p\n\nvar é = 1\n";
        let lines = LineIndex::new(src);
        let at = src.find("= 1").unwrap();
        let fix = Fix::new("r", vec![Edit::replace(at, at + 3, "=\n2")]);
        let placed = placed(&fix, "p.go", src, &lines);
        let edit = &placed.edits[0];
        assert_eq!(
            (edit.start.line, edit.start.column, edit.start.utf16_column),
            (3, 8, 7)
        );
        let crlf = placed.clone().in_crlf();
        assert_eq!(crlf.edits[0].start.offset, at + 2);
        assert_eq!(crlf.edits[0].text, "=\r\n2");
    }
}
