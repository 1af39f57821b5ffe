//! Writing files so that a crash never leaves half a file: a temporary file
//! in the same folder, flushed, then renamed over the original.

use anyhow::{bail, Context as _, Result};
use std::io::Write as _;
use std::path::Path;

pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("{}: cannot read metadata", path.display()))?;
    // A rename would replace a read-only file; respect the user's intent instead.
    if metadata.permissions().readonly() {
        bail!("{} is read-only; not changed", path.display());
    }
    write_through_temp(path, contents, Some(metadata.permissions()), Replace::Yes)
}

/// Creates `path` with `contents` the same way, refusing to replace a file
/// that exists: a helper a fix adds never overwrites the user's.
pub fn create_atomically(path: &Path, contents: &str) -> Result<()> {
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt as _;
        Some(std::fs::Permissions::from_mode(0o644))
    };
    #[cfg(not(unix))]
    let permissions = None;
    write_through_temp(path, contents, permissions, Replace::No)
}

/// Writes a file fixgen owns (a patch, a manifest) atomically, whether or
/// not it exists.
pub fn create_or_replace(path: &Path, contents: &str) -> Result<()> {
    if path.exists() {
        write_atomically(path, contents)
    } else {
        create_atomically(path, contents)
    }
}

#[derive(PartialEq, Eq)]
enum Replace {
    Yes,
    No,
}

/// A temporary file beside `path`, written and flushed, then renamed onto
/// `path` (or linked, when an existing file must not be replaced).
fn write_through_temp(
    path: &Path,
    contents: &str,
    permissions: Option<std::fs::Permissions>,
    replace: Replace,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".fixgen-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    temp.write_all(contents.as_bytes())?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.as_file().sync_all()?;
    let persisted = if replace == Replace::Yes {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    persisted
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot write the file", path.display()))?;
    Ok(())
}
