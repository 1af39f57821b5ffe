//! What is verified: one state of the repository with some fixes made, as
//! the files it changes and which rules changed each package.

use crate::changeset::{ChangeSet, RuleChanges, Stacking};
use crate::scan::ScanReport;
use crate::workspace::dir_of;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Candidate {
    /// Path relative to the repository root → the text with the fixes.
    pub files: BTreeMap<String, String>,
    /// Package folder → the rules whose fixes changed it.
    pub rules_by_dir: BTreeMap<String, BTreeSet<String>>,
    /// File → the rules whose fixes changed it.
    pub rules_by_file: BTreeMap<String, BTreeSet<String>>,
}

impl Candidate {
    /// Everything a scan fixed (`apply`): all rules at once.
    pub fn from_scan(report: &ScanReport) -> Self {
        let mut candidate = Candidate::default();
        for (scanned, fixed) in report.changed() {
            let rules = scanned.result.applied.keys().cloned();
            candidate.add(&scanned.file.rel, fixed, rules);
        }
        for file in &report.created {
            // A helper comes with the fixes of its package; no rule of its own.
            candidate.add(&file.path, &file.text, std::iter::empty());
        }
        candidate
    }

    /// Rules' changes stacked in order (patches, one branch): each file as
    /// the last rule left it.
    pub fn from_changes<'c>(changes: impl IntoIterator<Item = &'c RuleChanges>) -> Self {
        let mut candidate = Candidate::default();
        for change in changes {
            for file in &change.files {
                candidate.add(&file.path, &file.new, [change.rule_id.clone()]);
            }
        }
        candidate
    }

    fn add(&mut self, path: &str, text: &str, rules: impl IntoIterator<Item = String>) {
        let rules: Vec<String> = rules.into_iter().collect();
        self.files.insert(path.to_string(), text.to_string());
        self.rules_by_dir
            .entry(dir_of(path).to_string())
            .or_default()
            .extend(rules.iter().cloned());
        self.rules_by_file
            .entry(path.to_string())
            .or_default()
            .extend(rules);
    }

    /// The rules to blame for `message` about package `dir`: those that
    /// changed a file the message names (`store.go:12:3: …`), or, when it
    /// names none of them, every rule that changed the package.
    pub fn culprits(&self, dir: &str, message: &str) -> BTreeSet<String> {
        let named: BTreeSet<String> = self
            .rules_by_file
            .iter()
            .filter(|(path, _)| dir_of(path) == dir)
            .filter(|(path, _)| {
                let name = path.rsplit('/').next().unwrap_or(path);
                message.contains(&format!("{name}:"))
            })
            .flat_map(|(_, rules)| rules.iter().cloned())
            .collect();
        if named.is_empty() {
            self.rules_by_dir.get(dir).cloned().unwrap_or_default()
        } else {
            named
        }
    }

    /// The package folders the fixes touch.
    pub fn dirs(&self) -> impl Iterator<Item = &str> {
        self.rules_by_dir.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// What is verified of a change set: the stacked result, or each rule's
/// changes alone when each goes on a branch of its own.
pub fn candidates(changes: &ChangeSet, stacking: Stacking) -> Vec<Candidate> {
    match stacking {
        Stacking::Chained => vec![Candidate::from_changes(&changes.rules)],
        Stacking::Independent => changes
            .rules
            .iter()
            .map(|c| Candidate::from_changes([c]))
            .collect(),
    }
}
