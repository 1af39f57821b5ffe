//! `fixgen new rule ID`: a starting rule file and its fixtures, written so
//! that `fixgen test --rules DIR --rule ID` passes before the user edits
//! anything. The rule is a real one (errors.New(fmt.Sprintf(…)) →
//! fmt.Errorf(…)) so that each key shows a working value.

use super::is_valid_id;
use std::path::{Path, PathBuf};

/// Where the placeholder stands in the texts below.
const ID: &str = "RULE_ID";

const RULE: &str = r#"# A rule written by `fixgen new rule RULE_ID`. Edit it, then run
#   fixgen test --rules DIR --rule RULE_ID
# (docs/rules.md describes every key and the pattern syntax).
id = "RULE_ID"
title = "errors.New(fmt.Sprintf(...)) is fmt.Errorf(...)"
rationale = "fmt.Errorf says the same in one call."
# Off by default: it runs when named, --rule RULE_ID. Say true once the rule
# is trusted (a rule on by default also wants `proof` conditions).
enabled = false

# What to match: Go code with holes. $NAME holds one node, $$$NAME any
# number of them; each hole is a capture (`{{ NAME }}` in templates, @NAME
# in `where`), and `match` is the whole match. Without a `prefilter`, only
# files holding the pattern's longest word are parsed. For what a pattern
# cannot say, write a tree-sitter `query` instead (`fixgen tree FILE:LINE`
# prints the syntax tree it is written against).
pattern = 'errors.New(fmt.Sprintf($FORMAT, $$$ARGS))'
# Go-aware conditions that must all hold for a match (relations too:
# inside(pattern = '…'), not(…), go-version(">=1.21"), in-test()).
where = ['imports("errors")']
message = "use fmt.Errorf"

# The fix: replace the whole match with the template's text. An import
# whose last use it takes is removed.
[fix]
action = "replace"
capture = "match"
template = "fmt.Errorf({{ FORMAT }}{% if ARGS %}, {{ ARGS }}{% endif %})"
"#;

const GO_MOD: &str = "module example.com/fixture\n\ngo 1.22\n";

const FIXED_BEFORE: &str = "package example

import (
\t\"errors\"
\t\"fmt\"
)

var errBase = errors.New(\"base\")

func check(n int) error {
\tif n < 0 {
\t\treturn errors.New(fmt.Sprintf(\"negative: %d\", n))
\t}
\treturn errBase
}
";

const FIXED_AFTER: &str = "package example

import (
\t\"errors\"
\t\"fmt\"
)

var errBase = errors.New(\"base\")

func check(n int) error {
\tif n < 0 {
\t\treturn fmt.Errorf(\"negative: %d\", n)
\t}
\treturn errBase
}
";

const UNCHANGED: &str = "package example

import \"fmt\"

func check(n int) error {
\tif n < 0 {
\t\treturn fmt.Errorf(\"negative: %d\", n)
\t}
\treturn nil
}
";

/// The files of a new rule `id` in the rules folder `dir`: the rule file,
/// a case its fix applies to (before/ and after/) and a case it leaves
/// alone (before/ and an empty findings.txt: no findings at all).
pub fn rule_files(dir: &Path, id: &str) -> Result<Vec<(PathBuf, String)>, String> {
    if !is_valid_id(id) {
        return Err(format!(
            "rule id `{id}` must be lowercase letters, digits and dashes"
        ));
    }
    let fixed = dir.join("fixtures").join(id).join("fixes-a-match");
    let unchanged = dir
        .join("fixtures")
        .join(id)
        .join("no-change-already-errorf");
    let files = [
        (dir.join(format!("{id}.toml")), RULE),
        (fixed.join("before/go.mod"), GO_MOD),
        (fixed.join("before/example.go"), FIXED_BEFORE),
        (fixed.join("after/go.mod"), GO_MOD),
        (fixed.join("after/example.go"), FIXED_AFTER),
        (unchanged.join("before/go.mod"), GO_MOD),
        (unchanged.join("before/example.go"), UNCHANGED),
        (unchanged.join("findings.txt"), ""),
    ];
    Ok(files
        .into_iter()
        .map(|(path, text)| (path, text.replace(ID, id)))
        .collect())
}
