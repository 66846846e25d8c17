//! `loop:` against the lab's real sshd servers: items run in order on each host,
//! `register` gives `results`, `changed_when`/`failed_when` apply per item, a loop over
//! a registered result runs at run time, `put` loops, and a second run changes nothing.
//! Statuses are read from the JSON Lines output (`--output json`).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{LAB_HOSTS, Lab, host_tmp, unique};

/// Writes `yaml` as a playbook in the test's work dir; returns its path.
fn playbook(lab: &Lab, yaml: &str) -> PathBuf {
    let path = lab.work.path().join(format!("{}.yml", unique("loops")));
    fs::write(&path, yaml).unwrap();
    path
}

/// `herd play PLAYBOOK ARGS…`.
fn play(lab: &Lab, playbook: &Path, args: &[&str]) -> Output {
    let mut command = lab.herd(&["play", playbook.to_str().unwrap()]);
    command.args(args);
    command.output().unwrap()
}

/// Every JSON Lines record of a `--output json` run, of the kind `event`.
fn records(out: &Output, event: &str) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .filter(|record: &serde_json::Value| record["event"] == event)
        .collect()
}

/// `(host, step)` → status, from `step_finished` records.
fn step_statuses(out: &Output) -> BTreeMap<(String, u64), String> {
    records(out, "step_finished")
        .iter()
        .map(|r| {
            let key = (
                r["host"].as_str().unwrap().to_owned(),
                r["number"].as_u64().unwrap(),
            );
            (key, r["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// `host` → `(step, item label, status)` of its `item_finished` records, in order.
fn item_statuses(out: &Output) -> BTreeMap<String, Vec<(u64, String, String)>> {
    let mut items: BTreeMap<String, Vec<(u64, String, String)>> = BTreeMap::new();
    for r in records(out, "item_finished") {
        items
            .entry(r["host"].as_str().unwrap().to_owned())
            .or_default()
            .push((
                r["number"].as_u64().unwrap(),
                r["item"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            ));
    }
    items
}

/// `host` → its stdout lines, from `output` records.
fn output_lines(out: &Output) -> BTreeMap<String, Vec<String>> {
    let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records(out, "output") {
        if r["stream"] == "stdout" {
            let host = r["host"].as_str().unwrap().to_owned();
            lines
                .entry(host)
                .or_default()
                .push(r["line"].as_str().unwrap().to_owned());
        }
    }
    lines
}

/// Asserts the exit code, showing what herd said when it differs.
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lab's host names.
fn hosts() -> Vec<&'static str> {
    LAB_HOSTS.iter().map(|(name, ..)| *name).collect()
}

/// A playbook that makes one marker file per item (reporting `changed` only when it
/// made one), reports its registered results, puts a templated file per item, loops
/// over the registered results, and fails one item of a probe it ignores.
fn idempotent_playbook(lab: &Lab, name: &str) -> PathBuf {
    fs::write(
        lab.work.path().join("conf.j2"),
        "{{ item }} on {{ inventory_hostname }}\n",
    )
    .unwrap();
    playbook(
        lab,
        &format!(
            concat!(
                "- hosts: all\n",
                "  vars: {{names: [a, b, c]}}\n",
                "  steps:\n",
                "    - name: Make markers\n",
                "      run: test -e {name}-{{{{ item }}}} || {{ touch {name}-{{{{ item }}}} && echo created; }}\n",
                "      chdir: /tmp\n",
                "      loop: \"{{{{ names }}}}\"\n",
                "      register: made\n",
                "      changed_when: \"'created' in made.stdout\"\n",
                "    - run: \"echo {{{{ made.results | map(attribute='item') | join(',') }}}} {{{{ made.results | selectattr('changed') | list | length }}}} {{{{ made.changed }}}}\"\n",
                "      changed_when: false\n",
                "    - name: Put one conf per item\n",
                "      put: {{src: conf.j2, dest: \"/tmp/{name}-{{{{ item }}}}.conf\", template: true}}\n",
                "      loop: [x, z]\n",
                "    - name: Again over the results\n",
                "      run: test -e /tmp/{name}-{{{{ result.item }}}}\n",
                "      loop: \"{{{{ made.results }}}}\"\n",
                "      loop_control: {{loop_var: result, label: \"{{{{ result.item }}}}\", index_var: i}}\n",
                "      when: i > 0\n",
                "      changed_when: false\n",
                "    - name: One item fails\n",
                "      run: test {{{{ item }}}} != b\n",
                "      loop: \"{{{{ names }}}}\"\n",
                "      changed_when: false\n",
                "      ignore_errors: true\n",
            ),
            name = name
        ),
    )
}

#[test]
fn loops_run_each_item_and_a_second_run_changes_nothing() {
    let lab = Lab::new();
    let name = unique("loop");
    let book = idempotent_playbook(&lab, &name);
    let first = play(&lab, &book, &["--output", "json"]);
    assert_exit(&first, 0);
    let statuses = step_statuses(&first);
    let items = item_statuses(&first);
    let lines = output_lines(&first);
    for host in hosts() {
        let at = |step| statuses[&(host.to_owned(), step)].as_str();
        assert_eq!(
            [at(1), at(2), at(3), at(4), at(5)],
            ["changed", "ok", "changed", "ok", "failed"]
        );
        let of = |step| -> Vec<(String, String)> {
            items[host]
                .iter()
                .filter(|(number, ..)| *number == step)
                .map(|(_, item, status)| (item.clone(), status.clone()))
                .collect()
        };
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            of(1),
            pairs(&[("a", "changed"), ("b", "changed"), ("c", "changed")])
        );
        assert_eq!(of(3), pairs(&[("x", "changed"), ("z", "changed")]));
        assert_eq!(of(4), pairs(&[("a", "skipped"), ("b", "ok"), ("c", "ok")]));
        assert_eq!(of(5), pairs(&[("a", "ok"), ("b", "failed"), ("c", "ok")]));
        assert_eq!(
            lines[host],
            ["created", "created", "created", "a,b,c 3 True"],
            "{host}"
        );
        for item in ["x", "z"] {
            let conf = host_tmp(host).join(format!("{name}-{item}.conf"));
            assert_eq!(
                fs::read_to_string(&conf).unwrap(),
                format!("{item} on {host}\n")
            );
        }
    }

    let second = play(&lab, &book, &["--output", "json"]);
    assert_exit(&second, 0);
    let statuses = step_statuses(&second);
    assert!(
        !statuses.values().any(|status| status == "changed"),
        "{statuses:?}"
    );
    assert!(
        records(&second, "item_finished")
            .iter()
            .all(|r| r["status"] != "changed")
    );
    for host in hosts() {
        assert_eq!(output_lines(&second)[host], ["a,b,c 0 False"], "{host}");
    }
}

#[test]
fn plan_shows_each_item_by_its_label_and_live_output_names_items() {
    let lab = Lab::new();
    let book = playbook(
        &lab,
        concat!(
            "- hosts: h1\n",
            "  vars:\n",
            "    users: [{name: ann, api_password: s3cret}, {name: bob, api_password: t0p}]\n",
            "  steps:\n",
            "    - name: Greet\n",
            "      run: echo {{ user.name }} {{ user.api_password }}\n",
            "      loop: \"{{ users }}\"\n",
            "      loop_control: {loop_var: user, label: \"{{ user.name }}\"}\n",
            "      changed_when: false\n",
        ),
    );
    let plan = play(&lab, &book, &["--plan"]);
    assert_exit(&plan, 0);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        text.contains("  STEP 1 Greet (")
            && text.contains(concat!(
                "    h1:  loop over 2 items:\n",
                "      (ann) run: echo ann ********\n",
                "      (bob) run: echo bob ********\n",
            )),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");

    let run = play(&lab, &book, &[]);
    assert_exit(&run, 0);
    let text = String::from_utf8_lossy(&run.stdout);
    for line in [
        "h1: ann s3cret",
        "h1: ok (item=ann)",
        "h1: bob t0p",
        "h1: ok (item=bob)",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
}

#[test]
fn loops_yml_runs_green_and_then_changes_nothing() {
    let lab = Lab::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let copy = lab.work.path().join("playbooks");
    fs::create_dir_all(copy.join("files")).unwrap();
    fs::copy(repo.join("loops.yml"), copy.join("loops.yml")).unwrap();
    fs::copy(repo.join("files/profile.j2"), copy.join("files/profile.j2")).unwrap();
    let book = copy.join("loops.yml");
    let first = play(&lab, &book, &["--output", "json"]);
    assert_exit(&first, 0);
    assert!(
        step_statuses(&first)
            .values()
            .all(|status| status != "failed")
    );
    for host in hosts() {
        let profile = host_tmp(host).join("herd-loops/shop/bob.profile");
        assert_eq!(
            fs::read_to_string(&profile).unwrap(),
            format!("# bob's profile on {host}, written by herd\nexport SHELL=/bin/bash\n")
        );
        let release = host_tmp(host).join("herd-loops/shop/RELEASE");
        assert_eq!(fs::read_to_string(&release).unwrap(), "shop-7\n");
    }
    let second = play(&lab, &book, &["--output", "json"]);
    assert_exit(&second, 0);
    let statuses = step_statuses(&second);
    assert_eq!(statuses.len(), 5 * hosts().len());
    assert!(
        statuses
            .values()
            .all(|status| status == "ok" || status == "skipped"),
        "{statuses:?}"
    );
    let items = item_statuses(&second);
    let readable: Vec<&String> = items["h1"]
        .iter()
        .filter(|(step, ..)| *step == 5)
        .map(|(_, item, _)| item)
        .collect();
    assert_eq!(
        readable,
        [
            "RELEASE",
            "ann.profile",
            "bob.profile",
            "cache",
            "logs",
            "releases"
        ]
    );
}
