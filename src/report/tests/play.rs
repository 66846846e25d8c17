//! A playbook run: headings, status lines and the PLAY RECAP, live and as JSON.

use serde_json::{Value, json};

use super::*;
use crate::event::StepStatus;

fn play_events() -> Vec<Event> {
    let hosts = vec![host("h1"), host("h2")];
    let step = |host_name: &str, status, message: Option<&str>| Event::StepFinished {
        host: host(host_name),
        number: 1,
        status,
        ignored: false,
        message: message.map(str::to_owned),
        rc: None,
    };
    vec![
        started(&["h1", "h2"]),
        Event::PlayStarted {
            name: "Deploy".into(),
            at: "site.yml:1".into(),
            hosts: hosts.clone(),
        },
        Event::StepStarted {
            number: 1,
            steps: 1,
            label: "Install".into(),
            at: "site.yml:4".into(),
            hosts,
            handler: false,
        },
        out("h1", b"installing\n"),
        Event::StepRetrying {
            host: host("h2"),
            number: 1,
            attempt: 1,
            attempts: 2,
            message: "exit status 1".into(),
        },
        step("h1", StepStatus::Changed, None),
        step("h2", StepStatus::Failed, Some("exit status 1")),
        Event::PlayAborted {
            name: "Deploy".into(),
            reason: "every host of batch 1 failed".into(),
        },
        ok("h1"),
        failed("h2", 1),
    ]
}

#[test]
fn live_headings_status_lines_and_play_recap() {
    let run = run(OutputMode::Live, &play_events());
    assert_eq!(
        run.stdout(),
        "\n── PLAY Deploy (site.yml:1) on h[1-2]\n\
         ── STEP 1/1 Install (site.yml:4) on h[1-2]\n\
         h1: installing\n\
         h2: retrying (try 1 of 2): exit status 1\n\
         h2: failed: exit status 1\n\
         ── ABORTED Deploy: every host of batch 1 failed; the rest of the playbook does not run\n"
    );
    assert_eq!(
        run.stderr(),
        "PLAY RECAP\n\
         h1 : ok=1    changed=1    unreachable=0    failed=0    skipped=0    ignored=0\n\
         h2 : ok=0    changed=0    unreachable=0    failed=1    skipped=0    ignored=0\n\
         herd: 2 hosts: 1 ok, 1 failed in 1.32s\n  \
         failed      h2: exit status 1\n"
    );
}

#[test]
fn json_objects_and_play_recap_before_recap() {
    let run = run(OutputMode::Json, &play_events());
    let objects: Vec<Value> = run
        .stdout()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        objects[1],
        json!({"event": "play_started", "name": "Deploy", "at": "site.yml:1", "hosts": ["h1", "h2"]})
    );
    assert_eq!(
        objects[2],
        json!({"event": "step_started", "number": 1, "steps": 1, "label": "Install",
               "at": "site.yml:4", "hosts": ["h1", "h2"]})
    );
    assert_eq!(
        objects[4],
        json!({"event": "step_retrying", "host": "h2", "number": 1, "attempt": 1,
               "attempts": 2, "message": "exit status 1"})
    );
    assert_eq!(
        objects[6],
        json!({"event": "step_finished", "host": "h2", "number": 1, "status": "failed",
               "ignored": false, "message": "exit status 1", "rc": null})
    );
    assert_eq!(
        objects[7],
        json!({"event": "play_aborted", "name": "Deploy", "reason": "every host of batch 1 failed"})
    );
    let recap = &objects[objects.len() - 2];
    assert_eq!(recap["event"], "play_recap");
    assert_eq!(
        recap["hosts"]["h1"],
        json!({"ok": 1, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "ignored": 0})
    );
    assert_eq!(objects[objects.len() - 1]["event"], "recap");
    assert!(run.stderr.is_empty());
}

#[test]
fn ad_hoc_runs_have_no_play_recap() {
    let run = run(OutputMode::Live, &[started(&["h1"]), ok("h1")]);
    assert!(!run.stderr().contains("PLAY RECAP"), "{}", run.stderr());
}

#[test]
fn a_handler_shows_as_one_live_and_in_json() {
    let handler = Event::StepStarted {
        number: 2,
        steps: 1,
        label: "Restart".into(),
        at: "site.yml:9".into(),
        hosts: vec![host("h1")],
        handler: true,
    };
    let events = [started(&["h1"]), handler];
    let live = run(OutputMode::Live, &events);
    assert!(
        live.stdout()
            .contains("── HANDLER Restart (site.yml:9) on h1\n"),
        "{}",
        live.stdout()
    );
    let json = run(OutputMode::Json, &events);
    let line = json.stdout().lines().nth(1).unwrap().to_owned();
    let object: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(object["handler"], true, "{line}");
}
