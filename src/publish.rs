//! From fixes to pull requests: a branch per rule (or one for all), one
//! commit per rule, pushed with git2, and the forge's PR opened or updated.
//! Idempotent: a branch is replaced only when every commit on it is
//! fixgen's own, an open PR is updated instead of duplicated, and a PR
//! closed without merging is not reopened while its findings are the same.
//! `fixgen pr` and `fixgen batch --open-prs` both use it.

use crate::changeset::RuleChanges;
use crate::forge::{Forge, NewPullRequest, State};
use crate::git::branch::{classify, commit_changes, same_tree, set_branch, RemoteBranch};
use crate::git::remote::{fetch_branch, push_branch};
use crate::output::messages::Messages;
use crate::output::patch::{file_diff, Author};
use anyhow::Result;
use git2::{Oid, Repository};

/// One branch and what goes on it.
pub struct BranchPlan<'a> {
    pub name: String,
    pub changes: Vec<&'a RuleChanges>,
    /// One message per change, in order.
    pub messages: Vec<String>,
    pub title: String,
    pub body: String,
}

/// Branches for a change set: `fixgen/<rule-id>` each, or `fixgen/fixes`
/// holding a commit per rule.
pub fn plan<'a>(
    changes: &'a [RuleChanges],
    single_branch: bool,
    messages: &Messages,
    verification: &dyn crate::output::messages::Verification,
) -> Result<Vec<BranchPlan<'a>>> {
    let groups: Vec<(String, Vec<&RuleChanges>)> = if single_branch {
        vec![("fixgen/fixes".to_string(), changes.iter().collect())]
    } else {
        changes
            .iter()
            .map(|c| (format!("fixgen/{}", c.rule_id), vec![c]))
            .collect()
    };
    groups
        .into_iter()
        .map(|(name, group)| {
            let commit_messages = group
                .iter()
                .map(|c| messages.commit_message(c, verification))
                .collect::<Result<Vec<_>>>()?;
            let title = if group.len() == 1 {
                commit_messages[0].lines().next().unwrap_or("").to_string()
            } else {
                let ids: Vec<&str> = group.iter().map(|c| c.rule_id.as_str()).collect();
                format!("fixgen: {}", ids.join(", "))
            };
            Ok(BranchPlan {
                body: messages.pr_body(&group, verification)?,
                name,
                changes: group,
                messages: commit_messages,
                title,
            })
        })
        .collect()
}

/// What `--dry-run` prints: everything that would be sent.
pub fn describe(plan: &BranchPlan, base: &str) -> String {
    let mut out = format!("branch: {} (from {base})\n", plan.name);
    for message in &plan.messages {
        out.push_str("\ncommit:\n");
        for line in message.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str(&format!("\npull request title: {}\n", plan.title));
    out.push_str("pull request body:\n");
    for line in plan.body.lines() {
        out.push_str(&format!("    {line}\n"));
    }
    out.push('\n');
    for change in &plan.changes {
        for file in &change.files {
            out.push_str(&file_diff(file));
        }
    }
    out
}

/// Where and how to publish.
pub struct Target<'a> {
    pub repo: &'a Repository,
    pub remote: &'a str,
    pub base: &'a str,
    /// The commit the branches start from.
    pub head: Oid,
    pub author: &'a Author,
    pub token: Option<&'a str>,
    pub forge: &'a dyn Forge,
    pub draft: bool,
    pub labels: &'a [String],
    pub reviewers: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Opened(String),
    Updated(String),
    /// Someone else's commits are on the branch.
    LeftAlone(String),
    /// Closed without merging, and the findings have not changed.
    NotReopened(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Opened(url) => write!(f, "opened {url}"),
            Outcome::Updated(url) => write!(f, "updated {url}"),
            Outcome::LeftAlone(why) => write!(f, "left alone: {why}"),
            Outcome::NotReopened(url) => write!(
                f,
                "not reopened: {url} was closed without merging and its findings have not changed"
            ),
        }
    }
}

pub fn publish(target: &Target, plan: &BranchPlan) -> Result<Outcome> {
    let repo = target.repo;
    let remote_tip = fetch_branch(repo, target.remote, &plan.name, target.token)?;
    if let RemoteBranch::Foreign { author, .. } = classify(repo, remote_tip, target.head)? {
        return Ok(Outcome::LeftAlone(format!(
            "{} on {} has commits by {author} that fixgen did not make",
            plan.name, target.remote
        )));
    }
    let existing = target.forge.find(&plan.name)?;
    if let Some(pr) = &existing {
        let unchanged = plan
            .changes
            .iter()
            .all(|c| pr.body.contains(&format!("fixgen-marker: {}", c.marker())));
        if pr.state == State::Closed && unchanged {
            return Ok(Outcome::NotReopened(pr.url.clone()));
        }
    }
    let mut tip = target.head;
    for (change, message) in plan.changes.iter().zip(&plan.messages) {
        tip = commit_changes(repo, tip, &change.files, message, target.author)?;
    }
    let up_to_date = remote_tip.is_some_and(|remote| same_tree(repo, remote, tip));
    if !up_to_date {
        set_branch(repo, &plan.name, tip)?;
        push_branch(repo, target.remote, &plan.name, target.token)?;
    }
    match existing {
        Some(pr) if pr.state == State::Open => {
            let updated = target.forge.update(pr.number, &plan.title, &plan.body)?;
            Ok(Outcome::Updated(updated.url))
        }
        _ => {
            let created = target.forge.create(&NewPullRequest {
                title: &plan.title,
                body: &plan.body,
                head: &plan.name,
                base: target.base,
                draft: target.draft,
                labels: target.labels,
                reviewers: target.reviewers,
            })?;
            Ok(Outcome::Opened(created.url))
        }
    }
}
