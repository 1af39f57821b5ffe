//! Why each failed test failed. When the race detector fires, every test
//! running at that moment is marked failed with `race detected during
//! execution of test`: one race can fail thirty tests that are themselves
//! fine. Those are victims, counted apart from real failures.

use super::log::{failed_tests, race_block_mask, OutputLine};
use serde::Serialize;

const RACE_DETECTED: &str = "race detected during execution of test";

#[derive(Debug, Default, Clone, Serialize)]
pub struct Cascade {
    /// Every test reported as failed.
    pub failed: Vec<String>,
    /// Failed only because the race detector fired while they ran.
    pub race_victims: Vec<String>,
    /// Printed one of the SQL error numbers triage looks for.
    pub sql_errors: Vec<String>,
    /// Failed with a message of their own: real failures to read.
    pub own_failures: Vec<String>,
    /// Printed nothing: failed because a subtest did.
    pub through_subtests: Vec<String>,
}

pub fn cascade(lines: &[OutputLine], codes: &[u16]) -> Cascade {
    let mask = race_block_mask(lines);
    let mut cascade = Cascade {
        failed: failed_tests(lines),
        ..Cascade::default()
    };
    for test in cascade.failed.clone() {
        let own: Vec<&str> = lines
            .iter()
            .zip(&mask)
            .filter(|(l, in_race)| !**in_race && l.test.as_deref() == Some(test.as_str()))
            .map(|(l, _)| l.text.trim())
            .filter(|t| !t.is_empty() && !is_framing(t))
            .collect();
        let sql = own
            .iter()
            .any(|t| codes.iter().any(|c| t.contains(&format!("Error {c} ("))));
        let race = own.iter().any(|t| t.contains(RACE_DETECTED));
        let other = own.iter().any(|t| !t.contains(RACE_DETECTED));
        let bucket = if sql {
            &mut cascade.sql_errors
        } else if other {
            &mut cascade.own_failures
        } else if race {
            &mut cascade.race_victims
        } else {
            &mut cascade.through_subtests
        };
        bucket.push(test);
    }
    cascade
}

/// Lines go test prints around a test's own output.
fn is_framing(text: &str) -> bool {
    ["=== ", "--- ", "PASS", "FAIL", "ok ", "exit status"]
        .iter()
        .any(|p| text.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::log::output_lines;

    #[test]
    fn victims_are_told_from_real_failures() {
        let log = "=== RUN   TestA
=== RUN   TestA/racy
==================
WARNING: DATA RACE
Write at 0x1 by goroutine 7:
==================
    testing.go:1712: race detected during execution of test
=== RUN   TestA/bystander
    testing.go:1712: race detected during execution of test
=== RUN   TestB
    b_test.go:9: got 1, want 2
=== RUN   TestC
    c_test.go:40: insert: Error 1213 (40001): Deadlock found
--- FAIL: TestA (0.00s)
    --- FAIL: TestA/racy (0.00s)
    --- FAIL: TestA/bystander (0.00s)
--- FAIL: TestB (0.00s)
--- FAIL: TestC (0.00s)
FAIL
";
        let c = cascade(&output_lines(log), &[1213]);
        assert_eq!(c.failed.len(), 5);
        assert_eq!(c.race_victims, vec!["TestA/racy", "TestA/bystander"]);
        assert_eq!(c.own_failures, vec!["TestB"]);
        assert_eq!(c.sql_errors, vec!["TestC"]);
        assert_eq!(c.through_subtests, vec!["TestA"]);
    }

    #[test]
    fn quiet_logs_put_output_under_the_fail_line() {
        let log = "==================
WARNING: DATA RACE
Write at 0x1 by goroutine 7:
==================
--- FAIL: TestA (0.00s)
    --- FAIL: TestA/racy (0.00s)
        testing.go:1712: race detected during execution of test
    x_test.go:3: boom
FAIL
";
        let c = cascade(&output_lines(log), &[1213]);
        assert_eq!(c.race_victims, vec!["TestA/racy"]);
        assert_eq!(c.own_failures, vec!["TestA"]);
    }
}
