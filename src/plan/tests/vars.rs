//! The variables each host's templates see.

use super::*;

const LAYERED: &str = "\
[web]
w1 level=host
w2
[db]
d1
[all:vars]
app=inventory
level=all
only_inventory=yes
";

#[test]
fn extra_vars_beat_play_vars_beat_inventory_vars() {
    let book = playbook(
        "- hosts: all\n  vars: {app: play, level: play}\n  steps:\n    - run: echo {{ app }} {{ level }} {{ only_inventory }}\n",
    );
    let inv = inventory(LAYERED);
    let plain = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(commands(&plain, 0), ["echo play play yes"; 3]);
    let options = PlanOptions {
        extra_vars: extra(&["app=extra"]),
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inv, &options);
    assert_eq!(commands(&plan, 0), ["echo extra play yes"; 3]);

    let book = playbook("- hosts: all\n  steps:\n    - run: echo {{ level }}\n");
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(commands(&plan, 0), ["echo host", "echo all", "echo all"]);
}

#[test]
fn vars_files_are_merged_over_play_vars() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v.yml"), "app: from_file\n").unwrap();
    let book = playbook_in(
        dir.path(),
        "- hosts: all\n  vars: {app: play}\n  vars_files: [v.yml]\n  steps:\n    - run: echo {{ app }}\n",
    );
    let plan = plan_ok(&book, &inventory(LAYERED), &PlanOptions::default());
    assert_eq!(commands(&plan, 0), ["echo from_file"; 3]);
}

#[test]
fn magic_variables() {
    let inv = inventory("lone\n[web]\nw[1:2] port=2201\n[prod:children]\nweb\n[db]\nd1\n");
    let book = playbook(
        "- hosts: all\n  steps:\n    - run: \"{{ inventory_hostname }} {{ group_names | join(',') }} \
         {{ groups.web | join(',') }} {{ groups.all | join(',') }} {{ hostvars.w2.port }}\"\n",
    );
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(
        commands(&plan, 0),
        [
            "lone ungrouped w1,w2 lone,w1,w2,d1 2201",
            "w1 prod,web w1,w2 lone,w1,w2,d1 2201",
            "w2 prod,web w1,w2 lone,w1,w2,d1 2201",
            "d1 db w1,w2 lone,w1,w2,d1 2201",
        ]
    );
}

#[test]
fn extra_vars_cannot_replace_magic_variables() {
    let book = playbook("- hosts: h1\n  steps:\n    - run: echo {{ inventory_hostname }}\n");
    let options = PlanOptions {
        extra_vars: extra(&["inventory_hostname=evil"]),
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inventory(SMALL), &options);
    assert_eq!(commands(&plan, 0), ["echo h1"]);
}

#[test]
fn values_keep_their_yaml_types() {
    let book = playbook(
        "- hosts: h1\n  vars: {port: 8080, on: true, list: [a, b]}\n  steps:\n    - run: echo {{ port + 1 }} {{ on }} {{ list | length }}\n",
    );
    assert_eq!(commands(&plan_small_book(&book), 0), ["echo 8081 True 2"]);
}

#[test]
fn inventory_values_keep_ansible_types() {
    let inv = inventory(
        "[web]\nw1 n=5 port=8080 on=True name=\"'5'\" l=[1,2]\nw2 n=7 port=80\n[web:vars]\nf = 1.5\n",
    );
    let book = playbook(
        "- hosts: web\n  steps:\n    - {run: 'echo {{ n + 1 }} {{ name ~ 1 }} {{ l | length }} {{ f * 2 }}', when: port == 8080}\n",
    );
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(commands(&plan, 0), ["echo 6 51 2 3.0", "-"]);
}

fn plan_small_book(book: &Playbook) -> Plan {
    plan_ok(book, &inventory(SMALL), &PlanOptions::default())
}

#[test]
fn step_vars_beat_play_vars_lose_to_extra_vars_and_registered_results() {
    let book = playbook(concat!(
        "- hosts: w1\n",
        "  vars: {app: play, level: play}\n",
        "  steps:\n",
        "    - {run: \"echo {{ app }} {{ level }}\", vars: {app: step, inventory_hostname: x}}\n",
        "    - {run: \"echo {{ app }} {{ inventory_hostname }}\"}\n",
        "    - {run: df, register: out}\n",
        "    - {run: \"echo {{ out }}\", vars: {out: step}}\n",
    ));
    let inv = inventory(LAYERED);
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(commands(&plan, 0), ["echo step play"]);
    assert_eq!(
        commands(&plan, 1),
        ["echo play w1"],
        "only the step sees them"
    );
    let options = PlanOptions {
        extra_vars: extra(&["app=extra"]),
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inv, &options);
    assert_eq!(commands(&plan, 0), ["echo extra play"]);
    let done = {
        let mut registered = Registered::new();
        registered.insert("out".into(), Value::from("registered"));
        registered
    };
    let Resolved::Ready(ready) = plan.plays[0].resolve(3, 0, &done).unwrap() else {
        panic!("the step runs");
    };
    assert_eq!(
        ready.real.action,
        PlannedAction::Run {
            command: "echo registered".into()
        },
        "a registered result beats a step var, as in Ansible"
    );
}

#[test]
fn secret_step_vars_are_masked_in_the_plan() {
    let plan = plan_small(
        "- hosts: h1\n  steps:\n    - {run: \"login {{ api_password }}\", vars: {api_password: hunter2}}\n",
    );
    assert_eq!(commands(&plan, 0), ["login hunter2"]);
    let text = plan_text(&plan);
    assert!(text.contains("run: login ********"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
