//! fixgen where a team's tools call it: shell completions and the
//! pre-commit hooks this repository declares, run as those tools run them.

mod support;

use std::path::Path;
use std::process::Command;
use support::{code, stderr, stdout, Sandbox};

/// A test with two parallel subtests writing the parent's `err`.
const RACY_TEST: &str = r#"package x

import "testing"

func step(string) error { return nil }

func TestSteps(t *testing.T) {
	var err error
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err = step(name)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
"#;

#[test]
fn bash_completes_commands_and_options_from_the_generated_script() {
    let sandbox = Sandbox::new();
    let out = sandbox.fixgen(&["completions", "bash"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let script = sandbox.write("fixgen.bash", &stdout(&out));
    if !support::require_tool("bash") {
        return;
    }
    let complete = |words: &str| {
        let probe = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _fixgen fixgen \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").args(["-c", &probe]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(complete("fixgen pre"), "preview\n");
    assert!(complete("fixgen check --str").contains("--strict"));
    assert!(complete("fixgen check --format ''").contains("sarif"));
}

#[test]
fn zsh_and_fish_scripts_are_printed_and_an_unknown_shell_is_an_error() {
    let sandbox = Sandbox::new();
    for (shell, marker) in [("zsh", "#compdef fixgen"), ("fish", "complete -c fixgen")] {
        let out = sandbox.fixgen(&["completions", shell]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(stdout(&out).contains(marker), "{shell}: {}", stdout(&out));
    }
    let out = sandbox.fixgen(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&out)
    );
}

/// The `entry` of each hook in .pre-commit-hooks.yaml, by id.
fn hook_entries() -> Vec<(String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(file).unwrap();
    let mut hooks = Vec::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("- id: ") {
            id = Some(rest.trim().to_string());
        } else if let Some(entry) = line.trim().strip_prefix("entry: ") {
            hooks.push((id.clone().expect("entry before id"), entry.to_string()));
        }
    }
    hooks
}

/// Runs a hook as pre-commit does: its entry, then the staged file names.
fn run_hook(sandbox: &Sandbox, entry: &str, files: &[&str]) -> std::process::Output {
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("fixgen"), "{entry}");
    let args: Vec<&str> = words.chain(files.iter().copied()).collect();
    sandbox.fixgen(&args)
}

#[test]
fn the_pre_commit_hooks_stop_a_racy_commit_and_fix_it() {
    let hooks = hook_entries();
    let ids: Vec<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["fixgen-check", "fixgen-apply"]);
    let sandbox = Sandbox::new();
    sandbox.write("x_test.go", "package x\n");
    sandbox.commit_all();
    sandbox.write("x_test.go", RACY_TEST);
    sandbox.git(&["add", "x_test.go"]);

    let check = run_hook(&sandbox, &hooks[0].1, &["x_test.go"]);
    assert_eq!(code(&check), 1, "{}", stderr(&check));
    assert!(
        stdout(&check).contains("x_test.go:12:"),
        "{}",
        stdout(&check)
    );

    // Staged changes make the tree dirty: the hook must still apply.
    let apply = run_hook(&sandbox, &hooks[1].1, &["x_test.go"]);
    assert_eq!(code(&apply), 0, "{}", stderr(&apply));
    assert!(sandbox
        .read("x_test.go")
        .contains("\t\t\terr := step(name)\n"));

    let again = run_hook(&sandbox, &hooks[0].1, &["x_test.go"]);
    assert_eq!(code(&again), 0, "{}", stdout(&again));
}

/// RACY_TEST with its race judged: an ignore directive, with a reason, on
/// the line above the write or trailing it.
fn judged(above: bool) -> String {
    let directive = "//fixgen:ignore parallel-subtest-shared-var step holds its own lock";
    let write = "\t\t\terr = step(name)";
    let with = match above {
        true => format!("\t\t\t{directive}\n{write}"),
        false => format!("{write} {directive}"),
    };
    RACY_TEST.replace(write, &with)
}

/// The GitHub Action's gate step (`scripts/action.sh check`), run as the
/// action runs it: in the checkout, its inputs in the environment.
fn action_check(sandbox: &Sandbox) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh");
    Command::new(script)
        .arg("check")
        .current_dir(sandbox.path())
        .env("FIXGEN", env!("CARGO_BIN_EXE_fixgen"))
        .env("FIXGEN_PATHS", "./...")
        .output()
        .unwrap()
}

#[test]
fn the_action_gate_annotates_a_race_and_passes_once_it_is_judged() {
    let sandbox = Sandbox::new();
    sandbox.write("x_test.go", RACY_TEST);
    let out = action_check(&sandbox);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(
            "::error file=x_test.go,line=12,col=4,title=fixgen parallel-subtest-shared-var::`err`"
        ),
        "{}",
        stdout(&out)
    );

    sandbox.write("x_test.go", &judged(true));
    let out = action_check(&sandbox);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
}

/// A new user's first gate: `check ./...` on their module fails on a
/// race, the race is judged and suppressed with a reason, and the same
/// command passes.
#[test]
fn a_new_user_suppresses_a_judged_finding_and_the_gate_passes() {
    let sandbox = Sandbox::new();
    sandbox.write("pkg/x_test.go", RACY_TEST);
    let out = sandbox.fixgen(&["check", "./..."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("pkg/x_test.go:12:4: parallel-subtest-shared-var: "),
        "{}",
        stdout(&out)
    );
    sandbox.write("pkg/x_test.go", &judged(false));
    let out = sandbox.fixgen_in("pkg", &["check", "./..."]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("1 ignored by //fixgen:ignore"),
        "{}",
        stderr(&out)
    );
}
