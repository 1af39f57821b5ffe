//! Running the engine over a selection of files, in parallel, reading each
//! file once and parsing only files a rule's prefilter lets through.

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
    let outcomes: Vec<Outcome> = files
        .into_par_iter()
        .map(|file| scan_one(engine, file))
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
    report
}

fn scan_one(engine: &Engine, file: SourceFile) -> Outcome {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => return Outcome::Skipped(format!("{}: cannot read ({e}); skipped", file.rel)),
    };
    let Ok(original) = String::from_utf8(bytes) else {
        return Outcome::Skipped(format!("{}: not UTF-8; skipped", file.rel));
    };
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
