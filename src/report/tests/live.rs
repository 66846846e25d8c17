//! Live mode: `NAME: line`, per stream, as events arrive.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use proptest::prelude::*;

use super::*;

#[test]
fn prefixes_each_line_on_its_own_stream() {
    let run = run(
        OutputMode::Live,
        &[
            started(&["web01", "web02"]),
            host_started("web01"),
            out("web01", b"one\ntwo\n"),
            err("web02", b"oops\n"),
            out("web02", b"three\n"),
            ok("web01"),
            ok("web02"),
        ],
    );
    assert_eq!(run.stdout(), "web01: one\nweb01: two\nweb02: three\n");
    assert!(
        run.stderr()
            .starts_with("web02: oops\nherd: 2 hosts: 2 ok in 1.32s\n")
    );
}

#[test]
fn a_partial_last_line_gets_a_newline() {
    let run = run(
        OutputMode::Live,
        &[out("web01", b"done\nno newline"), err("web01", b"half")],
    );
    assert_eq!(run.stdout(), "web01: done\nweb01: no newline\n");
    assert!(run.stderr().starts_with("web01: half\n"));
}

#[test]
fn empty_lines_are_kept() {
    let run = run(OutputMode::Live, &[out("web01", b"\n\nx\n")]);
    assert_eq!(run.stdout(), "web01: \nweb01: \nweb01: x\n");
}

#[test]
fn bytes_that_are_not_utf8_pass_through() {
    let run = run(OutputMode::Live, &[out("web01", b"caf\xe9\r\n\xff\xfe\n")]);
    assert_eq!(run.stdout, b"web01: caf\xe9\r\nweb01: \xff\xfe\n");
}

#[test]
fn a_transfer_is_one_stdout_line() {
    let run = run(
        OutputMode::Live,
        &[put("web01", 1_258_291, 300), ok("web01")],
    );
    assert_eq!(
        run.stdout(),
        "web01: put ./test.py -> /tmp/test.py (1.2 MiB in 300ms, 4.0 MiB/s)\n"
    );
}

fn colourful() -> Vec<Event> {
    vec![
        out("web01", b"x\n"),
        err("web01", b"y\n"),
        put("web01", 10, 1),
        ok("web01"),
        failed("web02", 2),
        unreachable("web03", "connection refused"),
    ]
}

#[test]
fn no_escape_codes_when_colour_is_off() {
    let run = run(OutputMode::Live, &colourful());
    assert!(!run.stdout.contains(&0x1b));
    assert!(!run.stderr.contains(&0x1b));
}

#[test]
fn colour_only_where_asked() {
    let options = ReportOptions {
        color: true,
        ..ReportOptions::plain(OutputMode::Live)
    };
    let run = run_with(options, &colourful());
    assert!(run.stdout().starts_with("\x1b["));
    assert!(run.stdout().contains("web01\x1b[0m: x\n"));
    assert!(!run.stderr.contains(&0x1b), "stderr is not coloured");

    let options = ReportOptions {
        color_stderr: true,
        ..ReportOptions::plain(OutputMode::Live)
    };
    let run = run_with(options, &colourful());
    assert!(!run.stdout.contains(&0x1b), "stdout is not coloured");
    assert!(run.stderr().contains("web01\x1b[0m: y\n"));
    assert!(run.stderr().contains("\x1b[32m1 ok\x1b[0m"));
}

/// A writer whose bytes can be read while the reporter still holds it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn each_event_shows_before_the_next_arrives() {
    let (stdout, stderr) = (Shared::default(), Shared::default());
    let options = ReportOptions::plain(OutputMode::Live);
    let mut reporter = Reporter::new(options, stdout.clone(), stderr.clone());
    reporter.handle(&out("web01", b"tick\n")).unwrap();
    assert_eq!(stdout.0.borrow().as_slice(), b"web01: tick\n");
    reporter.handle(&err("web01", b"tock\n")).unwrap();
    assert_eq!(stderr.0.borrow().as_slice(), b"web01: tock\n");
}

proptest! {
    /// Removing the prefixes gives back every chunk's bytes, a newline added to a chunk
    /// that lacked one.
    #[test]
    fn prefixes_are_all_that_is_added(chunks in prop::collection::vec(
        prop::collection::vec(any::<u8>(), 1..40), 0..8,
    )) {
        let events: Vec<Event> = chunks.iter().map(|data| out("h", data)).collect();
        let run = run(OutputMode::Live, &events);
        let mut expected = Vec::new();
        for data in &chunks {
            expected.extend_from_slice(data);
            if !data.ends_with(b"\n") {
                expected.push(b'\n');
            }
        }
        let mut unprefixed = Vec::new();
        for line in run.stdout.split_inclusive(|&b| b == b'\n') {
            prop_assert!(line.starts_with(b"h: "));
            unprefixed.extend_from_slice(&line[3..]);
        }
        prop_assert_eq!(unprefixed, expected);
    }
}
