//! The import declarations of a file: which local name stands for which path.

use super::syntax::{descendants, indentation, line_start, named_children, next_line_start, text};
use tree_sitter::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name the file uses (`tst` in `import tst "testing"`, else the
    /// package's default name guessed from the path).
    pub local_name: String,
    pub path: String,
}

pub fn imports(root: Node, source: &str) -> Vec<Import> {
    // Imports are top-level: the bodies (most of the tree) are not walked.
    named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "import_declaration")
        .flat_map(descendants)
        .filter(|n| n.kind() == "import_spec")
        .filter_map(|spec| {
            let path_node = spec.child_by_field_name("path")?;
            let path = text(path_node, source).trim_matches(['"', '`']).to_string();
            let local_name = match spec.child_by_field_name("name") {
                Some(name) => text(name, source).to_string(),
                None => default_package_name(&path).to_string(),
            };
            Some(Import { local_name, path })
        })
        .collect()
}

/// Whether code of `source` (not its strings or comments) qualifies a
/// name with `package` (`require.NoError`): whether an import under that
/// name is still used. A lexer, not a parse: asked after each edit, and
/// code tree-sitter-go does not parse (go::error_nodes) counts as well.
pub fn names_package(source: &str, package: &str) -> bool {
    let bytes = source.as_bytes();
    let Some(&first) = bytes.first().and(package.as_bytes().first()) else {
        return false;
    };
    let in_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut found = false;
    let wanted = super::narrow::ByteSet::of(&[first]);
    super::narrow::walk_code_bytes(source, 0, bytes.len(), &wanted, |i, _, _| {
        let after = i + package.len();
        found = bytes[i..].starts_with(package.as_bytes())
            && (i == 0 || !(in_name(bytes[i - 1]) || bytes[i - 1] == b'.'))
            && bytes[after..]
                .iter()
                .find(|b| !matches!(b, b' ' | b'\t'))
                .is_some_and(|&b| b == b'.');
        !found
    });
    found
}

/// The name a package is conventionally declared with: the last path
/// element, skipping a major-version suffix (`…/v2`), without the
/// `gopkg.in` version (`yaml.v3`) and the `go-` / `-go` / `.go` that name
/// repositories, not packages (`go-sqlite3`, `madmin-go/v3`). A package
/// declared otherwise must be imported under an alias to be matched.
pub fn default_package_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let element = match (is_major_version(last), parts.next()) {
        (true, Some(previous)) => previous,
        _ => last,
    };
    let element = match element.rsplit_once(".v") {
        Some((name, version)) if is_major_version(&format!("v{version}")) => name,
        _ => element,
    };
    let element = element.strip_prefix("go-").unwrap_or(element);
    element
        .strip_suffix("-go")
        .or_else(|| element.strip_suffix(".go"))
        .unwrap_or(element)
}

fn is_major_version(element: &str) -> bool {
    element.len() > 1
        && element.starts_with('v')
        && element[1..].chars().all(|c| c.is_ascii_digit())
}

/// The edit `(start, end, replacement)` that imports `path` in gofmt
/// order, or `None` when the file imports it already:
/// - into an `import ( … )` block, at its sorted place in the first group;
/// - a single `import "x"` becomes a block (standard library first, then a
///   blank line before other modules' paths, as goimports groups them);
/// - a file without imports gets one after its package clause.
pub fn import_edit(root: Node, source: &str, path: &str) -> Option<(usize, usize, String)> {
    if imports(root, source).iter().any(|i| i.path == path) {
        return None;
    }
    let decls: Vec<Node> = named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "import_declaration")
        .collect();
    let quoted = format!("\"{path}\"");
    let Some(decl) = decls.first() else {
        let package = named_children(root)
            .into_iter()
            .find(|n| n.kind() == "package_clause")?;
        let at = next_line_start(source, package.end_byte());
        return Some((at, at, format!("\nimport {quoted}\n")));
    };
    if let Some(list) = named_children(*decl)
        .into_iter()
        .find(|n| n.kind() == "import_spec_list")
    {
        return Some(insert_into_block(list, source, &quoted));
    }
    let spec = named_children(*decl)
        .into_iter()
        .find(|n| n.kind() == "import_spec")?;
    let existing = text(spec, source);
    let existing_path = text(spec.child_by_field_name("path")?, source);
    let block = if is_standard(existing_path) {
        let mut lines = [existing, quoted.as_str()];
        lines.sort_by_key(|l| spec_path(l).to_string());
        format!("import (\n\t{}\n\t{}\n)", lines[0], lines[1])
    } else {
        format!("import (\n\t{quoted}\n\n\t{existing}\n)")
    };
    Some((decl.start_byte(), decl.end_byte(), block))
}

/// One edit that imports every path of `paths` the file lacks, or `None`.
/// Edits for several paths may touch the same lines (a single import
/// becoming a block), so they are applied one after another to a copy and
/// the changed span is returned as one replacement.
pub fn imports_edit(source: &str, paths: &[&str]) -> Option<(usize, usize, String)> {
    imports_change(source, paths, &[])
}

/// One edit that imports `add` (those the file lacks) and drops the
/// imports of `remove`, or `None` when nothing changes.
pub fn imports_change(
    source: &str,
    add: &[&str],
    remove: &[&str],
) -> Option<(usize, usize, String)> {
    // Only the header is parsed: error nodes in function bodies (syntax
    // tree-sitter-go does not know, see go::error_nodes) do not stop an
    // import a fix elsewhere needs.
    let header = |text: &str| {
        let end = super::narrow::header_end(text).unwrap_or(text.len());
        super::parse::parse_keeping_errors(&text[..end]).tree
    };
    let mut current = source.to_string();
    for path in add {
        let tree = header(&current);
        if let Some((start, end, text)) = import_edit(tree.root_node(), &current, path) {
            current.replace_range(start..end, &text);
        }
    }
    for path in remove {
        let tree = header(&current);
        if let Some((start, end)) = import_removal(tree.root_node(), &current, path) {
            current.replace_range(start..end, "");
        }
    }
    changed_span(source, &current)
}

/// The byte range to delete so that the file no longer imports `path`:
/// its spec's line in a block (with a blank line it would leave at the
/// block's edge), or the whole declaration when it is the only import.
fn import_removal(root: Node, source: &str, path: &str) -> Option<(usize, usize)> {
    let spec = named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "import_declaration")
        .flat_map(descendants)
        .find(|n| {
            n.kind() == "import_spec"
                && n.child_by_field_name("path")
                    .is_some_and(|p| text(p, source).trim_matches(['"', '`']) == path)
        })?;
    let list = spec.parent().filter(|p| p.kind() == "import_spec_list");
    let specs_in_list = list.map_or(1, |l| {
        named_children(l)
            .into_iter()
            .filter(|n| n.kind() == "import_spec")
            .count()
    });
    let line = if specs_in_list == 1 {
        let decl = list
            .and_then(|l| l.parent())
            .unwrap_or_else(|| spec.parent().unwrap_or(spec));
        (
            line_start(source, decl.start_byte()),
            next_line_start(source, decl.end_byte()),
        )
    } else {
        (
            line_start(source, spec.start_byte()),
            next_line_start(source, spec.end_byte()),
        )
    };
    let (mut start, mut end) = line;
    let line_text = |at: usize| source[at..next_line_start(source, at)].trim();
    let before = (start > 0).then(|| line_start(source, start - 1));
    let after_is_edge = end >= source.len() || matches!(line_text(end), "" | ")");
    let before_is_edge = before.is_none_or(|b| matches!(line_text(b), "" | "import ("));
    if after_is_edge && before.is_some_and(|b| line_text(b).is_empty()) {
        start = before.unwrap_or(start);
    } else if before_is_edge && end < source.len() && line_text(end).is_empty() {
        end = next_line_start(source, end);
    }
    Some((start, end))
}

/// The part of `source` that `changed` replaced, as one edit.
fn changed_span(source: &str, current: &str) -> Option<(usize, usize, String)> {
    if current == source {
        return None;
    }
    let prefix = source
        .bytes()
        .zip(current.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let prefix = floor_char_boundary(source, prefix);
    let suffix = source[prefix..]
        .bytes()
        .rev()
        .zip(current[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let end = source.len() - suffix;
    let new_end = current.len() - suffix;
    let end = ceil_char_boundary(source, end);
    let new_end = new_end + (end - (source.len() - suffix));
    Some((prefix, end, current[prefix..new_end].to_string()))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn insert_into_block(list: Node, source: &str, quoted: &str) -> (usize, usize, String) {
    let specs: Vec<Node> = named_children(list)
        .into_iter()
        .filter(|n| n.kind() == "import_spec")
        .collect();
    let Some(first) = specs.first() else {
        let at = list.start_byte() + 1;
        return (at, at, format!("\n\t{quoted}"));
    };
    // Groups: specs separated by blank lines. A path joins the first
    // group of its kind (standard library or not), as goimports groups.
    let mut groups: Vec<Vec<Node>> = vec![vec![*first]];
    for pair in specs.windows(2) {
        let between = &source[pair[0].end_byte()..pair[1].start_byte()];
        if between.matches('\n').count() > 1 {
            groups.push(Vec::new());
        }
        groups.last_mut().unwrap().push(pair[1]);
    }
    let indent = indentation(source, first.start_byte()).to_string();
    let standard = is_standard(quoted);
    let Some(group) = groups.iter().find(|g| {
        let path = text(g[0], source);
        is_standard(spec_path(path)) == standard
    }) else {
        // No group of its kind: a new one, before the others for the
        // standard library, after them for the rest.
        return if standard {
            let at = line_start(source, first.start_byte());
            (at, at, format!("{indent}{quoted}\n\n"))
        } else {
            let last = specs.last().unwrap();
            let at = next_line_start(source, last.end_byte());
            (at, at, format!("\n{indent}{quoted}\n"))
        };
    };
    let line = format!("{indent}{quoted}\n");
    let path = spec_path(quoted);
    match group.iter().find(|s| spec_path(text(**s, source)) > path) {
        Some(next) => {
            let at = line_start(source, next.start_byte());
            (at, at, line)
        }
        None => {
            let at = next_line_start(source, group.last().unwrap().end_byte());
            (at, at, line)
        }
    }
}

/// The path of an import spec's text (`name "path"` or `"path"`).
fn spec_path(spec: &str) -> &str {
    spec.rsplit(' ')
        .next()
        .unwrap_or(spec)
        .trim_matches(['"', '`'])
}

/// Standard-library paths have no dot in their first element.
fn is_standard(quoted_path: &str) -> bool {
    let path = quoted_path.trim_matches(['"', '`']);
    !path.split('/').next().unwrap_or("").contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_is_named_only_by_code_that_qualifies_with_it() {
        let file =
            |body: &str| format!("package p\n\nimport \"x/require\"\n\nfunc F() {{\n{body}\n}}\n");
        for used in [
            "\trequire.NoError(t, err)",
            "\t_ = require .Equal",
            "\tf(require.New(t))",
        ] {
            assert!(names_package(&file(used), "require"), "{used}");
        }
        for unused in [
            "\t// require.NoError(t, err)",
            "\t_ = \"require.NoError\"",
            "\t_ = `require.X`",
            "\t_ = s.require.X",
            "\t_ = myrequire.X",
            "\trequire := 1\n\t_ = require",
            "\t/* require.X */",
        ] {
            assert!(!names_package(&file(unused), "require"), "{unused}");
        }
    }

    #[test]
    fn default_names_skip_major_versions() {
        assert_eq!(default_package_name("testing"), "testing");
        assert_eq!(default_package_name("github.com/a/b/v2"), "b");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(
            default_package_name("github.com/minio/madmin-go/v3"),
            "madmin"
        );
        assert_eq!(
            default_package_name("github.com/mattn/go-sqlite3"),
            "sqlite3"
        );
    }

    fn with_import(src: &str, path: &str) -> String {
        let tree = crate::go::parse::parse(src).unwrap();
        match import_edit(tree.root_node(), src, path) {
            Some((start, end, text)) => format!("{}{}{}", &src[..start], text, &src[end..]),
            None => src.to_string(),
        }
    }

    #[test]
    fn imports_are_added_once_in_gofmt_order() {
        let block = "package x\n\nimport (\n\t\"context\"\n\t\"sync\"\n\n\t\"example.com/pb\"\n)\n";
        assert_eq!(
            with_import(block, "slices"),
            "package x\n\nimport (\n\t\"context\"\n\t\"slices\"\n\t\"sync\"\n\n\t\"example.com/pb\"\n)\n"
        );
        assert_eq!(with_import(block, "sync"), block);
        assert_eq!(
            with_import("package x\n\nimport \"fmt\"\n", "slices"),
            "package x\n\nimport (\n\t\"fmt\"\n\t\"slices\"\n)\n"
        );
        assert_eq!(
            with_import("package x\n\nimport pb \"example.com/pb\"\n", "slices"),
            "package x\n\nimport (\n\t\"slices\"\n\n\tpb \"example.com/pb\"\n)\n"
        );
        assert_eq!(
            with_import("package x\n\nfunc f() {}\n", "maps"),
            "package x\n\nimport \"maps\"\n\nfunc f() {}\n"
        );
    }

    #[test]
    fn several_imports_become_one_edit() {
        let src = "package x\n\nimport \"database/sql\"\n\nfunc f() {}\n";
        let (start, end, text) = imports_edit(src, &["time", "context", "database/sql"]).unwrap();
        let got = format!("{}{}{}", &src[..start], text, &src[end..]);
        assert_eq!(
            got,
            "package x\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\t\"time\"\n)\n\nfunc f() {}\n"
        );
        assert_eq!(imports_edit(src, &["database/sql"]), None);
    }

    fn changed(src: &str, add: &[&str], remove: &[&str]) -> String {
        match imports_change(src, add, remove) {
            Some((start, end, text)) => format!("{}{}{}", &src[..start], text, &src[end..]),
            None => src.to_string(),
        }
    }

    #[test]
    fn paths_join_the_group_of_their_kind() {
        let src = "package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/require\"\n)\n";
        assert_eq!(
            changed(src, &["github.com/stretchr/testify/assert"], &[]),
            "package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/assert\"\n\t\"github.com/stretchr/testify/require\"\n)\n"
        );
        let std_only = "package x\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n";
        assert_eq!(
            changed(std_only, &["example.com/m/testutil"], &[]),
            "package x\n\nimport (\n\t\"testing\"\n\t\"time\"\n\n\t\"example.com/m/testutil\"\n)\n"
        );
    }

    #[test]
    fn imports_are_removed_with_their_blank_line() {
        let src = "package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/require\"\n)\n";
        assert_eq!(
            changed(src, &[], &["github.com/stretchr/testify/require"]),
            "package x\n\nimport (\n\t\"testing\"\n)\n"
        );
        assert_eq!(
            changed(
                src,
                &["github.com/stretchr/testify/assert"],
                &["github.com/stretchr/testify/require"]
            ),
            "package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/assert\"\n)\n"
        );
        let single = "package x\n\nimport \"fmt\"\n\nfunc f() {}\n";
        assert_eq!(changed(single, &[], &["fmt"]), "package x\n\nfunc f() {}\n");
        let first = "package x\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/a\"\n)\n";
        assert_eq!(
            changed(first, &[], &["fmt"]),
            "package x\n\nimport (\n\t\"example.com/a\"\n)\n"
        );
    }

    #[test]
    fn reads_aliases_and_groups() {
        let src = "package x\n\nimport (\n\ttst \"testing\"\n\t\"sync\"\n)\n";
        let tree = crate::go::parse::parse(src).unwrap();
        let got = imports(tree.root_node(), src);
        assert_eq!(
            got,
            vec![
                Import {
                    local_name: "tst".into(),
                    path: "testing".into()
                },
                Import {
                    local_name: "sync".into(),
                    path: "sync".into()
                },
            ]
        );
    }
}
