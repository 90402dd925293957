//! The `delist` command. Thin by design: it parses arguments, loads the catalog and policy,
//! hands targets to collectors and values to renderers, and maps outcomes to exit codes
//! (0 nothing at or above `--fail-on`, 1 findings, 2 could not do the job). Behaviour lives in
//! the library crates.

mod args;
mod commands;
mod output;
mod screen;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One clear line (the cause chain joined), as CONTRACT promises.
            eprintln!("delist: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
