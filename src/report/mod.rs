//! The only code that writes to the terminal: it turns the executor's [`Event`]s into
//! what the user sees, and the run's end state into an exit code.
//!
//! Three views, chosen by [`OutputMode`]:
//!
//! - **live** (default): each remote stdout line on stdout and each stderr line on
//!   stderr as `NAME: line` (pdsh style, so `| dshbak -c` works), shown as it arrives;
//!   bytes pass through unchanged, a final line without newline gets one. A completed
//!   transfer is one stdout line: `NAME: put ./a -> /tmp/a (1.2 MiB in 300ms, 4.0 MiB/s)`.
//! - **gather** (`-b`): nothing until the end, then hosts whose output (stdout and stderr
//!   interleaved) is identical, once, under a `web[01-02] (2)` heading; transfers appear
//!   in that output without their timing. A progress bar on stderr meanwhile, when it is
//!   a terminal.
//! - **json**: JSON Lines on stdout, one object per event, as below.
//!
//! Live and gather end with a recap on stderr (`herd: 4 hosts: 2 ok, 1 failed, …`).
//! A playbook run (`herd play`) also shows a `── PLAY`/`── STEP` heading before each play
//! and step, a status line per host and step that has something to say
//! (`h1: changed: put …`, `h3: skipped (…)`, `h2: failed: exit status 1`), and a
//! PLAY RECAP of every host's step counts before the recap (see `play`).
//! Host names may be coloured, stably per host, only where [`ReportOptions`] allows it.
//!
//! # JSON Lines
//!
//! Every object has an `"event"` key:
//!
//! - `run_started`: `hosts` (array, target order)
//! - `host_started`: `host`
//! - `output`: `host`, `stream` (`stdout`|`stderr`), `line`. One object per line, without
//!   its `\n`. A line that is not UTF-8 has its text in `line` with U+FFFD for the bad
//!   bytes, and its exact bytes in `line_base64` (standard base64 with padding); the key
//!   is absent for UTF-8 lines, whose `line` is already exact.
//! - `transfer`: `host`, `direction` (`put`|`get`), `source`, `destination`, `bytes`,
//!   `elapsed_ms`
//! - `host_finished`: `host`, `state` (`ok`|`failed`|`unreachable`), `exit_code` (0 when
//!   `ok`, the remote status when a command failed with one, else null), `message`
//!   (string or null), `elapsed_ms`
//! - `play_started` (`herd play`): `name`, `at` (`site.yml:8`), `hosts` (array)
//! - `step_started`: `number` (1-based in its play), `steps` (how many the play has),
//!   `label`, `at`, `hosts` (the hosts taking part; one host under the `free` strategy),
//!   and `handler: true` for a handler (numbered after the play's steps)
//! - `step_retrying`: `host`, `number`, `attempt` (the try that ended), `attempts`
//!   (tries in all), `message`
//! - `item_finished`: `host`, `number`, `item` (its label), `status`, `message`: one
//!   item of a looped step, before the step's `step_finished`
//! - `step_finished`: `host`, `number`, `status` (`ok`|`changed`|`failed`|`skipped`|
//!   `unreachable`), `ignored` (a failure `ignore_errors` let pass), `message` (string or
//!   null), `rc` (number or null)
//! - `file_diff` (`herd play --diff`): `host`, `number` (the step), `path` (the remote
//!   file), `kind` (`text`|`binary`|`too_large`|`hidden`), `created` (the file did not
//!   exist), `diff` (the unified diff, or the sentence saying why there is none; secrets
//!   masked)
//! - `play_aborted`: `name`, `reason`: the rest of the playbook does not run
//! - `play_recap`, after a playbook run, before `recap`: `hosts`, an object from host
//!   name to its step counts `{ok, changed, unreachable, failed, skipped, ignored}`,
//!   counted as Ansible does (`ok` includes `changed` and ignored failures)
//! - `recap`, last: `ok`, `failed`, `unreachable`, `not_run` (counts), `elapsed_ms`, and
//!   `hosts`, an object from host name (in target order) to `{state, exit_code, message}`,
//!   where `state` may also be `not_run`.
//!
//! [`Event`]: crate::event::Event

mod color;
mod diff;
mod gather;
mod hostlist;
mod json;
mod lines;
mod live;
mod merge;
mod notice;
mod options;
mod outdir;
mod play;
mod progress;
mod recap;
mod reporter;
mod sink;
mod summary;
mod tally;
mod transfer;
mod units;

#[cfg(test)]
mod tests;

pub(crate) use hostlist::compact as compact_hosts;
pub use merge::{MergeError, MergedRuns};
pub use notice::{error, note, print_document, warning};
pub use options::{OutputMode, ReportOptions};
pub use outdir::OutDir;
pub use reporter::{Reporter, report_events, report_events_saving};
pub use summary::{
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, RunSummary,
};
pub(crate) use units::bytes as format_bytes;
