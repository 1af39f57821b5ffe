//! From a stack frame as CI printed it to a file of this repository.
//!
//! A runner prints absolute paths of its own checkout
//! (`/home/runner/work/app/app/pkg/x_test.go`); the repository here lives
//! elsewhere. A frame maps onto the repository file sharing the longest
//! trailing run of path components with it, and only when the frame's
//! function belongs to that file's package (module path + folder), so a
//! `tools_test.go` of another repository, or of the Go toolchain, never maps.

use super::log::Frame;
use crate::go::module::{find_module, Module};
use crate::workspace::SourceFile;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Package folder → the repository package folders it imports.
pub type ImportGraph = HashMap<String, BTreeSet<String>>;

/// A frame placed in the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub line: usize,
    pub function: String,
}

impl Place {
    /// The package folder, relative to the root (`""` at the root).
    pub fn dir(&self) -> &str {
        dir_of(&self.path)
    }
}

pub use crate::workspace::dir_of;

/// The repository's Go files, indexed for placing frames.
pub struct Repo {
    root: PathBuf,
    files: Vec<SourceFile>,
    by_name: HashMap<String, Vec<usize>>,
    modules: RefCell<HashMap<String, Option<Arc<Module>>>>,
}

impl Repo {
    pub fn new(root: &Path, files: Vec<SourceFile>) -> Repo {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            by_name.entry(name.to_string()).or_default().push(i);
        }
        Repo {
            root: root.to_path_buf(),
            files,
            by_name,
            modules: RefCell::default(),
        }
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The files of the package in folder `dir` (relative), tests included.
    pub fn package_files(&self, dir: &str) -> Vec<SourceFile> {
        self.files
            .iter()
            .filter(|f| dir_of(&f.rel) == dir)
            .cloned()
            .collect()
    }

    /// The repository file a frame points at, if it is this repository's.
    pub fn place(&self, frame: &Frame) -> Option<Place> {
        let package = symbol_package(&frame.function);
        self.place_path(&frame.path, frame.line, Some(&package))
            .map(|mut place| {
                place.function = frame.function.clone();
                place
            })
    }

    /// The repository file a path printed by a CI runner stands for: the
    /// one sharing the longest tail of folders with it (in the Go package
    /// `package` when known).
    pub fn place_path(&self, path: &str, line: usize, package: Option<&str>) -> Option<Place> {
        let components: Vec<&str> = path.split(['/', '\\']).collect();
        let name = components.last()?;
        let mut best: Option<(usize, &SourceFile)> = None;
        let mut tie = false;
        for &i in self.by_name.get(*name)? {
            let file = &self.files[i];
            if package.is_some_and(|p| !self.declares_package(file, p)) {
                continue;
            }
            let shared = file
                .rel
                .split('/')
                .rev()
                .zip(components.iter().rev())
                .take_while(|(a, b)| a == *b)
                .count();
            match best {
                Some((n, _)) if n > shared => {}
                Some((n, _)) if n == shared => tie = true,
                _ => {
                    best = Some((shared, file));
                    tie = false;
                }
            }
        }
        let (_, file) = best.filter(|_| !tie)?;
        Some(Place {
            path: file.rel.clone(),
            line,
            function: String::new(),
        })
    }

    /// Whether `file` belongs to the Go package `package` (as a symbol
    /// names it: `example.com/m/pkg`, its external test package
    /// `example.com/m/pkg_test`, or `main`).
    fn declares_package(&self, file: &SourceFile, package: &str) -> bool {
        if package == "main" {
            return true;
        }
        let dir = dir_of(&file.rel);
        let Some(import_path) = self.import_path(dir) else {
            return false;
        };
        package == import_path || package.strip_suffix("_test") == Some(import_path.as_str())
    }

    fn module(&self, dir: &str) -> Option<Arc<Module>> {
        self.modules
            .borrow_mut()
            .entry(dir.to_string())
            .or_insert_with(|| find_module(&self.root.join(dir)).map(Arc::new))
            .clone()
    }

    /// The import path of the package in folder `dir`.
    pub fn import_path(&self, dir: &str) -> Option<String> {
        let module = self.module(dir)?;
        let abs = self.root.join(dir);
        let rest = abs.strip_prefix(&module.root).ok()?;
        let rest = rest.to_string_lossy().replace('\\', "/");
        Some(if rest.is_empty() {
            module.path.clone()
        } else {
            format!("{}/{rest}", module.path)
        })
    }

    /// The repository folder of an import path, if it is one of ours.
    fn dir_of_import(&self, from_dir: &str, import: &str) -> Option<String> {
        let module = self.module(from_dir)?;
        let abs = module.package_dir(import)?;
        let rel = abs.strip_prefix(&self.root).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// Package folder → the repository packages its non-test files import.
    pub fn import_graph(&self) -> ImportGraph {
        let mut graph: HashMap<String, BTreeSet<String>> = HashMap::new();
        for file in &self.files {
            let dir = dir_of(&file.rel).to_string();
            let entry = graph.entry(dir.clone()).or_default();
            if file.rel.ends_with("_test.go") {
                continue;
            }
            let Ok(source) = std::fs::read_to_string(&file.abs) else {
                continue;
            };
            for import in import_paths(&source) {
                if let Some(target) = self.dir_of_import(&dir, &import) {
                    if target != dir {
                        entry.insert(target);
                    }
                }
            }
        }
        graph
    }
}

/// The package of a symbol as the runtime prints it:
/// `example.com/m/pkg.(*T).Method.func1` → `example.com/m/pkg`. The last
/// path element's dots are escaped as `%2e` in symbols.
pub fn symbol_package(function: &str) -> String {
    let slash = function.rfind('/').map_or(0, |i| i + 1);
    let end = function[slash..]
        .find('.')
        .map_or(function.len(), |i| slash + i);
    function[..end].replace("%2e", ".")
}

/// The import paths of a Go file, read from its header without parsing:
/// the imports come before any declaration.
pub fn import_paths(source: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut in_block = false;
    for line in source.lines() {
        let line = line.trim();
        if in_block {
            if line.starts_with(')') {
                in_block = false;
            } else if let Some(path) = quoted(line) {
                paths.push(path);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("import") {
            let rest = rest.trim_start();
            if rest.starts_with('(') {
                in_block = true;
            } else if let Some(path) = quoted(rest) {
                paths.push(path);
            }
        } else if ["func ", "type ", "var ", "const "]
            .iter()
            .any(|d| line.starts_with(d))
        {
            break;
        }
    }
    paths
}

/// `name "path" // comment` → `path`.
fn quoted(spec: &str) -> Option<String> {
    let start = spec.find('"')?;
    let end = spec[start + 1..].find('"')? + start + 1;
    Some(spec[start + 1..end].to_string())
}

/// Folders on some import path from `from` to `to` (both ends included):
/// the packages that can carry a value from one to the other.
pub fn between(
    graph: &ImportGraph,
    from: &BTreeSet<String>,
    to: &BTreeSet<String>,
) -> BTreeSet<String> {
    let forward = reachable(from, |d| graph.get(d).cloned().unwrap_or_default());
    let backward = reachable(to, |d| {
        graph
            .iter()
            .filter(|(_, targets)| targets.contains(d))
            .map(|(source, _)| source.clone())
            .collect()
    });
    forward.intersection(&backward).cloned().collect()
}

fn reachable(
    start: &BTreeSet<String>,
    next: impl Fn(&str) -> BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen = start.clone();
    let mut frontier: Vec<String> = start.iter().cloned().collect();
    while let Some(dir) = frontier.pop() {
        for n in next(&dir) {
            if seen.insert(n.clone()) {
                frontier.push(n);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_name_their_package() {
        assert_eq!(
            symbol_package("github.com/coder/coder/v2/codersdk/toolsdk_test.TestTools.func30"),
            "github.com/coder/coder/v2/codersdk/toolsdk_test"
        );
        assert_eq!(
            symbol_package("example.com/m/pkg.(*T).Method.func1"),
            "example.com/m/pkg"
        );
        assert_eq!(symbol_package("main.main.func1"), "main");
        assert_eq!(
            symbol_package("gopkg.in/yaml%2ev3.Marshal"),
            "gopkg.in/yaml.v3"
        );
        assert_eq!(symbol_package("testing.tRunner"), "testing");
    }

    #[test]
    fn imports_are_read_from_the_header() {
        let src = "package p\n\nimport \"fmt\"\nimport (\n\tj \"encoding/json\"\n\t\"example.com/m/a\" // why\n)\n\nfunc f() { _ = `import \"x\"` }\n";
        assert_eq!(
            import_paths(src),
            vec!["fmt", "encoding/json", "example.com/m/a"]
        );
    }

    #[test]
    fn carriers_lie_on_an_import_path_between_the_sides() {
        let mut graph: HashMap<String, BTreeSet<String>> = HashMap::new();
        let edge = |g: &mut HashMap<String, BTreeSet<String>>, a: &str, b: &str| {
            g.entry(a.into()).or_default().insert(b.into());
        };
        edge(&mut graph, "billing", "threading");
        edge(&mut graph, "billing", "gen/pb");
        edge(&mut graph, "threading", "analytics");
        edge(&mut graph, "threading", "gen/pb");
        edge(&mut graph, "other", "analytics");
        let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            between(&graph, &set(&["billing"]), &set(&["analytics"])),
            set(&["analytics", "billing", "threading"])
        );
        assert!(between(&graph, &set(&["analytics"]), &set(&["billing"])).is_empty());
    }
}
