//! Running the engine over a selection of files, in parallel, reading each
//! file once and parsing only files a rule's prefilter lets through.

use crate::engine::edit::NewFile;
use crate::engine::{DeferredProof, Engine, FileResult};
use crate::fsio::{read_fingerprinted_within, Bounded, Fingerprint, Unhashed};
use crate::output::progress::ScanProgress;
use crate::workspace::SourceFile;
use rayon::prelude::*;
use std::collections::BTreeMap;

pub struct Scanned {
    pub file: SourceFile,
    /// The text read, when a fix changed it (empty otherwise).
    pub original: String,
    /// What the file on disk was when `original` was read from it (`None`
    /// for text from an overlay): a write replaces only that.
    pub read: Option<Fingerprint>,
    pub result: FileResult,
}

#[derive(Default)]
pub struct ScanReport {
    pub files: Vec<Scanned>,
    /// Files the fixes add (helpers), once each, by path.
    pub created: Vec<NewFile>,
    pub warnings: Vec<String>,
    /// Files whose fixes cannot be written (`FileResult::failure`): the
    /// run fails once the rest is done.
    pub errors: Vec<String>,
}

impl ScanReport {
    pub fn findings(&self) -> impl Iterator<Item = &crate::engine::Finding> {
        self.files.iter().flat_map(|f| f.result.findings.iter())
    }

    /// Findings a `//fixgen:ignore` directive ignores (see `suppress`).
    pub fn suppressed(&self) -> impl Iterator<Item = &crate::engine::Finding> {
        self.files.iter().flat_map(|f| f.result.suppressed.iter())
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

/// A file's outcome, and the proofs it took as not holding until the scan
/// settles them (see `Engine::process_deferring`), with the file to scan
/// again should one hold.
struct Pass {
    outcome: Outcome,
    deferred: Option<(SourceFile, Vec<DeferredProof>)>,
}

pub fn scan(engine: &Engine, files: Vec<SourceFile>) -> ScanReport {
    scan_with(engine, files, &|_| None, None)
}

/// Like `scan`, reading a file's text from `overlay` when it has it (the
/// result of earlier rules, not yet on disk), and counting files done on
/// `progress`.
pub fn scan_with(
    engine: &Engine,
    files: Vec<SourceFile>,
    overlay: &(dyn Fn(&SourceFile) -> Option<String> + Sync),
    progress: Option<&ScanProgress>,
) -> ScanReport {
    let scan_file = |file: SourceFile, defer: bool| match overlay(&file) {
        Some(text) => scan_text(engine, file, &text, None, defer),
        None => scan_one(engine, file, defer),
    };
    // Proofs about a whole module wait for the scan to have read it.
    let defer = engine.defers_proofs();
    let mut passes: Vec<Pass> = files
        .into_par_iter()
        .map(|file| {
            let pass = scan_file(file, defer);
            if let Some(progress) = progress {
                progress.tick();
            }
            pass
        })
        .collect();
    settle_deferred(engine, &mut passes, &|file| scan_file(file, false));
    let mut report = ScanReport::default();
    for Pass { outcome, .. } in passes {
        match outcome {
            Outcome::Done(scanned) => {
                report
                    .warnings
                    .extend(scanned.result.warnings.iter().cloned());
                report.errors.extend(scanned.result.failure.iter().cloned());
                report.files.push(*scanned);
            }
            Outcome::Skipped(warning) => report.warnings.push(warning),
            Outcome::Quiet => {}
        }
    }
    keep_gofmt_layout(engine, &mut report);
    collect_created(engine, &mut report);
    report
}

/// Answers the proofs the scan left for later, all together, and scans
/// again the files for which one holds after all: their results are then
/// what a scan answering each proof at once would have given.
fn settle_deferred(
    engine: &Engine,
    passes: &mut [Pass],
    scan_again: &(dyn Fn(SourceFile) -> Pass + Sync),
) {
    // Files of a module ask alike: each question once.
    let deferred: Vec<DeferredProof> = passes
        .iter()
        .filter_map(|p| p.deferred.as_ref())
        .flat_map(|(_, proofs)| proofs.iter())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    if deferred.is_empty() {
        return;
    }
    engine.settle(&deferred);
    let again: Vec<(usize, SourceFile)> = passes
        .iter_mut()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.deferred.take()?)))
        .filter(|(_, (_, proofs))| engine.settled_differently(proofs))
        .map(|(i, (file, _))| (i, file))
        .collect();
    let redone: Vec<(usize, Pass)> = again
        .into_par_iter()
        .map(|(i, file)| (i, scan_again(file)))
        .collect();
    for (i, pass) in redone {
        passes[i] = pass;
    }
}

/// A file whose fixes leave code gofmt would lay out otherwise is not
/// fixed: its findings stay, without a fix, and a warning names the line.
fn keep_gofmt_layout(engine: &Engine, report: &mut ScanReport) {
    let fixed: Vec<usize> = (0..report.files.len())
        .filter(|&i| report.files[i].result.fixed.is_some())
        .collect();
    let pairs: Vec<(&str, &str)> = fixed
        .iter()
        .map(|&i| {
            let file = &report.files[i];
            (
                file.original.as_str(),
                file.result.fixed.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let refusals = engine.keep_gofmt_layout(&pairs);
    for (i, refusal) in fixed.into_iter().zip(refusals) {
        let Some(refusal) = refusal else { continue };
        let scanned = &mut report.files[i];
        let warning = format!("{}:{refusal}", scanned.file.rel);
        scanned.result.fixed = None;
        scanned.result.applied.clear();
        scanned.result.created.clear();
        for finding in &mut scanned.result.findings {
            finding.fix = None;
        }
        scanned.result.warnings.push(warning.clone());
        report.warnings.push(warning);
    }
}

/// Fixes in several files of a package may each add the same helper file:
/// it is added once. Two different texts for one path, or a path that
/// exists by now, are reported and not written, and then neither are the
/// fixes that need the file: fixed code never goes out without its helper.
fn collect_created(engine: &Engine, report: &mut ScanReport) {
    // Path → text; `None` once two fixes disagree about it.
    let mut wanted: BTreeMap<String, Option<String>> = BTreeMap::new();
    for file in report.files.iter().flat_map(|f| f.result.created.iter()) {
        wanted
            .entry(file.path.clone())
            .and_modify(|text| {
                if text.as_deref() != Some(file.text.as_str()) {
                    *text = None;
                }
            })
            .or_insert_with(|| Some(file.text.clone()));
    }
    let mut dropped = Vec::new();
    for (path, text) in wanted {
        let exists = engine.root().is_some_and(|root| root.join(&path).exists());
        match text {
            Some(text) if !exists => report.created.push(NewFile { path, text }),
            Some(_) => {
                report.warnings.push(format!(
                    "{path}: a fix would add this file, but it exists; not written"
                ));
                dropped.push(path);
            }
            None => {
                report.warnings.push(format!(
                    "{path}: two fixes add this file with different contents; neither is written"
                ));
                dropped.push(path);
            }
        }
    }
    for scanned in &mut report.files {
        if let Some(missing) = scanned
            .result
            .created
            .iter()
            .find(|c| dropped.contains(&c.path))
        {
            report.warnings.push(format!(
                "{}: not fixed: its fix needs {}, which is not written",
                scanned.file.rel, missing.path
            ));
            scanned.result.fixed = None;
            for finding in &mut scanned.result.findings {
                finding.fix = None;
            }
        }
    }
}

fn scan_one(engine: &Engine, file: SourceFile, defer: bool) -> Pass {
    // Most files are read and let go: one buffer per thread spares an
    // allocation, and the page faults of fresh memory, per file. It is
    // taken out while in use, not borrowed: a thread waiting for its turn
    // at a large tree (engine::big_trees) runs other files' scans meanwhile.
    thread_local! {
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut bytes = BUFFER.take();
    let pass = scan_bytes(engine, file, &mut bytes, defer);
    BUFFER.set(bytes);
    pass
}

fn scan_bytes(engine: &Engine, file: SourceFile, bytes: &mut Vec<u8>, defer: bool) -> Pass {
    let limit = engine.max_filesize();
    let skipped = |warning: String| Pass {
        outcome: Outcome::Skipped(warning),
        deferred: None,
    };
    let read = match read_fingerprinted_within(&file.abs, limit.bytes(), bytes) {
        Ok(Bounded::Read(read)) => read,
        Ok(Bounded::TooLarge(len)) => return skipped(limit.skipped(&file.rel, len)),
        Err(e) => return skipped(format!("{}: cannot read ({e}); skipped", file.rel)),
    };
    let Ok(original) = std::str::from_utf8(bytes) else {
        return skipped(format!("{}: not UTF-8; skipped", file.rel));
    };
    if defer {
        engine.record_read(&file.rel, original);
    }
    scan_text(engine, file, original, Some(read), defer)
}

fn scan_text(
    engine: &Engine,
    file: SourceFile,
    original: &str,
    read: Option<Unhashed>,
    defer: bool,
) -> Pass {
    let result = match defer {
        true => engine.process_deferring(&file.rel, original),
        false => engine.process(&file.rel, original),
    };
    let deferred = match &result {
        Ok(result) if !result.deferred.is_empty() => Some((file.clone(), result.deferred.clone())),
        _ => None,
    };
    let outcome = outcome_of(file, original, read, result);
    Pass { outcome, deferred }
}

fn outcome_of(
    file: SourceFile,
    original: &str,
    read: Option<Unhashed>,
    result: Result<FileResult, crate::go::parse::SyntaxError>,
) -> Outcome {
    match result {
        Ok(result) if !result.considered && result.explanation.is_empty() => Outcome::Quiet,
        Ok(result) => {
            let read = read.map(|read| read.hashed(original.as_bytes()));
            // Only a changed file's text is read again (its diff, its
            // write): a scan of a large tree must not hold every file.
            let original = if result.fixed.is_some() {
                original.to_string()
            } else {
                String::new()
            };
            Outcome::Done(Box::new(Scanned {
                file,
                original,
                read,
                result,
            }))
        }
        Err(e) => Outcome::Skipped(format!("{}: {e}; not parsed, not changed", file.rel)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(rel: &str, helper_text: &str) -> Scanned {
        Scanned {
            file: SourceFile {
                rel: rel.into(),
                abs: rel.into(),
            },
            original: "package p\n".into(),
            read: None,
            result: FileResult {
                fixed: Some("package p // fixed\n".into()),
                created: vec![NewFile {
                    path: "p/helper.go".into(),
                    text: helper_text.into(),
                }],
                ..FileResult::default()
            },
        }
    }

    #[test]
    fn a_helper_is_added_once_and_a_disputed_one_takes_its_fixes_with_it() {
        let engine = Engine::new(Vec::new(), Vec::new());
        let mut agreed = ScanReport {
            files: vec![scanned("p/a.go", "h"), scanned("p/b.go", "h")],
            ..ScanReport::default()
        };
        collect_created(&engine, &mut agreed);
        assert_eq!(agreed.created.len(), 1);
        assert_eq!(agreed.changed().count(), 2);

        let mut disputed = ScanReport {
            files: vec![scanned("p/a.go", "h1"), scanned("p/b.go", "h2")],
            ..ScanReport::default()
        };
        collect_created(&engine, &mut disputed);
        assert!(disputed.created.is_empty());
        assert_eq!(disputed.changed().count(), 0, "no fix without its helper");
        assert_eq!(disputed.warnings.len(), 3, "{:?}", disputed.warnings);
    }
}
