//! GitLab (gitlab.com or self-hosted with `--api-url`): merge requests.

use super::http::Client;
use super::{field, Forge, NewPullRequest, PullRequest, State};
use anyhow::Result;
use serde_json::{json, Value};

pub struct GitLab {
    api: String,
    /// The project path, URL-encoded: GitLab's id for `group/name`.
    project: String,
    client: Client,
}

impl GitLab {
    pub fn new(api: String, slug: &str, token: Option<String>) -> Self {
        GitLab {
            api,
            project: slug.replace('/', "%2F"),
            client: Client::new("PRIVATE-TOKEN", token.clone(), token),
        }
    }

    fn project_url(&self) -> String {
        format!("{}/projects/{}", self.api, self.project)
    }
}

fn merge_request(value: &Value) -> Result<PullRequest> {
    let state = match field(value, "state")?.as_str() {
        Some("opened") => State::Open,
        Some("merged") => State::Merged,
        _ => State::Closed,
    };
    Ok(PullRequest {
        number: field(value, "iid")?.as_u64().unwrap_or(0),
        url: field(value, "web_url")?.as_str().unwrap_or("").to_string(),
        state,
        body: value
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

impl Forge for GitLab {
    fn find(&self, branch: &str) -> Result<Option<PullRequest>> {
        let url = format!(
            "{}/merge_requests?state=all&source_branch={branch}&order_by=created_at&sort=desc",
            self.project_url()
        );
        let list = self.client.get(&url)?;
        list.as_array()
            .and_then(|a| a.first())
            .map(merge_request)
            .transpose()
    }

    fn create(&self, pr: &NewPullRequest) -> Result<PullRequest> {
        let title = if pr.draft {
            format!("Draft: {}", pr.title)
        } else {
            pr.title.to_string()
        };
        let mut body = json!({
            "source_branch": pr.head, "target_branch": pr.base, "title": title,
            "description": pr.body, "remove_source_branch": true,
        });
        if !pr.labels.is_empty() {
            body["labels"] = json!(pr.labels.join(","));
        }
        if !pr.reviewers.is_empty() {
            body["reviewer_usernames"] = json!(pr.reviewers);
        }
        merge_request(&self.client.send(
            "POST",
            &format!("{}/merge_requests", self.project_url()),
            Some(&body),
        )?)
    }

    fn update(&self, number: u64, title: &str, body: &str) -> Result<PullRequest> {
        merge_request(&self.client.send(
            "PUT",
            &format!("{}/merge_requests/{number}", self.project_url()),
            Some(&json!({ "title": title, "description": body })),
        )?)
    }
}
