use super::{session, GlobalArgs};
use fixgen::engine::Severity;
use fixgen::output::diff;
use fixgen::output::shown::Shown;
use fixgen::scan::ScanReport;
use std::path::PathBuf;

/// The diff of every fix, or with `list` the files it touches (`gofmt
/// -l`'s answer: which files to look at), with the same exit status.
pub fn run(
    global: &GlobalArgs,
    paths: &[PathBuf],
    list: bool,
    verify: &session::VerifyArgs,
) -> anyhow::Result<u8> {
    let (session, _) = session::open_verified(global, paths, verify)?;
    let changed = if list {
        print_list(&session.report, &Shown::from_cwd(&session.workspace.root))
    } else {
        print_diffs(&session.report, global.color.enabled())
    };
    // Notes (shared on purpose) are not defects left unfixed.
    let unfixed = session
        .report
        .findings()
        .filter(|f| !f.fixable && f.severity == Severity::Error)
        .count();
    eprintln!(
        "{changed} file(s) would change; {unfixed} finding(s) without a fix (see `fixgen check`)"
    );
    let status = if changed == 0 { 0 } else { 1 };
    Ok(session::with_errors(&session.report.errors, status))
}

/// Diffs name files from the repository root: `git apply` takes them there.
fn print_diffs(report: &ScanReport, color: bool) -> usize {
    let mut changed = 0;
    for (file, fixed) in report.changed() {
        let d = diff::unified(&file.file.rel, &file.original, fixed);
        print!("{}", if color { diff::colorize(&d) } else { d });
        changed += 1;
    }
    for file in &report.created {
        let d = diff::new_file(&file.path, &file.text);
        print!("{}", if color { diff::colorize(&d) } else { d });
        changed += 1;
    }
    changed
}

/// A list is for the person (or `xargs`) in the current folder.
fn print_list(report: &ScanReport, shown: &Shown) -> usize {
    let mut files: Vec<&str> = report
        .changed()
        .map(|(file, _)| file.file.rel.as_str())
        .chain(report.created.iter().map(|file| file.path.as_str()))
        .collect();
    files.sort_unstable();
    for rel in &files {
        println!("{}", shown.path(rel));
    }
    files.len()
}
