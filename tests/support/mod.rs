//! Helpers shared by integration tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Returns true if the external tool `name` can be run.
///
/// The tool is probed with `name version` for `go` and with `name --version`
/// (then `name version`) for anything else. If it cannot be run:
/// - when the `CI` environment variable is set, this panics: CI must have it;
/// - otherwise a loud `SKIPPED:` message is printed to stderr and `false` is
///   returned, so the caller can return early.
#[allow(dead_code)]
pub fn require_tool(name: &str) -> bool {
    let probes: &[&[&str]] = if name == "go" {
        &[&["version"]]
    } else {
        &[&["--version"], &["version"]]
    };
    let runs = probes.iter().any(|args| {
        Command::new(name)
            .args(*args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    });
    if runs {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{name} is required in CI, but `{name}` could not be run from PATH");
    }
    // Written straight to the process's stderr: the test harness captures
    // eprintln! of passing tests, and a skip must never pass unnoticed.
    let banner = format!(
        "\n================================================================\n\
         SKIPPED: `{name}` is not on PATH (or does not run); the tests that\n\
         SKIPPED: need it did NOT run. Install {name} to run them. In CI\n\
         SKIPPED: (env var CI set) this is a hard failure instead.\n\
         ================================================================\n\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
    false
}

/// A temporary folder with a go.mod, where tests run the real binary.
#[allow(dead_code)]
pub struct Sandbox {
    dir: tempfile::TempDir,
}

#[allow(dead_code)]
impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("go.mod"),
            "module example.com/x\n\ngo 1.22\n",
        )
        .unwrap();
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn commit_all(&self) {
        self.git(&["init", "-q", "-b", "main"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-qm", "init"]);
    }

    pub fn fixgen(&self, args: &[&str]) -> Output {
        self.fixgen_in(".", args)
    }

    /// Runs fixgen from the folder `rel` of the sandbox, as a user working
    /// in a package's folder would.
    pub fn fixgen_in(&self, rel: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fixgen"))
            .args(args)
            .current_dir(self.path().join(rel))
            .output()
            .unwrap()
    }
}

/// Copies a folder recursively (a fixture module into a temporary folder).
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// Runs git in `dir` with a fixed identity; panics on failure; stdout.
#[allow(dead_code)]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Go commands for the end-to-end tests: the module's own go.sum, no
/// workspace, the local toolchain.
#[allow(dead_code)]
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[allow(dead_code)]
pub fn go(dir: &Path, args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[allow(dead_code)]
pub fn combined(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[allow(dead_code)]
pub fn gofmt_listed(dir: &Path) -> String {
    let root = text(&go(dir, &["env", "GOROOT"]).stdout).trim().to_string();
    let out = Command::new(Path::new(&root).join("bin/gofmt"))
        .args(["-l", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    text(&out.stdout)
}

/// A test whose parallel subtests share `err`: the seed's race, small.
#[allow(dead_code)]
pub const RACY_TEST: &str = r#"package x

import "testing"

func setup() (int, error)     { return 1, nil }
func update(ws int) error     { return nil }

func TestTools(t *testing.T) {
	ws, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("first", func(t *testing.T) {
		t.Parallel()
		err = update(ws)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("second", func(t *testing.T) {
		t.Parallel()
		err = update(ws)
		if err != nil {
			t.Fatal(err)
		}
	})
}
"#;

#[allow(dead_code)]
pub fn fixed(source: &str) -> String {
    source.replace("\t\terr = update(ws)", "\t\terr := update(ws)")
}

#[allow(dead_code)]
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[allow(dead_code)]
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `path:line:col` of each finding line `check` printed.
#[allow(dead_code)]
pub fn places(out: &std::process::Output) -> Vec<String> {
    stdout(out)
        .lines()
        .map(|line| line.split(": ").next().unwrap_or("").to_string())
        .collect()
}

#[allow(dead_code)]
pub fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}
