use super::GlobalArgs;
use fixgen::engine::load_rules;
use fixgen::fixtures::{run_all, without_fixtures};
use fixgen::gocheck::GoCheck;
use std::path::PathBuf;

pub fn run(global: &GlobalArgs, fixtures: &[PathBuf], update: bool) -> anyhow::Result<u8> {
    let mut dirs: Vec<PathBuf> = fixtures.to_vec();
    if dirs.is_empty() {
        dirs.extend(std::iter::once(PathBuf::from("fixtures")).filter(|d| d.is_dir()));
        dirs.extend(
            global
                .rule_dirs
                .iter()
                .map(|d| d.join("fixtures"))
                .filter(|d| d.is_dir()),
        );
    }
    if dirs.is_empty() {
        anyhow::bail!("no fixtures folder: run from the repository root, or pass --fixtures DIR");
    }
    // The same folder named twice (`--rules .` beside ./fixtures) runs once.
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let real = d.canonicalize().unwrap_or_else(|_| d.clone());
        let new = !seen.contains(&real);
        seen.push(real);
        new
    });
    let rule_dirs = global.rule_dirs.clone();
    let load = move || load_rules(&rule_dirs);
    let rules = load()?;
    let only = &global.rules_only;
    if let Some(unknown) = only.iter().find(|id| !rules.iter().any(|r| &r.id == *id)) {
        anyhow::bail!("unknown rule `{unknown}` (see `fixgen rules`)");
    }
    // The rules whose fixtures belong here: those named, else the user's
    // own (built-in rules' fixtures live in fixgen's repository).
    let asked: Vec<String> = match only.is_empty() {
        false => only.clone(),
        true => rules
            .iter()
            .filter(|r| !r.origin.starts_with("rules/"))
            .map(|r| r.id.clone())
            .collect(),
    };
    for id in without_fixtures(&asked, &dirs) {
        eprintln!("warning: rule `{id}` has no fixtures (no {id}/ in the fixtures folders): nothing tests it");
    }
    let go = GoCheck::find();
    if go.is_none() {
        eprintln!("warning: no `go` on PATH: after/ folders are NOT checked with gofmt -l and go vet; install Go to check that expected fixes build");
    }
    let (mut passed, mut failed) = (0, 0);
    for dir in &dirs {
        for case in run_all(dir, only, update, go.as_ref(), &load)? {
            match case.failure {
                None => {
                    let word = if update { "wrote" } else { "ok   " };
                    println!("{word} {}", case.name);
                    passed += 1;
                }
                Some(why) => {
                    println!("FAIL  {}\n{}", case.name, indent(&why));
                    failed += 1;
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}\n")).collect()
}
