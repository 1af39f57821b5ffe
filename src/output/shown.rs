//! Paths as a person reads them: relative to the current folder, like
//! `go vet` prints them, so that `path:line:col` opens from where the
//! command ran. Diffs, patches and JSON keep the repository-relative form
//! that `git apply` and scripts read.

use std::path::{Component, Path, PathBuf};

pub struct Shown {
    root: PathBuf,
    /// `None` when the current folder cannot be known: paths then stay
    /// relative to the root.
    cwd: Option<PathBuf>,
}

impl Shown {
    /// Paths in the repository at `root` (as the workspace found it),
    /// shown from the process's current folder.
    pub fn from_cwd(root: &Path) -> Shown {
        let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
        Shown::new(root, cwd)
    }

    fn new(root: &Path, cwd: Option<PathBuf>) -> Shown {
        Shown {
            root: root.to_path_buf(),
            cwd,
        }
    }

    /// `rel`, relative to the root and `/`-separated, as seen from the
    /// current folder: `x.go` or `../other/x.go` inside the repository,
    /// `repo/x.go` from above it, and absolute from anywhere else (a
    /// climb out of one tree into another helps nobody).
    pub fn path(&self, rel: &str) -> String {
        let Some(cwd) = &self.cwd else {
            return rel.to_string();
        };
        if *cwd == self.root {
            return rel.to_string();
        }
        let abs = self.root.join(rel);
        if cwd.starts_with(&self.root) || abs.starts_with(cwd) {
            relative(cwd, &abs)
        } else {
            abs.display().to_string()
        }
    }
}

/// `to` as reached from the folder `from`; both absolute.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = (common..from.len()).map(|_| "..".to_string());
    let downs = to[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let parts: Vec<String> = ups.chain(downs).collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown_from(cwd: &str) -> Shown {
        Shown::new(Path::new("/src/repo"), Some(PathBuf::from(cwd)))
    }

    #[test]
    fn at_the_root_paths_are_as_the_repository_names_them() {
        assert_eq!(shown_from("/src/repo").path("pkg/x.go"), "pkg/x.go");
        let unknown = Shown::new(Path::new("/src/repo"), None);
        assert_eq!(unknown.path("pkg/x.go"), "pkg/x.go");
    }

    #[test]
    fn inside_the_repository_paths_climb_from_the_current_folder() {
        assert_eq!(shown_from("/src/repo/pkg").path("pkg/x.go"), "x.go");
        assert_eq!(
            shown_from("/src/repo/pkg/sub").path("other/y.go"),
            "../../other/y.go"
        );
        assert_eq!(shown_from("/src/repo/pkg").path("x.go"), "../x.go");
    }

    #[test]
    fn outside_the_repository_only_paths_below_the_current_folder_are_relative() {
        assert_eq!(shown_from("/src").path("pkg/x.go"), "repo/pkg/x.go");
        assert_eq!(
            shown_from("/home/me").path("pkg/x.go"),
            "/src/repo/pkg/x.go"
        );
    }
}
