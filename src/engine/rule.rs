//! A rule compiled and ready to run: its query or pattern, conditions,
//! templates and action (see `compile`). The file format it comes from is
//! `crate::rule`.

use crate::engine::actions::Action;
use crate::rule::{model, param, Evidence};
use std::collections::BTreeMap;
use tree_sitter::Query;

/// A rule ready to run.
pub struct Rule {
    pub id: String,
    pub title: String,
    pub rationale: String,
    pub enabled_by_default: bool,
    pub severity: model::RuleSeverity,
    /// A file is parsed for this rule only if it contains one of these literals.
    pub prefilter: Vec<String>,
    /// Literals that must all occur too, in the same scope.
    /// Each entry is met by any of its literals (`{params.NAME}` expands).
    pub prefilter_all: Vec<Vec<String>>,
    pub prefilter_scope: model::PrefilterScope,
    /// `prefilter` literals count only where they end a name that is not
    /// called: they are the ends of type names.
    pub prefilter_type_names: bool,
    /// Run by default, the rule parses only functions whose signatures
    /// name a type (found as `prefilter_type_names` finds them) for which
    /// every `proof` condition holds: those conditions are about the
    /// declared type of a parameter, and answer from its name.
    pub proof_by_type_name: bool,
    /// The rule's first look at a candidate function's text.
    pub function_sieve: Option<crate::engine::sieve::TextSieve>,
    /// False when `_test.go` files are none of the rule's business.
    pub test_files: bool,
    /// Matches are findings only at `--at` places.
    pub needs_location: bool,
    pub query: Query,
    /// The rule's Go pattern, when it has one: each query match is
    /// compared with it exactly, and its holes bound.
    pub pattern: Option<crate::engine::pattern::Pattern>,
    /// The capture findings point at.
    pub report: u32,
    pub conditions: Vec<crate::engine::predicate::Condition>,
    /// Each condition as the rule file writes it (for `check --explain`).
    pub condition_texts: Vec<String>,
    /// Each `proof` condition as the rule file writes it.
    pub proof_texts: Vec<String>,
    /// Conditions proving the defect from the code, required only when
    /// the rule runs by default (see [`Rule::evidenced`]).
    pub proof: Vec<crate::engine::predicate::Condition>,
    /// Named with `--rule` (triage names the rules its evidence points
    /// at): the user asked for this rule's findings.
    pub named: bool,
    /// Templates: `message`, and the action's own.
    pub templates: tera::Tera,
    /// The parameters' values: defaults, then `.fixgen.toml`, then `--set`.
    pub params: BTreeMap<String, toml::Value>,
    /// Each parameter's type, default and doc, as the rule file says.
    pub param_info: BTreeMap<String, param::ParamInfo>,
    pub action: Box<dyn Action>,
    /// Where the rule came from: `rules/x.toml` (built in) or a user's path.
    pub origin: String,
    /// The kinds of CI evidence whose places this rule's findings fix.
    pub evidence: Vec<Evidence>,
}

impl Rule {
    /// "it has: a, b" (or "it has none"): for an error naming a
    /// parameter the rule lacks.
    pub fn params_listed(&self) -> String {
        match self.param_info.is_empty() {
            true => "it has none".to_string(),
            false => {
                let names: Vec<&str> = self.param_info.keys().map(String::as_str).collect();
                format!("it has: {}", names.join(", "))
            }
        }
    }

    pub fn capture_name(&self, index: u32) -> &str {
        self.query.capture_names()[index as usize]
    }
}
