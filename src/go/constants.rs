//! Package-level `time.Duration` constants anywhere in a module (a test
//! helper package's `WaitLong = 30 * time.Second`, say), and which of them
//! a file may use: the module's own word for "long enough", which a fix
//! should use rather than a number of its own.

use super::buildtags::Constraint;
use super::duration::constant_nanos;
use super::imports::imports;
use super::module::Module;
use super::narrow::TopLevel;
use super::parse::parse_leaving_out;
use super::syntax::{named_children, text};
use crate::filesize::MaxFilesize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tree_sitter::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationConstant {
    /// The package's folder.
    pub dir: PathBuf,
    pub import_path: String,
    /// The name in its package clause.
    pub package: String,
    pub name: String,
    pub nanos: u128,
    /// Declared in a `_test.go` file: only that package's tests see it.
    pub in_test: bool,
    /// The builds that compile its file (`//go:build`, the file's name).
    pub constraint: Constraint,
}

/// The module's duration constants and its packages' imports (to keep a
/// fix from importing a package that imports the file's own).
#[derive(Debug, Default)]
pub struct ModuleConstants {
    pub constants: Vec<DurationConstant>,
    /// Package folder → the module's import paths its files import.
    imports: BTreeMap<PathBuf, BTreeSet<String>>,
    module_path: String,
    root: PathBuf,
}

/// Where a constant is wanted: a file's folder and package.
pub struct UseSite<'a> {
    pub dir: &'a Path,
    /// The file's package clause name (`calls_test` for an external test).
    pub package: &'a str,
    /// The builds that compile the file: a constant must be declared in
    /// every one of them.
    pub constraint: &'a Constraint,
}

impl ModuleConstants {
    /// Reads every package of `module` (not vendor/, testdata/ or nested
    /// modules; no file larger than `max_filesize`) for its constant
    /// declarations.
    pub fn load(module: &Module, max_filesize: MaxFilesize) -> Self {
        let mut found = ModuleConstants {
            module_path: module.path.clone(),
            root: module.root.clone(),
            ..Self::default()
        };
        for path in super::module::go_files(&module.root) {
            let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
                continue;
            };
            if let Some(source) = max_filesize.read_text(&path) {
                found.read_file(dir, &name.to_string_lossy(), &source);
            }
        }
        found.constants.sort_by(|a, b| {
            (a.nanos, &a.import_path, &a.name).cmp(&(b.nanos, &b.import_path, &b.name))
        });
        found
    }

    fn read_file(&mut self, dir: &Path, name: &str, source: &str) {
        let constraint = Constraint::of_file(name, source);
        let in_test = constraint.test;
        // Only the package clause, imports and constants matter; a file
        // that cannot declare a duration gives its imports alone.
        let kept: &[&str] = match source.contains("\"time\"") {
            true => &["package", "import", "const"],
            false => &["package", "import"],
        };
        let left_out = TopLevel::of(source).all_but(kept);
        let Ok(tree) = parse_leaving_out(source, &left_out) else {
            return;
        };
        let root = tree.root_node();
        let file_imports = imports(root, source);
        // Tests are never imported: their imports make no cycle.
        if !in_test {
            let module_imports = self.imports.entry(dir.to_path_buf()).or_default();
            for import in &file_imports {
                if import.path.starts_with(&self.module_path) {
                    module_imports.insert(import.path.clone());
                }
            }
        }
        let Some(time_name) = file_imports
            .iter()
            .find(|i| i.path == "time")
            .map(|i| i.local_name.clone())
        else {
            return;
        };
        let Some(package) = package_name(root, source) else {
            return;
        };
        let import_path = self.import_path_of(dir);
        for spec in const_specs(root) {
            for (name, nanos) in duration_values(spec, source, &time_name) {
                self.constants.push(DurationConstant {
                    dir: dir.to_path_buf(),
                    import_path: import_path.clone(),
                    package: package.clone(),
                    name,
                    nanos,
                    in_test,
                    constraint: constraint.clone(),
                });
            }
        }
    }

    fn import_path_of(&self, dir: &Path) -> String {
        match dir.strip_prefix(&self.root) {
            Ok(rest) if rest.as_os_str().is_empty() => self.module_path.clone(),
            Ok(rest) => format!(
                "{}/{}",
                self.module_path,
                rest.to_string_lossy().replace('\\', "/")
            ),
            Err(_) => String::new(),
        }
    }

    /// The constant a fix at `site` should use: the one named `named`
    /// (`Name`, `pkg.Name` or `import/path.Name`) when given, else the
    /// shortest whose name holds one of `words` (any case) and that lasts
    /// at least `at_least` nanoseconds. Only constants the file can use
    /// count: exported ones of importable packages (not `main`, not an
    /// `internal` it is outside of, not one importing the file's own
    /// package), or any of the file's own package; and of those, only ones
    /// declared in a file that every build of the using file compiles (no
    /// build constraint, or one the file's own constraint implies: a
    /// constant behind `//go:build !cluster_proxy` would break the
    /// `-tags cluster_proxy` build).
    pub fn choose(
        &self,
        site: &UseSite,
        named: Option<&str>,
        words: &[&str],
        at_least: u128,
    ) -> Option<&DurationConstant> {
        let usable = self.constants.iter().filter(|c| self.usable(c, site));
        match named.filter(|n| !n.is_empty()) {
            Some(named) => usable.into_iter().find(|c| {
                named == c.name
                    || named == format!("{}.{}", c.package, c.name)
                    || named == format!("{}.{}", c.import_path, c.name)
            }),
            None => usable
                .filter(|c| c.nanos >= at_least)
                .filter(|c| {
                    let lower = c.name.to_lowercase();
                    words.iter().any(|w| lower.contains(&w.to_lowercase()))
                })
                // Shortest first (the list is sorted), the file's own package first.
                .min_by_key(|c| (c.nanos, c.dir != site.dir)),
        }
    }

    /// Whether the constant is in the file's own package.
    pub fn is_local(&self, c: &DurationConstant, site: &UseSite) -> bool {
        c.dir == site.dir && c.package == site.package
    }

    fn usable(&self, c: &DurationConstant, site: &UseSite) -> bool {
        if !site.constraint.implies(&c.constraint) {
            return false;
        }
        if self.is_local(c, site) {
            return true;
        }
        if c.in_test {
            return false;
        }
        let exported = c.name.starts_with(|ch: char| ch.is_uppercase());
        exported
            && c.package != "main"
            && internal_visible(&c.dir, site.dir)
            && !self.imports_package_of(&c.dir, site)
    }

    /// Whether the package in `dir` imports, directly or not, the package
    /// the file belongs to: importing it from there would be a cycle. An
    /// external test package (`x_test`) is never imported, so it has none.
    fn imports_package_of(&self, dir: &Path, site: &UseSite) -> bool {
        if site.package.ends_with("_test") {
            return false;
        }
        let target = self.import_path_of(site.dir);
        let mut seen = BTreeSet::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            for path in self.imports.get(&d).into_iter().flatten() {
                if *path == target {
                    return true;
                }
                if let Some(rest) = path.strip_prefix(&format!("{}/", self.module_path)) {
                    todo.push(self.root.join(rest));
                }
            }
        }
        false
    }
}

/// Go's rule for `internal`: a package `a/b/internal/c` may be imported
/// only from within `a/b`.
fn internal_visible(dir: &Path, from: &Path) -> bool {
    let mut parent = None;
    for ancestor in dir.ancestors() {
        if ancestor.file_name().is_some_and(|n| n == "internal") {
            parent = ancestor.parent();
        }
    }
    parent.is_none_or(|p| from.starts_with(p))
}

fn package_name(root: Node, source: &str) -> Option<String> {
    let clause = named_children(root)
        .into_iter()
        .find(|n| n.kind() == "package_clause")?;
    let name = named_children(clause).into_iter().next()?;
    Some(text(name, source).to_string())
}

fn const_specs(root: Node) -> Vec<Node> {
    named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "const_declaration")
        .flat_map(named_children)
        .flat_map(|n| {
            if n.kind() == "const_spec" {
                vec![n]
            } else {
                named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() == "const_spec")
                    .collect()
            }
        })
        .collect()
}

/// `WaitLong = 30 * time.Second` or `Wait time.Duration = 3e9`: the names
/// and values of a spec whose constants are durations.
fn duration_values(spec: Node, source: &str, time_name: &str) -> Vec<(String, u128)> {
    let mut cursor = spec.walk();
    let names: Vec<String> = spec
        .children_by_field_name("name", &mut cursor)
        .map(|n| text(n, source).to_string())
        .collect();
    let typed = spec
        .child_by_field_name("type")
        .is_some_and(|t| text(t, source) == format!("{time_name}.Duration"));
    let Some(values) = spec.child_by_field_name("value") else {
        return Vec::new();
    };
    let values = named_children(values);
    if values.len() != names.len() {
        return Vec::new();
    }
    names
        .into_iter()
        .zip(values)
        .filter_map(|(name, value)| {
            // Untyped, it is a Duration only through a unit or conversion.
            let has_unit = text(value, source).contains(&format!("{time_name}."));
            if !(typed || has_unit) {
                return None;
            }
            Some((name, constant_nanos(value, source, time_name)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(files: &[(&str, &str)]) -> (tempfile::TempDir, Module) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("go.mod"),
            "module example.com/m\n\ngo 1.22\n",
        )
        .unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let m = crate::go::module::find_module(dir.path()).unwrap();
        (dir, m)
    }

    const TESTUTIL: &str = "package testutil\n\nimport \"time\"\n\nconst (\n\tWaitShort = 5 * time.Second\n\tWaitLong = 30 * time.Second\n\tpollEvery = 10 * time.Millisecond\n\tTimeoutMax time.Duration = 60e9\n\tRetries = 3\n)\n";

    #[test]
    fn the_shortest_long_enough_wait_is_chosen() {
        let plain = Constraint::default();
        let (dir, m) = module(&[
            ("internal/testutil/wait.go", TESTUTIL),
            ("calls/calls.go", "package calls\n"),
        ]);
        let found = ModuleConstants::load(&m, MaxFilesize::default());
        let names: Vec<&str> = found.constants.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["pollEvery", "WaitShort", "WaitLong", "TimeoutMax"]);
        let calls = dir.path().join("calls");
        let site = UseSite {
            dir: &calls,
            package: "calls",
            constraint: &plain,
        };
        let words = ["wait", "timeout"];
        let chosen = found.choose(&site, None, &words, 15_000_000_000).unwrap();
        assert_eq!(chosen.name, "WaitLong");
        assert_eq!(chosen.import_path, "example.com/m/internal/testutil");
        assert_eq!(
            found
                .choose(&site, None, &words, 40_000_000_000)
                .unwrap()
                .name,
            "TimeoutMax"
        );
        assert_eq!(found.choose(&site, None, &words, 90_000_000_000), None);
        assert_eq!(
            found
                .choose(&site, Some("testutil.WaitShort"), &words, 0)
                .unwrap()
                .name,
            "WaitShort"
        );
        // Unexported constants of another package are not usable.
        assert_eq!(found.choose(&site, Some("pollEvery"), &words, 0), None);
    }

    #[test]
    fn a_test_files_constant_serves_its_own_package_only() {
        let (dir, m) = module(&[
            (
                "calls/wait_test.go",
                "package calls\n\nimport \"time\"\n\nconst waitTimeout = 20 * time.Second\n",
            ),
            ("other/o.go", "package other\n"),
        ]);
        let found = ModuleConstants::load(&m, MaxFilesize::default());
        let calls = dir.path().join("calls");
        let test_file = Constraint::of_file("ready_test.go", "package calls\n");
        let site = UseSite {
            dir: &calls,
            package: "calls",
            constraint: &test_file,
        };
        assert_eq!(
            found.choose(&site, None, &["timeout"], 0).unwrap().name,
            "waitTimeout"
        );
        // The package's non-test files are built without it.
        let plain = Constraint::default();
        let non_test = UseSite {
            dir: &calls,
            package: "calls",
            constraint: &plain,
        };
        assert_eq!(found.choose(&non_test, None, &["timeout"], 0), None);
        let external = UseSite {
            dir: &calls,
            package: "calls_test",
            constraint: &test_file,
        };
        assert_eq!(found.choose(&external, None, &["timeout"], 0), None);
        let other = dir.path().join("other");
        let site = UseSite {
            dir: &other,
            package: "other",
            constraint: &test_file,
        };
        assert_eq!(found.choose(&site, None, &["timeout"], 0), None);
    }

    #[test]
    fn internal_cycles_and_main_are_refused() {
        let plain = Constraint::default();
        let (dir, m) = module(&[
            ("a/internal/w/w.go", "package w\n\nimport \"time\"\n\nconst WaitLong = time.Minute\n"),
            (
                "helpers/h.go",
                "package helpers\n\nimport (\n\t\"time\"\n\n\t\"example.com/m/svc\"\n)\n\nvar _ = svc.X\n\nconst WaitLong = time.Minute\n",
            ),
            ("cmd/main.go", "package main\n\nimport \"time\"\n\nconst WaitLong = time.Minute\n"),
            ("svc/svc.go", "package svc\n\nconst X = 1\n"),
        ]);
        let found = ModuleConstants::load(&m, MaxFilesize::default());
        let svc = dir.path().join("svc");
        let words = ["wait"];
        // helpers imports svc: a cycle for svc's own tests, fine for svc_test.
        let site = UseSite {
            dir: &svc,
            package: "svc",
            constraint: &plain,
        };
        assert_eq!(found.choose(&site, None, &words, 0), None);
        let external = UseSite {
            dir: &svc,
            package: "svc_test",
            constraint: &plain,
        };
        assert_eq!(
            found
                .choose(&external, None, &words, 0)
                .unwrap()
                .import_path,
            "example.com/m/helpers"
        );
        let inside = dir.path().join("a/b");
        let site = UseSite {
            dir: &inside,
            package: "b",
            constraint: &plain,
        };
        assert_eq!(
            found.choose(&site, None, &words, 0).unwrap().import_path,
            "example.com/m/a/internal/w"
        );
    }

    #[test]
    fn a_constant_behind_a_build_constraint_serves_only_files_built_with_it() {
        let (dir, m) = module(&[
            (
                "testutil/wait.go",
                "package testutil\n\nimport \"time\"\n\nconst WaitLong = 30 * time.Second\n",
            ),
            (
                "testutil/wait_default.go",
                "//go:build !cluster_proxy\n\npackage testutil\n\nimport \"time\"\n\nconst WaitProxyTimeout = 20 * time.Second\n",
            ),
            (
                "testutil/wait_linux.go",
                "package testutil\n\nimport \"time\"\n\nconst WaitLinux = 16 * time.Second\n",
            ),
            ("calls/calls.go", "package calls\n"),
        ]);
        let found = ModuleConstants::load(&m, MaxFilesize::default());
        let calls = dir.path().join("calls");
        let words = ["wait", "timeout"];
        let chosen = |constraint: &Constraint| {
            let site = UseSite {
                dir: &calls,
                package: "calls",
                constraint,
            };
            found
                .choose(&site, None, &words, 15_000_000_000)
                .map(|c| c.name.clone())
        };
        let unconstrained = Constraint::of_file("ready_test.go", "package calls\n");
        assert_eq!(chosen(&unconstrained).as_deref(), Some("WaitLong"));
        let same = Constraint::of_file(
            "ready_test.go",
            "//go:build !cluster_proxy\n\npackage calls\n",
        );
        assert_eq!(chosen(&same).as_deref(), Some("WaitProxyTimeout"));
        let stricter = Constraint::of_file(
            "ready_linux_test.go",
            "//go:build !cluster_proxy && e2e\n\npackage calls\n",
        );
        assert_eq!(chosen(&stricter).as_deref(), Some("WaitLinux"));
        let other_side = Constraint::of_file(
            "ready_test.go",
            "//go:build cluster_proxy\n\npackage calls\n",
        );
        assert_eq!(chosen(&other_side).as_deref(), Some("WaitLong"));
        // Named, it is refused too.
        let site = UseSite {
            dir: &calls,
            package: "calls",
            constraint: &unconstrained,
        };
        assert_eq!(
            found.choose(&site, Some("testutil.WaitProxyTimeout"), &words, 0),
            None
        );
    }
}
