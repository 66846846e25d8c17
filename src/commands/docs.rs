//! `herd completions SHELL` and `herd man [DIR]`: generated from the clap definitions,
//! never hand-written, so they cannot drift from the options.

use std::fs;
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory};
use clap_complete::Shell;

use super::CommandError;
use crate::cli::args::Cli;
use crate::report;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<i32, CommandError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "herd", &mut script);
    report::print_document(&String::from_utf8_lossy(&script))?;
    Ok(report::EXIT_OK)
}

/// Writes `herd.1` and `herd-SUBCOMMAND.1` for each subcommand into `dir` (made if
/// missing), or prints `herd.1` on stdout without a `dir`.
pub fn man(dir: Option<&Path>) -> Result<i32, CommandError> {
    let mut command = Cli::command();
    command.build();
    let Some(dir) = dir else {
        report::print_document(&String::from_utf8_lossy(&render(&command)?))?;
        return Ok(report::EXIT_OK);
    };
    let failed = |path: &Path, error: std::io::Error| CommandError::LocalPath {
        path: PathBuf::from(path),
        reason: format!("cannot write the man page: {error}"),
    };
    fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    for (name, page) in pages(&command)? {
        let path = dir.join(format!("{name}.1"));
        fs::write(&path, page).map_err(|e| failed(&path, e))?;
    }
    Ok(report::EXIT_OK)
}

/// Every page: `herd`, then `herd-run`, `herd-scp`, … (name without `.1`, roff text).
pub fn pages(command: &Command) -> Result<Vec<(String, Vec<u8>)>, CommandError> {
    let mut pages = vec![("herd".to_owned(), render(command)?)];
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        // After `build`, a subcommand's display name is `herd-run`, its bin name `herd run`.
        let name = sub
            .get_display_name()
            .map_or_else(|| format!("herd-{}", sub.get_name()), str::to_owned);
        pages.push((name, render(sub)?));
    }
    Ok(pages)
}

fn render(command: &Command) -> Result<Vec<u8>, CommandError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    Ok(page)
}
