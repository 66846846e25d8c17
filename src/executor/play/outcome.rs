//! How a step's try, or the whole step, came out on a host ([`Done`]), what a try needs
//! from its surroundings ([`Io`]), and `register:` ([`register`]): shared by the step
//! (`step`, `tries`) and its actions (`command`, `put`, `get`, `remote`), which import
//! this and not their caller.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::event::{Event, HostName, StepStatus};
use crate::executor::privilege::Shell;
use crate::plan::{PlannedStep, Registered, StepResult};
use crate::ssh::Transport;
use serde_json::Value;

/// How one try, or the whole step, came out.
pub(super) struct Done {
    /// What `register:` stores.
    pub(super) result: StepResult,
    /// What happened, for people; never a secret.
    pub(super) message: Option<String>,
}

impl Done {
    /// A step that changed something, or did not (`changed: false`).
    pub(super) fn success(changed: bool, message: impl Into<String>) -> Done {
        Done {
            result: StepResult {
                changed,
                rc: Some(0),
                ..StepResult::default()
            },
            message: Some(message.into()),
        }
    }

    /// A step that failed, without an exit status.
    pub(super) fn failed(message: impl Into<String>) -> Done {
        Done {
            result: StepResult {
                failed: true,
                ..StepResult::default()
            },
            message: Some(message.into()),
        }
    }

    /// A step that did not run.
    pub(super) fn skipped(message: impl Into<String>) -> Done {
        Done {
            result: StepResult::skipped(),
            message: Some(message.into()),
        }
    }

    /// The status this outcome is reported with.
    pub(super) fn status(&self) -> StepStatus {
        if self.result.failed {
            StepStatus::Failed
        } else if self.result.skipped {
            StepStatus::Skipped
        } else if self.result.changed {
            StepStatus::Changed
        } else {
            StepStatus::Ok
        }
    }
}

/// What a step's try needs from its surroundings.
pub(super) struct Io<'a> {
    /// The host, for `Output` events.
    pub(super) host: &'a HostName,
    /// How long one remote command may run.
    pub(super) timeout: Option<Duration>,
    /// Set to stop the run.
    pub(super) cancel: &'a AtomicBool,
    /// Where events go.
    pub(super) send: &'a (dyn Fn(Event) + Sync),
}

/// Registers `result` under the step's `register:` name, if it has one.
pub(super) fn register(registered: &mut Registered, step: &PlannedStep, result: &StepResult) {
    register_value(registered, step, result.to_value());
}

/// Registers `value` (a looped step's results) under the step's `register:` name, if it
/// has one.
pub(super) fn register_value(registered: &mut Registered, step: &PlannedStep, value: Value) {
    if let Some(name) = &step.options.register {
        registered.insert(name.clone(), value);
    }
}

/// Where a step runs on a host: its session, its results so far, its shell, and its
/// surroundings.
pub(super) struct On<'t, 'a> {
    /// The host's session.
    pub(super) transport: &'t mut dyn Transport,
    /// The host's registered results.
    pub(super) registered: &'t mut Registered,
    /// The login user's shell, or `sudo`'s.
    pub(super) shell: &'t Shell<'a>,
    /// Events, timeout, cancel flag.
    pub(super) io: &'t Io<'a>,
}
