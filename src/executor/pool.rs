//! A bounded set of worker threads walking the host list in order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

/// Stack for host threads: SSH work needs little, and a thousand of them must fit.
const HOST_THREAD_STACK: usize = 512 * 1024;

/// Calls `work(i)` for every `i` in `0..count`, on at most `forks` threads at once,
/// starting hosts in order. Once `cancel` is set no new index is started; the call
/// returns when every started one has returned.
pub fn for_each_host(count: usize, forks: usize, cancel: &AtomicBool, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    let workers = forks.clamp(1, count.max(1));
    thread::scope(|scope| {
        for _ in 0..workers {
            let spawned = thread::Builder::new()
                .name("herd-host".into())
                .stack_size(HOST_THREAD_STACK)
                .spawn_scoped(scope, || {
                    while !cancel.load(Ordering::SeqCst) {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        if index >= count {
                            break;
                        }
                        work(index);
                    }
                });
            // The OS refused another thread: the ones already running share the work.
            if spawned.is_err() {
                break;
            }
        }
    });
    // If not even one thread could start, do the work here so no host is forgotten.
    while !cancel.load(Ordering::SeqCst) {
        let index = next.fetch_add(1, Ordering::SeqCst);
        if index >= count {
            break;
        }
        work(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_index_runs_exactly_once() {
        let seen = Mutex::new(vec![0u32; 100]);
        for_each_host(100, 7, &AtomicBool::new(false), |i| {
            seen.lock().unwrap()[i] += 1
        });
        assert!(seen.into_inner().unwrap().iter().all(|&n| n == 1));
    }

    #[test]
    fn never_more_than_forks_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        for_each_host(50, 4, &AtomicBool::new(false), |_| {
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
        for_each_host(1000, 2, &cancel, |_| {
            if started.fetch_add(1, Ordering::SeqCst) == 9 {
                cancel.store(true, Ordering::SeqCst);
            }
        });
        assert!(started.load(Ordering::SeqCst) < 20);
    }

    #[test]
    fn zero_hosts_is_fine() {
        for_each_host(0, 64, &AtomicBool::new(false), |_| unreachable!());
    }
}
