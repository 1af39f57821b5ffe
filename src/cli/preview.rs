use super::{session, GlobalArgs};
use fixgen::engine::Severity;
use fixgen::output::diff;
use std::path::PathBuf;

pub fn run(global: &GlobalArgs, paths: &[PathBuf]) -> anyhow::Result<u8> {
    let session = session::open(global, paths)?;
    let color = global.color.enabled();
    let mut changed = 0;
    for (file, fixed) in session.report.changed() {
        let d = diff::unified(&file.file.rel, &file.original, fixed);
        print!("{}", if color { diff::colorize(&d) } else { d });
        changed += 1;
    }
    for file in &session.report.created {
        let d = diff::new_file(&file.path, &file.text);
        print!("{}", if color { diff::colorize(&d) } else { d });
        changed += 1;
    }
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
