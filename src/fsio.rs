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
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".fixgen-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    temp.write_all(contents.as_bytes())?;
    temp.as_file().set_permissions(metadata.permissions())?;
    temp.as_file().sync_all()?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace the file", path.display()))?;
    Ok(())
}

/// Creates `path` with `contents` the same way, refusing to replace a file
/// that exists: a helper a fix adds never overwrites the user's.
pub fn create_atomically(path: &Path, contents: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".fixgen-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    temp.write_all(contents.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.as_file().sync_all()?;
    temp.persist_noclobber(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot create the file", path.display()))?;
    Ok(())
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
