//! Bounded sets of worker threads walking the host list in order: hosts dialed
//! beside the forks, then worked on by at most `forks` threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use super::descriptors;

/// Stack for host threads: SSH work needs little, and a thousand of them must fit.
const HOST_THREAD_STACK: usize = 512 * 1024;

/// How many hosts of `count` may be dialing at once with `forks` connected: within
/// the descriptors for dialing ([`descriptors::for_dialing`]), at least one.
pub fn dial_width(count: usize, forks: usize) -> usize {
    descriptors::for_dialing(forks).min(count).max(1)
}

/// Works on many hosts in two stages, so that a host still connecting does not hold
/// one of the `forks`: `dial(i)` for every `i` in `0..count` on up to `width` threads,
/// starting hosts in order (the wait for a silent or dead host is spent here), then
/// `work(i, dialed)` on at most `forks` threads for each dial that gave `Some`, as soon
/// as a fork is free. A dialed host waits for a fork without a time limit (its server
/// is only waiting for the login). Once `cancel` is set no new index is dialed; the call
/// returns when every dialed host has been worked on.
pub fn for_each_dialed<D: Send>(
    count: usize,
    forks: usize,
    width: usize,
    cancel: &AtomicBool,
    dial: impl Fn(usize) -> Option<D> + Sync,
    work: impl Fn(usize, D) + Sync,
) {
    let next = AtomicUsize::new(0);
    let (dialed, ready) = crossbeam_channel::bounded::<(usize, D)>(0);
    let dial_all = |dialed: crossbeam_channel::Sender<(usize, D)>| {
        while !cancel.load(Ordering::SeqCst) {
            let index = next.fetch_add(1, Ordering::SeqCst);
            if index >= count {
                break;
            }
            if let Some(host) = dial(index)
                && dialed.send((index, host)).is_err()
            {
                break;
            }
        }
    };
    thread::scope(|scope| {
        let mut workers = 0;
        for _ in 0..forks.clamp(1, count.max(1)) {
            let ready = ready.clone();
            let work = &work;
            let spawned = host_thread().spawn_scoped(scope, move || {
                for (index, host) in ready {
                    work(index, host);
                }
            });
            if spawned.is_err() {
                break;
            }
            workers += 1;
        }
        drop(ready);
        if workers == 0 {
            // Not even one fork could start: dial and work here, one host at a time.
            while !cancel.load(Ordering::SeqCst) {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= count {
                    break;
                }
                if let Some(host) = dial(index) {
                    work(index, host);
                }
            }
            return;
        }
        // This thread dials too, so dialing goes on if no other dialer could start.
        for _ in 1..width.clamp(1, count.max(1)) {
            let dialed = dialed.clone();
            let dial_all = &dial_all;
            if host_thread()
                .spawn_scoped(scope, move || dial_all(dialed))
                .is_err()
            {
                break;
            }
        }
        dial_all(dialed);
    });
}

/// A builder for a host thread: named, with a small stack.
fn host_thread() -> thread::Builder {
    thread::Builder::new()
        .name("herd-host".into())
        .stack_size(HOST_THREAD_STACK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// `work(i)` for every `i` in `0..count` on at most `forks` threads, each dialed at once.
    fn on_forks(count: usize, forks: usize, cancel: &AtomicBool, work: impl Fn(usize) + Sync) {
        for_each_dialed(count, forks, 4, cancel, |_| Some(()), |i, ()| work(i));
    }

    #[test]
    fn every_index_runs_exactly_once() {
        let seen = Mutex::new(vec![0u32; 100]);
        on_forks(100, 7, &AtomicBool::new(false), |i| {
            seen.lock().unwrap()[i] += 1
        });
        assert!(seen.into_inner().unwrap().iter().all(|&n| n == 1));
    }

    #[test]
    fn never_more_than_forks_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        on_forks(50, 4, &AtomicBool::new(false), |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            thread::sleep(std::time::Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(peak.load(Ordering::SeqCst) >= 2);
    }

    #[test]
    fn cancel_stops_new_hosts() {
        let cancel = AtomicBool::new(false);
        let started = AtomicUsize::new(0);
        on_forks(1000, 2, &cancel, |_| {
            if started.fetch_add(1, Ordering::SeqCst) == 9 {
                cancel.store(true, Ordering::SeqCst);
            }
        });
        assert!(started.load(Ordering::SeqCst) < 20);
    }

    #[test]
    fn zero_hosts_is_fine() {
        on_forks(0, 64, &AtomicBool::new(false), |_| unreachable!());
    }

    #[test]
    fn every_dialed_index_is_worked_on_once_and_a_slow_dial_holds_no_fork() {
        let worked = Mutex::new(vec![0u32; 40]);
        let working = AtomicUsize::new(0);
        let most_working = AtomicUsize::new(0);
        for_each_dialed(
            40,
            2,
            16,
            &AtomicBool::new(false),
            |i| {
                // Every fourth host is slow to answer, and every tenth never does.
                if i % 4 == 0 {
                    thread::sleep(std::time::Duration::from_millis(30));
                }
                (i % 10 != 9).then_some(i * 2)
            },
            |i, dialed| {
                assert_eq!(dialed, i * 2);
                let now = working.fetch_add(1, Ordering::SeqCst) + 1;
                most_working.fetch_max(now, Ordering::SeqCst);
                worked.lock().unwrap()[i] += 1;
                working.fetch_sub(1, Ordering::SeqCst);
            },
        );
        let worked = worked.into_inner().unwrap();
        for (i, &n) in worked.iter().enumerate() {
            assert_eq!(n, u32::from(i % 10 != 9), "host {i}");
        }
        assert!(most_working.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn dialing_is_wider_than_the_forks() {
        let dialing = AtomicUsize::new(0);
        let most_dialing = AtomicUsize::new(0);
        for_each_dialed(
            64,
            2,
            16,
            &AtomicBool::new(false),
            |_| {
                let now = dialing.fetch_add(1, Ordering::SeqCst) + 1;
                most_dialing.fetch_max(now, Ordering::SeqCst);
                thread::sleep(std::time::Duration::from_millis(20));
                dialing.fetch_sub(1, Ordering::SeqCst);
                None::<()>
            },
            |_, ()| unreachable!(),
        );
        assert!(most_dialing.load(Ordering::SeqCst) > 2);
        assert!(most_dialing.load(Ordering::SeqCst) <= 16);
    }

    #[test]
    fn cancel_stops_new_dials() {
        let cancel = AtomicBool::new(false);
        let dialed = AtomicUsize::new(0);
        for_each_dialed(
            1000,
            2,
            4,
            &cancel,
            |_| {
                if dialed.fetch_add(1, Ordering::SeqCst) == 9 {
                    cancel.store(true, Ordering::SeqCst);
                }
                Some(())
            },
            |_, ()| {},
        );
        assert!(dialed.load(Ordering::SeqCst) < 20);
    }
}
