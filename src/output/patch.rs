//! Patch files in `git format-patch` form, which `git am` applies: a
//! mbox "From " line, From/Date/Subject headers, the message body, a
//! diffstat after `---`, and the diff.

use super::diff;
use super::messages::Messages;
use crate::changeset::{FileChange, RuleChanges};
use crate::fsio::create_or_replace;
use anyhow::Result;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The mail header by which fixgen knows its own patches. `git am` ignores
/// headers it does not know.
const MARKER: &str = "X-Fixgen-Patch: 1";

/// Writes `0001-<rule-id>.patch` … into `dir`, one per rule, after removing
/// the patches an earlier run wrote (`git am DIR/*.patch` would apply them
/// too). Returns the file names, in order.
pub fn write_series(
    dir: &Path,
    rules: &[RuleChanges],
    messages: &Messages,
    verification: &dyn crate::output::messages::Verification,
    author: &Author,
    date: SystemTime,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    remove_old_patches(dir)?;
    let mut names = Vec::new();
    for (i, change) in rules.iter().enumerate() {
        let message = messages.commit_message(change, verification)?;
        let patch = format_patch(i + 1, rules.len(), author, date, &message, &change.files);
        let name = format!("{:04}-{}.patch", i + 1, change.rule_id);
        create_or_replace(&dir.join(&name), &patch)?;
        names.push(name);
    }
    Ok(names)
}

/// The folder may hold the user's own patches, named like ours: only
/// files carrying fixgen's marker are removed.
fn remove_old_patches(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let numbered = entry.file_name().to_str().is_some_and(is_series_name);
        if numbered && entry.file_type()?.is_file() && has_marker(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// `NNNN-<anything>.patch`, as `write_series` names its files.
fn is_series_name(name: &str) -> bool {
    let Some((number, rest)) = name.split_once('-') else {
        return false;
    };
    number.len() == 4 && number.chars().all(|c| c.is_ascii_digit()) && rest.ends_with(".patch")
}

/// Whether the patch's mail header (up to the first empty line) holds `MARKER`.
fn has_marker(path: &Path) -> bool {
    use std::io::BufRead as _;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.is_empty())
        .any(|line| line == MARKER)
}

/// Who the patches are from.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// One patch: number `n` of `total`.
pub fn format_patch(
    n: usize,
    total: usize,
    author: &Author,
    date: SystemTime,
    message: &str,
    files: &[FileChange],
) -> String {
    let (subject, body) = message.split_once('\n').unwrap_or((message, ""));
    let mut out = String::new();
    out.push_str("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n");
    out.push_str(&format!("From: {} <{}>\n", author.name, author.email));
    out.push_str(&format!("Date: {}\n", rfc2822(date)));
    out.push_str(&format!("{MARKER}\n"));
    out.push_str(&format!("Subject: [PATCH {n}/{total}] {subject}\n"));
    out.push_str(&format!("\n{}\n", body.trim()));
    out.push_str("---\n");
    out.push_str(&diffstat(files));
    out.push('\n');
    for file in files {
        out.push_str(&file_diff(file));
    }
    out.push_str("-- \nfixgen\n\n");
    out
}

/// The unified diff of one change (a new file when `old` is `None`).
pub fn file_diff(file: &FileChange) -> String {
    match &file.old {
        Some(old) => diff::unified(&file.path, old, &file.new),
        None => diff::new_file(&file.path, &file.new),
    }
}

/// ` path | 12 ++++----` lines and a summary, as git prints them.
fn diffstat(files: &[FileChange]) -> String {
    let counts: Vec<(usize, usize)> = files
        .iter()
        .map(|f| {
            let d = file_diff(f);
            let added = d
                .lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count();
            let removed = d
                .lines()
                .filter(|l| l.starts_with('-') && !l.starts_with("---"))
                .count();
            (added, removed)
        })
        .collect();
    let width = files.iter().map(|f| f.path.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (file, (added, removed)) in files.iter().zip(&counts) {
        out.push_str(&format!(
            " {:width$} | {:>3} {}{}\n",
            file.path,
            added + removed,
            "+".repeat((*added).min(40)),
            "-".repeat((*removed).min(40)),
        ));
    }
    let (added, removed) = counts.iter().fold((0, 0), |(a, r), (x, y)| (a + x, r + y));
    out.push_str(&format!(
        " {} file{} changed, {added} insertion{}(+), {removed} deletion{}(-)\n",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if added == 1 { "" } else { "s" },
        if removed == 1 { "" } else { "s" },
    ));
    out
}

/// `Tue, 24 Nov 2026 03:10:00 +0000`.
pub fn rfc2822(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day} {} {year} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[(days.rem_euclid(7)) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(rfc2822(UNIX_EPOCH), "Thu, 1 Jan 1970 00:00:00 +0000");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_489_800);
        assert_eq!(rfc2822(t), "Tue, 24 Nov 2026 03:10:00 +0000");
    }

    #[test]
    fn a_patch_has_headers_stat_and_diff() {
        let author = Author {
            name: "A".into(),
            email: "a@example.com".into(),
        };
        let files = vec![FileChange {
            path: "x.go".into(),
            old: Some("a\n".into()),
            new: "b\n".into(),
        }];
        let p = format_patch(1, 2, &author, UNIX_EPOCH, "rule: fix\n\nBody.\n", &files);
        assert!(p.starts_with("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.com>\nDate: Thu, 1 Jan 1970 00:00:00 +0000\nX-Fixgen-Patch: 1\nSubject: [PATCH 1/2] rule: fix\n\nBody.\n---\n x.go |   2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\ndiff --git a/x.go b/x.go\n"), "{p}");
    }
}
