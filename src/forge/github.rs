//! GitHub (and GitHub Enterprise with `--api-url`): pulls endpoints.

use super::http::Client;
use super::{field, split_slug, Forge, NewPullRequest, PullRequest, State};
use anyhow::Result;
use serde_json::{json, Value};

pub struct GitHub {
    api: String,
    slug: String,
    client: Client,
}

impl GitHub {
    pub fn new(api: String, slug: &str, token: Option<String>) -> Self {
        GitHub {
            api,
            slug: slug.to_string(),
            client: Client::new(
                "Authorization",
                token.as_ref().map(|t| format!("Bearer {t}")),
                token,
            ),
        }
    }

    fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.api, self.slug)
    }
}

fn pull_request(value: &Value) -> Result<PullRequest> {
    let state = if !value.get("merged_at").is_none_or(Value::is_null) {
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

impl Forge for GitHub {
    fn find(&self, branch: &str) -> Result<Option<PullRequest>> {
        let (owner, _) = split_slug(&self.slug)?;
        let url = format!(
            "{}/pulls?state=all&head={owner}:{branch}&sort=created&direction=desc",
            self.repo_url()
        );
        let list = self.client.get(&url)?;
        list.as_array()
            .and_then(|a| a.first())
            .map(pull_request)
            .transpose()
    }

    fn create(&self, pr: &NewPullRequest) -> Result<PullRequest> {
        let body = json!({
            "title": pr.title, "body": pr.body, "head": pr.head, "base": pr.base, "draft": pr.draft,
        });
        let created = pull_request(&self.client.send(
            "POST",
            &format!("{}/pulls", self.repo_url()),
            Some(&body),
        )?)?;
        if !pr.labels.is_empty() {
            self.client.send(
                "POST",
                &format!("{}/issues/{}/labels", self.repo_url(), created.number),
                Some(&json!({ "labels": pr.labels })),
            )?;
        }
        if !pr.reviewers.is_empty() {
            self.client.send(
                "POST",
                &format!(
                    "{}/pulls/{}/requested_reviewers",
                    self.repo_url(),
                    created.number
                ),
                Some(&json!({ "reviewers": pr.reviewers })),
            )?;
        }
        Ok(created)
    }

    fn update(&self, number: u64, title: &str, body: &str) -> Result<PullRequest> {
        pull_request(&self.client.send(
            "PATCH",
            &format!("{}/pulls/{number}", self.repo_url()),
            Some(&json!({ "title": title, "body": body })),
        )?)
    }
}
