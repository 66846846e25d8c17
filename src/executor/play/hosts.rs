//! Every host of a playbook run: its one SSH session, its registered results, and
//! whether it is still in the run.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::event::{Event, HostName, Outcome};
use crate::executor::HostTarget;
use crate::plan::Registered;
use crate::ssh::{self, ConnectOptions, KnownHosts, SshConnection};

/// The run's hosts, each behind its own lock: a host is worked on by one thread at a
/// time, while sessions outlive the threads (there may be more hosts than forks).
pub(super) struct RunHosts<'a> {
    hosts: &'a [HostTarget],
    index: HashMap<&'a str, usize>,
    slots: Vec<Mutex<HostSlot>>,
}

/// One host's state during the run.
#[derive(Default)]
pub(super) struct HostSlot {
    /// The SSH session, opened on first use.
    pub(super) session: Session,
    /// Results registered in the current play (`register:`).
    pub(super) registered: Registered,
    /// `Some` once the host failed a step or could not be reached: it runs nothing more.
    pub(super) fate: Option<Outcome>,
    /// When the run first got to the host; `None`: never (it was not run).
    reached: Option<Instant>,
}

impl HostSlot {
    /// Whether the host is out of the run.
    pub(super) fn is_out(&self) -> bool {
        self.fate.is_some()
    }

    /// Notes that the run got to the host.
    pub(super) fn reach(&mut self) {
        self.reached.get_or_insert_with(Instant::now);
    }

    /// Takes back [`HostSlot::reach`] for a host that was never connected because the
    /// run was cancelled: it shows as "not run", not as a host that finished.
    pub(super) fn unreach_if_never_connected(&mut self) {
        if matches!(self.session, Session::NotYet) {
            self.reached = None;
        }
    }
}

/// Why a step could not get a session for its host.
#[derive(Debug)]
pub(super) enum Unreached {
    /// Connecting failed (now or earlier in the run): the host is unreachable.
    Unreachable(String),
    /// The run was cancelled while connecting: nothing ran on the host.
    Cancelled,
}

/// A host's SSH session: not opened yet, open, or refused for good.
#[derive(Default)]
pub(super) enum Session {
    /// No step has needed the host yet.
    #[default]
    NotYet,
    /// Connected and authenticated.
    Open(Box<SshConnection>),
    /// Connecting failed: the host is unreachable for the rest of the run.
    Refused,
}

impl Session {
    /// The open session, connecting first if no step has needed one yet.
    pub(super) fn open(
        &mut self,
        host: &HostTarget,
        options: &ConnectOptions,
        known_hosts: &KnownHosts,
    ) -> Result<&mut SshConnection, Unreached> {
        if matches!(self, Session::NotYet) {
            match ssh::connect(&host.spec, options, known_hosts) {
                Ok(connection) => *self = Session::Open(Box::new(connection)),
                Err(ssh::ConnectError::Cancelled { .. }) => return Err(Unreached::Cancelled),
                Err(error) => {
                    *self = Session::Refused;
                    return Err(Unreached::Unreachable(error.to_string()));
                }
            }
        }
        match self {
            Session::Open(connection) => Ok(connection),
            _ => Err(Unreached::Unreachable(
                "the host was unreachable earlier in the run".into(),
            )),
        }
    }
}

impl<'a> RunHosts<'a> {
    /// The run's `hosts`, none connected yet.
    pub(super) fn new(hosts: &'a [HostTarget]) -> Self {
        RunHosts {
            hosts,
            index: hosts
                .iter()
                .enumerate()
                .map(|(at, host)| (&*host.name, at))
                .collect(),
            slots: hosts.iter().map(|_| Mutex::default()).collect(),
        }
    }

    /// The position of the host called `name`.
    pub(super) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The host at `at`.
    pub(super) fn host(&self, at: usize) -> &'a HostTarget {
        &self.hosts[at]
    }

    /// The host's name.
    pub(super) fn name(&self, at: usize) -> HostName {
        self.hosts[at].name.clone()
    }

    /// The host's state, locked. A thread that panicked while holding it cannot leave
    /// it half-written in a way that matters here, so a poisoned lock is taken over.
    pub(super) fn lock(&self, at: usize) -> MutexGuard<'_, HostSlot> {
        self.slots[at]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `HostFinished` for every host the run got to, with its fate (ok unless it
    /// failed or was unreachable).
    pub(super) fn finish(&self, send: &dyn Fn(Event)) {
        for (at, slot) in self.slots.iter().enumerate() {
            let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(reached) = slot.reached {
                send(Event::HostFinished {
                    host: self.name(at),
                    outcome: slot.fate.clone().unwrap_or(Outcome::Ok),
                    elapsed: reached.elapsed(),
                });
            }
        }
    }
}
