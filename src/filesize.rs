//! `--max-filesize`: how large a Go file fixgen reads. A larger one (a
//! generated table, a checked-in blob) is skipped before it is read, so
//! that time and memory stay bounded whatever the repository holds.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

const KIB: u64 = 1024;
const MIB: u64 = KIB * 1024;
const GIB: u64 = MIB * 1024;

/// The largest file, in bytes, that fixgen reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxFilesize(u64);

/// 4 MiB, as in issue 19: far above any hand-written Go file, far below
/// what makes a parse take minutes.
impl Default for MaxFilesize {
    fn default() -> Self {
        MaxFilesize(4 * MIB)
    }
}

impl MaxFilesize {
    pub fn new(bytes: u64) -> Self {
        MaxFilesize(bytes)
    }

    pub fn bytes(self) -> u64 {
        self.0
    }

    pub fn admits(self, len: u64) -> bool {
        len <= self.0
    }

    /// The warning for a file of `len` bytes left out: one wording
    /// wherever the size is found out.
    pub fn skipped(self, shown: &str, len: u64) -> String {
        format!(
            "{shown}: {}, larger than --max-filesize ({self}); skipped",
            human(len)
        )
    }

    /// The text of `path`, unless it is larger than the limit, unreadable
    /// or not UTF-8: for readers that skip such files without a word
    /// (the scan has said it already, or the file is not the user's).
    /// Like `read_text`, into `buffer` (kept from call to call, so that a
    /// reader of thousands of files allocates, and faults in, its memory
    /// once).
    pub fn read_text_into<'b>(self, path: &Path, buffer: &'b mut Vec<u8>) -> Option<&'b str> {
        let file = std::fs::File::open(path).ok()?;
        crate::fsio::read_within_into(&file, self.0, buffer)
            .ok()?
            .ok()?;
        std::str::from_utf8(buffer).ok()
    }

    pub fn read_text(self, path: &Path) -> Option<String> {
        let file = std::fs::File::open(path).ok()?;
        let bytes = crate::fsio::read_within(&file, self.0).ok()?.ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// `4M`, `512K`, `1G` or plain bytes, `K`, `M` and `G` being powers of
/// 1024 (as ripgrep's `--max-filesize`).
impl FromStr for MaxFilesize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // clap shows the value and the option before this.
        let invalid = || "expected bytes, or a number with K, M or G (e.g. 4M)".to_string();
        let (digits, unit) = match text.char_indices().last() {
            Some((i, 'K' | 'k')) => (&text[..i], KIB),
            Some((i, 'M' | 'm')) => (&text[..i], MIB),
            Some((i, 'G' | 'g')) => (&text[..i], GIB),
            _ => (text, 1),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let number: u64 = digits.parse().map_err(|_| invalid())?;
        number
            .checked_mul(unit)
            .map(MaxFilesize)
            .ok_or_else(|| "too large a size".to_string())
    }
}

impl fmt::Display for MaxFilesize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human(self.0))
    }
}

/// `20.0 MiB`, `512.0 KiB`, `900 bytes`: sizes as the warnings show them.
pub fn human(bytes: u64) -> String {
    let scaled = |unit: u64| bytes as f64 / unit as f64;
    if bytes >= GIB {
        format!("{:.1} GiB", scaled(GIB))
    } else if bytes >= MIB {
        format!("{:.1} MiB", scaled(MIB))
    } else if bytes >= KIB {
        format!("{:.1} KiB", scaled(KIB))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<u64, String> {
        text.parse::<MaxFilesize>().map(MaxFilesize::bytes)
    }

    #[test]
    fn sizes_take_an_optional_binary_suffix() {
        assert_eq!(parsed("1000"), Ok(1000));
        assert_eq!(parsed("512K"), Ok(512 * 1024));
        assert_eq!(parsed("4M"), Ok(4 * 1024 * 1024));
        assert_eq!(parsed("1G"), Ok(1024 * 1024 * 1024));
        assert_eq!(parsed("4m"), Ok(4 * 1024 * 1024));
        assert_eq!(parsed("0"), Ok(0));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "M", "4MB", "4 M", "-1", "1.5M", "4T", "abc", "+4"] {
            assert!(parsed(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parsed("99999999999G").is_err(), "overflow");
    }

    #[test]
    fn the_default_is_four_mebibytes_and_reads_as_such() {
        assert_eq!(MaxFilesize::default().bytes(), 4 * 1024 * 1024);
        assert_eq!(MaxFilesize::default().to_string(), "4.0 MiB");
        assert_eq!(human(900), "900 bytes");
        assert_eq!(human(20 * 1024 * 1024), "20.0 MiB");
    }

    #[test]
    fn a_file_over_the_limit_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.go");
        std::fs::write(&path, "package a\n").unwrap();
        assert_eq!(
            MaxFilesize::new(10).read_text(&path).as_deref(),
            Some("package a\n")
        );
        assert_eq!(MaxFilesize::new(9).read_text(&path), None);
    }
}
