//! End-to-end check that `fixgen` removes real data races from Go code.
//!
//! For every module under `fixtures/e2e/` listed below, the test copies the
//! module to a fresh temporary directory and then:
//!
//! a. runs `go test -race -count=10 ./...` and expects it to FAIL with
//!    `WARNING: DATA RACE` (proves the fixture really is racy);
//! b. runs `fixgen apply --allow-no-vcs <copy>`;
//! c. expects `gofmt -l .` to print nothing, `go vet ./...` to pass and
//!    `go test -race -count=10 ./...` to pass;
//! d. runs `fixgen preview <copy>` and expects exit 0 (nothing left to fix).
//!
//! The test needs a Go toolchain with cgo (gcc) for `-race`. When `go` is
//! missing it is skipped loudly, or fails when `CI` is set (see
//! `support::require_tool`).

mod support;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const RACE_WARNING: &str = "WARNING: DATA RACE";

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("e2e")
        .join(name)
}

/// A recursive copy of a fixture in a unique directory under the system temp
/// dir. The directory is removed when the value is dropped, including when a
/// test assertion panics.
struct TempCopy {
    path: PathBuf,
}

impl TempCopy {
    fn of(src: &Path, label: &str) -> TempCopy {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let unique = format!(
            "fixgen-go-race-e2e-{label}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(unique);
        // Construct the guard first so a partially copied tree is cleaned up.
        let copy = TempCopy { path };
        copy_dir_recursive(src, &copy.path).unwrap_or_else(|e| {
            panic!(
                "copying {} to {} failed: {e}",
                src.display(),
                copy.path.display()
            )
        });
        copy
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn copy_dir_recursive(src: &Path, dst: &Path) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let target = dst.join(entry.file_name());
        if file_type.is_dir() {
            copy_dir_recursive(&entry.path(), &target)?;
        } else {
            // Follows symlinks, so the copy is self-contained.
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A `go`/`gofmt` command with a reproducible environment:
/// * `GOTOOLCHAIN=local`: never download another toolchain;
/// * `GOFLAGS=-mod=mod`: the fixtures have no dependencies and no go.sum;
/// * `CGO_ENABLED=1`: required by `-race`;
/// * `GOMAXPROCS=4`: `go test` runs at most GOMAXPROCS parallel subtests at
///   once. With GOMAXPROCS=1 (single-CPU runner or a container CPU limit) the
///   parallel subtests would be serialised through the testing package's
///   semaphore, which creates happens-before edges and hides the race.
fn go_cmd(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "1")
        .env("GOMAXPROCS", "4");
    cmd
}

fn run(mut cmd: Command, what: &str) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("failed to spawn `{what}`: {e}"))
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "`{what}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn go_race_test(dir: &Path) -> Output {
    let mut cmd = go_cmd("go", dir);
    cmd.args(["test", "-race", "-count=10", "./..."]);
    run(cmd, "go test -race -count=10 ./...")
}

fn fixgen(args: &[&str], dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fixgen"));
    cmd.args(args).arg(dir);
    run(cmd, &format!("fixgen {}", args.join(" ")))
}

/// Every `.go` file in the copy whose contents differ from the fixture,
/// rendered for failure messages.
fn changed_go_files(original: &Path, copy: &Path) -> String {
    fn walk(orig: &Path, copy: &Path, rel: &Path, out: &mut String) {
        let Ok(entries) = fs::read_dir(copy.join(rel)) else {
            return;
        };
        for entry in entries.flatten() {
            let rel_path = rel.join(entry.file_name());
            if entry.path().is_dir() {
                walk(orig, copy, &rel_path, out);
            } else if rel_path.extension().is_some_and(|e| e == "go") {
                let after = fs::read_to_string(copy.join(&rel_path)).unwrap_or_default();
                let before = fs::read_to_string(orig.join(&rel_path)).unwrap_or_default();
                if before != after {
                    out.push_str(&format!(
                        "=== {} (after fixgen apply) ===\n{after}\n",
                        rel_path.display()
                    ));
                }
            }
        }
    }
    let mut out = String::new();
    walk(original, copy, Path::new(""), &mut out);
    if out.is_empty() {
        out.push_str("(fixgen apply changed no .go file)\n");
    }
    out
}

fn check_fixture(name: &str) {
    check_fixture_and(name, |_, _| {});
}

/// `check_fixture`, then `also(original, fixed copy)` for what the
/// fixture's own test asserts.
fn check_fixture_and(name: &str, also: impl Fn(&Path, &Path)) {
    if !support::require_tool("go") {
        return;
    }
    let original = fixture_dir(name);
    assert!(
        original.join("go.mod").is_file(),
        "fixture {} has no go.mod",
        original.display()
    );
    let copy = TempCopy::of(&original, name);
    let dir = copy.path.as_path();

    // a. The unfixed module races.
    let before = go_race_test(dir);
    let before_text = combined(&before);
    assert!(
        !before.status.success() && before_text.contains(RACE_WARNING),
        "[{name}] expected the unfixed module to fail `go test -race` with {RACE_WARNING:?}\n{}",
        describe("go test -race -count=10 ./... (before fix)", &before)
    );

    // b. Apply the fixes in place.
    let apply = fixgen(&["apply", "--allow-no-vcs"], dir);
    assert!(
        apply.status.success(),
        "[{name}] {}",
        describe("fixgen apply --allow-no-vcs", &apply)
    );

    // c. The fixed module is gofmt-clean, vets, and no longer races.
    let mut gofmt = go_cmd("gofmt", dir);
    gofmt.args(["-l", "."]);
    let gofmt = run(gofmt, "gofmt -l .");
    assert!(
        gofmt.status.success() && gofmt.stdout.iter().all(u8::is_ascii_whitespace),
        "[{name}] fixed files are not gofmt-clean\n{}\n{}",
        describe("gofmt -l .", &gofmt),
        changed_go_files(&original, dir)
    );

    let mut vet = go_cmd("go", dir);
    vet.args(["vet", "./..."]);
    let vet = run(vet, "go vet ./...");
    assert!(
        vet.status.success(),
        "[{name}] {}\n{}",
        describe("go vet ./... (after fix)", &vet),
        changed_go_files(&original, dir)
    );

    let after = go_race_test(dir);
    assert!(
        after.status.success(),
        "[{name}] {}\n{}",
        describe("go test -race -count=10 ./... (after fix)", &after),
        changed_go_files(&original, dir)
    );

    // d. A second run finds nothing left to change.
    let preview = fixgen(&["preview"], dir);
    assert!(
        preview.status.code() == Some(0),
        "[{name}] expected `fixgen preview` to report no changes after apply\n{}",
        describe("fixgen preview", &preview)
    );
    also(&original, dir);
}

#[test]
fn parallel_subtests_race_is_fixed() {
    check_fixture("parallel-subtests");
}

#[test]
fn goroutines_race_is_fixed() {
    check_fixture("goroutines");
}

#[test]
fn request_slices_race_is_fixed() {
    check_fixture("request-slices");
}

/// A read loop sending slices of its one buffer, and a batcher handing
/// `pending` to a goroutine before appending to it again.
#[test]
fn reused_buffers_race_is_fixed() {
    check_fixture("buffer-reuse");
}

/// A handler sending its request's slice on a channel that a goroutine of
/// the server joins later, while the caller reuses its buffer.
#[test]
fn request_queue_race_is_fixed() {
    check_fixture("request-queue");
}

#[test]
fn race_flow_is_fixed() {
    check_fixture("race-flow");
}

#[test]
fn race_multi_value_is_fixed() {
    check_fixture("race-multi");
}

#[test]
fn race_named_result_is_fixed() {
    check_fixture("race-named-result");
}

#[test]
fn race_launchers_are_fixed() {
    check_fixture("race-launchers");
}

/// Go 1.26's `new(42)` in the file of a parallel-subtest race:
/// tree-sitter-go 0.25 does not parse it, and fixgen used to refuse the
/// whole file. The race is fixed (vet and `go test -race` pass), and
/// every line using `new(expr)` is byte for byte as it was.
#[test]
fn race_beside_go_1_26_new_expr_is_fixed() {
    check_fixture_and("go126-new-expr", |original, copy| {
        for file in ["limits.go", "limits_test.go"] {
            let before = fs::read_to_string(original.join(file)).unwrap();
            let after = fs::read_to_string(copy.join(file)).unwrap();
            let new_expr = |text: &str| -> Vec<String> {
                text.lines()
                    .filter(|l| l.contains("new("))
                    .map(String::from)
                    .collect()
            };
            assert!(!new_expr(&before).is_empty(), "{file} uses new(expr)");
            assert_eq!(new_expr(&after), new_expr(&before), "{file}");
        }
        let test = fs::read_to_string(copy.join("limits_test.go")).unwrap();
        assert!(
            test.contains("func answer() *int {\n\treturn new(42)\n}\n")
                && test.contains("\t\t\terr := Check(Defaults())\n"),
            "the race is fixed and new(42) kept:\n{test}"
        );
    });
}
