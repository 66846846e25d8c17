//! How many connections of one run may be logging in to one server at once.
//!
//! A connection counts from its TCP connect until it is authenticated (or has failed):
//! that is when a server spends the most on it (a forked, re-executed sshd, the key
//! exchange, PAM), and what OpenSSH's `MaxStartups` limits. Hundreds of names that all
//! point at one busy server (a load balancer, a lab, a NAT gateway) used to arrive
//! together at `--forks 256` and wait so long in its accept queue that their banner came
//! after the connect timeout. Waiting here for a turn does not count against the connect
//! timeout; many servers still log in in parallel, each at most [`PER_SERVER`] at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Logins in progress to one server address and port, at most. 64 keeps a busy
/// server's accept queue short (sshd listens with a backlog of 128) while saturating
/// it: measured against the lab's one sshd, 1000 names at `--forks 64` all log in
/// (bench scenario 6), and at `--forks 256` without this limit 4–5% timed out.
pub const PER_SERVER: usize = 64;

/// How often a waiter looks at the cancel flag: seldom enough that hundreds of waiters
/// cost little (at 100 ms, their wakeups were 9% of herd's CPU for 1000 names on one
/// server), often enough that Ctrl-C ends the run without a noticeable wait.
const CANCEL_CHECK: Duration = Duration::from_millis(500);

/// The logins in progress, by server. Cheap to clone: clones share the count.
#[derive(Debug, Clone)]
pub struct LoginGate(Arc<Counts>);

#[derive(Debug)]
struct Counts {
    limit: usize,
    servers: Mutex<HashMap<(String, u16), Server>>,
}

/// One server's logins in progress, and where the logins waiting for a turn sleep (one
/// for each server, so a turn ending wakes one waiter of that server, not every waiter).
#[derive(Debug, Default)]
struct Server {
    in_progress: usize,
    waiting: usize,
    freed: Arc<Condvar>,
}

impl Default for LoginGate {
    fn default() -> LoginGate {
        LoginGate::new(PER_SERVER)
    }
}

impl LoginGate {
    /// A gate letting `limit` logins (at least one) into each server at once.
    pub fn new(limit: usize) -> LoginGate {
        LoginGate(Arc::new(Counts {
            limit: limit.max(1),
            servers: Mutex::new(HashMap::new()),
        }))
    }

    /// Waits for a turn to log in to `address`:`port`; `None` if `cancel` was set first.
    /// The turn ends when the returned [`Turn`] is dropped.
    pub fn enter(&self, address: &str, port: u16, cancel: &AtomicBool) -> Option<Turn> {
        let counts = &self.0;
        let key = (address.to_owned(), port);
        let mut servers = counts.servers.lock().unwrap_or_else(|e| e.into_inner());
        let mut waited = false;
        let entered = loop {
            let server = servers.entry(key.clone()).or_default();
            if waited {
                server.waiting -= 1;
            }
            if cancel.load(Ordering::SeqCst) {
                break false;
            }
            if server.in_progress < counts.limit {
                server.in_progress += 1;
                break true;
            }
            server.waiting += 1;
            waited = true;
            let freed = Arc::clone(&server.freed);
            servers = freed
                .wait_timeout(servers, CANCEL_CHECK)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        if !entered {
            forget_if_idle(&mut servers, &key);
            return None;
        }
        Some(Turn {
            counts: Arc::clone(counts),
            key,
        })
    }

    /// Logins in progress to `address`:`port` now.
    #[cfg(test)]
    fn count(&self, address: &str, port: u16) -> usize {
        let servers = self.0.servers.lock().unwrap_or_else(|e| e.into_inner());
        servers
            .get(&(address.to_owned(), port))
            .map_or(0, |server| server.in_progress)
    }
}

/// Drops the entry of a server nobody is logging in to or waiting for.
fn forget_if_idle(servers: &mut HashMap<(String, u16), Server>, key: &(String, u16)) {
    if servers
        .get(key)
        .is_some_and(|server| server.in_progress == 0 && server.waiting == 0)
    {
        servers.remove(key);
    }
}

/// One login's turn at a server; dropping it lets the next one in.
#[derive(Debug)]
pub struct Turn {
    counts: Arc<Counts>,
    key: (String, u16),
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut servers = self
            .counts
            .servers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(server) = servers.get_mut(&self.key) {
            server.in_progress -= 1;
            if server.waiting > 0 {
                server.freed.notify_one();
            }
        }
        forget_if_idle(&mut servers, &self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn at_most_the_limit_log_in_to_one_server_and_every_one_gets_a_turn() {
        let gate = LoginGate::new(3);
        let cancel = AtomicBool::new(false);
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..16 {
                scope.spawn(|| {
                    let _turn = gate.enter("10.0.0.1", 22, &cancel).unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 16);
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(gate.count("10.0.0.1", 22), 0);
    }

    #[test]
    fn other_servers_and_ports_do_not_wait_for_a_full_one() {
        let gate = LoginGate::new(1);
        let cancel = AtomicBool::new(false);
        let _first = gate.enter("10.0.0.1", 22, &cancel).unwrap();
        let _other_port = gate.enter("10.0.0.1", 2222, &cancel).unwrap();
        let _other_server = gate.enter("10.0.0.2", 22, &cancel).unwrap();
        assert_eq!(gate.count("10.0.0.1", 22), 1);
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let gate = LoginGate::new(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let _held = gate.enter("10.0.0.1", 22, &cancel).unwrap();
        let waiter = {
            let (gate, cancel) = (gate.clone(), Arc::clone(&cancel));
            std::thread::spawn(move || gate.enter("10.0.0.1", 22, &cancel).is_none())
        };
        cancel.store(true, Ordering::SeqCst);
        assert!(waiter.join().unwrap());
    }
}
