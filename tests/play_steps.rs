//! Step options of issue 12 against the lab's real sshd servers: step `vars:`,
//! `environment:`, `chdir:`, `changed_when:`/`failed_when:`; statuses read from the
//! JSON Lines output (`--output json`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::play::{assert_exit, output_lines, play, step_statuses};
use common::{Lab, unique};

/// Writes `yaml` as a playbook in the test's work dir; returns its path.
fn playbook(lab: &Lab, yaml: &str) -> PathBuf {
    let path = lab.work.path().join(format!("{}.yml", unique("steps")));
    fs::write(&path, yaml).unwrap();
    path
}

/// `herd play PLAYBOOK --output json ARGS…`.
fn play_json(lab: &Lab, playbook: &Path, args: &[&str]) -> Output {
    let mut args = args.to_vec();
    args.extend(["--output", "json"]);
    play(lab, playbook, &args)
}

#[test]
fn step_vars_environment_and_chdir_reach_the_command() {
    let lab = Lab::new();
    let book = playbook(
        &lab,
        concat!(
            "- hosts: h1,h3\n",
            "  vars: {who: play}\n",
            "  steps:\n",
            "    - run: 'pwd; printf \"%s|%s|%s\\n\" \"$GREETING\" \"$COUNT\" \"$WHO\"'\n",
            "      chdir: /tmp\n",
            "      vars: {who: step}\n",
            "      environment:\n",
            "        GREETING: \"it's $HOME; `id` \\\"x\\\"\"\n",
            "        COUNT: 3\n",
            "        WHO: \"{{ who }}-{{ inventory_hostname }}\"\n",
            "    - run: echo still {{ who }}\n",
            "    - {run: pwd, chdir: /nonexistent-herd-dir, ignore_errors: true}\n",
        ),
    );
    let out = play_json(&lab, &book, &[]);
    assert_exit(&out, 0);
    let lines = output_lines(&out);
    for host in ["h1", "h3"] {
        assert_eq!(
            lines[host],
            [
                "/tmp".to_owned(),
                format!("it's $HOME; `id` \"x\"|3|step-{host}"),
                "still play".to_owned(),
            ],
            "{host}"
        );
        let statuses = step_statuses(&out);
        assert_eq!(statuses[&(host.to_owned(), 3)], "failed", "no such dir");
    }

    let out = play_json(&lab, &book, &["-e", "who=extra"]);
    assert_exit(&out, 0);
    assert_eq!(
        output_lines(&out)["h1"][1],
        "it's $HOME; `id` \"x\"|3|extra-h1"
    );
}

#[test]
fn changed_when_and_failed_when_decide_the_status() {
    let lab = Lab::new();
    let book = playbook(
        &lab,
        concat!(
            "- hosts: h1,h2\n",
            "  steps:\n",
            "    - {name: Probe, run: cat /etc/hostname, changed_when: false}\n",
            "    - name: Grep finds nothing\n",
            "      run: grep -q no-such-text /etc/hostname\n",
            "      register: found\n",
            "      failed_when: found.rc > 1\n",
            "      changed_when: false\n",
            "    - name: Says ERROR\n",
            "      run: \"echo 'ERROR: disk full'\"\n",
            "      register: said\n",
            "      failed_when: \"'ERROR' in said.stdout\"\n",
            "      ignore_errors: true\n",
            "    - {run: 'echo rc={{ found.rc }} failed={{ found.failed }} changed={{ said.changed }}'}\n",
        ),
    );
    let out = play_json(&lab, &book, &[]);
    assert_exit(&out, 0);
    let statuses = step_statuses(&out);
    for host in ["h1", "h2"] {
        let at = |number| statuses[&(host.to_owned(), number)].as_str();
        assert_eq!(at(1), "ok");
        assert_eq!(at(2), "ok", "rc 1 is not a failure by failed_when");
        assert_eq!(at(3), "failed");
        assert_eq!(at(4), "changed");
        assert_eq!(
            output_lines(&out)[host].last().unwrap(),
            "rc=1 failed=False changed=True"
        );
    }
}

#[test]
fn a_second_run_with_changed_when_reports_nothing_changed() {
    let lab = Lab::new();
    let name = unique("steps-once");
    let book = playbook(
        &lab,
        &format!(
            concat!(
                "- hosts: all\n",
                "  steps:\n",
                "    - run: test -e {name} || {{ touch {name} && echo created; }}\n",
                "      chdir: /tmp\n",
                "      register: made\n",
                "      changed_when: \"'created' in made.stdout\"\n",
            ),
            name = name
        ),
    );
    let first = play_json(&lab, &book, &[]);
    assert_exit(&first, 0);
    let changed = |out: &Output| {
        step_statuses(out)
            .values()
            .filter(|status| *status == "changed")
            .count()
    };
    assert_eq!(changed(&first), 4);
    let second = play_json(&lab, &book, &[]);
    assert_exit(&second, 0);
    assert_eq!(changed(&second), 0);
    assert!(step_statuses(&second).values().all(|status| status == "ok"));
}
