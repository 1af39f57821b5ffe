use super::{session, Format, GlobalArgs};
use fixgen::engine::{Finding, Severity};
use fixgen::output::findings;
use fixgen::output::shown::Shown;
use std::path::PathBuf;

pub fn run(global: &GlobalArgs, paths: &[PathBuf], format: Format) -> anyhow::Result<u8> {
    let session = session::open(global, paths)?;
    let all: Vec<Finding> = session.report.findings().cloned().collect();
    let out = match format {
        Format::Text => findings::to_text_shown(&all, &Shown::from_cwd(&session.workspace.root)),
        Format::Json => findings::to_json(&all),
        Format::Sarif => findings::to_sarif(&all, session.engine.rules(), &session.workspace.root),
    };
    print!("{out}");
    let fixable = all.iter().filter(|f| f.fixable).count();
    // Notes (shared on purpose, ordered) are information, not defects.
    let errors = all.iter().filter(|f| f.severity == Severity::Error).count();
    let notes = all.len() - errors;
    let files = session
        .report
        .files
        .iter()
        .filter(|f| !f.result.findings.is_empty())
        .count();
    let notes = if notes > 0 {
        format!(" ({notes} of them notes, which do not fail the check)")
    } else {
        String::new()
    };
    eprintln!(
        "{} finding(s){notes}, {fixable} fixable, in {files} file(s)",
        all.len()
    );
    let status = if errors == 0 { 0 } else { 1 };
    Ok(session::with_errors(&session.report.errors, status))
}
