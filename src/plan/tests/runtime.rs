//! What the executor asks while it runs: deferred steps and `until`.

use super::*;

const DEFERRED: &str = "\
- hosts: web_clusters
  vars: {db_password: hunter2}
  steps:
    - {name: Disk, run: df, register: disk}
    - {name: Use, run: \"echo {{ disk.stdout_lines | length }} {{ db_password }}\", when: disk.rc == 0}
    - {name: Wait, run: check, register: health, until: \"'ok' in health.stdout\"}
";

fn registered(name: &str, result: StepResult) -> Registered {
    let mut registered = Registered::new();
    registered.insert(name.to_owned(), result.to_value());
    registered
}

#[test]
fn deferred_steps_render_with_registered_results() {
    let plan = plan_small(DEFERRED);
    let play = &plan.plays[0];
    let done = registered(
        "disk",
        StepResult {
            stdout: "a\nb\n".into(),
            rc: Some(0),
            ..StepResult::default()
        },
    );
    let Resolved::Ready(ready) = play.resolve(1, 1, &done).unwrap() else {
        panic!("the step runs");
    };
    assert_eq!(
        ready.real.action,
        PlannedAction::Run {
            command: "echo 2 hunter2".into()
        }
    );
    assert_eq!(
        ready.shown.action,
        PlannedAction::Run {
            command: "echo 2 ********".into()
        }
    );

    let failed = registered(
        "disk",
        StepResult {
            rc: Some(1),
            failed: true,
            ..StepResult::default()
        },
    );
    assert!(matches!(
        play.resolve(1, 0, &failed).unwrap(),
        Resolved::Skipped(Skip::When { condition }) if condition == "disk.rc == 0"
    ));

    let skipped = registered("disk", StepResult::skipped());
    assert!(matches!(
        play.resolve(1, 0, &skipped).unwrap(),
        Resolved::Skipped(_)
    ));
    let err = play
        .resolve(1, 0, &Registered::new())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "site.yml:5: step 'Use' on host h1: undefined variable `disk.rc`"
    );
}

#[test]
fn ready_steps_resolve_to_themselves() {
    let plan = plan_small(DEFERRED);
    let Resolved::Ready(ready) = plan.plays[0].resolve(0, 0, &Registered::new()).unwrap() else {
        panic!("the step runs");
    };
    assert_eq!(
        ready.real.action,
        PlannedAction::Run {
            command: "df".into()
        }
    );
}

#[test]
fn until_is_decided_with_the_latest_result() {
    let plan = plan_small(DEFERRED);
    let play = &plan.plays[0];
    let health = |stdout: &str| {
        registered(
            "health",
            StepResult {
                stdout: stdout.into(),
                ..StepResult::default()
            },
        )
    };
    assert!(!play.until_holds((2, 0), None, &health("starting")).unwrap());
    assert!(play.until_holds((2, 0), None, &health("ok\n")).unwrap());
    assert!(
        play.until_holds((0, 0), None, &Registered::new()).unwrap(),
        "no until"
    );
}

#[test]
fn unknown_steps_and_hosts_are_errors_not_panics() {
    let plan = plan_small(DEFERRED);
    let err = plan.plays[0].resolve(9, 0, &Registered::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "play 'web_clusters' has no step #9 for host #0"
    );
    assert!(
        plan.plays[0]
            .until_holds((2, 7), None, &Registered::new())
            .is_err()
    );
}

#[test]
fn step_results_have_ansible_keys() {
    let value = StepResult {
        stdout: "a\nb".into(),
        stderr: String::new(),
        rc: Some(3),
        changed: true,
        skipped: false,
        failed: true,
    }
    .to_value();
    assert_eq!(
        value,
        serde_json::json!({
            "stdout": "a\nb", "stderr": "", "rc": 3, "changed": true, "skipped": false,
            "failed": true, "stdout_lines": ["a", "b"], "stderr_lines": []
        })
    );
}
