//! JSON Lines: one object per event on stdout, in the format documented on
//! [`crate::report`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::event::{Direction, Event, Outcome, Stream};

use super::lines::lines;
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
            Some(Outcome::Ok) => ("ok", None, None),
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
    }
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
