//! The `weft` binary: a subcommand runs the command line; no subcommand opens
//! the window. This is the one place that chooses between the two.

use clap::{CommandFactory, Parser};
use weft::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(message) = mistyped_subcommand(&args) {
        eprintln!("error: {message}");
        return std::process::ExitCode::from(2);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Some(weft::cli::Command::Open { project }) => weft::ui::run(Some(project)),
        Some(command) => {
            quiet_on_closed_output();
            run(command)
        }
        None => weft::ui::run(cli.project),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            match damaged_project(&e, &args_os_files()) {
                Some(path) => eprintln!(
                    "error: {}: this Weft project is damaged (SQLite reports it as malformed); restore it from a backup or an export",
                    path.display()
                ),
                None => eprintln!("error: {e:#}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// The arguments that name existing files.
fn args_os_files() -> Vec<std::path::PathBuf> {
    std::env::args_os()
        .skip(1)
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
        .collect()
}

/// When SQLite found a file malformed, the project among the arguments that
/// it must be, so the message names it.
fn damaged_project(e: &anyhow::Error, files: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    let damaged = e
        .chain()
        .filter_map(|c| c.downcast_ref::<weft::Error>())
        .any(weft::Error::is_damaged_database);
    if !damaged {
        return None;
    }
    files
        .iter()
        .find(|p| weft::export::file_kind(p) == weft::export::FileKind::WeftProject)
        .cloned()
}

/// A command-line run whose output is closed (`weft codes list p.weft | head -1`)
/// ends quietly, as Unix tools do, instead of panicking when it prints. Rust
/// ignores SIGPIPE by default; the window keeps that.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition at start-up, before any
    // thread is spawned, has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `weft impot x.weft` would otherwise be read as "open the project `impot`"
/// followed by a stray subcommand. When the first argument is neither a
/// subcommand nor an existing file and more arguments follow, say which
/// subcommand was probably meant.
fn mistyped_subcommand(args: &[std::ffi::OsString]) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if args.len() < 3 || first.starts_with('-') || std::path::Path::new(first).exists() {
        return None;
    }
    let command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    if names.iter().any(|n| n == first) {
        return None;
    }
    let nearest = names
        .iter()
        .map(|n| (edit_distance(first, n), n))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, n)| format!("; did you mean `weft {n}`?"))
        .unwrap_or_default();
    Some(format!(
        "`{first}` is not a weft command{nearest} (`weft --help` lists them)"
    ))
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
