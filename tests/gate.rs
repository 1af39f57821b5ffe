//! `check` as a team's CI gate: `//fixgen:ignore` directives, GitHub
//! annotations, and the fixes JSON and SARIF carry.

mod support;

use support::{code, fixed, stderr, stdout, Sandbox, RACY_TEST};

const RULE: &str = "parallel-subtest-shared-var";

/// Subtests started in a loop that all write the parent's `err`: one
/// finding, one fix. `{directive}` goes on the line above the write.
const LOOPED_RACE: &str = "package x

import \"testing\"

func setup() (int, error) { return 1, nil }
func update(ws int) error { return nil }

func TestTools(t *testing.T) {
	ws, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{\"first\", \"second\"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
{directive}
			err = update(ws)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
";

const MESSAGE: &str = "`err` (declared at line 9) is shared with sibling subtests and written after t.Parallel(); fix: declare it with := at line 17";

fn looped_race(directive: &str) -> String {
    LOOPED_RACE.replace("{directive}", &format!("\t\t\t{directive}"))
}

fn sandbox_with(text: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("x_test.go", text);
    sb.commit_all();
    sb
}

#[test]
fn without_a_directive_the_race_fails_check() {
    let sb = sandbox_with(&looped_race("// the lock in X guards it"));
    let out = sb.fixgen(&["check"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), format!("x_test.go:17:4: {RULE}: {MESSAGE}\n"));
}

#[test]
fn an_ignored_finding_passes_check_and_is_not_fixed() {
    let text = looped_race(&format!("//fixgen:ignore {RULE} the lock in X guards it"));
    let sb = sandbox_with(&text);

    let out = sb.fixgen(&["check"]);
    assert_eq!((code(&out), stdout(&out).as_str()), (0, ""));
    assert_eq!(
        stderr(&out),
        "0 finding(s), 0 fixable, in 0 file(s); 1 ignored by //fixgen:ignore (--show-ignored lists them)\n"
    );

    let shown = sb.fixgen(&["check", "--show-ignored"]);
    assert_eq!(code(&shown), 0);
    assert_eq!(
        stdout(&shown),
        format!("x_test.go:17:4: {RULE}: {MESSAGE} [ignored: the lock in X guards it]\n")
    );

    let preview = sb.fixgen(&["preview"]);
    assert_eq!((code(&preview), stdout(&preview).as_str()), (0, ""));
    let apply = sb.fixgen(&["apply"]);
    assert_eq!(code(&apply), 0, "{}", stderr(&apply));
    assert_eq!(sb.read("x_test.go"), text);
    let patch = sb.fixgen(&["patch", "--out", "patches"]);
    assert_eq!(stderr(&patch), "nothing to fix: no patches written\n");
}

#[test]
fn json_and_sarif_mark_ignored_findings_only_when_asked() {
    let sb = sandbox_with(&looped_race(&format!(
        "//fixgen:ignore {RULE} the lock in X guards it"
    )));
    let plain = sb.fixgen(&["check", "--format", "json"]);
    assert_eq!(stdout(&plain), "[]\n");
    let json: serde_json::Value = serde_json::from_str(&stdout(&sb.fixgen(&[
        "check",
        "--format",
        "json",
        "--show-ignored",
    ])))
    .unwrap();
    assert_eq!(json[0]["line"], 17);
    assert_eq!(
        json[0]["suppressed"],
        serde_json::json!({ "reason": "the lock in X guards it" })
    );
    assert!(
        json[0].get("fix").is_none(),
        "an ignored finding has no fix"
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&sb.fixgen(&[
        "check",
        "--format",
        "sarif",
        "--show-ignored",
    ])))
    .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "the lock in X guards it" }])
    );
}

#[test]
fn a_directive_without_a_reason_warns_at_its_line_and_ignores_nothing() {
    let sb = sandbox_with(&looped_race(&format!("//fixgen:ignore {RULE}")));
    let out = sb.fixgen(&["check"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), format!("x_test.go:17:4: {RULE}: {MESSAGE}\n"));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: x_test.go:16: //fixgen:ignore {RULE} gives no reason: say after the rule id why the finding is wrong here; it ignores nothing\n\
             1 finding(s), 1 fixable, in 1 file(s)\n"
        )
    );
}

#[test]
fn a_directive_naming_no_rule_warns_at_its_line_and_ignores_nothing() {
    let sb = sandbox_with(&looped_race(
        "//fixgen:ignore parallel-subtests-shared-var the lock in X guards it",
    ));
    let out = sb.fixgen(&["check"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).starts_with(
        "warning: x_test.go:16: //fixgen:ignore names `parallel-subtests-shared-var`, which is no rule (see `fixgen rules`); it ignores nothing\n"
    ), "{}", stderr(&out));
    // Naming a rule this run does not use is no typo.
    let other = sandbox_with(&looped_race(
        "//fixgen:ignore mysql-deadlock-retry,parallel-subtest-shared-var reviewed",
    ));
    let out = other.fixgen(&["check", "--rule", RULE]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, ""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_trailing_directive_covers_its_own_line() {
    let text = looped_race("").replace(
        "err = update(ws)\n",
        &format!("err = update(ws) //fixgen:ignore {RULE} guarded by X\n"),
    );
    let out = sandbox_with(&text).fixgen(&["check"]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, ""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_fix_shared_with_an_ignored_finding_is_not_made() {
    // Both subtests' `err` become their own in one fix: making it for
    // the second would edit the first, which the directive covers.
    let text = RACY_TEST.replacen(
        "\t\terr = update(ws)",
        &format!("\t\t//fixgen:ignore {RULE} the lock in X guards it\n\t\terr = update(ws)"),
        1,
    );
    let sb = sandbox_with(&text);
    let out = sb.fixgen(&["check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "x_test.go:23:3: {RULE}: `err` (declared at line 9) is shared with sibling subtests and written after t.Parallel(); \
             not fixed: its fix would also change a finding that //fixgen:ignore ignores\n"
        )
    );
    let preview = sb.fixgen(&["preview"]);
    assert_eq!((code(&preview), stdout(&preview).as_str()), (0, ""));
}

#[test]
fn github_format_annotates_each_finding_at_the_gates_level() {
    let sb = Sandbox::new();
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.commit_all();
    // Run from the package's folder, the path is still the repository's.
    let out = sb.fixgen_in("pkg", &["check", "--format", "github"]);
    assert_eq!(code(&out), 1);
    let message = |line| {
        format!("`err` (declared at line 9) is shared with sibling subtests and written after t.Parallel(); fix: declare it with := at line {line}")
    };
    assert_eq!(
        stdout(&out),
        format!(
            "::error file=pkg/x_test.go,line=15,col=3,title=fixgen {RULE}::{}\n\
             ::error file=pkg/x_test.go,line=22,col=3,title=fixgen {RULE}::{}\n",
            message(15),
            message(22)
        )
    );
}

#[test]
fn json_fix_edits_give_exactly_what_apply_writes() {
    let sb = sandbox_with(RACY_TEST);
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&sb.fixgen(&["check", "--format", "json"]))).unwrap();
    // Findings one fix serves carry the same edits: each applies once.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for finding in json.as_array().unwrap() {
        for edit in finding["fix"]["edits"].as_array().unwrap() {
            assert_eq!(edit["path"], "x_test.go");
            let at = |key: &str| edit[key].as_u64().unwrap() as usize;
            let edit = (
                at("start_byte"),
                at("end_byte"),
                edit["text"].as_str().unwrap().to_string(),
            );
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
    }
    assert_eq!(edits.len(), 2, "{json}");
    edits.sort();
    let mut text = RACY_TEST.to_string();
    for (start, end, new) in edits.iter().rev() {
        text.replace_range(start..end, new);
    }
    let first = &json[0]["fix"]["edits"][0];
    assert_eq!(
        (
            &first["start_line"],
            &first["start_column"],
            &first["end_line"],
            &first["end_column"]
        ),
        (&15.into(), &7.into(), &15.into(), &8.into())
    );
    assert_eq!(code(&sb.fixgen(&["apply"])), 0);
    assert_eq!(sb.read("x_test.go"), text);
    assert_eq!(text, fixed(RACY_TEST));
}

#[test]
fn sarif_carries_the_fix_and_the_tool_version() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&sb.fixgen(&["check", "--format", "sarif"]))).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let change = &run["results"][0]["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "x_test.go");
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": { "startLine": 15, "startColumn": 7, "endLine": 15, "endColumn": 8 },
            "insertedContent": { "text": ":=" },
        })
    );
}
