//! What the fuzz targets share: a per-input CPU-time limit.
//!
//! libFuzzer's `-timeout` counts wall-clock time, which on a busy machine says more about
//! the neighbours than about the input. [`cpu_limited`] counts the CPU time the input
//! itself costs, so an input that is really slow fails even on an idle machine, and an
//! input that merely waited for a core does not.

use std::time::Duration;

/// Most CPU time one input may take. The slowest inputs the parsers accept by design
/// (up to 100000 hosts with as much host data as the inventory allows) took up to 3.5 s
/// in a fuzz build; the blow-ups fuzzing is for take minutes or run out of memory.
pub const MAX_CPU: Duration = Duration::from_secs(10);

/// Runs `work` and panics if it took more than [`MAX_CPU`] of this thread's CPU time.
pub fn cpu_limited<T>(work: impl FnOnce() -> T) -> T {
    let start = thread_cpu_time();
    let result = work();
    let spent = thread_cpu_time().saturating_sub(start);
    assert!(
        spent <= MAX_CPU,
        "the input took {spent:?} of CPU time, more than {MAX_CPU:?}"
    );
    result
}

/// User and system CPU time of the calling thread so far.
fn thread_cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which is zeroed and ours.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let micros = |time: libc::timeval| {
        Duration::from_secs(time.tv_sec.unsigned_abs())
            + Duration::from_micros(time.tv_usec.unsigned_abs())
    };
    micros(usage.ru_utime) + micros(usage.ru_stime)
}
