//! Writing files so that a crash never leaves half a file: a temporary file
//! in the same folder, flushed, then renamed over the original, which must
//! still be what fixgen read.

use anyhow::{bail, Context as _, Result};
use std::fs::Metadata;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Temporary files are `.fixgen-<pid>-<random>.tmp`: the pid tells a file
/// of a run still going from one a killed run left behind.
const TEMP_PREFIX: &str = ".fixgen-";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM_LEN: usize = 6;

/// What a file was when fixgen read it. An editor's save changes one of
/// them even within the mtime's granularity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
    hash: u64,
}

impl Fingerprint {
    fn of(metadata: &Metadata, bytes: &[u8]) -> Fingerprint {
        Unhashed {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
        .hashed(bytes)
    }
}

/// A hash of `bytes` that tells an edited text from the one read, within
/// one run: not a defence against texts made to collide, and not stable
/// across versions. A word at a time (a scan hashes every file it reads;
/// SipHash was a few percent of a scan).
pub fn content_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        h = (h ^ word).wrapping_mul(K).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

/// The bytes of `path`, and what the file was as they were read.
pub fn read_fingerprinted(path: &Path) -> std::io::Result<(Vec<u8>, Fingerprint)> {
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let fingerprint = Fingerprint::of(&file.metadata()?, &bytes);
    Ok((bytes, fingerprint))
}

/// What `read_fingerprinted_within` found.
pub enum Bounded {
    /// Read into the caller's buffer.
    Read(Unhashed),
    /// Larger than allowed: the size, and nothing read (or, for a file
    /// that grew while read, no more than one byte past the limit).
    TooLarge(u64),
}

/// What a file was when read, but for its text's hash: the hash is
/// taken only for the files a scan keeps (most it reads and lets go).
pub struct Unhashed {
    len: u64,
    modified: Option<SystemTime>,
}

impl Unhashed {
    /// The fingerprint, `bytes` being what was read with it.
    pub fn hashed(self, bytes: &[u8]) -> Fingerprint {
        Fingerprint {
            len: self.len,
            modified: self.modified,
            hash: content_hash(bytes),
        }
    }
}

/// Like `read_fingerprinted`, for a file of at most `max` bytes, into
/// `bytes` (cleared first; a scan keeps one buffer per thread, so that
/// it allocates, and faults in, its memory once): the size is asked
/// first, so a huge file costs no memory.
pub fn read_fingerprinted_within(
    path: &Path,
    max: u64,
    bytes: &mut Vec<u8>,
) -> std::io::Result<Bounded> {
    let file = std::fs::File::open(path)?;
    match read_within_into(&file, max, bytes)? {
        Ok(metadata) => Ok(Bounded::Read(Unhashed {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })),
        Err(len) => Ok(Bounded::TooLarge(len)),
    }
}

/// The bytes of `file` if it holds at most `max`, else (`Err`) its size.
/// The size is asked first, so a huge file costs no memory.
pub fn read_within(file: &std::fs::File, max: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    Ok(read_within_into(file, max, &mut bytes)?.map(|_| bytes))
}

/// Like `read_within`, into `bytes` (cleared first), with the metadata
/// the size came from. No more than that size is read, and no read past
/// it asks whether there is more: a scan reads thousands of files, and in
/// a virtual machine each system call counts. A file that grows
/// meanwhile is read as it was; its fingerprint (the size and time asked
/// before the read) then no longer matches it, so nothing read from it is
/// written back.
pub fn read_within_into(
    file: &std::fs::File,
    max: u64,
    bytes: &mut Vec<u8>,
) -> std::io::Result<Result<Metadata, u64>> {
    let metadata = file.metadata()?;
    let len = metadata.len();
    if len > max {
        return Ok(Err(len));
    }
    bytes.clear();
    bytes.reserve(len as usize);
    // `take(len)` ends the read at the size without another system call.
    file.take(len).read_to_end(bytes)?;
    Ok(Ok(metadata))
}

/// Replaces `path` with `contents`, unless it is no longer what was read
/// (`read`): an edit made meanwhile is the user's, and is kept.
pub fn replace_unchanged(path: &Path, contents: &str, read: &Fingerprint) -> Result<()> {
    replace(path, contents, Some(read))
}

/// Replaces `path` with `contents`, whatever it holds now.
pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    replace(path, contents, None)
}

fn replace(path: &Path, contents: &str, read: Option<&Fingerprint>) -> Result<()> {
    let original = std::fs::metadata(path)
        .with_context(|| format!("{}: cannot read metadata", path.display()))?;
    // A rename would replace a read-only file; respect the user's intent instead.
    if original.permissions().readonly() {
        bail!("{} is read-only; not changed", path.display());
    }
    write_through_temp(path, contents, Target::Replace { original, read })
}

/// Creates `path` with `contents` the same way, refusing to replace a file
/// that exists: a helper a fix adds never overwrites the user's.
pub fn create_atomically(path: &Path, contents: &str) -> Result<()> {
    write_through_temp(path, contents, Target::Create)
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

/// Whether `name` is a temporary file of some fixgen run: never the user's
/// work.
pub fn is_temp_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(temp_owner)
        .is_some()
}

/// Removes, from `folder`, the temporary files of fixgen runs that no
/// longer run (killed mid-write); returns their paths.
pub fn remove_stale_temps(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let owner = name.to_str().and_then(temp_owner);
            owner.is_some_and(|pid| !is_running(pid))
        })
        .map(|entry| entry.path())
        .filter(|path| std::fs::remove_file(path).is_ok())
        .collect()
}

/// The pid in a temporary file's name.
fn temp_owner(name: &str) -> Option<u32> {
    let middle = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, random) = middle.split_once('-')?;
    let is_random =
        random.len() == TEMP_RANDOM_LEN && random.chars().all(|c| c.is_ascii_alphanumeric());
    is_random.then(|| pid.parse().ok()).flatten()
}

#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without /proc a run cannot be told dead: its files are left alone.
#[cfg(not(target_os = "linux"))]
fn is_running(_pid: u32) -> bool {
    true
}

enum Target<'a> {
    Create,
    Replace {
        original: Metadata,
        read: Option<&'a Fingerprint>,
    },
}

/// A temporary file beside `path`, written and flushed, then renamed onto
/// `path` (or linked, when an existing file must not be replaced).
fn write_through_temp(path: &Path, contents: &str, target: Target) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM_LEN)
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    temp.write_all(contents.as_bytes())?;
    match &target {
        Target::Create => set_mode(temp.as_file(), 0o644)?,
        Target::Replace { original, .. } => keep_owner_and_mode(temp.as_file(), original)?,
    }
    temp.as_file().sync_all()?;
    let persisted = match target {
        Target::Create => temp.persist_noclobber(path),
        Target::Replace { read, .. } => {
            if let Some(read) = read {
                ensure_unchanged(path, read)?;
            }
            temp.persist(path)
        }
    };
    persisted
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot write the file", path.display()))?;
    Ok(())
}

fn ensure_unchanged(path: &Path, read: &Fingerprint) -> Result<()> {
    let now = read_fingerprinted(path)
        .with_context(|| format!("{}: cannot read it again before writing", path.display()))?
        .1;
    if &now != read {
        bail!(
            "{} changed since it was read; not written (run fixgen again)",
            path.display()
        );
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    Ok(file.set_permissions(std::fs::Permissions::from_mode(mode))?)
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> Result<()> {
    Ok(())
}

/// The replacement belongs to whoever owned the original (root applying
/// fixes in another user's tree must not take their files), where the
/// system allows it; the mode is set after, as a chown clears setuid bits.
#[cfg(unix)]
fn keep_owner_and_mode(file: &std::fs::File, original: &Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let temp = file.metadata()?;
    if (temp.uid(), temp.gid()) != (original.uid(), original.gid()) {
        // Only root may give a file away: for anyone else the file stays theirs.
        let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    }
    Ok(file.set_permissions(original.permissions())?)
}

#[cfg(not(unix))]
fn keep_owner_and_mode(file: &std::fs::File, original: &Metadata) -> Result<()> {
    Ok(file.set_permissions(original.permissions())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_of_the_same_length_changes_the_content_hash() {
        let text = b"package p\n\nfunc F() { x = 1 }\n";
        let edited = b"package p\n\nfunc F() { x = 2 }\n";
        let copy = String::from_utf8_lossy(text).into_owned();
        assert_eq!(content_hash(text), content_hash(copy.as_bytes()));
        assert_ne!(content_hash(text), content_hash(edited));
        // The tail that is not a whole word counts too.
        assert_ne!(content_hash(b"12345678a"), content_hash(b"12345678b"));
        assert_ne!(content_hash(b""), content_hash(b"\0"));
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.go");
        std::fs::write(&path, "package x\n").unwrap();
        let (_, read) = read_fingerprinted(&path).unwrap();
        // Same length, so only the content tells.
        std::fs::write(&path, "package y\n").unwrap();
        let refused = replace_unchanged(&path, "package z\n", &read).unwrap_err();
        assert!(
            refused.to_string().contains("changed since it was read"),
            "{refused}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "package y\n");

        let (_, read) = read_fingerprinted(&path).unwrap();
        replace_unchanged(&path, "package z\n", &read).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "package z\n");
    }

    #[test]
    fn temporary_files_are_told_by_name_and_only_dead_runs_lose_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let names = [
            format!(".fixgen-{dead}-aB3dE9.tmp"),
            format!(".fixgen-{}-aB3dE9.tmp", std::process::id()),
            format!(".fixgen-{dead}-notours.tmp"),
            "x.go".to_string(),
        ];
        for name in &names {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let told: Vec<bool> = names.iter().map(|n| is_temp_file(Path::new(n))).collect();
        assert_eq!(told, [true, true, false, false]);
        assert_eq!(remove_stale_temps(dir.path()), [dir.path().join(&names[0])]);
        assert!(dir.path().join(&names[1]).exists());
    }
}
