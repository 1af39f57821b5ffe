use super::{session, Format, GlobalArgs};
use fixgen::engine::{Finding, Severity};
use fixgen::gate::Gate;
use fixgen::output::findings;
use fixgen::output::shown::Shown;
use std::path::PathBuf;

pub fn run(
    global: &GlobalArgs,
    paths: &[PathBuf],
    format: Format,
    strict: bool,
) -> anyhow::Result<u8> {
    let session = session::open(global, paths)?;
    let all: Vec<Finding> = session.report.findings().cloned().collect();
    let out = match format {
        Format::Text => findings::to_text_shown(&all, &Shown::from_cwd(&session.workspace.root)),
        Format::Json => findings::to_json(&all),
        Format::Sarif => findings::to_sarif(&all, session.engine.rules(), &session.workspace.root),
    };
    print!("{out}");
    let gate = Gate::new(session.engine.rules(), strict);
    summarise(&session, &all, &gate);
    let status = if all.iter().any(|f| gate.fails(f)) {
        1
    } else {
        0
    };
    Ok(session::with_errors(&session.report.errors, status))
}

/// One line on stderr: what was found, and what of it the gate lets
/// through, so a green check never hides a defect from whoever reads it.
fn summarise(session: &session::Session, all: &[Finding], gate: &Gate) {
    let fixable = all.iter().filter(|f| f.fixable).count();
    let notes = all.iter().filter(|f| f.severity == Severity::Note).count();
    let reported_only = all.iter().filter(|f| gate.reported_only(f)).count();
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
    if reported_only > 0 {
        eprintln!(
            "{reported_only} finding(s) without a fix do not fail the check (--strict counts them)"
        );
    }
}
