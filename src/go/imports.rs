//! The import declarations of a file: which local name stands for which path.

use super::syntax::{descendants, text};
use tree_sitter::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name the file uses (`tst` in `import tst "testing"`, else the
    /// package's default name guessed from the path).
    pub local_name: String,
    pub path: String,
}

pub fn imports(root: Node, source: &str) -> Vec<Import> {
    descendants(root)
        .into_iter()
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

/// The last path element, skipping a major-version suffix (`…/v2`).
pub fn default_package_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    match (is_version, parts.next()) {
        (true, Some(previous)) => previous,
        _ => last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_skip_major_versions() {
        assert_eq!(default_package_name("testing"), "testing");
        assert_eq!(default_package_name("github.com/a/b/v2"), "b");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml.v3");
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
