//! `--verify`: fixes are proven with the go command before anything is
//! written or published. Run on a copy of the racy parallel-subtests module
//! (a git repository), with the built-in rule and a deliberately wrong rule
//! (`tests/data/broken-rule`) whose fix does not build.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{copy_dir, git, require_tool};

fn module() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e/parallel-subtests"),
        &dir,
    );
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "init"]);
    (tmp, dir)
}

fn broken_rule() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-rule")
}

fn fixgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `fixgen --rules RULES --rule RULE apply --verify` in `dir`, or with
/// `--no-verify` (a user rule's fixes are built first by default).
fn apply_rule(dir: &Path, rules: &Path, rule: &str, verify: bool) -> Output {
    let mut args = vec!["--rules", rules.to_str().unwrap(), "--rule", rule, "apply"];
    args.push(if verify { "--verify" } else { "--no-verify" });
    fixgen(dir, &args)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn verify_race_reports_the_race_seen_before_and_gone_after() {
    if !require_tool("go") {
        return;
    }
    let (_tmp, dir) = module();
    let out = fixgen(&dir, &["apply", "--verify=race", "--race-count=3"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("fixed tools_test.go: parallel-subtest-shared-var"),
        "{stdout}"
    );
    assert!(
        stderr.contains("verify: . (example.com/e2e/parallelsubtests): gofmt, build, vet: ok"),
        "{stderr}"
    );
    let race_line = stderr
        .lines()
        .find(|l| l.starts_with("verify: .: go test -race -count=3: "))
        .unwrap_or_else(|| panic!("no race line in:\n{stderr}"));
    assert!(
        race_line.contains("race seen before (") && race_line.ends_with("gone after"),
        "{race_line}"
    );
    // The same fix as without --verify.
    let (_tmp2, plain) = module();
    assert_eq!(fixgen(&plain, &["apply"]).status.code(), Some(0));
    assert_eq!(read(&dir, "tools_test.go"), read(&plain, "tools_test.go"));
}

#[test]
fn a_fix_that_does_not_build_is_left_out_with_the_compilers_message() {
    if !require_tool("go") {
        return;
    }
    let (_tmp, dir) = module();
    let rules = broken_rule();
    let rules = rules.to_str().unwrap();
    let before_workspace = read(&dir, "workspace.go");
    let out = fixgen(
        &dir,
        &[
            "--rules",
            rules,
            "--rule",
            "rename-register",
            "--rule",
            "parallel-subtest-shared-var",
            "apply",
            "--verify",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("verify: .: rename-register's fixes left out"),
        "{stderr}"
    );
    assert!(
        stderr.contains("workspace.go:14:21: ws.Store.RegisterApplication undefined"),
        "the compiler's message, with the repository's path: {stderr}"
    );
    assert!(
        !stderr.contains("parallel-subtest-shared-var's fixes left out"),
        "the good fix stays: {stderr}"
    );
    assert_eq!(
        read(&dir, "workspace.go"),
        before_workspace,
        "never written"
    );
    assert!(read(&dir, "tools_test.go").contains("err := store.UpdateAppHealth"));

    // With --no-verify the broken fix is written: the test above can fail.
    let (_tmp2, unverified) = module();
    let out = fixgen(
        &unverified,
        &[
            "--rules",
            rules,
            "--rule",
            "rename-register",
            "apply",
            "--no-verify",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(read(&unverified, "workspace.go").contains("RegisterApplication"));

    // Without either, a rule of the user's own is built first all the same.
    let (_tmp3, by_default) = module();
    let out = fixgen(
        &by_default,
        &["--rules", rules, "--rule", "rename-register", "apply"],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert_eq!(
        read(&by_default, "workspace.go"),
        before_workspace,
        "never written"
    );
}

#[test]
fn patches_and_pr_bodies_leave_the_broken_fix_out_and_say_what_was_verified() {
    if !require_tool("go") {
        return;
    }
    let (tmp, dir) = module();
    let rules = broken_rule();
    let rules = rules.to_str().unwrap();
    let out_dir = tmp.path().join("patches");
    let out = fixgen(
        &dir,
        &[
            "--rules",
            rules,
            "--rule",
            "rename-register",
            "--rule",
            "parallel-subtest-shared-var",
            "patch",
            "--verify",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".patch"))
        .collect();
    assert_eq!(
        names,
        ["0001-parallel-subtest-shared-var.patch"],
        "{stderr}"
    );
    let patch = read(&out_dir, "0001-parallel-subtest-shared-var.patch");
    assert!(
        patch.contains("`example.com/e2e/parallelsubtests`: `gofmt -l`, `go build` and `go vet` pass with the fix"),
        "{patch}"
    );
    assert_eq!(
        git(&dir, &["status", "--porcelain"]),
        "",
        "the tree is untouched"
    );

    // A dry run checks what a real run needs: a forge's remote and a token.
    git(
        &dir,
        &["remote", "add", "origin", "https://github.com/acme/api.git"],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(["pr", "--base", "main", "--dry-run"])
        .args(["--verify=race", "--race-count=2"])
        .current_dir(&dir)
        .env("GITHUB_TOKEN", "test-token-not-used")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("`go test -race -count=2`: race seen before (")
            && stdout.contains("), gone after"),
        "the PR body says what was verified: {stdout}"
    );
}

#[test]
fn verify_without_go_fails_clearly_and_changes_nothing() {
    let (_tmp, dir) = module();
    let before = read(&dir, "tools_test.go");
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(["apply", "--verify"])
        .current_dir(&dir)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--verify needs the go command"), "{stderr}");
    assert_eq!(read(&dir, "tools_test.go"), before);
}

/// A module where `Registry.RegisterLocal` exists only without the
/// `cluster_proxy` tag (unless `proxy_has_it`), and a rule whose fix calls
/// it from a file every build compiles.
fn tagged_module(proxy_has_it: bool) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("registry");
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("go.mod", "module example.com/registry\n\ngo 1.22\n");
    write(
        "registry.go",
        "// Package registry keeps the services a node announces.\npackage registry\n\n\
         // Registry records services by name.\ntype Registry struct {\n\tnames []string\n}\n\n\
         // Register records a service.\nfunc (r *Registry) Register(name string) error {\n\
         \tr.names = append(r.names, name)\n\treturn nil\n}\n",
    );
    write(
        "register_direct.go",
        "//go:build !cluster_proxy\n\npackage registry\n\n\
         // RegisterLocal records a service reached without the proxy.\n\
         func (r *Registry) RegisterLocal(name string) error {\n\
         \tr.names = append(r.names, \"local/\"+name)\n\treturn nil\n}\n",
    );
    let proxy_method = if proxy_has_it {
        "\n// RegisterLocal records a service behind the proxy.\n\
         func (r *Registry) RegisterLocal(name string) error {\n\
         \tr.names = append(r.names, ProxyPrefix+name)\n\treturn nil\n}\n"
    } else {
        ""
    };
    write(
        "register_proxy.go",
        &format!(
            "//go:build cluster_proxy\n\npackage registry\n\n\
             // ProxyPrefix names services reached through the cluster proxy.\n\
             const ProxyPrefix = \"proxy/\"\n{proxy_method}"
        ),
    );
    write(
        "node.go",
        "package registry\n\n// Announce registers the node's services.\n\
         func Announce(r *Registry, services []string) error {\n\
         \tfor _, s := range services {\n\t\tif err := r.Register(s); err != nil {\n\
         \t\t\treturn err\n\t\t}\n\t}\n\treturn nil\n}\n",
    );
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "init"]);
    let rules = tmp.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("prefer-register-local.toml"),
        r#"id = "prefer-register-local"
title = "Calls RegisterLocal, which only the default build declares"
rationale = "A fix that builds without tags only: --verify must build with -tags cluster_proxy too."
enabled = false
prefilter = [".Register("]
query = '''
(call_expression
  function: (selector_expression field: (field_identifier) @name)
  (#eq? @name "Register")) @call
'''
report = "call"
message = "calls RegisterLocal"

[fix]
action = "replace"
capture = "name"
template = "RegisterLocal"
"#,
    )
    .unwrap();
    (tmp, dir, rules)
}

fn go_build(dir: &Path, tags: &[&str]) -> bool {
    let mut args = vec!["build"];
    args.extend(tags);
    args.push("./...");
    Command::new("go")
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_fix_that_breaks_only_under_a_build_tag_is_left_out_naming_the_tags() {
    if !require_tool("go") {
        return;
    }
    let (_tmp, dir, rules) = tagged_module(false);
    let before = read(&dir, "node.go");
    let out = apply_rule(&dir, &rules, "prefer-register-local", true);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("verify: .: prefer-register-local's fixes left out"),
        "{stderr}"
    );
    assert!(
        stderr.contains("go build -tags cluster_proxy:")
            && stderr.contains("node.go:6:15: r.RegisterLocal undefined"),
        "the failing build names its tags and the compiler's message: {stderr}"
    );
    assert_eq!(read(&dir, "node.go"), before, "never written");

    // Without --verify the fix is written, and it does build without tags:
    // only the build with -tags cluster_proxy shows it is wrong.
    let out = apply_rule(&dir, &rules, "prefer-register-local", false);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(read(&dir, "node.go").contains("r.RegisterLocal(s)"));
    assert!(go_build(&dir, &[]));
    assert!(!go_build(&dir, &["-tags", "cluster_proxy"]));
}

#[test]
fn a_fix_that_builds_under_every_tag_passes_and_says_which_builds_ran() {
    if !require_tool("go") {
        return;
    }
    let (_tmp, dir, rules) = tagged_module(true);
    let out = apply_rule(&dir, &rules, "prefer-register-local", true);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("verify: . (example.com/registry): gofmt, build, vet: ok"),
        "{stderr}"
    );
    assert!(
        stderr.contains("verify: .: -tags cluster_proxy: build, vet: ok"),
        "{stderr}"
    );
    assert!(read(&dir, "node.go").contains("r.RegisterLocal(s)"));
}

#[test]
fn a_constraint_in_an_imported_package_of_the_repository_gets_its_build_too() {
    if !require_tool("go") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("waits");
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("go.mod", "module example.com/waits\n\ngo 1.22\n");
    write(
        "limits/limits.go",
        "// Package limits holds the service's bounds.\npackage limits\n\n\
         // Short bounds quick calls.\nconst Short = 2\n",
    );
    write(
        "limits/limits_direct.go",
        "//go:build !cluster_proxy\n\npackage limits\n\n\
         // Direct bounds calls that skip the proxy.\nconst Direct = 5\n",
    );
    write(
        "client/client.go",
        "// Package client calls the service.\npackage client\n\n\
         import \"example.com/waits/limits\"\n\n\
         // Attempts is how often a call is tried.\nfunc Attempts() int { return limits.Short }\n",
    );
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "init"]);
    let rules = tmp.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("use-direct.toml"),
        r#"id = "use-direct"
title = "Uses limits.Direct, which only the default build declares"
rationale = "A fix that builds without tags only, in another package than the constraint."
enabled = false
prefilter = ["limits.Short"]
query = '''
(selector_expression field: (field_identifier) @name (#eq? @name "Short")) @sel
'''
report = "sel"
message = "uses Direct"

[fix]
action = "replace"
capture = "name"
template = "Direct"
"#,
    )
    .unwrap();
    let out = apply_rule(&dir, &rules, "use-direct", true);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("verify: client: use-direct's fixes left out")
            && stderr.contains("go build -tags cluster_proxy:")
            && stderr.contains("undefined: limits.Direct"),
        "{stderr}"
    );
    assert!(read(&dir, "client/client.go").contains("limits.Short"));
}
