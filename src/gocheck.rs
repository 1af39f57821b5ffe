//! `fixgen test`'s promise about expected outputs: each case's `after/`
//! module is gofmt-clean and passes `go vet`, so a fixture cannot pin a
//! fix that would not build. One `gofmt -l` and one `go vet ./...` per
//! module, run in the case's temporary copy (the repository's fixtures are
//! never written to).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The go command and its own gofmt.
pub struct GoCheck {
    gofmt: PathBuf,
}

impl GoCheck {
    /// The `go` on PATH, or None when there is none (the caller says so).
    pub fn find() -> Option<GoCheck> {
        let out = Command::new("go")
            .args(["env", "GOROOT"])
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let beside = Path::new(&root).join("bin").join("gofmt");
        let gofmt = if beside.is_file() {
            beside
        } else {
            PathBuf::from("gofmt")
        };
        Some(GoCheck { gofmt })
    }

    /// `gofmt -l .` then `go vet ./...` in the module at `dir`, which this
    /// may change (CRLF line endings become LF: gofmt lists every CRLF
    /// file, and a fixture may keep them on purpose). The error is the
    /// tool's own output.
    pub fn check_module(&self, dir: &Path) -> Result<(), String> {
        normalise_line_endings(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let listed = run(Command::new(&self.gofmt).args(["-l", "."]), dir)?;
        if !listed.trim().is_empty() {
            return Err(format!("after/ is not gofmt-clean (gofmt -l):\n{listed}"));
        }
        let mut vet = Command::new("go");
        vet.args(["vet", "./..."]);
        run(&mut vet, dir).map_err(|out| format!("after/ does not pass go vet:\n{out}"))?;
        Ok(())
    }
}

/// The command's stdout and stderr; Err with them when it fails.
fn run(command: &mut Command, dir: &Path) -> Result<String, String> {
    let out = command
        .current_dir(dir)
        // Fixture modules stand alone: no go.work above them, no toolchain
        // download, go.sum written in the copy if one is missing.
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn normalise_line_endings(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            normalise_line_endings(&path)?;
        } else if path.extension().is_some_and(|e| e == "go") {
            let text = std::fs::read_to_string(&path)?;
            if text.contains('\r') {
                std::fs::write(&path, text.replace("\r\n", "\n"))?;
            }
        }
    }
    Ok(())
}
