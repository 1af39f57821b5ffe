//! Gitea and Forgejo (`--api-url https://host/api/v1`): pulls endpoints.

use super::http::Client;
use super::{field, Forge, NewPullRequest, PullRequest, State};
use anyhow::Result;
use serde_json::{json, Value};

pub struct Gitea {
    api: String,
    slug: String,
    client: Client,
}

impl Gitea {
    pub fn new(api: String, slug: &str, token: Option<String>) -> Self {
        Gitea {
            api,
            slug: slug.to_string(),
            client: Client::new(
                "Authorization",
                token.as_ref().map(|t| format!("token {t}")),
                token,
            ),
        }
    }

    fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.api, self.slug)
    }
}

fn pull_request(value: &Value) -> Result<PullRequest> {
    let state = if value.get("merged").and_then(Value::as_bool) == Some(true) {
        State::Merged
    } else if field(value, "state")?.as_str() == Some("open") {
        State::Open
    } else {
        State::Closed
    };
    Ok(PullRequest {
        number: field(value, "number")?.as_u64().unwrap_or(0),
        url: field(value, "html_url")?.as_str().unwrap_or("").to_string(),
        state,
        body: value
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

impl Forge for Gitea {
    fn find(&self, branch: &str) -> Result<Option<PullRequest>> {
        // Gitea's list has no head filter: the newest with that head ref.
        let list = self.client.get(&format!(
            "{}/pulls?state=all&sort=recentupdate",
            self.repo_url()
        ))?;
        list.as_array()
            .into_iter()
            .flatten()
            .find(|pr| pr.pointer("/head/ref").and_then(Value::as_str) == Some(branch))
            .map(pull_request)
            .transpose()
    }

    fn create(&self, pr: &NewPullRequest) -> Result<PullRequest> {
        let title = if pr.draft {
            format!("WIP: {}", pr.title)
        } else {
            pr.title.to_string()
        };
        let mut body = json!({ "title": title, "body": pr.body, "head": pr.head, "base": pr.base });
        if !pr.reviewers.is_empty() {
            body["reviewers"] = json!(pr.reviewers);
        }
        pull_request(&self.client.send(
            "POST",
            &format!("{}/pulls", self.repo_url()),
            Some(&body),
        )?)
    }

    fn update(&self, number: u64, title: &str, body: &str) -> Result<PullRequest> {
        pull_request(&self.client.send(
            "PATCH",
            &format!("{}/pulls/{number}", self.repo_url()),
            Some(&json!({ "title": title, "body": body })),
        )?)
    }
}
