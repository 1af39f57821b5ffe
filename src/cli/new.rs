//! `fixgen new rule ID`: start a rule with fixtures that already pass.

use anyhow::{bail, Context as _, Result};
use fixgen::rule::scaffold::rule_files;
use std::path::Path;

pub fn rule(dir: &Path, id: &str) -> Result<u8> {
    let files = rule_files(dir, id).map_err(anyhow::Error::msg)?;
    // Nothing is written unless everything can be: a half-made rule would
    // be worse than none.
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists()) {
        bail!(
            "{} already exists; fixgen new writes only new files (pick another id or --dir)",
            path.display()
        );
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: edit {}, then run: fixgen test --rules {} --rule {id}",
        files[0].0.display(),
        dir.display()
    );
    Ok(0)
}
