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

/// How one playbook step ended on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Done, and nothing needed changing (a `put` whose file was already there).
    Ok,
    /// Done, and something changed (every `run` that exits 0, as in Ansible).
    Changed,
    /// The command exited non-zero or timed out, a transfer or a template failed.
    Failed,
    /// Not run: `when:` false, `creates`/`removes`, or a `run` under `--check`.
    Skipped,
    /// The host could not be connected to; it is out for the rest of the run.
    Unreachable,
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
    /// A playbook's play begins (`herd play`).
    PlayStarted {
        /// The play's name.
        name: String,
        /// Where it is written: `site.yml:8`.
        at: String,
        /// Its hosts, in inventory order.
        hosts: Vec<HostName>,
    },
    /// A playbook step begins on these hosts. With the `free` strategy each host
    /// starts each step on its own, so `hosts` holds that one host.
    StepStarted {
        /// 1-based position of the step in its play (handlers come after the steps).
        number: usize,
        /// How many steps the play has.
        steps: usize,
        /// The step's name, or its action (`run: df -h`).
        label: String,
        /// Where it is written: `site.yml:20`.
        at: String,
        /// The hosts that take part, in inventory order.
        hosts: Vec<HostName>,
        /// A handler (numbered after the steps), run because steps notified it.
        handler: bool,
    },
    /// A try of a step did not succeed (or its `until` did not hold); it is tried again.
    StepRetrying {
        /// The host.
        host: HostName,
        /// 1-based position of the step in its play.
        number: usize,
        /// The try that just ended, from 1.
        attempt: u32,
        /// How many tries the step gets in all (`retries` + 1).
        attempts: u32,
        /// Why it goes on ("exit status 1", "until `r.rc == 0` is false").
        message: String,
    },
    /// One item of a looped step ended on a host; the step's own `StepFinished` follows
    /// its last item.
    ItemFinished {
        /// The host.
        host: HostName,
        /// 1-based position of the step in its play.
        number: usize,
        /// The item as shown (its `loop_control.label`); never a secret.
        item: String,
        /// How the item ended (never `Unreachable`: that ends the step).
        status: StepStatus,
        /// What happened, as for `StepFinished`.
        message: Option<String>,
    },
    /// A playbook step ended on a host. Its output came before as `Output` events.
    StepFinished {
        /// The host.
        host: HostName,
        /// 1-based position of the step in its play.
        number: usize,
        /// How it ended.
        status: StepStatus,
        /// A failure that `ignore_errors` lets the host carry on from.
        ignored: bool,
        /// What happened, for people (`put files/motd -> /tmp/motd (1.2 KiB)`); `None`
        /// when a command's output says it all. Never holds a secret.
        message: Option<String>,
        /// The command's exit status, when one ran to an exit.
        rc: Option<i32>,
    },
    /// `--diff`: how a `put` changes (or, under `--check`, would change) a file; sent
    /// before the step's `StepFinished`. Never holds a secret.
    FileDiff {
        /// The host.
        host: HostName,
        /// 1-based position of the step in its play.
        number: usize,
        /// The file and its change.
        diff: crate::diff::FileDiff,
    },
    /// The rest of the playbook does not run: too many hosts of a batch failed.
    PlayAborted {
        /// The play's name.
        name: String,
        /// Why (`max_fail_percentage 0 exceeded: 1 of 2 hosts failed in batch 1`).
        reason: String,
    },
    /// A playbook run held at most `limit` SSH sessions at once (the open-files limit and
    /// memory), so hosts whose sessions were closed meanwhile were connected again
    /// `reopened` times. Sent once, at the end, only when that happened.
    SessionsReopened {
        /// Most sessions held at once.
        limit: usize,
        /// How many connections were made again.
        reopened: usize,
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
