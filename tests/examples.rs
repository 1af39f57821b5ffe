//! The example rules of docs/rules.md ("Examples", `examples/rules/`) are
//! user rules written as a Go team would write them: their fixtures pass
//! under `fixgen test` exactly as documented (tests/fixtures_vet.rs checks
//! that each `after/` is gofmt-clean and vets).

mod support;

use std::process::Command;
use support::{code, stderr, stdout};

#[test]
fn the_documented_example_rules_pass_their_fixtures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args([
            "test",
            "--rules",
            "examples/rules",
            "--fixtures",
            "examples/rules/fixtures",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "ok    ioutil-readall/drops-io-ioutil\n\
         ok    ioutil-readall/keeps-io-ioutil-still-used\n\
         ok    ioutil-readall/no-change-before-go-1.16\n\
         ok    os-exit-in-test/fatal-instead\n\
         ok    os-exit-in-test/no-change-in-test-main\n\
         ok    rows-not-closed/defer-after-the-check\n\
         ok    rows-not-closed/defer-on-a-field-of-the-receiver\n\
         ok    rows-not-closed/no-change-already-closed\n\
         ok    rows-not-closed/no-change-not-database-sql\n\
         ok    time-after-in-loop/labelled-loop-one-timer-a-function\n\
         ok    time-after-in-loop/no-change-before-go-1.23\n\
         ok    time-after-in-loop/no-change-duration-from-the-loop\n\
         ok    time-after-in-loop/no-change-loop-in-a-loop\n\
         ok    time-after-in-loop/no-change-outside-a-loop\n\
         ok    time-after-in-loop/one-timer-reset\n\
         15 passed, 0 failed\n"
    );
    assert_eq!(stderr(&out), "", "no rule of the folder lacks fixtures");
}
