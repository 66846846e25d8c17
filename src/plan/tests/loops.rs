//! `loop:` planned per host and item, shown, deferred, resolved and registered.

use super::*;

/// The items of host `host` at step `step` of the first play.
fn items(plan: &Plan, step: usize, host: usize) -> &[PlannedItem] {
    match states(plan, step)[host] {
        StepState::Loop { items } => items,
        other => panic!("{other:?}"),
    }
}

/// Each item's label and real command (`-` when skipped).
fn item_commands(items: &[PlannedItem]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|planned| {
            let command = match &planned.state {
                ItemState::Ready(ready) => match &ready.real.action {
                    PlannedAction::Run { command } => command.clone(),
                    other => panic!("{other:?}"),
                },
                ItemState::Skipped(_) => "-".to_owned(),
            };
            (planned.item.label.clone(), command)
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(label, command)| (label.to_string(), command.to_string()))
        .collect()
}

#[test]
fn a_list_loop_renders_each_item_with_when_per_item() {
    let plan = plan_small(concat!(
        "- hosts: web_clusters\n",
        "  vars: {suffix: x}\n",
        "  steps:\n",
        "    - run: echo {{ item }} on {{ inventory_hostname }}\n",
        "      loop: [a, \"b{{ suffix }}\", 3]\n",
        "      when: item != 'a' or inventory_hostname == 'h1'\n",
    ));
    assert_eq!(
        item_commands(items(&plan, 0, 0)),
        pairs(&[
            ("a", "echo a on h1"),
            ("bx", "echo bx on h1"),
            ("3", "echo 3 on h1")
        ])
    );
    assert_eq!(
        item_commands(items(&plan, 0, 1)),
        pairs(&[("a", "-"), ("bx", "echo bx on h2"), ("3", "echo 3 on h2")])
    );
    let text = plan_text(&plan);
    assert!(
        text.contains(concat!(
            "  STEP 1 run: echo {{ item }} on {{ inventory_hostname }} (site.yml:4)  [loop: item]\n",
            "    h1:  loop over 3 items:\n",
            "      (a) run: echo a on {host}\n",
            "      (bx) run: echo bx on {host}\n",
            "      (3) run: echo 3 on {host}\n",
            "    h2:  loop over 3 items:\n",
            "      (a) skipped (when: item != 'a' or inventory_hostname == 'h1' → false)\n",
        )),
        "{text}"
    );
}

#[test]
fn a_template_loop_yields_its_list_with_loop_control() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  vars:\n",
        "    users: [{name: ann, key_password: s3cret}, {name: bob, key_password: t0p}]\n",
        "  steps:\n",
        "    - run: useradd {{ user.name }} --pw {{ user.key_password }} --n {{ n }}\n",
        "      loop: \"{{ users }}\"\n",
        "      loop_control: {loop_var: user, index_var: n, label: \"{{ user.name }}\"}\n",
    ));
    assert_eq!(
        item_commands(items(&plan, 0, 0)),
        pairs(&[
            ("ann", "useradd ann --pw s3cret --n 0"),
            ("bob", "useradd bob --pw t0p --n 1"),
        ])
    );
    let text = plan_text(&plan);
    assert!(text.contains("[loop: user, n]"), "{text}");
    assert!(
        text.contains("(ann) run: useradd ann --pw ******** --n 0"),
        "{text}"
    );
    assert!(!text.contains("s3cret") && !text.contains("t0p"), "{text}");
}

#[test]
fn a_loop_that_yields_no_list_or_reads_undefined_names_is_an_error() {
    let err = plan_err(
        &playbook(
            "- hosts: h1\n  vars: {n: 3}\n  steps:\n    - {name: L, run: echo, loop: \"{{ n }}\"}\n",
        ),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert!(
        err.starts_with(
            "site.yml:4: step 'L' on host h1: `loop: \"{{ n }}\"` yields number, not a list"
        ),
        "{err}"
    );
    let err = plan_err(
        &playbook("- hosts: h1\n  steps:\n    - {name: L, run: echo, loop: \"{{ pkgs }}\"}\n"),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        "site.yml:3: step 'L' on host h1: undefined variable `pkgs`"
    );
    let err = plan_err(
        &playbook("- hosts: h1\n  steps:\n    - {name: N, run: \"echo {{ item }}\"}\n"),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        "site.yml:3: step 'N' on host h1: undefined variable `item`"
    );
}

#[test]
fn an_empty_loop_is_skipped() {
    let plan = plan_small(
        "- hosts: h1\n  vars: {nothing: []}\n  steps:\n    - {run: echo, loop: \"{{ nothing }}\"}\n",
    );
    assert_eq!(states(&plan, 0)[0], &StepState::Skipped(Skip::EmptyLoop));
    assert!(plan_text(&plan).contains("h1:  skipped (no items in the loop)"));
}

#[test]
fn a_loop_over_a_registered_result_is_resolved_at_run_time() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {name: Ls, run: ls, register: listing}\n",
        "    - run: rm {{ item | quote }}\n",
        "      loop: \"{{ listing.stdout_lines }}\"\n",
        "      when: item != 'keep'\n",
    ));
    let StepState::Deferred(deferred) = states(&plan, 1)[0] else {
        panic!("{:?}", states(&plan, 1)[0]);
    };
    assert_eq!(
        deferred.shown,
        "loop over {{ listing.stdout_lines }}: run: rm {{ item | quote }}"
    );
    assert_eq!(deferred.depends_on[0].register, "listing");
    let mut registered = Registered::new();
    let listing = StepResult {
        stdout: "a b\nkeep\n".into(),
        ..StepResult::default()
    };
    registered.insert("listing".into(), listing.to_value());
    let Resolved::Loop(resolved) = plan.plays[0].resolve(1, 0, &registered).unwrap() else {
        panic!("a loop");
    };
    assert_eq!(
        item_commands(&resolved),
        pairs(&[("a b", "rm 'a b'"), ("keep", "-")])
    );
}

#[test]
fn rules_see_the_item_and_its_result() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - run: test {{ item }}\n",
        "      loop: [ok, bad]\n",
        "      register: t\n",
        "      failed_when: item == 'bad' and t.rc == 0\n",
    ));
    let items = items(&plan, 0, 0);
    let judged = |item: &LoopItem| {
        let mut result = StepResult {
            rc: Some(0),
            changed: true,
            ..StepResult::default()
        };
        let mut registered = Registered::new();
        registered.insert("t".into(), result.to_value());
        plan.plays[0]
            .judge((0, 0), Some(item), &registered, &mut result)
            .unwrap();
        result.failed
    };
    assert!(!judged(&items[0].item));
    assert!(judged(&items[1].item));
}

#[test]
fn loop_results_register_as_ansible_does() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: x, loop: [a, b], loop_control: {loop_var: p, index_var: i}}\n",
    ));
    let items = items(&plan, 0, 0);
    let names = plan.plays[0].steps[0].options.loop_.clone().unwrap();
    let mut results = LoopResults::default();
    results.push(
        &names,
        &items[0].item,
        StepResult {
            rc: Some(0),
            changed: true,
            ..StepResult::default()
        },
    );
    results.push(
        &names,
        &items[1].item,
        StepResult {
            rc: Some(1),
            failed: true,
            ..StepResult::default()
        },
    );
    let value = results.to_value();
    assert_eq!(value["changed"], true);
    assert_eq!(value["failed"], true);
    assert_eq!(value["skipped"], false);
    assert_eq!(value["msg"], "One or more items failed");
    assert_eq!(value["results"][1]["p"], "b");
    assert_eq!(value["results"][1]["i"], 1);
    assert_eq!(value["results"][1]["ansible_loop_var"], "p");
    assert_eq!(value["results"][1]["ansible_index_var"], "i");
    assert_eq!(value["results"][1]["rc"], 1);
    assert_eq!(results.failed(), 1);
    let empty = LoopResults::default();
    assert!(empty.overall().skipped);
    assert_eq!(empty.to_value()["results"], Value::Array(Vec::new()));
    assert_eq!(empty.to_value()["skipped_reason"], "No items in the list");
    let mut skipped = LoopResults::default();
    skipped.push(&names, &items[0].item, StepResult::skipped());
    assert_eq!(skipped.to_value()["msg"], "All items skipped");
    assert_eq!(skipped.to_value()["skipped"], true);
}

#[test]
fn until_is_decided_per_item() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: \"cat {{ item }}\", loop: [a, b], register: r, until: r.stdout == item}\n",
    ));
    let items = items(&plan, 0, 0);
    let holds = |item: &LoopItem, stdout: &str| {
        let mut registered = Registered::new();
        let result = StepResult {
            stdout: stdout.into(),
            ..StepResult::default()
        };
        registered.insert("r".into(), result.to_value());
        plan.plays[0]
            .until_holds((0, 0), Some(item), &registered)
            .unwrap()
    };
    assert!(holds(&items[0].item, "a"));
    assert!(!holds(&items[1].item, "a"));
    assert!(holds(&items[1].item, "b"));
}

#[test]
fn a_mapping_loops_through_dict2items() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  vars: {ports: {web: 80, db: 5432}}\n",
        "  steps:\n",
        "    - run: open {{ item.key }} {{ item.value }}\n",
        "      loop: \"{{ ports | dict2items }}\"\n",
        "      loop_control: {label: \"{{ item.key }}\"}\n",
    ));
    assert_eq!(
        item_commands(items(&plan, 0, 0)),
        pairs(&[("db", "open db 5432"), ("web", "open web 80")])
    );
}
