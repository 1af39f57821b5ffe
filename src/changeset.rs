//! Fixes grouped by rule, as patches and commits need them: the rules run
//! one after another, each on the result of those before it, so that each
//! rule's changes stand alone and apply in order (`git am`).

use crate::engine::Rule;
use crate::engine::{Engine, Finding};
use crate::output::progress::ScanProgress;
use crate::scan::scan_with;
use crate::workspace::SourceFile;
use std::collections::BTreeMap;

/// One file's change; `old` is `None` for a file the fix adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Option<String>,
    pub new: String,
}

/// What one rule changed.
#[derive(Debug, Clone)]
pub struct RuleChanges {
    pub rule_id: String,
    pub title: String,
    pub rationale: String,
    /// The fixable findings the changes resolve.
    pub findings: Vec<Finding>,
    pub files: Vec<FileChange>,
}

pub struct ChangeSet {
    /// Rules that changed something, in rule order.
    pub rules: Vec<RuleChanges>,
    pub warnings: Vec<String>,
    /// Files whose fixes cannot be written: the run fails.
    pub errors: Vec<String>,
}

/// How the rules' changes relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stacking {
    /// Each rule runs on the result of those before it: patches and one
    /// branch with a commit per rule.
    Chained,
    /// Each rule runs on the tree as it is: one branch per rule.
    Independent,
}

/// Runs `rules` one at a time over `files`, each in the engine `engine_for`
/// makes for it (its root, places, held-back fixes and size limit are the
/// caller's to choose).
pub fn by_rule(
    rules: Vec<Rule>,
    engine_for: &dyn Fn(Rule) -> Engine,
    files: &[SourceFile],
    stacking: Stacking,
    progress: Option<&ScanProgress>,
) -> ChangeSet {
    let mut overlay: BTreeMap<String, String> = BTreeMap::new();
    let mut out = ChangeSet {
        rules: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    for rule in rules {
        let (rule_id, title, rationale) =
            (rule.id.clone(), rule.title.clone(), rule.rationale.clone());
        let engine = engine_for(rule);
        let report = scan_with(
            &engine,
            files.to_vec(),
            &|f: &SourceFile| overlay.get(&f.rel).cloned(),
            progress,
        );
        for warning in &report.warnings {
            if !out.warnings.contains(warning) {
                out.warnings.push(warning.clone());
            }
        }
        out.errors.extend(report.errors.iter().cloned());
        let mut changed: Vec<FileChange> = report
            .changed()
            .map(|(scanned, fixed)| FileChange {
                path: scanned.file.rel.clone(),
                old: Some(scanned.original.clone()),
                new: fixed.to_string(),
            })
            .collect();
        changed.extend(report.created.iter().map(|f| FileChange {
            path: f.path.clone(),
            old: None,
            new: f.text.clone(),
        }));
        if changed.is_empty() {
            continue;
        }
        changed.sort_by(|a, b| a.path.cmp(&b.path));
        let findings = report.findings().filter(|f| f.fixable).cloned().collect();
        if stacking == Stacking::Chained {
            for change in &changed {
                overlay.insert(change.path.clone(), change.new.clone());
            }
        }
        out.rules.push(RuleChanges {
            rule_id,
            title,
            rationale,
            findings,
            files: changed,
        });
    }
    out
}

impl RuleChanges {
    /// Identifies the rule and its finding set, stable across unrelated
    /// edits (lines are left out): how later runs recognise their own work.
    pub fn marker(&self) -> String {
        let mut keys: Vec<String> = self
            .findings
            .iter()
            .map(|f| format!("{}\0{}", f.path, f.message))
            .collect();
        keys.sort();
        format!(
            "{}/{:016x}",
            self.rule_id,
            fnv1a(keys.join("\n").as_bytes())
        )
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and machines, unlike
/// `DefaultHasher`; markers, shards and rule-set ids depend on that.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
