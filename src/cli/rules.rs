use super::GlobalArgs;
use fixgen::rule::load_rules;

pub fn run(global: &GlobalArgs) -> anyhow::Result<u8> {
    let rules = load_rules(&global.rule_dirs)?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &rules {
        // `at`: on, but only where --at (or triage) points.
        let default = match (rule.enabled_by_default, rule.needs_location) {
            (true, true) => "at ",
            (true, false) => "on ",
            (false, _) => "off",
        };
        println!("{:width$}  {default}  {}", rule.id, rule.title);
    }
    Ok(0)
}
