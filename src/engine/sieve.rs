//! Named first looks at a candidate function's text, before any parse: a
//! rule says `function_sieve = "NAME"` when every match it can have lies in
//! a function the sieve keeps. A sieve may keep what the parse and the
//! conditions then reject, never the other way round; the Go knowledge
//! behind each is in `go::` (a sieve here only reads the rule's
//! parameters and calls it).

use crate::engine::predicate::param_strings;
use crate::rule::model::PrefilterScope;
use std::collections::BTreeMap;

/// What a first look may know of a file besides its text: facts of its
/// module that decide what the analysis after the parse accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileFacts {
    /// The module's Go is 1.22 or later: a loop clause's variables are
    /// each iteration's own.
    pub loopvars: bool,
}

/// The sieves a rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSieve {
    /// `hands-over-written`: the function sends a variable (`ch <- buf`),
    /// puts it in a composite literal, or passes it to a `go` call or a
    /// method in the `queue_methods` parameter, and writes that variable's
    /// storage (append, copy, element writes, a call in the `writers`
    /// parameter) or one it was declared from. For rules whose matches are
    /// such hand-overs followed by a write (`reused-buffer`).
    HandsOverWritten,
    /// `launched-literal-writes-outside`: a function literal that may run
    /// on its own goroutine (after `go`, the first argument of a method in
    /// the `launchers` parameter, or given to a variable that `go f()` may
    /// start) assigns to a name it does not declare. For rules whose
    /// matches are such goroutines' writes (`goroutine-shared-var`).
    LaunchedLiteralWritesOutside,
    /// `parallel-literal-writes-outside`: a function literal that calls
    /// `.Parallel()` (a parallel subtest, which runs beside its siblings),
    /// or one nested in it, assigns to a name it does not declare. For
    /// rules whose matches are such subtests' writes
    /// (`parallel-subtest-shared-var`).
    ParallelLiteralWritesOutside,
}

/// Each sieve's name, the parameters it reads, and what it keeps.
pub const SIEVES: &[(&str, TextSieve, &[&str])] = &[
    (
        "hands-over-written",
        TextSieve::HandsOverWritten,
        &["writers", "queue_methods"],
    ),
    (
        "launched-literal-writes-outside",
        TextSieve::LaunchedLiteralWritesOutside,
        &["launchers"],
    ),
    (
        "parallel-literal-writes-outside",
        TextSieve::ParallelLiteralWritesOutside,
        &[],
    ),
];

impl TextSieve {
    /// The sieve named `name`, for a rule whose literals vouch for their
    /// function (the sieve looks at that function) and which has the
    /// parameters the sieve reads.
    pub fn compile(
        name: &str,
        scope: &PrefilterScope,
        param_exists: &dyn Fn(&str) -> bool,
    ) -> Result<TextSieve, String> {
        let Some(&(_, sieve, params)) = SIEVES.iter().find(|(n, _, _)| *n == name) else {
            let known: Vec<&str> = SIEVES.iter().map(|(n, _, _)| *n).collect();
            return Err(format!(
                "function_sieve `{name}`: no such sieve (known: {})",
                known.join(", ")
            ));
        };
        if *scope == PrefilterScope::File {
            return Err(format!(
                "function_sieve `{name}` looks at the function holding a prefilter literal: it needs `prefilter_scope = \"function\"` or `\"signature\"`"
            ));
        }
        if let Some(missing) = params.iter().find(|p| !param_exists(p)) {
            return Err(format!(
                "function_sieve `{name}` reads the parameter `{missing}`, which the rule does not have"
            ));
        }
        Ok(sieve)
    }

    /// Whether `source[function.0..function.1]` may hold a match.
    pub fn keeps(
        &self,
        source: &str,
        function: (usize, usize),
        params: &BTreeMap<String, toml::Value>,
        facts: &FileFacts,
    ) -> bool {
        match self {
            TextSieve::HandsOverWritten => crate::go::reuse_sieve::hands_over_written(
                source,
                function,
                &param_strings(params.get("writers")),
                &param_strings(params.get("queue_methods")),
            ),
            TextSieve::LaunchedLiteralWritesOutside => {
                crate::go::closure_sieve::launched_literal_may_write_outside(
                    source,
                    function,
                    &param_strings(params.get("launchers")),
                    facts.loopvars,
                )
            }
            TextSieve::ParallelLiteralWritesOutside => {
                crate::go::closure_sieve::calling_literal_may_write_outside(
                    source,
                    function,
                    "Parallel",
                    facts.loopvars,
                )
            }
        }
    }
}
