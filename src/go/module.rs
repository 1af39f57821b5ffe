//! go.mod: the module's import path, the Go version its code targets and
//! the modules it requires.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The folder holding go.mod.
    pub root: PathBuf,
    /// The `module` line: the import path of `root`.
    pub path: String,
    /// The `go` line as (major, minor), e.g. (1, 22).
    pub go_version: Option<(u32, u32)>,
    /// Module paths of `require` lines (direct and indirect).
    pub requires: Vec<String>,
}

impl Module {
    /// True when the module targets at least Go `major.minor`; unknown
    /// versions are treated as old, so a fix never needs a newer library.
    pub fn go_at_least(&self, major: u32, minor: u32) -> bool {
        self.go_version.is_some_and(|v| v >= (major, minor))
    }

    /// True when go.mod requires the module `path` (a driver, say).
    pub fn requires_module(&self, path: &str) -> bool {
        self.requires.iter().any(|r| r == path)
    }

    /// The folder of a package of this module, or `None` for other modules.
    pub fn package_dir(&self, import_path: &str) -> Option<PathBuf> {
        if import_path == self.path {
            return Some(self.root.clone());
        }
        let rest = import_path.strip_prefix(&self.path)?.strip_prefix('/')?;
        Some(self.root.join(rest))
    }
}

/// The nearest go.mod at or above `dir`.
pub fn find_module(dir: &Path) -> Option<Module> {
    let mut current = Some(dir);
    while let Some(d) = current {
        let go_mod = d.join("go.mod");
        if let Ok(text) = std::fs::read_to_string(&go_mod) {
            let parsed = parse_go_mod(&text);
            return Some(Module {
                root: d.to_path_buf(),
                path: parsed.path?,
                go_version: parsed.go_version,
                requires: parsed.requires,
            });
        }
        current = d.parent();
    }
    None
}

#[derive(Debug, Default)]
pub struct GoMod {
    pub path: Option<String>,
    pub go_version: Option<(u32, u32)>,
    pub requires: Vec<String>,
}

pub fn parse_go_mod(text: &str) -> GoMod {
    let mut parsed = GoMod::default();
    let mut in_require_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_require_block {
            if line == ")" {
                in_require_block = false;
            } else if let Some(path) = line.split_whitespace().next() {
                parsed.requires.push(path.trim_matches('"').to_string());
            }
        } else if let Some(rest) = line.strip_prefix("module ") {
            parsed.path = Some(rest.trim().trim_matches('"').to_string());
        } else if let Some(rest) = line.strip_prefix("go ") {
            parsed.go_version = parse_version(rest.trim());
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_require_block = true;
            } else if let Some(path) = rest.split_whitespace().next() {
                parsed.requires.push(path.trim_matches('"').to_string());
            }
        }
    }
    parsed
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_text: String = parts
        .next()
        .unwrap_or("0")
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some((major, minor_text.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_module_path_and_version() {
        let parsed = parse_go_mod(
            "// c\nmodule example.com/svc // x\n\ngo 1.21.4\n\nrequire x v1\nrequire (\n\tgithub.com/go-sql-driver/mysql v1.8.1\n\tfilippo.io/edwards25519 v1.1.0 // indirect\n)\n",
        );
        assert_eq!(parsed.path.as_deref(), Some("example.com/svc"));
        assert_eq!(parsed.go_version, Some((1, 21)));
        assert_eq!(
            parsed.requires,
            [
                "x",
                "github.com/go-sql-driver/mysql",
                "filippo.io/edwards25519"
            ]
        );
        assert_eq!(
            parse_go_mod("module m\ngo 1.22rc1\n").go_version,
            Some((1, 22))
        );
        let m = Module {
            root: "/r".into(),
            path: "example.com/svc".into(),
            go_version: Some((1, 19)),
            requires: Vec::new(),
        };
        assert!(!m.go_at_least(1, 21));
        assert_eq!(
            m.package_dir("example.com/svc/gen/pb"),
            Some(PathBuf::from("/r/gen/pb"))
        );
        assert_eq!(m.package_dir("example.com/svcx"), None);
    }
}
