//! What the executor tells the reporter. The two meet only here.
//!
//! The executor sends [`Event`]s on a channel and never prints; `report` turns them
//! into live lines, grouped output or JSON Lines. Output arrives as whole lines so a
//! reporter can prefix each with its host name without ever splitting a line.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

/// A host's inventory name, cheap to clone into every event.
pub type HostName = Arc<str>;

/// How many events may wait between the executor and the reporter. An `Output` event
/// usually holds one read of at most 64 KiB, so a host flooding a slow terminal keeps
/// about 4 MiB queued; past that its thread waits (backpressure), and herd's memory stays
/// flat however much output there is.
pub const QUEUE_EVENTS: usize = 64;

/// The channel between the executor and the reporter, bounded by [`QUEUE_EVENTS`].
pub fn channel() -> (Sender<Event>, Receiver<Event>) {
    crossbeam_channel::bounded(QUEUE_EVENTS)
}

/// Which remote stream a piece of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// The remote command's standard output.
    Stdout,
    /// The remote command's standard error.
    Stderr,
}

/// Direction of a file transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Local to remote.
    Put,
    /// Remote to local.
    Get,
}

/// How a host's work ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Outcome {
    /// Everything succeeded (exit status 0, transfers complete).
    Ok,
    /// Connected, but the command exited non-zero, timed out, or a transfer failed.
    Failed {
        /// The remote exit status, when the command ran to an exit.
        exit_code: Option<i32>,
        /// What went wrong, for the recap ("exit status 3", "timed out after 5s", …).
        message: String,
    },
    /// Never got to run: connection refused, timeout, authentication or host key refused.
    Unreachable {
        /// What went wrong ("authentication failed for bob@127.0.0.12:22", …).
        message: String,
    },
}

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A run began on these hosts, in target order.
    RunStarted {
        /// Every targeted host, in order.
        hosts: Vec<HostName>,
    },
    /// A fork picked the host up and is connecting to it.
    HostStarted {
        /// The host.
        host: HostName,
    },
    /// Output from a remote command: one or more whole lines, each ending in `\n`,
    /// except the last chunk of a stream, which may lack the final newline.
    /// Bytes are passed through unchanged (not necessarily UTF-8).
    Output {
        /// The host that produced it.
        host: HostName,
        /// stdout or stderr.
        stream: Stream,
        /// The raw bytes of whole lines.
        data: Vec<u8>,
    },
    /// A file (or one file of a directory tree) was transferred completely.
    Transfer {
        /// The host.
        host: HostName,
        /// put or get.
        direction: Direction,
        /// Where the bytes came from.
        source: String,
        /// Where they were written.
        destination: String,
        /// How many bytes.
        bytes: u64,
        /// How long the transfer took.
        elapsed: Duration,
    },
    /// The host is done; no more events for it follow.
    HostFinished {
        /// The host.
        host: HostName,
        /// How it ended.
        outcome: Outcome,
        /// From `HostStarted` to now.
        elapsed: Duration,
    },
}
