//! Rules: the file format (TOML), loading with file:line errors, parameters,
//! and the built-in rule files embedded at build time.

pub mod error;
pub mod example;
pub mod model;
pub mod param;
pub mod scaffold;

pub use error::RuleError;

/// A rule id: lowercase letters, digits and dashes (it names files and
/// folders, and is typed after `--rule`).
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What `fixgen triage` reads in a CI log, and how a rule's findings answer
/// it. A rule lists the kinds it fixes; triage never names rules itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// A finding covering the line of a racing access (the write in a
    /// parallel subtest or a goroutine).
    RaceAccess,
    /// A finding in a package that carries a value between the two sides of
    /// a race (a handler storing a request's slice that another goroutine
    /// later marshals): the fix site is usually on neither stack.
    RaceCarrier,
    /// A finding in a function that tests failing with a SQL error (one of
    /// the rule's `codes`) reach and that writes tables; triage suggests
    /// the rule's `tables` parameter.
    SqlError,
    /// A finding covering (or related to) the line of a testify poll that
    /// timed out (`Condition never satisfied`).
    PollTimeout,
    /// A finding covering the line of a failed testify assertion.
    AssertionFailure,
    /// The line of an assertion that failed on a zero value (`actual: ""`):
    /// state set asynchronously, read before it was. The rule is run with
    /// `--at` that line (it says `needs_location`).
    ZeroValueAssertion,
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

pub use builtin::{BUILTIN_EXAMPLES, BUILTIN_RULES};
