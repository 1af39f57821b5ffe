//! What a repository's golangci-lint configuration forbids that a fix
//! could bring in: depguard's denied imports. A fix the project's own
//! linter rejects is not a fix its maintainers can take.
//!
//! The YAML is read by indentation, enough for depguard's
//! `linters-settings`/`settings` → `depguard` → `rules` → NAME → `deny`
//! (`- pkg: …`, `desc: …`) and `files` (`!$test` exempts test files).

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeniedImport {
    /// An import path; it denies that package and those below it.
    pub pkg: String,
    pub desc: String,
    /// The rule's `files` exclude tests (`!$test`).
    pub tests_allowed: bool,
    /// The configuration file, for messages.
    pub config: String,
}

impl DeniedImport {
    pub fn denies(&self, import: &str, in_test: bool) -> bool {
        let under = import == self.pkg
            || import
                .strip_prefix(&self.pkg)
                .is_some_and(|rest| rest.starts_with('/'));
        under && !(in_test && self.tests_allowed)
    }
}

/// The imports denied by the golangci-lint configuration that applies in
/// `dir`: the nearest one at or above it, up to `root` (the repository),
/// as golangci-lint finds it. Its path is shown relative to `dir` when it
/// is there, else to `root`.
pub fn denied_imports(dir: &Path, root: &Path) -> Vec<DeniedImport> {
    for folder in std::iter::successors(Some(dir), |d| d.parent()) {
        for name in [".golangci.yml", ".golangci.yaml"] {
            if let Ok(text) = std::fs::read_to_string(folder.join(name)) {
                let path = folder.join(name);
                let shown = path
                    .strip_prefix(dir)
                    .or_else(|_| path.strip_prefix(root))
                    .map_or(name.to_string(), |p| p.display().to_string());
                return parse(&text, &shown);
            }
        }
        if folder == root {
            break;
        }
    }
    Vec::new()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_matches('"')
        .trim_matches('\'')
        .to_string()
}

fn parse(text: &str, config: &str) -> Vec<DeniedImport> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let Some(start) = lines.iter().position(|l| l.trim() == "depguard:") else {
        return Vec::new();
    };
    let block_indent = indent(lines[start]);
    let block: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| indent(l) > block_indent)
        .copied()
        .collect();
    let Some(rules_at) = block.iter().position(|l| l.trim() == "rules:") else {
        return Vec::new();
    };
    let rule_indent = block.get(rules_at + 1).map_or(0, |l| indent(l));
    let mut out = Vec::new();
    let mut rule: Vec<DeniedImport> = Vec::new();
    let mut tests_allowed = false;
    let flush = |rule: &mut Vec<DeniedImport>, tests_allowed: bool, out: &mut Vec<DeniedImport>| {
        for mut d in rule.drain(..) {
            d.tests_allowed = tests_allowed;
            out.push(d);
        }
    };
    for line in &block[rules_at + 1..] {
        if indent(line) < rule_indent {
            break;
        }
        let trimmed = line.trim().trim_start_matches("- ").trim();
        if indent(line) == rule_indent && trimmed.ends_with(':') {
            flush(&mut rule, tests_allowed, &mut out);
            tests_allowed = false;
        } else if let Some(pkg) = trimmed.strip_prefix("pkg:") {
            rule.push(DeniedImport {
                pkg: unquote(pkg),
                desc: String::new(),
                tests_allowed: false,
                config: config.to_string(),
            });
        } else if let Some(desc) = trimmed.strip_prefix("desc:") {
            if let Some(last) = rule.last_mut() {
                last.desc = unquote(desc);
            }
        } else if unquote(trimmed) == "!$test" {
            tests_allowed = true;
        }
    }
    flush(&mut rule, tests_allowed, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
version: "2"
linters:
  enable:
    - depguard
  settings:
    depguard:
      rules:
        main:
          deny:
            - pkg: "sync/atomic"
              desc: "Use go.uber.org/atomic instead"
            # comment
            - pkg: "github.com/stretchr/testify/assert"
              desc: "Use require instead"
        prod:
          files:
            - "!$test"
          deny:
            - pkg: github.com/pkg/errors
    errcheck:
      exclude-functions:
        - io.Copy
"#;

    #[test]
    fn reads_denied_imports_and_their_scope() {
        let denied = parse(CONFIG, ".golangci.yml");
        let pkgs: Vec<(&str, bool)> = denied
            .iter()
            .map(|d| (d.pkg.as_str(), d.tests_allowed))
            .collect();
        assert_eq!(
            pkgs,
            [
                ("sync/atomic", false),
                ("github.com/stretchr/testify/assert", false),
                ("github.com/pkg/errors", true)
            ]
        );
        assert_eq!(denied[1].desc, "Use require instead");
        assert!(denied[1].denies("github.com/stretchr/testify/assert", true));
        assert!(!denied[1].denies("github.com/stretchr/testify/assertx", true));
        assert!(denied[0].denies("sync/atomic", false));
        assert!(!denied[2].denies("github.com/pkg/errors", true));
        assert!(denied[2].denies("github.com/pkg/errors", false));
        assert!(parse("linters:\n  - govet\n", "x").is_empty());
    }
}
