//! The command-line contract, exercised as a user would: real files in a
//! temporary folder (a git repository where it matters), the real binary.

mod support;

use std::fs;
use std::process::{Command, Output};
use support::{code, fixed, places, stderr, stdout, Sandbox, RACY_TEST};

#[test]
fn fixgen_test_passes_on_the_shipped_fixtures() {
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .arg("test")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    let summary = text.lines().last().unwrap_or("");
    assert!(summary.ends_with(" passed, 0 failed"), "{summary}");
    let passed: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 40, "only {passed} fixture cases ran");
}

#[test]
fn fixgen_test_fails_when_a_fixture_expects_something_else() {
    let sb = Sandbox::new();
    let case = "fixtures/parallel-subtest-shared-var/wrong";
    sb.write(&format!("{case}/before/x_test.go"), RACY_TEST);
    sb.write(&format!("{case}/after/x_test.go"), RACY_TEST); // claims: no change
    let out = sb.fixgen(&["test"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("FAIL  parallel-subtest-shared-var/wrong"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("+\t\terr := update(ws)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn preview_prints_a_diff_that_git_apply_accepts_and_writes_nothing() {
    let sb = Sandbox::new();
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.commit_all();
    let out = sb.fixgen(&["preview"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with("diff --git a/pkg/x_test.go b/pkg/x_test.go\n"),
        "{diff}"
    );
    assert!(
        !diff.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert_eq!(
        sb.read("pkg/x_test.go"),
        RACY_TEST,
        "preview writes nothing"
    );
    sb.write("fix.patch", &diff);
    sb.git(&["apply", "fix.patch"]);
    assert_eq!(sb.read("pkg/x_test.go"), fixed(RACY_TEST));
    let again = sb.fixgen(&["preview", "pkg"]);
    assert_eq!(
        code(&again),
        0,
        "nothing left to change: {}",
        stdout(&again)
    );
}

#[test]
fn preview_colours_only_when_asked_or_on_a_terminal() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["preview", "--color", "always"]);
    assert!(
        stdout(&out).contains("\x1b[32m+\t\terr := update(ws)\x1b[0m"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn apply_refuses_a_dirty_tree_unless_allowed() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.commit_all();
    sb.write("notes.txt", "work in progress\n");
    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("uncommitted changes (notes.txt)"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--allow-dirty"), "{}", stderr(&out));
    assert_eq!(sb.read("x_test.go"), RACY_TEST);

    let out = sb.fixgen(&["apply", "--allow-dirty"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
}

#[test]
fn apply_on_a_clean_tree_rewrites_atomically_and_is_idempotent() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.commit_all();
    let out = sb.fixgen(&["apply", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    let leftovers: Vec<_> = fs::read_dir(sb.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".fixgen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    sb.git(&["commit", "-qam", "fixed"]);
    let again = sb.fixgen(&["apply"]);
    assert_eq!(code(&again), 0);
    assert_eq!(stderr(&again), "nothing to fix\n");
}

#[test]
fn a_read_only_file_is_reported_and_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let path = sb.write("x_test.go", RACY_TEST);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("x_test.go is read-only; not changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), RACY_TEST);
}

#[test]
fn a_file_that_does_not_parse_is_skipped_with_a_warning_and_others_are_fixed() {
    let sb = Sandbox::new();
    // A candidate for the rule (t.Run, t.Parallel and a write to an outer
    // variable), so it is parsed.
    let broken = "package x\n\nfunc TestX(t *testing.T) {\n\tt.Run(\"a\", func(t *testing.T) { t.Parallel(); err = f() })\n\tif {\n}\n";
    sb.write("broken_test.go", broken);
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: broken_test.go: syntax error at 5:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("broken_test.go"), broken);
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
}

/// A test, in Go 1.26 that tree-sitter-go 0.25 does not parse, which two
/// rules look at: parallel subtests and a goroutine writing `err`.
const GO126_TEST: &str = r#"
func TestNewer(t *testing.T) {
	var err error
	for _, n := range []int{1, 2} {
		t.Run("n", func(t *testing.T) {
			t.Parallel()
			err = update(*new(n + 1))
		})
	}
	done := make(chan bool)
	go func() {
		err = update(2)
		done <- true
	}()
	err = update(3)
	<-done
	_ = err
}
"#;

#[test]
fn go_1_26_syntax_in_a_body_is_read_around_and_warned_about_once() {
    let sb = Sandbox::new();
    let source = format!("{RACY_TEST}{GO126_TEST}");
    sb.write("x_test.go", &source);
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        ["warning: x_test.go: syntax tree-sitter-go does not parse at 34:23 (newer Go, such as 1.26's new(expr)?); read around it, and the functions holding it are not changed"],
        "once per file, whatever the rules and rounds"
    );
    // TestTools is fixed; TestNewer, which holds the syntax, is not.
    assert_eq!(
        sb.read("x_test.go"),
        format!("{}{GO126_TEST}", fixed(RACY_TEST))
    );
    let check = sb.fixgen(&["check"]);
    let report = stdout(&check);
    assert!(
        report.contains(
            "not fixed: `TestNewer` holds syntax tree-sitter-go does not parse (line 34)"
        ),
        "{report}"
    );
}

#[test]
fn go_1_26_syntax_outside_function_bodies_still_refuses_the_file() {
    let sb = Sandbox::new();
    let source = format!("{RACY_TEST}\nvar answer = new(42)\n");
    sb.write("x_test.go", &source);
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: x_test.go: syntax error at 29:18; not parsed, not changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), source);
}

#[test]
fn generated_vendor_testdata_ignored_and_outside_files_are_never_touched() {
    let sb = Sandbox::new();
    let generated = format!("// Code generated by mockgen. DO NOT EDIT.\n\n{RACY_TEST}");
    sb.write("gen_test.go", &generated);
    sb.write("vendor/example.com/dep/x_test.go", RACY_TEST);
    sb.write("testdata/x_test.go", RACY_TEST);
    sb.write(".gitignore", "/scratch/\n");
    sb.write("scratch/x_test.go", RACY_TEST);
    sb.write("x_test.go", RACY_TEST);
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("o_test.go"), RACY_TEST).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("o_test.go"),
        sb.path().join("link_test.go"),
    )
    .unwrap();
    sb.commit_all();

    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert_eq!(sb.read("gen_test.go"), generated);
    assert_eq!(sb.read("vendor/example.com/dep/x_test.go"), RACY_TEST);
    assert_eq!(sb.read("testdata/x_test.go"), RACY_TEST);
    assert_eq!(
        sb.read("scratch/x_test.go"),
        RACY_TEST,
        ".gitignore is honoured"
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("o_test.go")).unwrap(),
        RACY_TEST
    );

    // Named explicitly, they are still refused, with a reason.
    let out = sb.fixgen(&[
        "apply",
        "--allow-dirty",
        "vendor/example.com/dep/x_test.go",
        "link_test.go",
    ]);
    assert!(
        stderr(&out).contains("under vendor/ or testdata/; not touched"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("link_test.go: outside the repository"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("o_test.go")).unwrap(),
        RACY_TEST
    );
}

#[test]
fn check_reports_json_sarif_and_exit_codes() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["check", "--format", "json"]);
    assert_eq!(code(&out), 1);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = &findings[0];
    assert_eq!(first["rule"], "parallel-subtest-shared-var");
    assert_eq!(first["path"], "x_test.go");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(15), Some(3))
    );
    assert_eq!(first["fixable"], true);
    assert!(first["message"].as_str().unwrap().starts_with(
        "`err` (declared at line 9) is shared with sibling subtests and written after t.Parallel()"
    ));
    assert_eq!(findings.as_array().unwrap().len(), 2);

    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&sb.fixgen(&["check", "--format", "sarif"]))).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        22
    );

    let text = stdout(&sb.fixgen(&["check"]));
    assert!(
        text.starts_with("x_test.go:15:3: parallel-subtest-shared-var: `err`"),
        "{text}"
    );

    sb.write("x_test.go", &fixed(RACY_TEST));
    let clean = sb.fixgen(&["check"]);
    assert_eq!((code(&clean), stdout(&clean).as_str()), (0, ""));
}

/// One goroutine whose value the caller reads after `wg.Wait()`: shared on
/// purpose, which is a note, not a defect.
const ORDERED_GOROUTINE: &str = "package x

import \"sync\"

func load() (int, error) { return 1, nil }

func First() (int, error) {
	var wg sync.WaitGroup
	var n int
	var err error
	wg.Add(1)
	go func() {
		defer wg.Done()
		n, err = load()
	}()
	wg.Wait()
	return n, err
}
";

#[test]
fn notes_are_reported_with_their_severity_and_do_not_fail_check() {
    let sb = Sandbox::new();
    sb.write("x.go", ORDERED_GOROUTINE);
    let out = sb.fixgen(&["check", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let findings: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let all = findings.as_array().unwrap();
    assert_eq!(all.len(), 2, "{findings}");
    for f in all {
        assert_eq!(f["severity"], "note");
        assert_eq!(f["fixable"], false);
        assert!(f["message"]
            .as_str()
            .unwrap()
            .ends_with("shared on purpose: line 17 reads it after wg.Wait() at line 16, which orders the write first"));
    }
    assert!(stderr(&out).contains("2 of them notes, which do not fail the check"));
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&sb.fixgen(&["check", "--format", "sarif"]))).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "note");
    // Nothing to change.
    assert_eq!(code(&sb.fixgen(&["preview"])), 0);
}

#[test]
fn at_selects_only_the_match_covering_that_line() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["preview", "--at", "x_test.go:22"]);
    let diff = stdout(&out);
    assert_eq!(diff.matches("+\t\terr := update(ws)").count(), 1, "{diff}");
    assert!(diff.contains("@@ -19,7 +19,7 @@"), "{diff}");
}

#[test]
fn rules_lists_every_built_in_rule_and_unknown_rules_are_errors() {
    let sb = Sandbox::new();
    let out = sb.fixgen(&["rules"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out)
        .contains("parallel-subtest-shared-var  on   A parallel subtest writes a variable shared"));
    assert!(stdout(&out).contains("goroutine-shared-var"));
    let out = sb.fixgen(&["check", "--rule", "no-such-rule"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("unknown rule `no-such-rule`"),
        "{}",
        stderr(&out)
    );
    let out = sb.fixgen(&["check", "--set", "parallel-subtest-shared-var.nope=1"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("has no parameter `nope`"),
        "{}",
        stderr(&out)
    );
}

const GOOD_RULE: &str = r#"id = "errors-new-sprintf"
title = "errors.New(fmt.Sprintf(...)) is fmt.Errorf(...)"
rationale = "fmt.Errorf says the same in one call."
prefilter = ["errors.New(fmt.Sprintf"]
query = '''
(call_expression
  function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_new)
  arguments: (argument_list
    (call_expression
      function: (selector_expression operand: (identifier) @_fmt field: (field_identifier) @_sprintf)
      arguments: (argument_list) @args))
  (#eq? @_pkg "errors") (#eq? @_new "New") (#eq? @_fmt "fmt") (#eq? @_sprintf "Sprintf")) @call
'''
report = "call"
where = ['imports("errors")']
message = "use fmt.Errorf{{ args }}"

[fix]
action = "replace"
capture = "call"
template = "fmt.Errorf{{ args }}"
"#;

#[test]
fn a_user_rule_with_a_template_fix_runs_from_rules_dir() {
    let sb = Sandbox::new();
    sb.write("rules/errors.toml", GOOD_RULE);
    sb.write(
        "e.go",
        "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nfunc f(n int) error {\n\treturn errors.New(fmt.Sprintf(\"bad %d\", n))\n}\n",
    );
    let out = sb.fixgen(&[
        "preview",
        "--rules",
        "rules",
        "--rule",
        "errors-new-sprintf",
        "e.go",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("+\treturn fmt.Errorf(\"bad %d\", n)\n"),
        "{}",
        stdout(&out)
    );
}

/// GOOD_RULE written as a Go pattern: no query, no prefilter (the
/// pattern's longest word is one), the holes named in the template.
const PATTERN_RULE: &str = r#"id = "errors-new-sprintf"
title = "errors.New(fmt.Sprintf(...)) is fmt.Errorf(...)"
rationale = "fmt.Errorf says the same in one call."
pattern = 'errors.New(fmt.Sprintf($FORMAT, $$$ARGS))'
where = ['imports("errors")']
message = "use fmt.Errorf"

[fix]
action = "replace"
capture = "match"
template = "fmt.Errorf({{ FORMAT }}{% if ARGS %}, {{ ARGS }}{% endif %})"
"#;

#[test]
fn a_rule_written_as_a_go_pattern_fixes_what_it_matches_and_nothing_else() {
    let sb = Sandbox::new();
    sb.write("rules/errors.toml", PATTERN_RULE);
    sb.write(
        "e.go",
        "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nvar errBase = errors.New(\"base\")\n\nfunc f(n int, s string) error {\n\tif n > 0 {\n\t\treturn errors.New(fmt.Sprintf(\"bad %d, %s\", n,\n\t\t\ts))\n\t}\n\tif n < 0 {\n\t\treturn errors.New(fmt.Sprintf(\"negative\"))\n\t}\n\treturn errors.New(fmt.Sprint(n))\n}\n",
    );
    let out = sb.fixgen(&["apply", "--allow-no-vcs", "--rules", "rules", "e.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.read("e.go"),
        "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nvar errBase = errors.New(\"base\")\n\nfunc f(n int, s string) error {\n\tif n > 0 {\n\t\treturn fmt.Errorf(\"bad %d, %s\", n,\n\t\t\ts)\n\t}\n\tif n < 0 {\n\t\treturn fmt.Errorf(\"negative\")\n\t}\n\treturn errors.New(fmt.Sprint(n))\n}\n"
    );
}

#[test]
fn a_repeated_hole_and_a_condition_on_a_hole_narrow_a_pattern() {
    let sb = Sandbox::new();
    sb.write(
        "rules/self-append.toml",
        r#"id = "self-append"
title = "x = append(x) appends nothing"
rationale = "An append with nothing to append is a no-op."
pattern = '$X = append($X)'
where = ['text-in(@X, "xs|ys")']
message = "`{{ X }}` = append({{ X }}) does nothing"
"#,
    );
    sb.write(
        "a.go",
        "package x\n\nfunc f(xs, ys, zs []int) {\n\txs = append(xs)\n\tys = append(xs)\n\tzs = append(zs)\n\t_, _, _ = xs, ys, zs\n}\n",
    );
    let out = sb.fixgen(&["check", "--rules", "rules", "a.go"]);
    assert_eq!(
        stdout(&out),
        "a.go:4:2: self-append: `xs` = append(xs) does nothing\n",
        "{}",
        stderr(&out)
    );
}

/// A fix of several edits: a statement a relation found (`as = "$ADD"`)
/// moves out of the goroutine to the line above the `go`, at its depth.
#[test]
fn an_edits_fix_moves_a_statement_a_relation_found() {
    let sb = Sandbox::new();
    sb.write(
        "rules/add-before-go.toml",
        r#"id = "add-before-go"
title = "WaitGroup.Add inside the goroutine it counts"
rationale = "Wait may run before the goroutine has added itself."
pattern = 'go func() { $$$ }()'
where = ['has(pattern = "$WG.Add(1)", as = "$ADD")']
message = "{{ WG }}.Add runs inside the goroutine"

[fix]
action = "edits"

[[fix.edits]]
op = "move-before"
capture = "ADD"
to = "match"
"#,
    );
    sb.write(
        "w.go",
        "package x\n\nimport \"sync\"\n\nfunc run(n int, work func(int)) {\n\tvar wg sync.WaitGroup\n\tfor i := 0; i < n; i++ {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n\t\t\twork(i)\n\t\t}()\n\t}\n\twg.Wait()\n}\n",
    );
    let out = sb.fixgen(&["apply", "--allow-no-vcs", "--rules", "rules", "w.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.read("w.go"),
        "package x\n\nimport \"sync\"\n\nfunc run(n int, work func(int)) {\n\tvar wg sync.WaitGroup\n\tfor i := 0; i < n; i++ {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\twork(i)\n\t\t}()\n\t}\n\twg.Wait()\n}\n"
    );
}

/// A user rule's fix that does not build is not offered: with `go` on
/// PATH, `preview` and `apply` build the fixes of `--rules` rules first;
/// `--no-verify` offers them unproven.
#[test]
fn a_user_rules_fix_that_does_not_build_is_not_offered_unless_no_verify() {
    if !support::require_tool("go") {
        return;
    }
    let sb = Sandbox::new();
    sb.write(
        "rules/broken.toml",
        r#"id = "broken-fix"
title = "A fix calling a function nobody declared"
rationale = "A rule with a mistake in its template."
pattern = 'errors.New($MSG)'
message = "wrap it"

[fix]
action = "replace"
capture = "match"
template = "undeclared({{ MSG }})"
"#,
    );
    sb.write("go.mod", "module example.com/x\n\ngo 1.22\n");
    let code_text = "package x\n\nimport \"errors\"\n\nvar errBad = errors.New(\"bad\")\n";
    sb.write("x.go", code_text);
    sb.commit_all();
    let out = sb.fixgen(&["preview", "--rules", "rules", "./..."]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "", "no diff for a fix that does not build");
    assert!(
        stderr(&out).contains("broken-fix's fixes left out"),
        "{}",
        stderr(&out)
    );
    let out = sb.fixgen(&["preview", "--rules", "rules", "--no-verify", "./..."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("+var errBad = undeclared(\"bad\")"),
        "{}",
        stdout(&out)
    );
    // apply says why, and fails as a held-back fix under --verify does.
    let out = sb.fixgen(&["apply", "--rules", "rules", "./..."]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("x.go:3:14: undefined: undeclared"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out)
            .contains("error: 1 rule fix(es) left out: their package did not pass --verify"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x.go"), code_text, "apply left the file as it was");
}

/// A fix that leaves code gofmt would lay out otherwise is not written:
/// the file stays as it was, the warning names the line, and a fix of
/// the same rule that keeps gofmt's layout goes through.
#[test]
fn a_fix_gofmt_would_reformat_is_not_applied() {
    if !support::require_tool("go") {
        return;
    }
    let sb = Sandbox::new();
    sb.write(
        "rules/spaced.toml",
        r#"id = "spaced"
title = "A template with gofmt's spacing wrong"
rationale = "A rule with a layout mistake in its template."
pattern = 'before($A)'
message = "use after"

[fix]
action = "replace"
capture = "match"
template = "{% if A == '1' %}after( {{ A }} ){% else %}after({{ A }}){% endif %}"
"#,
    );
    sb.write(
        "go.mod",
        "module example.com/x

go 1.22
",
    );
    let bad = "package x

func before(int) {}
func after(int) {}

func f() {
	before(1)
}
";
    let good = "package x

func before(int) {}
func after(int) {}

func g() {
	before(2)
}
";
    sb.write("a.go", bad);
    sb.write("b.go", good);
    sb.commit_all();
    let out = sb.fixgen(&["apply", "--no-verify", "--rules", "rules", "./..."]);
    assert!(
        stderr(&out)
            .contains("a.go:7: a fix leaves code gofmt would lay out otherwise; not applied"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("a.go"), bad, "the spoiled layout is not written");
    assert_eq!(sb.read("b.go"), good.replace("before(2)", "after(2)"));
}

/// `check --explain` says, per file and rule, what the rule did: the file
/// its prefilter skipped, the file it parsed, each match with its
/// captures, and the first condition that failed.
#[test]
fn check_explain_says_what_each_rule_did_with_each_file() {
    let sb = Sandbox::new();
    sb.write(
        "rules/sleep.toml",
        r#"id = "long-sleep"
title = "A sleep of a literal"
rationale = "A probe."
pattern = 'time.Sleep($D)'
where = ['not(text-in(@D, "0"))', 'in-test()']
message = "sleeps {{ D }}"
"#,
    );
    sb.write("go.mod", "module example.com/x\n\ngo 1.22\n");
    sb.write("a.go", "package x\n\nfunc A() {}\n");
    sb.write(
        "b_test.go",
        "package x\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc TestB(t *testing.T) {\n\ttime.Sleep(0)\n\ttime.Sleep(time.Second)\n}\n\nfunc helper() {\n\ttime.Sleep(time.Minute)\n}\n",
    );
    let out = sb.fixgen(&[
        "--rules",
        "rules",
        "--rule",
        "long-sleep",
        "check",
        "--explain",
        ".",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    let explained: Vec<&str> = err
        .lines()
        .take_while(|l| !l.contains("finding(s)"))
        .collect();
    assert_eq!(
        explained,
        [
            "a.go:",
            "  long-sleep: skipped: none of its prefilter literals is in the file (`Sleep`)",
            "b_test.go:",
            "  long-sleep: parsed: the whole file",
            "  long-sleep 9:2 match (match = `time.Sleep(0)`, D = `0`): `not(text-in(@D, \"0\"))` does not hold",
            "  long-sleep 10:2 match (match = `time.Sleep(time.Second)`, D = `time.Second`): every condition holds",
            "  long-sleep 14:2 match (match = `time.Sleep(time.Minute)`, D = `time.Minute`): `in-test()` does not hold",
        ]
    );
    assert!(
        stdout(&out).contains("b_test.go:10:2: long-sleep: sleeps time.Second"),
        "{}",
        stdout(&out)
    );
}

/// A template variable the rule does not give, and a condition naming a
/// capture the pattern does not define, are errors when the rule loads,
/// with the file and line: not an error on every finding later.
#[test]
fn unknown_template_variables_and_captures_are_load_errors_with_their_line() {
    let sb = Sandbox::new();
    sb.write("go.mod", "module example.com/x\n\ngo 1.22\n");
    sb.write("a.go", "package x\n");
    let rule = |where_line: &str, message: &str| {
        format!(
            "id = \"bad-var\"\ntitle = \"A mistake\"\nrationale = \"A mistake.\"\npattern = 'errors.New($MSG)'\n{where_line}message = \"{message}\"\n"
        )
    };
    sb.write("rules/bad.toml", &rule("", "wrap {{ MESSAGE }}"));
    let out = sb.fixgen(&["--rules", "rules", "check", "."]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "error: rules/bad.toml:5: `message` uses `MESSAGE`, which is no capture of the rule (MSG, match), no `params.NAME` and no variable (the rule has no [fix])"
    );
    sb.write(
        "rules/bad.toml",
        &rule("where = ['text-in(@MESSAGE, \"x\")']\n", "wrap {{ MSG }}"),
    );
    let out = sb.fixgen(&["--rules", "rules", "check", "."]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "error: rules/bad.toml:5: `text-in`: the query has no capture @MESSAGE"
    );
}

/// A use of `errors.New(fmt.Sprintf(…))`, before and after GOOD_RULE's fix
/// (`errors` stays used).
const SPRINTF_BEFORE: &str = "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nvar errBase = errors.New(\"base\")\n\nfunc f(n int) error {\n\treturn errors.New(fmt.Sprintf(\"bad %d\", n))\n}\n";
const SPRINTF_AFTER: &str = "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nvar errBase = errors.New(\"base\")\n\nfunc f(n int) error {\n\treturn fmt.Errorf(\"bad %d\", n)\n}\n";

/// `fixgen test` on a user's rules: `--rule` runs only that rule's cases,
/// a folder named twice runs once, and a rule with no fixtures is named.
#[test]
fn fixgen_test_honours_rule_and_names_rules_without_fixtures() {
    let sb = Sandbox::new();
    sb.write("myrules/errors.toml", GOOD_RULE);
    sb.write(
        "myrules/other.toml",
        &GOOD_RULE.replace("id = \"errors-new-sprintf\"", "id = \"other-rule\""),
    );
    let case = "myrules/fixtures/errors-new-sprintf/sprintf";
    sb.write(
        &format!("{case}/before/go.mod"),
        "module example.com/x\n\ngo 1.22\n",
    );
    sb.write(&format!("{case}/before/e.go"), SPRINTF_BEFORE);
    sb.write(
        &format!("{case}/after/go.mod"),
        "module example.com/x\n\ngo 1.22\n",
    );
    sb.write(&format!("{case}/after/e.go"), SPRINTF_AFTER);
    let out = sb.fixgen(&[
        "test",
        "--rules",
        "myrules",
        "--fixtures",
        "myrules/fixtures",
        "--fixtures",
        "./myrules/fixtures/",
    ]);
    assert_eq!(
        stdout(&out),
        "ok    errors-new-sprintf/sprintf\n1 passed, 0 failed\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        "warning: rule `other-rule` has no fixtures (no other-rule/ in the fixtures folders): nothing tests it\n"
    );
    let out = sb.fixgen(&["test", "--rules", "myrules", "--rule", "other-rule"]);
    assert_eq!(stdout(&out), "0 passed, 0 failed\n", "{}", stderr(&out));
    let out = sb.fixgen(&["test", "--rules", "myrules", "--rule", "no-such"]);
    assert_eq!(code(&out), 2);
}

/// Each broken rule file must name itself and the line that is wrong.
#[test]
fn a_broken_rule_file_is_reported_with_its_path_and_line() {
    let cases: &[(&str, String, &str)] = &[
        (
            "bad toml",
            GOOD_RULE.replace("title = ", "title = = "),
            "bad.toml:2: ",
        ),
        (
            "unknown key",
            GOOD_RULE.replace("report = ", "reprot = "),
            "bad.toml:14: unknown field `reprot`",
        ),
        (
            "query does not compile",
            GOOD_RULE.replace(
                "arguments: (argument_list) @args))",
                "arguments: (argument_lizt) @args))",
            ),
            "bad.toml:11: query does not compile",
        ),
        (
            "unknown predicate",
            GOOD_RULE.replace("imports(", "imprts("),
            "bad.toml:15: unknown predicate `imprts`",
        ),
        (
            "unknown capture",
            GOOD_RULE.replace("capture = \"call\"", "capture = \"cal\""),
            "bad.toml:20: the query has no capture @cal",
        ),
        (
            "a condition naming an unknown capture",
            GOOD_RULE.replace(
                "where = ['imports(\"errors\")']",
                "where = ['imports(\"errors\")', 'parameter-field(@nope)']",
            ),
            "bad.toml:15: `parameter-field`: the query has no capture @nope",
        ),
        (
            "unknown action",
            GOOD_RULE.replace("action = \"replace\"", "action = \"rewrite\""),
            "bad.toml:19: unknown action `rewrite`",
        ),
        (
            "bad template",
            GOOD_RULE.replace(
                "template = \"fmt.Errorf{{ args }}\"",
                "template = \"{{ args \"",
            ),
            "bad.toml:21: template does not parse",
        ),
        (
            "proof by type name without type names",
            GOOD_RULE.replace(
                "report = ",
                "proof = ['imports(\"errors\")']\nproof_by_type_name = true\nreport = ",
            ),
            "bad.toml:15: `proof_by_type_name` needs `prefilter_type_names = true`",
        ),
        (
            "proof by type name that a type name cannot answer",
            GOOD_RULE.replace(
                "report = ",
                "prefilter_type_names = true\nprefilter_scope = \"signature\"\nproof = ['imports(\"errors\")']\nproof_by_type_name = true\nreport = ",
            ),
            "bad.toml:16: `imports(\"errors\")` cannot be answered from a type name",
        ),
        (
            "a query and a pattern",
            GOOD_RULE.replace("report = ", "pattern = 'f($X)'\nreport = "),
            "bad.toml:5: a rule has a `query` or a `pattern`, not both",
        ),
        (
            "a pattern that is no Go",
            PATTERN_RULE.replace("fmt.Sprintf($FORMAT, $$$ARGS))'", "fmt.Sprintf($FORMAT'"),
            "bad.toml:4: pattern: the pattern does not parse as Go",
        ),
        (
            "a pattern hole that is not named",
            PATTERN_RULE.replace("$FORMAT", "$1"),
            "bad.toml:4: pattern: `$1`: a hole's name starts with a letter",
        ),
        (
            "a kind that does not span the pattern",
            PATTERN_RULE.replace("where = ", "kind = \"go_statement\"\nwhere = "),
            "bad.toml:4: pattern: no `go_statement` spans the whole pattern",
        ),
        (
            "a template naming a capture a pattern lacks",
            PATTERN_RULE.replace("capture = \"match\"", "capture = \"FMT\""),
            "bad.toml:10: the query has no capture @FMT",
        ),
        (
            "an edit the edits action does not know",
            PATTERN_RULE.replace("action = \"replace\"\ncapture = \"match\"\ntemplate", "action = \"edits\"\n\n[[fix.edits]]\nop = \"swap\"\ncapture = \"match\"\ntemplate"),
            "bad.toml:12: unknown edit `swap` (known: replace, insert-before, insert-after, delete, move-before, move-after, claim)",
        ),
        (
            "a move without its target",
            PATTERN_RULE.replace("action = \"replace\"\ncapture = \"match\"\ntemplate = \"fmt.Errorf({{ FORMAT }}{% if ARGS %}, {{ ARGS }}{% endif %})\"", "action = \"edits\"\n\n[[fix.edits]]\nop = \"move-after\"\ncapture = \"match\""),
            "bad.toml:12: edit `move-after` needs `to`",
        ),
        (
            "unknown function sieve",
            GOOD_RULE.replace("report = ", "function_sieve = \"sends\"\nreport = "),
            "bad.toml:14: function_sieve `sends`: no such sieve (known: hands-over-written, launched-literal-writes-outside, parallel-literal-writes-outside)",
        ),
        (
            "function sieve without a function scope",
            GOOD_RULE.replace("report = ", "function_sieve = \"hands-over-written\"\nreport = "),
            "bad.toml:14: function_sieve `hands-over-written` looks at the function holding a prefilter literal",
        ),
        (
            "function sieve without the parameters it reads",
            GOOD_RULE.replace(
                "report = ",
                "prefilter_scope = \"function\"\nfunction_sieve = \"hands-over-written\"\nreport = ",
            ),
            "bad.toml:15: function_sieve `hands-over-written` reads the parameter `writers`",
        ),
    ];
    for (what, text, expected) in cases {
        let sb = Sandbox::new();
        sb.write("rules/bad.toml", text);
        sb.write("x_test.go", RACY_TEST);
        let out = sb.fixgen(&["check", "--rules", "rules"]);
        assert_eq!(code(&out), 2, "{what}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("rules/{expected}")),
            "{what}: expected `{expected}` in:\n{err}"
        );
        assert_eq!(sb.read("x_test.go"), RACY_TEST, "{what}: nothing touched");
    }
}

/// A request type from a module that is not on the machine: the stored
/// field cannot be checked, and `check` says so (and why) on stderr rather
/// than reporting nothing as if it had looked.
#[test]
fn a_request_type_that_cannot_be_found_is_a_warning_not_silence() {
    let sb = Sandbox::new();
    sb.write(
        "go.mod",
        "module example.com/svc\n\ngo 1.22\n\nrequire example.com/notdownloaded v1.4.0\n",
    );
    sb.write(
        "pins/store.go",
        "package pins\n\nimport \"example.com/notdownloaded/notespb\"\n\n// Store keeps boards.\ntype Store struct{ boards []string }\n\n// Pin keeps the request's boards.\nfunc (s *Store) Pin(in *notespb.PinRequest) {\n\ts.boards = in.Boards\n}\n",
    );
    let out = sb.fixgen(&["check", "--rule", "request-slice-alias", "."]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "nothing was found: {err}");
    assert!(
        err.contains("pins/store.go:10: `in.Boards` was not checked")
            && err.contains("package example.com/notdownloaded/notespb")
            && err.contains("go mod download")
            && err.contains("(request-slice-alias)"),
        "{err}"
    );
}

/// A rule file whose fix replaces `@target` (matched by `query`) with
/// `template`: a way to make fixes that misbehave.
fn replacing_rule(id: &str, query: &str, template: &str) -> String {
    format!(
        r#"id = "{id}"
title = "a fix under test"
rationale = "tests what the engine does with a fix that misbehaves"
query = '''{query}'''
report = "target"
message = "found"

[fix]
action = "replace"
capture = "target"
template = '''{template}'''
"#
    )
}

/// A file of many functions is parsed a part at a time, and the parts of
/// its fixed text are checked as the next round parses them: an invalid
/// result in a late part is refused all the same.
#[test]
fn a_fix_that_leaves_invalid_go_late_in_a_large_file_is_refused() {
    let sb = Sandbox::new();
    let rule = replacing_rule(
        "statement-at-top",
        "(function_declaration name: (identifier) @_n (#eq? @_n \"use\")) @target",
        "x := work()",
    )
    .replace(
        "\n[fix]",
        "prefilter = [\"work()\"]\nprefilter_scope = \"function\"\n\n[fix]",
    );
    sb.write("rules/r.toml", &rule);
    let mut source = String::from("package x\n\nfunc work() int { return 1 }\n");
    for i in 0..60 {
        source.push_str(&format!(
            "\n// F{i} calls work.\nfunc F{i}() int {{\n\treturn work()\n}}\n"
        ));
        if i == 45 {
            source.push_str("\nfunc use() int {\n\treturn work()\n}\n");
        }
    }
    sb.write("x.go", &source);
    sb.commit_all();
    let out = sb.fixgen(&[
        "apply",
        "--rules",
        "rules",
        "--rule",
        "statement-at-top",
        "x.go",
    ]);
    assert_invalid_fix_refused(&sb, &out, &source, "late");
}

/// `apply` left x.go as `original`, warned that the fix is not valid Go,
/// and succeeded.
fn assert_invalid_fix_refused(sb: &Sandbox, out: &Output, original: &str, case: &str) {
    assert_eq!(sb.read("x.go"), original, "{case}: {}", stderr(out));
    assert!(
        stderr(out).contains("warning: x.go: a fix produced code that is not valid Go"),
        "{case}: {}",
        stderr(out)
    );
    assert_eq!(code(out), 0, "{case}: {}", stderr(out));
}

const WORK_GO: &str =
    "package x\n\nfunc work() int { return 1 }\n\nfunc use() int {\n\treturn work()\n}\n";

/// Each round finds the call again inside its own result: the file must
/// not be written, and the run must fail naming the rule.
#[test]
fn fixes_that_never_settle_are_not_written_and_fail_the_run() {
    let sb = Sandbox::new();
    sb.write(
        "rules/grow.toml",
        &replacing_rule(
            "grows-forever",
            r#"((call_expression function: (identifier) @_f) @target (#eq? @_f "work"))"#,
            "same({{ target }})",
        ),
    );
    sb.write("x.go", WORK_GO);
    sb.commit_all();
    for command in ["preview", "apply", "check"] {
        let out = sb.fixgen(&[
            command,
            "--rules",
            "rules",
            "--rule",
            "grows-forever",
            "x.go",
        ]);
        assert_eq!(code(&out), 2, "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("error: x.go: fixes did not settle after 8 rounds (grows-forever still changing it); not written"),
            "{command}: {}",
            stderr(&out)
        );
        assert!(
            !stdout(&out).contains("same("),
            "{command}: {}",
            stdout(&out)
        );
    }
    assert_eq!(sb.read("x.go"), WORK_GO);
    let out = sb.fixgen(&[
        "patch",
        "--rules",
        "rules",
        "--rule",
        "grows-forever",
        "--out",
        "p",
        "x.go",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// tree-sitter accepts files go/parser rejects; fixgen must not write one.
#[test]
fn a_fix_that_leaves_invalid_go_is_refused_with_a_warning() {
    let cases = [
        ("removes-package", "(package_clause) @target", ""),
        ("empties-file", "(source_file) @target", ""),
        (
            "statement-at-top",
            "(function_declaration name: (identifier) @_n (#eq? @_n \"use\")) @target",
            "x := work()",
        ),
    ];
    for (id, query, template) in cases {
        let sb = Sandbox::new();
        sb.write("rules/r.toml", &replacing_rule(id, query, template));
        sb.write("x.go", WORK_GO);
        sb.commit_all();
        let out = sb.fixgen(&["apply", "--rules", "rules", "--rule", id, "x.go"]);
        assert_invalid_fix_refused(&sb, &out, WORK_GO, id);
    }
}

/// A repository with the same racy test in two packages, `pkg` and
/// `other`.
fn two_packages() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.write("other/y_test.go", RACY_TEST);
    sb.commit_all();
    sb
}

#[test]
fn go_package_patterns_are_paths() {
    let sb = two_packages();
    let all = sb.fixgen(&["check", "./..."]);
    assert_eq!(code(&all), 1, "{}", stderr(&all));
    assert_eq!(
        places(&all),
        [
            "other/y_test.go:15:3",
            "other/y_test.go:22:3",
            "pkg/x_test.go:15:3",
            "pkg/x_test.go:22:3"
        ]
    );
    for pattern in ["./pkg/...", "pkg/..."] {
        let out = sb.fixgen(&["check", pattern]);
        assert_eq!(code(&out), 1, "{pattern}: {}", stderr(&out));
        assert_eq!(
            places(&out),
            ["pkg/x_test.go:15:3", "pkg/x_test.go:22:3"],
            "{pattern}"
        );
    }
    let out = sb.fixgen(&["preview", "./pkg/..."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff = stdout(&out);
    let headers: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("diff --git"))
        .collect();
    assert_eq!(headers, ["diff --git a/pkg/x_test.go b/pkg/x_test.go"]);

    let out = sb.fixgen(&["apply", "./pkg/..."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("pkg/x_test.go"), fixed(RACY_TEST));
    assert_eq!(sb.read("other/y_test.go"), RACY_TEST, "outside the pattern");
}

#[test]
fn a_bare_pattern_means_the_current_folder() {
    let sb = two_packages();
    let out = sb.fixgen_in("pkg", &["check", "..."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(places(&out), ["x_test.go:15:3", "x_test.go:22:3"]);
}

#[test]
fn a_pattern_naming_no_folder_is_an_error_naming_it() {
    let sb = two_packages();
    for command in ["check", "preview", "apply", "patch"] {
        let out = sb.fixgen(&[command, "./nope/..."]);
        assert_eq!(code(&out), 2, "{command}");
        assert_eq!(
            stderr(&out),
            "error: ./nope/...: no such folder ./nope\n",
            "{command}"
        );
    }
    sb.write("ci.log", "ok  \texample.com/x\t0.1s\n");
    let out = sb.fixgen(&["triage", "ci.log", "--repo", "./nope/..."]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out), "error: ./nope/...: no such folder ./nope\n");
    let out = sb.fixgen(&["check", "./pkg/.../x"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: ./pkg/.../x: only a trailing `/...` is understood (`./...`, `./pkg/...`); fixgen reads every folder below the one named\n"
    );
    assert_eq!(sb.read("pkg/x_test.go"), RACY_TEST);
}

#[test]
fn at_takes_a_place_as_findings_print_it_with_its_column() {
    let sb = two_packages();
    for at in ["pkg/x_test.go:22:3", "pkg/x_test.go:22"] {
        let out = sb.fixgen(&["preview", "--at", at]);
        assert_eq!(code(&out), 1, "{at}: {}", stderr(&out));
        let diff = stdout(&out);
        assert_eq!(diff.matches("+\t\terr := update(ws)").count(), 1, "{diff}");
        assert!(diff.contains("@@ -19,7 +19,7 @@"), "{at}: {diff}");
        assert!(!diff.contains("other/"), "{at}: {diff}");
    }
    // Relative to the current folder, as every PATH.
    let out = sb.fixgen_in(
        "pkg",
        &[
            "check",
            "--rule",
            "parallel-subtest-shared-var",
            "--at",
            "x_test.go:15:3",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(places(&out), ["x_test.go:15:3"]);
}

#[test]
fn at_naming_no_such_file_or_line_is_an_error() {
    let sb = two_packages();
    let lines = RACY_TEST.lines().count();
    let past_the_end = format!("pkg/x_test.go:{}", lines + 1);
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("o.go"), "package o\n").unwrap();
    let outside_at = format!("{}:1", outside.path().join("o.go").display());
    let cases = [
        (
            "nope.go:3",
            "error: --at nope.go:3: no such file nope.go\n".to_string(),
        ),
        (
            past_the_end.as_str(),
            format!("error: --at {past_the_end}: pkg/x_test.go has {lines} lines\n"),
        ),
        (
            "pkg:3",
            "error: --at pkg:3: pkg is a folder, not a file\n".to_string(),
        ),
        (
            "pkg/x_test.go",
            "error: --at: `pkg/x_test.go`: expected PATH:LINE or PATH:LINE:COL\n".to_string(),
        ),
        (
            outside_at.as_str(),
            format!(
                "error: --at {outside_at}: outside the repository {}\n",
                sb.path().canonicalize().unwrap().display()
            ),
        ),
    ];
    for (at, expected) in cases {
        for command in ["check", "preview", "apply", "patch"] {
            let out = sb.fixgen(&[command, "--at", at]);
            assert_eq!(code(&out), 2, "{command} --at {at}: {}", stderr(&out));
            assert_eq!(stderr(&out), expected, "{command} --at {at}");
        }
    }
    // The last line is a line.
    let out = sb.fixgen(&["check", "--at", &format!("pkg/x_test.go:{lines}")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("pkg/x_test.go"), RACY_TEST);
}

#[test]
fn finding_lines_name_files_from_the_current_folder() {
    let sb = two_packages();
    let out = sb.fixgen_in("pkg", &["check", "."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(places(&out), ["x_test.go:15:3", "x_test.go:22:3"]);
    let out = sb.fixgen_in("pkg", &["check", "../other"]);
    assert_eq!(
        places(&out),
        ["../other/y_test.go:15:3", "../other/y_test.go:22:3"]
    );

    // What is printed opens from there: pasted back into --at, it is the
    // same finding.
    let at = places(&out)[1].clone();
    let again = sb.fixgen_in(
        "pkg",
        &[
            "check",
            "--rule",
            "parallel-subtest-shared-var",
            "--at",
            &at,
            "../other",
        ],
    );
    assert_eq!(places(&again), [at]);

    // From above the repository, the path leads into it.
    let parent = sb.path().parent().unwrap();
    let name = sb.path().file_name().unwrap().to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(["check", &format!("{name}/pkg")])
        .current_dir(parent)
        .output()
        .unwrap();
    assert_eq!(
        places(&out),
        [
            format!("{name}/pkg/x_test.go:15:3"),
            format!("{name}/pkg/x_test.go:22:3")
        ]
    );
}

#[test]
fn apply_names_files_from_the_current_folder() {
    let sb = two_packages();
    let out = sb.fixgen_in("pkg", &["apply", "./..."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert_eq!(sb.read("pkg/x_test.go"), fixed(RACY_TEST));
}

/// Diffs must apply from the repository root (`git apply`, `patch -p1`),
/// and scripts read JSON and SARIF whatever folder they ran in.
#[test]
fn diffs_json_and_sarif_name_files_from_the_repository_root() {
    let sb = two_packages();
    let out = sb.fixgen_in("pkg", &["preview", "."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with("diff --git a/pkg/x_test.go b/pkg/x_test.go\n"),
        "{diff}"
    );
    sb.write("fix.patch", &diff);
    sb.git(&["apply", "fix.patch"]);
    assert_eq!(sb.read("pkg/x_test.go"), fixed(RACY_TEST));
    sb.git(&["checkout", "pkg/x_test.go"]);

    let out = sb.fixgen_in("pkg", &["check", "--format", "json", "."]);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(findings[0]["path"], "pkg/x_test.go");

    let out = sb.fixgen_in("pkg", &["check", "--format", "sarif", "."]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &sarif["runs"][0];
    let artifact = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "pkg/x_test.go");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let root = sb.path().canonicalize().unwrap();
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root.display())
    );
}

#[test]
fn preview_list_names_the_files_that_would_change() {
    let sb = two_packages();
    for flag in ["-l", "--list"] {
        let out = sb.fixgen(&["preview", flag, "./..."]);
        assert_eq!(code(&out), 1, "{flag}: {}", stderr(&out));
        assert_eq!(stdout(&out), "other/y_test.go\npkg/x_test.go\n", "{flag}");
    }
    let out = sb.fixgen_in("pkg", &["preview", "-l", "."]);
    assert_eq!((code(&out), stdout(&out).as_str()), (1, "x_test.go\n"));
    assert_eq!(sb.read("pkg/x_test.go"), RACY_TEST, "writes nothing");

    assert_eq!(code(&sb.fixgen(&["apply"])), 0);
    let out = sb.fixgen(&["preview", "-l"]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, ""),
        "{}",
        stderr(&out)
    );
}

/// A fix that adds a file (the deadlock retry's helper) lists it too.
#[test]
fn preview_list_names_the_files_a_fix_would_create() {
    let sb = Sandbox::new();
    let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/mysql-deadlock-retry/owner-method-two-results/before");
    support::copy_dir(&case, sb.path());
    let out = sb.fixgen(&[
        "preview",
        "-l",
        "--rule",
        "mysql-deadlock-retry",
        "--set",
        "mysql-deadlock-retry.tables=ai_transcription_configuration",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), "dal/mysql_retry.go\ndal/store.go\n");
}

/// Like `cargo fix`: outside version control an edit cannot be reviewed
/// or undone, so apply asks to be told.
#[test]
fn apply_outside_version_control_refuses_unless_allowed() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "error: {} is not in a git working tree: the fixes could not be reviewed or undone; run `git init` and commit first, or pass --allow-no-vcs\n",
            sb.path().canonicalize().unwrap().display()
        )
    );
    assert_eq!(sb.read("x_test.go"), RACY_TEST);
    // --allow-dirty is about uncommitted work, not about having none.
    let out = sb.fixgen(&["apply", "--allow-dirty"]);
    assert_eq!(code(&out), 2);
    assert_eq!(sb.read("x_test.go"), RACY_TEST);

    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    // Nothing left to write: nothing to refuse.
    let again = sb.fixgen(&["apply"]);
    assert_eq!(
        (code(&again), stderr(&again).as_str()),
        (0, "nothing to fix\n")
    );
}

/// Parallel subtests incrementing a shared counter: reported, never fixed
/// (the new value depends on the shared one).
const SHARED_COUNTER: &str = "package x

import \"testing\"

func TestCount(t *testing.T) {
	n := 0
	t.Run(\"a\", func(t *testing.T) {
		t.Parallel()
		n++
	})
	t.Run(\"b\", func(t *testing.T) {
		t.Parallel()
		n++
	})
}
";

#[test]
fn apply_ends_with_the_findings_it_left_unfixed() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.write("count_test.go", SHARED_COUNTER);
    sb.write("ordered.go", ORDERED_GOROUTINE);
    sb.commit_all();
    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    // The two notes of ordered.go are not defects left behind.
    assert_eq!(stderr(&out), "2 findings not fixed; see `fixgen check`\n");
    sb.git(&["commit", "-qam", "fixed"]);
    let again = sb.fixgen(&["apply"]);
    assert_eq!(code(&again), 0);
    assert_eq!(
        stderr(&again),
        "nothing to fix\n2 findings not fixed; see `fixgen check`\n"
    );
}

#[test]
fn findings_in_a_file_apply_could_not_write_are_not_fixed() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let path = sb.write("x_test.go", RACY_TEST);
    sb.commit_all();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).lines().last(),
        Some("2 findings not fixed; see `fixgen check`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), RACY_TEST);
}

/// The built-in rule's file with `severity = "error"` added: how a team
/// makes its findings without a fix fail the check.
fn error_severity_rule(id: &str) -> String {
    let builtin = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/");
    let text = fs::read_to_string(format!("{builtin}{id}.toml")).unwrap();
    text.replacen("\nenabled = ", "\nseverity = \"error\"\nenabled = ", 1)
}

#[test]
fn findings_without_a_fix_do_not_fail_check_unless_strict_or_the_rule_says_error() {
    let sb = Sandbox::new();
    sb.write("count_test.go", SHARED_COUNTER);
    let out = sb.fixgen(&["check"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        places(&out),
        ["count_test.go:9:3", "count_test.go:13:3"],
        "still reported"
    );
    assert_eq!(
        stderr(&out),
        "2 finding(s), 0 fixable, in 1 file(s)\n\
         2 finding(s) without a fix do not fail the check (--strict counts them)\n"
    );

    let strict = sb.fixgen(&["check", "--strict"]);
    assert_eq!(code(&strict), 1, "{}", stderr(&strict));
    assert_eq!(stderr(&strict), "2 finding(s), 0 fixable, in 1 file(s)\n");

    sb.write(
        "rules/parallel-subtest-shared-var.toml",
        &error_severity_rule("parallel-subtest-shared-var"),
    );
    let error = sb.fixgen(&["check", "--rules", "rules"]);
    assert_eq!(code(&error), 1, "{}", stderr(&error));
    assert_eq!(stderr(&error), "2 finding(s), 0 fixable, in 1 file(s)\n");

    // A fixable finding fails the check whatever the rule says.
    sb.write("x_test.go", RACY_TEST);
    assert_eq!(code(&sb.fixgen(&["check", "x_test.go"])), 1);
}

#[test]
fn a_rule_severity_other_than_warning_or_error_is_refused_with_its_line() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let rule = error_severity_rule("parallel-subtest-shared-var").replacen(
        "severity = \"error\"",
        "severity = \"fatal\"",
        1,
    );
    sb.write("rules/parallel-subtest-shared-var.toml", &rule);
    let out = sb.fixgen(&["check", "--rules", "rules"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: rules/parallel-subtest-shared-var.toml:3: unknown variant `fatal`, expected `warning` or `error`\n"
    );
}

#[test]
fn check_help_states_the_exit_codes() {
    let sb = Sandbox::new();
    let help = stdout(&sb.fixgen(&["check", "--help"]));
    assert!(
        help.contains(
            "Exit status:\n  0  nothing fails the check: no findings, or only notes and findings without a fix\n"
        ),
        "{help}"
    );
    assert!(help.contains("\n  2  an error: "), "{help}");
}

#[test]
fn exclude_leaves_out_files_and_whole_folders_on_every_scanning_command() {
    let sb = Sandbox::new();
    sb.write("gen/api/x_test.go", RACY_TEST);
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.write("pkg/y_test.go", RACY_TEST);
    sb.commit_all();
    let out = sb.fixgen(&["check", "--exclude", "gen", "--exclude", "**/y_test.go"]);
    assert_eq!(code(&out), 1);
    assert_eq!(places(&out), ["pkg/x_test.go:15:3", "pkg/x_test.go:22:3"]);

    let out = sb.fixgen(&["preview", "-l", "--exclude", "pkg/*.go"]);
    assert_eq!(stdout(&out), "gen/api/x_test.go\n");

    // A file named on the command line is left out too, saying so: a
    // pre-commit hook hands over every changed file.
    let out = sb.fixgen(&[
        "check",
        "--exclude",
        "gen/",
        "gen/api/x_test.go",
        "pkg/x_test.go",
    ]);
    assert_eq!(
        stderr(&out),
        "warning: gen/api/x_test.go: excluded (--exclude or .fixgen.toml); skipped\n\
         2 finding(s), 2 fixable, in 1 file(s)\n"
    );

    let out = sb.fixgen(&["apply", "--exclude", "pkg"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed gen/api/x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert_eq!(sb.read("pkg/x_test.go"), RACY_TEST);
}

#[test]
fn a_bad_exclude_glob_is_an_error_naming_it() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let out = sb.fixgen(&["check", "--exclude", "pkg/[a"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: --exclude: `pkg/[a` is not a glob: unclosed character class; missing ']'\n"
    );
}

#[test]
fn jobs_is_taken_by_every_scanning_command_and_must_be_a_positive_number() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.write("ci.log", "ok  \texample.com/x\t0.01s\n");
    let one = sb.fixgen(&["check", "--jobs", "1"]);
    assert_eq!(code(&one), 1);
    assert_eq!(stdout(&one), stdout(&sb.fixgen(&["check"])));
    let commands: [&[&str]; 6] = [
        &["check"],
        &["preview"],
        &["apply"],
        &["patch"],
        &["pr", "--base", "main"],
        &["triage", "ci.log"],
    ];
    for command in commands {
        for (bad, why) in [
            ("0", "0 threads would scan nothing; give 1 or more"),
            ("two", "`two` is not a number of threads (1 or more)"),
        ] {
            let out = sb.fixgen(&[command, &["--jobs", bad]].concat());
            assert_eq!(code(&out), 2, "{command:?}");
            assert!(
                stderr(&out).starts_with(&format!(
                    "error: invalid value '{bad}' for '--jobs <N>': {why}\n"
                )),
                "{command:?}: {}",
                stderr(&out)
            );
        }
    }
    assert_eq!(sb.read("x_test.go"), RACY_TEST, "nothing was written");
}

/// A poll whose wait is 5s: `eventually-timeout` (off by default, min_wait
/// 15s) would raise it.
const SHORT_POLL: &str = "package poll

import (
	\"testing\"
	\"time\"

	\"github.com/stretchr/testify/require\"
)

func ready() bool { return true }

func TestPoll(t *testing.T) {
	require.Eventually(t, ready, 5*time.Second, 10*time.Millisecond)
}
";

fn poll_module() -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        "go.mod",
        "module example.com/x\n\ngo 1.22\n\nrequire github.com/stretchr/testify v1.9.0\n",
    );
    sb.write("poll/poll_test.go", SHORT_POLL);
    sb.commit_all();
    sb
}

#[test]
fn the_config_file_turns_rules_on_and_sets_parameters_and_flags_override_it() {
    let sb = poll_module();
    assert_eq!(code(&sb.fixgen(&["check"])), 0, "off by default");

    sb.write(
        ".fixgen.toml",
        "[rules]\nenable = [\"eventually-timeout\"]\n",
    );
    let on = sb.fixgen(&["check"]);
    assert_eq!(code(&on), 1, "{}", stderr(&on));
    assert_eq!(places(&on), ["poll/poll_test.go:13:2"]);
    assert!(
        stdout(&on).ends_with("the wait becomes 15s\n"),
        "{}",
        stdout(&on)
    );

    sb.write(
        ".fixgen.toml",
        "[rules]\nenable = [\"eventually-timeout\"]\n\n[params.eventually-timeout]\nmin_wait = \"3s\"\n",
    );
    let out = sb.fixgen(&["check"]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, ""),
        "5s is enough now"
    );
    let set = sb.fixgen(&["check", "--set", "eventually-timeout.min_wait=10s"]);
    assert_eq!(code(&set), 1);
    assert!(
        stdout(&set).ends_with("the wait becomes 10s\n"),
        "{}",
        stdout(&set)
    );

    sb.write(
        ".fixgen.toml",
        "[rules]\ndisable = [\"eventually-timeout\"]\n",
    );
    assert_eq!(code(&sb.fixgen(&["check"])), 0);
    let named = sb.fixgen(&["check", "--rule", "eventually-timeout"]);
    assert_eq!(places(&named), ["poll/poll_test.go:13:2"], "--rule wins");
}

#[test]
fn the_config_file_excludes_paths_and_turns_default_rules_off() {
    let sb = Sandbox::new();
    sb.write("gen/x_test.go", RACY_TEST);
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.write(".fixgen.toml", "exclude = [\"gen\"]\n");
    sb.commit_all();
    let out = sb.fixgen(&["check"]);
    assert_eq!(places(&out), ["pkg/x_test.go:15:3", "pkg/x_test.go:22:3"]);
    let out = sb.fixgen(&["preview", "-l", "--exclude", "pkg"]);
    assert_eq!(
        (code(&out), stdout(&out).as_str()),
        (0, ""),
        "--exclude adds to the file's"
    );

    sb.write(
        ".fixgen.toml",
        "exclude = [\"gen\"]\n[rules]\ndisable = [\"parallel-subtest-shared-var\"]\n",
    );
    let out = sb.fixgen(&["check"]);
    assert_eq!((code(&out), stdout(&out).as_str()), (0, ""));
}

#[test]
fn a_broken_config_file_is_an_error_naming_its_line_and_nothing_is_written() {
    let sb = Sandbox::new();
    sb.write("pkg/x_test.go", RACY_TEST);
    sb.commit_all();
    let cases = [
        (
            "exclud = [\"gen\"]\n",
            "1: unknown field `exclud`, expected one of `exclude`, `rules`, `params`",
        ),
        (
            "[rules]\nenable = [\"reused-bufer\"]\n",
            "2: unknown rule `reused-bufer` (see `fixgen rules`)",
        ),
        (
            "[rules]\non = []\n",
            "2: unknown field `on`, expected `enable` or `disable`",
        ),
        (
            "[rules]\nenable = [\"reused-buffer\"]\ndisable = [\"reused-buffer\"]\n",
            "3: rule `reused-buffer` is both enabled and disabled",
        ),
        (
            "[params.goroutine-shared-var]\nlauncher = [\"Go\"]\n",
            "2: rule `goroutine-shared-var` has no parameter `launcher` (it has: launchers)",
        ),
        (
            "[params.goroutine-shared-var]\nlaunchers = \"Go\"\n",
            "2: `goroutine-shared-var.launchers`: expected a list of strings, found \"Go\"",
        ),
        (
            "\nexclude = [\"ok\", \"gen/[x\"]\n",
            "2: exclude: `gen/[x` is not a glob: unclosed character class; missing ']'",
        ),
    ];
    for (text, error) in cases {
        sb.write(".fixgen.toml", text);
        let commands: [&[&str]; 2] = [&["check"], &["apply", "--allow-dirty"]];
        for command in commands {
            let out = sb.fixgen_in("pkg", command);
            assert_eq!(code(&out), 2, "{text}");
            assert_eq!(
                stderr(&out),
                format!("error: ../.fixgen.toml:{error}\n"),
                "{text}"
            );
        }
    }
    assert_eq!(sb.read("pkg/x_test.go"), RACY_TEST);
}

#[test]
fn tree_prints_the_nodes_of_a_line_with_fields_and_kinds() {
    let sb = Sandbox::new();
    sb.write("x.go", "package x\n\nfunc f() int {\n\treturn g(1)\n}\n");
    let out = sb.fixgen(&["tree", "x.go:4"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with(
            "        return_statement [4:2-4:13]\n\
             \x20         expression_list [4:9-4:13]\n\
             \x20           call_expression [4:9-4:13]\n\
             \x20             function: identifier [4:9-4:10] \"g\"\n\
             \x20             arguments: argument_list [4:10-4:13]\n\
             \x20               int_literal [4:11-4:12] \"1\"\n"
        ),
        "{}",
        stdout(&out)
    );
    let out = sb.fixgen(&["tree", "x.go:9"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out), "error: x.go:9: the file has 5 line(s)\n");
}

/// `fixgen test --update` rewrites a stale `after/` and an empty
/// `findings.txt` from the current output, after which `fixgen test` passes.
#[test]
fn fixgen_test_update_writes_after_and_findings_from_the_current_output() {
    let sb = Sandbox::new();
    sb.write("myrules/errors.toml", GOOD_RULE);
    let case = "myrules/fixtures/errors-new-sprintf/sprintf";
    let go_mod = "module example.com/x\n\ngo 1.22\n";
    sb.write(&format!("{case}/before/go.mod"), go_mod);
    sb.write(&format!("{case}/before/e.go"), SPRINTF_BEFORE);
    sb.write(&format!("{case}/after/go.mod"), go_mod);
    sb.write(&format!("{case}/after/e.go"), SPRINTF_BEFORE);
    sb.write(&format!("{case}/findings.txt"), "");
    let args = ["test", "--rules", "myrules"];
    assert_eq!(code(&sb.fixgen(&args)), 1, "a stale after/ fails");

    let out = sb.fixgen(&["test", "--rules", "myrules", "--update"]);
    assert_eq!(
        stdout(&out),
        "wrote errors-new-sprintf/sprintf\n1 passed, 0 failed\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read(&format!("{case}/after/e.go")), SPRINTF_AFTER);
    assert!(
        sb.read(&format!("{case}/findings.txt"))
            .starts_with("e.go:11:9: errors-new-sprintf: "),
        "{}",
        sb.read(&format!("{case}/findings.txt"))
    );
    let out = sb.fixgen(&args);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

/// `fixgen new rule ID` starts a rule whose fixtures pass as written, with
/// an after/ the Go tools accept, and never overwrites anything.
#[test]
fn new_rule_writes_a_rule_and_fixtures_that_pass_and_never_overwrites() {
    let sb = Sandbox::new();
    let out = sb.fixgen(&["new", "rule", "my-rule"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with(
            "wrote fixgen-rules/fixtures/my-rule/no-change-already-errorf/findings.txt\n\
             next: edit fixgen-rules/my-rule.toml, then run: fixgen test --rules fixgen-rules --rule my-rule\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(sb
        .read("fixgen-rules/my-rule.toml")
        .contains("id = \"my-rule\"\n"));
    let test = ["test", "--rules", "fixgen-rules", "--rule", "my-rule"];
    let out = sb.fixgen(&test);
    assert_eq!(
        stdout(&out),
        "ok    my-rule/fixes-a-match\nok    my-rule/no-change-already-errorf\n2 passed, 0 failed\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");

    // The cases test the rule: a changed fix fails the fixed case.
    let rule = sb.read("fixgen-rules/my-rule.toml");
    sb.write(
        "fixgen-rules/my-rule.toml",
        &rule.replace(
            "template = \"fmt.Errorf({{ FORMAT }}",
            "template = \"fmt.Errorf(\\\"x\\\"",
        ),
    );
    assert_eq!(code(&sb.fixgen(&test)), 1);
    sb.write("fixgen-rules/my-rule.toml", &rule);

    let out = sb.fixgen(&["new", "rule", "my-rule"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: fixgen-rules/my-rule.toml already exists; fixgen new writes only new files (pick another id or --dir)\n"
    );
    let out = sb.fixgen(&["new", "rule", "My_Rule", "--dir", "other"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: rule id `My_Rule` must be lowercase letters, digits and dashes\n"
    );
    assert!(!sb.path().join("other").exists(), "nothing is written");

    if !support::require_tool("go") {
        return;
    }
    let after = sb
        .path()
        .join("fixgen-rules/fixtures/my-rule/fixes-a-match/after");
    let vet = support::go(&after, &["vet", "./..."]);
    assert!(vet.status.success(), "{}", support::combined(&vet));
    assert_eq!(support::gofmt_listed(&after), "");
}

/// `fixgen test` holds each after/ to what the Go tools accept: a fixture
/// that pins a fix `go vet` rejects fails with vet's words, and without
/// `go` on PATH the run says loudly that it did not check.
#[test]
fn fixgen_test_fails_an_after_that_does_not_vet_and_says_when_go_is_missing() {
    if !support::require_tool("go") {
        return;
    }
    let sb = Sandbox::new();
    assert_eq!(code(&sb.fixgen(&["new", "rule", "bad-format"])), 0);
    // The fix drops the argument the format reads: it compiles, vet says no.
    let rule = "fixgen-rules/bad-format.toml";
    sb.write(
        rule,
        &sb.read(rule).replace(
            "template = \"fmt.Errorf({{ FORMAT }}{% if ARGS %}, {{ ARGS }}{% endif %})\"",
            "template = \"fmt.Errorf({{ FORMAT }})\"",
        ),
    );
    let after = "fixgen-rules/fixtures/bad-format/fixes-a-match/after/example.go";
    sb.write(
        after,
        &sb.read(after).replace(
            "fmt.Errorf(\"negative: %d\", n)",
            "fmt.Errorf(\"negative: %d\")",
        ),
    );
    let test = ["test", "--rules", "fixgen-rules"];
    let out = sb.fixgen(&test);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let report = stdout(&out);
    assert!(
        report.starts_with("FAIL  bad-format/fixes-a-match\n      after/ does not pass go vet:\n"),
        "{report}"
    );
    assert!(
        report.contains("fmt.Errorf format %d reads arg #1, but call has 0 args"),
        "{report}"
    );
    assert!(report.ends_with("1 passed, 1 failed\n"), "{report}");

    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(test)
        .current_dir(sb.path())
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        stderr(&out),
        "warning: no `go` on PATH: after/ folders are NOT checked with gofmt -l and go vet; install Go to check that expected fixes build\n"
    );
}
