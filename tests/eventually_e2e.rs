//! The testify flakes end to end (fixtures/e2e/eventually): `go test`
//! fails on a module whose asynchronous work takes longer than its tests
//! allow (a poll window too short, a `require` inside a poll's condition,
//! an assertion on a field set later); `fixgen preview` shows the fixes,
//! `fixgen triage` on that very run's log proposes them at the failing
//! lines, and after `triage --apply` the tests pass, with `go vet` and
//! `gofmt -l` clean. testify comes through the module proxy (go.sum is
//! committed).

mod support;

use std::path::Path;
use support::{combined, copy_dir, go, gofmt_listed, require_tool, text, Sandbox};

#[test]
fn testify_flakes_fail_before_and_pass_after_triage_apply() {
    if !require_tool("go") {
        return;
    }
    let sandbox = Sandbox::new();
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e/eventually");
    copy_dir(&module, sandbox.path());
    sandbox.commit_all();
    let dir = sandbox.path();

    // Before: every flake fails, as on a loaded CI machine.
    let vet = go(dir, &["vet", "./..."]);
    assert!(vet.status.success(), "go vet before: {}", combined(&vet));
    let before = go(dir, &["test", "-count=1", "./..."]);
    let log = combined(&before);
    assert!(
        !before.status.success(),
        "the tests pass before the fix:\n{log}"
    );
    for failure in [
        "--- FAIL: TestOutgoingCall_Transfer",
        "--- FAIL: TestOutgoingCall_Rings",
        "--- FAIL: TestIncomingCall_MenuDescription",
        "Condition never satisfied",
        "actual  : \"\"",
    ] {
        assert!(
            log.contains(failure),
            "no `{failure}` before the fix:\n{log}"
        );
    }
    let log_path = dir.join("ci.log");
    std::fs::write(&log_path, &log).unwrap();
    let log_arg = log_path.display().to_string();

    // preview shows the pattern fix the code proves (a require in a poll);
    // a short wait is wrong only where a run timed out, so eventually-timeout
    // runs when named (or from triage), and wrap-eventually needs a place.
    let preview = sandbox.fixgen(&["preview", "calls"]);
    let diff = text(&preview.stdout);
    assert_eq!(preview.status.code(), Some(1), "{}", text(&preview.stderr));
    assert!(
        diff.contains("+\tassert.EventuallyWithT(t, func(collect *assert.CollectT) {"),
        "{diff}"
    );
    assert!(!diff.contains("testutil.WaitLong"), "{diff}");
    assert!(!diff.contains("menu_test.go"), "{diff}");
    let named = sandbox.fixgen(&["preview", "--rule", "eventually-timeout", "calls"]);
    assert!(
        text(&named.stdout).contains("+\t}, testutil.WaitLong, 10*time.Millisecond)"),
        "{}",
        text(&named.stdout)
    );
    let at = sandbox.fixgen(&["preview", "--at", "calls/menu_test.go:18"]);
    assert!(
        text(&at.stdout).contains("+\trequire.EventuallyWithT(t, func(collect *assert.CollectT) {"),
        "{}",
        text(&at.stdout)
    );

    // triage on this run's log proposes all three at the failing lines.
    let triage = sandbox.fixgen(&["triage", &log_arg]);
    let shown = text(&triage.stdout);
    for site in [
        "fix: eventually-timeout at calls/transfer_test.go:20",
        "fix: require-in-eventually at calls/dial_test.go:19",
        "fix: wrap-eventually at calls/menu_test.go:18",
    ] {
        assert!(shown.contains(site), "no `{site}` in:\n{shown}");
    }
    let preview = sandbox.fixgen(&["triage", &log_arg, "--preview"]);
    let diff = text(&preview.stdout);
    for file in ["transfer_test.go", "dial_test.go", "menu_test.go"] {
        assert!(diff.contains(&format!("+++ b/calls/{file}")), "{diff}");
    }

    // After: the same tests pass, and the code is vet- and gofmt-clean.
    let apply = sandbox.fixgen(&["triage", &log_arg, "--apply", "--allow-dirty"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert_eq!(gofmt_listed(dir), "", "gofmt -l after the fix");
    let vet = go(dir, &["vet", "./..."]);
    assert!(vet.status.success(), "go vet after: {}", combined(&vet));
    let after = go(dir, &["test", "-count=1", "./..."]);
    assert!(
        after.status.success(),
        "the tests still fail after the fix:\n{}",
        combined(&after)
    );

    // Fixed code is left alone by a second run.
    let again = sandbox.fixgen(&["preview", "calls"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}
