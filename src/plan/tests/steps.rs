//! Per step and host: tags, `when`, deferral, rendering and the errors found on the way.

use super::*;

fn tagged(tags: &[&str], skip: &[&str]) -> PlanOptions {
    PlanOptions {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        skip_tags: skip.iter().map(|t| t.to_string()).collect(),
        ..PlanOptions::default()
    }
}

const TAGGED: &str = "\
- hosts: h1
  steps:
    - {name: plain, run: echo plain}
    - {name: info, run: echo info, tags: info}
    - {name: deploy, run: echo deploy, tags: [deploy, web]}
    - {name: always, run: echo always, tags: always}
    - {name: never, run: echo never, tags: [never, debug]}
";

/// The names of the steps that run on h1 with these options.
fn running(tags: &[&str], skip: &[&str]) -> Vec<String> {
    let plan = plan_ok(&playbook(TAGGED), &inventory(SMALL), &tagged(tags, skip));
    plan.plays[0]
        .steps
        .iter()
        .filter(|step| matches!(step.hosts[0].state, StepState::Ready(_)))
        .map(|step| step.label.clone())
        .collect()
}

#[test]
fn tags_follow_ansible() {
    assert_eq!(running(&[], &[]), ["plain", "info", "deploy", "always"]);
    assert_eq!(running(&["info"], &[]), ["info", "always"]);
    assert_eq!(running(&["info,web"], &[]), ["info", "deploy", "always"]);
    assert_eq!(running(&["debug"], &[]), ["always", "never"]);
    assert_eq!(running(&["never"], &[]), ["always", "never"]);
    assert_eq!(
        running(&["all"], &[]),
        ["plain", "info", "deploy", "always"]
    );
    assert_eq!(running(&["tagged"], &[]), ["info", "deploy", "always"]);
    assert_eq!(running(&["untagged"], &[]), ["plain", "always"]);
    assert_eq!(running(&[], &["info"]), ["plain", "deploy", "always"]);
    assert_eq!(running(&[], &["always"]), ["plain", "info", "deploy"]);
    assert_eq!(running(&[], &["all"]), ["always"]);
    assert_eq!(running(&[], &["untagged"]), ["info", "deploy", "always"]);
    assert_eq!(running(&["info", "deploy"], &["web"]), ["info", "always"]);
}

#[test]
fn steps_left_out_by_tags_say_why() {
    let plan = plan_ok(
        &playbook(TAGGED),
        &inventory(SMALL),
        &tagged(&["info"], &["always"]),
    );
    let step = |i: usize| match &plan.plays[0].steps[i].hosts[0].state {
        StepState::Skipped(Skip::Tags { detail }) => detail.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(step(0), "not selected by --tags info");
    assert_eq!(step(3), "left out by --skip-tags always");
    let plan = plan_ok(
        &playbook(TAGGED),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert!(matches!(
        &plan.plays[0].steps[4].hosts[0].state,
        StepState::Skipped(Skip::Tags { detail }) if detail.starts_with("tagged `never`")
    ));
}

#[test]
fn when_is_decided_now_unless_it_reads_a_registered_result() {
    let plan = plan_small(concat!(
        "- hosts: all\n",
        "  steps:\n",
        "    - {name: Probe, run: uptime, register: probe, when: \"'web_clusters' in group_names\"}\n",
        "    - {name: Use, run: echo ok, when: probe.rc == 0}\n",
        "    - {name: Never, run: echo no, when: false}\n",
    ));
    assert_eq!(commands(&plan, 0), ["uptime", "uptime", "-", "-"]);
    assert_eq!(
        states(&plan, 0)[2],
        &StepState::Skipped(Skip::When {
            condition: "'web_clusters' in group_names".into()
        })
        .clone()
    );
    let StepState::Deferred(deferred) = states(&plan, 1)[0] else {
        panic!("{:?}", states(&plan, 1)[0]);
    };
    assert_eq!(deferred.when.as_deref(), Some("probe.rc == 0"));
    assert_eq!(deferred.shown, "run: echo ok");
    assert_eq!(
        deferred.depends_on,
        [Dependency {
            register: "probe".into(),
            step: "Probe".into(),
            file: "site.yml".into(),
            line: 3
        }]
    );
    assert!(
        matches!(states(&plan, 2)[0], StepState::Skipped(Skip::When { condition }) if condition == "false")
    );
}

#[test]
fn values_reading_a_registered_result_are_deferred_others_rendered() {
    let plan = plan_small(concat!(
        "- hosts: h1\n",
        "  vars: {dir: /srv}\n",
        "  steps:\n",
        "    - {name: Disk, run: df, register: disk}\n",
        "    - {run: \"echo {{ disk.stdout }} > {{ dir }}/{{ inventory_hostname }}\", creates: \"{{ dir }}/x\"}\n",
        "    - {run: \"echo {{ dir }}\", register: out, until: out.rc == 0}\n",
    ));
    let StepState::Deferred(deferred) = states(&plan, 1)[0] else {
        panic!("{:?}", states(&plan, 1)[0]);
    };
    assert_eq!(deferred.when, None);
    assert_eq!(
        deferred.shown,
        "run: echo {{ disk.stdout }} > {{ dir }}/{{ inventory_hostname }}  (skipped if /srv/x exists)"
    );
    assert_eq!(deferred.depends_on[0].register, "disk");
    assert_eq!(
        commands(&plan, 2),
        ["echo /srv"],
        "until alone does not defer a step"
    );
}

#[test]
fn a_name_registered_only_later_is_undefined_now() {
    let err = plan_err(
        &playbook(
            "- hosts: h1\n  steps:\n    - run: echo {{ later.stdout }}\n    - {run: df, register: later}\n",
        ),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        "site.yml:3: step 'run: echo {{ later.stdout }}' on host h1: undefined variable `later.stdout`"
    );
}

#[test]
fn a_result_a_tag_left_out_is_never_registered() {
    let book = playbook(concat!(
        "- hosts: h1\n",
        "  steps:\n",
        "    - {run: df, register: disk, tags: probe}\n",
        "    - {name: Report, run: echo, when: disk is defined, tags: report}\n",
    ));
    let plan = plan_ok(&book, &inventory(SMALL), &tagged(&["report"], &[]));
    assert!(matches!(
        states(&plan, 1)[0],
        StepState::Skipped(Skip::When { .. })
    ));
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    assert!(matches!(states(&plan, 1)[0], StepState::Deferred(_)));
}

#[test]
fn undefined_variables_name_file_line_step_and_host() {
    let err = plan_err(
        &playbook(
            "- hosts: web_clusters\n  steps:\n    - name: Show disk\n      run: df -h {{ data_dirr }}\n",
        ),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        concat!(
            "site.yml:3: step 'Show disk' on host h1: undefined variable `data_dirr`\n",
            "site.yml:3: step 'Show disk' on host h2: undefined variable `data_dirr`",
        )
    );
}

#[test]
fn undefined_variables_in_deferred_values_and_until_are_found_now() {
    let err = plan_err(
        &playbook(concat!(
            "- hosts: h1\n",
            "  steps:\n",
            "    - {name: A, run: df, register: disk}\n",
            "    - {name: B, run: \"echo {{ disk.stdout }} {{ typo }}\"}\n",
            "    - {name: C, run: df, when: disk.rc == 0 and other}\n",
            "    - {name: D, run: df, register: d, until: d.rc == 0 and rcc}\n",
        )),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        concat!(
            "site.yml:4: step 'B' on host h1: undefined variable `typo`\n",
            "site.yml:5: step 'C' on host h1: undefined variable `other`\n",
            "site.yml:6: step 'D' on host h1: undefined variable `rcc`",
        )
    );
}

#[test]
fn problems_are_capped_per_step_and_in_total() {
    let inv = inventory("[web]\nw[001:500]\n");
    let steps: String = (0..10)
        .map(|i| format!("    - run: echo {{{{ nope{i} }}}}\n"))
        .collect();
    let book = playbook(&format!("- hosts: web\n  steps:\n{steps}"));
    let err = build(&book, &inv, &PlanOptions::default()).unwrap_err();
    assert_eq!(err.problems.len(), MAX_PROBLEMS);
    assert_eq!(err.omitted, 5000 - MAX_PROBLEMS);
    let text = err.to_string();
    assert_eq!(text.lines().count(), MAX_PROBLEMS + 1);
    assert!(
        text.contains("on host w003: undefined variable `nope0`\nsite.yml:4:"),
        "{text}"
    );
    assert!(text.ends_with("\n… and 4980 more problems"), "{text}");
}

#[test]
fn put_sources_must_exist_after_rendering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h1.conf"), "x").unwrap();
    let book = playbook_in(
        dir.path(),
        "- hosts: web_clusters\n  steps:\n    - name: Conf\n      put: {src: \"{{ inventory_hostname }}.conf\", dest: /etc/x.conf}\n",
    );
    let err = plan_err(&book, &inventory(SMALL), &PlanOptions::default());
    assert_eq!(
        err,
        format!(
            "site.yml:3: step 'Conf' on host h2: put src {} does not exist (relative paths are \
             resolved against the playbook's directory)",
            dir.path().join("h2.conf").display()
        )
    );
}

#[test]
fn put_files_are_hashed_and_templates_rendered_per_host() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.txt"), "hello\n").unwrap();
    std::fs::write(
        dir.path().join("motd.j2"),
        "I am {{ inventory_hostname }} of {{ app }}\n",
    )
    .unwrap();
    let book = playbook_in(
        dir.path(),
        concat!(
            "- hosts: web_clusters\n",
            "  vars: {app: shop}\n",
            "  steps:\n",
            "    - put: {src: plain.txt, dest: /tmp/plain.txt, mode: \"0600\"}\n",
            "    - put: {src: motd.j2, dest: /etc/motd, template: true}\n",
        ),
    );
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    let put = |step: usize, host: usize| match states(&plan, step)[host] {
        StepState::Ready(ready) => ready.real.action.clone(),
        other => panic!("{other:?}"),
    };
    let PlannedAction::Put {
        src,
        content,
        dest,
        mode,
        ..
    } = put(0, 0)
    else {
        panic!("a put");
    };
    assert_eq!(src, dir.path().join("plain.txt"));
    assert_eq!(dest, "/tmp/plain.txt");
    assert_eq!(mode.map(|m| m.to_string()).as_deref(), Some("0600"));
    assert_eq!(
        content,
        PutContent::File {
            size: 6,
            sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03".into()
        }
    );
    for (host, name) in [(0, "h1"), (1, "h2")] {
        let PlannedAction::Put {
            content: PutContent::Template { text, size, .. },
            ..
        } = put(1, host)
        else {
            panic!("a template put");
        };
        assert_eq!(&*text, format!("I am {name} of shop\n"));
        assert_eq!(size, text.len() as u64);
    }
}

#[test]
fn a_template_reading_a_registered_result_is_rendered_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.j2"), "{{ disk.stdout }}\n").unwrap();
    let book = playbook_in(
        dir.path(),
        concat!(
            "- hosts: h1\n",
            "  steps:\n",
            "    - {name: Disk, run: df, register: disk}\n",
            "    - put: {src: report.j2, dest: /tmp/report, template: true}\n",
        ),
    );
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    let StepState::Deferred(deferred) = states(&plan, 1)[0] else {
        panic!("{:?}", states(&plan, 1)[0]);
    };
    assert_eq!(
        deferred.shown,
        format!(
            "put: {} -> /tmp/report  (template rendered at run time)",
            dir.path().join("report.j2").display()
        )
    );
}

#[test]
fn get_lands_in_a_folder_per_host() {
    let plan = plan_small(concat!(
        "- hosts: web_clusters\n",
        "  steps:\n",
        "    - get: {src: /var/log/app.log, dest: logs}\n",
        "    - get: {src: /var/log/app.log, dest: \"fetched/{{ inventory_hostname }}/\"}\n",
    ));
    let dests = |step: usize| -> Vec<PathBuf> {
        states(&plan, step)
            .into_iter()
            .map(|state| match state {
                StepState::Ready(ready) => match &ready.real.action {
                    PlannedAction::Get { dest, .. } => dest.clone(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        dests(0),
        [
            PathBuf::from("./logs/h1/app.log"),
            PathBuf::from("./logs/h2/app.log")
        ]
    );
    assert_eq!(
        dests(1),
        [
            PathBuf::from("./fetched/h1/app.log"),
            PathBuf::from("./fetched/h2/app.log")
        ]
    );
    let err = plan_err(
        &playbook("- hosts: h1\n  steps:\n    - get: {src: /, dest: x}\n"),
        &inventory(SMALL),
        &PlanOptions::default(),
    );
    assert_eq!(
        err,
        "site.yml:3: step 'get: /' on host h1: get src `/`: names no file; give the path of a file on the host"
    );
    let err = plan_err(
        &playbook("- hosts: all\n  steps:\n    - get: {src: /etc/hosts, dest: x}\n"),
        &inventory("up/../x\n.."),
        &PlanOptions::default(),
    );
    assert!(
        err.starts_with(
            "site.yml:3: step 'get: /etc/hosts' on host up/../x: get src `/etc/hosts`: the host \
             name `up/../x` cannot name a local folder"
        ),
        "{err}"
    );
    assert!(err.contains("on host ..: get src"), "{err}");
}
