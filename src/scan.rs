//! Running the engine over a selection of files, in parallel, reading each
//! file once and parsing only files a rule's prefilter lets through.

use crate::engine::edit::NewFile;
use crate::engine::{Engine, FileResult};
use crate::go::generated::is_generated;
use crate::workspace::SourceFile;
use rayon::prelude::*;

pub struct Scanned {
    pub file: SourceFile,
    pub original: String,
    pub result: FileResult,
}

#[derive(Default)]
pub struct ScanReport {
    pub files: Vec<Scanned>,
    /// Files the fixes add (helpers), once each, by path.
    pub created: Vec<NewFile>,
    pub warnings: Vec<String>,
}

impl ScanReport {
    pub fn findings(&self) -> impl Iterator<Item = &crate::engine::Finding> {
        self.files.iter().flat_map(|f| f.result.findings.iter())
    }

    pub fn changed(&self) -> impl Iterator<Item = (&Scanned, &str)> {
        self.files
            .iter()
            .filter_map(|f| f.result.fixed.as_deref().map(|t| (f, t)))
    }
}

enum Outcome {
    Done(Box<Scanned>),
    Skipped(String),
    Quiet,
}

pub fn scan(engine: &Engine, files: Vec<SourceFile>) -> ScanReport {
    scan_with(engine, files, &|_| None)
}

/// Like `scan`, reading a file's text from `overlay` when it has it (the
/// result of earlier rules, not yet on disk).
pub fn scan_with(
    engine: &Engine,
    files: Vec<SourceFile>,
    overlay: &(dyn Fn(&SourceFile) -> Option<String> + Sync),
) -> ScanReport {
    let outcomes: Vec<Outcome> = files
        .into_par_iter()
        .map(|file| match overlay(&file) {
            Some(text) => scan_text(engine, file, text),
            None => scan_one(engine, file),
        })
        .collect();
    let mut report = ScanReport::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Done(scanned) => {
                report
                    .warnings
                    .extend(scanned.result.warnings.iter().cloned());
                report.files.push(*scanned);
            }
            Outcome::Skipped(warning) => report.warnings.push(warning),
            Outcome::Quiet => {}
        }
    }
    collect_created(engine, &mut report);
    report
}

/// Fixes in several files of a package may each add the same helper file:
/// it is added once. Two different texts for one path, or a path that
/// exists by now, are reported and not written.
fn collect_created(engine: &Engine, report: &mut ScanReport) {
    let mut created: Vec<NewFile> = Vec::new();
    for file in report.files.iter().flat_map(|f| f.result.created.iter()) {
        match created.iter().find(|c| c.path == file.path) {
            Some(existing) if existing.text != file.text => report.warnings.push(format!(
                "{}: two fixes add this file with different contents; neither is written",
                file.path
            )),
            Some(_) => {}
            None => created.push(file.clone()),
        }
    }
    let conflicting: Vec<String> = report
        .files
        .iter()
        .flat_map(|f| f.result.created.iter())
        .filter(|f| created.iter().any(|c| c.path == f.path && c.text != f.text))
        .map(|f| f.path.clone())
        .collect();
    created.retain(|c| !conflicting.contains(&c.path));
    if let Some(root) = engine.root() {
        created.retain(|c| {
            let exists = root.join(&c.path).exists();
            if exists {
                report.warnings.push(format!(
                    "{}: a fix would add this file, but it exists; not written",
                    c.path
                ));
            }
            !exists
        });
    }
    created.sort_by(|a, b| a.path.cmp(&b.path));
    report.created = created;
}

fn scan_one(engine: &Engine, file: SourceFile) -> Outcome {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => return Outcome::Skipped(format!("{}: cannot read ({e}); skipped", file.rel)),
    };
    let Ok(original) = String::from_utf8(bytes) else {
        return Outcome::Skipped(format!("{}: not UTF-8; skipped", file.rel));
    };
    scan_text(engine, file, original)
}

fn scan_text(engine: &Engine, file: SourceFile, original: String) -> Outcome {
    if engine.candidate_rules(&original).is_empty() {
        return Outcome::Quiet;
    }
    // Generated files are never edited, and what they say is not the
    // author's to fix.
    if is_generated(&original) {
        return Outcome::Quiet;
    }
    match engine.process(&file.rel, &original) {
        Ok(result) => Outcome::Done(Box::new(Scanned {
            file,
            original,
            result,
        })),
        Err(e) => Outcome::Skipped(format!("{}: {e}; not parsed, not changed", file.rel)),
    }
}
