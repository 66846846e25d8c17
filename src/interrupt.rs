//! Ctrl-C during a run: the first one stops the run cleanly, a second one ends herd at
//! once.
//!
//! [`Interrupt::install`] makes SIGINT (Ctrl-C) and SIGTERM set the run's cancel flag,
//! the one shared by `ExecutorOptions::cancel`, `ConnectOptions::cancel` and each
//! `ExecRequest`. With it set, no new host starts, connects in progress give up (those
//! hosts are "not run"), running commands have their remote process group ended
//! (TERM, then KILL), and transfers stop before their next chunk and remove their temp
//! file. The run then ends normally: the recap shows what finished, and
//! [`Interrupt::exit_code`] gives [`EXIT_INTERRUPTED`] (130). A second signal, while that
//! cleanup runs, exits with 130 immediately.
//!
//! Any command that runs hosts uses it the same way:
//!
//! ```no_run
//! # use std::sync::{Arc, atomic::AtomicBool};
//! # fn run(_cancel: Arc<AtomicBool>) -> herd::report::RunSummary { unimplemented!() }
//! use herd::interrupt::Interrupt;
//!
//! let cancel = Arc::new(AtomicBool::new(false));
//! // … build the executor options with `Arc::clone(&cancel)`, prompt for passwords …
//! let interrupt = Interrupt::install(Arc::clone(&cancel));
//! let summary = run(cancel);
//! std::process::exit(interrupt.exit_code(&summary));
//! ```
//!
//! Install it after any prompt (`--ask-pass`), so Ctrl-C at a prompt still quits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use crate::report::{self, EXIT_INTERRUPTED, RunSummary};

/// The signals that stop a run.
const SIGNALS: [i32; 2] = [SIGINT, SIGTERM];

/// Ctrl-C handling for one run; see the module docs.
#[derive(Debug)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    /// Makes SIGINT and SIGTERM set `cancel` (the first time) or exit with 130 (once it
    /// is set). `cancel` must not be set by anything else, or the first Ctrl-C would
    /// already exit. If the handlers cannot be installed, a warning says so and the
    /// signals keep their default effect (herd ends at once).
    pub fn install(cancel: Arc<AtomicBool>) -> Interrupt {
        for signal in SIGNALS {
            // The shutdown goes first: on the second signal it sees the flag the first
            // one set; on the first it sees false and the flag is then set.
            let registered =
                flag::register_conditional_shutdown(signal, EXIT_INTERRUPTED, Arc::clone(&cancel))
                    .and_then(|_| flag::register(signal, Arc::clone(&cancel)));
            if let Err(error) = registered {
                report::warning(&format!(
                    "cannot handle Ctrl-C ({error}); interrupting will end herd without cleanup"
                ));
                break;
            }
        }
        Interrupt { flag: cancel }
    }

    /// Whether the run was interrupted.
    pub fn interrupted(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The process exit code after a run that came to `summary`: [`EXIT_INTERRUPTED`]
    /// (with a note on stderr after the recap) if it was interrupted, else the summary's.
    pub fn exit_code(&self, summary: &RunSummary) -> i32 {
        if !self.interrupted() {
            return summary.exit_code();
        }
        let not_run = summary.not_run.len();
        report::warning(&format!(
            "interrupted: {not_run} {} not run; commands still running were ended and unfinished copies removed",
            if not_run == 1 { "host" } else { "hosts" }
        ));
        EXIT_INTERRUPTED
    }
}
