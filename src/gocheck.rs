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

/// The gofmt of the Go toolchain (the one beside `go`, so that both agree
/// on the language version), or None when there is no toolchain. GOROOT
/// is the one the type index asks for: one `go env` per run.
fn find_gofmt() -> Option<PathBuf> {
    let root = crate::go::module::goroot()?;
    let beside = root.join("bin").join("gofmt");
    Some(if beside.is_file() {
        beside
    } else {
        PathBuf::from("gofmt")
    })
}

/// gofmt, found once per run on first use: most runs fix nothing and
/// never ask.
pub fn gofmt() -> Option<&'static GoFmt> {
    static FOUND: std::sync::OnceLock<Option<GoFmt>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| find_gofmt().map(|path| GoFmt { path }))
        .as_ref()
}

pub struct GoFmt {
    path: PathBuf,
}

impl GoFmt {
    /// Whether gofmt leaves `text` (a whole Go file) as it is. None when
    /// gofmt cannot say: it does not run, or it does not parse the text.
    pub fn leaves_unchanged(&self, text: &str) -> Option<bool> {
        let listed = self.run(&["-l"], text)?;
        // `-l` names the input when its formatting differs.
        Some(listed.is_empty())
    }

    /// Which of `texts` (whole Go files) gofmt would change, by index:
    /// one run of gofmt over a temporary folder of them. None when gofmt
    /// cannot say (it does not run, or does not parse one of them).
    pub fn unformatted_among(&self, texts: &[String]) -> Option<Vec<usize>> {
        if texts.is_empty() {
            return Some(Vec::new());
        }
        let dir = tempfile::tempdir().ok()?;
        for (i, text) in texts.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{i}.go")), text).ok()?;
        }
        let out = Command::new(&self.path)
            .arg("-l")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let mut listed: Vec<usize> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| Path::new(line).file_stem()?.to_str()?.parse().ok())
            .collect();
        listed.sort_unstable();
        Some(listed)
    }

    /// `text` as gofmt lays it out; None as for `leaves_unchanged`.
    pub fn formatted(&self, text: &str) -> Option<String> {
        self.run(&[], text)
    }

    fn run(&self, args: &[&str], text: &str) -> Option<String> {
        use std::io::Write as _;
        let mut child = Command::new(&self.path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Written from another thread: gofmt may fill its stdout before
        // reading all of a large text.
        let mut stdin = child.stdin.take()?;
        let text = text.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
        let out = child.wait_with_output().ok()?;
        writer.join().ok()?.ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl GoCheck {
    /// The `go` on PATH, or None when there is none (the caller says so).
    pub fn find() -> Option<GoCheck> {
        Some(GoCheck {
            gofmt: find_gofmt()?,
        })
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
