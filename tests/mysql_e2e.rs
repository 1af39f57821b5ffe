//! End to end against a real MariaDB: the data-access layer in
//! `fixtures/e2e/mysql-deadlock` deadlocks (MySQL error 1213) under its own
//! parallel tests (8 callers, each transaction holding its locks for 50 ms
//! of work); after `fixgen apply --rule mysql-deadlock-retry` with the
//! default retry parameters the same tests pass 20 times in a row, `gofmt`
//! and `go vet` are clean, and the
//! function handed a `*sql.Tx` is byte for byte what it was, and reported.
//!
//! The server: `FIXGEN_MYSQL_DSN` when set (`.ci/run` starts one with
//! `scripts/mariadb.sh` and exports it); otherwise the test starts its own
//! with that script when `mariadbd` is installed. Without either, the test
//! is skipped with a loud banner, or fails when `CI` is set.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::copy_dir;

const TABLES: &str = "mysql-deadlock-retry.tables=ai_transcription_configuration";
const DEADLOCK: &str = "Error 1213 (40001): Deadlock found";

/// A MariaDB server for the test, stopped on drop if the test started it.
struct Server {
    dsn: String,
    started_in: Option<tempfile::TempDir>,
}

impl Server {
    fn get() -> Option<Server> {
        if let Ok(dsn) = std::env::var("FIXGEN_MYSQL_DSN") {
            return Some(Server {
                dsn,
                started_in: None,
            });
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new(repo().join("scripts/mariadb.sh"))
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("run scripts/mariadb.sh");
        if out.status.success() {
            let dsn = String::from_utf8_lossy(&out.stdout).trim().to_string();
            return Some(Server {
                dsn,
                started_in: Some(dir),
            });
        }
        let why = format!(
            "scripts/mariadb.sh start failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if std::env::var_os("CI").is_some() {
            panic!("MariaDB is required in CI: {why}");
        }
        let banner = format!(
            "\n================================================================\n\
             SKIPPED: the MariaDB deadlock end-to-end test did NOT run.\n\
             SKIPPED: {why}\n\
             SKIPPED: install mariadb-server or export FIXGEN_MYSQL_DSN.\n\
             ================================================================\n\n"
        );
        let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(dir) = &self.started_in {
            let _ = Command::new(repo().join("scripts/mariadb.sh"))
                .arg("stop")
                .arg(dir.path())
                .output();
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn go(dir: &Path, dsn: &str, args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("FIXGEN_MYSQL_DSN", dsn)
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("run go")
}

fn fixgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run fixgen")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text of `func … name(…` up to its closing brace at column 0.
fn function_text(source: &str, name: &str) -> String {
    let start = source
        .find(&format!(") {name}("))
        .and_then(|i| source[..i].rfind("\nfunc "))
        .unwrap_or_else(|| panic!("no function {name}"));
    let end = source[start..].find("\n}\n").unwrap() + start + 3;
    source[start..end].to_string()
}

#[test]
fn deadlocks_seen_before_the_fix_are_survived_after_it() {
    if !support::require_tool("go") {
        return;
    }
    let Some(server) = Server::get() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("fixtures/e2e/mysql-deadlock"), work.path());
    let dir = work.path();
    let dal = dir.join("dal/transcription.go");
    let original = std::fs::read_to_string(&dal).unwrap();

    let before = go(dir, &server.dsn, &["test", "-count=1", "./..."]);
    assert!(
        !before.status.success() && text(&before).contains(DEADLOCK),
        "before the fix the tests must fail with a deadlock:\n{}",
        text(&before)
    );

    let check = fixgen(
        dir,
        &["check", "--rule", "mysql-deadlock-retry", "--set", TABLES],
    );
    let findings = text(&check);
    assert!(
        findings.contains("`setVoicemailConfigTx`")
            && findings.contains("not fixed: it is handed `tx`")
            && findings.contains("Store.EnableVoicemailTranscription (dal/transcription.go:"),
        "the function handed a *sql.Tx must be reported, naming the owner:\n{findings}"
    );

    let preview = fixgen(
        dir,
        &["preview", "--rule", "mysql-deadlock-retry", "--set", TABLES],
    );
    let diff = text(&preview);
    for expected in [
        "+\t\tr0, err := s.createTranscriptionConfigOnce(ctx, orgID, endpoint)",
        "+func (s *Store) createTranscriptionConfigOnce(ctx context.Context, orgID int64, endpoint string) (int64, error) {",
        "+\t\terr := s.enableVoicemailTranscriptionOnce(ctx, orgID)",
        "+++ b/dal/mysql_retry.go",
        "+func newMySQLRetry(ctx context.Context, base, budget time.Duration, maxAttempts int) *mysqlRetry {",
        "+\t\"time\"",
    ] {
        assert!(diff.contains(expected), "preview lacks {expected:?}:\n{diff}");
    }

    let apply = fixgen(
        dir,
        &[
            "apply",
            "--allow-no-vcs",
            "--rule",
            "mysql-deadlock-retry",
            "--set",
            TABLES,
        ],
    );
    assert!(apply.status.success(), "apply failed:\n{}", text(&apply));
    let fixed = std::fs::read_to_string(&dal).unwrap();
    assert_eq!(
        function_text(&fixed, "setVoicemailConfigTx"),
        function_text(&original, "setVoicemailConfigTx"),
        "the function handed a *sql.Tx must not change"
    );

    let gofmt = Command::new("gofmt")
        .args(["-l", "."])
        .current_dir(dir)
        .output()
        .expect("run gofmt");
    assert!(
        gofmt.status.success() && gofmt.stdout.is_empty(),
        "gofmt -l after the fix:\n{}",
        text(&gofmt)
    );
    let vet = go(dir, &server.dsn, &["vet", "./..."]);
    assert!(
        vet.status.success(),
        "go vet after the fix:\n{}",
        text(&vet)
    );

    // 8 parallel callers, each transaction holding its locks for 50 ms of
    // work: the defaults must survive 20 runs in a row.
    for run in 1..=20 {
        let after = go(dir, &server.dsn, &["test", "-count=1", "./..."]);
        assert!(
            after.status.success(),
            "run {run} of 20 after the fix failed:\n{}",
            text(&after)
        );
    }

    let again = fixgen(
        dir,
        &["preview", "--rule", "mysql-deadlock-retry", "--set", TABLES],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "a second run must change nothing:\n{}",
        text(&again)
    );
}
