//! Which files a run may read and touch: Go files under the given paths,
//! walked in parallel with `.gitignore` honoured, never in `vendor/` or
//! `testdata/`, never outside the repository root.

use crate::exclude::Exclude;
use crate::filesize::MaxFilesize;
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

/// What a selection leaves out, and how many threads walk.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub max_filesize: MaxFilesize,
    pub exclude: Exclude,
    /// 0: one per core.
    pub threads: usize,
}

impl Filters {
    pub fn sized(max_filesize: MaxFilesize) -> Filters {
        Filters {
            max_filesize,
            ..Filters::default()
        }
    }
}

impl Workspace {
    /// The repository holding `first`, found from the folders the path names
    /// as given (from the current folder), never from where a symlink in it
    /// points: a link must not make its target's tree the one fixgen writes.
    pub fn discover(first: &Path) -> Result<Workspace> {
        first
            .canonicalize()
            .with_context(|| format!("{}: no such file or folder", first.display()))?;
        let anchor = real_folder_of(first)?;
        if let Some(workdir) = git_workdir_of(&anchor) {
            return Ok(Workspace {
                root: workdir.canonicalize()?,
                in_git: true,
            });
        }
        Ok(Workspace {
            root: anchor.canonicalize()?,
            in_git: false,
        })
    }

    /// Go files under `paths`, sorted by relative path; those larger than
    /// `max_filesize` are left out with a warning, unread, and those
    /// excluded without a word (unless named).
    pub fn select(&self, paths: &[PathBuf], filters: &Filters) -> Result<Selection> {
        let found = Mutex::new(Vec::new());
        let warnings = Mutex::new(Vec::new());
        let warn = |message: String| warnings.lock().unwrap().push(message);
        for path in paths {
            let Ok(metadata) = std::fs::metadata(path) else {
                bail!("{}: no such file or folder", path.display());
            };
            if let Err(reason) = self.owns(path) {
                warn(format!("{}: {reason}", path.display()));
            } else if metadata.is_file() {
                self.consider(path, None, filters, &found, &warnings);
            } else if metadata.is_dir() {
                self.walk(path, filters, &found, &warnings);
            } else {
                warn(format!(
                    "{}: not a regular file or folder; skipped",
                    path.display()
                ));
            }
        }
        let mut files = found.into_inner().unwrap();
        files.sort();
        files.dedup();
        let mut warnings = warnings.into_inner().unwrap();
        warnings.sort();
        Ok(Selection { files, warnings })
    }

    /// Checked again right before a write, whatever was selected: the
    /// real path of `path` (or of its folder, for a file yet to be created)
    /// lies in this repository and not in a nested one.
    pub fn ensure_owned(&self, path: &Path) -> Result<()> {
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(_) => {
                let folder = path.parent().unwrap_or(Path::new("."));
                let name = path.file_name().unwrap_or_default();
                folder
                    .canonicalize()
                    .with_context(|| format!("{}: cannot resolve the path", path.display()))?
                    .join(name)
            }
        };
        self.owns_real(&real)
            .map_err(|reason| anyhow::anyhow!("{}: {reason}", path.display()))
    }

    /// Why fixgen must not touch `path` (a file or a folder), if it must not.
    fn owns(&self, path: &Path) -> std::result::Result<(), String> {
        let real = path
            .canonicalize()
            .map_err(|_| "cannot resolve the path; skipped".to_string())?;
        self.owns_real(&real)
    }

    fn owns_real(&self, real: &Path) -> std::result::Result<(), String> {
        if !real.starts_with(&self.root) {
            return Err(format!(
                "outside the repository {}; not touched",
                self.root.display()
            ));
        }
        match self.nested_repository(real) {
            Some(inner) => Err(format!(
                "in the nested repository {}; not touched",
                rel_string(inner.strip_prefix(&self.root).unwrap_or(inner))
            )),
            None => Ok(()),
        }
    }

    /// The folder below the root, holding `real`, that is a repository of
    /// its own (a `.git` folder, or file for submodules and worktrees).
    fn nested_repository<'a>(&self, real: &'a Path) -> Option<&'a Path> {
        real.ancestors()
            .take_while(|folder| *folder != self.root && folder.starts_with(&self.root))
            .filter(|folder| folder.is_dir())
            .find(|folder| folder.join(".git").symlink_metadata().is_ok())
    }

    fn walk(
        &self,
        path: &Path,
        filters: &Filters,
        found: &Mutex<Vec<SourceFile>>,
        warnings: &Mutex<Vec<String>>,
    ) {
        // Ignore files above the repository are not the repository's (git
        // never reads them): a clone inside an ignored folder, such as a
        // batch's OUT/.work/, must still be scanned.
        let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let at_root = real == self.root;
        let excluded = excluded_folders(path, &real, &self.root, &filters.exclude);
        let real = &real;
        ignore::WalkBuilder::new(path)
            .standard_filters(true)
            .require_git(false)
            .parents(!at_root)
            .threads(filters.threads)
            .filter_entry(move |e| {
                e.depth() == 0 || !(is_skipped_dir_entry(e) || is_repository(e) || excluded(e))
            })
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    match entry {
                        Ok(entry) => {
                            let regular = entry.file_type().is_some_and(|t| t.is_file());
                            if regular && entry.path().extension().is_some_and(|e| e == "go") {
                                // The walk follows no links: below the real
                                // root, an entry's real path is the root's
                                // plus its own (no resolving per file).
                                let known =
                                    entry.path().strip_prefix(path).ok().map(|r| real.join(r));
                                self.consider(entry.path(), known, filters, found, warnings);
                            }
                        }
                        Err(error) => warnings.lock().unwrap().push(unreadable(&error)),
                    }
                    ignore::WalkState::Continue
                })
            });
    }

    /// `path` found by a walk comes with its real path (`real`); one the
    /// user named (`explicit`) is resolved here.
    fn consider(
        &self,
        path: &Path,
        real: Option<PathBuf>,
        filters: &Filters,
        found: &Mutex<Vec<SourceFile>>,
        warnings: &Mutex<Vec<String>>,
    ) {
        let explicit = real.is_none();
        let warn = |message: String| warnings.lock().unwrap().push(message);
        let Some(abs) = real.or_else(|| path.canonicalize().ok()) else {
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
        // Paths are shown, patched and compared as text: a name that is not
        // text would be patched under another name.
        let Some(rel) = rel.to_str().map(|_| rel_string(rel)) else {
            warn(format!(
                "{}: the file name is not UTF-8; skipped",
                rel.display()
            ));
            return;
        };
        if rel.split('/').any(is_skipped_dir) {
            if explicit {
                warn(format!("{rel}: under vendor/ or testdata/; not touched"));
            }
            return;
        }
        if filters.exclude.excludes(&rel) {
            if explicit {
                warn(format!(
                    "{rel}: excluded (--exclude or .fixgen.toml); skipped"
                ));
            }
            return;
        }
        if explicit && path.extension().is_none_or(|e| e != "go") {
            warn(format!("{rel}: not a Go file; skipped"));
            return;
        }
        // Only the size is asked here: the file is read once, by the scan.
        if let Ok(metadata) = std::fs::metadata(&abs) {
            if !filters.max_filesize.admits(metadata.len()) {
                warn(filters.max_filesize.skipped(&rel, metadata.len()));
                return;
            }
        }
        found.lock().unwrap().push(SourceFile { rel, abs });
    }
}

/// Whether a folder met by the walk from `path` (whose real path is
/// `real`) is excluded: an excluded folder is not even read. Owned, as
/// the walk's filter must be.
fn excluded_folders(
    path: &Path,
    real: &Path,
    root: &Path,
    exclude: &Exclude,
) -> impl Fn(&ignore::DirEntry) -> bool + Send + Sync + 'static {
    let (path, exclude) = (path.to_path_buf(), exclude.clone());
    let base = real.strip_prefix(root).map(rel_string).unwrap_or_default();
    move |e| {
        if exclude.is_empty() || !e.file_type().is_some_and(|t| t.is_dir()) {
            return false;
        }
        let below = e
            .path()
            .strip_prefix(&path)
            .map(rel_string)
            .unwrap_or_default();
        let rel = match (base.is_empty(), below.is_empty()) {
            (true, _) => below,
            (false, true) => base.clone(),
            (false, false) => format!("{base}/{below}"),
        };
        exclude.excludes(&rel)
    }
}

/// The deepest folder on `path` as given, before any symlink in it: the
/// path itself when it is a folder, else the folder it names it in.
/// The working tree of the git repository holding `folder`, found as
/// `git_repository_discover` finds it: the nearest folder upward holding a
/// `.git` folder, or a `.git` file naming one (a linked worktree, a
/// submodule), that is a repository; `None` outside git or in a bare
/// repository. Read from the file system: libgit2's first call sets up
/// OpenSSL and reads the system's certificates, tens of milliseconds that
/// every `check` paid before reading a file. (A `core.worktree` setting
/// is not read: the tree is where `.git` is.)
fn git_workdir_of(folder: &Path) -> Option<PathBuf> {
    for dir in folder.ancestors() {
        let dot_git = dir.join(".git");
        let linked = || gitdir_named_by(&dot_git).is_some_and(|d| is_git_dir(&d));
        if (dot_git.is_dir() && is_git_dir(&dot_git)) || (dot_git.is_file() && linked()) {
            return Some(dir.to_path_buf());
        }
        // Inside `.git`, the tree is around it; a bare repository has none.
        if is_git_dir(dir) {
            let in_dot_git = dir.file_name().is_some_and(|n| n == ".git");
            return dir.parent().filter(|_| in_dot_git).map(Path::to_path_buf);
        }
    }
    None
}

/// Whether `dir` is a repository's git folder: `HEAD`, with `objects`
/// and `refs` in it or in the folder its `commondir` names (a linked
/// worktree's).
fn is_git_dir(dir: &Path) -> bool {
    let common = std::fs::read_to_string(dir.join("commondir"))
        .map_or_else(|_| dir.to_path_buf(), |c| dir.join(c.trim()));
    dir.join("HEAD").is_file() && common.join("objects").is_dir() && common.join("refs").is_dir()
}

/// The folder a `.git` file names (`gitdir: …`, relative to the file's
/// folder unless absolute).
fn gitdir_named_by(file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(file).ok()?;
    let named = text.strip_prefix("gitdir:")?.trim();
    Some(file.parent()?.join(named))
}

fn real_folder_of(path: &Path) -> Result<PathBuf> {
    let mut folder = PathBuf::new();
    for component in std::env::current_dir()?.join(path).components() {
        match component {
            Component::Normal(name) => {
                let next = folder.join(name);
                if !next.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                    break;
                }
                folder = next;
            }
            // Safe by hand: every folder so far is real, not a link.
            Component::ParentDir => {
                folder.pop();
            }
            Component::CurDir => {}
            root => folder.push(root),
        }
    }
    Ok(folder)
}

fn is_skipped_dir_entry(entry: &ignore::DirEntry) -> bool {
    is_skipped_dir(entry.file_name().to_str().unwrap_or(""))
}

/// A folder met while walking that is a repository of its own: not this
/// one's files, left out without a word.
fn is_repository(entry: &ignore::DirEntry) -> bool {
    entry.file_type().is_some_and(|t| t.is_dir())
        && entry.path().join(".git").symlink_metadata().is_ok()
}

/// A folder the walk could not read, or an ignore file it could not parse.
fn unreadable(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithDepth { err, .. } => unreadable(err),
        ignore::Error::WithPath { path, err } => {
            format!("{}: cannot read ({err}); skipped", path.display())
        }
        other => format!("{other}; skipped"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn the_root_comes_from_the_folders_named_not_a_links_target() {
        let outside = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join("pkg")).unwrap();
        symlink(outside.path(), repo.path().join("pkg/link")).unwrap();
        let named = repo.path().join("pkg/link/x.go");
        assert_eq!(
            real_folder_of(&named).unwrap(),
            repo.path().join("pkg"),
            "stops before the link"
        );
        let back_up = repo.path().join("pkg/../pkg");
        assert_eq!(real_folder_of(&back_up).unwrap(), repo.path().join("pkg"));
    }

    #[test]
    fn a_write_is_refused_once_a_folder_became_a_link_outside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.go"), "package o\n").unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join("pkg")).unwrap();
        std::fs::write(repo.path().join("pkg/x.go"), "package p\n").unwrap();
        let workspace = Workspace::discover(repo.path()).unwrap();
        let selected = workspace.root.join("pkg/x.go");
        workspace.ensure_owned(&selected).unwrap();
        workspace
            .ensure_owned(&workspace.root.join("pkg/new.go"))
            .unwrap();

        // Swapped after the selection, before the write.
        std::fs::remove_dir_all(repo.path().join("pkg")).unwrap();
        symlink(outside.path(), repo.path().join("pkg")).unwrap();
        for path in [selected, workspace.root.join("pkg/new.go")] {
            let refused = workspace.ensure_owned(&path).unwrap_err().to_string();
            assert!(refused.contains("outside the repository"), "{refused}");
        }
    }

    /// The repository is found as libgit2 finds it: from a subfolder, a
    /// linked worktree and a bare repository, and not from a folder whose
    /// `.git` is no repository.
    #[test]
    fn the_repository_is_the_one_libgit2_discovers() {
        let base = tempfile::tempdir().unwrap();
        let main = base.path().join("main");
        let repo = git2::Repository::init(&main).unwrap();
        std::fs::create_dir_all(main.join("pkg/sub")).unwrap();
        let signature = git2::Signature::now("t", "t@example.com").unwrap();
        let tree = repo
            .find_tree(repo.index().unwrap().write_tree().unwrap())
            .unwrap();
        repo.commit(Some("HEAD"), &signature, &signature, "c", &tree, &[])
            .unwrap();
        repo.worktree("wt", &base.path().join("wt"), None).unwrap();
        git2::Repository::init_bare(base.path().join("bare.git")).unwrap();
        std::fs::create_dir_all(base.path().join("fake/.git")).unwrap();
        std::fs::create_dir_all(base.path().join("fake/pkg")).unwrap();
        for folder in [
            "main",
            "main/pkg/sub",
            "wt",
            "bare.git",
            "fake/pkg",
            "main/.git",
        ] {
            let folder = base.path().join(folder);
            let expected = git2::Repository::discover(&folder)
                .ok()
                .and_then(|r| r.workdir().map(|w| w.canonicalize().unwrap()));
            let found = git_workdir_of(&folder).map(|w| w.canonicalize().unwrap());
            assert_eq!(found, expected, "{}", folder.display());
        }
    }

    #[test]
    fn a_write_into_a_nested_repository_is_refused() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join("inner/.git")).unwrap();
        std::fs::write(repo.path().join("inner/x.go"), "package p\n").unwrap();
        let workspace = Workspace::discover(repo.path()).unwrap();
        let refused = workspace
            .ensure_owned(&workspace.root.join("inner/x.go"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("in the nested repository inner"),
            "{refused}"
        );
    }
}
