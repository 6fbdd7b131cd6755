//! The `weft` binary: a subcommand runs the command line; no subcommand opens the window.

use clap::Parser;
use weft::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => run(command),
        None => weft::cli::open_window(cli.project),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
