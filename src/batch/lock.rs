//! One batch at a time on an output folder. Two runs on one OUT would
//! fight over the same clones and each overwrite the other's manifest, so
//! a run holds an OS lock on `OUT/.lock` and writes its pid there for the
//! message a second run gives.
//!
//! The OS lock, not the pid, decides: the system drops it when its process
//! dies however it dies, so a lock file left by a killed run (its pid dead,
//! or reused by an unrelated process) is simply taken over.

use anyhow::{anyhow, Context as _, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::Path;

const LOCK_FILE: &str = ".lock";

/// Held for the whole run; released when dropped or when the process ends.
pub struct OutLock {
    file: File,
}

impl OutLock {
    /// Takes the lock on `out`, or says which process holds it.
    pub fn take(out: &Path) -> Result<OutLock> {
        let path = out.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(anyhow!(
                "another batch ({}) is writing to {}; wait for it to finish, or pass another --out",
                holder(&mut file),
                out.display()
            ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
        file.set_len(0)?;
        writeln!(file, "{}", std::process::id())?;
        Ok(OutLock { file })
    }
}

/// `pid N`, as the holder wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("pid {pid}"),
        Err(_) => "its pid not yet written".to_string(),
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // An empty lock file is a free one; the OS lock goes with the file.
        let _ = self.file.set_len(0);
    }
}
