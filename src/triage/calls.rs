//! Which functions of the repository a failing test reaches, and which of
//! them write tables: how a MySQL error printed by a test leads to the
//! data-access functions to fix.
//!
//! Calls are followed by name (`store.Create(…)` reaches every function or
//! method named `Create`), across packages, since a test usually calls the
//! data-access layer through another package. Over-reaching is bounded: a
//! function only matters here if it writes a table.

use super::places::{dir_of, Repo};
use crate::go::functions::{functions, string_constants, Function};
use crate::go::parse::parse_tolerating;
use crate::go::sql::{PackageView, TableFilter};
use crate::workspace::SourceFile;
use std::collections::{BTreeSet, HashMap, HashSet};

/// How many calls deep a test is followed.
const DEPTH: usize = 8;

/// A function reached from a test, and the tables its own SQL writes.
#[derive(Debug, Clone)]
pub struct Reached {
    pub path: String,
    pub function: Function,
    pub tables: BTreeSet<String>,
}

pub struct CallGraph<'r> {
    repo: &'r Repo,
    /// Function name → indices of the files declaring one by that name.
    declared_in: HashMap<String, Vec<usize>>,
    packages: HashMap<String, PackageView>,
}

impl<'r> CallGraph<'r> {
    pub fn new(repo: &'r Repo) -> Self {
        let mut declared_in: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, file) in repo.files().iter().enumerate() {
            let Ok(source) = std::fs::read_to_string(&file.abs) else {
                continue;
            };
            for name in declared_functions(&source) {
                let files = declared_in.entry(name).or_default();
                if files.last() != Some(&i) {
                    files.push(i);
                }
            }
        }
        CallGraph {
            repo,
            declared_in,
            packages: HashMap::new(),
        }
    }

    /// The functions reached from the top-level tests `tests` (declared in
    /// `_test.go` files), themselves included.
    pub fn reach(&mut self, tests: &[String]) -> Vec<Reached> {
        let mut seen: HashSet<String> = tests.iter().cloned().collect();
        let mut frontier: Vec<String> = tests.to_vec();
        let mut reached = Vec::new();
        for depth in 0..=DEPTH {
            let mut next = Vec::new();
            for name in frontier {
                for (path, function) in self.declarations(&name, depth == 0) {
                    for call in &function.calls {
                        if seen.insert(call.name.clone()) {
                            next.push(call.name.clone());
                        }
                    }
                    let view = &self.packages[dir_of(&path)];
                    let tables = view.tables_written_by(&function, &TableFilter(&[]));
                    reached.push(Reached {
                        path,
                        function,
                        tables,
                    });
                }
            }
            frontier = next;
        }
        reached
    }

    /// Functions named `name`, with their file paths.
    fn declarations(&mut self, name: &str, tests_only: bool) -> Vec<(String, Function)> {
        let files: Vec<SourceFile> = self
            .declared_in
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| self.repo.files()[i].clone())
            .filter(|f| !tests_only || f.rel.ends_with("_test.go"))
            .collect();
        let mut found = Vec::new();
        for file in files {
            let dir = dir_of(&file.rel).to_string();
            let view = self.package(&dir);
            let file_name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
            for f in view
                .functions
                .iter()
                .filter(|f| f.name == name && f.file == file_name)
            {
                found.push((file.rel.clone(), f.clone()));
            }
        }
        found
    }

    /// Every file of the package in `dir`, tests included, parsed once.
    fn package(&mut self, dir: &str) -> &PackageView {
        if !self.packages.contains_key(dir) {
            let mut view = PackageView {
                dir: dir.to_string(),
                functions: Vec::new(),
                constants: HashMap::new(),
            };
            for file in self.repo.package_files(dir) {
                let Ok(source) = std::fs::read_to_string(&file.abs) else {
                    continue;
                };
                let Ok(tree) = parse_tolerating(&source).map(|p| p.tree) else {
                    continue;
                };
                let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
                view.functions
                    .extend(functions(tree.root_node(), &source, name));
                view.constants
                    .extend(string_constants(tree.root_node(), &source));
            }
            self.packages.insert(dir.to_string(), view);
        }
        &self.packages[dir]
    }
}

/// Names of the functions and methods a file declares, read line by line:
/// `func Name(`, `func (r *T) Name(`, `func Name[T any](`.
pub fn declared_functions(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("func ")?.trim_start();
            let rest = if rest.starts_with('(') {
                rest[rest.find(')')? + 1..].trim_start()
            } else {
                rest
            };
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| rest[..end].to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_found_without_parsing() {
        let src = "package p\nfunc A() {}\nfunc (s *Store) Save(ctx context.Context) error {\nfunc Map[T any](x T) {}\n// func Not() {}\n";
        assert_eq!(declared_functions(src), vec!["A", "Save", "Map"]);
    }
}
