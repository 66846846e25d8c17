//! JSON mode: one parseable object per event, a recap last.

use serde_json::{Value, json};

use super::*;

fn objects(run: &Run) -> Vec<Value> {
    run.stdout()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn every_event_becomes_an_object() {
    let run = run(
        OutputMode::Json,
        &[
            started(&["web01", "web02", "web03"]),
            host_started("web01"),
            out("web01", b"one\n\"two\"\n"),
            err("web01", b"tab\there"),
            put("web01", 4096, 1500),
            ok("web01"),
            failed("web02", 3),
            unreachable("web03", "connection refused"),
        ],
    );
    assert_eq!(
        objects(&run),
        vec![
            json!({"event": "run_started", "hosts": ["web01", "web02", "web03"]}),
            json!({"event": "host_started", "host": "web01"}),
            json!({"event": "output", "host": "web01", "stream": "stdout", "line": "one"}),
            json!({"event": "output", "host": "web01", "stream": "stdout", "line": "\"two\""}),
            json!({"event": "output", "host": "web01", "stream": "stderr", "line": "tab\there"}),
            json!({"event": "transfer", "host": "web01", "direction": "put",
                   "source": "./test.py", "destination": "/tmp/test.py",
                   "bytes": 4096, "elapsed_ms": 1500}),
            json!({"event": "host_finished", "host": "web01", "state": "ok",
                   "exit_code": 0, "message": null, "elapsed_ms": 250}),
            json!({"event": "host_finished", "host": "web02", "state": "failed",
                   "exit_code": 3, "message": "exit status 3", "elapsed_ms": 250}),
            json!({"event": "host_finished", "host": "web03", "state": "unreachable",
                   "exit_code": null, "message": "connection refused", "elapsed_ms": 250}),
            json!({"event": "recap", "ok": 1, "failed": 1, "unreachable": 1, "not_run": 0,
            "elapsed_ms": 1320, "hosts": {
                "web01": {"state": "ok", "exit_code": 0, "message": null},
                "web02": {"state": "failed", "exit_code": 3, "message": "exit status 3"},
                "web03": {"state": "unreachable", "exit_code": null,
                          "message": "connection refused"},
            }}),
        ]
    );
    assert!(run.stderr.is_empty());
}

#[test]
fn lines_that_are_not_utf8_keep_their_bytes_in_base64() {
    let run = run(OutputMode::Json, &[out("a", b"caf\xe9\n")]);
    let line = &objects(&run)[0];
    assert_eq!(line["line"], "caf\u{fffd}");
    assert_eq!(line["line_base64"], "Y2Fm6Q==");
}

#[test]
fn recap_lists_hosts_in_target_order_with_those_not_run() {
    let run = run(OutputMode::Json, &[started(&["z", "a", "m"]), ok("m")]);
    let recap = objects(&run).pop().unwrap();
    assert_eq!(
        (recap["ok"].clone(), recap["not_run"].clone()),
        (json!(1), json!(2))
    );
    let text = run.stdout().lines().last().unwrap().to_owned();
    let (z, a, m) = (
        text.find("\"z\"").unwrap(),
        text.find("\"a\"").unwrap(),
        text.find("\"m\"").unwrap(),
    );
    assert!(z < a && a < m, "target order, not sorted: {text}");
    assert_eq!(recap["hosts"]["z"]["state"], "not_run");
}

#[test]
fn never_coloured() {
    let options = ReportOptions {
        color: true,
        color_stderr: true,
        ..ReportOptions::plain(OutputMode::Json)
    };
    let run = run_with(options, &[out("a", b"x\n"), ok("a")]);
    assert!(!run.stdout.contains(&0x1b));
}

#[test]
fn a_file_diff_is_one_object_with_its_unified_text() {
    let diff = crate::diff::FileDiff {
        path: "/etc/app.conf".into(),
        change: crate::diff::compare(Some(b"a\n"), b"b\n", None),
    };
    let binary = crate::diff::FileDiff {
        path: "/bin/tool".into(),
        change: crate::diff::Change::Binary,
    };
    let event = |diff| Event::FileDiff {
        host: "web01".into(),
        number: 2,
        diff,
    };
    let run = run(OutputMode::Json, &[event(diff), event(binary)]);
    let objects = objects(&run);
    assert_eq!(
        objects[..2],
        [
            json!({"event": "file_diff", "host": "web01", "number": 2, "path": "/etc/app.conf",
                   "kind": "text", "created": false,
                   "diff": "--- before: /etc/app.conf\n+++ after: /etc/app.conf\n@@ -1 +1 @@\n-a\n+b\n"}),
            json!({"event": "file_diff", "host": "web01", "number": 2, "path": "/bin/tool",
                   "kind": "binary", "created": false,
                   "diff": "Binary files differ: /bin/tool\n"}),
        ]
    );
}
