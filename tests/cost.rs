//! Bounded cost (issues 18 and 19): a large file is fixed whole, a file
//! over --max-filesize is skipped unread, and a rule whose template blows
//! up is a rule error, never a crash. How long the large files take is
//! measured by scripts/bench-stress.sh, not here.

mod support;

use support::{code, fixed, stderr, stdout, Sandbox, RACY_TEST};

/// One test holding `n` parallel subtests that all write its `err`: the
/// shape scripts/gen-stress.sh writes.
fn sibling_subtests(n: usize) -> String {
    let mut text = String::from(
        "package x\n\nimport \"testing\"\n\nfunc f() error { return nil }\n\nfunc TestMany(t *testing.T) {\n\tvar err error\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\tt.Run(\"case{i}\", func(t *testing.T) {{\n\t\tt.Parallel()\n\t\terr = f()\n\t\tt.Log(err)\n\t}})\n"
        ));
    }
    text.push_str("}\n");
    text
}

/// Making the analysis cheaper must not drop a fix: every one of 800
/// siblings gets its own `err`, and the shared declaration goes.
#[test]
fn eight_hundred_sibling_subtests_are_all_fixed() {
    let sb = Sandbox::new();
    sb.write("many_test.go", &sibling_subtests(800));
    let out = sb.fixgen(&["preview", "many_test.go"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    assert_eq!(added.len(), 800, "{diff}");
    assert!(added.iter().all(|l| *l == "+\t\terr := f()"), "{diff}");
    assert_eq!(removed.len(), 801, "{diff}");
    assert_eq!(
        removed.iter().filter(|l| **l == "-\tvar err error").count(),
        1
    );
}

/// `n` tests, each with two parallel subtests writing its `err`, with a
/// package-level variable and a function no rule looks at between them.
fn repeated_tests(n: usize) -> String {
    let mut text =
        String::from("package x\n\nimport \"testing\"\n\nfunc f() error { return nil }\n");
    for i in 0..n {
        text.push_str(&format!(
            "\nvar limit{i} = {i}\n\nfunc helper{i}() int {{ return limit{i} }}\n\nfunc TestR{i}(t *testing.T) {{\n\tvar err error\n"
        ));
        for name in ["a", "b"] {
            text.push_str(&format!(
                "\tt.Run(\"{name}\", func(t *testing.T) {{\n\t\tt.Parallel()\n\t\terr = f()\n\t\tt.Log(err, limit{i})\n\t}})\n"
            ));
        }
        text.push_str("}\n");
    }
    text
}

/// A file of many tests is looked at a window of functions at a time:
/// every window's fixes and findings must come out, at the right lines.
#[test]
fn a_file_of_many_racy_tests_is_fixed_whole() {
    let n = 100;
    let sb = Sandbox::new();
    sb.write("many_test.go", &repeated_tests(n));
    let out = sb.fixgen(&["check", "many_test.go"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let findings = stdout(&out);
    assert_eq!(findings.lines().count(), 2 * n, "{findings}");
    let last = findings.lines().last().unwrap();
    let last_write = repeated_tests(n).lines().count() - 3;
    assert!(
        last.starts_with(&format!(
            "many_test.go:{last_write}:3: parallel-subtest-shared-var"
        )),
        "{last}"
    );
    let out = sb.fixgen(&["apply", "--allow-no-vcs", "many_test.go"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = sb.read("many_test.go");
    assert_eq!(fixed.matches("\t\terr := f()\n").count(), 2 * n);
    assert_eq!(fixed.matches("var err error").count(), 0);
    assert_eq!(fixed.matches("func helper").count(), n);
}

/// A user rule whose fix template is a macro calling itself.
const RECURSIVE_RULE: &str = r#"id = "errors-new-sprintf"
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
message = "use fmt.Errorf{{ args }}"

[fix]
action = "replace"
capture = "call"
template = "{% macro r(n) %}{{ self::r(n=n+1) }}{% endmacro r %}fmt.Errorf{{ self::r(n=0) }}"
"#;

const SPRINTF: &str = "package x\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\nfunc f(n int) error {\n\treturn errors.New(fmt.Sprintf(\"bad %d\", n))\n}\n";

/// Rendering it would recurse until the stack overflows (the process
/// aborted with SIGABRT, exit 134): it is a rule error, naming the file
/// and the template's line, and nothing is touched.
#[test]
fn a_recursive_template_is_a_rule_error_not_a_crash() {
    let sb = Sandbox::new();
    sb.write("rules/recursive.toml", RECURSIVE_RULE);
    sb.write("e.go", SPRINTF);
    for command in ["check", "preview", "apply"] {
        let out = sb.fixgen(&[command, "--rules", "rules", "e.go"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("rules/recursive.toml:20: ") && err.contains("recursive"),
            "{command}: {err}"
        );
        assert_eq!(sb.read("e.go"), SPRINTF, "{command}");
    }
}

/// RACY_TEST under other names, then comment lines (which the rule's
/// literals are in too) up to 5 MiB: a candidate the rule would fix, cheap
/// enough to scan once the limit lets it in.
fn five_mebibytes_of_racy_test() -> String {
    let mut text = RACY_TEST
        .replace("setup", "setupBig")
        .replace("update", "updateBig")
        .replace("TestTools", "TestBig");
    let padding = "// padding: t.Run(\"case\", func(t *testing.T) { t.Parallel() })\n";
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(padding);
    }
    text
}

/// Issue 19: a 20 MB file took `check` past 11 minutes and 1.5 GB. Over
/// the limit (4 MiB by default) it is skipped with one warning, and the
/// other files are checked and fixed as usual; a higher limit takes it in.
#[test]
fn a_file_over_max_filesize_is_skipped_and_the_rest_is_fixed() {
    let sb = Sandbox::new();
    sb.write("pkg/x_test.go", RACY_TEST);
    let big = five_mebibytes_of_racy_test();
    sb.write("pkg/big_test.go", &big);
    sb.commit_all();
    let warning =
        "warning: pkg/big_test.go: 5.0 MiB, larger than --max-filesize (4.0 MiB); skipped\n";

    let out = sb.fixgen(&["check"]);
    assert_eq!(
        code(&out),
        1,
        "findings in the small file: {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).matches(warning).count(), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pkg/x_test.go:15:3: "),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("big_test.go"), "{}", stdout(&out));

    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out).matches(warning).count(), 1, "{}", stderr(&out));
    assert_eq!(sb.read("pkg/x_test.go"), fixed(RACY_TEST));
    assert!(
        sb.read("pkg/big_test.go") == big,
        "the large file is untouched"
    );

    let out = sb.fixgen(&["check", "--max-filesize", "10M"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains("max-filesize"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pkg/big_test.go:15:3: "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_bad_max_filesize_is_an_error_naming_the_option() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    for bad in ["4MB", "lots", "1.5M"] {
        let out = sb.fixgen(&["check", "--max-filesize", bad]);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{bad}: {err}");
        assert!(
            err.contains(&format!(
                "invalid value '{bad}' for '--max-filesize <SIZE>'"
            )),
            "{bad}: {err}"
        );
    }
}

/// A test function of over 256 KiB (a table of `rows` strings) with two
/// parallel subtests writing the test's `err`: a window large enough to
/// wait for its turn (engine::big_trees).
fn large_table_test(rows: usize) -> String {
    let mut text = String::from(
        "package x\n\nimport \"testing\"\n\nfunc f() error { return nil }\n\nfunc TestTable(t *testing.T) {\n\tvar err error\n\ttable := []string{\n",
    );
    for i in 0..rows {
        text.push_str(&format!("\t\t\"row number {i} of the large table\",\n"));
    }
    text.push_str("\t}\n");
    for name in ["one", "two"] {
        text.push_str(&format!(
            "\tt.Run(\"{name}\", func(t *testing.T) {{\n\t\tt.Parallel()\n\t\terr = f()\n\t\tt.Log(err, table)\n\t}})\n"
        ));
    }
    text.push_str("}\n");
    text
}

/// A thread waiting for its turn at a large tree runs other files' scans
/// meanwhile: each keeps its own text (a scan's read buffer is not shared
/// with the scan it interrupts), and every file is fixed.
#[test]
fn scans_run_while_waiting_for_a_large_tree_keep_their_own_text() {
    let sb = Sandbox::new();
    for i in 0..4 {
        sb.write(&format!("big{i}_test.go"), &large_table_test(8_000));
    }
    for i in 0..40 {
        sb.write(&format!("small{i}_test.go"), &sibling_subtests(2));
    }
    let out = sb.fixgen(&["preview", "-l", "."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let listed = stdout(&out);
    assert_eq!(listed.lines().count(), 44, "{listed}");
}
