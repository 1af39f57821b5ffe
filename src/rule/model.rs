//! The rule file as written (see docs/rules.md). Spanned fields let errors
//! found after parsing still point at a line.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub title: String,
    pub rationale: String,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    /// Whether a finding without a fix fails `fixgen check` (`error`) or
    /// is only reported (`warning`, the default).
    #[serde(default)]
    pub severity: RuleSeverity,
    #[serde(default)]
    pub prefilter: Vec<String>,
    /// Where a prefilter literal must be for a match to be possible: in
    /// the `file` (the default), or in the `function` the match is in.
    /// Literals that must all occur as well, in the same scope; an entry
    /// that is a list is met by any of its literals.
    #[serde(default)]
    pub prefilter_all: Vec<OneOf>,
    #[serde(default)]
    pub prefilter_scope: PrefilterScope,
    /// The `prefilter` literals end type names (`Request`): a hit counts
    /// only where one ends a name that is not called.
    #[serde(default)]
    pub prefilter_type_names: bool,
    /// The proof speaks of the type of a parameter whose type name the
    /// prefilter finds: a default run asks it about each such name before
    /// parsing.
    pub proof_by_type_name: Option<Spanned<bool>>,
    /// A first look at the text of each function holding a prefilter
    /// literal, named from the engine's (`engine::sieve`): a function it
    /// turns down is not parsed for the rule.
    pub function_sieve: Option<Spanned<String>>,
    /// Whether the rule looks at `_test.go` files (by default it does).
    #[serde(default = "default_enabled")]
    pub test_files: bool,
    /// The rule's matches are findings only at places given with `--at`
    /// (by a user, or by `fixgen triage` from a CI log's evidence).
    #[serde(default)]
    pub needs_location: bool,
    /// A tree-sitter query (one of `query` and `pattern`).
    pub query: Option<Spanned<String>>,
    /// Go code with holes (`ioutil.ReadAll($R)`; see `engine::pattern`).
    pub pattern: Option<Spanned<String>>,
    /// The node type a `pattern` is read as, where its text reads several
    /// ways (`expression_statement` for a call as a statement).
    pub kind: Option<Spanned<String>>,
    pub report: Option<Spanned<String>>,
    #[serde(default, rename = "where")]
    pub conditions: Vec<Spanned<String>>,
    /// Conditions by which the code itself proves the defect. Required
    /// when the rule runs by default; not when evidence stands in for
    /// them: the rule is named (`--rule`, triage) or run at `--at` places.
    #[serde(default)]
    pub proof: Vec<Spanned<String>>,
    pub message: Spanned<String>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
    pub fix: Option<FixSpec>,
    /// What in a CI log points `fixgen triage` at this rule's findings.
    #[serde(default)]
    pub evidence: Vec<super::Evidence>,
}

/// A `prefilter_all` entry: one literal, or a list of which any will do.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOf {
    One(String),
    Any(Vec<String>),
}

impl OneOf {
    pub fn literals(&self) -> Vec<&String> {
        match self {
            OneOf::One(s) => vec![s],
            OneOf::Any(v) => v.iter().collect(),
        }
    }

    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOf::One(s) => vec![s],
            OneOf::Any(v) => v,
        }
    }
}

/// How much of a file a rule's prefilter literal vouches for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrefilterScope {
    /// The literal anywhere in the file makes the whole file a candidate.
    #[default]
    File,
    /// Matches lie in top-level functions that contain a literal, and the
    /// rule looks at nothing else in other functions of the file: those
    /// need not be parsed.
    Function,
    /// As `Function`, and the literal is in a signature (of the function
    /// or of a function literal in it): a parameter's type, say.
    Signature,
}

/// How much a rule's findings matter to `fixgen check` (the CI gate).
/// A fixable finding always fails the gate, and a note (shared on
/// purpose) never does: this decides the findings in between, the
/// defects reported without a fix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSeverity {
    /// Reported; fails the gate only with `--strict`.
    #[default]
    Warning,
    /// Fails the gate, fixable or not.
    Error,
}

fn default_enabled() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    pub default: Spanned<toml::Value>,
    /// What values the parameter takes (see `rule::param`); by default
    /// what its default is.
    #[serde(rename = "type")]
    pub ty: Option<Spanned<String>>,
    #[serde(default)]
    pub doc: String,
}

/// The fix: an action name and its options. Each action takes the options it
/// needs and rejects the rest (see `engine::actions`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    pub action: Spanned<String>,
    /// localize: the capture holding the closure (`func_literal`).
    pub closure: Option<Spanned<String>>,
    /// localize: writes after this captured statement are the concurrent ones.
    pub after: Option<Spanned<String>>,
    /// localize: which outer reads mean the value flows out: `after-closure` or `after-parent`.
    pub outer_reads_after: Option<Spanned<String>>,
    /// replace / insert: the capture to edit.
    pub capture: Option<Spanned<String>>,
    /// replace / insert: a tera template rendered with the captures and params.
    pub template: Option<Spanned<String>>,
    /// insert: `before` or `after` the capture.
    pub position: Option<Spanned<String>>,
    /// wrap-function: which functions may be wrapped (`sql-transaction-owner`).
    pub target: Option<Spanned<String>>,
    /// wrap-function: the tables whose writers are wrapped (`params.NAME`).
    pub tables: Option<Spanned<String>>,
    /// wrap-function: appended to the name of the function holding the
    /// original body (`Once`: `Save` → `saveOnce`).
    pub suffix: Option<Spanned<String>>,
    /// wrap-function: a module go.mod must require for the fix (`params.NAME`
    /// or a path); without it the finding has no fix.
    pub requires_module: Option<Spanned<String>>,
    /// Standard packages the generated code may use; each is imported
    /// when the generated text uses it.
    pub imports: Option<Spanned<Vec<String>>>,
    /// A file the fix adds to the package when the package lacks it.
    pub add_file: Option<AddFileSpec>,
    /// edits: several edits at several places, made together.
    pub edits: Option<Vec<EditSpec>>,
    /// Template variables looked up in the Go knowledge (a package's name
    /// in the file, the module's wait constant), with the imports they need.
    pub lookups: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddFileSpec {
    /// The file name in the package folder.
    pub name: Spanned<String>,
    /// Added only when no function of the package has this name.
    pub unless_declared: Spanned<String>,
    /// A tera template: captures, params, `package` (the package name).
    pub template: Spanned<String>,
}

/// One edit of an `edits` fix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditSpec {
    /// `replace`, `insert-before`, `insert-after`, `delete`,
    /// `move-before` or `move-after`.
    pub op: Spanned<String>,
    /// The capture edited (moved, for a move).
    pub capture: Spanned<String>,
    /// replace / insert: a tera template rendered with the captures.
    pub template: Option<Spanned<String>>,
    /// move: the capture the moved statement goes before or after.
    pub to: Option<Spanned<String>>,
}
