//! `fixgen patch`: patches that `git am` applies to a fresh clone give
//! exactly the tree `fixgen apply` gives; the source tree is left alone.

mod support;

use std::path::Path;
use std::process::Command;
use support::{copy_dir, git, Sandbox};

/// A repository with two racy modules: two rules change something.
fn racy_repo() -> Sandbox {
    let sandbox = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e");
    copy_dir(
        &fixtures.join("parallel-subtests"),
        &sandbox.path().join("subtests"),
    );
    copy_dir(
        &fixtures.join("request-slices"),
        &sandbox.path().join("slices"),
    );
    sandbox.commit_all();
    sandbox
}

/// Every file under `dir` but .git, relative path → content.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn git_am_of_the_patches_gives_the_tree_apply_gives() {
    let repo = racy_repo();
    let before = tree(repo.path());
    let out_dir = tempfile::tempdir().unwrap();
    let out = repo.fixgen(&["patch", "--out", out_dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listed.contains("0001-parallel-subtest-shared-var.patch"),
        "{listed}"
    );
    assert!(
        listed.contains("0002-request-slice-alias.patch"),
        "{listed}"
    );
    assert_eq!(
        tree(repo.path()),
        before,
        "patch must not change the source tree"
    );

    let patch = std::fs::read_to_string(
        out_dir
            .path()
            .join("0001-parallel-subtest-shared-var.patch"),
    )
    .unwrap();
    let subject = patch.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(
        subject.contains("parallel-subtest-shared-var")
            && subject.len() <= "Subject: [PATCH 1/2] ".len() + 72,
        "{subject}"
    );
    assert!(
        patch.contains("\nFixgen-Marker: parallel-subtest-shared-var/"),
        "{patch}"
    );
    assert!(
        patch.contains("- subtests/tools_test.go:19: "),
        "places changed: {patch}"
    );

    let clones = tempfile::tempdir().unwrap();
    let patched = clones.path().join("patched");
    let applied = clones.path().join("applied");
    for dir in [&patched, &applied] {
        git(
            clones.path(),
            &[
                "clone",
                "-q",
                repo.path().to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
    }
    let mut patches: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".patch"))
        .collect();
    patches.sort();
    let mut am = vec!["am", "-q"];
    am.extend(patches.iter().map(String::as_str));
    git(&patched, &am);
    let log = git(&patched, &["log", "--format=%s"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "request-slice-alias: fix 2 findings in 1 file",
            "parallel-subtest-shared-var: fix 5 findings in 1 file",
            "init"
        ]
    );
    let apply = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .arg("apply")
        .current_dir(&applied)
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    assert_eq!(tree(&patched), tree(&applied));
    assert_ne!(tree(&patched), before);

    // Stable names: a second run rewrites the same files, and stale ones go.
    std::fs::copy(&patches[1], out_dir.path().join("0003-gone.patch")).unwrap();
    let again = repo.fixgen(&["patch", "--out", out_dir.path().to_str().unwrap()]);
    assert_eq!(again.stdout, out.stdout);
    assert!(!out_dir.path().join("0003-gone.patch").exists());
}

#[test]
fn patch_with_nothing_to_fix_writes_nothing() {
    let repo = Sandbox::new();
    repo.write("x.go", "package x\n\nfunc f() {}\n");
    repo.commit_all();
    let out = repo.fixgen(&["patch"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to fix"));
    let written: Vec<_> = std::fs::read_dir(repo.path().join("patches-out"))
        .unwrap()
        .collect();
    assert_eq!(written.len(), 1, "only the folder's own .gitignore");
    let status = git(repo.path(), &["status", "--porcelain"]);
    assert_eq!(status, "", "the output folder ignores itself");
}

#[test]
fn user_templates_replace_the_commit_message() {
    let repo = racy_repo();
    let templates = tempfile::tempdir().unwrap();
    std::fs::write(
        templates.path().join("commit.tera"),
        "fix({{ rule.id }}): {{ summary }}\n\nMarker {{ marker }}\n",
    )
    .unwrap();
    let out = repo.fixgen(&["patch", "--templates", templates.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let patch = repo.read("patches-out/0001-parallel-subtest-shared-var.patch");
    assert!(patch.contains("Subject: [PATCH 1/2] fix(parallel-subtest-shared-var): fix 5 findings in 1 file\n\nMarker parallel-subtest-shared-var/"), "{patch}");

    for broken in [
        "{{ broken",
        // A macro that calls itself aborted the process (stack overflow).
        "{% macro r(n) %}{{ self::r(n=n+1) }}{% endmacro r %}fix {{ self::r(n=0) }}",
    ] {
        std::fs::write(templates.path().join("commit.tera"), broken).unwrap();
        let out = repo.fixgen(&["patch", "--templates", templates.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{broken}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("commit.tera"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn patch_out_removes_only_the_patches_fixgen_wrote() {
    let repo = racy_repo();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path();
    let dir = out.to_str().unwrap();
    let first = repo.fixgen(&["patch", "--out", dir]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // A stale patch of fixgen's own, and the user's files beside it.
    let ours = std::fs::read_to_string(out.join("0002-request-slice-alias.patch")).unwrap();
    std::fs::write(out.join("0007-retired-rule.patch"), &ours).unwrap();
    let theirs = "From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] mine\n\n---\n";
    for name in [
        "0001-my-own.patch",
        "0099-notes.patch",
        "aaañ.patch",
        "ñññ-x.patch",
        "0001-ü.patch",
    ] {
        std::fs::write(out.join(name), theirs).unwrap();
    }

    let second = repo.fixgen(&["patch", "--out", dir]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let mut left: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".gitignore",
            "0001-my-own.patch",
            "0001-parallel-subtest-shared-var.patch",
            "0001-ü.patch",
            "0002-request-slice-alias.patch",
            "0099-notes.patch",
            "aaañ.patch",
            "ñññ-x.patch",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("0001-my-own.patch")).unwrap(),
        theirs
    );
}
