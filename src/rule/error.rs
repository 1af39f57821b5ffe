use thiserror::Error;

/// A rule file that cannot be used, located so the user can go and fix it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{path}:{line}: {message}")]
pub struct RuleError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl RuleError {
    pub fn at(path: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        RuleError {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}
