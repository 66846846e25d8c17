//! One step on one host: resolve it with the host's results so far, connect, have it
//! run (`ready`, or `items` for a loop), and say how it ended.

use std::time::Duration;

use crate::event::{Event, Outcome, StepStatus};
use crate::plan::{
    LoopResults, PlannedItem, PlannedPlay, PlannedStep, Ready, Resolved, Skip, StepResult,
};
use crate::ssh::Transport;

use super::hosts::{HostSlot, Unreached};
use super::items;
use super::local::Local;
use super::outcome::{Done, Io, On, register, register_value};
use super::ready;
use super::run::Run;
use super::tries::Tries;
use crate::executor::privilege::Shell;

/// Runs step `step` of `play` (a handler past its steps, see
/// [`PlannedPlay::step_at`]) on the play's host `host` (the run's host `at`), sends its
/// `StepFinished` and returns its status (`None` when cancelled). A failure (unless
/// ignored) or an unreachable host takes the host out of the rest of the run.
pub(super) fn run_step(
    run: &Run<'_>,
    play: &PlannedPlay,
    step: usize,
    host: usize,
    at: usize,
) -> Option<StepStatus> {
    let planned = play.step_at(step)?;
    let name = run.hosts.name(at);
    let mut slot = run.hosts.lock(at);
    let (status, done) = match attempt(run, play, (step, planned), host, at, &mut slot) {
        Ok(done) => (done.status(), done),
        Err(Unreached::Cancelled) => {
            slot.unreach_if_never_connected();
            return None;
        }
        Err(Unreached::Unreachable(message)) => {
            slot.fate = Some(Outcome::Unreachable {
                message: message.clone(),
            });
            (StepStatus::Unreachable, Done::failed(message))
        }
    };
    // A message may quote a real value (an SSH error names the remote path): mask the
    // host's secrets in it as the plan shows them.
    let done = Done {
        message: (done.message.as_deref()).map(|m| play.mask_message(step, host, m)),
        ..done
    };
    let ignored = status == StepStatus::Failed && planned.options.ignore_errors;
    if status == StepStatus::Failed && !ignored {
        let why = done.message.as_deref().unwrap_or("failed");
        let what = if step < play.steps.len() {
            format!("step {}", planned.number)
        } else {
            "handler".to_owned()
        };
        slot.fate = Some(Outcome::Failed {
            exit_code: done.result.rc,
            message: format!("{what} '{}': {why}", planned.label),
        });
    }
    drop(slot);
    (run.send)(Event::StepFinished {
        host: name,
        number: planned.number,
        status,
        ignored,
        message: done.message,
        rc: done.result.rc,
    });
    Some(status)
}

/// What a step that runs does on a host: once, or once per item of its loop.
enum Work {
    Once(Box<Ready>),
    Items(Vec<PlannedItem>),
}

/// The step on the host, start to end; `Err` when the host cannot be reached.
fn attempt(
    run: &Run<'_>,
    play: &PlannedPlay,
    (step, planned): (usize, &PlannedStep),
    host: usize,
    at: usize,
    slot: &mut HostSlot,
) -> Result<Done, Unreached> {
    let work = match play.resolve(step, host, &slot.registered) {
        Err(error) => return Ok(Done::failed(error.to_string())),
        Ok(Resolved::Skipped(skip)) => {
            match skip {
                Skip::EmptyLoop => {
                    let empty = LoopResults::default().to_value();
                    register_value(&mut slot.registered, planned, empty);
                }
                _ if skip.registers_result() => {
                    register(&mut slot.registered, planned, &StepResult::skipped());
                }
                _ => {}
            }
            return Ok(Done::skipped(skip_reason(&skip)));
        }
        Ok(Resolved::Ready(ready)) => Work::Once(ready),
        Ok(Resolved::Loop(items)) => Work::Items(items),
    };
    let target = run.hosts.host(at);
    let executor = &run.options.executor;
    let mut controller = Local;
    let transport: &mut dyn Transport = if planned.options.delegate_to_localhost {
        &mut controller
    } else {
        run.hosts.session(
            at,
            (&mut slot.session, &mut slot.last_use),
            &executor.connect,
            run.known_hosts,
        )?
    };
    let name = run.hosts.name(at);
    let io = Io {
        host: &name,
        timeout: planned
            .options
            .timeout
            .map(Duration::from_secs)
            .or(executor.command_timeout),
        cancel: &executor.cancel,
        send: run.send,
    };
    let shell = Shell {
        become_: planned.options.become_,
        user: planned.options.become_user.as_deref(),
        password: target.become_password.as_ref(),
    };
    let tries = Tries {
        play,
        step,
        planned,
        host,
        item: None,
        check: planned.options.check_mode.unwrap_or(run.options.check),
        diff: run.options.diff,
    };
    let on = On {
        transport,
        registered: &mut slot.registered,
        shell: &shell,
        io: &io,
    };
    Ok(match work {
        Work::Items(items) => items::run(&tries, on, &items),
        Work::Once(ready) => ready::run(&tries, on, &ready),
    })
}

/// Why a step (or an item) was skipped, as the status line shows it.
pub(super) fn skip_reason(skip: &Skip) -> String {
    match skip {
        Skip::When { condition } => format!("when: {condition} → false"),
        Skip::Tags { detail } => detail.clone(),
        Skip::EmptyLoop => "no items in the loop".to_owned(),
    }
}
