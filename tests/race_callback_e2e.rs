//! A race the code cannot show, fixed from the race report
//! (fixtures/e2e/race-callback): a Source runs a callback on goroutines of
//! its own, and the callback assigns with `=` to the enclosing function's
//! `err`. `go test -race` fails; `fixgen check` finds nothing (no rule on by
//! default may guess that a callback runs concurrently); `fixgen triage` on
//! that run's log hands the racing write to `closure-shared-var`; after
//! `triage --apply` the race is gone, vet and gofmt are clean, and a second
//! run at the same place changes nothing.

mod support;

use std::path::Path;
use support::{combined, copy_dir, go, gofmt_listed, require_tool, text, Sandbox};

const RACE_WARNING: &str = "WARNING: DATA RACE";

#[test]
fn a_callback_race_is_fixed_from_its_race_report() {
    if !require_tool("go") {
        return;
    }
    let sandbox = Sandbox::new();
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e/race-callback");
    copy_dir(&module, sandbox.path());
    sandbox.commit_all();
    let dir = sandbox.path();

    let vet = go(dir, &["vet", "./..."]);
    assert!(vet.status.success(), "go vet before: {}", combined(&vet));
    let before = go(dir, &["test", "-race", "-count=5", "./..."]);
    let log = combined(&before);
    assert!(
        !before.status.success() && log.contains(RACE_WARNING),
        "no race before the fix:\n{log}"
    );
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("ci.log");
    std::fs::write(&log_path, &log).unwrap();
    let log_arg = log_path.display().to_string();

    // The code alone proves nothing: no default rule speaks.
    let check = sandbox.fixgen(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));

    // The report does: triage names the place and the rule.
    let triage = sandbox.fixgen(&["triage", &log_arg]);
    let shown = text(&triage.stdout);
    assert!(
        shown.contains("fix: closure-shared-var at watch.go:47"),
        "{shown}"
    );
    let apply = sandbox.fixgen(&["triage", &log_arg, "--apply"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(
        sandbox.read("watch.go").contains("\t\terr := check(k)\n"),
        "{}",
        sandbox.read("watch.go")
    );

    assert_eq!(gofmt_listed(dir), "", "gofmt -l after the fix");
    let vet = go(dir, &["vet", "./..."]);
    assert!(vet.status.success(), "go vet after: {}", combined(&vet));
    let after = go(dir, &["test", "-race", "-count=10", "./..."]);
    assert!(
        after.status.success(),
        "the race is still there after the fix:\n{}",
        combined(&after)
    );
    let again = sandbox.fixgen(&[
        "preview",
        "--at",
        "watch.go:47",
        "--rule",
        "closure-shared-var",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}
