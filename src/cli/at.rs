//! The user's `--at` places, checked before any scan: each names a file
//! that exists and a line it has. A place that matches nothing would
//! otherwise look like a clean run.

use anyhow::{bail, Context as _, Result};
use fixgen::engine::Location;
use std::io::{BufRead as _, BufReader};
use std::path::Path;

pub fn check(places: &[String]) -> Result<()> {
    for arg in places {
        let location: Location = arg.parse().map_err(anyhow::Error::msg).context("--at")?;
        check_line(arg, Path::new(&location.path), location.line)?;
    }
    Ok(())
}

fn check_line(arg: &str, path: &Path, line: usize) -> Result<()> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => bail!("--at {arg}: {shown} is a folder, not a file"),
        Ok(_) => {}
        Err(_) => bail!("--at {arg}: no such file {shown}"),
    }
    let lines = count_lines(path).with_context(|| format!("--at {arg}: cannot read {shown}"))?;
    if line > lines {
        let plural = if lines == 1 { "" } else { "s" };
        bail!("--at {arg}: {shown} has {lines} line{plural}");
    }
    Ok(())
}

/// Lines as an editor numbers them: a last line without its newline counts.
fn count_lines(path: &Path) -> std::io::Result<usize> {
    let mut reader = BufReader::new(std::fs::File::open(path)?);
    let mut lines = 0;
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        lines += 1;
        line.clear();
    }
    Ok(lines)
}
