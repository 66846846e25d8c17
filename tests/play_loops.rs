//! `loop:` against the lab's real sshd servers: items run in order on each host,
//! `register` gives `results`, `changed_when`/`failed_when` apply per item, a loop over
//! a registered result runs at run time, `put` loops, and a second run changes nothing.
//! Statuses are read from the JSON Lines output (`--output json`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::play::{
    ansible_playbook, assert_exit, item_statuses, oracle_inventory, output_lines, play, records,
    step_statuses,
};
use common::{LAB_HOSTS, Lab, host_tmp, unique};

/// Writes `yaml` as a playbook in the test's work dir; returns its path.
fn playbook(lab: &Lab, yaml: &str) -> PathBuf {
    let path = lab.work.path().join(format!("{}.yml", unique("loops")));
    fs::write(&path, yaml).unwrap();
    path
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

#[test]
fn loop_results_and_per_item_rules_match_ansible() {
    let lab = Lab::new();
    let inventory = oracle_inventory(&lab);
    let (herd_dir, ansible_dir) = (unique("loop-herd"), unique("loop-ansible"));
    // Item b fails its command; failed_when forgives it on h2 only; changed_when keeps
    // only a changed; when skips c everywhere but h1. The second step writes what the
    // loop registered to a file on the host.
    let book = |module: &str, dir: &str, steps: &str, extra: &str| {
        format!(
            concat!(
                "- hosts: all\n{extra}  {steps}:\n",
                "    - {module}: test {{{{ x }}}} != b\n",
                "      loop: [a, b, c]\n",
                "      loop_control: {{loop_var: x, index_var: i}}\n",
                "      register: r\n",
                "      when: x != 'c' or inventory_hostname == 'h1'\n",
                "      changed_when: x == 'a'\n",
                "      failed_when: r.rc != 0 and inventory_hostname != 'h2'\n",
                "      ignore_errors: true\n",
                "    - {{{module}: 'echo {{{{ item }}}}', loop: [p, q], when: \"inventory_hostname == 'h1'\", register: s}}\n",
                "    - {{{module}: 'echo {{{{ item }}}}', loop: [], register: e}}\n",
                "    - {module}: >-\n",
                "        mkdir -p /tmp/{dir} && echo\n",
                "        {{{{ r.changed | default(false) }}}} {{{{ r.failed | default(false) }}}}\n",
                "        '{{{{ r.msg }}}}'\n",
                "        {{{{ r.results | map(attribute='x') | join(',') }}}}\n",
                "        {{{{ r.results | map(attribute='i') | join(',') }}}}\n",
                "        {{{{ r.results | map(attribute='ansible_loop_var') | unique | join(',') }}}}\n",
                "        changed={{{{ r.results | selectattr('changed') | map(attribute='x') | join(',') }}}}\n",
                "        failed={{{{ r.results | selectattr('failed', 'defined') | selectattr('failed') | map(attribute='x') | join(',') }}}}\n",
                "        skipped={{{{ r.results | selectattr('skipped', 'defined') | selectattr('skipped') | map(attribute='x') | join(',') }}}}\n",
                "        '{{{{ s.msg }}}}' {{{{ s.skipped }}}} {{{{ s.changed }}}}\n",
                "        '{{{{ e.skipped_reason }}}}' {{{{ e.skipped }}}} {{{{ e.results | length }}}}\n",
                "        > /tmp/{dir}/registered\n",
            ),
            module = module,
            dir = dir,
            steps = steps,
            extra = extra,
        )
    };
    let herd_book = lab.work.path().join("herd.yml");
    fs::write(&herd_book, book("run", &herd_dir, "steps", "")).unwrap();
    let ansible_book = lab.work.path().join("ansible.yml");
    fs::write(
        &ansible_book,
        book("raw", &ansible_dir, "tasks", "  gather_facts: false\n"),
    )
    .unwrap();
    let herd = play(&lab, &herd_book, &["-i", inventory.to_str().unwrap()]);
    assert_exit(&herd, 0);
    let ansible = ansible_playbook(&lab, &inventory, &ansible_book);
    assert!(
        ansible.status.success(),
        "ansible-playbook:\n{}\n{}",
        String::from_utf8_lossy(&ansible.stdout),
        String::from_utf8_lossy(&ansible.stderr)
    );
    let registered = |dir: &str| -> Vec<(String, String)> {
        hosts()
            .into_iter()
            .map(|host| {
                let path = host_tmp(host).join(dir).join("registered");
                let text =
                    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (host.to_owned(), text)
            })
            .collect()
    };
    let expected = registered(&ansible_dir);
    assert_eq!(
        expected[0].1,
        "True True One or more items failed a,b,c 0,1,2 x changed=a failed=b skipped= \
         All items completed False True No items in the list True 0\n",
        "the oracle's run is not the one this test means"
    );
    assert_eq!(
        registered(&herd_dir),
        expected,
        "herd:\n{}",
        String::from_utf8_lossy(&herd.stdout)
    );
}
