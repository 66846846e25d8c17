//! `chdir:`, `environment:`, `changed_when:` and `failed_when:` as planned and judged.

use super::*;

#[test]
fn chdir_and_environment_are_rendered_and_shown_masked() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  vars: {dir: /srv/app, db_password: hunter2}\n",
        "  steps:\n",
        "    - run: make\n",
        "      chdir: \"{{ dir }}\"\n",
        "      environment: {PGPASSWORD: \"{{ db_password }}\", JOBS: 4, LABEL: \"a b\"}\n",
    ));
    let StepState::Ready(ready) = states(&plan, 0)[0] else {
        panic!("{:?}", states(&plan, 0)[0]);
    };
    assert_eq!(ready.real.chdir.as_deref(), Some("/srv/app"));
    assert_eq!(ready.real.environment["PGPASSWORD"], "hunter2");
    assert_eq!(ready.real.environment["JOBS"], "4");
    assert_eq!(ready.shown.environment["PGPASSWORD"], "********");
    let text = plan_text(&plan);
    assert!(
        text.contains(
            "h1:  run: make  (in /srv/app)  (environment: JOBS=4 LABEL='a b' PGPASSWORD='********')"
        ),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    let json = plan_json(&plan);
    assert!(json.contains("\"chdir\": \"/srv/app\""), "{json}");
    assert!(!json.contains("hunter2"), "{json}");
}

#[test]
fn environment_reading_a_registered_result_is_deferred() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: hostname, register: name}\n",
        "    - {run: make, environment: {WHO: \"{{ name.stdout }}\"}, chdir: /tmp}\n",
    ));
    let StepState::Deferred(deferred) = states(&plan, 1)[0] else {
        panic!("{:?}", states(&plan, 1)[0]);
    };
    assert_eq!(
        deferred.shown,
        "run: make  (in /tmp)  (environment: WHO='{{ name.stdout }}')"
    );
    assert_eq!(deferred.depends_on[0].register, "name");
}

#[test]
fn rules_are_shown_and_their_names_checked_now() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: probe, register: p, changed_when: false, failed_when: \"p.rc > 1\"}\n",
    ));
    let text = plan_text(&plan);
    assert!(
        text.contains("[register: p, changed_when: false, failed_when: p.rc > 1]"),
        "{text}"
    );
    let err = plan_err(
        &playbook(
            "- hosts: h1\n  steps:\n    - {name: P, run: probe, register: p, failed_when: \"'x' in q.stdout\"}\n",
        ),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        "site.yml:3: step 'P' on host h1: undefined variable `q`"
    );
}

/// The result of a try that exited with `rc` and printed `stdout`.
fn try_result(rc: i32, stdout: &str) -> StepResult {
    StepResult {
        stdout: stdout.into(),
        rc: Some(rc),
        changed: rc == 0,
        failed: rc != 0,
        ..StepResult::default()
    }
}

/// The try's result under `p`, judged by step `step` of `plan`.
fn judged(plan: &Plan, step: usize, mut result: StepResult) -> StepResult {
    let mut registered = Registered::new();
    registered.insert("p".into(), result.to_value());
    plan.plays[0]
        .judge((step, 0), None, &registered, &mut result)
        .unwrap();
    result
}

#[test]
fn changed_when_and_failed_when_decide_over_the_result() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: probe, changed_when: false}\n",
        "    - {run: grep, register: p, failed_when: \"p.rc > 1 or 'ERROR' in p.stdout\"}\n",
        "    - {run: x, register: p, changed_when: \"'new' in p.stdout\", failed_when: \"not p.changed and p.rc == 0\"}\n",
        "    - {run: y, failed_when: false}\n",
    ));
    let probe = judged(&plan, 0, try_result(0, ""));
    assert!(!probe.changed && !probe.failed);
    let probe = judged(&plan, 0, try_result(3, ""));
    assert!(probe.failed, "changed_when leaves failures alone");

    assert!(!judged(&plan, 1, try_result(1, "")).failed, "rc 1 is fine");
    assert!(judged(&plan, 1, try_result(2, "")).failed);
    let error = judged(&plan, 1, try_result(0, "ERROR: disk"));
    assert!(error.failed && error.changed);

    let fresh = judged(&plan, 2, try_result(0, "new"));
    assert!(fresh.changed && !fresh.failed);
    let same = judged(&plan, 2, try_result(0, "same"));
    assert!(
        !same.changed && same.failed,
        "failed_when sees what changed_when decided"
    );

    assert!(!judged(&plan, 3, try_result(5, "")).failed);
    let skipped = judged(&plan, 3, StepResult::skipped());
    assert_eq!(
        skipped,
        StepResult::skipped(),
        "a skipped try is not judged"
    );
}

#[test]
fn a_rule_that_cannot_be_decided_is_an_error() {
    let plan = plan_small(
        "- hosts: h1\n  steps:\n    - {name: P, run: x, register: p, failed_when: \"p.stdout | int > 1\"}\n",
    );
    let mut result = try_result(0, "");
    let mut registered = Registered::new();
    registered.insert("p".into(), Value::from(1));
    let err = plan.plays[0]
        .judge((0, 0), None, &registered, &mut result)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("site.yml:3: step 'P' on host h1"), "{err}");
}
