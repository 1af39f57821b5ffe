use super::GlobalArgs;
use fixgen::fixtures::run_all;
use fixgen::rule::load_rules;
use std::path::PathBuf;

pub fn run(global: &GlobalArgs, fixtures: &[PathBuf]) -> anyhow::Result<u8> {
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
    let rule_dirs = global.rule_dirs.clone();
    let load = move || load_rules(&rule_dirs);
    let (mut passed, mut failed) = (0, 0);
    for dir in &dirs {
        for case in run_all(dir, &load)? {
            match case.failure {
                None => {
                    println!("ok    {}", case.name);
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
