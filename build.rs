//! Embeds every `rules/*.toml` into the binary, so a new built-in rule is a
//! new file with no Rust change, and `fixgen` works with no rule folder at hand.
//! Each rule's before/after example (from `fixtures/RULE`) is embedded too,
//! for `fixgen rules --explain`.

#[path = "src/rule/example.rs"]
#[allow(dead_code)]
mod example;

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=fixtures");
    println!("cargo:rerun-if-changed=src/rule/example.rs");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut code = String::from("pub static BUILTIN_RULES: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        writeln!(
            code,
            "    (\"rules/{name}\", include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    code.push_str(&examples(&files));
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    std::fs::write(out, code).unwrap();
}

/// `BUILTIN_EXAMPLES`: (rule id, case, file, before, after) for each
/// rule file whose `fixtures/ID` folder has a case that changes Go code.
fn examples(rule_files: &[std::path::PathBuf]) -> String {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut code =
        String::from("pub static BUILTIN_EXAMPLES: &[(&str, &str, &str, &str, &str)] = &[\n");
    for path in rule_files {
        let id = path.file_stem().unwrap().to_string_lossy();
        if let Some(e) = example::pick(&fixtures.join(&*id)) {
            writeln!(
                code,
                "    ({id:?}, {:?}, {:?}, {:?}, {:?}),",
                e.case, e.file, e.before, e.after
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    code
}
