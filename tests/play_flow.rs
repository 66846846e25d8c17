//! `herd play` flow features against the lab's real sshd servers: `import_steps`,
//! handlers (`notify`/`listen`), `run_once` and `delegate_to: localhost`.

mod common;

use std::fs;

use common::play::{assert_exit, play, stdout, total, write_files};
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
