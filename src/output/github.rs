//! Findings as GitHub Actions workflow commands, one per line, which the
//! runner turns into annotations on the pull request's diff:
//! `::error file=PATH,line=L,col=C,title=fixgen RULE::MESSAGE`.
//!
//! The level follows the gate, not the rule, so the annotations say what
//! the job's status says: `error` for a finding that fails `check`,
//! `warning` for one reported without failing it, `notice` for a note
//! (and for a finding a `//fixgen:ignore` directive ignores, listed with
//! `--show-ignored`). Paths are relative to the repository root, which
//! GitHub resolves from the workspace root: the repository's checkout.

use crate::engine::{Finding, Severity};
use crate::gate::Gate;

pub fn to_github(findings: &[Finding], ignored: &[Finding], gate: &Gate) -> String {
    let reported = findings.iter().map(|f| {
        let level = match f.severity {
            Severity::Note => "notice",
            Severity::Error if gate.fails(f) => "error",
            Severity::Error => "warning",
        };
        command(level, f, &f.message)
    });
    let ignored = ignored.iter().map(|f| {
        let reason = f.suppressed.as_deref().unwrap_or_default();
        command("notice", f, &format!("ignored ({reason}): {}", f.message))
    });
    reported.chain(ignored).map(|line| line + "\n").collect()
}

fn command(level: &str, f: &Finding, message: &str) -> String {
    format!(
        "::{level} file={},line={},col={},title={}::{}",
        property(&f.path),
        f.line,
        f.utf16_columns.0,
        property(&format!("fixgen {}", f.rule)),
        data(message)
    )
}

/// A command's message: the runner reads `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which end the value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, message: &str, fixable: bool, severity: Severity) -> Finding {
        Finding {
            rule: "r".into(),
            path: path.into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 8,
            message: message.into(),
            fixable,
            related_lines: Vec::new(),
            severity,
            fix: None,
            utf16_columns: (4, 7),
            suppressed: None,
        }
    }

    #[test]
    fn levels_follow_the_gate_and_values_are_escaped() {
        let gate = Gate::new(&[], false);
        let fixable = finding(
            "a,b:c/x_test.go",
            "100% sure\r\nsecond: line, too",
            true,
            Severity::Error,
        );
        let reported = finding("x.go", "no fix", false, Severity::Error);
        let note = finding("x.go", "shared on purpose", false, Severity::Note);
        let mut ignored = finding("x.go", "judged", true, Severity::Error);
        ignored.suppressed = Some("the lock, in X".into());
        assert_eq!(
            to_github(&[fixable, reported, note], &[ignored], &gate),
            "::error file=a%2Cb%3Ac/x_test.go,line=3,col=4,title=fixgen r::100%25 sure%0D%0Asecond: line, too\n\
             ::warning file=x.go,line=3,col=4,title=fixgen r::no fix\n\
             ::notice file=x.go,line=3,col=4,title=fixgen r::shared on purpose\n\
             ::notice file=x.go,line=3,col=4,title=fixgen r::ignored (the lock, in X): judged\n"
        );
    }
}
