use super::GlobalArgs;
use fixgen::rule::load_rules;

pub fn run(global: &GlobalArgs) -> anyhow::Result<u8> {
    let rules = load_rules(&global.rule_dirs)?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &rules {
        let default = if rule.enabled_by_default {
            "on "
        } else {
            "off"
        };
        println!("{:width$}  {default}  {}", rule.id, rule.title);
    }
    Ok(0)
}
