//! Every fixture module must be valid, gofmt-clean Go.
//!
//! Walks `fixtures/<rule>/<case>/<dir>` (and `examples/rules/fixtures/…`)
//! for every `<dir>` that directly
//! contains a `go.mod` (normally `before/` and `after/`) and checks that
//! `gofmt -l .` prints nothing and `go vet ./...` succeeds there. A `before/`
//! is skipped when its case folder contains a `.vet-skip` file. All failures
//! are collected and reported together.
//!
//! Files saved with CRLF line endings are always listed by `gofmt -l` (gofmt
//! writes LF). For those files the check is done on the LF-normalised text
//! instead, so CRLF fixtures are still verified to be otherwise gofmt-clean.

mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn go_command(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        // A go.work in some parent directory must not pull fixtures into it.
        .env("GOWORK", "off")
        .stdin(Stdio::null());
    cmd
}

/// gofmt from the Go installation that `go` belongs to, falling back to PATH.
fn gofmt_path() -> PathBuf {
    let out = Command::new("go").args(["env", "GOROOT"]).output();
    if let Ok(out) = out {
        if out.status.success() {
            let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
            for name in ["gofmt", "gofmt.exe"] {
                let p = Path::new(&root).join("bin").join(name);
                if p.is_file() {
                    return p;
                }
            }
        }
    }
    PathBuf::from("gofmt")
}

fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    };
    dirs.sort();
    dirs
}

/// All `fixtures/*/*/<dir>` directories that directly contain a go.mod.
fn module_dirs(fixtures: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for rule in sorted_subdirs(fixtures) {
        for case in sorted_subdirs(&rule) {
            for dir in sorted_subdirs(&case) {
                if !dir.join("go.mod").is_file() {
                    continue;
                }
                if dir.file_name().is_some_and(|n| n == "before") && case.join(".vet-skip").exists()
                {
                    continue;
                }
                out.push(dir);
            }
        }
    }
    out
}

fn describe(out: &Output) -> String {
    let mut s = String::new();
    s.push_str(&String::from_utf8_lossy(&out.stdout));
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    let s = s.trim_end().to_string();
    if s.is_empty() {
        format!("(no output, {})", out.status)
    } else {
        s
    }
}

/// Formats `src` through gofmt's stdin; `Ok(formatted)` or `Err(message)`.
fn gofmt_stdin(gofmt: &Path, dir: &Path, src: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = go_command(gofmt, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run gofmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = src.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("gofmt failed: {e}"))?;
    let _ = writer.join();
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(describe(&out))
    }
}

fn check_gofmt(gofmt: &Path, dir: &Path) -> Result<(), String> {
    let out = go_command(gofmt, dir)
        .args(["-l", "."])
        .output()
        .map_err(|e| format!("cannot run gofmt: {e}"))?;
    if !out.status.success() {
        return Err(format!("`gofmt -l .` failed:\n{}", describe(&out)));
    }
    let mut bad = Vec::new();
    for file in String::from_utf8_lossy(&out.stdout).lines() {
        let file = file.trim();
        if file.is_empty() {
            continue;
        }
        let bytes = fs::read(dir.join(file)).unwrap_or_default();
        if bytes.contains(&b'\r') {
            // CRLF fixture: gofmt always wants LF, so compare the
            // LF-normalised text with its formatted form.
            let lf = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
            match gofmt_stdin(gofmt, dir, lf.as_bytes()) {
                Ok(formatted) if formatted == lf.as_bytes() => continue,
                Ok(_) => bad.push(format!(
                    "{file} (CRLF; not gofmt-clean even with LF endings)"
                )),
                Err(e) => bad.push(format!("{file} (CRLF; gofmt error: {e})")),
            }
        } else {
            bad.push(file.to_string());
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("`gofmt -l .` lists:\n  {}", bad.join("\n  ")))
    }
}

fn check_vet(dir: &Path) -> Result<(), String> {
    let out = go_command(Path::new("go"), dir)
        .args(["vet", "./..."])
        .output()
        .map_err(|e| format!("cannot run go vet: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`go vet ./...` failed:\n{}", describe(&out)))
    }
}

#[test]
fn fixture_modules_are_gofmt_clean_and_vet_clean() {
    if !support::require_tool("go") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures");
    let mut dirs = module_dirs(&fixtures);
    // The example user rules' fixtures (docs/rules.md, "Examples") too.
    dirs.extend(module_dirs(&root.join("examples/rules/fixtures")));
    assert!(
        !dirs.is_empty(),
        "no fixture modules (directories with a go.mod) found under {}",
        fixtures.display()
    );

    let gofmt = gofmt_path();
    let mut failures = Vec::new();
    for dir in &dirs {
        let rel = dir.strip_prefix(root).unwrap_or(dir).display().to_string();
        for result in [check_gofmt(&gofmt, dir), check_vet(dir)] {
            if let Err(msg) = result {
                failures.push(format!("{rel}: {msg}"));
            }
        }
    }

    if !failures.is_empty() {
        panic!(
            "{} problem(s) in {} fixture module(s):\n\n{}",
            failures.len(),
            dirs.len(),
            failures.join("\n\n")
        );
    }
    eprintln!("checked {} fixture modules", dirs.len());
}
