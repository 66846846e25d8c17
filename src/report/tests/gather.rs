//! Gather mode: identical outputs once, at the end.

use super::*;

#[test]
fn groups_identical_output_in_target_order() {
    let run = run(
        OutputMode::Gather,
        &[
            started(&["web01", "web02", "db1", "web03"]),
            out("db1", b"other\n"),
            out("web02", b"same\n"),
            out("web03", b"same\n"),
            out("web01", b"same\n"),
            ok("web01"),
            ok("web02"),
            ok("db1"),
            ok("web03"),
        ],
    );
    assert_eq!(
        run.stdout(),
        "---------------\nweb[01-03] (3)\n---------------\nsame\n\
         ---------------\ndb1 (1)\n---------------\nother\n"
    );
    assert_eq!(run.stderr(), "herd: 4 hosts: 4 ok in 1.32s\n");
}

#[test]
fn stdout_and_stderr_interleave_in_arrival_order() {
    let run = run(
        OutputMode::Gather,
        &[
            out("a", b"1\n"),
            err("a", b"2"),
            out("a", b"3\n"),
            out("b", b"1\n2\n3\n"),
        ],
    );
    assert_eq!(
        run.stdout(),
        "---------------\na,b (2)\n---------------\n1\n2\n3\n"
    );
}

#[test]
fn leaves_out_hosts_without_output_and_keeps_raw_bytes() {
    let run = run(
        OutputMode::Gather,
        &[
            started(&["a", "b", "c"]),
            out("b", b"\xff\n"),
            unreachable("a", "connection refused"),
            ok("b"),
            ok("c"),
        ],
    );
    assert_eq!(
        run.stdout,
        b"---------------\nb (1)\n---------------\n\xff\n"
    );
}

#[test]
fn transfers_group_without_their_timing() {
    let run = run(
        OutputMode::Gather,
        &[put("web01", 2048, 10), put("web02", 2048, 900)],
    );
    assert_eq!(
        run.stdout(),
        "---------------\nweb[01-02] (2)\n---------------\n\
         put ./test.py -> /tmp/test.py (2.0 KiB)\n"
    );
}

#[test]
fn nothing_is_written_before_the_end() {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut reporter = Reporter::new(
        ReportOptions::plain(OutputMode::Gather),
        &mut stdout,
        &mut stderr,
    );
    reporter.handle(&out("a", b"x\n")).unwrap();
    reporter.handle(&err("a", b"y\n")).unwrap();
    reporter.handle(&ok("a")).unwrap();
    drop(reporter);
    assert!(stdout.is_empty() && stderr.is_empty());
}
