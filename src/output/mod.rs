//! What users read: diffs, findings as text, JSON and SARIF, colour.

pub mod diff;
pub mod findings;
pub mod github;
pub mod messages;
pub mod patch;
pub mod progress;
pub mod shown;

use std::io::IsTerminal as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colour on a terminal only, and never when NO_COLOR is set.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}
