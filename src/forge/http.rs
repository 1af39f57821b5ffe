//! JSON over HTTP for forge APIs: the token in a header (never in a URL),
//! rate limits waited out within a bound, and neither errors nor answers
//! that carry a secret (see crate::secrets).

use crate::secrets::{self, strip_userinfo};
use anyhow::{anyhow, Result};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest a single rate-limit wait may be.
const MAX_WAIT: Duration = Duration::from_secs(90);
const MAX_RETRIES: usize = 3;

pub struct Client {
    agent: ureq::Agent,
    /// (header name, header value) carrying the token.
    auth: Option<(String, String)>,
}

impl Client {
    pub fn new(auth_header: &str, auth_value: Option<String>, token: Option<String>) -> Self {
        if let Some(token) = &token {
            secrets::register_token(token);
        }
        Client {
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .user_agent(concat!("fixgen/", env!("CARGO_PKG_VERSION")))
                .build(),
            auth: auth_value.map(|v| (auth_header.to_string(), v)),
        }
    }

    pub fn get(&self, url: &str) -> Result<Value> {
        self.send("GET", url, None)
    }

    /// The forge's answer, with any secret it echoes masked.
    pub fn send(&self, method: &str, url: &str, body: Option<&Value>) -> Result<Value> {
        let mut answer = self.exchange(method, url, body)?;
        secrets::redact_json(&mut answer);
        Ok(answer)
    }

    fn exchange(&self, method: &str, url: &str, body: Option<&Value>) -> Result<Value> {
        // The request uses `url` (ureq sends its userinfo as Basic auth);
        // messages show it without.
        secrets::register_url(url);
        let shown = strip_userinfo(url);
        for attempt in 0..=MAX_RETRIES {
            let mut request = self
                .agent
                .request(method, url)
                .set("Accept", "application/json");
            if let Some((name, value)) = &self.auth {
                request = request.set(name, value);
            }
            let response = match body {
                Some(body) => request.send_json(body.clone()),
                None => request.call(),
            };
            match response {
                Ok(response) => {
                    let text = response.into_string()?;
                    if text.trim().is_empty() {
                        return Ok(Value::Null);
                    }
                    return serde_json::from_str(&text)
                        .map_err(|e| anyhow!("{method} {shown}: the answer is not JSON ({e})"));
                }
                Err(ureq::Error::Status(status, response)) => {
                    if let Some(wait) = rate_limit_wait(status, &response) {
                        if attempt < MAX_RETRIES {
                            let wait = wait.min(MAX_WAIT);
                            eprintln!(
                                "the forge's rate limit: waiting {}s before {method} {shown}",
                                wait.as_secs()
                            );
                            std::thread::sleep(wait);
                            continue;
                        }
                    }
                    let detail = response.into_string().unwrap_or_default();
                    return Err(anyhow!(
                        "{method} {shown}: HTTP {status}: {}",
                        secrets::redact(detail.trim())
                    ));
                }
                Err(e) => {
                    return Err(anyhow!(
                        "{method} {shown}: {}",
                        secrets::redact(&e.to_string())
                    ))
                }
            }
        }
        Err(anyhow!(
            "{method} {shown}: still rate limited after {MAX_RETRIES} waits"
        ))
    }
}

/// How long to wait before retrying, when the answer is a rate limit:
/// 429, or 403 with `Retry-After` or an exhausted `x-ratelimit-remaining`
/// (GitHub's primary and secondary limits).
fn rate_limit_wait(status: u16, response: &ureq::Response) -> Option<Duration> {
    let retry_after = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let reset = || {
        let reset: u64 = response.header("x-ratelimit-reset")?.trim().parse().ok()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(Duration::from_secs(reset.saturating_sub(now) + 1))
    };
    let exhausted = response.header("x-ratelimit-remaining") == Some("0");
    match status {
        429 => Some(
            retry_after
                .or_else(reset)
                .unwrap_or(Duration::from_secs(60)),
        ),
        403 if retry_after.is_some() => retry_after,
        403 if exhausted => Some(reset().unwrap_or(Duration::from_secs(60))),
        _ => None,
    }
}
