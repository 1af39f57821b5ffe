//! Findings as text (one per line, like a compiler), JSON and SARIF 2.1.0.

use crate::engine::Finding;
use crate::rule::Rule;
use serde_json::json;

pub fn text_line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {}: {}",
        f.path, f.line, f.column, f.rule, f.message
    )
}

pub fn to_text(findings: &[Finding]) -> String {
    findings.iter().map(|f| text_line(f) + "\n").collect()
}

pub fn to_json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).expect("findings serialise") + "\n"
}

pub fn to_sarif(findings: &[Finding], rules: &[Rule]) -> String {
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
                        "artifactLocation": { "uri": f.path },
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
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("SARIF serialises") + "\n"
}
