//! Which files a run may read and touch: Go files under the given paths,
//! walked in parallel with `.gitignore` honoured, never in `vendor/` or
//! `testdata/`, never outside the repository root.

use anyhow::{bail, Context as _, Result};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The repository (or, outside git, the first folder given).
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub in_git: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Relative to the root, `/`-separated: how paths are shown and patched.
    pub rel: String,
    pub abs: PathBuf,
}

pub struct Selection {
    pub files: Vec<SourceFile>,
    pub warnings: Vec<String>,
}

impl Workspace {
    pub fn discover(first: &Path) -> Result<Workspace> {
        let path = first
            .canonicalize()
            .with_context(|| format!("{}: no such file or folder", first.display()))?;
        if let Ok(repo) = git2::Repository::discover(&path) {
            if let Some(workdir) = repo.workdir() {
                return Ok(Workspace {
                    root: workdir.canonicalize()?,
                    in_git: true,
                });
            }
        }
        let root = if path.is_dir() {
            path
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or(path)
        };
        Ok(Workspace {
            root,
            in_git: false,
        })
    }

    /// Go files under `paths`, sorted by relative path.
    pub fn select(&self, paths: &[PathBuf]) -> Result<Selection> {
        let found = Mutex::new(Vec::new());
        let warnings = Mutex::new(Vec::new());
        for path in paths {
            if !path.exists() {
                bail!("{}: no such file or folder", path.display());
            }
            if path.is_file() {
                self.consider(path, true, &found, &warnings);
                continue;
            }
            // Ignore files above the repository are not the repository's (git
            // never reads them): a clone inside an ignored folder, such as a
            // batch's OUT/.work/, must still be scanned.
            let at_root = path.canonicalize().is_ok_and(|p| p == self.root);
            ignore::WalkBuilder::new(path)
                .standard_filters(true)
                .require_git(false)
                .parents(!at_root)
                .filter_entry(|e| {
                    !is_skipped_dir(e.file_name().to_str().unwrap_or("")) || e.depth() == 0
                })
                .build_parallel()
                .run(|| {
                    Box::new(|entry| {
                        if let Ok(entry) = entry {
                            let regular = entry.file_type().is_some_and(|t| t.is_file());
                            if regular && entry.path().extension().is_some_and(|e| e == "go") {
                                self.consider(entry.path(), false, &found, &warnings);
                            }
                        }
                        ignore::WalkState::Continue
                    })
                });
        }
        let mut files = found.into_inner().unwrap();
        files.sort();
        files.dedup();
        let mut warnings = warnings.into_inner().unwrap();
        warnings.sort();
        Ok(Selection { files, warnings })
    }

    fn consider(
        &self,
        path: &Path,
        explicit: bool,
        found: &Mutex<Vec<SourceFile>>,
        warnings: &Mutex<Vec<String>>,
    ) {
        let warn = |message: String| warnings.lock().unwrap().push(message);
        let Ok(abs) = path.canonicalize() else {
            warn(format!(
                "{}: cannot resolve the path; skipped",
                path.display()
            ));
            return;
        };
        let Ok(rel) = abs.strip_prefix(&self.root) else {
            warn(format!(
                "{}: outside the repository {}; not touched",
                path.display(),
                self.root.display()
            ));
            return;
        };
        let rel = rel_string(rel);
        if rel.split('/').any(is_skipped_dir) {
            if explicit {
                warn(format!("{rel}: under vendor/ or testdata/; not touched"));
            }
            return;
        }
        if explicit && path.extension().is_none_or(|e| e != "go") {
            warn(format!("{rel}: not a Go file; skipped"));
            return;
        }
        found.lock().unwrap().push(SourceFile { rel, abs });
    }
}

fn is_skipped_dir(name: &str) -> bool {
    name == "vendor" || name == "testdata"
}

fn rel_string(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The folder of a `/`-separated path relative to the root (`""` at the
/// root): the package a Go file belongs to.
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}
