//! `herd play` flow features against the lab's real sshd servers: `import_steps`,
//! handlers (`notify`/`listen`), `run_once` and `delegate_to: localhost`; handlers and
//! `run_once` also side by side with the Ansible oracle's `ansible-playbook` on the same
//! hosts.

mod common;

use std::fs;

use common::play::{
    ansible_playbook, assert_exit, oracle_inventory, play, stdout, total, write_files,
};
use common::{Lab, host_tmp, unique};

/// The lines of a lab host's file in its private /tmp, or `None` when it does not exist.
fn remote_lines(host: &str, path: &str) -> Option<Vec<String>> {
    let text = fs::read_to_string(host_tmp(host).join(path)).ok()?;
    Some(text.lines().map(str::to_owned).collect())
}

#[test]
fn handlers_run_once_after_the_steps_where_notified_and_not_on_a_second_run() {
    let lab = Lab::new();
    let dir = unique("handlers");
    let book = write_files(
        &lab,
        &[
            (
                "site.yml",
                &format!(
                    "- hosts: all\n  steps:\n    \
                     - {{run: 'mkdir -p /tmp/{dir}', creates: /tmp/{dir}}}\n    \
                     - import_steps: steps/config.yml\n  \
                     handlers:\n    \
                     - {{name: Never notified, run: 'echo never >> /tmp/{dir}/log'}}\n    \
                     - {{name: Restart app, listen: config changed, run: 'echo restart >> /tmp/{dir}/log'}}\n    \
                     - {{name: Reload proxy, run: 'echo reload >> /tmp/{dir}/log'}}\n"
                ),
            ),
            (
                "steps/config.yml",
                &format!(
                    "- name: Install app.conf\n  \
                     put: {{src: app.conf.j2, dest: /tmp/{dir}/app.conf, template: true}}\n  \
                     when: inventory_hostname != 'h4'\n  \
                     notify: [Reload proxy, Restart app]\n\
                     - name: Install env\n  \
                     put: {{src: env.txt, dest: /tmp/{dir}/env}}\n  \
                     when: inventory_hostname != 'h4'\n  \
                     notify: config changed\n"
                ),
            ),
            ("app.conf.j2", "app on {{ inventory_hostname }}\n"),
            ("env.txt", "MODE=demo\n"),
        ],
    );
    let first = play(&lab, &book, &[]);
    assert_exit(&first, 0);
    let text = stdout(&first);
    assert!(text.contains("steps/config.yml:1) on h[1-4]"), "{text}");
    assert!(
        text.contains("── HANDLER Restart app (") && text.contains("on h[1-3]\n"),
        "{text}"
    );
    assert!(!text.contains("Never notified"), "{text}");
    for host in ["h1", "h2", "h3"] {
        let log = remote_lines(host, &format!("{dir}/log"));
        assert_eq!(
            log.as_deref(),
            Some(&["restart".to_owned(), "reload".to_owned()][..]),
            "{host}: once each, in the order the handlers are written\n{text}"
        );
    }
    assert_eq!(
        remote_lines("h4", &format!("{dir}/log")),
        None,
        "h4 changed nothing"
    );

    let second = play(&lab, &book, &[]);
    assert_exit(&second, 0);
    let text = stdout(&second);
    assert_eq!(total(&second, "changed"), 0, "{text}");
    assert!(!text.contains("HANDLER"), "{text}");
    assert_eq!(
        remote_lines("h1", &format!("{dir}/log")).map(|log| log.len()),
        Some(2)
    );
}

#[test]
fn a_failed_host_runs_no_handler_and_each_serial_batch_runs_its_own() {
    let lab = Lab::new();
    let dir = unique("handlers-fail");
    let book = write_files(
        &lab,
        &[(
            "fail.yml",
            &format!(
                "- hosts: h1,h2\n  serial: 1\n  steps:\n    \
                 - {{run: 'mkdir -p /tmp/{dir}', notify: Mark}}\n    \
                 - run: test {{{{ inventory_hostname }}}} != h2\n  \
                 handlers:\n    \
                 - {{name: Mark, run: 'touch /tmp/{dir}/marked'}}\n"
            ),
        )],
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    assert!(host_tmp("h1").join(&dir).join("marked").exists());
    assert!(host_tmp("h2").join(&dir).is_dir());
    assert!(!host_tmp("h2").join(&dir).join("marked").exists());
    let text = stdout(&out);
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("── ")).collect();
    let order: Vec<String> = headings
        .iter()
        .map(|l| l.split(" (").next().unwrap().to_owned() + " " + l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "── PLAY h1,h2 h[1-2]",
            "── STEP 1/2 run: mkdir -p /tmp/DIR h1"
                .replace("DIR", &dir)
                .as_str(),
            "── STEP 2/2 run: test {{ inventory_hostname }} != h2 h1",
            "── HANDLER Mark h1",
            "── STEP 1/2 run: mkdir -p /tmp/DIR h2"
                .replace("DIR", &dir)
                .as_str(),
            "── STEP 2/2 run: test {{ inventory_hostname }} != h2 h2",
        ],
        "{text}"
    );
}

#[test]
fn run_once_runs_on_the_first_host_of_each_batch_and_shares_its_result() {
    let lab = Lab::new();
    let dir = unique("once");
    let book = write_files(
        &lab,
        &[(
            "once.yml",
            &format!(
                "- hosts: all\n  serial: 2\n  steps:\n    \
                 - name: Build once\n      \
                 run: mkdir -p /tmp/{dir} && touch /tmp/{dir}/ran && echo built-on-{{{{ inventory_hostname }}}}\n      \
                 run_once: true\n      \
                 register: build\n    \
                 - run: echo {{{{ inventory_hostname }}}} saw {{{{ build.stdout }}}}\n"
            ),
        )],
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for line in [
        "h1: built-on-h1",
        "h3: built-on-h3",
        "h1: h1 saw built-on-h1",
        "h2: h2 saw built-on-h1",
        "h3: h3 saw built-on-h3",
        "h4: h4 saw built-on-h3",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    assert!(text.contains("── STEP 1/2 Build once ("), "{text}");
    assert!(
        text.contains(") on h1\n") && text.contains(") on h3\n"),
        "{text}"
    );
    for (host, ran) in [("h1", true), ("h2", false), ("h3", true), ("h4", false)] {
        assert_eq!(
            host_tmp(host).join(&dir).join("ran").exists(),
            ran,
            "{host}"
        );
    }
}

#[test]
fn a_failed_run_once_step_stops_its_whole_batch() {
    let lab = Lab::new();
    let book = write_files(
        &lab,
        &[(
            "once-fails.yml",
            "- hosts: h1,h2\n  steps:\n    - {run: 'exit 3', run_once: true}\n    - run: echo after\n",
        )],
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    let text = stdout(&out);
    assert!(text.contains("h1: failed: exit status 3"), "{text}");
    assert!(!text.contains("after"), "{text}");
    let err = common::play::stderr(&out);
    assert!(
        err.contains("step 1 'run: exit 3' (run_once) did not succeed on h1"),
        "{err}"
    );
}

#[test]
fn delegate_to_localhost_runs_on_the_controller_with_the_hosts_variables() {
    let lab = Lab::new();
    let me = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let me = me.trim();
    let work = lab.work.path().display().to_string();
    fs::write(lab.work.path().join("built-h2"), "already\n").unwrap();
    let book = write_files(
        &lab,
        &[(
            "local.yml",
            "- hosts: h1,h2\n  vars: {color: blue}\n  steps:\n    \
             - name: Build locally\n      \
             run: echo {{ color }} $(id -un) > built-{{ inventory_hostname }} && cat built-{{ inventory_hostname }}\n      \
             creates: built-{{ inventory_hostname }}\n      \
             delegate_to: localhost\n      \
             register: local\n    \
             - run: echo remote $(id -un) saw {{ ('skipped' if local.skipped else local.stdout) | quote }}\n",
        )],
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let want = [
        format!("h1: blue {me}"),
        format!("h1: remote herd_alice saw blue {me}"),
        "h2: skipped (creates: built-h2 exists)".to_owned(),
        "h2: remote herd_bob saw skipped".to_owned(),
    ];
    for line in &want {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    assert_eq!(
        fs::read_to_string(format!("{work}/built-h1")).unwrap(),
        format!("blue {me}\n")
    );
}

/// Each lab host's `/tmp/DIR/log` lines (empty when there is none).
fn logs(dir: &str) -> Vec<(String, Vec<String>)> {
    common::LAB_HOSTS
        .iter()
        .map(|(host, ..)| {
            let lines = remote_lines(host, &format!("{dir}/log")).unwrap_or_default();
            (host.to_string(), lines)
        })
        .collect()
}

#[test]
fn handlers_run_where_and_in_the_order_ansible_runs_them() {
    let lab = Lab::new();
    let inventory = oracle_inventory(&lab);
    let (herd_dir, ansible_dir) = (unique("oracle-herd"), unique("oracle-ansible"));
    // A step that changes everywhere and notifies two handlers in the opposite order from
    // how they are written; one that changes only on h2 and notifies a listen topic; one
    // that fails on h3. Handlers write their name to a log on the host.
    let handlers = |module: &str, dir: &str| {
        format!(
            "    - {{name: A, {module}: 'echo A >> /tmp/{dir}/log'}}\n    \
             - {{name: B, {module}: 'echo B >> /tmp/{dir}/log'}}\n    \
             - {{name: C, listen: topic-c, {module}: 'echo C >> /tmp/{dir}/log'}}\n    \
             - {{name: D, {module}: 'echo D >> /tmp/{dir}/log'}}\n"
        )
    };
    let steps = |module: &str, dir: &str| {
        format!(
            "    - {{{module}: 'mkdir -p /tmp/{dir} && echo s1', notify: [B, A]}}\n    \
             - {{{module}: 'echo s2', changed_when: \"inventory_hostname == 'h2'\", notify: topic-c}}\n    \
             - {{{module}: 'test {{{{ inventory_hostname }}}} != h3'}}\n"
        )
    };
    let herd_book = write_files(
        &lab,
        &[(
            "herd.yml",
            &format!(
                "- hosts: all\n  steps:\n{}  handlers:\n{}",
                steps("run", &herd_dir),
                handlers("run", &herd_dir)
            ),
        )],
    );
    let ansible_book = write_files(
        &lab,
        &[(
            "ansible.yml",
            &format!(
                "- hosts: all\n  gather_facts: false\n  tasks:\n{}  handlers:\n{}",
                steps("raw", &ansible_dir),
                handlers("raw", &ansible_dir)
            ),
        )],
    );
    let herd = play(&lab, &herd_book, &["-i", inventory.to_str().unwrap()]);
    assert_exit(&herd, 2);
    let ansible = ansible_playbook(&lab, &inventory, &ansible_book);
    assert_eq!(
        ansible.status.code(),
        Some(2),
        "ansible-playbook:\n{}\n{}",
        String::from_utf8_lossy(&ansible.stdout),
        String::from_utf8_lossy(&ansible.stderr)
    );
    let expected = logs(&ansible_dir);
    assert_eq!(
        expected[1],
        (
            "h2".to_owned(),
            vec!["A".to_owned(), "B".to_owned(), "C".to_owned()]
        ),
        "the oracle's run is not the one this test means"
    );
    assert_eq!(logs(&herd_dir), expected, "herd:\n{}", stdout(&herd));
}

#[test]
fn run_once_shares_its_result_and_notifies_as_ansible_does() {
    let lab = Lab::new();
    let inventory = oracle_inventory(&lab);
    let (herd_dir, ansible_dir) = (unique("once-herd"), unique("once-ansible"));
    let book = |module: &str, dir: &str, steps: &str, extra: &str| {
        format!(
            "- hosts: all\n  serial: 2\n{extra}  {steps}:\n    \
             - {{{module}: 'echo once-{{{{ inventory_hostname }}}}', run_once: true, register: r, notify: A}}\n    \
             - {{{module}: 'mkdir -p /tmp/{dir} && echo {{{{ r.stdout | trim }}}} > /tmp/{dir}/saw'}}\n  \
             handlers:\n    \
             - {{name: A, {module}: 'echo A >> /tmp/{dir}/log'}}\n"
        )
    };
    let herd_book = write_files(&lab, &[("herd.yml", &book("run", &herd_dir, "steps", ""))]);
    let ansible_book = write_files(
        &lab,
        &[(
            "ansible.yml",
            &book("raw", &ansible_dir, "tasks", "  gather_facts: false\n"),
        )],
    );
    let herd = play(&lab, &herd_book, &["-i", inventory.to_str().unwrap()]);
    assert_exit(&herd, 0);
    let ansible = ansible_playbook(&lab, &inventory, &ansible_book);
    assert!(
        ansible.status.success(),
        "{}",
        String::from_utf8_lossy(&ansible.stdout)
    );
    let outcome = |dir: &str| -> Vec<(String, Option<Vec<String>>, Vec<String>)> {
        logs(dir)
            .into_iter()
            .map(|(host, log)| {
                let saw = remote_lines(&host, &format!("{dir}/saw"));
                (host, saw, log)
            })
            .collect()
    };
    let expected = outcome(&ansible_dir);
    assert_eq!(
        expected[3].1.as_deref(),
        Some(&["once-h3".to_owned()][..]),
        "the oracle's run is not the one this test means: {expected:?}"
    );
    assert_eq!(outcome(&herd_dir), expected, "herd:\n{}", stdout(&herd));
}
