//! The engine: match rules against one file, plan fixes, apply them all or
//! nothing, and repeat until nothing changes.

pub mod actions;
pub(crate) mod big_trees;
pub mod compile;
pub mod context;
pub mod edit;
mod layout;
mod location;
pub mod lookup;
pub mod matcher;
pub mod pattern;
pub mod placed;
pub mod predicate;
pub mod relation;
pub mod rule;
pub mod sieve;
pub mod template_bounds;
pub mod template_growth;
pub mod template_vars;

use crate::go::error_nodes::{why_not_fixable, ErrorNode, ErrorNodes};
use crate::go::generated::is_generated;
use crate::go::narrow::{file_parts, TopLevel};
use crate::go::parse::{
    check_go_file, check_parsed, no_bad_characters, parse_go_file_tolerating, parse_keeping_errors,
    parse_tolerating_indexed, SyntaxError, PART_BYTES,
};
use crate::go::syntax::LineIndex;
use crate::rule::model::PrefilterScope;
use crate::suppress::Directives;
use actions::PlanEnv;
use aho_corasick::AhoCorasick;
pub use compile::{apply_sets, load_rules, select_rules, Selection};
use context::FileContext;
use edit::{apply_fixes, Edit, Fix, NewFile};
pub use location::Location;
pub use rule::Rule;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rounds of fixing before giving up on reaching a fixed point.
const MAX_ROUNDS: usize = 8;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub fixable: bool,
    /// Other lines the finding is about (the variable's other uses in the
    /// closure a fix makes it local to): a race reported there is this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_lines: Vec<usize>,
    /// `error` for a defect, `note` for what is shared on purpose.
    pub severity: Severity,
    /// The edits `apply` makes for this finding, in the file as it was
    /// read: `None` without a fix, or when the fix waits for a later round
    /// (it overlaps another) or is not written. Findings one fix serves
    /// share it. Output formats choose how to show it.
    #[serde(skip)]
    pub fix: Option<placed::PlacedFix>,
    /// `column` and `end_column` in UTF-16 code units (SARIF's columns).
    #[serde(skip)]
    pub utf16_columns: (usize, usize),
    /// The reason of the `//fixgen:ignore` directive that ignores it.
    #[serde(skip)]
    pub suppressed: Option<String>,
}

/// How much a finding matters to a gate: `check` fails on errors only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Note,
}

#[derive(Debug, Default, Clone)]
pub struct FileResult {
    /// Findings in the file as it was.
    pub findings: Vec<Finding>,
    /// `check --explain`: what each rule did with the file as it was.
    pub explanation: Vec<String>,
    /// Findings a `//fixgen:ignore` directive ignores: neither reported
    /// nor fixed, kept for `check --show-ignored`.
    pub suppressed: Vec<Finding>,
    /// The fixed text, when it differs.
    pub fixed: Option<String>,
    /// Whether any rule looked at the file: false when no prefilter
    /// literal is in it, or it is generated.
    pub considered: bool,
    /// Fixes applied, by rule.
    pub applied: BTreeMap<String, usize>,
    /// Files the applied fixes add, beside this one.
    pub created: Vec<NewFile>,
    pub warnings: Vec<String>,
    /// Why the file's fixes cannot be written although rules found work
    /// (they never settle): the run fails.
    pub failure: Option<String>,
    /// `process_deferring`: the proofs this result took as not holding
    /// until they are answered (`Engine::settle`).
    pub deferred: Vec<DeferredProof>,
}

/// A proof about a type name left for later (`Engine::process_deferring`):
/// the question, and whether the condition asking it is negated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DeferredProof {
    ask: crate::go::reuse_index::ReuseAsk,
    negated: bool,
}

pub struct Engine {
    rules: Vec<Rule>,
    /// The repository root: files' folders, for go.mod and the type index.
    root: Option<std::path::PathBuf>,
    /// Imports golangci-lint configurations deny, by the folder of the
    /// module they apply to; read on first use.
    denied_imports: std::sync::Mutex<
        std::collections::HashMap<
            std::path::PathBuf,
            Arc<Vec<crate::go::lintconfig::DeniedImport>>,
        >,
    >,
    types: crate::go::typeindex::TypeIndex,
    prefilter: Option<Prefilter>,
    /// For each distinct prefilter literal, what it serves: (rule, its
    /// index in the rule's `prefilter_all`, or `None` for one of the
    /// rule's `prefilter` literals). Rules may share a literal.
    pattern_groups: Vec<Vec<Group>>,
    /// Rules with no literal at all run on every file.
    unfiltered: Vec<bool>,
    locations: Vec<Location>,
    held_back: HeldBack,
    /// Files larger than this are neither scanned nor read for types.
    max_filesize: crate::filesize::MaxFilesize,
    /// Every rule id a `//fixgen:ignore` may name: all rules loaded, not
    /// only those this engine runs (a run of one rule must not call a
    /// directive for another unknown).
    known_rules: Arc<std::collections::BTreeSet<String>>,
    /// Whether a fixed file must keep gofmt's layout (`layout`).
    format_check: bool,
    /// `check --explain`: files' results say what each rule did.
    explain: bool,
}

/// A rule, and which of its literal lists a literal is in (`None`:
/// `prefilter`, `Some(k)`: the k-th of `prefilter_all`).
type Group = (usize, Option<usize>);

/// The rules' literals, searched for in one pass over each file.
struct Prefilter {
    automaton: AhoCorasick,
    /// Whether occurrences may overlap; then every one must be reported.
    overlapping: bool,
}

impl Prefilter {
    /// `groups[i]`: what distinct literal `patterns[i]` serves.
    fn new(patterns: &[String], groups: &[Vec<Group>]) -> Self {
        // Non-overlapping search is much faster, and loses nothing when no
        // two literals of different rules (or roles) can overlap in a text;
        // within one group, the leftmost longest occurrence stands for both.
        // A literal shared by rules is one pattern serving them all.
        let overlapping = (0..patterns.len()).any(|a| {
            (0..patterns.len()).any(|b| {
                a != b && groups[a] != groups[b] && may_overlap(&patterns[a], &patterns[b])
            })
        });
        let kind = if overlapping {
            aho_corasick::MatchKind::Standard
        } else {
            aho_corasick::MatchKind::LeftmostLongest
        };
        let automaton = AhoCorasick::builder()
            .match_kind(kind)
            .build(patterns)
            .expect("literal patterns compile");
        Prefilter {
            automaton,
            overlapping,
        }
    }

    fn find<'s>(&'s self, source: &'s str) -> Box<dyn Iterator<Item = aho_corasick::Match> + 's> {
        if self.overlapping {
            Box::new(self.automaton.find_overlapping_iter(source))
        } else {
            Box::new(self.automaton.find_iter(source))
        }
    }
}

/// Whether an occurrence of `a` and one of `b` can share a byte: one holds
/// the other, or an end of one is a start of the other.
fn may_overlap(a: &str, b: &str) -> bool {
    a.contains(b)
        || b.contains(a)
        || (1..a.len()).any(|i| a.is_char_boundary(i) && b.starts_with(&a[i..]))
        || (1..b.len()).any(|i| b.is_char_boundary(i) && a.starts_with(&b[i..]))
}

/// What `Engine::parse_plan` decides for one round over a file.
struct ParsePlan {
    /// The rules that may match.
    candidates: Vec<usize>,
    /// What the parser leaves out (sorted byte ranges).
    left_out: Vec<(usize, usize)>,
    /// For each candidate, the byte ranges its query runs over (`None`:
    /// the whole file).
    ranges: Vec<Option<Vec<(usize, usize)>>>,
    /// The top-level functions parsed, when the plan leaves the others out.
    functions: Vec<(usize, usize)>,
}

/// What one round of rules finds: findings, fixes, warnings.
type Found = (Vec<Finding>, Vec<Fix>, Vec<String>, Explained);

/// `check --explain`'s notes of a round, by byte offset.
type Explained = Vec<(usize, String)>;

/// A round's edits as (start, end, length of the replacement), sorted:
/// what moves the file's error nodes.
type Spans = Vec<(usize, usize, usize)>;

/// One round over a file: what its rules found, and what its trees said
/// of the text.
struct Round {
    found: Found,
    /// Whether the trees checked the text as a whole Go file, and it passed.
    valid: bool,
    /// The error nodes of the trees (tolerated ones: see `go::error_nodes`).
    errors: ErrorNodes,
}

/// Top-level functions parsed together at most. tree-sitter finds a node's
/// parent by walking down from the root through its children, so in a tree
/// of thousands of functions every step up costs as much as the file is
/// long; a file with more functions to look at is taken a window at a time.
const FUNCTIONS_PER_TREE: usize = 16;

impl ParsePlan {
    /// The plan split into windows of at most `FUNCTIONS_PER_TREE`
    /// functions, each leaving out the others' functions too. Only a plan
    /// that already leaves out what its rules do not need is split: those
    /// rules look at one function at a time.
    fn windows(self) -> Vec<ParsePlan> {
        let bytes: usize = self.functions.iter().map(|f| f.1 - f.0).sum();
        if self.functions.len() <= FUNCTIONS_PER_TREE && bytes <= big_trees::LARGE {
            return vec![self];
        }
        window_chunks(&self.functions)
            .map(|window| self.window(window))
            .collect()
    }

    /// The window's functions are parsed, with what the plan keeps outside
    /// functions (package clause, imports, variables); the plan's other
    /// functions are left out, those of other windows too. Each rule keeps
    /// its ranges inside the window's span.
    fn window(&self, window: &[(usize, usize)]) -> ParsePlan {
        let span = (window[0].0, window[window.len() - 1].1);
        let others = self
            .functions
            .iter()
            .filter(|f| f.1 <= span.0 || f.0 >= span.1);
        let mut left_out: Vec<(usize, usize)> =
            self.left_out.iter().chain(others).copied().collect();
        left_out.sort_unstable();
        ParsePlan {
            left_out: merge_adjacent(left_out),
            functions: window.to_vec(),
            ..self.within(span)
        }
    }

    /// The plan's candidates with ranges starting in `span`, with those
    /// ranges; nothing left out yet.
    fn within(&self, span: (usize, usize)) -> ParsePlan {
        let mut within = ParsePlan {
            candidates: Vec::new(),
            left_out: Vec::new(),
            ranges: Vec::new(),
            functions: Vec::new(),
        };
        for (&candidate, rule_ranges) in self.candidates.iter().zip(&self.ranges) {
            let rule_ranges = rule_ranges.as_deref().unwrap_or_default();
            let first = rule_ranges.partition_point(|r| r.0 < span.0);
            let last = rule_ranges.partition_point(|r| r.0 < span.1);
            if first < last {
                within.candidates.push(candidate);
                within.ranges.push(Some(rule_ranges[first..last].to_vec()));
            }
        }
        within
    }

    /// The plan over the parts of the file that hold a declaration in
    /// `changed` (spans of top-level items) or a candidate's range, so
    /// that the trees a round parses also check what the last rounds
    /// changed as `check_go_file` would (see `Engine::run_round`). Each
    /// part's tree holds the header, the package variables and the part;
    /// each rule keeps its ranges inside the part. A declaration no fix
    /// changed is the author's, as it was: parsing it again (most of a
    /// large test file) would say nothing of the fixes. `None` when the
    /// plan's rules need more than one function at a time, or the file
    /// cannot be cut.
    fn covering(
        &self,
        source: &str,
        changed: &[(usize, usize)],
    ) -> Option<(Vec<ParsePlan>, usize)> {
        if self.ranges.iter().any(|r| r.is_none()) {
            return None;
        }
        // At most `FUNCTIONS_PER_TREE` items a part, as for the windows.
        let cut = file_parts(source, PART_BYTES, FUNCTIONS_PER_TREE)?;
        let holds_change =
            |&(start, end): &(usize, usize)| changed.iter().any(|&(s, _)| start <= s && s < end);
        let mut windows: Vec<ParsePlan> = cut
            .parts
            .iter()
            .map(|&part| ParsePlan {
                left_out: cut.left_out(part, &cut.variables, source.len()),
                ..self.within(part)
            })
            .zip(&cut.parts)
            .filter(|(window, part)| !window.candidates.is_empty() || holds_change(part))
            .map(|(window, _)| window)
            .collect();
        // The header and the package variables are in every part's tree:
        // a change there needs one.
        if windows.is_empty() && !changed.is_empty() {
            if let Some(&part) = cut.parts.first() {
                windows.push(ParsePlan {
                    left_out: cut.left_out(part, &cut.variables, source.len()),
                    ..self.within(part)
                });
            }
        }
        Some((windows, cut.header_end))
    }
}

/// `functions` in consecutive chunks of at most `FUNCTIONS_PER_TREE`
/// functions and, unless one function is larger, `big_trees::LARGE` bytes:
/// a tree's memory grows with its text.
fn window_chunks(functions: &[(usize, usize)]) -> impl Iterator<Item = &[(usize, usize)]> {
    let mut rest = functions;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let len = rest
            .iter()
            .take(FUNCTIONS_PER_TREE)
            .take_while(|f| {
                bytes += f.1 - f.0;
                bytes <= big_trees::LARGE
            })
            .count()
            .max(1);
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        Some(chunk)
    })
}

/// Sorted ranges with those that touch joined.
fn merge_adjacent(ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if last.1 >= start => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Fixes not to make: a rule's fixes in one package (a folder), because
/// with them the package did not build (`--verify`). Their findings are
/// still reported, as not fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldBack(std::collections::BTreeSet<(String, String)>);

impl HeldBack {
    /// Holds back `rule`'s fixes in the package folder `dir` (relative to
    /// the repository root, `""` at the root).
    pub fn insert(&mut self, rule: &str, dir: &str) -> bool {
        self.0.insert((rule.to_string(), dir.to_string()))
    }

    pub fn holds(&self, rule: &str, path: &str) -> bool {
        let dir = crate::workspace::dir_of(path);
        self.0.contains(&(rule.to_string(), dir.to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(r, d)| (r.as_str(), d.as_str()))
    }
}

impl Engine {
    pub fn new(mut rules: Vec<Rule>, locations: Vec<Location>) -> Self {
        // A rule that needs a place has nothing to do without one: its
        // files need not even be read for it.
        if locations.is_empty() {
            rules.retain(|r| !r.needs_location);
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_groups: Vec<Vec<Group>> = Vec::new();
        let mut add =
            |literal: String, group: Group| match patterns.iter().position(|p| *p == literal) {
                Some(i) if !pattern_groups[i].contains(&group) => pattern_groups[i].push(group),
                Some(_) => {}
                None => {
                    patterns.push(literal);
                    pattern_groups.push(vec![group]);
                }
            };
        for (i, rule) in rules.iter().enumerate() {
            for literal in prefilter_literals(rule) {
                add(literal, (i, None));
            }
            for (k, any_of) in rule.prefilter_all.iter().enumerate() {
                for entry in any_of {
                    for literal in expand_literal(rule, entry) {
                        add(literal, (i, Some(k)));
                    }
                }
            }
        }
        let unfiltered = (0..rules.len())
            .map(|i| {
                !pattern_groups
                    .iter()
                    .flatten()
                    .any(|&(r, k)| r == i && k.is_none())
            })
            .collect();
        let prefilter = (!patterns.is_empty()).then(|| Prefilter::new(&patterns, &pattern_groups));
        let known_rules = Arc::new(rules.iter().map(|r| r.id.clone()).collect());
        Engine {
            rules,
            root: None,
            denied_imports: Default::default(),
            types: Default::default(),
            prefilter,
            pattern_groups,
            unfiltered,
            locations,
            held_back: HeldBack::default(),
            max_filesize: Default::default(),
            known_rules,
            format_check: false,
            explain: false,
        }
    }

    /// Rule ids that `//fixgen:ignore` may name beside this engine's own.
    pub fn with_known_rules(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        let mut known = (*self.known_rules).clone();
        known.extend(ids);
        self.known_rules = Arc::new(known);
        self
    }

    /// Leaves files larger than `limit` unread, by the scan and by the
    /// type index alike.
    pub fn with_max_filesize(mut self, limit: crate::filesize::MaxFilesize) -> Self {
        self.max_filesize = limit;
        self.types = crate::go::typeindex::TypeIndex::with_max_filesize(limit);
        self
    }

    pub fn max_filesize(&self) -> crate::filesize::MaxFilesize {
        self.max_filesize
    }

    /// Leaves these fixes out; their findings stay, marked not fixed.
    pub fn with_held_back(mut self, held_back: HeldBack) -> Self {
        self.held_back = held_back;
        self
    }

    /// Fixes that leave code gofmt would lay out otherwise are not
    /// written (when `go` is on PATH; see `keep_gofmt_layout`).
    pub fn with_format_check(mut self) -> Self {
        self.format_check = true;
        self
    }

    /// Results say what each rule did with each file (`check --explain`):
    /// its prefilter, its sieves, and each match with its captures and the
    /// first condition that failed.
    pub fn with_explain(mut self) -> Self {
        self.explain = true;
        self
    }

    /// Of files this engine fixed, (original, fixed), which to leave
    /// unfixed, and why: a fix whose code gofmt would lay out otherwise
    /// (one gofmt run for them all; `layout`). Nothing without
    /// `with_format_check`.
    pub fn keep_gofmt_layout(&self, files: &[(&str, &str)]) -> Vec<Option<String>> {
        if !self.format_check {
            return vec![None; files.len()];
        }
        let lf: Vec<(String, String)> = files
            .iter()
            .map(|(o, f)| (o.replace("\r\n", "\n"), f.replace("\r\n", "\n")))
            .collect();
        let pairs: Vec<(&str, &str)> = lf.iter().map(|(o, f)| (o.as_str(), f.as_str())).collect();
        layout::unformatted_changes(&pairs)
            .into_iter()
            .map(|line| {
                line.map(|line| {
                    format!("{line}: a fix leaves code gofmt would lay out otherwise; not applied")
                })
            })
            .collect()
    }

    /// Files are read relative to `root` for module and type knowledge.
    pub fn with_root(mut self, root: std::path::PathBuf) -> Self {
        self.root = Some(root);
        self
    }

    pub fn root(&self) -> Option<&std::path::Path> {
        self.root.as_deref()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Rules that may match `source`: those whose prefilter literal occurs
    /// in it, and those without a prefilter. One pass over the text.
    pub fn candidate_rules(&self, path: &str, source: &str) -> Vec<usize> {
        self.prefilter_hits(path, &TopLevel::of(source)).0
    }

    /// The candidate rules for file `path`, and where their literals occur.
    fn prefilter_hits(&self, path: &str, top: &TopLevel) -> (Vec<usize>, Vec<(usize, usize)>) {
        let source = top.source();
        let test_file = path.ends_with("_test.go");
        let mut wanted = self.unfiltered.clone();
        // (offset, rule) of `prefilter` literals; (offset, rule, k) of `prefilter_all`.
        let mut hits = Vec::new();
        let mut required = Vec::new();
        if let Some(ac) = &self.prefilter {
            for m in ac.find(source) {
                for &(rule, role) in &self.pattern_groups[m.pattern().as_usize()] {
                    if !self.rules[rule].test_files && test_file {
                        continue;
                    }
                    match role {
                        None if self.rules[rule].prefilter_type_names
                            && !ends_a_type_name(source, m.end()) => {}
                        None => {
                            wanted[rule] = true;
                            hits.push((m.start(), rule));
                        }
                        Some(k) => required.push((m.start(), rule, k)),
                    }
                }
            }
        }
        let needs_more = |&(_, rule): &(usize, usize)| !self.rules[rule].prefilter_all.is_empty();
        if hits.iter().any(needs_more) {
            hits = self.with_required(top, hits, &required);
            wanted = self.unfiltered.clone();
            for &(_, rule) in &hits {
                wanted[rule] = true;
            }
        }
        if hits.iter().any(|&(_, rule)| self.sieves(rule)) {
            hits = self.sifted(path, top, hits);
            wanted = self.unfiltered.clone();
            for &(_, rule) in &hits {
                wanted[rule] = true;
            }
        }
        let rules = (0..self.rules.len())
            .filter(|&i| wanted[i] && (self.rules[i].test_files || !test_file))
            .collect();
        (rules, hits)
    }

    /// The hits whose top-level function passes their rule's first looks
    /// at its text: the action's (`Action::function_sieve`) and the
    /// rule's `function_sieve`; each function is looked at once per rule.
    /// A hit outside any function stays.
    fn sifted(&self, path: &str, top: &TopLevel, hits: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
        let mut passed: std::collections::HashMap<(usize, usize), bool> = Default::default();
        let facts = std::cell::OnceCell::new();
        hits.into_iter()
            .filter(|&(offset, rule)| {
                if !self.sieves(rule) {
                    return true;
                }
                let Some(function) = top.function_holding(offset) else {
                    return true;
                };
                *passed.entry((rule, function.0)).or_insert_with(|| {
                    let facts = facts.get_or_init(|| self.file_facts(path));
                    self.function_kept(rule, top.source(), function, facts)
                })
            })
            .collect()
    }

    /// Whether rule `rule` has a first look at a function's text.
    fn sieves(&self, rule: usize) -> bool {
        let rule = &self.rules[rule];
        rule.action.function_sieve().is_some() || rule.function_sieve.is_some()
    }

    /// Whether every first look of rule `rule` keeps `function`.
    fn function_kept(
        &self,
        rule: usize,
        source: &str,
        function: (usize, usize),
        facts: &sieve::FileFacts,
    ) -> bool {
        let rule = &self.rules[rule];
        rule.action
            .function_sieve()
            .is_none_or(|sieve| sieve(source, function, facts))
            && rule
                .function_sieve
                .is_none_or(|sieve| sieve.keeps(source, function, &rule.params, facts))
    }

    /// What the sieves may know of file `path` (relative to the root)
    /// besides its text: its module's Go version. Without a module, the
    /// oldest Go's rules, which keep the most.
    fn file_facts(&self, path: &str) -> sieve::FileFacts {
        sieve::FileFacts {
            loopvars: self.module_of(path).is_some_and(|m| m.go_at_least(1, 22)),
        }
    }

    /// The folder of file `path` (relative to the root), on disk.
    fn dir_of(&self, path: &str) -> Option<std::path::PathBuf> {
        let root = self.root.as_ref()?;
        root.join(path).parent().map(|d| d.to_path_buf())
    }

    /// The module holding file `path`, as the rules' `FileContext` sees it.
    fn module_of(&self, path: &str) -> Option<std::sync::Arc<crate::go::module::Module>> {
        self.types.module_for(&self.dir_of(path)?)
    }

    /// The hits that have every `prefilter_all` literal of their rule
    /// beside them: in the file, or in the same top-level function for a
    /// rule whose literals vouch for their function.
    fn with_required(
        &self,
        top: &TopLevel,
        hits: Vec<(usize, usize)>,
        required: &[(usize, usize, usize)],
    ) -> Vec<(usize, usize)> {
        let functions = top.functions();
        let function_of = |offset: usize| {
            let i = functions.partition_point(|&(start, _)| start <= offset);
            i.checked_sub(1).filter(|&i| offset < functions[i].1)
        };
        let local = |rule: usize| self.rules[rule].prefilter_scope != PrefilterScope::File;
        // (rule, k, function) for each `prefilter_all` literal seen; the
        // function only for rules whose literals vouch for their function.
        let present: std::collections::HashSet<(usize, usize, Option<usize>)> = required
            .iter()
            .map(|&(o, rule, k)| (rule, k, if local(rule) { function_of(o) } else { None }))
            .collect();
        hits.into_iter()
            .filter(|&(offset, rule)| {
                let place = if local(rule) {
                    match function_of(offset) {
                        Some(f) => Some(f),
                        None => return false,
                    }
                } else {
                    None
                };
                (0..self.rules[rule].prefilter_all.len())
                    .all(|k| present.contains(&(rule, k, place)))
            })
            .collect()
    }

    /// The candidate rules, what the parser may leave out, and where each
    /// rule can match. When every candidate vouches only for the functions
    /// holding its literals (or holding them in a signature), the parser
    /// leaves out everything but those functions, the package clause,
    /// imports and package variables, and each rule's query runs only over
    /// the functions holding its own literals.
    fn parse_plan(
        &self,
        path: &str,
        source: &str,
        located: bool,
        later: Option<&mut Vec<DeferredProof>>,
    ) -> ParsePlan {
        let top = TopLevel::of(source);
        let (candidates, hits) = self.prefilter_hits(path, &top);
        let scope = |i: usize| self.rules[i].prefilter_scope;
        let narrow = !candidates.is_empty()
            && candidates
                .iter()
                .all(|&i| !self.unfiltered[i] && scope(i) != PrefilterScope::File);
        if !narrow {
            return ParsePlan {
                ranges: vec![None; candidates.len()],
                candidates,
                left_out: Vec::new(),
                functions: Vec::new(),
            };
        }
        let counts = |&(offset, rule): &(usize, usize)| {
            scope(rule) != PrefilterScope::Signature || top.in_signature(offset)
        };
        let hits: Vec<(usize, usize)> = hits.into_iter().filter(counts).collect();
        let hits = self.proven_by_type_name(path, source, hits, located, later);
        let offsets_of = |rule: usize| -> Vec<usize> {
            hits.iter()
                .filter(|&&(_, r)| r == rule)
                .map(|&(offset, _)| offset)
                .collect()
        };
        let candidates: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| hits.iter().any(|&(_, rule)| rule == i))
            .collect();
        let ranges = candidates
            .iter()
            .map(|&i| Some(top.functions_holding(&offsets_of(i))))
            .collect();
        let offsets: Vec<usize> = hits.iter().map(|&(offset, _)| offset).collect();
        ParsePlan {
            candidates,
            left_out: top.unneeded_around(&offsets),
            ranges,
            functions: top.functions_holding(&offsets),
        }
    }

    /// Run by default, a rule whose proof is about a parameter's type
    /// (`proof_by_type_name`) keeps only the hits naming a type for which
    /// the proof holds: the functions naming no such type are not parsed.
    /// With `later`, a proof that needs the whole module's code and is not
    /// answered yet does not hold: it goes on `later`.
    fn proven_by_type_name(
        &self,
        path: &str,
        source: &str,
        hits: Vec<(usize, usize)>,
        located: bool,
        mut later: Option<&mut Vec<DeferredProof>>,
    ) -> Vec<(usize, usize)> {
        let gated = |rule: usize| {
            let rule = &self.rules[rule];
            rule.proof_by_type_name && !rule.named && !located
        };
        if !hits.iter().any(|&(_, rule)| gated(rule)) {
            return hits;
        }
        // Without a module there is no type index, and no proof holds.
        let Some(module) = self.module_of(path) else {
            return hits.into_iter().filter(|&(_, i)| !gated(i)).collect();
        };
        let types = (&self.types, &*module);
        let mut proven = |offset: usize, rule: &Rule| {
            let name = name_around(source, offset);
            for condition in &rule.proof {
                if let Some(later) = later.as_deref_mut() {
                    if let Some((ask, negated)) =
                        condition.unanswered_for_type_name(name, types, &rule.params)
                    {
                        // Handlers of one request type ask alike: once a
                        // file (a proof holds a module path and a list).
                        let proof = DeferredProof { ask, negated };
                        if !later.contains(&proof) {
                            later.push(proof);
                        }
                        return false;
                    }
                }
                if !condition.holds_for_type_name(name, types, &rule.params) {
                    return false;
                }
            }
            true
        };
        hits.into_iter()
            .filter(|&(offset, i)| !gated(i) || proven(offset, &self.rules[i]))
            .collect()
    }

    /// Whether a default run asks proofs that need the whole module's code
    /// (see `process_deferring`).
    pub fn defers_proofs(&self) -> bool {
        self.root.is_some()
            && self
                .rules
                .iter()
                .any(|rule| rule.proof_by_type_name && !rule.named)
    }

    /// Keeps what the deferred proofs need of a file a scan read from
    /// disk (`path` relative to the root), so that answering them does not
    /// read it again.
    pub fn record_read(&self, path: &str, source: &str) {
        if let Some(root) = &self.root {
            self.types.record_read(root.join(path), source);
        }
    }

    /// Answers the proofs `process_deferring` left for later, together:
    /// each file of a module is read once for all the type names asked
    /// about it, on every core.
    pub fn settle(&self, deferred: &[DeferredProof]) {
        let asks: Vec<_> = deferred.iter().map(|d| d.ask.clone()).collect();
        self.types.settle_reuse(&asks);
    }

    /// Whether a result of `process_deferring` differs from what `process`
    /// gives now that its proofs are settled: some proof it took as not
    /// holding holds.
    pub fn settled_differently(&self, deferred: &[DeferredProof]) -> bool {
        deferred.iter().any(|d| {
            let found = self.types.reuse_known(&d.ask.module, &d.ask.type_name);
            // Not answered (its module went away): ask again.
            found.is_none_or(|found| found.is_some() != d.negated)
        })
    }

    /// `check --explain`: what each rule of the engine does with the file
    /// before any match, in the engine's order: skipped (and why), or
    /// parsed.
    fn plan_explained(
        &self,
        path: &str,
        source: &str,
        plan: &ParsePlan,
        located: bool,
    ) -> Vec<String> {
        let test_file = path.ends_with("_test.go");
        let generated = is_generated(source);
        self.rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let literals = prefilter_literals(rule);
                let reason = if rule.needs_location && !located {
                    "skipped: it runs only at --at places".to_string()
                } else if test_file && !rule.test_files {
                    "skipped: it does not read _test.go files".to_string()
                } else if generated {
                    "skipped: the file is generated".to_string()
                } else if let Some(k) = plan.candidates.iter().position(|&c| c == i) {
                    match &plan.ranges[k] {
                        None => "parsed: the whole file".to_string(),
                        Some(ranges) => format!("parsed: {} function(s) holding its literals", ranges.len()),
                    }
                } else if !self.unfiltered[i] && !literals.iter().any(|l| source.contains(l.as_str())) {
                    format!(
                        "skipped: none of its prefilter literals is in the file ({})",
                        literals.iter().map(|l| format!("`{}`", l.escape_debug())).collect::<Vec<_>>().join(", ")
                    )
                } else if rule.proof_by_type_name && !rule.named && !located {
                    "skipped: run by default, its proof holds for no type a signature here names".to_string()
                } else {
                    "skipped: its literals are here, but no function holding one passes its narrower looks (prefilter_all, type names, function sieve)".to_string()
                };
                format!("{}: {reason}", rule.id)
            })
            .collect()
    }

    /// Finds and fixes defects in one file. A file that does not parse is an
    /// error, never rewritten.
    pub fn process(&self, path: &str, source: &str) -> Result<FileResult, SyntaxError> {
        self.process_with(path, source, false)
    }

    /// Like `process`, leaving proofs that need the whole module's code
    /// (whether some caller reuses what it puts in a request type) for
    /// later when not answered yet: they do not hold, and the result lists
    /// them (`FileResult::deferred`). A scan answers them all at its end
    /// (`settle`), from what it read (`record_read`), and processes again
    /// the files they were `settled_differently` for. Answering each when
    /// first asked would read the module again, in one thread.
    pub fn process_deferring(&self, path: &str, source: &str) -> Result<FileResult, SyntaxError> {
        self.process_with(path, source, true)
    }

    fn process_with(
        &self,
        path: &str,
        source: &str,
        defer: bool,
    ) -> Result<FileResult, SyntaxError> {
        let crlf = uses_crlf(source);
        let normalised;
        let text: &str = if crlf {
            normalised = source.replace("\r\n", "\n");
            &normalised
        } else {
            source
        };
        let mut result = self.fixed_point(path, text, defer)?;
        if result.fixed.is_none() {
            // Nothing is written: no finding's edits are what apply makes.
            result.findings.iter_mut().for_each(|f| f.fix = None);
        }
        if crlf {
            result.fixed = result.fixed.map(|t| t.replace('\n', "\r\n"));
            for finding in &mut result.findings {
                finding.fix = finding.fix.take().map(placed::PlacedFix::in_crlf);
            }
        }
        Ok(result)
    }

    fn fixed_point(
        &self,
        path: &str,
        original: &str,
        defer: bool,
    ) -> Result<FileResult, SyntaxError> {
        let mut result = FileResult::default();
        let mut deferred = Vec::new();
        let mut current = original.to_string();
        // `--at` lines, moved along as earlier rounds insert or remove lines.
        let mut at = self.lines_selected_in(path);
        // Whether the last round's trees found `current` valid Go.
        let mut checked_valid = false;
        // Error nodes fixgen tolerates (go::error_nodes): those round 0
        // saw in the file as it was, whether any round saw some, and each
        // round's edits, by which a fixed file's error nodes must move.
        let mut original_errors = ErrorNodes::default();
        let mut errors_seen = false;
        let mut edits_by_round: Vec<Spans> = Vec::new();
        // One round more than the limit: to learn whether fixes settle.
        for round in 0..=MAX_ROUNDS {
            let plan =
                self.parse_plan(path, &current, at.is_some(), defer.then_some(&mut deferred));
            if self.explain && round == 0 {
                result.explanation = self.plan_explained(path, original, &plan, at.is_some());
            }
            if plan.candidates.is_empty() {
                break;
            }
            // Generated files are never edited, and what they say is not
            // the author's to fix.
            if round == 0 {
                if is_generated(original) {
                    break;
                }
                result.considered = true;
            }
            // After a round that changed it, what the fixes changed is
            // checked as Go by the trees the next round parses anyway.
            let changed = (round > 0).then(|| layout::changed_items(&current, original));
            let Round {
                found: (findings, fixes, warnings, explained),
                valid: checked,
                errors,
            } = match self.run_round(path, &current, plan, at.as_deref(), changed.as_deref()) {
                Ok(round) => round,
                Err(e) if round == 0 => return Err(e),
                Err(e) => {
                    // An error in a function left unparsed is the file's own.
                    check_original(original)?;
                    // Never emit code that does not parse: keep the last good round.
                    result.warnings.push(format!(
                        "{path}: a fix produced code that does not parse ({e}); not applied"
                    ));
                    result.applied.clear();
                    result.created.clear();
                    current = original.to_string();
                    break;
                }
            };
            errors_seen |= !errors.is_empty();
            let mut fixes = fixes;
            let (mut next, mut applied) = apply_fixes(&current, &fixes);
            // An import whose last uses the round's fixes took goes with
            // the last of them (two fixes each leaving one use of `os`).
            if let Some(&last) = applied.last() {
                let edits: Vec<&Edit> = applied.iter().flat_map(|&i| &fixes[i].edits).collect();
                if let Some(removal) = edit::unused_imports_removal(&current, &next, &edits) {
                    fixes[last].edits.push(removal);
                    fixes[last].edits.sort_by_key(|e| (e.start, e.end));
                    (next, applied) = apply_fixes(&current, &fixes);
                }
            }
            if round == 0 {
                let mut explained = explained;
                explained.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                result
                    .explanation
                    .extend(explained.into_iter().map(|(_, line)| line));
                original_errors = errors;
                (result.findings, result.suppressed) =
                    findings.into_iter().partition(|f| f.suppressed.is_none());
                keep_fixes_applied(&mut result.findings, &fixes, &applied);
                result.warnings.extend(warnings);
            }
            // Edits that change nothing (a file already as the fix wants it).
            if applied.is_empty() || next == current {
                checked_valid = checked;
                break;
            }
            if round == MAX_ROUNDS {
                // Rules that undo or redo each other's work: what they
                // would write is not a fix anyone reviewed to its end.
                let rules: std::collections::BTreeSet<&str> =
                    applied.iter().map(|&i| fixes[i].rule.as_str()).collect();
                result.failure = Some(format!(
                    "{path}: fixes did not settle after {MAX_ROUNDS} rounds ({} still changing it); not written",
                    rules.into_iter().collect::<Vec<_>>().join(", ")
                ));
                result.applied.clear();
                result.created.clear();
                current = original.to_string();
                break;
            }
            let edits: Vec<&Edit> = applied.iter().flat_map(|&i| &fixes[i].edits).collect();
            if let Some(lines) = &mut at {
                *lines = edit::moved_lines(&current, &edits, lines);
            }
            edits_by_round.push(spans(&edits));
            for i in applied {
                *result.applied.entry(fixes[i].rule.clone()).or_default() += 1;
                for file in &fixes[i].files {
                    if !result.created.contains(file) {
                        result.created.push(file.clone());
                    }
                }
            }
            current = next;
        }
        if current != original {
            // Whole now: the rounds may have parsed only part of the file,
            // and tree-sitter accepts files go/parser does not.
            let valid = match checked_valid && !errors_seen {
                true => Ok(ErrorNodes::default()),
                false => check_fixed(original, &current, &edits_by_round, errors_seen),
            };
            match valid {
                Err(e) => {
                    check_original(original)?;
                    result.warnings.push(format!(
                        "{path}: a fix produced code that is not valid Go ({e}); not applied"
                    ));
                    result.applied.clear();
                    result.created.clear();
                }
                Ok(errors) => {
                    if original_errors.is_empty() {
                        original_errors = errors;
                    }
                    result.fixed = Some(current);
                }
            }
        }
        result.deferred = deferred;
        if let Some(first) = original_errors.first() {
            // Once per file, whatever the rules and rounds that met it.
            result
                .warnings
                .insert(0, unknown_syntax_warning(path, original, first));
        }
        Ok(result)
    }

    /// One round of every rule the plan names, a window of the file at a
    /// time. With `changed` (the top-level items earlier rounds changed),
    /// the windows also cover those items where the plan allows, each
    /// tree is checked as `check_go_file` checks a part, and
    /// `Round::valid` says whether they passed. A syntax error where the
    /// file's error nodes are not tolerated.
    fn run_round(
        &self,
        path: &str,
        source: &str,
        plan: ParsePlan,
        at: Option<&[usize]>,
        changed: Option<&[(usize, usize)]>,
    ) -> Result<Round, SyntaxError> {
        let check_text = changed.is_some();
        use rayon::prelude::*;
        let lines = LineIndex::new(source);
        let directives = Directives::scan(source, &|id| self.known_rules.contains(id));
        let whole_file = plan.left_out.is_empty() && plan.ranges.iter().all(|r| r.is_none());
        let (windows, decls_from) = match changed.and_then(|changed| plan.covering(source, changed))
        {
            Some(covering) => covering,
            // One tree of the whole file checks it as it stands.
            None if check_text && whole_file => (vec![plan], source.len()),
            None => (plan.windows(), usize::MAX),
        };
        let checking = decls_from != usize::MAX;
        // Windows are independent (each its own tree): a large file uses
        // every core, as many small files do.
        let per_window: Vec<Result<Round, SyntaxError>> = windows
            .into_par_iter()
            .map(|window| {
                let left_out: usize = window.left_out.iter().map(|(s, e)| e - s).sum();
                let _turn = big_trees::turn_for(source.len() - left_out);
                let parsed = parse_tolerating_indexed(source, &window.left_out, &lines)?;
                let (tree, errors) = (&parsed.tree, &parsed.errors);
                // A tree with error nodes is no whole Go file: the final
                // check compares them with the file's own.
                let valid = checking
                    && errors.is_empty()
                    && check_parsed(tree.root_node(), source, &window.left_out, decls_from).is_ok();
                let found = match window.candidates.is_empty() {
                    true => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
                    false => {
                        let places = (at, &lines, &directives);
                        self.run_rules(path, source, (tree, errors), &window, (places, !check_text))
                    }
                };
                Ok(Round {
                    found,
                    valid,
                    errors: parsed.errors,
                })
            })
            .collect();
        let mut found = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        found.2.extend(
            (directives.problems.iter()).map(|(line, problem)| format!("{path}:{line}: {problem}")),
        );
        let mut valid = checking && no_bad_characters(source);
        let mut errors = Vec::new();
        for window in per_window {
            let window = window?;
            valid &= window.valid;
            errors.push(window.errors);
            let (findings, fixes, warnings, explained) = window.found;
            found.0.extend(findings);
            found.1.extend(fixes);
            found.2.extend(warnings);
            found.3.extend(explained);
        }
        found
            .0
            .sort_by(|a, b| (a.line, a.column, &a.rule).cmp(&(b.line, b.column, &b.rule)));
        Ok(Round {
            found,
            valid,
            errors: ErrorNodes::merged(errors),
        })
    }

    fn run_rules(
        &self,
        path: &str,
        source: &str,
        (tree, errors): (&tree_sitter::Tree, &ErrorNodes),
        plan: &ParsePlan,
        (places, explaining): (Places, bool),
    ) -> Found {
        let _names = crate::go::package_names::PackageNames::list(tree.root_node(), source);
        let mut cx = FileContext::new(path, source, tree.root_node()).with_syntax_errors(errors);
        // Only the first round explains: it reads the file as it is.
        if self.explain && explaining {
            cx = cx.explaining();
        }
        if let Some(dir) = self.dir_of(path) {
            cx = cx.with_types(&self.types, dir);
        }
        let mut findings = Vec::new();
        let mut fixes = Vec::new();
        let mut warnings = Vec::new();
        let mut explained = Vec::new();
        for (&i, ranges) in plan.candidates.iter().zip(&plan.ranges) {
            let rule = &self.rules[i];
            let out = (&mut findings, &mut fixes);
            self.run_rule(rule, &cx, ranges.as_deref(), places, out);
            explained.extend(cx.take_explanation());
            warnings.extend(
                cx.take_warnings()
                    .into_iter()
                    .map(|w| format!("{path}:{w} ({})", rule.id)),
            );
        }
        findings.sort_by(|a, b| (a.line, a.column, &a.rule).cmp(&(b.line, b.column, &b.rule)));
        (findings, fixes, warnings, explained)
    }

    /// One rule's findings and fixes in the file.
    fn run_rule<'t>(
        &self,
        rule: &Rule,
        cx: &FileContext<'t>,
        ranges: Option<&[(usize, usize)]>,
        (at, lines, directives): Places,
        (findings, fixes): (&mut Vec<Finding>, &mut Vec<Fix>),
    ) {
        let path = cx.path;
        if rule.needs_location && at.is_none() {
            return;
        }
        let (mut matches, unselected): (Vec<_>, Vec<_>) = matcher::find_matches(rule, cx, ranges)
            .into_iter()
            .partition(|m| selected_by_lines(at, m.report));
        // Evidence before churn: run by default, a rule's own proof
        // must hold; named or pointed at, the user's word stands in.
        if !rule.named && at.is_none() {
            let names = rule.query.capture_names();
            matches.retain(|m| {
                let failed = rule
                    .proof
                    .iter()
                    .position(|c| c.check(cx, m, &rule.params, names).is_none());
                if let Some(k) = failed {
                    cx.explain(m.report.start_byte(), || {
                        let line = m.report.start_position().row + 1;
                        let proof = rule.proof_texts.get(k).map_or("?", String::as_str);
                        format!(
                            "{} {line}: run by default, its proof `{proof}` does not hold",
                            rule.id
                        )
                    });
                }
                failed.is_none()
            });
        }
        if matches.is_empty() {
            return;
        }
        let env = PlanEnv {
            cx,
            rule,
            unselected: &unselected,
            located: at.is_some(),
        };
        let mut plan = rule.action.plan(&env, &matches);
        refuse_fixes_at_unknown_syntax(&mut plan, &matches, cx);
        self.refuse_denied_imports(&mut plan, cx);
        if self.held_back.holds(&rule.id, path) {
            hold_back(&mut plan);
        }
        let line_of = |offset| lines.line_column(offset).0;
        let ignored = crate::suppress::withhold(&mut plan, &rule.id, directives, &line_of);
        let fix_base = fixes.len();
        for edits in plan.fixes {
            fixes.push(Fix::new(rule.id.clone(), edits));
        }
        for (index, file) in plan.files {
            fixes[fix_base + index].files.push(file);
        }
        for (planned, suppressed) in plan.findings.into_iter().zip(ignored) {
            let m = &matches[planned.match_index];
            let message = env
                .render(
                    "message",
                    m,
                    &planned
                        .vars
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.clone()))
                        .collect::<Vec<_>>(),
                )
                .unwrap_or_else(|e| format!("{} (message template failed: {e})", rule.title));
            let message = match &planned.note {
                Some(note) => format!("{}; {note}", message.trim_end()),
                None => message.trim_end().to_string(),
            };
            let (start, end) = (
                placed::place(cx.source, lines, planned.start),
                placed::place(cx.source, lines, planned.end),
            );
            let fix = planned
                .fix
                .map(|f| &fixes[fix_base + f])
                .filter(|f| !f.edits.is_empty());
            findings.push(Finding {
                rule: rule.id.clone(),
                path: path.to_string(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                message,
                fixable: fix.is_some(),
                related_lines: planned
                    .related
                    .iter()
                    .map(|&offset| lines.line_column(offset).0)
                    .collect(),
                severity: planned.severity,
                fix: fix.map(|f| placed::placed(f, path, cx.source, lines)),
                utf16_columns: (start.utf16_column, end.utf16_column),
                suppressed,
            });
        }
    }

    /// The `--at` lines in file `path`; `None` when no `--at` was given
    /// (every match runs).
    fn lines_selected_in(&self, path: &str) -> Option<Vec<usize>> {
        (!self.locations.is_empty()).then(|| {
            self.locations
                .iter()
                .filter(|l| l.path == path || path.ends_with(&format!("/{}", l.path)))
                .map(|l| l.line)
                .collect()
        })
    }
}

impl Engine {
    /// Drops the fixes that import a package the repository's linter
    /// denies (depguard): the maintainers could not take them. The
    /// findings stay, saying why.
    fn refuse_denied_imports(&self, plan: &mut actions::Plan, cx: &FileContext) {
        let (Some(root), Some(module)) = (&self.root, cx.module()) else {
            return;
        };
        let denied = self
            .denied_imports
            .lock()
            .unwrap()
            .entry(module.root.clone())
            .or_insert_with(|| Arc::new(crate::go::lintconfig::denied_imports(&module.root, root)))
            .clone();
        if denied.is_empty() {
            return;
        }
        let in_test = cx.path.ends_with("_test.go");
        let before: Vec<&str> = cx.imports().iter().map(|i| i.path.as_str()).collect();
        for (i, edits) in plan.fixes.iter_mut().enumerate() {
            // Only a fix whose edits touch the imports can add one.
            let touches = |imports_end: usize| edits.iter().any(|e| e.start <= imports_end);
            if edits.is_empty() || !touches(imports_end(cx.root)) {
                continue;
            }
            let (fixed, _) = apply_fixes(cx.source, &[Fix::new("", edits.clone())]);
            // Imports are read from the header, which parses in any file
            // fixgen changes (go::error_nodes): error nodes elsewhere do
            // not let a denied import through.
            let tree = parse_keeping_errors(&fixed).tree;
            let added = crate::go::imports::imports(tree.root_node(), &fixed);
            let refusal = added
                .iter()
                .filter(|imp| !before.contains(&imp.path.as_str()))
                .find_map(|imp| denied.iter().find(|d| d.denies(&imp.path, in_test)));
            let Some(rule) = refusal else {
                continue;
            };
            edits.clear();
            plan.files.retain(|(f, _)| *f != i);
            for finding in plan.findings.iter_mut().filter(|f| f.fix == Some(i)) {
                finding.note = Some(format!(
                    "not fixed: the fix imports {}, which {} denies ({})",
                    rule.pkg,
                    rule.config,
                    if rule.desc.is_empty() {
                        "depguard"
                    } else {
                        &rule.desc
                    }
                ));
            }
        }
    }
}

/// Drops the fixes that edit next to an error node of the tree, or whose
/// finding or edits lie in a declaration holding one: what the analysis
/// read there was misread (go::error_nodes). The findings stay, saying why.
fn refuse_fixes_at_unknown_syntax(
    plan: &mut actions::Plan,
    matches: &[matcher::Match],
    cx: &FileContext,
) {
    let errors = cx.syntax_errors();
    if errors.is_empty() {
        return;
    }
    for (i, edits) in plan.fixes.iter_mut().enumerate() {
        if edits.is_empty() {
            continue;
        }
        let reported: Vec<(usize, usize)> = plan
            .findings
            .iter()
            .filter(|f| f.fix == Some(i))
            .flat_map(|f| {
                let report = matches[f.match_index].report;
                [(f.start, f.end), (report.start_byte(), report.end_byte())]
            })
            .collect();
        let edited: Vec<(usize, usize)> = edits.iter().map(|e| (e.start, e.end)).collect();
        let Some(reason) = why_not_fixable(cx.root, cx.source, errors, &reported, &edited) else {
            continue;
        };
        edits.clear();
        plan.files.retain(|(f, _)| *f != i);
        for finding in plan.findings.iter_mut().filter(|f| f.fix == Some(i)) {
            finding.note = Some(reason.clone());
        }
    }
}

/// The warning for a file read around syntax tree-sitter-go does not
/// parse, naming the first place.
fn unknown_syntax_warning(path: &str, source: &str, first: &ErrorNode) -> String {
    let at = SyntaxError::at_offset(source, first.start, "");
    format!(
        "{path}: syntax tree-sitter-go does not parse at {}:{} (newer Go, such as 1.26's new(expr)?); read around it, and the functions holding it are not changed",
        at.line, at.column
    )
}

/// The edits' spans as (start, end, length of the replacement), sorted.
fn spans(edits: &[&Edit]) -> Spans {
    let mut spans: Spans = edits
        .iter()
        .map(|e| (e.start, e.end, e.text.len()))
        .collect();
    spans.sort_unstable();
    spans
}

/// Whether the file as it was is Go fixgen reads: valid, or with error
/// nodes it tolerates. When not, the file is refused whole and a fix
/// that failed a check is not to blame.
fn check_original(original: &str) -> Result<(), SyntaxError> {
    check_go_file(original).or_else(|_| parse_go_file_tolerating(original).map(drop))
}

/// Whether `fixed` may replace `original`: a Go file by go/parser's
/// standard but for the error nodes `original` had, which it must hold
/// exactly: the same text, moved by each round's edits (`rounds`).
/// Returns those error nodes of `original`. `errors_seen`: a round's
/// trees held error nodes (else the common case is decided in parts).
fn check_fixed(
    original: &str,
    fixed: &str,
    rounds: &[Spans],
    errors_seen: bool,
) -> Result<ErrorNodes, SyntaxError> {
    // The common case, decided in parts: no error nodes, before or after.
    let strict = (!errors_seen).then(|| check_go_file(fixed));
    if let Some(Ok(())) = strict {
        return Ok(ErrorNodes::default());
    }
    let before = parse_keeping_errors(original).errors;
    if before.is_empty() {
        let strict = strict.unwrap_or_else(|| check_go_file(fixed));
        return strict.map(|()| before);
    }
    let after = parse_go_file_tolerating(fixed)?.errors;
    let expected = rounds
        .iter()
        .try_fold(before.clone(), |errors, edits| errors.moved(edits));
    let changed = match &expected {
        Some(expected) => after.first_difference(expected),
        // An edit touched an error node: it cannot be the one it was.
        None => after.first().or(before.first()),
    };
    let Some(changed) = changed else {
        return Ok(before);
    };
    Err(SyntaxError::at_offset(
        fixed,
        changed.start.min(fixed.len()),
        "a change to syntax tree-sitter-go does not parse",
    ))
}

/// Where the file's import declarations end (its package clause when it
/// has none).
fn imports_end(root: tree_sitter::Node) -> usize {
    crate::go::syntax::named_children(root)
        .into_iter()
        .filter(|n| matches!(n.kind(), "import_declaration" | "package_clause"))
        .map(|n| n.end_byte())
        .max()
        .unwrap_or(0)
}

/// Keeps a plan's findings and drops its fixes, saying why.
fn hold_back(plan: &mut actions::Plan) {
    plan.fixes.clear();
    plan.files.clear();
    for finding in &mut plan.findings {
        if finding.fix.take().is_some() {
            finding.note = Some(
                "not fixed: with this fix its package did not pass --verify (see the verify report)"
                    .into(),
            );
        }
    }
}

/// What a rule's matches are placed by: the `--at` lines (`None`: every
/// match), the file's lines, and its `//fixgen:ignore` directives.
type Places<'a> = (Option<&'a [usize]>, &'a LineIndex, &'a Directives);

/// Findings keep the edits of their fix only where round 0 made it: a
/// fix that overlapped another waits for a later round, on other text.
fn keep_fixes_applied(findings: &mut [Finding], fixes: &[Fix], applied: &[usize]) {
    let made: std::collections::HashSet<Vec<(usize, usize, &str)>> = applied
        .iter()
        .map(|&i| {
            (fixes[i].edits.iter())
                .map(|e| (e.start, e.end, e.text.as_str()))
                .collect()
        })
        .collect();
    for finding in findings {
        if finding
            .fix
            .as_ref()
            .is_some_and(|f| !made.contains(&f.key()))
        {
            finding.fix = None;
        }
    }
}

/// Whether a match covers one of the `--at` lines (all match without `--at`).
fn selected_by_lines(at: Option<&[usize]>, node: tree_sitter::Node) -> bool {
    let Some(lines) = at else { return true };
    let first = crate::go::syntax::line_of(node);
    let last = crate::go::syntax::end_line_of(node);
    lines.iter().any(|&l| first <= l && l <= last)
}

/// A rule's prefilter literals; an entry `params.NAME` stands for that
/// parameter's value(s), and `{params.NAME}` inside an entry for each of
/// them in turn (`"{params.launchers}(func"`), so `--set` keeps prefilter
/// and conditions in step.
fn prefilter_literals(rule: &Rule) -> Vec<String> {
    rule.prefilter
        .iter()
        .flat_map(|entry| expand_literal(rule, entry))
        .collect()
}

/// A prefilter entry's literals: `params.NAME` is the parameter's values,
/// and `a{params.NAME}b` one literal for each value.
fn expand_literal(rule: &Rule, entry: &str) -> Vec<String> {
    if let Some(name) = entry.strip_prefix("params.") {
        return param_values(rule, name);
    }
    match placeholder(entry) {
        Some((before, name, after)) => param_values(rule, name)
            .into_iter()
            .map(|v| format!("{before}{v}{after}"))
            .collect(),
        None => vec![entry.to_string()],
    }
}

fn param_values(rule: &Rule, name: &str) -> Vec<String> {
    predicate::param_strings(rule.params.get(name))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// `a{params.NAME}b` → (`a`, `NAME`, `b`).
fn placeholder(entry: &str) -> Option<(&str, &str, &str)> {
    let open = entry.find("{params.")?;
    let close = open + entry[open..].find('}')?;
    Some((
        &entry[..open],
        &entry[open + "{params.".len()..close],
        &entry[close + 1..],
    ))
}

/// The identifier holding byte `offset` of `source`.
fn name_around(source: &str, offset: usize) -> &str {
    let bytes = source.as_bytes();
    let in_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let start = bytes[..offset]
        .iter()
        .rposition(|&b| !in_name(b))
        .map_or(0, |i| i + 1);
    let end = bytes[offset..]
        .iter()
        .position(|&b| !in_name(b))
        .map_or(bytes.len(), |i| offset + i);
    &source[start..end]
}

/// Whether a literal ending at `end` ends a name that is not called: the
/// next character is no letter, digit or `_`, and the next one that is not
/// a blank is no `(`. A parameter's type (`req *pb.PutRequest)`) passes;
/// `handleRequests`, `RequestID` and `NewRequest(` do not.
fn ends_a_type_name(source: &str, end: usize) -> bool {
    let rest = &source[end..];
    let continues = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    !continues && !rest.trim_start_matches([' ', '\t']).starts_with('(')
}

/// CRLF files are processed as LF and written back as CRLF, so inserted
/// lines get the file's own line endings.
fn uses_crlf(source: &str) -> bool {
    // Every file of a tree comes through here: most have no `\r` at all.
    if !source.contains('\r') {
        return false;
    }
    let lf = source.matches('\n').count();
    lf > 0 && source.matches("\r\n").count() == lf
}

#[cfg(test)]
mod window_tests {
    use super::*;

    /// A plan over `n` functions of `size` bytes each, back to back after a
    /// header of 100 bytes, every other one a candidate.
    fn plan(n: usize, size: usize) -> ParsePlan {
        let all: Vec<(usize, usize)> = (0..n)
            .map(|i| (100 + i * size, 100 + (i + 1) * size))
            .collect();
        let (functions, left_out): (Vec<_>, Vec<_>) =
            all.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let strip = |v: Vec<(usize, &(usize, usize))>| v.into_iter().map(|(_, f)| *f).collect();
        let functions: Vec<(usize, usize)> = strip(functions);
        ParsePlan {
            candidates: vec![0],
            ranges: vec![Some(functions.clone())],
            left_out: strip(left_out),
            functions,
        }
    }

    #[test]
    fn a_window_parses_its_own_functions_and_nothing_between_them() {
        let windows = plan(40, 1000).windows();
        assert_eq!(windows.len(), 2, "20 candidates: two windows of at most 16");
        let first = &windows[0];
        assert_eq!(first.functions.len(), 16);
        let kept = crate::go::narrow::kept(100 + 40 * 1000, &first.left_out);
        let kept_bytes: usize = kept.iter().map(|(s, e)| e - s).sum();
        assert_eq!(
            kept_bytes,
            100 + 16 * 1000,
            "the header and its 16 functions"
        );
    }

    /// After a fix, a round parses the parts holding a change or a
    /// candidate, not the file's other declarations: they are as the
    /// author wrote them.
    #[test]
    fn a_checking_round_parses_the_parts_with_changes_or_candidates() {
        let body = format!("\t_ = \"{}\"\n", "x".repeat(PART_BYTES / 2));
        let mut source = String::from("package p\n\nimport \"fmt\"\n");
        let mut functions = Vec::new();
        for i in 0..12 {
            source.push('\n');
            let start = source.len();
            source.push_str(&format!("func F{i}() {{\n{body}\tfmt.Println()\n}}\n"));
            functions.push((start, source.len() - 1));
        }
        let plan = ParsePlan {
            candidates: vec![0],
            ranges: vec![Some(vec![functions[0]])],
            left_out: Vec::new(),
            functions: vec![functions[0]],
        };
        let parsed = |changed: &[(usize, usize)]| {
            let (windows, _) = plan.covering(&source, changed).expect("a file that cuts");
            windows
                .iter()
                .map(|w| {
                    let kept = crate::go::narrow::kept(source.len(), &w.left_out);
                    (0..12)
                        .filter(|&i| {
                            kept.iter()
                                .any(|k| k.0 <= functions[i].0 && functions[i].1 <= k.1)
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        // Two 64 KiB functions a part.
        assert_eq!(parsed(&[]), [vec![0, 1]], "the candidate's part alone");
        assert_eq!(parsed(&[functions[9]]), [vec![0, 1], vec![8, 9]]);
        let import = (
            source.find("import").unwrap(),
            source.find("\n\nfunc").unwrap(),
        );
        let no_candidate = ParsePlan {
            candidates: Vec::new(),
            ranges: Vec::new(),
            left_out: Vec::new(),
            functions: Vec::new(),
        };
        let (windows, _) = no_candidate.covering(&source, &[import]).unwrap();
        assert_eq!(windows.len(), 1, "a changed header needs one tree");
        assert!(no_candidate.covering(&source, &[]).unwrap().0.is_empty());
    }

    #[test]
    fn windows_hold_at_most_a_large_trees_worth_of_text_unless_one_function_is_larger() {
        let size = big_trees::LARGE / 3;
        let sizes: Vec<usize> = plan(12, size)
            .windows()
            .iter()
            .map(|w| w.functions.len())
            .collect();
        assert_eq!(sizes, [3, 3], "six candidates of a third of LARGE each");
        let huge = plan(4, big_trees::LARGE * 2).windows();
        assert_eq!(
            huge.iter().map(|w| w.functions.len()).collect::<Vec<_>>(),
            [1, 1]
        );
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::*;

    #[test]
    fn a_parameter_inside_a_prefilter_entry_stands_for_each_value() {
        assert_eq!(
            placeholder("{params.launchers}(func"),
            Some(("", "launchers", "(func"))
        );
        assert_eq!(placeholder("go func"), None);
        let rules = crate::engine::load_rules(&[]).unwrap();
        let rule = rules
            .into_iter()
            .find(|r| r.id == "goroutine-shared-var")
            .unwrap();
        let literals = prefilter_literals(&rule);
        for want in ["Go(func", "TryGo(func", "Submit(func", "\tgo "] {
            assert!(literals.iter().any(|l| l == want), "{literals:?}");
        }
    }

    #[test]
    fn literals_that_end_type_names_count_only_at_the_end_of_a_name_not_called() {
        let rules = crate::engine::load_rules(&[]).unwrap();
        let rules = crate::engine::select_rules(
            rules,
            &crate::engine::Selection {
                only: vec!["request-slice-alias".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let engine = Engine::new(rules, Vec::new());
        let candidate = |text: &str| !engine.candidate_rules("x.go", text).is_empty();
        assert!(candidate("func F(r *pb.PutRequest) {}\n"));
        assert!(candidate(
            "func F(ctx context.Context, r PutReq, n int) {}\n"
        ));
        assert!(candidate("func (r *Request) Tags() []string {}\n"));
        assert!(candidate("func F(r pb.Request[T]) {}\n"));
        assert!(!candidate("func handleRequests(n int) {}\n"));
        assert!(!candidate("func F(id RequestID) {}\n"));
        assert!(!candidate("func F() { x := NewRequest (1) }\n"));
        assert!(!candidate("func F() { requests := 1 }\n"));
    }

    /// `localize` finds only closures writing what they do not declare:
    /// a function whose closures write nothing else is no candidate.
    #[test]
    fn a_function_whose_closures_write_only_their_own_is_not_parsed_for_localize() {
        let rules = crate::engine::load_rules(&[]).unwrap();
        let engine = Engine::new(rules, Vec::new());
        let candidates = |text: &str| -> Vec<String> {
            engine
                .candidate_rules("x_test.go", text)
                .into_iter()
                .map(|i| engine.rules[i].id.clone())
                .collect()
        };
        let own = "func T(t *testing.T) {\n\tgo func() { n := 1; n++ }()\n\tt.Run(\"a\", func(t *testing.T) { t.Parallel(); err := f(); _ = err })\n}\n";
        assert_eq!(candidates(own), Vec::<String>::new());
        let shared = own
            .replace("n := 1; n++", "n++")
            .replace("err := f()", "err = f()");
        assert_eq!(
            candidates(&shared),
            ["goroutine-shared-var", "parallel-subtest-shared-var"]
        );
    }

    #[test]
    fn literals_that_can_overlap_are_told_apart() {
        assert!(may_overlap("Req", "Request"));
        assert!(may_overlap("go func", "func("));
        assert!(!may_overlap("Exec(", "Tx"));
        assert!(!may_overlap("Parallel()", ".Run("));
    }

    #[test]
    fn the_built_in_rules_are_searched_without_overlaps_and_find_every_rule() {
        let rules = crate::engine::load_rules(&[]).unwrap();
        let only: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        let rules = crate::engine::select_rules(
            rules,
            &crate::engine::Selection {
                only,
                ..Default::default()
            },
        )
        .unwrap();
        let engine = Engine::new(rules, Vec::new());
        let prefilter = engine.prefilter.as_ref().unwrap();
        assert!(!prefilter.overlapping);
        let text = "func F(r *Request) { go func() { n++ }(); ch <- x; x = append(x, 1) }\nfunc T(t *testing.T) { t.Run(\"a\", func(t *testing.T) { t.Parallel(); err = f() }) }\nfunc S(db *sql.DB) { db.ExecContext(ctx, q) }\n";
        let candidates: Vec<&str> = engine
            .candidate_rules("x.go", text)
            .into_iter()
            .map(|i| engine.rules[i].id.as_str())
            .collect();
        assert_eq!(candidates.len(), 5, "{candidates:?}");
        let text = "import \"github.com/stretchr/testify/require\"\nfunc T(t *testing.T) { require.Eventually(t, f, time.Second, tick) }\n";
        let mut candidates: Vec<&str> = engine
            .candidate_rules("x_test.go", text)
            .into_iter()
            .map(|i| engine.rules[i].id.as_str())
            .collect();
        candidates.sort();
        // wrap-eventually needs an --at place: without one it is not run.
        assert_eq!(
            candidates,
            [
                "assert-after-poll",
                "eventually-timeout",
                "require-in-eventually"
            ]
        );
    }
}

#[cfg(test)]
mod unknown_syntax_tests {
    use super::*;

    const ORIGINAL: &str =
        "package p\n\nfunc f() *int {\n\treturn new(42)\n}\n\nfunc g() {\n\tx := 1\n\t_ = x\n}\n";

    /// `ORIGINAL` with `from` replaced by `to`, and that edit as a round.
    fn edited(from: &str, to: &str) -> (String, Vec<Spans>) {
        let at = ORIGINAL.find(from).unwrap();
        let round = vec![(at, at + from.len(), to.len())];
        (ORIGINAL.replacen(from, to, 1), vec![round])
    }

    fn refusal(fixed: &str, rounds: &[Spans]) -> Option<&'static str> {
        check_fixed(ORIGINAL, fixed, rounds, true)
            .err()
            .map(|e| e.what)
    }

    #[test]
    fn a_fixed_file_keeps_exactly_the_error_nodes_it_had() {
        let changed = Some("a change to syntax tree-sitter-go does not parse");
        // An edit elsewhere moves nothing it should not.
        let (fixed, rounds) = edited("\tx := 1\n", "\tx := 1\n\ty := 2\n\t_ = y\n");
        assert_eq!(refusal(&fixed, &rounds), None);
        let (fixed, rounds) = edited(
            "package p\n",
            "package p\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n",
        );
        assert_eq!(refusal(&fixed, &rounds), None);
        // The error node's text changed, by an edit on it or one not made
        // where the rounds say.
        let (fixed, rounds) = edited("new(42)", "new(43)");
        assert_eq!(refusal(&fixed, &rounds), changed);
        assert_eq!(refusal(&fixed, &[]), changed);
        // A new error node, and one gone.
        let (fixed, rounds) = edited("x := 1", "x := *new(1)");
        assert_eq!(refusal(&fixed, &rounds), changed);
        let (fixed, rounds) = edited("return new(42)", "return nil");
        assert_eq!(refusal(&fixed, &rounds), changed);
        // A fix that is not Go in a function without errors.
        let (fixed, rounds) = edited("\t_ = x\n", "\tgo x\n");
        assert_eq!(
            refusal(&fixed, &rounds),
            Some("`go` or `defer` of something that is not a call")
        );
    }
}
