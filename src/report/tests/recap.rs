//! The recap on stderr, the summary and the exit code.

use super::*;
use crate::report::{EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE};

#[test]
fn counts_then_hosts_that_were_not_ok() {
    let run = run(
        OutputMode::Live,
        &[
            started(&["web01", "web02", "web03", "db02"]),
            ok("web01"),
            ok("web02"),
            failed("web03", 2),
            unreachable("db02", "authentication failed for bob@127.0.0.14:2222"),
        ],
    );
    assert_eq!(
        run.stderr(),
        "herd: 4 hosts: 2 ok, 1 failed, 1 unreachable in 1.32s\n  \
         failed      web03: exit status 2\n  \
         unreachable db02: authentication failed for bob@127.0.0.14:2222\n"
    );
}

#[test]
fn hosts_that_never_finished_are_not_run() {
    let run = run(
        OutputMode::Gather,
        &[
            started(&["web01", "web02", "web03", "solo"]),
            host_started("web01"),
            ok("web01"),
        ],
    );
    assert_eq!(
        run.stderr(),
        "herd: 4 hosts: 1 ok, 3 not run in 1.32s\n  not run     web[02-03],solo\n"
    );
    assert_eq!(run.summary.not_run.len(), 3);
}

#[test]
fn one_host_and_empty_messages() {
    let silent = finished(
        "a",
        Outcome::Failed {
            exit_code: Some(7),
            message: String::new(),
        },
    );
    let with_code = run(OutputMode::Live, &[silent]);
    assert_eq!(
        with_code.stderr(),
        "herd: 1 host: 0 ok, 1 failed in 1.32s\n  failed      a: exit status 7\n"
    );
    let silent = finished(
        "a",
        Outcome::Failed {
            exit_code: None,
            message: String::new(),
        },
    );
    let without = run(OutputMode::Live, &[silent]);
    assert!(without.stderr().ends_with("  failed      a: failed\n"));
}

#[test]
fn coloured_by_state() {
    let options = ReportOptions {
        color_stderr: true,
        ..ReportOptions::plain(OutputMode::Live)
    };
    let run = run_with(
        options,
        &[ok("a"), failed("b", 1), unreachable("c", "refused")],
    );
    let text = run.stderr();
    assert!(text.contains("\x1b[32m1 ok\x1b[0m"));
    assert!(text.contains("1 failed\x1b[0m"));
    assert!(text.contains("\x1b[33munreachable\x1b[0m c: refused"));
}

#[test]
fn summary_lists_hosts_in_target_order() {
    let run = run(
        OutputMode::Live,
        &[
            started(&["a", "b", "c", "d", "e"]),
            unreachable("d", "refused"),
            failed("c", 1),
            ok("b"),
            failed("a", 2),
        ],
    );
    let summary = &run.summary;
    assert_eq!(summary.ok, vec![host("b")]);
    assert_eq!(summary.not_run, vec![host("e")]);
    assert_eq!(summary.total(), 5);
    assert_eq!(summary.elapsed, Duration::from_millis(1320));
    assert_eq!(
        summary.failed_or_unreachable(),
        vec![host("a"), host("c"), host("d")]
    );
}

#[test]
fn exit_code_for_each_combination() {
    let cases: [(&[Event], i32); 7] = [
        (&[], EXIT_OK),
        (&[ok("a"), ok("b")], EXIT_OK),
        (&[ok("a"), failed("b", 1)], EXIT_FAILED),
        (&[ok("a"), unreachable("b", "refused")], EXIT_UNREACHABLE),
        (&[failed("a", 1), unreachable("b", "refused")], EXIT_FAILED),
        (&[started(&["a", "b"]), ok("a")], EXIT_UNREACHABLE),
        (&[started(&["a", "b"]), failed("a", 1)], EXIT_FAILED),
    ];
    for (events, code) in cases {
        let run = run(OutputMode::Live, events);
        assert_eq!(run.summary.exit_code(), code, "{events:?}");
    }
    assert_eq!((EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE), (0, 2, 4));
}
