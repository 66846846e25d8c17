//! Readers that go away, and writers that fail.

use std::io::{self, ErrorKind, Write};

use super::*;
use crate::report::report_events;

/// A reader that has gone away, like `head` after its lines.
struct Closed;

impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(ErrorKind::BrokenPipe))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn busy_run() -> Vec<Event> {
    let mut events = vec![started(&["a", "b"])];
    events.extend((0..100).map(|n| out("a", format!("line {n}\n").as_bytes())));
    events.extend([err("b", b"warning\n"), ok("a"), failed("b", 1)]);
    events
}

#[test]
fn a_closed_stdout_still_counts_and_recaps() {
    for mode in [OutputMode::Live, OutputMode::Gather] {
        let mut stderr = Vec::new();
        let summary =
            report_events(busy_run(), ReportOptions::plain(mode), Closed, &mut stderr).unwrap();
        assert_eq!(summary.exit_code(), 2);
        let text = String::from_utf8(stderr).unwrap();
        assert!(text.contains("herd: 2 hosts: 1 ok, 1 failed in "), "{text}");
    }
}

#[test]
fn a_closed_stdout_in_json_mode_still_summarises() {
    let summary = report_events(
        busy_run(),
        ReportOptions::plain(OutputMode::Json),
        Closed,
        Closed,
    )
    .unwrap();
    assert_eq!((summary.ok.len(), summary.failed.len()), (1, 1));
}

#[test]
fn a_closed_stderr_leaves_stdout_alone() {
    let mut stdout = Vec::new();
    let summary = report_events(
        busy_run(),
        ReportOptions::plain(OutputMode::Live),
        &mut stdout,
        Closed,
    )
    .unwrap();
    assert_eq!(stdout.split(|&b| b == b'\n').count(), 101);
    assert_eq!(summary.total(), 2);
}

#[test]
fn other_write_errors_are_returned() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let error = report_events(
        busy_run(),
        ReportOptions::plain(OutputMode::Live),
        Full,
        io::sink(),
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StorageFull);
}

#[test]
fn reads_a_channel_until_it_closes() {
    let (sender, receiver) = crossbeam_channel::unbounded();
    let executor = std::thread::spawn(move || {
        for event in [out("a", b"hi\n"), ok("a")] {
            sender.send(event).unwrap();
        }
    });
    let mut stdout = Vec::new();
    let summary = report_events(
        receiver,
        ReportOptions::plain(OutputMode::Live),
        &mut stdout,
        io::sink(),
    )
    .unwrap();
    executor.join().unwrap();
    assert_eq!(stdout, b"a: hi\n");
    assert_eq!(summary.exit_code(), 0);
}
