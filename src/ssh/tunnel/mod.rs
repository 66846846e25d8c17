//! Jump hosts: one SSH session to a jump host carries the connections of every host
//! behind it as `direct-tcpip` channels, moved by one thread per session ([`pump`]).
//!
//! A bastion with sshd's default `MaxStartups 10:30:100` starts dropping new connections
//! once 10 are unauthenticated; a fleet tool that opened one SSH connection to the
//! bastion per target (`ssh -J` per host, as pssh does) loses hosts there. herd opens
//! one session per jump host (a few when channel opens queue up: libssh2 opens one
//! channel at a time per session, and a target the bastion cannot reach holds that
//! session's queue until the bastion gives up), so the bastion sees at most
//! [`MAX_SESSIONS`] connections from a run, whatever `--forks` is.
//!
//! Chains work the same way: the session to the second hop runs over a channel of the
//! first, and so on. A jump host that cannot be reached fails every host behind it with
//! its reason, once: later hosts get the same answer at once instead of each waiting for
//! their own timeout.

mod pump;

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::connect::{Deadline, establish};
use super::error::ConnectError;
use super::known_hosts::KnownHosts;
use super::{ConnectOptions, HostSpec, Proxy};

/// Most sessions herd opens to one jump host in one run.
pub(crate) const MAX_SESSIONS: usize = 4;

/// The jump host sessions of one run, by chain (`user@host:port,…`).
#[derive(Debug, Default)]
pub(crate) struct Jumps {
    pools: Mutex<HashMap<String, Arc<Pool>>>,
}

impl Jumps {
    /// A stream to `address:port` through the jump hosts `chain` (first hop first).
    pub(super) fn open(
        &self,
        chain: &[HostSpec],
        address: &str,
        port: u16,
        deadline: &Deadline,
        options: &ConnectOptions,
        known_hosts: &KnownHosts,
    ) -> Result<UnixStream, ConnectError> {
        let pool = self.pool(chain);
        pool.open(address, port, deadline, options, known_hosts)
    }

    fn pool(&self, chain: &[HostSpec]) -> Arc<Pool> {
        let key = chain_key(chain);
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(pools.entry(key).or_insert_with(|| {
            Arc::new(Pool {
                chain: chain.to_vec(),
                state: Mutex::new(PoolState::default()),
                changed: Condvar::new(),
            })
        }))
    }
}

/// `user@host:port` of each hop, comma-separated: one pool per distinct chain.
fn chain_key(chain: &[HostSpec]) -> String {
    chain
        .iter()
        .map(|hop| format!("{}@{}", hop.user, hop.target()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The sessions to the last hop of one chain.
#[derive(Debug)]
struct Pool {
    /// The hops, first to last; the sessions go to the last one.
    chain: Vec<HostSpec>,
    state: Mutex<PoolState>,
    /// Signalled when a session is added or connecting one failed.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct PoolState {
    tunnels: Vec<Tunnel>,
    /// Sessions being connected right now.
    connecting: usize,
    /// Why the jump host could not be reached, once a connect failed with no session up.
    failed: Option<String>,
}

/// The reason a jump host could not be used, with what to do when it refused us.
fn with_hint(error: &ConnectError) -> String {
    match error {
        ConnectError::AuthenticationFailed { .. } => format!(
            "{error}; a jump host authenticates with its own settings: name an inventory host \
             in proxy_jump, or give it an IdentityFile in the ssh config"
        ),
        _ => error.to_string(),
    }
}

/// What a host waiting for its channel gets back.
type Reply = Result<UnixStream, String>;

/// A request to the pump thread for a channel to `address:port`.
pub(super) struct OpenRequest {
    address: String,
    port: u16,
    reply: Sender<Reply>,
}

/// One session to the jump host, as seen by the hosts that use it.
#[derive(Debug)]
struct Tunnel {
    requests: Sender<OpenRequest>,
    /// A byte written here wakes the pump thread.
    waker: UnixStream,
    /// Channel opens asked for and not yet answered.
    queued: Arc<AtomicUsize>,
    /// Cleared when the session to the jump host ended.
    alive: Arc<AtomicBool>,
}

impl Pool {
    fn open(
        &self,
        address: &str,
        port: u16,
        deadline: &Deadline,
        options: &ConnectOptions,
        known_hosts: &KnownHosts,
    ) -> Result<UnixStream, ConnectError> {
        let (reply, replies) = crossbeam_channel::bounded(1);
        let request = OpenRequest {
            address: address.to_owned(),
            port,
            reply,
        };
        let mut state = self.lock();
        loop {
            state.tunnels.retain(|t| t.alive.load(Ordering::SeqCst));
            let room = state.tunnels.len() + state.connecting < MAX_SESSIONS;
            let best = state
                .tunnels
                .iter()
                .min_by_key(|t| t.queued.load(Ordering::SeqCst));
            let idle = best.is_some_and(|t| t.queued.load(Ordering::SeqCst) == 0);
            if let Some(tunnel) = best.filter(|_| idle || !room || state.failed.is_some()) {
                tunnel.queued.fetch_add(1, Ordering::SeqCst);
                if tunnel.requests.send(request).is_err() {
                    return Err(self.failure("the connection to it was lost".into()));
                }
                let _ = (&tunnel.waker).write(&[1]);
                break;
            }
            if state.tunnels.is_empty() && state.connecting == 0 {
                if let Some(reason) = &state.failed {
                    return Err(self.failure(reason.clone()));
                }
            }
            if room && state.failed.is_none() {
                state.connecting += 1;
                drop(state);
                let connected = self.connect(deadline, options, known_hosts);
                state = self.lock();
                state.connecting -= 1;
                self.changed.notify_all();
                match connected {
                    Ok(tunnel) => state.tunnels.push(tunnel),
                    Err(ConnectError::Cancelled { target }) => {
                        return Err(ConnectError::Cancelled { target });
                    }
                    Err(error) => {
                        // Decided once: hosts still waiting, and later ones, get the same
                        // answer instead of each trying (and waiting) again.
                        let reason = with_hint(&error);
                        if state.tunnels.is_empty() {
                            state.failed = Some(reason.clone());
                        }
                        return Err(self.failure(reason));
                    }
                }
                continue;
            }
            // Sessions are being connected: wait for one.
            let left = deadline.at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(deadline.timed_out("jump host"));
            }
            state = self
                .changed
                .wait_timeout(state, left.min(Duration::from_millis(100)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if options.cancel.load(Ordering::SeqCst) {
                return Err(ConnectError::Cancelled {
                    target: deadline.target.clone(),
                });
            }
        }
        drop(state);
        self.wait_reply(&replies, deadline, options)
    }

    fn wait_reply(
        &self,
        replies: &Receiver<Reply>,
        deadline: &Deadline,
        options: &ConnectOptions,
    ) -> Result<UnixStream, ConnectError> {
        loop {
            if options.cancel.load(Ordering::SeqCst) {
                return Err(ConnectError::Cancelled {
                    target: deadline.target.clone(),
                });
            }
            let left = deadline.at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(deadline.timed_out("channel through jump host"));
            }
            match replies.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(reason)) => {
                    return Err(ConnectError::Network {
                        target: deadline.target.clone(),
                        reason: format!("{} refused the channel: {reason}", self.name()),
                    });
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.failure("the connection to it was lost".into()));
                }
            }
        }
    }

    /// Connects a new session to the last hop and starts its pump thread.
    fn connect(
        &self,
        deadline: &Deadline,
        options: &ConnectOptions,
        known_hosts: &KnownHosts,
    ) -> Result<Tunnel, ConnectError> {
        let (hop, before) = self
            .chain
            .split_last()
            .expect("a jump chain is never empty");
        let mut hop = hop.clone();
        if !before.is_empty() {
            hop.proxy = Proxy::Jump(before.to_vec());
        }
        // The hop gets what is left of the waiting host's connect timeout.
        let hop_deadline = Deadline::until(&hop, deadline);
        let established = establish(&hop, &hop_deadline, options, known_hosts)?;
        let (requests, requests_in) = crossbeam_channel::unbounded();
        let (waker, woken) = UnixStream::pair().map_err(|error| ConnectError::Network {
            target: hop.target(),
            reason: format!("cannot make a socket pair: {error}"),
        })?;
        let queued = Arc::new(AtomicUsize::new(0));
        let alive = Arc::new(AtomicBool::new(true));
        pump::start(
            established,
            requests_in,
            woken,
            Arc::clone(&queued),
            Arc::clone(&alive),
        )
        .map_err(|error| ConnectError::Network {
            target: hop.target(),
            reason: format!("cannot start a thread for the jump host: {error}"),
        })?;
        Ok(Tunnel {
            requests,
            waker,
            queued,
            alive,
        })
    }

    /// `user@host:port` of the last hop.
    fn name(&self) -> String {
        let hop = self.chain.last().expect("a jump chain is never empty");
        format!("jump host {}@{}", hop.user, hop.target())
    }

    fn failure(&self, reason: String) -> ConnectError {
        ConnectError::Jump {
            jump: self.name(),
            reason,
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
