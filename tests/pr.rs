//! `fixgen pr` end to end: a real push over git to a local bare
//! repository, and the forge API exercised against a small HTTP server on
//! 127.0.0.1 that speaks the GitHub and GitLab endpoints fixgen uses.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use support::{git, Sandbox};

const TOKEN: &str = "tok-3f9a7c1e-never-print-me";

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Default)]
struct ForgeState {
    requests: Vec<Request>,
    /// Pull requests as the forge would list them (JSON, newest last).
    pulls: Vec<Value>,
    /// Answer the next write with 429 and Retry-After: 1.
    rate_limit_next_write: bool,
    /// Answer everything with 401 and the credentials received, raw and
    /// base64-encoded, as a misconfigured proxy might.
    echo_credentials: bool,
    /// Appended to the URLs of pull requests (a forge that puts a token there).
    url_suffix: String,
}

/// A forge on 127.0.0.1: `github` or `gitlab` flavour.
struct FakeForge {
    url: String,
    state: Arc<Mutex<ForgeState>>,
}

impl FakeForge {
    fn start(gitlab: bool) -> FakeForge {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ForgeState::default()));
        let shared = state.clone();
        let base = url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                let (status, extra, body) = answer(&shared, &request, gitlab, &base);
                shared.lock().unwrap().requests.push(request);
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        FakeForge { url, state }
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    fn pulls(&self) -> Vec<Value> {
        self.state.lock().unwrap().pulls.clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn query(path: &str, key: &str) -> Option<String> {
    let (_, q) = path.split_once('?')?;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// (status line, extra headers, JSON body).
fn answer(
    state: &Mutex<ForgeState>,
    request: &Request,
    gitlab: bool,
    base: &str,
) -> (String, String, String) {
    let mut state = state.lock().unwrap();
    if state.echo_credentials {
        return (
            "401 Unauthorized".into(),
            String::new(),
            echoed_credentials(request).to_string(),
        );
    }
    let write = request.method != "GET";
    if write && state.rate_limit_next_write {
        state.rate_limit_next_write = false;
        return (
            "429 Too Many Requests".into(),
            "Retry-After: 1\r\n".into(),
            "{}".into(),
        );
    }
    let ok = |v: &Value| ("200 OK".to_string(), String::new(), v.to_string());
    let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
    let route = request.path.split('?').next().unwrap_or("");
    let (list, item) = if gitlab {
        (
            "/projects/acme%2Fapi/merge_requests",
            "/projects/acme%2Fapi/merge_requests/",
        )
    } else {
        ("/repos/acme/api/pulls", "/repos/acme/api/pulls/")
    };
    match (request.method.as_str(), route) {
        ("GET", r) if r == list => {
            let branch = if gitlab {
                query(&request.path, "source_branch")
            } else {
                query(&request.path, "head").map(|h| h.trim_start_matches("acme:").to_string())
            };
            let found: Vec<Value> = state
                .pulls
                .iter()
                .rev()
                .filter(|p| {
                    let head = if gitlab {
                        &p["source_branch"]
                    } else {
                        &p["head"]["ref"]
                    };
                    Some(head.as_str().unwrap_or("")) == branch.as_deref()
                })
                .cloned()
                .collect();
            ok(&Value::Array(found))
        }
        ("POST", r) if r == list => {
            let number = state.pulls.len() as u64 + 1;
            let pr = if gitlab {
                json!({"iid": number, "web_url": format!("{base}/acme/api/-/merge_requests/{number}{}", state.url_suffix),
                       "state": "opened", "description": body["description"], "title": body["title"],
                       "source_branch": body["source_branch"], "target_branch": body["target_branch"]})
            } else {
                json!({"number": number, "html_url": format!("{base}/acme/api/pull/{number}{}", state.url_suffix),
                       "state": "open", "merged_at": null, "body": body["body"], "title": body["title"],
                       "head": {"ref": body["head"]}, "base": {"ref": body["base"]}})
            };
            state.pulls.push(pr.clone());
            ("201 Created".into(), String::new(), pr.to_string())
        }
        (method, r) if r.starts_with(item) && (method == "PATCH" || method == "PUT") => {
            let number: u64 = r[item.len()..].parse().unwrap_or(0);
            let key = if gitlab { "iid" } else { "number" };
            let text_key = if gitlab { "description" } else { "body" };
            match state
                .pulls
                .iter_mut()
                .find(|p| p[key].as_u64() == Some(number))
            {
                Some(pr) => {
                    pr[text_key] = body[text_key].clone();
                    pr["title"] = body["title"].clone();
                    ok(&pr.clone())
                }
                None => ("404 Not Found".into(), String::new(), "{}".into()),
            }
        }
        ("POST", r)
            if !gitlab && r.starts_with("/repos/acme/api/issues/") && r.ends_with("/labels") =>
        {
            ok(&body["labels"])
        }
        _ => (
            "404 Not Found".into(),
            String::new(),
            "{\"message\":\"Not Found\"}".into(),
        ),
    }
}

/// Every credential header, raw and in base64: of the value, of its last
/// word (the token), and of the token as git's `x-access-token` password.
fn echoed_credentials(request: &Request) -> Value {
    use base64::Engine as _;
    let encode = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    let mut seen = Vec::new();
    for (name, value) in &request.headers {
        if name == "authorization" || name == "private-token" {
            let token = value.rsplit(' ').next().unwrap_or(value);
            seen.extend([
                value.clone(),
                encode(value),
                encode(token),
                encode(&format!("x-access-token:{token}")),
            ]);
        }
    }
    json!({"message": "Bad credentials", "seen": seen})
}

/// A repository with racy parallel subtests, pushed to a local bare remote.
fn repo_with_remote() -> (Sandbox, tempfile::TempDir) {
    let sandbox = Sandbox::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e/parallel-subtests");
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, sandbox.path().join(path.file_name().unwrap())).unwrap();
    }
    sandbox.commit_all();
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    git(
        sandbox.path(),
        &["remote", "add", "origin", remote.path().to_str().unwrap()],
    );
    git(sandbox.path(), &["push", "-q", "origin", "main"]);
    (sandbox, remote)
}

fn pr(sandbox: &Sandbox, forge: &FakeForge, kind: &str, extra: &[&str]) -> Output {
    let variable = if kind == "gitlab" {
        "GITLAB_TOKEN"
    } else {
        "GITHUB_TOKEN"
    };
    let mut args = vec![
        "pr",
        "--base",
        "main",
        "--forge",
        kind,
        "--api-url",
        &forge.url,
        "--slug",
        "acme/api",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args(&args)
        .current_dir(sandbox.path())
        .env(variable, TOKEN)
        .output()
        .unwrap()
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_ok_without_token(out: &Output) -> String {
    let text = all_output(out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
    text
}

const BRANCH: &str = "fixgen/parallel-subtest-shared-var";

#[test]
fn github_one_pull_request_after_two_runs() {
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    forge.state.lock().unwrap().rate_limit_next_write = true;

    let first = assert_ok_without_token(&pr(&sandbox, &forge, "github", &["--label", "flaky"]));
    assert!(
        first.contains(&format!("{BRANCH}: opened {}/acme/api/pull/1", forge.url)),
        "{first}"
    );
    assert!(first.contains("rate limit: waiting 1s"), "{first}");
    let second = assert_ok_without_token(&pr(&sandbox, &forge, "github", &[]));
    assert!(
        second.contains(&format!("{BRANCH}: updated {}/acme/api/pull/1", forge.url)),
        "{second}"
    );
    assert_eq!(
        forge.pulls().len(),
        1,
        "a second run must not open another PR"
    );

    // The branch reached the remote: one commit on main, with the marker.
    let log = git(
        remote.path(),
        &["log", "--format=%s%n%b", &format!("main..{BRANCH}")],
    );
    assert!(
        log.starts_with("parallel-subtest-shared-var: fix 5 findings in 1 file"),
        "{log}"
    );
    assert!(
        log.contains("Fixgen-Marker: parallel-subtest-shared-var/"),
        "{log}"
    );
    let file = git(remote.path(), &["show", &format!("{BRANCH}:tools_test.go")]);
    assert!(
        file.contains("\t\terr := store.UpdateAppHealth(ctx, id)"),
        "{file}"
    );
    assert_eq!(
        git(sandbox.path(), &["status", "--porcelain"]),
        "",
        "the working tree is untouched"
    );

    let requests = forge.requests();
    let create = requests
        .iter()
        .find(|r| r.method == "POST" && r.path == "/repos/acme/api/pulls")
        .unwrap();
    assert!(create
        .headers
        .contains(&("authorization".into(), format!("Bearer {TOKEN}"))));
    let sent: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(
        (sent["head"].as_str(), sent["base"].as_str()),
        (Some(BRANCH), Some("main"))
    );
    let body = sent["body"].as_str().unwrap();
    assert!(
        body.contains("`parallel-subtest-shared-var`") && body.contains("`tools_test.go:19`"),
        "{body}"
    );
    assert!(
        body.contains("fixgen-marker: parallel-subtest-shared-var/"),
        "{body}"
    );
    assert!(requests
        .iter()
        .any(|r| r.path == "/repos/acme/api/issues/1/labels"));
    assert!(requests
        .iter()
        .any(|r| r.method == "PATCH" && r.path == "/repos/acme/api/pulls/1"));
}

#[test]
fn a_branch_with_someone_elses_commits_is_left_alone() {
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    assert_ok_without_token(&pr(&sandbox, &forge, "github", &[]));
    // A colleague pushes to the fix branch.
    let clone = tempfile::tempdir().unwrap();
    let work = clone.path().join("w");
    git(
        clone.path(),
        &[
            "clone",
            "-q",
            "-b",
            BRANCH,
            remote.path().to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(work.join("NOTES"), "mine\n").unwrap();
    git(&work, &["add", "NOTES"]);
    git(&work, &["-c", "user.name=Alice", "commit", "-qm", "a note"]);
    git(&work, &["push", "-q", "origin", BRANCH]);
    let before = git(remote.path(), &["rev-parse", BRANCH]);

    let again = assert_ok_without_token(&pr(&sandbox, &forge, "github", &[]));
    assert!(
        again.contains("left alone") && again.contains("Alice"),
        "{again}"
    );
    assert_eq!(
        git(remote.path(), &["rev-parse", BRANCH]),
        before,
        "not force-pushed"
    );
    assert_eq!(forge.pulls().len(), 1);
}

#[test]
fn a_pull_request_closed_without_merging_is_not_reopened() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    assert_ok_without_token(&pr(&sandbox, &forge, "github", &[]));
    forge.state.lock().unwrap().pulls[0]["state"] = json!("closed");
    let again = assert_ok_without_token(&pr(&sandbox, &forge, "github", &[]));
    assert!(again.contains("not reopened"), "{again}");
    assert_eq!(forge.pulls().len(), 1);
}

#[test]
fn gitlab_one_merge_request_after_two_runs() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(true);
    let first = assert_ok_without_token(&pr(&sandbox, &forge, "gitlab", &["--draft"]));
    assert!(
        first.contains("opened") && first.contains("/merge_requests/1"),
        "{first}"
    );
    let second = assert_ok_without_token(&pr(&sandbox, &forge, "gitlab", &[]));
    assert!(second.contains("updated"), "{second}");
    assert_eq!(forge.pulls().len(), 1);
    let requests = forge.requests();
    let create = requests.iter().find(|r| r.method == "POST").unwrap();
    assert!(create
        .headers
        .contains(&("private-token".into(), TOKEN.into())));
    let sent: Value = serde_json::from_str(&create.body).unwrap();
    assert!(sent["title"]
        .as_str()
        .unwrap()
        .starts_with("Draft: parallel-subtest-shared-var"));
    assert!(sent["description"]
        .as_str()
        .unwrap()
        .contains("`tools_test.go:19`"));
    assert!(requests
        .iter()
        .any(|r| r.method == "PUT" && r.path == "/projects/acme%2Fapi/merge_requests/1"));
}

#[test]
fn dry_run_shows_everything_and_sends_nothing() {
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let out = assert_ok_without_token(&pr(&sandbox, &forge, "github", &["--dry-run"]));
    for expected in [
        &format!("branch: {BRANCH} (from main)"),
        "    parallel-subtest-shared-var: fix 5 findings in 1 file",
        "pull request title: parallel-subtest-shared-var: fix 5 findings in 1 file",
        "    Fixgen-Marker: parallel-subtest-shared-var/",
        "+\t\terr := store.UpdateAppHealth(ctx, id)",
        "nothing pushed or sent",
    ] {
        assert!(out.contains(expected), "dry run lacks {expected:?}:\n{out}");
    }
    assert!(forge.requests().is_empty(), "a dry run calls no API");
    let branches = git(remote.path(), &["branch", "--list"]);
    assert!(!branches.contains("fixgen/"), "{branches}");
}

#[test]
fn batch_open_prs_opens_the_pull_request_as_pr_does() {
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let list = sandbox.path().join("repos.toml");
    std::fs::write(
        &list,
        format!(
            "[[repo]]\nurl = \"{}\"\nname = \"acme/api\"\nbase = \"main\"\n",
            remote.path().display()
        ),
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_fixgen"))
            .args(["batch", list.to_str().unwrap(), "--out"])
            .arg(out_dir.path())
            .args(["--open-prs", "--forge", "github", "--api-url", &forge.url])
            .args(["--label", "flaky-test", "--write-interval", "0.2"])
            .current_dir(sandbox.path())
            .env("GITHUB_TOKEN", TOKEN)
            .output()
            .unwrap()
    };
    let first = run();
    let text = assert_ok_without_token(&first);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("manifest.json")).unwrap(),
    )
    .unwrap();
    let repo = &manifest["repos"][0];
    assert_eq!(repo["status"], "pr-open", "{text}");
    assert_eq!(
        repo["pr_url"].as_str().unwrap(),
        format!("{}/acme/api/pull/1", forge.url)
    );
    assert!(out_dir
        .path()
        .join("acme/api/0001-parallel-subtest-shared-var.patch")
        .exists());
    // The branch is on the remote, and the PR names it.
    git(remote.path(), &["rev-parse", "--verify", BRANCH]);
    assert_eq!(forge.pulls().len(), 1);
    assert_eq!(forge.pulls()[0]["head"]["ref"], BRANCH);
    // A second run updates the same pull request instead of opening another.
    let second = run();
    assert_ok_without_token(&second);
    assert_eq!(forge.pulls().len(), 1);
    let creates = forge
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/pulls"))
        .count();
    assert_eq!(creates, 1);
}

/// Whether `text` shows `secret`, raw or in a base64 form it is sent in.
fn shows_secret(text: &str, secret: &str, user: &str) -> bool {
    use base64::Engine as _;
    let encode = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    [
        secret.to_string(),
        encode(secret),
        encode(&format!("x-access-token:{secret}")),
        encode(&format!("{user}:{secret}")),
    ]
    .iter()
    .any(|form| text.contains(form.as_str()))
}

#[test]
fn credentials_echoed_by_the_forge_and_in_the_api_url_are_not_printed() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    forge.state.lock().unwrap().echo_credentials = true;
    let api_secret = "apiPass-7Kd93LxQ2mZ";
    let api_url = forge
        .url
        .replace("http://", &format!("http://apiuser:{api_secret}@"));
    for kind in ["github", "gitlab"] {
        let variable = if kind == "gitlab" {
            "GITLAB_TOKEN"
        } else {
            "GITHUB_TOKEN"
        };
        let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
            .args([
                "pr", "--base", "main", "--forge", kind, "--slug", "acme/api",
            ])
            .args(["--api-url", &api_url])
            .current_dir(sandbox.path())
            .env(variable, TOKEN)
            .output()
            .unwrap();
        let text = all_output(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            text.contains("HTTP 401") && text.contains("Bad credentials"),
            "{text}"
        );
        assert!(
            !shows_secret(&text, TOKEN, "x-access-token"),
            "{kind}: the token leaked:\n{text}"
        );
        assert!(
            !shows_secret(&text, api_secret, "apiuser"),
            "{kind}: the API URL's password leaked:\n{text}"
        );
        assert!(
            !text.contains("apiuser"),
            "{kind}: the API URL's userinfo is shown:\n{text}"
        );
    }
    // The forge did receive the echoed credentials: the test is not vacuous.
    let basic = forge.requests().iter().any(|r| {
        r.headers
            .iter()
            .any(|(n, v)| n == "authorization" && v.starts_with("Basic "))
    });
    assert!(basic, "ureq sends the API URL's userinfo as Basic auth");
}

#[test]
fn a_token_in_what_the_forge_answers_is_not_printed() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    forge.state.lock().unwrap().url_suffix = format!("?access_token={TOKEN}");
    let out = pr(&sandbox, &forge, "github", &[]);
    let text = assert_ok_without_token(&out);
    assert!(
        text.contains(&format!(
            "{BRANCH}: opened {}/acme/api/pull/1?access_token=***",
            forge.url
        )),
        "{text}"
    );
}

#[test]
fn a_one_character_token_masks_no_letter_of_the_forge_errors() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let out = Command::new(env!("CARGO_BIN_EXE_fixgen"))
        .args([
            "pr",
            "--base",
            "main",
            "--forge",
            "github",
            "--slug",
            "nobody/nothing",
        ])
        .args(["--api-url", &forge.url])
        .current_dir(sandbox.path())
        .env("GITHUB_TOKEN", "o")
        .output()
        .unwrap();
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("HTTP 404: {\"message\":\"Not Found\"}"),
        "{text}"
    );
    assert!(text.contains("/repos/nobody/nothing/pulls"), "{text}");
}

/// `scripts/action.sh`, the GitHub Action's steps, run as the action runs
/// them: its inputs as environment variables, in the checkout.
fn action(sandbox: &Sandbox, forge: &FakeForge, command: &str, env: &[(&str, &str)]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pr_args = format!("--forge github --api-url {} --slug acme/api", forge.url);
    Command::new(root.join("scripts/action.sh"))
        .arg(command)
        .current_dir(sandbox.path())
        .env("FIXGEN", env!("CARGO_BIN_EXE_fixgen"))
        .env("FIXGEN_BASE", "main")
        .env("FIXGEN_PR_ARGS", pr_args)
        .env("GITHUB_TOKEN", TOKEN)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn shipped_log(name: &str) -> String {
    let log = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/e2e/logs")
        .join(name);
    log.to_str().unwrap().to_string()
}

#[test]
fn the_action_opens_a_race_proven_pull_request_from_a_failed_test_log() {
    if !support::require_tool("go") || !support::require_tool("jq") {
        return;
    }
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let log = shipped_log("parallel-subtests.log");
    let out = action(
        &sandbox,
        &forge,
        "triage",
        &[("FIXGEN_LOG", &log), ("FIXGEN_PR_ARGS", "")],
    );
    // FIXGEN_PR_ARGS emptied: the remote's host names no forge, and pr's
    // failure is the step's.
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("cannot tell the forge from the remote's URL"),
        "{}",
        all_output(&out)
    );

    let out = action(
        &sandbox,
        &forge,
        "triage",
        &[("FIXGEN_LOG", &log), ("FIXGEN_VERIFY", "race")],
    );
    let text = assert_ok_without_token(&out);
    assert!(
        text.contains(&format!("{BRANCH}: opened {}/acme/api/pull/1", forge.url)),
        "{text}"
    );
    let file = git(remote.path(), &["show", &format!("{BRANCH}:tools_test.go")]);
    assert!(
        file.contains("\t\terr := store.UpdateAppHealth(ctx, id)"),
        "{file}"
    );
    let create = forge
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/repos/acme/api/pulls")
        .expect("a pull request was opened");
    let body: Value = serde_json::from_str(&create.body).unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(body.contains("race seen before"), "{body}");
    assert!(body.contains("gone after"), "{body}");
}

#[test]
fn the_action_opens_nothing_for_a_log_without_a_fixable_verdict() {
    if !support::require_tool("jq") {
        return;
    }
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let log = shipped_log("no-race.log");
    let out = action(&sandbox, &forge, "triage", &[("FIXGEN_LOG", &log)]);
    let text = assert_ok_without_token(&out);
    assert!(text.contains("no fixable verdict"), "{text}");
    assert!(forge.requests().is_empty(), "nothing is sent");
}

/// `fixgen pr ARGS` in the sandbox with the forge's token set to `token`,
/// or with no token at all.
fn pr_with(sandbox: &Sandbox, args: &[&str], token: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixgen"));
    command.arg("pr").args(args).current_dir(sandbox.path());
    for variable in ["GITHUB_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN"] {
        command.env_remove(variable);
    }
    if let Some(token) = token {
        command.env("GITHUB_TOKEN", token);
    }
    command.output().unwrap()
}

#[test]
fn a_dry_run_refuses_what_the_real_run_would_refuse_with_the_same_message() {
    let (sandbox, remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let api = ["--api-url", forge.url.as_str()];
    let full = |extra: &[&str]| -> Vec<String> {
        ["--forge", "github", api[0], api[1], "--slug", "acme/api"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    let cases: Vec<(Vec<String>, Option<&str>, &str)> = vec![
        (
            full(&["--base", "mian"]),
            Some(TOKEN),
            "--base mian: no branch `mian` here or on origin (neither refs/heads/mian nor refs/remotes/origin/mian; `git fetch origin` may bring it)",
        ),
        (
            full(&["--base", "main", "--remote", "upstream"]),
            Some(TOKEN),
            "no remote named `upstream` (see `git remote -v`)",
        ),
        (
            vec!["--base".into(), "main".into()],
            Some(TOKEN),
            "cannot tell the forge from the remote's URL: pass --forge github|gitlab|gitea",
        ),
        (
            vec!["--base".into(), "main".into(), "--forge".into(), "github".into()],
            Some(TOKEN),
            "cannot tell the forge's API URL from the remote's URL: pass --api-url",
        ),
        (
            ["--base", "main", "--forge", "github", api[0], api[1]]
                .map(String::from)
                .to_vec(),
            Some(TOKEN),
            "cannot tell OWNER/NAME from the remote's URL: pass --slug",
        ),
        (
            full(&["--base", "main"]),
            None,
            "GITHUB_TOKEN is not set: the forge needs a token to open pull requests",
        ),
    ];
    for (args, token, message) in cases {
        for dry_run in [true, false] {
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            if dry_run {
                args.push("--dry-run");
            }
            let out = pr_with(&sandbox, &args, token);
            assert_eq!(
                (out.status.code(), all_output(&out)),
                (Some(2), format!("error: {message}\n")),
                "{args:?}"
            );
        }
    }
    assert!(forge.requests().is_empty(), "nothing was sent");
    let branches = git(remote.path(), &["branch", "--list"]);
    assert!(
        !branches.contains("fixgen/"),
        "nothing was pushed: {branches}"
    );
}

#[test]
fn a_base_known_only_as_the_remote_s_branch_passes_the_dry_run() {
    let (sandbox, _remote) = repo_with_remote();
    git(sandbox.path(), &["push", "-q", "origin", "main:release"]);
    git(sandbox.path(), &["fetch", "-q", "origin"]);
    git(sandbox.path(), &["branch", "--list", "release"]);
    let forge = FakeForge::start(false);
    let args = [
        "--base",
        "release",
        "--forge",
        "github",
        "--api-url",
        &forge.url,
        "--slug",
        "acme/api",
        "--dry-run",
    ];
    let out = pr_with(&sandbox, &args, Some(TOKEN));
    let text = assert_ok_without_token(&out);
    assert!(
        text.contains(&format!("branch: {BRANCH} (from release)")),
        "{text}"
    );
}

/// `x` is the first letter of git's token user (`x-access-token`) and of
/// many words: a one-letter token must mask only an `x` standing alone.
#[test]
fn a_one_letter_token_x_masks_no_x_in_words_paths_or_diffs() {
    let (sandbox, _remote) = repo_with_remote();
    let forge = FakeForge::start(false);
    let args = |slug: &'static str| {
        vec![
            "--base".to_string(),
            "main".into(),
            "--forge".into(),
            "github".into(),
            "--api-url".into(),
            forge.url.clone(),
            "--slug".into(),
            slug.into(),
        ]
    };
    let mut dry = args("acme/api");
    dry.push("--dry-run".into());
    let dry: Vec<&str> = dry.iter().map(String::as_str).collect();
    let out = pr_with(&sandbox, &dry, Some("x"));
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("+\t\terr := store.UpdateAppHealth(ctx, id)"),
        "{text}"
    );
    assert!(!text.contains("***"), "{text}");

    // The forge knows no repository x/box: its 404 names the path.
    let real = args("x/box-x");
    let real: Vec<&str> = real.iter().map(String::as_str).collect();
    let out = pr_with(&sandbox, &real, Some("x"));
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("/repos/x/box-x/pulls"), "{text}");
    assert!(!text.contains("***"), "{text}");
}
