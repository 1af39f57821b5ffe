//! Running the go command on fixed code without writing it into the
//! repository: the fixed files go to a temporary folder and `go` reads them
//! through `-overlay`, so the user's tree is never touched and a failing
//! fix needs no rollback. Paths in the tool's messages are turned back
//! into the repository's.

use super::VerifyError;
use crate::go::buildtags::Target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The go command, and what it says of itself.
pub struct GoTool {
    go: PathBuf,
    gofmt: PathBuf,
    /// `go1.26.8`: what the messages name.
    pub version: String,
    /// What the go command builds for, which decides build constraints.
    pub target: Target,
}

/// What one run of a go command printed.
pub struct Run {
    pub success: bool,
    /// stdout and stderr, in that order.
    pub output: String,
}

impl GoTool {
    /// The `go` on PATH; an error that says so when there is none.
    pub fn find() -> Result<Self, VerifyError> {
        let output = Command::new("go")
            .args([
                "env",
                "GOROOT",
                "GOVERSION",
                "GOOS",
                "GOARCH",
                "CGO_ENABLED",
            ])
            .output()
            .map_err(|e| VerifyError::GoMissing(e.to_string()))?;
        if !output.status.success() {
            return Err(VerifyError::GoMissing(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let mut lines = text.lines();
        let goroot = PathBuf::from(lines.next().unwrap_or_default());
        let version = lines.next().unwrap_or("go").to_string();
        let target = Target {
            goos: lines.next().unwrap_or_default().to_string(),
            goarch: lines.next().unwrap_or_default().to_string(),
            cgo: lines.next() == Some("1"),
            go_minor: go_minor(&version),
        };
        // The go command's own gofmt, else whichever is on PATH.
        let beside = goroot.join("bin").join("gofmt");
        let gofmt = if beside.is_file() {
            beside
        } else {
            PathBuf::from("gofmt")
        };
        Ok(GoTool {
            go: PathBuf::from("go"),
            gofmt,
            version,
            target,
        })
    }

    /// `go ARGS…` in `dir`, reading fixed files through `overlay`.
    pub fn go(&self, dir: &Path, args: &[&str], overlay: Option<&Overlay>) -> Run {
        let mut command = Command::new(&self.go);
        command.current_dir(dir);
        let (verb, rest) = args.split_first().expect("a go subcommand");
        command.arg(verb);
        if let Some(overlay) = overlay {
            command.arg(format!("-overlay={}", overlay.json.display()));
        }
        command.args(rest);
        let mut run = run(command);
        if let Some(overlay) = overlay {
            run.output = overlay.real_paths(&run.output);
        }
        run
    }

    /// `gofmt -l` of `files`: those it would change.
    pub fn unformatted(&self, files: &[PathBuf]) -> Vec<PathBuf> {
        if files.is_empty() {
            return Vec::new();
        }
        let mut command = Command::new(&self.gofmt);
        command.arg("-l").args(files);
        let listed = run(command).output;
        files
            .iter()
            .filter(|f| listed.lines().any(|l| Path::new(l.trim()) == f.as_path()))
            .cloned()
            .collect()
    }
}

/// `go1.26.8` → 26; 0 when the version does not say.
fn go_minor(version: &str) -> u32 {
    version
        .strip_prefix("go1.")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|minor| minor.parse().ok())
        .unwrap_or(0)
}

fn run(mut command: Command) -> Run {
    match command.output() {
        Ok(out) => Run {
            success: out.status.success(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        },
        Err(e) => Run {
            success: false,
            output: format!("cannot run {:?}: {e}", command.get_program()),
        },
    }
}

/// The fixed files, written where `go -overlay` reads them in place of
/// the repository's (or beside them, for files a fix adds).
pub struct Overlay {
    dir: tempfile::TempDir,
    json: PathBuf,
    /// (file in the overlay folder, path relative to the repository root).
    files: Vec<(PathBuf, String)>,
}

impl Overlay {
    /// `files`: path relative to `root` → the fixed text.
    pub fn write(root: &Path, files: &BTreeMap<String, String>) -> std::io::Result<Overlay> {
        let dir = tempfile::Builder::new().prefix("fixgen-verify").tempdir()?;
        let mut replace = serde_json::Map::new();
        let mut written = Vec::new();
        for (i, (rel, text)) in files.iter().enumerate() {
            // One folder per file keeps the base name, which go prints.
            let name = rel.rsplit('/').next().unwrap_or(rel);
            let path = dir.path().join(format!("{i:04}")).join(name);
            std::fs::create_dir_all(path.parent().expect("a folder"))?;
            std::fs::write(&path, text)?;
            replace.insert(
                root.join(rel).to_string_lossy().to_string(),
                path.to_string_lossy().to_string().into(),
            );
            written.push((path, rel.clone()));
        }
        let json = dir.path().join("overlay.json");
        let body = serde_json::json!({ "Replace": replace });
        std::fs::write(&json, body.to_string())?;
        Ok(Overlay {
            dir,
            json,
            files: written,
        })
    }

    /// The overlay's copy of each file: (copy, path relative to the root).
    pub fn files(&self) -> &[(PathBuf, String)] {
        &self.files
    }

    /// `output` with the overlay's file paths, as go prints them (absolute
    /// or relative to where it ran), replaced by the repository's.
    pub fn real_paths(&self, output: &str) -> String {
        let folder = self
            .dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().to_string());
        let Some(folder) = folder else {
            return output.to_string();
        };
        output
            .lines()
            .map(|line| self.real_paths_in_line(line, &folder))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn real_paths_in_line(&self, line: &str, folder: &str) -> String {
        let mut line = line.to_string();
        for (copy, rel) in &self.files {
            let tail = copy
                .strip_prefix(self.dir.path())
                .map(|t| format!("{folder}/{}", t.to_string_lossy()))
                .unwrap_or_default();
            while let Some(at) = line.find(&tail) {
                // The path starts after the last space or colon before it.
                let start = line[..at]
                    .rfind(|c: char| c.is_whitespace() || c == '"')
                    .map_or(0, |i| i + 1);
                line.replace_range(start..at + tail.len(), rel);
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolchains_minor_version_decides_go1_tags() {
        assert_eq!(go_minor("go1.26.8"), 26);
        assert_eq!(go_minor("go1.22rc1"), 22);
        assert_eq!(go_minor("devel"), 0);
    }

    #[test]
    fn overlay_paths_in_messages_become_the_repository_paths() {
        let mut files = BTreeMap::new();
        files.insert("dal/store.go".to_string(), "package dal\n".to_string());
        let overlay = Overlay::write(Path::new("/repo"), &files).unwrap();
        let copy = overlay.files()[0].0.display().to_string();
        let relative = format!("../../..{copy}");
        let output = format!("# example.com/dal\n{copy}:3:2: undefined: x\nvet: {relative}:4:1: y");
        assert_eq!(
            overlay.real_paths(&output),
            "# example.com/dal\ndal/store.go:3:2: undefined: x\nvet: dal/store.go:4:1: y"
        );
        let json = std::fs::read_to_string(&overlay.json).unwrap();
        assert!(json.contains("\"/repo/dal/store.go\""), "{json}");
    }
}
