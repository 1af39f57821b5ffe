//! `go test -race -count=N -json` on a package before and after the fixes:
//! the race reports each run prints, and the tests that fail.

use super::gotool::{GoTool, Overlay};
use super::Package;
use serde::Serialize;
use std::collections::BTreeSet;

/// One package's tests under the race detector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestRun {
    /// `WARNING: DATA RACE` reports printed.
    pub races: usize,
    /// Tests that failed, by name (`TestX/sub`).
    pub failed: BTreeSet<String>,
    /// The run could not start (the tests do not build): go's message.
    pub error: Option<String>,
}

pub fn run(go: &GoTool, package: &Package, count: u32, overlay: Option<&Overlay>) -> TestRun {
    let count = format!("-count={count}");
    let result = go.go(
        &package.module_root,
        &["test", "-race", &count, "-json", &package.pattern],
        overlay,
    );
    let mut run = read_events(&result.output);
    if !result.success && run.failed.is_empty() && run.races == 0 {
        let message: Vec<&str> = result
            .output
            .lines()
            .filter(|l| !l.starts_with('{'))
            .collect();
        run.error = Some(message.join("\n"));
    }
    run
}

/// Reads `go test -json` events (other lines, build errors, are skipped).
fn read_events(output: &str) -> TestRun {
    let mut run = TestRun::default();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let action = event["Action"].as_str().unwrap_or("");
        let test = event["Test"].as_str();
        match (action, test) {
            ("output", _)
                if event["Output"]
                    .as_str()
                    .is_some_and(|o| o.contains("WARNING: DATA RACE")) =>
            {
                run.races += 1;
            }
            ("fail", Some(test)) => {
                run.failed.insert(test.to_string());
            }
            _ => {}
        }
    }
    run
}

/// What the runs before and after say of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RaceVerdict {
    pub before: TestRun,
    pub after: TestRun,
    pub count: u32,
}

impl RaceVerdict {
    /// Tests that fail after the fixes and did not before, when no race
    /// is left to explain them; or why the tests did not run at all.
    pub fn broken(&self) -> Option<String> {
        if let (Some(error), None) = (&self.after.error, &self.before.error) {
            return Some(format!("the tests no longer run: {error}"));
        }
        if self.after.races > 0 {
            return None;
        }
        let new: Vec<&str> = self
            .after
            .failed
            .iter()
            .filter(|t| !self.before.failed.contains(*t))
            .map(String::as_str)
            .collect();
        (!new.is_empty()).then(|| format!("tests fail after the fix: {}", new.join(", ")))
    }

    /// `race seen before (9 reports in 5 runs), gone after`.
    pub fn describe(&self) -> String {
        let runs = |n: usize| {
            format!(
                "{n} report{} in {} run{}",
                if n == 1 { "" } else { "s" },
                self.count,
                if self.count == 1 { "" } else { "s" }
            )
        };
        let (before, after) = (self.before.races, self.after.races);
        let mut text = match (before > 0, after > 0) {
            (true, false) => format!("race seen before ({}), gone after", runs(before)),
            (true, true) => format!(
                "race seen before ({}), still present after ({})",
                runs(before),
                runs(after)
            ),
            (false, true) => format!("no race seen before, race present after ({})", runs(after)),
            (false, false) => format!(
                "no race seen before or after ({} run{} each)",
                self.count,
                if self.count == 1 { "" } else { "s" }
            ),
        };
        if let Some(error) = &self.after.error {
            text.push_str(&format!("; the tests did not run after the fix: {error}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn races_and_failures_are_read_from_the_json_stream() {
        let output = r#"{"Action":"run","Test":"TestA"}
{"Action":"output","Test":"TestA/one","Output":"WARNING: DATA RACE\n"}
{"Action":"output","Test":"TestA/one","Output":"    testing.go:1490: race detected during execution of test\n"}
{"Action":"fail","Test":"TestA/one"}
{"Action":"fail","Test":"TestA"}
{"Action":"fail"}
# a build line
"#;
        let run = read_events(output);
        assert_eq!(run.races, 1);
        assert_eq!(run.failed.len(), 2);
    }

    #[test]
    fn a_test_failing_after_the_fix_only_is_broken() {
        let before = TestRun {
            races: 3,
            failed: ["TestA".to_string(), "TestA/one".to_string()].into(),
            error: None,
        };
        let after = TestRun {
            races: 0,
            failed: ["TestB".to_string()].into(),
            error: None,
        };
        let verdict = RaceVerdict {
            before,
            after,
            count: 5,
        };
        assert_eq!(
            verdict.broken().as_deref(),
            Some("tests fail after the fix: TestB")
        );
        assert_eq!(
            verdict.describe(),
            "race seen before (3 reports in 5 runs), gone after"
        );
    }
}
