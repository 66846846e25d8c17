//! `herd play PLAYBOOK`: plan everything, then run it (or print the plan, `--plan`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::CommandError;
use super::play_hosts::play_hosts;
use super::setup::{
    execute_and_report, executor_options, known_hosts, load_inventory, note_added_keys,
};
use super::vault::vault;
use crate::cli::args::{OutputFormat, PlayArgs};
use crate::event::HostName;
use crate::executor::{self, HostTarget, PlayOptions};
use crate::interrupt::Interrupt;
use crate::plan::{self, Plan, PlanOptions};
use crate::playbook;
use crate::report::{self, OutputMode, RunSummary};

/// Loads, checks and plans the playbook; prints the plan (`--plan`) or runs it.
/// Every problem with the playbook, inventory, variables or options (a wrong vault
/// password too) is found before any host is contacted.
pub fn play(args: PlayArgs) -> Result<i32, CommandError> {
    let vault = vault(&args.vault)?;
    let playbook_dir = match args.playbook.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let inventory = load_inventory(args.inventory.as_deref(), Some(playbook_dir), &vault)?;
    let playbook = playbook::load_with_vault(&args.playbook, &vault)?;
    let (extra_vars, extra_secret_vars) =
        plan::parse_extra_vars_with_vault(&args.extra_vars, Path::new("."), &vault)?;
    let options = PlanOptions {
        limit: args.limit.clone(),
        extra_vars,
        extra_secret_vars,
        vault: vault.clone(),
        tags: args.tags.clone(),
        skip_tags: args.skip_tags.clone(),
        shard: args.shard,
    };
    let plan = plan::build(&playbook, &inventory, &options)?;
    if args.plan {
        let text = match args.output {
            OutputFormat::Text => plan::plan_text(&plan),
            OutputFormat::Json => plan::plan_json(&plan),
        };
        report::print_document(&text)?;
        return Ok(report::EXIT_OK);
    }
    let hosts = play_hosts(&inventory, &plan, &args.connection)?;
    if let Some(path) = &args.retry_file {
        // Made (empty) now, so a path that cannot be written stops the run before it starts.
        write_retry_file(path, &[])?;
    }
    let (summary, exit_code) = run(&args, &plan, &hosts)?;
    if let Some(path) = &args.retry_file {
        if let Err(error) = write_retry_file(path, &summary.failed_or_unreachable()) {
            report::error(&error.to_string());
        }
    }
    Ok(exit_code)
}

/// Runs the plan on `hosts`, reporting live (or as JSON Lines); returns the summary and
/// the exit code (130 when Ctrl-C stopped the run).
fn run(
    args: &PlayArgs,
    plan: &Plan,
    hosts: &[HostTarget],
) -> Result<(RunSummary, i32), CommandError> {
    let cancel = Arc::new(AtomicBool::new(false));
    let options = PlayOptions {
        executor: executor_options(&args.connection, hosts, Arc::clone(&cancel))?,
        check: args.check,
        diff: args.diff,
        max_sessions: args.max_sessions.map(|n| n as usize),
    };
    let known_hosts = known_hosts(&args.connection)?;
    let interrupt = Interrupt::install(cancel);
    let mode = match args.output {
        OutputFormat::Text => OutputMode::Live,
        OutputFormat::Json => OutputMode::Json,
    };
    let summary = execute_and_report(mode, |events| {
        executor::run_playbook(plan, hosts, &options, &known_hosts, events);
    })?;
    note_added_keys(&known_hosts);
    let exit_code = interrupt.exit_code(&summary);
    Ok((summary, exit_code))
}

/// Writes `hosts`, one a line, to the retry file at `path`.
fn write_retry_file(path: &Path, hosts: &[HostName]) -> Result<(), CommandError> {
    let text: String = hosts.iter().map(|host| format!("{host}\n")).collect();
    fs::write(path, text).map_err(|error| CommandError::LocalPath {
        path: PathBuf::from(path),
        reason: format!("cannot write the retry file: {error}"),
    })
}
