//! The tries of a step on a host: the action once, then again while it fails (or,
//! with `until`, while the expression is false) and tries are left, `delay` apart.
//! Each try's result is registered before `until` is decided.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::event::Event;
use crate::plan::{LoopItem, PlannedAction, PlannedPlay, PlannedStep, Ready, Registered};
use crate::ssh::Transport;

use super::command::run_command;
use super::outcome::{Done, Io, register};
use super::remote::Attributes;
use super::{get, put};
use crate::executor::privilege::Shell;

/// A step (or one item of it), ready to be tried on one of its play's hosts.
#[derive(Clone, Copy)]
pub(super) struct Tries<'a> {
    /// The play.
    pub(super) play: &'a PlannedPlay,
    /// The step's index in the play.
    pub(super) step: usize,
    /// The step.
    pub(super) planned: &'a PlannedStep,
    /// The host's index in the play.
    pub(super) host: usize,
    /// The item, when the step loops.
    pub(super) item: Option<&'a LoopItem>,
    /// Change nothing (`--check`, or `check_mode: true`).
    pub(super) check: bool,
    /// `--diff`: show how `put`s change files.
    pub(super) diff: bool,
}

impl Tries<'_> {
    /// Tries the step until it succeeds (`until` holds) or its tries run out; the last
    /// try's result is what the step came to.
    pub(super) fn run(
        &self,
        transport: &mut dyn Transport,
        registered: &mut Registered,
        shell: &Shell<'_>,
        io: &Io<'_>,
        ready: &Ready,
    ) -> Done {
        let options = &self.planned.options;
        let attempts = options.retries.saturating_add(1);
        let mut tries = 1;
        loop {
            let diff = self.diff.then_some(self.planned.number);
            let mut done = once(transport, shell, io, ready, (self.check, diff));
            register(registered, self.planned, &done.result);
            if let Err(error) = self.judge(registered, &mut done) {
                return Done::failed(error);
            }
            let settled = match &options.until {
                None => !done.result.failed,
                Some(_) if done.result.skipped => true,
                Some(_) => {
                    match self
                        .play
                        .until_holds((self.step, self.host), self.item, registered)
                    {
                        Ok(holds) => holds,
                        Err(error) => return Done::failed(error.to_string()),
                    }
                }
            };
            if settled || tries >= attempts || io.cancel.load(Ordering::SeqCst) {
                if !settled {
                    if let Some(until) = &options.until {
                        done.result.failed = true;
                        done.message =
                            Some(format!("until `{until}` still false after {tries} tries"));
                        register(registered, self.planned, &done.result);
                    }
                }
                return done;
            }
            (io.send)(Event::StepRetrying {
                host: io.host.clone(),
                number: self.planned.number,
                attempt: tries,
                attempts,
                message: retry_reason(&done, options.until.as_deref()),
            });
            pause(Duration::from_secs(options.delay), io.cancel);
            tries += 1;
        }
    }
}

impl Tries<'_> {
    /// `changed_when:`/`failed_when:` applied to a try's result (registered again when
    /// they change it); `Err` when an expression cannot be decided.
    fn judge(&self, registered: &mut Registered, done: &mut Done) -> Result<(), String> {
        let options = &self.planned.options;
        if options.changed_when.is_none() && options.failed_when.is_none() {
            return Ok(());
        }
        let before = done.result.clone();
        self.play
            .judge(
                (self.step, self.host),
                self.item,
                registered,
                &mut done.result,
            )
            .map_err(|error| error.to_string())?;
        if done.result == before {
            return Ok(());
        }
        register(registered, self.planned, &done.result);
        if let Some(rule) = options.failed_when.as_ref() {
            if done.result.failed != before.failed {
                let verdict = format!("failed_when: {rule} → {}", done.result.failed);
                done.message = Some(match done.message.take() {
                    Some(message) => format!("{verdict} ({message})"),
                    None => verdict,
                });
            }
        }
        Ok(())
    }
}

/// One try of the step's action; under check mode, only what can be known without
/// changing anything; with `diff` (the step's number), a `put` shows its change.
/// Messages show the masked (`shown`) values.
fn once(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    ready: &Ready,
    (check, diff): (bool, Option<usize>),
) -> Done {
    match (&ready.real.action, &ready.shown.action) {
        (PlannedAction::Run { .. }, PlannedAction::Run { command: shown }) if check => {
            Done::skipped(format!("check mode: would run: {shown}"))
        }
        (PlannedAction::Run { command }, PlannedAction::Run { .. }) => {
            run_command(transport, shell, io, command, &ready.real)
        }
        (
            PlannedAction::Put {
                src,
                content,
                dest,
                mode,
                owner,
                group,
            },
            PlannedAction::Put {
                src: shown_src,
                dest: shown_dest,
                content: shown_content,
                ..
            },
        ) => {
            let put = put::Put {
                src,
                content,
                dest,
                attributes: Attributes {
                    mode: *mode,
                    owner: owner.as_deref(),
                    group: group.as_deref(),
                },
                shown: (&shown_src.display().to_string(), shown_dest),
                masked_text: put::Put::masked(shown_content),
                diff,
            };
            put::put(transport, shell, io, &put, check)
        }
        (
            PlannedAction::Get { src, dest },
            PlannedAction::Get {
                src: shown_src,
                dest: shown_dest,
            },
        ) => {
            let shown = (shown_src.as_str(), &*shown_dest.display().to_string());
            get::get(transport, shell, io, (src, dest), shown, check)
        }
        _ => Done::failed("the step's shown and real actions differ; nothing was done"),
    }
}

/// Why another try follows.
fn retry_reason(done: &Done, until: Option<&str>) -> String {
    match (until, &done.message) {
        (Some(until), _) if !done.result.failed => format!("until `{until}` is false"),
        (_, Some(message)) => message.clone(),
        (_, None) => "failed".into(),
    }
}

/// Sleeps for `delay`, waking early when `cancel` is set.
fn pause(delay: Duration, cancel: &AtomicBool) {
    let until = Instant::now() + delay;
    while !cancel.load(Ordering::SeqCst) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        thread::sleep(left.min(Duration::from_millis(100)));
    }
}
