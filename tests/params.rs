//! Rule parameters as users give them: `--set`, `.fixgen.toml` and a rule
//! file's own defaults are checked against the parameter's type, and a
//! bad value stops the run (exit 2) with a message naming the parameter
//! and what it takes, on every command.

mod support;

use support::{code, stderr, stdout, Sandbox, RACY_TEST};

/// A module with a poll whose wait (5s) is shorter than the default
/// `min_wait` (15s): eventually-timeout finds it when it runs.
fn poll_module() -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        "go.mod",
        "module example.com/x\n\ngo 1.22\n\nrequire github.com/stretchr/testify v1.9.0\n",
    );
    sb.write(
        "poll/poll_test.go",
        "package poll\n\nimport (\n\t\"testing\"\n\t\"time\"\n\n\t\"github.com/stretchr/testify/require\"\n)\n\nfunc TestPoll(t *testing.T) {\n\tready := func() bool { return true }\n\trequire.Eventually(t, ready, 5*time.Second, 10*time.Millisecond)\n}\n",
    );
    sb.commit_all();
    sb
}

/// The one line fixgen prints on stderr before exiting 2.
fn error_line(out: &std::process::Output) -> String {
    assert_eq!(code(out), 2, "{}", stderr(out));
    stderr(out)
}

#[test]
fn a_value_of_the_wrong_type_is_refused_naming_the_parameter_and_its_type() {
    let sb = poll_module();
    let cases = [
        (
            "eventually-timeout.min_wait=abc",
            "expected a duration (like 15s or 2m), found \"abc\"",
        ),
        (
            "eventually-timeout.min_wait=15",
            "expected a duration (like 15s or 2m), found \"15\"",
        ),
        (
            "eventually-timeout.min_wait=0s",
            "expected a duration (like 15s or 2m), found \"0s\"",
        ),
    ];
    for (set, why) in cases {
        let out = sb.fixgen(&["check", "--rule", "eventually-timeout", "--set", set]);
        assert_eq!(error_line(&out), format!("error: --set {set}: {why}\n"));
        assert_eq!(stdout(&out), "");
    }
    // The same value well formed is used: the wait is raised to it.
    let out = sb.fixgen(&[
        "check",
        "--rule",
        "eventually-timeout",
        "--set",
        "eventually-timeout.min_wait=1m30s",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("the wait becomes 1m30s\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn counts_and_lists_of_numbers_are_checked_item_by_item() {
    let sb = poll_module();
    let rule = ["--rule", "mysql-deadlock-retry"];
    let cases = [
        (
            "mysql-deadlock-retry.max_attempts=-3",
            "expected an integer, 0 or more, found \"-3\"",
        ),
        (
            "mysql-deadlock-retry.max_attempts=many",
            "expected an integer, 0 or more, found \"many\"",
        ),
        (
            "mysql-deadlock-retry.codes=1213,deadlock",
            "expected a list of positive integers, found the item \"deadlock\"",
        ),
        (
            "mysql-deadlock-retry.budget=5",
            "expected a duration (like 15s or 2m), found \"5\"",
        ),
    ];
    for (set, why) in cases {
        let out = sb.fixgen(&["check", rule[0], rule[1], "--set", set]);
        assert_eq!(error_line(&out), format!("error: --set {set}: {why}\n"));
    }
    for good in [
        "mysql-deadlock-retry.max_attempts=0",
        "mysql-deadlock-retry.codes=1213,1205",
        "mysql-deadlock-retry.tables=",
    ] {
        let out = sb.fixgen(&["check", rule[0], rule[1], "--set", good]);
        assert_eq!(code(&out), 0, "{good}: {}", stderr(&out));
    }
}

#[test]
fn a_set_for_a_rule_not_run_says_whether_it_is_unknown_or_not_selected() {
    let sb = poll_module();
    let out = sb.fixgen(&["check", "--set", "eventualy-timeout.min_wait=5s"]);
    assert_eq!(
        error_line(&out),
        "error: --set eventualy-timeout.min_wait=5s: unknown rule `eventualy-timeout` (see `fixgen rules`)\n"
    );
    let out = sb.fixgen(&["check", "--set", "eventually-timeout.min_wait=5s"]);
    assert_eq!(
        error_line(&out),
        "error: --set eventually-timeout.min_wait=5s: rule `eventually-timeout` is not selected in this run (it is off by default); add --rule eventually-timeout to run it\n"
    );
    let out = sb.fixgen(&[
        "check",
        "--rule",
        "reused-buffer",
        "--set",
        "goroutine-shared-var.launchers=Go",
    ]);
    assert_eq!(
        error_line(&out),
        "error: --set goroutine-shared-var.launchers=Go: rule `goroutine-shared-var` is not selected in this run (only the rules named with --rule run); add --rule goroutine-shared-var to run it\n"
    );
    // Not selected, and a bad value: the value is still checked.
    let out = sb.fixgen(&["check", "--set", "eventually-timeout.min_wait=abc"]);
    assert_eq!(
        error_line(&out),
        "error: --set eventually-timeout.min_wait=abc: expected a duration (like 15s or 2m), found \"abc\"\n"
    );
    let out = sb.fixgen(&["check", "--set", "parallel-subtest-shared-var.x=1"]);
    assert_eq!(
        error_line(&out),
        "error: --set parallel-subtest-shared-var.x=1: rule `parallel-subtest-shared-var` has no parameter `x` (it has none)\n"
    );
}

#[test]
fn the_config_file_s_values_are_checked_by_type_with_their_line() {
    let sb = poll_module();
    sb.write(
        ".fixgen.toml",
        "[rules]\nenable = [\"eventually-timeout\"]\n\n[params.eventually-timeout]\nmin_wait = \"abc\"\n",
    );
    let out = sb.fixgen_in("poll", &["check"]);
    assert_eq!(
        error_line(&out),
        "error: ../.fixgen.toml:5: `eventually-timeout.min_wait`: expected a duration (like 15s or 2m), found \"abc\"\n"
    );
    sb.write(
        ".fixgen.toml",
        "[params.mysql-deadlock-retry]\ncodes = [1213, 0]\n",
    );
    let out = sb.fixgen(&["check"]);
    assert_eq!(
        error_line(&out),
        "error: .fixgen.toml:2: `mysql-deadlock-retry.codes`: expected a list of positive integers, found the item 0\n"
    );
}

#[test]
fn batch_and_triage_check_set_values_before_any_work() {
    let sb = poll_module();
    let set = "eventually-timeout.min_wait=abc";
    let expected =
        format!("error: --set {set}: expected a duration (like 15s or 2m), found \"abc\"\n");
    sb.write(
        "repos.toml",
        "[[repo]]\nurl = \"https://example.invalid/a/b.git\"\nname = \"a/b\"\n",
    );
    let out = sb.fixgen(&["batch", "repos.toml", "--out", "out", "--set", set]);
    assert_eq!(error_line(&out), expected);
    assert!(!sb.path().join("out").exists(), "nothing was started");

    sb.write("ci.log", "ok  \texample.com/x/poll\t0.01s\n");
    let out = sb.fixgen(&["triage", "ci.log", "--set", set]);
    assert_eq!(error_line(&out), expected);
}

/// A user rule whose own default does not hold its type cannot be used:
/// the error names the file and line like any other rule-file error.
#[test]
fn a_rule_s_default_must_be_of_its_type() {
    let rule = |params: &str| {
        format!(
            "id = \"my-rule\"\ntitle = \"t\"\nrationale = \"r\"\nquery = \"(identifier) @id\"\nmessage = \"m\"\n\n{params}"
        )
    };
    let cases = [
        (
            "[params.wait]\ntype = \"duration\"\ndefault = \"soon\"\n",
            "rules/r.toml:9: parameter `wait`: the default is not a duration: expected a duration (like 15s or 2m), found \"soon\"",
        ),
        (
            "[params.wait]\ntype = \"seconds\"\ndefault = \"5s\"\n",
            "rules/r.toml:8: unknown parameter type `seconds`",
        ),
        (
            "[params.tries]\ndefault = 1.5\ntype = \"positive-integer\"\n",
            "rules/r.toml:8: parameter `tries`: the default is not a positive-integer: expected a positive integer (1 or more), found 1.5",
        ),
        (
            "[params.names]\ndefault = [\"a\", 1]\n",
            "rules/r.toml:8: parameter `names`: the default is not a list: expected a list of strings, found the item 1",
        ),
    ];
    for (params, expected) in cases {
        let sb = Sandbox::new();
        sb.write("rules/r.toml", &rule(params));
        sb.write("x_test.go", RACY_TEST);
        let out = sb.fixgen(&["rules", "--rules", "rules"]);
        let err = error_line(&out);
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{params}\nexpected: {expected}\nin: {err}"
        );
    }
}

#[test]
fn rules_explain_prints_rationale_parameters_evidence_and_an_example() {
    let sb = Sandbox::new();
    let out = sb.fixgen(&["rules", "--explain", "eventually-timeout"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "eventually-timeout: A testify poll gives asynchronous work a short, fixed time\n",
        "runs: off by default: runs when named",
        "from: rules/eventually-timeout.toml\n",
        "  min_wait (duration, default \"15s\")\n",
        "CI evidence it answers (fixgen triage): poll-timeout",
        "Example (fixtures/eventually-timeout/",
        "\n--- a/",
        "\n+++ b/",
    ] {
        assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
    }
    // The example is a real change: a line removed and one added.
    assert!(text.lines().any(|l| l.starts_with("-\t")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("+\t")), "{text}");

    let out = sb.fixgen(&["rules", "--explain", "no-such-rule"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: unknown rule `no-such-rule` (see `fixgen rules`)\n"
    );
}

#[test]
fn rules_explain_takes_a_user_rule_s_example_from_its_fixtures() {
    let sb = Sandbox::new();
    sb.write(
        "myrules/exit-in-test.toml",
        r#"id = "exit-in-test"
title = "os.Exit in a test"
enabled = false
rationale = "os.Exit skips the test's cleanup."
query = '(call_expression function: (selector_expression operand: (identifier) @pkg field: (field_identifier) @f) (#eq? @pkg "os") (#eq? @f "Exit")) @call'
report = "call"
message = "os.Exit in a test"
"#,
    );
    sb.write(
        "myrules/fixtures/exit-in-test/exits/before/x_test.go",
        "package x\n\nfunc a() {\n\tos.Exit(1)\n}\n",
    );
    sb.write(
        "myrules/fixtures/exit-in-test/exits/after/x_test.go",
        "package x\n\nfunc a() {\n\tpanic(1)\n}\n",
    );
    let out = sb.fixgen(&["--rules", "myrules", "rules", "--explain", "exit-in-test"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Example (fixtures/exit-in-test/exits):\n"),
        "{text}"
    );
    assert!(text.contains("-\tos.Exit(1)\n+\tpanic(1)\n"), "{text}");
    assert!(text.contains("Parameters: none\n"), "{text}");
}
