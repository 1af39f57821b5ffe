use clap::Parser as _;
use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", fixgen::secrets::redact(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
