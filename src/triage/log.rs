//! `go test` output as CI prints it: plain text or a `go test -json` event
//! stream (also gotestsum's). Race reports are parsed into their accesses
//! (`Write at … by goroutine N`, `Previous read at …`), each with its stack,
//! and the goroutines' creation sites; MySQL errors are kept with the test
//! that printed them. A truncated log gives what it holds.

use serde::Deserialize;

/// One line of test output and the test that printed it, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub test: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    /// As printed: a CI runner's absolute path, usually.
    pub path: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    Write,
    Read,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub kind: AccessKind,
    /// `Previous write at …`: the other side of the race.
    pub previous: bool,
    pub goroutine: Option<u64>,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceReport {
    pub test: Option<String>,
    pub accesses: Vec<Access>,
    /// Goroutine number → the stack that created it.
    pub created: Vec<(u64, Vec<Frame>)>,
    /// The log ended inside the report.
    pub truncated: bool,
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Test")]
    test: Option<String>,
    #[serde(rename = "Output")]
    output: Option<String>,
}

/// The output lines of a log, with their tests: from `-json` events when
/// the log is an event stream, else from `=== RUN`/`=== CONT` markers.
pub fn output_lines(log: &str) -> Vec<OutputLine> {
    let cleaned: String;
    let log = if log.contains('\x1b') || starts_with_timestamp(log) {
        cleaned = log.lines().map(clean_line).collect::<Vec<_>>().join("\n");
        &cleaned
    } else {
        log
    };
    let json = log
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('{'));
    if json {
        json_lines(log)
    } else {
        plain_lines(log)
    }
}

/// A line as a CI job's raw log shows it, without the runner's timestamp
/// (`2026-04-17T21:56:12.1234567Z `) and colour codes.
fn clean_line(line: &str) -> String {
    let line = if starts_with_timestamp(line) {
        line.split_once(' ').map_or("", |(_, rest)| rest)
    } else {
        line
    };
    strip_ansi(line)
}

fn starts_with_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && text[..text.find(' ').unwrap_or(0)].ends_with('Z')
}

/// Removes `ESC [ … letter` sequences.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn json_lines(log: &str) -> Vec<OutputLine> {
    let mut out = Vec::new();
    for line in log.lines() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            // Not an event: a build error or a line from another tool.
            out.push(OutputLine {
                test: None,
                text: line.to_string(),
            });
            continue;
        };
        if event.action != "output" {
            continue;
        }
        let text = event.output.unwrap_or_default();
        for piece in text.lines() {
            out.push(OutputLine {
                test: event.test.clone(),
                text: piece.to_string(),
            });
        }
    }
    out
}

fn plain_lines(log: &str) -> Vec<OutputLine> {
    // `=== RUN/CONT/NAME X` start X's output (verbose logs). Without -v,
    // a test's output follows its `--- FAIL: X` line, indented deeper.
    let mut current: Option<String> = None;
    // `--- FAIL` lines still open: (indent, test), outermost first.
    let mut summaries: Vec<(usize, String)> = Vec::new();
    log.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            while summaries.last().is_some_and(|(depth, _)| indent <= *depth) {
                summaries.pop();
            }
            for marker in ["=== RUN", "=== CONT", "=== NAME"] {
                if let Some(rest) = trimmed.strip_prefix(marker) {
                    current = Some(rest.trim().to_string());
                }
            }
            let test = match result_line(trimmed) {
                Some((name, _)) => {
                    summaries.push((indent, name.to_string()));
                    Some(name.to_string())
                }
                None => summaries.last().map(|(_, n)| n.clone()).or(current.clone()),
            };
            OutputLine {
                test,
                text: line.to_string(),
            }
        })
        .collect()
}

/// `--- FAIL: TestX/sub (0.01s)` → (`TestX/sub`, failed).
fn result_line(trimmed: &str) -> Option<(&str, bool)> {
    let (rest, failed) = if let Some(rest) = trimmed.strip_prefix("--- FAIL: ") {
        (rest, true)
    } else {
        (
            trimmed
                .strip_prefix("--- PASS: ")
                .or_else(|| trimmed.strip_prefix("--- SKIP: "))?,
            false,
        )
    };
    let name = rest.split(" (").next()?.trim();
    (!name.is_empty()).then_some((name, failed))
}

/// The tests reported as failed (`--- FAIL:` lines), in order, once each.
pub fn failed_tests(lines: &[OutputLine]) -> Vec<String> {
    let mut failed: Vec<String> = Vec::new();
    for line in lines {
        if let Some((name, true)) = result_line(line.text.trim_start()) {
            if !failed.iter().any(|f| f == name) {
                failed.push(name.to_string());
            }
        }
    }
    failed
}

/// For each line, whether it belongs to a race report (from the
/// `WARNING: DATA RACE` line to the closing `=====` line).
pub fn race_block_mask(lines: &[OutputLine]) -> Vec<bool> {
    let mut mask = vec![false; lines.len()];
    let mut inside = false;
    for (i, line) in lines.iter().enumerate() {
        let text = line.text.trim();
        if text == "WARNING: DATA RACE" {
            inside = true;
        }
        mask[i] = inside || text.starts_with("==================");
        if inside && text.starts_with("==================") {
            inside = false;
        }
    }
    mask
}

/// Every `WARNING: DATA RACE` report in the lines.
pub fn race_reports(lines: &[OutputLine]) -> Vec<RaceReport> {
    let mut reports = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].text.trim() != "WARNING: DATA RACE" {
            i += 1;
            continue;
        }
        let mut report = RaceReport {
            test: lines[i].test.clone(),
            accesses: Vec::new(),
            created: Vec::new(),
            truncated: true,
        };
        i += 1;
        while i < lines.len() {
            let text = lines[i].text.trim();
            if text.starts_with("==================") {
                report.truncated = false;
                i += 1;
                break;
            }
            if let Some(access) = access_header(text) {
                let (frames, next) = stack(lines, i + 1);
                report.accesses.push(Access { frames, ..access });
                i = next;
            } else if let Some(goroutine) = creation_header(text) {
                let (frames, next) = stack(lines, i + 1);
                report.created.push((goroutine, frames));
                i = next;
            } else {
                i += 1;
            }
        }
        reports.push(report);
    }
    reports
}

/// `Write at 0x… by goroutine 10:` / `Previous read at 0x… by main goroutine:`.
fn access_header(text: &str) -> Option<Access> {
    let (previous, rest) = match text.strip_prefix("Previous ") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.to_ascii_lowercase();
    let kind = if rest.starts_with("write at ") {
        AccessKind::Write
    } else if rest.starts_with("read at ") {
        AccessKind::Read
    } else {
        return None;
    };
    let goroutine = rest
        .split("by goroutine ")
        .nth(1)
        .and_then(|g| g.trim_end_matches(':').trim().parse().ok());
    Some(Access {
        kind,
        previous,
        goroutine,
        frames: Vec::new(),
    })
}

/// `Goroutine 10 (running) created at:`.
fn creation_header(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("Goroutine ")?;
    if !text.ends_with("created at:") {
        return None;
    }
    rest.split_whitespace().next()?.parse().ok()
}

/// Frames from line `start`: a function line, then `path:line +0x…`.
fn stack(lines: &[OutputLine], start: usize) -> (Vec<Frame>, usize) {
    let mut frames = Vec::new();
    let mut i = start;
    while i + 1 < lines.len() {
        let function = lines[i].text.trim();
        if function == "..." {
            // A stack shortened by hand, as in a triage report.
            i += 1;
            continue;
        }
        let location = lines[i + 1].text.trim();
        let Some((path, line)) = location
            .split_whitespace()
            .next()
            .and_then(|l| l.rsplit_once(':'))
        else {
            break;
        };
        let Ok(line) = line.parse() else { break };
        // Locations are absolute paths, `-trimpath` module paths or
        // `<autogenerated>:1`; a header line ends with `:`.
        if function.is_empty() || function.ends_with(':') {
            break;
        }
        frames.push(Frame {
            function: function.trim_end_matches("()").to_string(),
            path: path.to_string(),
            line,
        });
        i += 2;
    }
    (frames, i)
}

/// A failed testify assertion, as its report block shows it:
///
/// ```text
///     menu_test.go:18:
///             Error Trace:    /home/runner/work/app/app/calls/menu_test.go:18
///             Error:          Not equal:
///                             expected: "Main menu"
///                             actual  : ""
///             Test:           TestIncomingCall_MenuDescription
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionFailure {
    pub test: Option<String>,
    /// The assertion's place: the first `Error Trace` frame.
    pub path: String,
    pub line: usize,
    /// The first line of `Error:` (`Condition never satisfied`, `Not equal:`).
    pub error: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

impl AssertionFailure {
    /// A poll that never saw its condition hold.
    pub fn is_poll_timeout(&self) -> bool {
        self.error.starts_with("Condition never satisfied")
    }

    /// The value the assertion read was its type's zero value (or not
    /// there at all): state another goroutine had not set yet.
    pub fn read_a_zero_value(&self) -> bool {
        const ZERO_VALUES: &[&str] = &[
            "\"\"", "0", "0.0", "false", "<nil>", "nil", "[]", "map[]", "{}", "``",
        ];
        const UNSET: &[&str] = &[
            "Should be true",
            "Should NOT be empty",
            "Expected value not to be nil",
            "Should not be zero",
        ];
        let zero_actual = self.actual.as_deref().is_some_and(|a| {
            ZERO_VALUES.contains(&a)
                || a.ends_with("(nil)")
                || a.ends_with("{}")
                || a.starts_with("0001-01-01 00:00:00")
        });
        let different_expected = self.expected.as_deref() != self.actual.as_deref();
        (zero_actual && different_expected) || UNSET.iter().any(|u| self.error.starts_with(u))
    }

    /// `calls/menu_test.go:18: Not equal: expected "Main menu", actual ""`.
    pub fn describe(&self, path: &str) -> String {
        let mut text = format!("{path}:{}: {}", self.line, self.error.trim_end_matches(':'));
        if let (Some(e), Some(a)) = (&self.expected, &self.actual) {
            text.push_str(&format!(": expected {e}, actual {a}"));
        }
        text
    }
}

/// Every testify failure report in the lines, in order.
pub fn assertion_failures(lines: &[OutputLine]) -> Vec<AssertionFailure> {
    let mut failures: Vec<AssertionFailure> = Vec::new();
    // The label whose continuation lines follow (`Error`, `Error Trace`).
    let mut label = String::new();
    for line in lines {
        let text = line.text.trim();
        if let Some(rest) = text.strip_prefix("Error Trace:") {
            label = "Error Trace".into();
            if let Some((path, line_no)) = trace_frame(rest.trim()) {
                failures.push(AssertionFailure {
                    test: line.test.clone(),
                    path,
                    line: line_no,
                    error: String::new(),
                    expected: None,
                    actual: None,
                });
            }
            continue;
        }
        let Some(failure) = failures.last_mut() else {
            continue;
        };
        if let Some(rest) = text.strip_prefix("Error:") {
            label = "Error".into();
            failure.error = rest.trim().to_string();
        } else if let Some((name, _)) = text.split_once(':').filter(|(name, rest)| {
            rest.starts_with(['\t', ' ']) && ["Test", "Messages"].contains(name)
        }) {
            label = name.to_string();
        } else if label == "Error" {
            if let Some(value) = text.strip_prefix("expected:") {
                failure.expected.get_or_insert(value.trim().to_string());
            } else if let Some(value) = text
                .strip_prefix("actual")
                .and_then(|r| r.trim_start().strip_prefix(':'))
            {
                failure.actual.get_or_insert(value.trim().to_string());
            }
        } else if text.starts_with("---") || text.starts_with("===") {
            label.clear();
        }
    }
    failures
}

/// `/path/to/file_test.go:18` → (path, 18).
fn trace_frame(text: &str) -> Option<(String, usize)> {
    let (path, line) = text.rsplit_once(':')?;
    let line = line.trim().parse().ok()?;
    path.ends_with(".go").then(|| (path.to_string(), line))
}

/// Lines reporting a MySQL error with one of `codes`, e.g. `Error 1213 (40001)`.
pub fn mysql_errors(lines: &[OutputLine], codes: &[u16]) -> Vec<(Option<String>, u16, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let code = codes
                .iter()
                .find(|c| l.text.contains(&format!("Error {c} (")))?;
            Some((l.test.clone(), *code, l.text.trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testify_failures_are_read_with_their_values() {
        let log = "--- FAIL: TestMenu (0.00s)
    menu_test.go:18: 
        \tError Trace:\t/home/runner/work/app/app/calls/menu_test.go:18
        \tError:      \tNot equal: 
        \t            \texpected: \"Main menu\"
        \t            \tactual  : \"\"
        \t            \t
        \t            \tDiff:
        \t            \t--- Expected
        \t            \t+++ Actual
        \tTest:       \tTestMenu
--- FAIL: TestRings (5.00s)
    dial_test.go:19: 
        \tError Trace:\t/home/runner/work/app/app/calls/dial_test.go:19
        \t            \t\t\t\t/usr/local/go/src/runtime/asm_amd64.s:1771
        \tError:      \tReceived unexpected error:
        \t            \tno call CA2
        \tTest:       \tTestRings
    dial_test.go:17: 
        \tError Trace:\t/home/runner/work/app/app/calls/dial_test.go:17
        \tError:      \tCondition never satisfied
        \tTest:       \tTestRings
FAIL
";
        let failures = assertion_failures(&output_lines(log));
        assert_eq!(failures.len(), 3, "{failures:?}");
        let menu = &failures[0];
        assert_eq!(menu.test.as_deref(), Some("TestMenu"));
        assert_eq!(
            (menu.path.as_str(), menu.line),
            ("/home/runner/work/app/app/calls/menu_test.go", 18)
        );
        assert_eq!(menu.error, "Not equal:");
        assert_eq!(menu.expected.as_deref(), Some("\"Main menu\""));
        assert_eq!(menu.actual.as_deref(), Some("\"\""));
        assert!(menu.read_a_zero_value() && !menu.is_poll_timeout());
        let rings = &failures[1];
        assert_eq!(
            (rings.line, rings.error.as_str()),
            (19, "Received unexpected error:")
        );
        assert!(!rings.read_a_zero_value());
        assert!(failures[2].is_poll_timeout());
        assert_eq!(failures[2].test.as_deref(), Some("TestRings"));
    }

    const PLAIN: &str = "=== RUN   TestTools
=== CONT  TestTools/GetTaskLogs
==================
WARNING: DATA RACE
Write at 0x00c00002a3d0 by goroutine 10:
  example.com/e2e/parallelsubtests.TestTools.func2()
      /home/runner/work/app/app/tools_test.go:31 +0xac
  testing.tRunner()
      /usr/local/go/src/testing/testing.go:2036 +0x21c

Previous write at 0x00c00002a3d0 by goroutine 11:
  example.com/e2e/parallelsubtests.TestTools.func3()
      /home/runner/work/app/app/tools_test.go:47 +0x84

Goroutine 10 (running) created at:
  testing.(*T).Run()
      /usr/local/go/src/testing/testing.go:2101 +0xb12
  example.com/e2e/parallelsubtests.TestTools()
      /home/runner/work/app/app/tools_test.go:29 +0x3da
==================
    testing.go:1712: race detected during execution of test
dal_test.go:40: CreateTranscriptionConfig(org 1002): insert: Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction
==================
WARNING: DATA RACE
Read at 0x00c000100000 by goroutine 7:
  main.f()
      /src/x.go:3 +0x1
";

    #[test]
    fn plain_race_reports_have_accesses_stacks_and_creators() {
        let lines = output_lines(PLAIN);
        let reports = race_reports(&lines);
        assert_eq!(reports.len(), 2);
        let first = &reports[0];
        assert_eq!(first.test.as_deref(), Some("TestTools/GetTaskLogs"));
        assert!(!first.truncated);
        assert_eq!(first.accesses.len(), 2);
        assert_eq!(
            (
                first.accesses[0].kind,
                first.accesses[0].previous,
                first.accesses[0].goroutine
            ),
            (AccessKind::Write, false, Some(10))
        );
        assert_eq!(
            first.accesses[0].frames[0],
            Frame {
                function: "example.com/e2e/parallelsubtests.TestTools.func2".into(),
                path: "/home/runner/work/app/app/tools_test.go".into(),
                line: 31
            }
        );
        assert_eq!(first.accesses[0].frames.len(), 2);
        assert!(first.accesses[1].previous);
        assert_eq!(first.accesses[1].frames[0].line, 47);
        assert_eq!(first.created[0].0, 10);
        assert_eq!(first.created[0].1[1].line, 29);
        let second = &reports[1];
        assert!(second.truncated, "the log ends inside it");
        assert_eq!(second.accesses[0].kind, AccessKind::Read);
        let errors = mysql_errors(&lines, &[1213, 1205]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1, 1213);
    }

    #[test]
    fn runner_timestamps_and_colours_are_dropped() {
        let raw: String = PLAIN
            .lines()
            .map(|l| format!("2026-04-17T21:56:12.1234567Z \x1b[31m{l}\x1b[0m\n"))
            .collect();
        let reports = race_reports(&output_lines(&raw));
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].test.as_deref(), Some("TestTools/GetTaskLogs"));
        assert_eq!(reports[0].accesses[1].frames[0].line, 47);
    }

    #[test]
    fn json_events_carry_the_test_name() {
        let mut json = String::from("{\"Action\":\"start\",\"Package\":\"p\"}\n");
        for line in PLAIN.lines().skip(2) {
            let event = serde_json::json!({"Action": "output", "Package": "p", "Test": "TestTools/SendTaskInput", "Output": format!("{line}\n")});
            json.push_str(&event.to_string());
            json.push('\n');
        }
        let reports = race_reports(&output_lines(&json));
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].test.as_deref(), Some("TestTools/SendTaskInput"));
        assert_eq!(reports[0].accesses[1].frames[0].line, 47);
    }
}
