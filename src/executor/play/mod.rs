//! Runs a playbook's [`Plan`]: plays in order; in each play its batches (`serial`) in
//! order; in each batch the steps, either step by step across the hosts (`linear`) or
//! each host through all its steps on its own (`free`), then the handlers its
//! changed steps notified.
//!
//! Each host is connected once, on its first step that touches it, and that session
//! serves every later step of every play. A host that fails a step (unless the step
//! has `ignore_errors`) or cannot be reached takes no further part in the run. Like the
//! ad-hoc executor, this never prints: everything goes out as [`Event`]s.
//!
//! Map of this folder:
//! - `run`: the run's options and what every part of it shares (`Run`);
//! - `hosts`: every host of the run with its session, registered results and fate;
//! - `strategy`: `linear` and `free`, batches, handlers and `max_fail_percentage`;
//! - `handlers`: which hosts were notified to run which handler, in a batch;
//! - `local`: the controller as a transport, for `delegate_to: localhost`;
//! - `step`: one step on one host: resolve, connect, `creates`/`removes`, and how it
//!   ended; `tries`: its tries (`retries`, `until`, check mode, `register`);
//! - `outcome`: how a try or step came out (`Done`), what a try needs (`Io`) and
//!   `register`, shared by the step and its actions so they never import their caller;
//! - `command` (`run`, through `sudo` for `become`), `put` and `get` (idempotent, by
//!   SHA-256), over `remote`'s quiet checks.

mod command;
mod get;
mod handlers;
mod hosts;
mod items;
mod local;
mod outcome;
mod put;
mod ready;
mod remote;
mod run;
mod staged;
mod step;
mod strategy;
mod tries;

use crossbeam_channel::Sender;

use super::HostTarget;
use crate::event::Event;
use crate::plan::Plan;
use crate::ssh::KnownHosts;
use hosts::RunHosts;
pub use run::PlayOptions;
use run::Run;

/// Runs `plan` on `hosts` (every host of every play, once each, in inventory order),
/// sending events as things happen: `RunStarted`, then per play `PlayStarted`, per step
/// `StepStarted`, the commands' `Output` and a `StepFinished` per host, and at the end
/// a `HostFinished` for every host the run reached (a host in a batch that never ran
/// gets none: it is "not run").
pub fn run_playbook(
    plan: &Plan,
    hosts: &[HostTarget],
    options: &PlayOptions,
    known_hosts: &KnownHosts,
    events: &Sender<Event>,
) {
    let send = |event| {
        // A closed channel means the reporter is gone; there is nobody left to tell.
        let _ = events.send(event);
    };
    send(Event::RunStarted {
        hosts: hosts.iter().map(|host| host.name.clone()).collect(),
    });
    let run = Run {
        hosts: RunHosts::new(hosts).with_session_limit(hosts::session_limit(
            options.executor.forks,
            options.max_sessions,
        )),
        options,
        known_hosts,
        source: plan.playbook.display().to_string(),
        send: &send,
    };
    for (index, play) in plan.plays.iter().enumerate() {
        if run.cancelled() {
            break;
        }
        let last = index + 1 == plan.plays.len();
        if let Err(abort) = strategy::run_play(&run, play, last) {
            send(Event::PlayAborted {
                name: play.name.clone(),
                reason: abort.0,
            });
            break;
        }
    }
    run.hosts.finish(&send);
}
