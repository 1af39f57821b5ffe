use super::{session, Format, GlobalArgs};
use fixgen::engine::Finding;
use fixgen::output::findings;
use std::path::PathBuf;

pub fn run(global: &GlobalArgs, paths: &[PathBuf], format: Format) -> anyhow::Result<u8> {
    let session = session::open(global, paths)?;
    let all: Vec<Finding> = session.report.findings().cloned().collect();
    let out = match format {
        Format::Text => findings::to_text(&all),
        Format::Json => findings::to_json(&all),
        Format::Sarif => findings::to_sarif(&all, session.engine.rules()),
    };
    print!("{out}");
    let fixable = all.iter().filter(|f| f.fixable).count();
    let files = session
        .report
        .files
        .iter()
        .filter(|f| !f.result.findings.is_empty())
        .count();
    eprintln!(
        "{} finding(s), {fixable} fixable, in {files} file(s)",
        all.len()
    );
    Ok(if all.is_empty() { 0 } else { 1 })
}
