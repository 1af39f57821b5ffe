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
    /// `require` lines as (module path, version).
    pub versions: Vec<(String, String)>,
    /// `replace` lines as (module path, target): a folder (`./x`, `../x`,
    /// `/abs`) or `path version`.
    pub replaces: Vec<(String, String)>,
    /// The modules of its `go.work`, read when an import first asks.
    pub workspace: std::sync::OnceLock<Vec<(PathBuf, String)>>,
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
        package_in(&self.root, &self.path, import_path)
    }

    /// The folder holding the package `import_path` on this machine, as
    /// the go command would find it: this module, its `vendor/`, the
    /// other modules of its `go.work`, a `replace` target, or the module
    /// cache at the required version. `None` when it is none of these (the
    /// standard library, or a module not downloaded).
    pub fn locate(&self, import_path: &str) -> Option<PathBuf> {
        if let Some(dir) = self.package_dir(import_path) {
            return Some(dir);
        }
        let vendored = self.root.join("vendor").join(import_path);
        if vendored.is_dir() {
            return Some(vendored);
        }
        let workspace = self.workspace.get_or_init(|| workspace_modules(&self.root));
        for (root, path) in workspace {
            if let Some(dir) = package_in(root, path, import_path).filter(|d| d.is_dir()) {
                return Some(dir);
            }
        }
        if is_standard(import_path) {
            return goroot()
                .map(|root| root.join("src").join(import_path))
                .filter(|dir| dir.is_dir());
        }
        let (module, version) = self.dependency_of(import_path)?;
        let rest = &import_path[module.len()..];
        let dir = match version {
            Target::Folder(folder) => folder.join(rest.trim_start_matches('/')),
            Target::Version(path, version) => module_cache()?
                .join(format!("{}@{version}", escape_module_path(&path)))
                .join(rest.trim_start_matches('/')),
        };
        dir.is_dir().then_some(dir)
    }

    /// The required module holding `import_path` (the longest prefix), and
    /// where its source is: a replacement folder or a version.
    fn dependency_of(&self, import_path: &str) -> Option<(String, Target)> {
        let holds = |m: &str| {
            import_path == m
                || import_path
                    .strip_prefix(m)
                    .is_some_and(|r| r.starts_with('/'))
        };
        let (module, version) = self
            .versions
            .iter()
            .filter(|(m, _)| holds(m))
            .max_by_key(|(m, _)| m.len())?;
        let replaced = self.replaces.iter().find(|(m, _)| m == module);
        let target = match replaced.map(|(_, t)| t.as_str()) {
            Some(t) if t.starts_with('.') || t.starts_with('/') => {
                Target::Folder(self.root.join(t))
            }
            Some(t) => {
                let mut parts = t.split_whitespace();
                let path = parts.next()?.to_string();
                Target::Version(path, parts.next().unwrap_or(version).to_string())
            }
            None => Target::Version(module.clone(), version.clone()),
        };
        Some((module.clone(), target))
    }
}

enum Target {
    Folder(PathBuf),
    Version(String, String),
}

/// The Go files of the module rooted at `root`, tests included: not
/// `vendor/`, `testdata/`, hidden folders or nested modules.
pub fn go_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                let skipped = name.starts_with(['.', '_'])
                    || name == "vendor"
                    || name == "testdata"
                    || path.join("go.mod").exists();
                if !skipped {
                    dirs.push(path);
                }
            } else if name.ends_with(".go") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The package `import_path` within the module `path` rooted at `root`.
fn package_in(root: &Path, path: &str, import_path: &str) -> Option<PathBuf> {
    if import_path == path {
        return Some(root.to_path_buf());
    }
    let rest = import_path.strip_prefix(path)?.strip_prefix('/')?;
    Some(root.join(rest))
}

/// A standard-library path: its first element has no dot (`net/http`).
fn is_standard(import_path: &str) -> bool {
    !import_path
        .split('/')
        .next()
        .unwrap_or(import_path)
        .contains('.')
}

/// `$GOROOT`, else what `go env GOROOT` says (asked once per run).
pub fn goroot() -> Option<PathBuf> {
    static GOROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    GOROOT
        .get_or_init(|| {
            if let Some(dir) = std::env::var_os("GOROOT").filter(|d| !d.is_empty()) {
                return Some(PathBuf::from(dir));
            }
            let out = std::process::Command::new("go")
                .args(["env", "GOROOT"])
                .stderr(std::process::Stdio::null())
                .output()
                .ok()?;
            let text = String::from_utf8(out.stdout).ok()?;
            let dir = text.trim();
            (out.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
        })
        .clone()
}

/// The module cache: `$GOMODCACHE`, else `$GOPATH/pkg/mod` (the first
/// GOPATH entry), else `~/go/pkg/mod`, as the go command defaults.
fn module_cache() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GOMODCACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let gopath = std::env::var_os("GOPATH")
        .filter(|d| !d.is_empty())
        .and_then(|d| std::env::split_paths(&d).next())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("go")))?;
    Some(gopath.join("pkg").join("mod"))
}

/// The module cache spells capitals as `!` and the lower-case letter, so
/// that paths differing in case do not collide on case-folding disks.
fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The modules of the nearest `go.work` at or above `dir`: (root, path).
fn workspace_modules(dir: &Path) -> Vec<(PathBuf, String)> {
    let Some((work_dir, text)) = std::iter::successors(Some(dir), |d| d.parent())
        .find_map(|d| Some((d, std::fs::read_to_string(d.join("go.work")).ok()?)))
    else {
        return Vec::new();
    };
    directive_values(&text, "use")
        .into_iter()
        .filter_map(|used| {
            let root = work_dir.join(used.trim_matches('"'));
            let go_mod = std::fs::read_to_string(root.join("go.mod")).ok()?;
            Some((root, parse_go_mod(&go_mod).path?))
        })
        .collect()
}

/// The values of a directive, written alone (`use ./a`) or as a block.
fn directive_values(text: &str, directive: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if line == ")" {
                in_block = false;
            } else if !line.is_empty() {
                values.push(line.to_string());
            }
        } else if let Some(rest) = line.strip_prefix(directive) {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
            } else if !rest.is_empty() && line.as_bytes()[directive.len()].is_ascii_whitespace() {
                values.push(rest.to_string());
            }
        }
    }
    values
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
                versions: parsed.versions,
                replaces: parsed.replaces,
                workspace: Default::default(),
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
    pub versions: Vec<(String, String)>,
    pub replaces: Vec<(String, String)>,
}

pub fn parse_go_mod(text: &str) -> GoMod {
    let mut parsed = GoMod::default();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("module ") {
            parsed.path = Some(rest.trim().trim_matches('"').to_string());
        } else if let Some(rest) = line.strip_prefix("go ") {
            parsed.go_version = parse_version(rest.trim());
        }
    }
    for require in directive_values(text, "require") {
        let mut parts = require.split_whitespace();
        if let Some(path) = parts.next() {
            let path = path.trim_matches('"').to_string();
            parsed.requires.push(path.clone());
            if let Some(version) = parts.next() {
                parsed.versions.push((path, version.to_string()));
            }
        }
    }
    for replace in directive_values(text, "replace") {
        if let Some((old, new)) = replace.split_once("=>") {
            let old = old
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('"');
            parsed
                .replaces
                .push((old.to_string(), new.trim().trim_matches('"').to_string()));
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
            versions: Vec::new(),
            replaces: Vec::new(),
            workspace: Default::default(),
        };
        assert!(!m.go_at_least(1, 21));
        assert_eq!(
            m.package_dir("example.com/svc/gen/pb"),
            Some(PathBuf::from("/r/gen/pb"))
        );
        assert_eq!(m.package_dir("example.com/svcx"), None);
    }

    #[test]
    fn reads_replacements_and_versions() {
        let parsed = parse_go_mod(
            "module m\nrequire (\n\texample.com/pb v1.2.0\n)\nreplace example.com/pb => ../pb\nreplace (\n\tx.io/y v1.0.0 => x.io/z v1.1.0\n)\n",
        );
        assert_eq!(
            parsed.versions,
            [("example.com/pb".to_string(), "v1.2.0".to_string())]
        );
        assert_eq!(
            parsed.replaces,
            [
                ("example.com/pb".to_string(), "../pb".to_string()),
                ("x.io/y".to_string(), "x.io/z v1.1.0".to_string())
            ]
        );
        assert_eq!(
            escape_module_path("github.com/Azure/x"),
            "github.com/!azure/x"
        );
    }

    #[test]
    fn locates_packages_of_workspace_replace_and_cache() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("go.work", "go 1.22\n\nuse (\n\t./svc\n\t./api\n)\n");
        write("api/go.mod", "module example.com/api\n");
        write("api/pb/x.go", "package pb\n");
        write(
            "svc/go.mod",
            "module example.com/svc\nrequire (\n\texample.com/local v0.0.0\n\texample.com/Cached v1.0.0\n)\nreplace example.com/local => ../local\n",
        );
        write("local/types/x.go", "package types\n");
        write("cache/example.com/!cached@v1.0.0/gen/x.go", "package gen\n");
        let module = find_module(&root.join("svc")).unwrap();
        assert_eq!(
            module.locate("example.com/api/pb"),
            Some(root.join("api/pb"))
        );
        assert_eq!(
            module.locate("example.com/local/types"),
            Some(root.join("svc/../local/types"))
        );
        std::env::set_var("GOMODCACHE", root.join("cache"));
        assert_eq!(
            module.locate("example.com/Cached/gen"),
            Some(root.join("cache/example.com/!cached@v1.0.0/gen"))
        );
        assert_eq!(module.locate("example.com/missing"), None);
        if goroot().is_some() {
            assert!(module
                .locate("net/http")
                .is_some_and(|d| d.join("request.go").is_file()));
        }
    }
}
