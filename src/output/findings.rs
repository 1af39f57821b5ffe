//! Findings as text (one per line, like a compiler), JSON and SARIF 2.1.0.
//! JSON and SARIF name files relative to the repository root, whatever
//! the current folder: scripts and code scanning read them from there.
//! Each takes the findings reported and, for `--show-ignored`, those a
//! `//fixgen:ignore` directive ignores (empty otherwise), listed after.

use crate::engine::placed::PlacedFix;
use crate::engine::Finding;
use crate::engine::Rule;
use crate::output::shown::Shown;
use serde_json::{json, Value};
use std::path::Path;

pub fn text_line(f: &Finding) -> String {
    line_at(f, &f.path)
}

fn line_at(f: &Finding, path: &str) -> String {
    format!("{path}:{}:{}: {}: {}", f.line, f.column, f.rule, f.message)
}

/// One line per finding, paths relative to the repository root (what
/// fixtures compare).
pub fn to_text(findings: &[Finding]) -> String {
    findings.iter().map(|f| text_line(f) + "\n").collect()
}

/// One line per finding, paths as `shown` reads them from the current
/// folder: what a person clicks or pastes into `--at`. An ignored finding
/// ends with `[ignored: REASON]`.
pub fn to_text_shown(findings: &[Finding], ignored: &[Finding], shown: &Shown) -> String {
    let reported = findings.iter().map(|f| line_at(f, &shown.path(&f.path)));
    let ignored = ignored.iter().map(|f| {
        let reason = f.suppressed.as_deref().unwrap_or_default();
        format!("{} [ignored: {reason}]", line_at(f, &shown.path(&f.path)))
    });
    reported.chain(ignored).map(|line| line + "\n").collect()
}

/// An array of findings: each as the engine serialises it, with `fix`
/// (the edits `apply` makes) when it has one, and `suppressed` (`{"reason":
/// …}`) when a directive ignores it.
pub fn to_json(findings: &[Finding], ignored: &[Finding]) -> String {
    let all: Vec<Value> = findings.iter().chain(ignored).map(json_finding).collect();
    serde_json::to_string_pretty(&all).expect("findings serialise") + "\n"
}

fn json_finding(f: &Finding) -> Value {
    let mut value = serde_json::to_value(f).expect("a finding serialises");
    let object = value.as_object_mut().expect("a finding is an object");
    if let Some(fix) = &f.fix {
        object.insert("fix".into(), json_fix(fix));
    }
    if let Some(reason) = &f.suppressed {
        object.insert("suppressed".into(), json!({ "reason": reason }));
    }
    value
}

/// Lines and columns as findings count them (1-based, columns in bytes),
/// and byte offsets into the file as read: `text` replaces the bytes
/// `start_byte..end_byte`.
fn json_fix(fix: &PlacedFix) -> Value {
    let edits: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            json!({
                "path": e.path,
                "start_line": e.start.line, "start_column": e.start.column,
                "end_line": e.end.line, "end_column": e.end.column,
                "start_byte": e.start.offset, "end_byte": e.end.offset,
                "text": e.text,
            })
        })
        .collect();
    let mut value = json!({ "edits": edits });
    if !fix.files.is_empty() {
        let files: Vec<Value> = (fix.files.iter())
            .map(|f| json!({ "path": f.path, "text": f.text }))
            .collect();
        value["files"] = Value::Array(files);
    }
    value
}

/// Each result's URI is relative to `%SRCROOT%`, which the run maps to
/// `root`: a viewer on this machine finds the file, and an upload (which
/// knows the repository) reads the relative part. Columns are UTF-16 code
/// units, SARIF's default, which the run states (`columnKind`). An
/// ignored finding carries an `inSource` suppression with its reason.
pub fn to_sarif(findings: &[Finding], ignored: &[Finding], rules: &[Rule], root: &Path) -> String {
    let rule_entries: Vec<_> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.rationale },
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .chain(ignored)
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": match f.severity {
                    crate::engine::Severity::Error => "warning",
                    crate::engine::Severity::Note => "note",
                },
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": uri_encoded(&f.path),
                            "uriBaseId": SRCROOT,
                        },
                        "region": {
                            "startLine": f.line, "startColumn": f.utf16_columns.0,
                            "endLine": f.end_line, "endColumn": f.utf16_columns.1,
                        }
                    }
                }],
                "properties": { "fixable": f.fixable },
            });
            if let Some(fix) = &f.fix {
                result["fixes"] = json!([sarif_fix(f, fix)]);
            }
            if let Some(reason) = &f.suppressed {
                result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "fixgen",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_entries,
            }},
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": {
                SRCROOT: { "uri": format!("file://{}/", uri_encoded(&root.to_string_lossy())) },
            },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("SARIF serialises") + "\n"
}

const SRCROOT: &str = "%SRCROOT%";

/// SARIF's `fix`: one `artifactChange` per file, edits as replacements of
/// regions (UTF-16 columns; an insertion deletes an empty region). A file
/// the fix adds is an insertion at the start of an empty artifact.
fn sarif_fix(f: &Finding, fix: &PlacedFix) -> Value {
    let location = |path: &str| json!({ "uri": uri_encoded(path), "uriBaseId": SRCROOT });
    let mut changes: Vec<Value> = Vec::new();
    let mut paths: Vec<&str> = fix.edits.iter().map(|e| e.path.as_str()).collect();
    paths.dedup();
    for path in paths {
        let replacements: Vec<Value> = (fix.edits.iter())
            .filter(|e| e.path == path)
            .map(|e| {
                json!({
                    "deletedRegion": {
                        "startLine": e.start.line, "startColumn": e.start.utf16_column,
                        "endLine": e.end.line, "endColumn": e.end.utf16_column,
                    },
                    "insertedContent": { "text": e.text },
                })
            })
            .collect();
        changes.push(json!({ "artifactLocation": location(path), "replacements": replacements }));
    }
    for file in &fix.files {
        changes.push(json!({
            "artifactLocation": location(&file.path),
            "replacements": [{
                "deletedRegion": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1 },
                "insertedContent": { "text": file.text },
            }],
        }));
    }
    json!({
        "description": { "text": format!("{}: {}", f.rule, f.message) },
        "artifactChanges": changes,
    })
}

/// A `/`-separated path as a URI path: every byte but the unreserved ones
/// and `/` percent-encoded (RFC 3986), so spaces and `%` survive.
fn uri_encoded(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_slashes_and_encode_what_a_uri_cannot_hold() {
        assert_eq!(uri_encoded("pkg/x_test.go"), "pkg/x_test.go");
        assert_eq!(uri_encoded("my pkg/100%.go"), "my%20pkg/100%25.go");
        assert_eq!(uri_encoded("é.go"), "%C3%A9.go");
    }
}
