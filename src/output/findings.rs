//! Findings as text (one per line, like a compiler), JSON and SARIF 2.1.0.
//! JSON and SARIF name files relative to the repository root, whatever
//! the current folder: scripts and code scanning read them from there.

use crate::engine::Finding;
use crate::output::shown::Shown;
use crate::rule::Rule;
use serde_json::json;
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
/// folder: what a person clicks or pastes into `--at`.
pub fn to_text_shown(findings: &[Finding], shown: &Shown) -> String {
    findings
        .iter()
        .map(|f| line_at(f, &shown.path(&f.path)) + "\n")
        .collect()
}

pub fn to_json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).expect("findings serialise") + "\n"
}

/// Each result's URI is relative to `%SRCROOT%`, which the run maps to
/// `root`: a viewer on this machine finds the file, and an upload (which
/// knows the repository) reads the relative part.
pub fn to_sarif(findings: &[Finding], rules: &[Rule], root: &Path) -> String {
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
        .map(|f| {
            json!({
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
                            "startLine": f.line, "startColumn": f.column,
                            "endLine": f.end_line, "endColumn": f.end_column,
                        }
                    }
                }],
                "properties": { "fixable": f.fixable },
            })
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
            "originalUriBaseIds": {
                SRCROOT: { "uri": format!("file://{}/", uri_encoded(&root.to_string_lossy())) },
            },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("SARIF serialises") + "\n"
}

const SRCROOT: &str = "%SRCROOT%";

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
