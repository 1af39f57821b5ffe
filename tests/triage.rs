//! `fixgen triage` on real `go test` logs (fixtures/e2e/logs, produced by
//! scripts/make-triage-logs.sh with a CI runner's paths): every race and
//! SQL error maps to the right rule and line of a copy of the module the log
//! came from, and `--apply` makes exactly the fixes `apply` would.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::{copy_dir, require_tool, Sandbox};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn log(name: &str) -> String {
    root()
        .join("fixtures/e2e/logs")
        .join(name)
        .display()
        .to_string()
}

/// A git repository holding a copy of fixtures/e2e/`module`, as a user's
/// checkout of the repository the log came from.
fn checkout(module: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    copy_dir(&root().join("fixtures/e2e").join(module), sandbox.path());
    sandbox.commit_all();
    sandbox
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn triage_json(sandbox: &Sandbox, log_path: &str) -> Value {
    let out = sandbox.fixgen(&["triage", log_path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("triage --format json prints JSON")
}

/// (rule, path, line) of every fixable site, and checks that every verdict
/// of `kind` was matched by `rule`.
fn sites(doc: &Value, kind: &str, rule: &str) -> BTreeSet<(String, usize)> {
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert!(
        verdicts.iter().any(|v| v["kind"] == kind),
        "no {kind} verdict in {doc:#}"
    );
    let mut found = BTreeSet::new();
    for v in verdicts.iter().filter(|v| v["kind"] == kind) {
        assert_eq!(v["rule"], rule, "every {kind} maps to {rule}: {v:#}");
        assert!(v["path"].is_string() && v["line"].is_u64(), "{v:#}");
        if v["fixable"] == true {
            found.insert((
                v["path"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap() as usize,
            ));
        }
    }
    found
}

fn set(items: &[(&str, usize)]) -> BTreeSet<(String, usize)> {
    items.iter().map(|(p, l)| (p.to_string(), *l)).collect()
}

const SUBTEST_WRITES: &[(&str, usize)] = &[
    ("tools_test.go", 19),
    ("tools_test.go", 31),
    ("tools_test.go", 47),
    ("tools_test.go", 70),
];

#[test]
fn parallel_subtest_races_map_to_their_writes_in_every_log_form() {
    let sandbox = checkout("parallel-subtests");
    for name in [
        "parallel-subtests.log",
        "parallel-subtests.json.log",
        "parallel-subtests.quiet.log",
    ] {
        let doc = triage_json(&sandbox, &log(name));
        assert_eq!(
            sites(&doc, "data-race", "parallel-subtest-shared-var"),
            set(SUBTEST_WRITES),
            "{name}"
        );
        let victims = doc["cascade"]["race_victims"].as_array().unwrap();
        assert!(victims.len() >= 4, "{name}: {:#}", doc["cascade"]);
        assert!(doc["cascade"]["own_failures"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_log_with_runner_timestamps_and_colours_reads_the_same() {
    let sandbox = checkout("parallel-subtests");
    let plain = std::fs::read_to_string(log("parallel-subtests.log")).unwrap();
    let raw: String = plain
        .lines()
        .map(|l| format!("2026-04-17T21:56:12.1234567Z \u{1b}[0m{l}\n"))
        .collect();
    let path = sandbox.write("ci-raw.log", &raw);
    let doc = triage_json(&sandbox, &path.display().to_string());
    assert_eq!(
        sites(&doc, "data-race", "parallel-subtest-shared-var"),
        set(SUBTEST_WRITES)
    );
}

#[test]
fn goroutine_races_map_to_the_goroutine_write() {
    let sandbox = checkout("goroutines");
    let doc = triage_json(&sandbox, &log("goroutines.log"));
    assert_eq!(
        sites(&doc, "data-race", "goroutine-shared-var"),
        set(&[("batch.go", 34)])
    );
}

#[test]
fn a_marshalled_request_slice_maps_to_the_handler_that_stores_it() {
    let sandbox = checkout("request-slices");
    for name in ["request-slices.log", "request-slices.json.log"] {
        let doc = triage_json(&sandbox, &log(name));
        // Neither stack: billing writes, analytics marshals, threading stores.
        assert_eq!(
            sites(&doc, "data-race", "request-slice-alias"),
            set(&[("threading/server.go", 31), ("threading/server.go", 32)]),
            "{name}"
        );
    }
}

/// `strings.Join` on the server's goroutine reads a slice the handler sent
/// on a channel (`s.queue <- in.GetLabels()`): the handler is the fix.
#[test]
fn a_request_slice_sent_on_a_channel_and_joined_maps_to_the_send() {
    let sandbox = checkout("request-queue");
    let doc = triage_json(&sandbox, &log("request-queue.log"));
    assert_eq!(
        sites(&doc, "data-race", "request-slice-alias"),
        set(&[("labels/server.go", 38)])
    );
}

#[test]
fn deadlocks_map_to_the_transactions_the_failing_tests_reach() {
    let sandbox = checkout("mysql-deadlock");
    for name in ["mysql-deadlock.log", "mysql-deadlock.json.log"] {
        let doc = triage_json(&sandbox, &log(name));
        assert_eq!(
            sites(&doc, "sql-error", "mysql-deadlock-retry"),
            set(&[("dal/transcription.go", 41), ("dal/transcription.go", 77)]),
            "{name}"
        );
        assert_eq!(
            doc["sets"],
            serde_json::json!(["mysql-deadlock-retry.tables=ai_transcription_configuration"])
        );
        // The function handed the caller's transaction is named, not fixed.
        let verdicts = doc["verdicts"].as_array().unwrap();
        assert!(verdicts
            .iter()
            .any(|v| v["line"] == 91 && v["fixable"] == false));
        assert!(doc["cascade"]["sql_errors"].as_array().unwrap().len() >= 5);
    }
}

#[test]
fn a_truncated_log_gives_what_it_holds() {
    let sandbox = checkout("parallel-subtests");
    let doc = triage_json(&sandbox, &log("truncated.log"));
    assert_eq!(
        sites(&doc, "data-race", "parallel-subtest-shared-var"),
        set(&[("tools_test.go", 19), ("tools_test.go", 47)])
    );
    assert_eq!(doc["verdicts"][0]["truncated"], true);
    let out = sandbox.fixgen(&["triage", &log("truncated.log")]);
    assert!(text(&out.stdout).contains("the log ends inside this report"));
}

#[test]
fn a_log_without_races_has_no_verdicts() {
    let sandbox = checkout("parallel-subtests");
    let doc = triage_json(&sandbox, &log("no-race.log"));
    assert_eq!(doc["verdicts"], serde_json::json!([]));
    let out = sandbox.fixgen(&["triage", &log("no-race.log"), "--apply"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("nothing to fix"));
    assert!(sandbox.fixgen(&["preview"]).status.code() == Some(1));
}

#[test]
fn a_log_from_another_repository_maps_nothing_and_says_so() {
    // Same file name and lines as the racy module, other module path.
    let sandbox = checkout("parallel-subtests");
    let doc = triage_json(&sandbox, &log("other-repo.log"));
    for v in doc["verdicts"].as_array().unwrap() {
        assert_eq!(v["rule"], Value::Null, "{v:#}");
    }
    assert_eq!(doc["frames_in_repository"], 0);
    let out = sandbox.fixgen(&["triage", &log("other-repo.log")]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("another repository"), "{stdout}");
    assert!(stdout.contains("not matched by any rule"), "{stdout}");
}

#[test]
fn the_log_can_come_from_standard_input() {
    let sandbox = checkout("goroutines");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(["triage", "-", "--format", "json"])
        .current_dir(sandbox.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let body = std::fs::read(log("goroutines.log")).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &body).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdicts"][0]["line"], 34);
}

#[test]
fn an_unreadable_log_is_an_error() {
    let sandbox = checkout("goroutines");
    let out = sandbox.fixgen(&["triage", "no-such.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such.log"));
}

/// `triage --apply` leaves the same files as `apply` with the rules named.
fn applies_like_apply(
    module: &str,
    log_name: &str,
    apply_args: &[&str],
    files: &[&str],
) -> Sandbox {
    let triaged = checkout(module);
    let out = triaged.fixgen(&["triage", &log(log_name), "--apply"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let applied = checkout(module);
    let out = applied.fixgen(&[&["apply"][..], apply_args].concat());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let pristine = checkout(module);
    for file in files {
        let want = applied.read(file);
        let before = std::fs::read_to_string(pristine.path().join(file)).ok();
        assert_ne!(before.as_ref(), Some(&want), "{file} is changed by the fix");
        assert_eq!(triaged.read(file), want, "{module}: {file}");
    }
    let again = triaged.fixgen(&["triage", &log(log_name), "--preview"]);
    assert!(
        text(&again.stdout).is_empty(),
        "a second triage finds nothing left: {}",
        text(&again.stdout)
    );
    triaged
}

fn go(dir: &Path, args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn apply_fixes_the_races_and_go_test_race_passes_after() {
    let cases: [(&str, &str, &[&str], &[&str]); 3] = [
        (
            "parallel-subtests",
            "parallel-subtests.json.log",
            &[],
            &["tools_test.go"],
        ),
        ("goroutines", "goroutines.log", &[], &["batch.go"]),
        (
            "request-slices",
            "request-slices.log",
            &[],
            &["threading/server.go"],
        ),
    ];
    let have_go = require_tool("go");
    for (module, log_name, args, files) in cases {
        let fixed = applies_like_apply(module, log_name, args, files);
        if !have_go {
            continue;
        }
        let dir: PathBuf = fixed.path().to_path_buf();
        let fmt = Command::new("gofmt")
            .args(["-l", "."])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(fmt.stdout.is_empty(), "gofmt -l: {}", text(&fmt.stdout));
        let vet = go(&dir, &["vet", "./..."]);
        assert!(vet.status.success(), "go vet: {}", text(&vet.stderr));
        let test = go(&dir, &["test", "-race", "-count=5", "./..."]);
        let output = text(&test.stdout) + &text(&test.stderr);
        assert!(
            test.status.success() && !output.contains("DATA RACE"),
            "{module}: go test -race after triage --apply:\n{output}"
        );
    }
}

#[test]
fn apply_wraps_the_deadlocking_transactions_like_apply_with_the_suggested_tables() {
    applies_like_apply(
        "mysql-deadlock",
        "mysql-deadlock.log",
        &[
            "--rule",
            "mysql-deadlock-retry",
            "--set",
            "mysql-deadlock-retry.tables=ai_transcription_configuration",
        ],
        &["dal/transcription.go", "dal/mysql_retry.go"],
    );
}

#[test]
fn preview_prints_the_diff_and_keeps_the_verdicts_on_stderr() {
    let sandbox = checkout("request-slices");
    let out = sandbox.fixgen(&["triage", &log("request-slices.log"), "--preview"]);
    assert_eq!(out.status.code(), Some(0));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("diff --git a/threading/server.go"),
        "{diff}"
    );
    assert!(diff.contains("+\t\tAddTags:    slices.Clone(in.AddTags),"));
    assert!(diff.contains("+\t\tRemoveTags: slices.Clone(in.RemoveTags),"));
    assert!(text(&out.stderr).contains("request-slice-alias at threading/server.go:31"));
    assert_eq!(
        sandbox.fixgen(&["preview"]).status.code(),
        Some(1),
        "nothing written"
    );
}

/// The three testify flakes of fixtures/e2e/eventually, in both log forms:
/// each failure maps to its rule at the line to fix, and the zero value
/// read by menu_test.go:18 is answered by wrap-eventually run there.
#[test]
fn testify_flakes_map_to_the_eventually_rules_in_every_log_form() {
    let sandbox = checkout("eventually");
    for name in ["eventually.log", "eventually.json.log"] {
        let doc = triage_json(&sandbox, &log(name));
        let verdicts = doc["verdicts"].as_array().unwrap();
        let found: BTreeSet<(String, String, String, u64)> = verdicts
            .iter()
            .map(|v| {
                (
                    v["kind"].as_str().unwrap().to_string(),
                    v["rule"].as_str().unwrap_or("-").to_string(),
                    v["path"].as_str().unwrap_or("-").to_string(),
                    v["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        let expected: BTreeSet<(String, String, String, u64)> = [
            (
                "poll-timeout",
                "eventually-timeout",
                "calls/transfer_test.go",
                20,
            ),
            (
                "poll-timeout",
                "require-in-eventually",
                "calls/dial_test.go",
                19,
            ),
            (
                "assertion-failure",
                "require-in-eventually",
                "calls/dial_test.go",
                19,
            ),
            (
                "assertion-failure",
                "wrap-eventually",
                "calls/menu_test.go",
                18,
            ),
        ]
        .iter()
        .map(|(k, r, p, l)| (k.to_string(), r.to_string(), p.to_string(), *l))
        .collect();
        assert_eq!(found, expected, "{name}: {doc:#}");
        assert!(verdicts.iter().all(|v| v["fixable"] == true), "{doc:#}");
    }
    let out = sandbox.fixgen(&["triage", &log("eventually.log")]);
    let shown = text(&out.stdout);
    for line in [
        "poll timed out 1 in TestOutgoingCall_Transfer",
        "  calls/transfer_test.go:20: Condition never satisfied",
        "  -> fix: eventually-timeout at calls/transfer_test.go:20 (the poll at this line timed out)",
        "  calls/menu_test.go:18: Not equal: expected \"Main menu\", actual \"\"",
        "  -> fix: require-in-eventually at calls/dial_test.go:19 (the poll at line 17 timed out)",
        "3 place(s) to fix with eventually-timeout, require-in-eventually, wrap-eventually",
    ] {
        assert!(shown.contains(line), "no `{line}` in:\n{shown}");
    }
}

/// `triage --apply` makes exactly what `apply` makes with the same rules
/// and places: all three fixes, nothing else.
#[test]
fn triage_apply_fixes_the_three_testify_flakes() {
    let sandbox = checkout("eventually");
    let out = sandbox.fixgen(&["triage", &log("eventually.log"), "--apply"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let by_hand = checkout("eventually");
    let out = by_hand.fixgen(&[
        "apply",
        "--rule",
        "eventually-timeout",
        "--rule",
        "require-in-eventually",
        "--rule",
        "wrap-eventually",
        "--at",
        "calls/transfer_test.go:20",
        "--at",
        "calls/dial_test.go:19",
        "--at",
        "calls/menu_test.go:18",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for file in [
        "calls/transfer_test.go",
        "calls/dial_test.go",
        "calls/menu_test.go",
    ] {
        assert_eq!(sandbox.read(file), by_hand.read(file), "{file}");
    }
    assert!(sandbox
        .read("calls/transfer_test.go")
        .contains("}, testutil.WaitLong, 10*time.Millisecond)"));
    assert!(sandbox
        .read("calls/dial_test.go")
        .contains("assert.EventuallyWithT(t, func(collect *assert.CollectT) {"));
    assert!(sandbox
        .read("calls/menu_test.go")
        .contains("require.EventuallyWithT(t, func(collect *assert.CollectT) {\n\t\tc, err := sw.Lookup(\"CA3\")"));
}

/// An assertion after a poll that waited only for its fetch is answered by
/// assert-after-poll, at the poll: the code proves it, no --at needed.
#[test]
fn an_assertion_after_a_fetch_poll_maps_to_the_poll() {
    let sandbox = Sandbox::new();
    copy_dir(
        &root().join("fixtures/assert-after-poll/fetch-and-assertions-move-into-poll/before"),
        sandbox.path(),
    );
    sandbox.commit_all();
    let log = sandbox.path().join("ci.log");
    std::fs::write(
        &log,
        "=== RUN   TestStateChanges\n    state_test.go:20: \n        \tError Trace:\t/home/runner/work/app/app/calls/state_test.go:20\n        \tError:      \tShould not be: \"idle\"\n        \tTest:       \tTestStateChanges\n--- FAIL: TestStateChanges (0.10s)\nFAIL\nFAIL\texample.com/fx/calls\t0.105s\n",
    )
    .unwrap();
    let doc = triage_json(&sandbox, &log.display().to_string());
    assert_eq!(
        sites(&doc, "assertion-failure", "assert-after-poll"),
        set(&[("calls/state_test.go", 14)])
    );
}

/// `triage --apply` writes as `apply` does, so it refuses a folder outside
/// version control just as `apply` does, unless told.
#[test]
fn triage_apply_outside_version_control_needs_allow_no_vcs() {
    let sandbox = Sandbox::new();
    copy_dir(
        &root().join("fixtures/e2e/parallel-subtests"),
        sandbox.path(),
    );
    let before = sandbox.read("tools_test.go");
    let out = sandbox.fixgen(&["triage", &log("parallel-subtests.log"), "--apply"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let refusal = format!(
        "error: {} is not in a git working tree: the fixes could not be reviewed or undone; run `git init` and commit first, or pass --allow-no-vcs\n",
        sandbox.path().canonicalize().unwrap().display()
    );
    assert!(stderr.ends_with(&refusal), "{stderr}");
    assert_eq!(sandbox.read("tools_test.go"), before);

    let out = sandbox.fixgen(&[
        "triage",
        &log("parallel-subtests.log"),
        "--apply",
        "--allow-no-vcs",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "fixed tools_test.go: parallel-subtest-shared-var (5 findings)\n"
    );
}
