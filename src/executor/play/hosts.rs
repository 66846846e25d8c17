//! Every host of a playbook run: its one SSH session, its registered results, and
//! whether it is still in the run.
//!
//! Sessions outlive steps (a host keeps its session from step to step), but not beyond
//! a budget: every session is a socket and about 110 KB of libssh2 state, so a run holds
//! at most [`session_limit`] at once (the open-files limit, and [`MAX_HELD`] for
//! memory). To open one more, the idle session used most recently is closed (its host
//! reconnects when a later step needs it): linear steps walk the hosts in the same
//! order every time, so the host used last is the one needed last, where closing the
//! least recently used would close every session just before it is needed. Hosts out
//! of the run go first. The recap says how many connections were made again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::event::{Event, HostName, Outcome};
use crate::executor::{HostTarget, descriptors};
use crate::plan::Registered;
use crate::ssh::{self, ConnectOptions, KnownHosts, SshConnection};

/// Most sessions held at once for memory's sake (about 28 MB of libssh2 state: some 110 KB each, measured).
pub(super) const MAX_HELD: usize = 256;

/// How many sessions a run may hold at once with `forks` connecting: the open-files
/// limit less a reserve, the forks' own sockets and those of hosts dialing, at most `wanted` (`--max-sessions`,
/// else [`MAX_HELD`]), at least `forks` (each fork needs one).
pub(super) fn session_limit(forks: usize, wanted: Option<usize>) -> usize {
    descriptors::for_held_sessions(forks)
        .min(wanted.unwrap_or(MAX_HELD))
        .max(forks)
}

/// The run's hosts, each behind its own lock: a host is worked on by one thread at a
/// time, while sessions outlive the threads (there may be more hosts than forks).
pub(super) struct RunHosts<'a> {
    hosts: &'a [HostTarget],
    index: HashMap<&'a str, usize>,
    slots: Vec<Mutex<HostSlot>>,
    /// Most sessions held at once.
    limit: usize,
    /// Sessions open now.
    held: AtomicUsize,
    /// Sessions opened again after being closed for the budget.
    reopened: AtomicUsize,
    /// A clock of session uses, for choosing which to close.
    uses: AtomicU64,
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
    /// When the session was last used, on the run's use clock.
    pub(super) last_use: u64,
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

/// A host's SSH session: not opened yet, open, closed for the budget, or refused for
/// good.
#[derive(Default)]
pub(super) enum Session {
    /// No step has needed the host yet.
    #[default]
    NotYet,
    /// Connected and authenticated.
    Open(Box<SshConnection>),
    /// Was open, closed to stay within the session budget: reconnect on next use.
    Parked,
    /// Connected up to the server's banner beside the forks ([`RunHosts::dial`]), for
    /// the step that needs the host; `parked`: it had a session before.
    Dialed {
        /// What dialing gave.
        dialed: Box<Result<ssh::Dialed, ssh::ConnectError>>,
        /// Whether the host had a session before, closed for the budget.
        parked: bool,
    },
    /// Connecting failed: the host is unreachable for the rest of the run.
    Refused,
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
            limit: MAX_HELD,
            held: AtomicUsize::new(0),
            reopened: AtomicUsize::new(0),
            uses: AtomicU64::new(0),
        }
    }

    /// Holds at most `limit` sessions at once (see [`session_limit`]).
    pub(super) fn with_session_limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// The open session of the host at `at` (whose slot the caller holds: its
    /// `session` and `last_use`), connecting first if no step has needed one yet or it
    /// was closed for the budget.
    pub(super) fn session<'s>(
        &self,
        at: usize,
        (session, last_use): (&'s mut Session, &mut u64),
        options: &ConnectOptions,
        known_hosts: &KnownHosts,
    ) -> Result<&'s mut SshConnection, Unreached> {
        *last_use = self.uses.fetch_add(1, Ordering::Relaxed) + 1;
        let again = match session {
            Session::Open(_) => false,
            Session::NotYet | Session::Dialed { parked: false, .. } => true,
            Session::Parked | Session::Dialed { parked: true, .. } => {
                self.reopened.fetch_add(1, Ordering::Relaxed);
                true
            }
            Session::Refused => {
                return Err(Unreached::Unreachable(
                    "the host was unreachable earlier in the run".into(),
                ));
            }
        };
        if again {
            self.make_room(at);
            let spec = &self.hosts[at].spec;
            let had_one = matches!(
                session,
                Session::Parked | Session::Dialed { parked: true, .. }
            );
            let connected = match std::mem::take(session) {
                Session::Dialed { dialed, .. } => (*dialed)
                    .and_then(|dialed| ssh::connect_dialed(spec, dialed, options, known_hosts)),
                _ => ssh::connect(spec, options, known_hosts),
            };
            match connected {
                Ok(connection) => {
                    self.held.fetch_add(1, Ordering::SeqCst);
                    *session = Session::Open(Box::new(connection));
                }
                Err(ssh::ConnectError::Cancelled { .. }) => {
                    if had_one {
                        *session = Session::Parked;
                    }
                    return Err(Unreached::Cancelled);
                }
                Err(error) => {
                    *session = Session::Refused;
                    return Err(Unreached::Unreachable(error.to_string()));
                }
            }
        }
        match session {
            Session::Open(connection) => Ok(connection),
            _ => Err(Unreached::Unreachable(
                "the host was unreachable earlier in the run".into(),
            )),
        }
    }

    /// Connects the host at `at` up to its server's banner ([`ssh::dial`]) if it is still
    /// in the run and has no session, so that the step needing it finds it dialed: the
    /// wait for a silent or dead host is spent here, outside the forks. Cancelled
    /// dialing leaves the host as it was (its step then finds the run cancelled).
    pub(super) fn dial(&self, at: usize, options: &ConnectOptions) {
        {
            let slot = self.lock(at);
            if slot.is_out() || !matches!(slot.session, Session::NotYet | Session::Parked) {
                return;
            }
        }
        let dialed = ssh::dial(&self.hosts[at].spec, options);
        if matches!(dialed, Err(ssh::ConnectError::Cancelled { .. })) {
            return;
        }
        let mut slot = self.lock(at);
        let parked = matches!(slot.session, Session::Parked);
        if parked || matches!(slot.session, Session::NotYet) {
            slot.session = Session::Dialed {
                dialed: Box::new(dialed),
                parked,
            };
        }
    }

    /// Drops what [`RunHosts::dial`] made for the host at `at` if its step did not use it
    /// (the step was skipped there), so no connection waits, holding its turn at the
    /// server, for a later step.
    pub(super) fn forget_dial(&self, at: usize) {
        let mut slot = self.lock(at);
        if let Session::Dialed { parked, .. } = slot.session {
            slot.session = if parked {
                Session::Parked
            } else {
                Session::NotYet
            };
        }
    }

    /// Closes idle sessions until one more fits the budget: those of hosts out of the
    /// run first, then the one used most recently. Sessions in use (their host locked
    /// by another thread) are never touched; when all are, the budget is exceeded
    /// rather than waited for (it leaves room for the forks).
    fn make_room(&self, at: usize) {
        while self.held.load(Ordering::SeqCst) >= self.limit {
            let mut best: Option<((bool, u64), usize)> = None;
            for (other, slot) in self.slots.iter().enumerate() {
                if other == at {
                    continue;
                }
                let Ok(slot) = slot.try_lock() else {
                    continue;
                };
                if matches!(slot.session, Session::Open(_)) {
                    let score = (slot.is_out(), slot.last_use);
                    if best.is_none_or(|(top, _)| score > top) {
                        best = Some((score, other));
                    }
                }
            }
            let Some((_, victim)) = best else {
                return;
            };
            if let Ok(mut slot) = self.slots[victim].try_lock() {
                if matches!(slot.session, Session::Open(_)) {
                    slot.session = Session::Parked;
                    self.held.fetch_sub(1, Ordering::SeqCst);
                }
            }
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
    /// failed or was unreachable), after `SessionsReopened` when the budget made hosts
    /// reconnect.
    pub(super) fn finish(&self, send: &dyn Fn(Event)) {
        let reopened = self.reopened.load(Ordering::Relaxed);
        if reopened > 0 {
            send(Event::SessionsReopened {
                limit: self.limit,
                reopened,
            });
        }
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
