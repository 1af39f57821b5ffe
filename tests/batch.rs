//! `fixgen batch` over local git repositories, as a platform team would run
//! it: a racy one, a clean one, one that cannot be cloned, and one whose
//! patches would not apply (an `ident` checkout filter changes its files).

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{copy_dir, git};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A git repository at `dir` holding a copy of fixtures/e2e/`module`.
fn repo_of(dir: &Path, module: &str) {
    copy_dir(&root().join("fixtures/e2e").join(module), dir);
    commit_all(dir);
}

fn commit_all(dir: &Path) {
    if !dir.join(".git").exists() {
        git(dir, &["init", "-q", "-b", "main"]);
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "change"]);
}

fn clean_repo(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("go.mod"), "module example.com/clean\n\ngo 1.22\n").unwrap();
    fs::write(
        dir.join("f.go"),
        "package clean\n\nfunc F() int { return 1 }\n",
    )
    .unwrap();
    commit_all(dir);
}

/// Checkouts expand `$Id$`, so the files fixgen reads are not the
/// committed ones and a patch made from them does not apply to the commit.
fn filtered_repo(dir: &Path) {
    repo_of(dir, "parallel-subtests");
    fs::write(dir.join(".gitattributes"), "*.go ident\n").unwrap();
    let path = dir.join("tools_test.go");
    let body = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("// $Id$\n{body}")).unwrap();
    commit_all(dir);
    fs::remove_file(&path).unwrap();
    git(dir, &["checkout", "tools_test.go"]);
}

struct World {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

/// Four repositories under `src/` and `repos.toml` listing them.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    repo_of(&dir.join("src/racy"), "parallel-subtests");
    clean_repo(&dir.join("src/clean"));
    filtered_repo(&dir.join("src/filtered"));
    fs::write(
        dir.join("repos.toml"),
        "[[repo]]\nurl = \"src/racy\"\nname = \"acme/racy\"\n\n\
         [[repo]]\nurl = \"src/clean\"\nbase = \"main\"\n\n\
         [[repo]]\nurl = \"src/gone\"\n\n\
         [[repo]]\nurl = \"src/filtered\"\n",
    )
    .unwrap();
    World { _tmp: tmp, dir }
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

fn status_of(manifest: &Value, name: &str) -> String {
    manifest["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {manifest:#}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
}

#[test]
fn one_batch_records_every_outcome_and_its_patches_apply() {
    let w = world();
    let out = fixgen(
        &w.dir,
        &["batch", "repos.toml", "--out", "out", "--jobs", "2"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a repository failed: {}",
        text(&out.stderr)
    );
    let m = manifest(&w.dir.join("out"));
    assert_eq!(status_of(&m, "acme/racy"), "patched");
    assert_eq!(status_of(&m, "clean"), "clean");
    assert_eq!(status_of(&m, "gone"), "failed");
    assert_eq!(status_of(&m, "filtered"), "failed");
    let repos = m["repos"].as_array().unwrap();
    let racy = repos.iter().find(|r| r["name"] == "acme/racy").unwrap();
    assert_eq!(
        racy["base_commit"].as_str().unwrap(),
        git(&w.dir.join("src/racy"), &["rev-parse", "HEAD"]).trim()
    );
    assert_eq!(
        racy["patches"],
        serde_json::json!(["acme/racy/0001-parallel-subtest-shared-var.patch"])
    );
    let gone = repos.iter().find(|r| r["name"] == "gone").unwrap();
    assert!(gone["error"]
        .as_str()
        .unwrap()
        .contains("no such repository"));
    let filtered = repos.iter().find(|r| r["name"] == "filtered").unwrap();
    assert!(filtered["error"]
        .as_str()
        .unwrap()
        .contains("tools_test.go"));
    assert!(
        !w.dir
            .join("out/filtered/0001-parallel-subtest-shared-var.patch")
            .exists(),
        "patches that do not apply are not left behind"
    );

    // The summary: counts, findings by rule, failures with reasons.
    let summary = text(&out.stdout);
    assert!(
        summary.contains("4 repositories: 1 clean, 2 failed, 1 patched."),
        "{summary}"
    );
    assert!(
        summary.contains("| `parallel-subtest-shared-var` | 5 |"),
        "{summary}"
    );
    assert!(summary.contains("- **gone**:"), "{summary}");
    assert!(w.dir.join("out/summary.md").exists() && w.dir.join("out/summary.json").exists());

    // git am on a fresh clone gives what `fixgen apply` gives.
    let clone = w.dir.join("am");
    git(&w.dir, &["clone", "-q", "src/racy", "am"]);
    let patch = w
        .dir
        .join("out/acme/racy/0001-parallel-subtest-shared-var.patch");
    git(&clone, &["am", "-q", patch.to_str().unwrap()]);
    let applied = w.dir.join("applied");
    git(&w.dir, &["clone", "-q", "src/racy", "applied"]);
    assert_eq!(fixgen(&applied, &["apply"]).status.code(), Some(0));
    assert_eq!(
        fs::read_to_string(clone.join("tools_test.go")).unwrap(),
        fs::read_to_string(applied.join("tools_test.go")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn resume_rewrites_nothing_and_only_failed_retries_the_failures() {
    let w = world();
    fixgen(&w.dir, &["batch", "repos.toml", "--out", "out"]);
    let out = w.dir.join("out");
    let before = fs::read_to_string(out.join("manifest.json")).unwrap();
    let patch = out.join("acme/racy/0001-parallel-subtest-shared-var.patch");
    let patch_inode = inode(&patch);
    let again = fixgen(&w.dir, &["batch", "repos.toml", "--out", "out", "--resume"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("acme/racy: patched (unchanged, skipped)"));
    assert_eq!(
        fs::read_to_string(out.join("manifest.json")).unwrap(),
        before
    );
    // The failures are tried again (and fail the same way); what is done
    // is left as it is.
    assert_eq!(inode(&patch), patch_inode, "the patch is not rewritten");

    // A new commit on a done repository is redone by --resume.
    let racy = w.dir.join("src/racy");
    fs::write(racy.join("extra.go"), "package parallelsubtests\n").unwrap();
    commit_all(&racy);
    fixgen(&w.dir, &["batch", "repos.toml", "--out", "out", "--resume"]);
    let m = manifest(&out);
    let new_head = git(&racy, &["rev-parse", "HEAD"]);
    assert!(m["repos"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "acme/racy" && r["base_commit"] == new_head.trim()));

    // The missing repository appears; --only failed runs just the failures.
    clean_repo(&w.dir.join("src/gone"));
    let retried = fixgen(
        &w.dir,
        &["batch", "repos.toml", "--out", "out", "--only", "failed"],
    );
    let stderr = text(&retried.stderr);
    assert!(!stderr.contains("acme/racy"), "{stderr}");
    let m = manifest(&out);
    assert_eq!(status_of(&m, "gone"), "clean");
    assert_eq!(status_of(&m, "filtered"), "failed");
    assert_eq!(status_of(&m, "acme/racy"), "patched");
}

#[test]
fn two_shards_cover_the_list_once_and_the_report_merges_them() {
    let w = world();
    let names: BTreeSet<String> = ["acme/racy", "clean", "gone", "filtered"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for (shard, out) in [("1/2", "s1"), ("2/2", "s2")] {
        fixgen(
            &w.dir,
            &["batch", "repos.toml", "--out", out, "--shard", shard],
        );
        let m = manifest(&w.dir.join(out));
        seen.extend(
            m["repos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(
        seen.len(),
        names.len(),
        "each repository in one shard: {seen:?}"
    );
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), names);
    let report = fixgen(&w.dir, &["batch-report", "s1", "s2", "--format", "json"]);
    assert_eq!(report.status.code(), Some(0));
    let merged: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(merged["repositories"], 4);
    assert_eq!(merged["by_status"]["failed"], 2);
    let markdown = fixgen(&w.dir, &["batch-report", "s1", "s2"]);
    assert!(text(&markdown.stdout).contains("4 repositories"));
    let missing = fixgen(&w.dir, &["batch-report", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_killed_run_resumes_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut list = String::new();
    for i in 0..12 {
        repo_of(&dir.join(format!("src/r{i}")), "parallel-subtests");
        list.push_str(&format!("[[repo]]\nurl = \"src/r{i}\"\n\n"));
    }
    fs::write(dir.join("repos.toml"), list).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(["batch", "repos.toml", "--out", "out", "--jobs", "1"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as one repository is done.
    let done = |m: &Value| {
        m["repos"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|r| r["status"] == "patched").count())
    };
    loop {
        if let Ok(t) = fs::read_to_string(dir.join("out/manifest.json")) {
            let m: Value = serde_json::from_str(&t).expect("the manifest is whole at every moment");
            if done(&m) >= 1 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let interrupted = manifest(&dir.join("out"));
    assert!(
        done(&interrupted) < 12,
        "killed before the end: {interrupted:#}"
    );
    let first_done = interrupted["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "patched")
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();

    let resumed = fixgen(dir, &["batch", "repos.toml", "--out", "out", "--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stderr).contains(&format!("{first_done}: patched (unchanged, skipped)")));
    let m = manifest(&dir.join("out"));
    assert_eq!(done(&m), 12, "{m:#}");
    for i in 0..12 {
        assert!(dir
            .join(format!("out/r{i}/0001-parallel-subtest-shared-var.patch"))
            .exists());
    }
}

#[test]
fn a_broken_list_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("repos.toml"),
        "[[repo]]\nurl = \"a\"\n\n[[repo]]\nurl = \"b\"\nbranch = \"main\"\n",
    )
    .unwrap();
    let out = fixgen(tmp.path(), &["batch", "repos.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("repos.toml:") && stderr.contains("branch"),
        "{stderr}"
    );
}

#[test]
fn verify_race_proves_each_repository_and_says_so_in_patch_and_manifest() {
    if !support::require_tool("go") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    repo_of(&tmp.path().join("racy"), "parallel-subtests");
    fs::write(
        tmp.path().join("repos.toml"),
        "[[repo]]\nurl = \"racy\"\nname = \"acme/racy\"\n",
    )
    .unwrap();
    let out = fixgen(
        tmp.path(),
        &[
            "batch",
            "repos.toml",
            "--out",
            "out",
            "--verify=race",
            "--race-count=2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = manifest(&tmp.path().join("out"));
    assert_eq!(status_of(&manifest, "acme/racy"), "patched");
    let lines: Vec<String> = manifest["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "acme/racy")
        .unwrap()["verification"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert!(
        lines.iter().any(|l| l.ends_with("gofmt, build, vet: ok")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("go test -race -count=2: race seen before (")
                && l.ends_with("gone after")),
        "{lines:?}"
    );
    let patch = fs::read_to_string(
        tmp.path()
            .join("out/acme/racy/0001-parallel-subtest-shared-var.patch"),
    )
    .unwrap();
    assert!(patch.contains("), gone after."), "{patch}");
}

/// A run killed while git wrote in its scratch clone leaves a lock file
/// there (seen as a flaky `a_killed_run_resumes_where_it_stopped`): the
/// next run starts that clone afresh instead of failing the repository.
#[test]
fn a_scratch_clone_left_locked_by_a_killed_run_is_cloned_again() {
    let w = world();
    fixgen(&w.dir, &["batch", "repos.toml", "--out", "out"]);
    let clone = w.dir.join("out/.work/acme/racy");
    assert!(
        clone.join(".git").is_dir(),
        "the batch keeps its clone at {clone:?}"
    );
    // Killed right after `git init`, while adding the remote.
    fs::remove_dir_all(&clone).unwrap();
    fs::create_dir_all(&clone).unwrap();
    git(&clone, &["init", "-q"]);
    fs::write(clone.join(".git/config.lock"), "").unwrap();
    // A new commit makes --resume redo the repository in that clone.
    let racy = w.dir.join("src/racy");
    fs::write(racy.join("extra.go"), "package parallelsubtests\n").unwrap();
    commit_all(&racy);
    let again = fixgen(&w.dir, &["batch", "repos.toml", "--out", "out", "--resume"]);
    let m = manifest(&w.dir.join("out"));
    assert_eq!(
        status_of(&m, "acme/racy"),
        "patched",
        "{}",
        text(&again.stderr)
    );
}

/// Every text a batch run leaves for people to read: stdout, stderr, the
/// manifest and both summaries.
fn everything_shown(out: &Output, dir: &Path) -> String {
    let mut all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for file in ["manifest.json", "summary.md", "summary.json"] {
        all.push_str(&fs::read_to_string(dir.join(file)).unwrap_or_default());
    }
    all
}

#[test]
fn credentials_in_a_repository_url_are_neither_shown_nor_stored() {
    use base64::Engine as _;
    let tmp = tempfile::tempdir().unwrap();
    let secret = "glpat-Zq8v2LrT5wXk9NcB4mHd";
    // Nothing listens on port 1: the clone fails, and its error is recorded.
    fs::write(
        tmp.path().join("repos.toml"),
        format!("[[repo]]\nurl = \"http://bot:{secret}@127.0.0.1:1/acme/api.git\"\n"),
    )
    .unwrap();
    let out = fixgen(tmp.path(), &["batch", "repos.toml", "--out", "out"]);
    let shown = everything_shown(&out, &tmp.path().join("out"));
    assert_eq!(out.status.code(), Some(1), "{shown}");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("bot:{secret}"));
    assert!(!shown.contains(secret), "the token leaked:\n{shown}");
    assert!(!shown.contains(&basic), "its Basic form leaked:\n{shown}");
    assert!(!shown.contains("bot:"), "the userinfo leaked:\n{shown}");
    let repo = &manifest(&tmp.path().join("out"))["repos"][0];
    assert_eq!(repo["url"], "http://127.0.0.1:1/acme/api.git");
    assert_eq!(repo["status"], "failed");
    // Nor in any file the batch leaves, the clone's git config included.
    for file in files_under(&tmp.path().join("out")) {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).to_string();
        assert!(!text.contains(secret), "{} holds the token", file.display());
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A list of one clean repository, and its batch output folder.
fn one_clean_repository() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    clean_repo(&tmp.path().join("src/clean"));
    fs::write(
        tmp.path().join("repos.toml"),
        "[[repo]]\nurl = \"src/clean\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    (tmp, out)
}

#[test]
fn a_second_batch_on_the_same_out_is_refused_while_the_first_runs() {
    let (tmp, out) = one_clean_repository();
    fs::create_dir_all(&out).unwrap();
    // This test process plays the running batch: it holds the lock.
    let lock = fs::File::create(out.join(".lock")).unwrap();
    lock.try_lock().unwrap();
    fs::write(out.join(".lock"), format!("{}\n", std::process::id())).unwrap();

    let refused = fixgen(tmp.path(), &["batch", "repos.toml", "--out", "out"]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another batch") && stderr.contains(&format!("pid {}", std::process::id())),
        "{stderr}"
    );
    assert!(
        !out.join("manifest.json").exists(),
        "the second run wrote nothing"
    );

    drop(lock);
    let after = fixgen(tmp.path(), &["batch", "repos.toml", "--out", "out"]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(status_of(&manifest(&out), "clean"), "clean");
}

#[test]
fn a_lock_left_by_a_dead_batch_is_taken_over() {
    let (tmp, out) = one_clean_repository();
    fs::create_dir_all(&out).unwrap();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    fs::write(out.join(".lock"), format!("{dead}\n")).unwrap();
    let run = fixgen(tmp.path(), &["batch", "repos.toml", "--out", "out"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(status_of(&manifest(&out), "clean"), "clean");
}

#[test]
fn a_name_inside_another_repositorys_folder_is_refused_with_both_lines() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("repos.toml"),
        "[[repo]]\nurl = \"a\"\nname = \"acme\"\n\n[[repo]]\nurl = \"b\"\nname = \"other\"\n\n\
         [[repo]]\nurl = \"c\"\nname = \"acme/bytes\"\n",
    )
    .unwrap();
    let out = fixgen(tmp.path(), &["batch", "repos.toml", "--out", "out"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("repos.toml:9:")
            && stderr.contains("`acme/bytes`")
            && stderr.contains("`acme` (line 1)"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out").exists(), "nothing was started");
}
