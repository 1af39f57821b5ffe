//! A limit on forge writes shared by every repository of a batch: at least
//! `min_gap` between two writes (opening or updating a pull request), and at
//! most `per_hour` in any hour, so that two hundred repositories do not trip
//! the forge's abuse detection. Reads are not limited.

use crate::forge::{Forge, NewPullRequest, PullRequest};
use anyhow::Result;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct WriteLimiter {
    min_gap: Duration,
    per_hour: Option<u32>,
    /// Times of the writes of the last hour, oldest first.
    recent: Mutex<VecDeque<Instant>>,
}

impl WriteLimiter {
    pub fn new(min_gap: Duration, per_hour: Option<u32>) -> Self {
        WriteLimiter {
            min_gap,
            per_hour,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until a write is allowed, and counts it. Holding the lock while
    /// waiting queues the writers in order.
    pub fn acquire(&self) {
        let mut recent = self.recent.lock().unwrap();
        loop {
            let now = Instant::now();
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(3600))
            {
                recent.pop_front();
            }
            let gap_wait = recent
                .back()
                .map(|last| self.min_gap.saturating_sub(now.duration_since(*last)))
                .unwrap_or_default();
            let hour_wait = match (self.per_hour, recent.front()) {
                (Some(limit), Some(first)) if recent.len() >= limit as usize => {
                    Duration::from_secs(3600).saturating_sub(now.duration_since(*first))
                }
                _ => Duration::ZERO,
            };
            let wait = gap_wait.max(hour_wait);
            if wait.is_zero() {
                recent.push_back(now);
                return;
            }
            std::thread::sleep(wait);
        }
    }
}

/// A forge whose writes go through a [`WriteLimiter`].
pub struct Throttled<'l> {
    inner: Box<dyn Forge>,
    limiter: &'l WriteLimiter,
}

impl<'l> Throttled<'l> {
    pub fn new(inner: Box<dyn Forge>, limiter: &'l WriteLimiter) -> Self {
        Throttled { inner, limiter }
    }
}

impl Forge for Throttled<'_> {
    fn find(&self, branch: &str) -> Result<Option<PullRequest>> {
        self.inner.find(branch)
    }

    fn create(&self, pr: &NewPullRequest) -> Result<PullRequest> {
        self.limiter.acquire();
        self.inner.create(pr)
    }

    fn update(&self, number: u64, title: &str, body: &str) -> Result<PullRequest> {
        self.limiter.acquire();
        self.inner.update(number, title, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_spaced_by_the_gap() {
        let limiter = WriteLimiter::new(Duration::from_millis(50), None);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire();
        }
        assert!(start.elapsed() >= Duration::from_millis(100));
    }
}
