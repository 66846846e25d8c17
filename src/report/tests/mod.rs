//! Reporter tests: events in, exact bytes out.

mod gather;
mod json;
mod live;
mod pipe;
mod play;
mod recap;

use std::time::Duration;

use crate::event::{Direction, Event, HostName, Outcome, Stream};

use super::{OutputMode, ReportOptions, Reporter, RunSummary};

/// What a run wrote, and its summary.
struct Run {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    summary: RunSummary,
}

impl Run {
    fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).unwrap()
    }

    fn stderr(&self) -> &str {
        std::str::from_utf8(&self.stderr).unwrap()
    }
}

/// Feeds `events` to a reporter with `options`; the run took 1.32s.
fn run_with(options: ReportOptions, events: &[Event]) -> Run {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut reporter = Reporter::new(options, &mut stdout, &mut stderr);
    for event in events {
        reporter.handle(event).unwrap();
    }
    let summary = reporter.finish(Duration::from_millis(1320)).unwrap();
    Run {
        stdout,
        stderr,
        summary,
    }
}

/// As [`run_with`], without colour or progress.
fn run(mode: OutputMode, events: &[Event]) -> Run {
    run_with(ReportOptions::plain(mode), events)
}

fn host(name: &str) -> HostName {
    HostName::from(name)
}

fn started(hosts: &[&str]) -> Event {
    Event::RunStarted {
        hosts: hosts.iter().map(|&name| host(name)).collect(),
    }
}

fn host_started(name: &str) -> Event {
    Event::HostStarted { host: host(name) }
}

fn out(name: &str, data: &[u8]) -> Event {
    Event::Output {
        host: host(name),
        stream: Stream::Stdout,
        data: data.to_vec(),
    }
}

fn err(name: &str, data: &[u8]) -> Event {
    Event::Output {
        host: host(name),
        stream: Stream::Stderr,
        data: data.to_vec(),
    }
}

fn put(name: &str, bytes: u64, millis: u64) -> Event {
    Event::Transfer {
        host: host(name),
        direction: Direction::Put,
        source: "./test.py".into(),
        destination: "/tmp/test.py".into(),
        bytes,
        elapsed: Duration::from_millis(millis),
    }
}

fn finished(name: &str, outcome: Outcome) -> Event {
    Event::HostFinished {
        host: host(name),
        outcome,
        elapsed: Duration::from_millis(250),
    }
}

fn ok(name: &str) -> Event {
    finished(name, Outcome::Ok)
}

fn failed(name: &str, code: i32) -> Event {
    finished(
        name,
        Outcome::Failed {
            exit_code: Some(code),
            message: format!("exit status {code}"),
        },
    )
}

fn unreachable(name: &str, message: &str) -> Event {
    finished(
        name,
        Outcome::Unreachable {
            message: message.into(),
        },
    )
}
