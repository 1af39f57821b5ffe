use super::{session, Format, GlobalArgs};
use fixgen::engine::{Finding, Severity};
use fixgen::gate::Gate;
use fixgen::output::findings;
use fixgen::output::github::to_github;
use fixgen::output::shown::Shown;
use std::path::PathBuf;

/// How `check` was asked to report.
pub struct Options {
    pub format: Format,
    pub strict: bool,
    /// List the findings `//fixgen:ignore` directives ignore, with their reasons.
    pub show_ignored: bool,
    /// Say on stderr what each rule did with each file.
    pub explain: bool,
}

pub fn run(global: &GlobalArgs, paths: &[PathBuf], options: &Options) -> anyhow::Result<u8> {
    let session = session::open_explaining(global, paths, options.explain)?;
    if options.explain {
        eprint!("{}", explained(&session));
    }
    let all: Vec<Finding> = session.report.findings().cloned().collect();
    let ignored: Vec<Finding> = session.report.suppressed().cloned().collect();
    let shown_ignored: &[Finding] = if options.show_ignored { &ignored } else { &[] };
    let gate = Gate::new(session.engine.rules(), options.strict);
    let (root, rules) = (&session.workspace.root, session.engine.rules());
    let out = match options.format {
        Format::Text => findings::to_text_shown(&all, shown_ignored, &Shown::from_cwd(root)),
        Format::Json => findings::to_json(&all, shown_ignored),
        Format::Sarif => findings::to_sarif(&all, shown_ignored, rules, root),
        Format::Github => to_github(&all, shown_ignored, &gate),
    };
    print!("{out}");
    summarise(&session, &all, ignored.len(), &gate);
    let status = if all.iter().any(|f| gate.fails(f)) {
        1
    } else {
        0
    };
    Ok(session::with_errors(&session.report.errors, status))
}

/// `--explain`: per file (in path order), what each rule did with it.
fn explained(session: &session::Session) -> String {
    let mut out = String::new();
    for scanned in &session.report.files {
        if scanned.result.explanation.is_empty() {
            continue;
        }
        out.push_str(&format!("{}:\n", scanned.file.rel));
        for line in &scanned.result.explanation {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// One line on stderr: what was found, what directives ignored, and what
/// of it the gate lets through, so a green check never hides a defect
/// from whoever reads it.
fn summarise(session: &session::Session, all: &[Finding], ignored: usize, gate: &Gate) {
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
    let ignored = if ignored > 0 {
        format!("; {ignored} ignored by //fixgen:ignore (--show-ignored lists them)")
    } else {
        String::new()
    };
    eprintln!(
        "{} finding(s){notes}, {fixable} fixable, in {files} file(s){ignored}",
        all.len()
    );
    if reported_only > 0 {
        eprintln!(
            "{reported_only} finding(s) without a fix do not fail the check (--strict counts them)"
        );
    }
}
