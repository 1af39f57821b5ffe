//! Which findings fail `fixgen check`: the CI gate's policy, apart from
//! how findings are found or printed.
//!
//! A gate must be able to pass on code its maintainers have judged. So a
//! fixable finding fails it (`fixgen apply` clears it), and a finding
//! without a fix fails it only when its rule says `severity = "error"` or
//! the run is `--strict`: otherwise a defect nobody can fix mechanically
//! (a counter every goroutine updates under review, say) would keep the
//! gate shut for good. Notes (shared on purpose, ordered) are never
//! defects and never fail it.

use crate::engine::Rule;
use crate::engine::{Finding, Severity};
use crate::rule::model::RuleSeverity;
use std::collections::BTreeSet;

pub struct Gate {
    strict: bool,
    /// Rules whose findings fail the gate fixable or not.
    error_rules: BTreeSet<String>,
}

impl Gate {
    pub fn new(rules: &[Rule], strict: bool) -> Gate {
        let error_rules = rules
            .iter()
            .filter(|r| r.severity == RuleSeverity::Error)
            .map(|r| r.id.clone())
            .collect();
        Gate {
            strict,
            error_rules,
        }
    }

    pub fn fails(&self, finding: &Finding) -> bool {
        finding.severity == Severity::Error
            && (finding.fixable || self.strict || self.error_rules.contains(&finding.rule))
    }

    /// Defects this gate lets through: reported, without a fix.
    pub fn reported_only(&self, finding: &Finding) -> bool {
        finding.severity == Severity::Error && !self.fails(finding)
    }
}
