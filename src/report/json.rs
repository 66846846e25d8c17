//! JSON Lines: one object per event on stdout, in the format documented on
//! [`crate::report`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::diff::Change;
use crate::event::{Direction, Event, Outcome, StepStatus, Stream};

use super::lines::lines;
use super::play::{StepCounts, StepTally};
use super::tally::Tally;
use super::units::millis;

/// One JSON Lines object.
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Record<'a> {
    RunStarted {
        hosts: Vec<&'a str>,
    },
    HostStarted {
        host: &'a str,
    },
    Output {
        host: &'a str,
        stream: Stream,
        line: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        line_base64: Option<String>,
    },
    Transfer {
        host: &'a str,
        direction: Direction,
        source: &'a str,
        destination: &'a str,
        bytes: u64,
        elapsed_ms: u64,
    },
    HostFinished {
        host: &'a str,
        #[serde(flatten)]
        state: State<'a>,
        elapsed_ms: u64,
    },
    PlayStarted {
        name: &'a str,
        at: &'a str,
        hosts: Vec<&'a str>,
    },
    StepStarted {
        number: usize,
        steps: usize,
        label: &'a str,
        at: &'a str,
        hosts: Vec<&'a str>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        handler: bool,
    },
    StepRetrying {
        host: &'a str,
        number: usize,
        attempt: u32,
        attempts: u32,
        message: &'a str,
    },
    ItemFinished {
        host: &'a str,
        number: usize,
        item: &'a str,
        status: StepStatus,
        message: Option<&'a str>,
    },
    StepFinished {
        host: &'a str,
        number: usize,
        status: StepStatus,
        ignored: bool,
        message: Option<&'a str>,
        rc: Option<i32>,
    },
    FileDiff {
        host: &'a str,
        number: usize,
        path: &'a str,
        kind: &'static str,
        created: bool,
        diff: String,
    },
    PlayAborted {
        name: &'a str,
        reason: &'a str,
    },
    SessionsReopened {
        limit: usize,
        reopened: usize,
    },
    PlayRecap {
        hosts: HostSteps<'a>,
    },
    Recap {
        ok: usize,
        failed: usize,
        unreachable: usize,
        not_run: usize,
        elapsed_ms: u64,
        hosts: HostStates<'a>,
    },
}

/// A host's state, the same in `host_finished` and in the recap's `hosts`.
#[derive(Serialize)]
struct State<'a> {
    state: &'static str,
    exit_code: Option<i32>,
    message: Option<&'a str>,
}

impl<'a> State<'a> {
    /// The state of a finished host, or `not_run` for `None`.
    fn of(outcome: Option<&'a Outcome>) -> Self {
        let (state, exit_code, message) = match outcome {
            None => ("not_run", None, None),
            // Success is exit status 0, for commands and every other task alike.
            Some(Outcome::Ok) => ("ok", Some(0), None),
            Some(Outcome::Failed { exit_code, message }) => {
                ("failed", *exit_code, Some(message.as_str()))
            }
            Some(Outcome::Unreachable { message }) => ("unreachable", None, Some(message.as_str())),
        };
        State {
            state,
            exit_code,
            message,
        }
    }
}

/// The recap's `hosts` object, written in target order.
struct HostStates<'a>(&'a Tally);

impl Serialize for HostStates<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.hosts().len()))?;
        for (host, outcome) in self.0.outcomes() {
            map.serialize_entry(&**host, &State::of(outcome))?;
        }
        map.end()
    }
}

/// The `play_recap` object's `hosts`, written in target order.
struct HostSteps<'a>(&'a Tally, &'a StepTally);

impl Serialize for HostSteps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hosts = self.0.hosts();
        let mut map = serializer.serialize_map(Some(hosts.len()))?;
        for (index, host) in hosts.iter().enumerate() {
            let counts: StepCounts = self.1.of(index);
            map.serialize_entry(&**host, &counts)?;
        }
        map.end()
    }
}

/// Writes `event` as one JSON object per line (several for multi-line output).
pub(crate) fn write_event(w: &mut dyn Write, event: &Event) -> io::Result<()> {
    match event {
        Event::RunStarted { hosts } => write_record(
            w,
            &Record::RunStarted {
                hosts: hosts.iter().map(|host| &**host).collect(),
            },
        ),
        Event::HostStarted { host } => write_record(w, &Record::HostStarted { host }),
        Event::Output { host, stream, data } => lines(data).try_for_each(|line| {
            let (line, line_base64) = match std::str::from_utf8(line) {
                Ok(text) => (Cow::Borrowed(text), None),
                Err(_) => (String::from_utf8_lossy(line), Some(STANDARD.encode(line))),
            };
            let record = Record::Output {
                host,
                stream: *stream,
                line,
                line_base64,
            };
            write_record(w, &record)
        }),
        Event::Transfer {
            host,
            direction,
            source,
            destination,
            bytes,
            elapsed,
        } => write_record(
            w,
            &Record::Transfer {
                host,
                direction: *direction,
                source,
                destination,
                bytes: *bytes,
                elapsed_ms: millis(*elapsed),
            },
        ),
        Event::HostFinished {
            host,
            outcome,
            elapsed,
        } => write_record(
            w,
            &Record::HostFinished {
                host,
                state: State::of(Some(outcome)),
                elapsed_ms: millis(*elapsed),
            },
        ),
        Event::PlayStarted { name, at, hosts } => write_record(
            w,
            &Record::PlayStarted {
                name,
                at,
                hosts: hosts.iter().map(|host| &**host).collect(),
            },
        ),
        Event::StepStarted {
            number,
            steps,
            label,
            at,
            hosts,
            handler,
        } => write_record(
            w,
            &Record::StepStarted {
                number: *number,
                steps: *steps,
                label,
                at,
                hosts: hosts.iter().map(|host| &**host).collect(),
                handler: *handler,
            },
        ),
        Event::StepRetrying {
            host,
            number,
            attempt,
            attempts,
            message,
        } => write_record(
            w,
            &Record::StepRetrying {
                host,
                number: *number,
                attempt: *attempt,
                attempts: *attempts,
                message,
            },
        ),
        Event::ItemFinished {
            host,
            number,
            item,
            status,
            message,
        } => write_record(
            w,
            &Record::ItemFinished {
                host,
                number: *number,
                item,
                status: *status,
                message: message.as_deref(),
            },
        ),
        Event::StepFinished {
            host,
            number,
            status,
            ignored,
            message,
            rc,
        } => write_record(
            w,
            &Record::StepFinished {
                host,
                number: *number,
                status: *status,
                ignored: *ignored,
                message: message.as_deref(),
                rc: *rc,
            },
        ),
        Event::FileDiff { host, number, diff } => {
            let (kind, created) = match &diff.change {
                Change::Text { created, .. } => ("text", *created),
                Change::Binary => ("binary", false),
                Change::TooLarge { .. } => ("too_large", false),
                Change::Hidden { .. } => ("hidden", false),
            };
            write_record(
                w,
                &Record::FileDiff {
                    host,
                    number: *number,
                    path: &diff.path,
                    kind,
                    created,
                    diff: super::diff::unified(diff),
                },
            )
        }
        Event::PlayAborted { name, reason } => {
            write_record(w, &Record::PlayAborted { name, reason })
        }
        Event::SessionsReopened { limit, reopened } => write_record(
            w,
            &Record::SessionsReopened {
                limit: *limit,
                reopened: *reopened,
            },
        ),
    }
}

/// Writes the `play_recap` object: every host's step counts.
pub(crate) fn write_play_recap(
    w: &mut dyn Write,
    tally: &Tally,
    steps: &StepTally,
) -> io::Result<()> {
    write_record(
        w,
        &Record::PlayRecap {
            hosts: HostSteps(tally, steps),
        },
    )
}

/// Writes the closing `recap` object for every host in `tally`.
pub(crate) fn write_recap(w: &mut dyn Write, tally: &Tally, elapsed: Duration) -> io::Result<()> {
    let counts = tally.counts();
    let record = Record::Recap {
        ok: counts.ok,
        failed: counts.failed,
        unreachable: counts.unreachable,
        not_run: counts.total - counts.done(),
        elapsed_ms: millis(elapsed),
        hosts: HostStates(tally),
    };
    write_record(w, &record)
}

fn write_record(w: &mut dyn Write, record: &Record<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *w, record)?;
    w.write_all(b"\n")
}
