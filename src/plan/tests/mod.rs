//! Planning whole playbooks against small inventories, without any SSH.

use super::*;
use crate::inventory::Inventory;
use crate::playbook::{self, Playbook};
use std::path::{Path, PathBuf};

mod extra_vars;
mod hosts;
mod loops;
mod run_context;
mod runtime;
mod steps;
mod text;
mod vars;
mod vault;

/// The lab-like inventory most tests use.
const SMALL: &str = "\
[web_clusters]
h[1:2]
[db_servers]
h[3:4]
";

fn inventory(text: &str) -> Inventory {
    Inventory::parse("hosts.ini", text).unwrap_or_else(|err| panic!("{err}"))
}

/// Parses `text` as `site.yml` with relative paths starting in `dir`.
fn playbook_in(dir: &Path, text: &str) -> Playbook {
    playbook::parse("site.yml", text, dir).unwrap_or_else(|err| panic!("{err}"))
}

/// Parses `text` as `site.yml` in the current directory.
fn playbook(text: &str) -> Playbook {
    playbook_in(Path::new("."), text)
}

fn plan_ok(book: &Playbook, inventory: &Inventory, options: &PlanOptions) -> Plan {
    build(book, inventory, options).unwrap_or_else(|err| panic!("{err}"))
}

/// The whole error message of a plan that must fail.
fn plan_err(book: &Playbook, inventory: &Inventory, options: &PlanOptions) -> String {
    match build(book, inventory, options) {
        Ok(plan) => panic!("expected an error, got:\n{}", plan_text(&plan)),
        Err(err) => err.to_string(),
    }
}

/// The plan of a one-play playbook on [`SMALL`], with default options.
fn plan_small(text: &str) -> Plan {
    plan_ok(&playbook(text), &inventory(SMALL), &PlanOptions::default())
}

/// `-e` values as the command line gives them.
fn extra(args: &[&str]) -> Map<String, Value> {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    parse_extra_vars(&args, Path::new(".")).unwrap_or_else(|err| panic!("{err}"))
}

/// Each host's state at step `step` of the first play.
fn states(plan: &Plan, step: usize) -> Vec<&StepState> {
    plan.plays[0].steps[step]
        .hosts
        .iter()
        .map(|host| &host.state)
        .collect()
}

/// The real command each host runs at step `step` of the first play; `-` when the
/// host's step is not ready.
fn commands(plan: &Plan, step: usize) -> Vec<String> {
    states(plan, step)
        .into_iter()
        .map(|state| match state {
            StepState::Ready(ready) => match &ready.real.action {
                PlannedAction::Run { command } => command.clone(),
                other => panic!("{other:?}"),
            },
            _ => "-".to_owned(),
        })
        .collect()
}
