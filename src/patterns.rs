//! Go package patterns where a PATH is taken: `./...`, `./pkg/...`,
//! `pkg/...` and `...`, relative to the current folder as `go vet` reads
//! them. fixgen already reads every folder below a folder it is given, so
//! a pattern stands for the folder before its `/...`: what patterns add is
//! that a command copied from `go vet ./...` works as typed.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// The folder `arg` names when it is a package pattern; `arg` itself
/// otherwise. A pattern whose folder does not exist is an error naming
/// both, as is a `...` anywhere but at the end.
pub fn resolve(arg: &Path) -> Result<PathBuf> {
    let Some(text) = arg.to_str() else {
        return Ok(arg.to_path_buf());
    };
    // A file or folder whose name holds `...` is taken as named.
    if !text.contains("...") || arg.symlink_metadata().is_ok() {
        return Ok(arg.to_path_buf());
    }
    let folder = match text.strip_suffix("...") {
        Some("") => ".",
        Some("/") => "/",
        Some(prefix) if prefix.ends_with('/') && !prefix.contains("...") => {
            prefix.trim_end_matches('/')
        }
        _ => bail!(
            "{text}: only a trailing `/...` is understood (`./...`, `./pkg/...`); \
             fixgen reads every folder below the one named"
        ),
    };
    match std::fs::metadata(folder) {
        Ok(metadata) if metadata.is_dir() => Ok(PathBuf::from(folder)),
        Ok(_) => bail!("{text}: {folder} is not a folder"),
        Err(_) => bail!("{text}: no such folder {folder}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `resolve` on `arg` from inside `dir` (folders `pkg/sub` and
    /// a file `x.go`), as the command line would.
    fn resolved_in(dir: &Path, arg: &str) -> Result<PathBuf> {
        resolve(&dir.join(arg)).map(|p| {
            p.strip_prefix(dir)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| p.clone())
        })
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg/sub")).unwrap();
        std::fs::write(dir.path().join("x.go"), "package x\n").unwrap();
        dir
    }

    #[test]
    fn a_trailing_dots_name_the_folder_before_them() {
        let dir = tree();
        assert_eq!(
            resolved_in(dir.path(), "pkg/...").unwrap(),
            PathBuf::from("pkg")
        );
        assert_eq!(
            resolved_in(dir.path(), "pkg/sub/...").unwrap(),
            PathBuf::from("pkg/sub")
        );
        assert_eq!(resolve(Path::new("...")).unwrap(), PathBuf::from("."));
        assert_eq!(resolve(Path::new("./...")).unwrap(), PathBuf::from("."));
    }

    #[test]
    fn paths_without_a_pattern_are_left_as_given() {
        let dir = tree();
        let missing = dir.path().join("nope");
        assert_eq!(resolve(&missing).unwrap(), missing, "the caller says so");
        let dotted = dir.path().join("a...b");
        std::fs::create_dir(&dotted).unwrap();
        assert_eq!(resolve(&dotted).unwrap(), dotted);
    }

    #[test]
    fn a_pattern_that_names_no_folder_is_an_error_naming_it() {
        let dir = tree();
        let error = |arg: &str| resolved_in(dir.path(), arg).unwrap_err().to_string();
        let root = dir.path().display();
        assert_eq!(
            error("nope/..."),
            format!("{root}/nope/...: no such folder {root}/nope")
        );
        assert_eq!(
            error("x.go/..."),
            format!("{root}/x.go/...: {root}/x.go is not a folder")
        );
        assert!(error("pkg/.../sub").contains("only a trailing `/...` is understood"));
        assert!(error("pk...").contains("only a trailing `/...` is understood"));
    }
}
