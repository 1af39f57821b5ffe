//! What `apply` may touch on disk, and what it leaves behind: symlinks and
//! nested repositories lead outside the repository, temporary files of a
//! killed run, edits made while it runs, odd file names, owners and modes.

mod support;

use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::Command;
use support::{code, fixed, stderr, stdout, Sandbox, RACY_TEST};

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

/// A folder outside any repository holding a racy test, as a link target.
fn outside_module() -> tempfile::TempDir {
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("go.mod"),
        "module example.com/o\n\ngo 1.22\n",
    )
    .unwrap();
    fs::write(outside.path().join("o_test.go"), RACY_TEST).unwrap();
    outside
}

#[test]
fn a_symlink_named_first_never_makes_its_target_the_repository() {
    let outside = outside_module();
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    std::os::unix::fs::symlink(
        outside.path().join("o_test.go"),
        sb.path().join("link_test.go"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), sb.path().join("sub")).unwrap();
    sb.commit_all();

    for named in ["link_test.go", "sub", "sub/o_test.go"] {
        let out = sb.fixgen(&["apply", named]);
        assert_eq!(code(&out), 0, "{named}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{named}: outside the repository")),
            "{named}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{named}: nothing is fixed");
        assert_eq!(
            read(&outside.path().join("o_test.go")),
            RACY_TEST,
            "{named}"
        );
    }
    assert_eq!(sb.read("x_test.go"), RACY_TEST);

    // The repository's own files are still fixed when a link comes first.
    let out = sb.fixgen(&["apply", "link_test.go", "x_test.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    assert_eq!(read(&outside.path().join("o_test.go")), RACY_TEST);
}

/// The pid of a process that has ended: a run that was killed.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_temporary_file_of_a_killed_apply_neither_blocks_nor_survives_the_next() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.commit_all();
    let stale = format!(".fixgen-{}-Ab12Cd.tmp", dead_pid());
    sb.write(&stale, "half a file");
    // One of a run still going is not ours to remove, and not the user's work.
    let live = format!(".fixgen-{}-Ef34Gh.tmp", std::process::id());
    sb.write(&live, "being written");

    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    assert!(!sb.path().join(&stale).exists(), "the stale one is removed");
    assert!(
        stderr(&out).contains(&format!(
            "removed {stale}, left by a fixgen run that was interrupted"
        )),
        "{}",
        stderr(&out)
    );
    assert!(sb.path().join(&live).exists(), "the live one is left alone");
}

#[test]
fn a_file_edited_while_apply_runs_keeps_the_edit_and_apply_fails() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.write("y_test.go", &RACY_TEST.replace("TestTools", "TestOther"));
    sb.commit_all();
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .arg("apply")
        .current_dir(sb.path())
        .env(
            "FIXGEN_TEST_BEFORE_WRITE",
            "printf '// mine\\n' >> x_test.go",
        )
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("x_test.go changed since it was read; not written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), format!("{RACY_TEST}// mine\n"));
    assert_eq!(
        sb.read("y_test.go"),
        fixed(&RACY_TEST.replace("TestTools", "TestOther")),
        "the other file is still fixed"
    );
}

#[test]
fn a_patch_for_a_file_name_with_a_newline_applies_with_git_apply() {
    let sb = Sandbox::new();
    let name = "odd\nname \"q\"\t_test.go";
    sb.write(name, RACY_TEST);
    sb.commit_all();
    let out = sb.fixgen(&["preview"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let patch = tempfile::NamedTempFile::new().unwrap();
    fs::write(patch.path(), &out.stdout).unwrap();
    let applied = Command::new("git")
        .args(["apply", "-v"])
        .arg(patch.path())
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}\n{}",
        stdout(&out),
        stderr(&applied)
    );
    assert_eq!(sb.read(name), fixed(RACY_TEST));
}

#[test]
fn a_file_name_that_is_not_utf8_is_skipped_with_a_warning() {
    use std::os::unix::ffi::OsStrExt as _;
    let sb = Sandbox::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff_test.go");
    fs::write(sb.path().join(name), RACY_TEST).unwrap();
    let out = sb.fixgen(&["apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the file name is not UTF-8; skipped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&sb.path().join(name)), RACY_TEST);
}

#[test]
fn a_fifo_named_on_the_command_line_is_skipped_with_a_warning() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let made = Command::new("mkfifo")
        .arg(sb.path().join("pipe.go"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = sb.fixgen(&["apply", "--allow-no-vcs", "pipe.go", "x_test.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: pipe.go: not a regular file or folder; skipped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
}

fn running_as_root() -> bool {
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

#[test]
fn an_unreadable_folder_named_on_the_command_line_is_skipped_with_a_warning() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    let locked = sb.write("locked/l_test.go", RACY_TEST);
    let locked = locked.parent().unwrap();
    fs::set_permissions(locked, fs::Permissions::from_mode(0o000)).unwrap();
    let mut command = if running_as_root() {
        // root reads any folder: run as nobody, who may use the sandbox.
        fs::set_permissions(sb.path(), fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(
            sb.path().join("x_test.go"),
            fs::Permissions::from_mode(0o666),
        )
        .unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(env!("CARGO_BIN_EXE_fixgen"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_fixgen"))
    };
    let out = command
        .args(["apply", "--allow-no-vcs", "x_test.go", "locked"])
        .current_dir(sb.path())
        .output()
        .unwrap();
    fs::set_permissions(locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: locked: cannot read"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    assert_eq!(sb.read("locked/l_test.go"), RACY_TEST);
}

#[test]
fn a_nested_repository_is_outside_the_outer_one() {
    let sb = Sandbox::new();
    sb.write("x_test.go", RACY_TEST);
    sb.write("inner/go.mod", "module example.com/inner\n\ngo 1.22\n");
    sb.write("inner/i_test.go", RACY_TEST);
    support::git(&sb.path().join("inner"), &["init", "-q", "-b", "main"]);
    support::git(&sb.path().join("inner"), &["add", "-A"]);
    support::git(&sb.path().join("inner"), &["commit", "-qm", "inner"]);

    // Walking: left alone without a word.
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "fixed x_test.go: parallel-subtest-shared-var (2 findings)\n"
    );
    assert!(!stderr(&out).contains("inner"), "{}", stderr(&out));
    assert_eq!(sb.read("inner/i_test.go"), RACY_TEST);

    // Named: left alone with a reason.
    let out = sb.fixgen(&["apply", "--allow-no-vcs", ".", "inner/i_test.go", "inner"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: inner/i_test.go: in the nested repository inner; not touched"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("warning: inner: in the nested repository inner; not touched"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("inner/i_test.go"), RACY_TEST);
}

#[test]
fn apply_keeps_the_owner_and_mode_of_the_file_it_replaces() {
    let sb = Sandbox::new();
    let path = sb.write("x_test.go", RACY_TEST);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let as_root = running_as_root();
    if as_root {
        std::os::unix::fs::chown(&path, Some(1234), Some(1235)).unwrap();
    }
    let out = sb.fixgen(&["apply", "--allow-no-vcs"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("x_test.go"), fixed(RACY_TEST));
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if as_root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 1235));
    }
}
