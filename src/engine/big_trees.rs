//! At most one large syntax tree alive at a time. A tree takes some
//! twenty times the bytes of the text it was parsed from, so the peak
//! memory of a run is set by its largest functions (a table-driven test of
//! ten thousand lines makes a tree of tens of megabytes); two such trees
//! on two threads at once double the peak for no gain in time worth
//! having. A window of more than [`LARGE`] bytes waits for the others to
//! be done; small ones never wait.
//!
//! Waiting runs other pending work (rayon's `yield_now`) rather than
//! blocking, and a thread that already holds the turn (it took up another
//! window while waiting) goes on: it cannot wait for itself.

use std::sync::Mutex;
use std::thread::ThreadId;

/// Bytes of parsed text above which a window takes its turn.
pub const LARGE: usize = 256 * 1024;

static HOLDER: Mutex<Option<(ThreadId, usize)>> = Mutex::new(None);

/// The turn to hold a large tree, released when dropped; `None` for a
/// small window.
pub struct Turn(());

/// Waits for the turn when `bytes` is large.
pub fn turn_for(bytes: usize) -> Option<Turn> {
    if bytes <= LARGE {
        return None;
    }
    let me = std::thread::current().id();
    loop {
        {
            let mut holder = HOLDER.lock().unwrap();
            match &mut *holder {
                None => {
                    *holder = Some((me, 1));
                    return Some(Turn(()));
                }
                Some((thread, depth)) if *thread == me => {
                    *depth += 1;
                    return Some(Turn(()));
                }
                Some(_) => {}
            }
        }
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut holder = HOLDER.lock().unwrap();
        if let Some((_, depth)) = &mut *holder {
            *depth -= 1;
            if *depth == 0 {
                *holder = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_windows_never_wait_and_large_ones_take_turns() {
        assert!(turn_for(LARGE).is_none());
        let first = turn_for(LARGE + 1).expect("a large window takes the turn");
        // The same thread may take it again (a window it took up while
        // waiting), and gives it back only when both are done.
        let nested = turn_for(LARGE + 1).expect("the holder goes on");
        drop(first);
        let other = std::thread::spawn(|| {
            let started = std::time::Instant::now();
            drop(turn_for(LARGE + 1));
            started.elapsed()
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(nested);
        let waited = other.join().unwrap();
        assert!(
            waited >= std::time::Duration::from_millis(40),
            "another thread waited for the turn: {waited:?}"
        );
    }
}
