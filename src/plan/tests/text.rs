//! The `--plan` text and JSON.

use super::*;

#[test]
fn site_yml_plan_text() {
    let book = playbook::load(Path::new("playbooks/site.yml")).unwrap();
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    let expected = "\
PLAYBOOK playbooks/site.yml  INVENTORY hosts.ini

PLAY Look around, then deploy a demo motd (playbooks/site.yml:8)  hosts: web_clusters:db_servers → 4 hosts: h[1-4]  batches: 1 of 4
  STEP 1 Show the kernel (playbooks/site.yml:15)  [register: kernel, check_mode: false, tags: info]
    h[1-4]:  run: uname -sr
  STEP 2 Show disk usage of the data dir (playbooks/site.yml:21)  [register: disk, timeout: 30s, check_mode: false, tags: info]
    h[1-2]:  run: df -h /tmp
    h[3-4]:  skipped (when: 'web_clusters' in group_names → false)
  STEP 3 Create the demo directory (playbooks/site.yml:29)
    h[1-4]:  run: mkdir -p /tmp/herd-demo-{host}  (skipped if /tmp/herd-demo-{host} exists)
  STEP 4 Install the motd (playbooks/site.yml:33)
    h1:  put: playbooks/files/motd.j2 -> /tmp/herd-demo-{host}/motd  (template, 75 B, sha256 f16ff3c459ca, mode 0644)
    h2:  put: playbooks/files/motd.j2 -> /tmp/herd-demo-{host}/motd  (template, 75 B, sha256 b0ff296a259c, mode 0644)
    h3:  put: playbooks/files/motd.j2 -> /tmp/herd-demo-{host}/motd  (template, 75 B, sha256 0a7336e2f60c, mode 0644)
    h4:  put: playbooks/files/motd.j2 -> /tmp/herd-demo-{host}/motd  (template, 75 B, sha256 bd05fd15a5c0, mode 0644)
  STEP 5 Write the greeting (quoted, so its `;` and `$` stay text) (playbooks/site.yml:40)
    h[1-4]:  run: printf '%s\\n' 'hello; it'\"'\"'s $HOME & `date`, as plain text' > /tmp/herd-demo-{host}/greeting.txt
  STEP 6 Check the motd landed (playbooks/site.yml:43)  [register: motd, until: motd.rc == 0 (2 retries, 1s apart)]
    h[1-4]:  run: cat /tmp/herd-demo-{host}/motd
  STEP 7 Is sudo available? (allowed to fail) (playbooks/site.yml:50)  [ignore_errors, tags: info]
    h[1-4]:  run: sudo -n true
  STEP 8 Fetch the greeting back (playbooks/site.yml:55)
    h[1-4]:  get: /tmp/herd-demo-{host}/greeting.txt -> playbooks/fetched/{host}/greeting.txt
";
    assert_eq!(plan_text(&plan), expected);
}

#[test]
fn free_yml_with_tags_shows_deferred_and_left_out_steps() {
    let book = playbook::load(Path::new("playbooks/free.yml")).unwrap();
    let options = PlanOptions {
        limit: Some("h1".into()),
        tags: vec!["probe".into()],
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inventory(SMALL), &options);
    let expected = "\
PLAYBOOK playbooks/free.yml  INVENTORY hosts.ini
SELECTION  --limit h1  --tags probe

PLAY all (playbooks/free.yml:7)  hosts: all & --limit h1 → 1 host: h1  batches: 1 of 1
  STEP 1 run: uptime (playbooks/free.yml:10)  [check_mode: false, tags: probe]
    h1:  run: uptime
  STEP 2 Who am I (playbooks/free.yml:14)  [register: who, check_mode: false, tags: probe]
    h1:  run: id -un
  STEP 3 Only where the user has a home (playbooks/free.yml:20)  [check_mode: false, tags: probe]
    h1:  when who.rc == 0: run: ls -ld \"$HOME\"  (at run time: depends on register 'who' (step 'Who am I', playbooks/free.yml:14))
  STEP 4 Never on this run (playbooks/free.yml:26)
    h1:  skipped (not selected by --tags probe)
";
    assert_eq!(plan_text(&plan), expected);
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan)).unwrap();
    let hosts = |step: usize| json["plays"][0]["steps"][step]["hosts"][0].clone();
    assert_eq!(hosts(2)["state"], "deferred");
    assert_eq!(hosts(2)["depends_on"][0]["register"], "who");
    assert_eq!(
        hosts(3),
        serde_json::json!({"host": "h1", "state": "skipped", "reason": "tags",
                           "detail": "not selected by --tags probe"})
    );
}

#[test]
fn five_hundred_hosts_stay_short() {
    let inv = inventory("[web]\nweb[001:250]\n[db]\ndb[001:250]\n");
    let book = playbook(concat!(
        "- hosts: all\n",
        "  serial: 100\n",
        "  steps:\n",
        "    - run: mkdir -p /srv/{{ inventory_hostname }}/data\n",
        "    - {run: systemctl restart shop, when: \"'web' in group_names\"}\n",
        "    - get: {src: /var/log/shop.log, dest: logs}\n",
    ));
    let text = plan_text(&plan_ok(&book, &inv, &PlanOptions::default()));
    assert_eq!(text.lines().count(), 10, "{text}");
    assert!(
        text.contains("→ 500 hosts: web[001-250],db[001-250]  batches: 5 of 100\n"),
        "{text}"
    );
    assert!(
        text.contains("    web[001-250],db[001-250]:  run: mkdir -p /srv/{host}/data\n"),
        "{text}"
    );
    assert!(
        text.contains("    db[001-250]:  skipped (when: 'web' in group_names → false)\n"),
        "{text}"
    );
    assert!(
        text.contains(":  get: /var/log/shop.log -> ./logs/{host}/shop.log\n"),
        "{text}"
    );
}

const SECRETS: &str = "\
- hosts: h1
  vars:
    db_password: hunter2
    vault: {api_pass: s3cret}
  steps:
    - name: Dump
      run: \"mysqldump -p{{ db_password }} --key {{ vault.api_pass }} {{ db_password | b64encode }}\"
      register: dump
    - run: \"echo {{ dump.stdout }} {{ db_password }}\"
";

#[test]
fn secrets_are_masked_in_text_and_json() {
    let plan = plan_small(SECRETS);
    let text = plan_text(&plan);
    let json = plan_json(&plan);
    for shown in [&text, &json] {
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(
            !shown.contains("aHVudGVyMg"),
            "no encoded secret either: {shown}"
        );
    }
    assert!(
        text.contains("h1:  run: mysqldump -p******** --key ******** KioqKioqKio=\n"),
        "{text}"
    );
    assert!(
        text.contains("h1:  run: echo {{ dump.stdout }} {{ db_password }}  (at run time: depends on register 'dump' (step 'Dump', site.yml:6))\n"),
        "{text}"
    );
    assert_eq!(
        commands(&plan, 0),
        ["mysqldump -phunter2 --key s3cret aHVudGVyMg=="]
    );
}

#[test]
fn a_template_holding_a_secret_shows_no_digest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my.cnf.j2"), "password={{ db_password }}\n").unwrap();
    let book = playbook_in(
        dir.path(),
        "- hosts: h1\n  vars: {db_password: hunter2}\n  steps:\n    - put: {src: my.cnf.j2, dest: /etc/my.cnf, template: true}\n",
    );
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    let text = plan_text(&plan);
    assert!(
        text.contains("-> /etc/my.cnf  (template holding secrets)\n"),
        "{text}"
    );
    let json = plan_json(&plan);
    assert!(!json.contains("hunter2"), "{json}");
}

#[test]
fn json_holds_the_shown_plan() {
    let plan = plan_small("- hosts: h1\n  steps:\n    - {run: uptime, register: up, tags: info}\n");
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan)).unwrap();
    let step = &json["plays"][0]["steps"][0];
    assert_eq!(step["label"], "run: uptime");
    assert_eq!(step["options"]["register"], "up");
    assert_eq!(
        step["hosts"][0],
        serde_json::json!({"host": "h1", "state": "ready", "action": {"type": "run", "command": "uptime"}})
    );
    assert_eq!(
        json["plays"][0]["batches"],
        serde_json::json!([{"start": 0, "end": 1}])
    );
}

#[test]
fn imported_steps_show_their_own_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("common.yml"),
        "- name: Probe\n  run: uname\n  register: probe\n",
    )
    .unwrap();
    let text = "- hosts: h1\n  steps:\n    - import_steps: common.yml\n    - run: echo {{ probe.stdout }}\n";
    let book = playbook_in(dir.path(), text);
    let plan = plan_ok(&book, &inventory(SMALL), &PlanOptions::default());
    let common = dir.path().join("common.yml").display().to_string();
    assert_eq!(
        plan_text(&plan)
            .lines()
            .skip(3)
            .collect::<Vec<_>>()
            .join("\n"),
        format!(
            "  STEP 1 Probe ({common}:1)  [register: probe]\n    h1:  run: uname\n  \
             STEP 2 run: echo {{{{ probe.stdout }}}} (site.yml:4)\n    h1:  run: echo {{{{ \
             probe.stdout }}}}  (at run time: depends on register 'probe' (step 'Probe', \
             {common}:1))"
        )
    );
}

#[test]
fn handlers_show_after_the_steps_with_what_notifies_them() {
    let plan = plan_small(
        "- hosts: web_clusters\n  steps:\n    - {name: Config, run: 'echo a', notify: Restart, tags: conf}\n    - {run: 'echo b', notify: [web, Restart], register: b}\n  handlers:\n    - {name: Restart, run: 'restart {{ inventory_hostname }}'}\n    - {name: Reload, run: 'echo {{ b.rc }}', listen: web}\n    - {name: Idle, run: 'true'}\n",
    );
    let expected = "\
  STEP 1 Config (site.yml:3)  [notify: Restart, tags: conf]
    h[1-2]:  run: echo a
  STEP 2 run: echo b (site.yml:4)  [register: b, notify: web, Restart]
    h[1-2]:  run: echo b
  HANDLER Restart (site.yml:6)  on change of step 1 'Config', step 2 'run: echo b'
    h[1-2]:  run: restart {host}
  HANDLER Reload (site.yml:7)  on change of step 2 'run: echo b'  (listen: web)
    h[1-2]:  run: echo {{ b.rc }}  (at run time: depends on register 'b' (step 'run: echo b', site.yml:4))
  HANDLER Idle (site.yml:8)  notified by no step
    h[1-2]:  run: true";
    let text = plan_text(&plan);
    let shown = text.lines().skip(3).collect::<Vec<_>>().join("\n");
    assert_eq!(
        shown,
        format!("  {expected}"),
        "the \\ continuation ate the indent"
    );
    let play = &plan.plays[0];
    assert_eq!(play.handlers[0].step.number, 3, "numbered after the steps");
    assert_eq!(play.notified(1).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(play.step_at(3).map(|s| s.label.as_str()), Some("Reload"));
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan)).unwrap();
    assert_eq!(
        json["plays"][0]["handlers"][1]["notified_by"],
        serde_json::json!([2])
    );
    assert_eq!(
        json["plays"][0]["handlers"][1]["listen"],
        serde_json::json!(["web"])
    );
}

#[test]
fn tags_do_not_leave_handlers_out() {
    let options = PlanOptions {
        tags: vec!["conf".into()],
        ..PlanOptions::default()
    };
    let book = playbook(
        "- hosts: h1\n  steps:\n    - {run: a, notify: R, tags: conf}\n  handlers:\n    - {name: R, run: r, tags: other}\n",
    );
    let plan = plan_ok(&book, &inventory(SMALL), &options);
    assert!(matches!(
        plan.plays[0].handlers[0].step.hosts[0].state,
        StepState::Ready(_)
    ));
}

#[test]
fn run_once_and_delegate_to_show_in_the_options() {
    let plan = plan_small(
        "- hosts: web_clusters\n  steps:\n    - {run: 'make {{ inventory_hostname }}', run_once: true, delegate_to: localhost, register: build}\n",
    );
    let text = plan_text(&plan);
    assert!(
        text.contains("  STEP 1 run: make {{ inventory_hostname }} (site.yml:3)  [register: build, run_once, delegate_to: localhost]\n"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan)).unwrap();
    assert_eq!(json["plays"][0]["steps"][0]["options"]["run_once"], true);
    assert_eq!(
        json["plays"][0]["steps"][0]["options"]["delegate_to_localhost"],
        true
    );
}
