//! `herd play` against the lab's real sshd servers: small playbooks written to each
//! test's own directory, remote files checked through each lab host's private /tmp.

mod common;

use std::collections::HashMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::play::{assert_exit, play, recap, stderr, stdout, total};
use common::{LAB_HOSTS, Lab, host_tmp, lines, unique};

/// Writes `yaml` as a playbook in the test's work dir; returns its path.
fn playbook(lab: &Lab, name: &str, yaml: &str) -> PathBuf {
    let path = lab.work.path().join(name);
    fs::write(&path, yaml).unwrap();
    path
}

/// A lab host's file in its private /tmp.
fn remote_file(host: &str, name: &str) -> PathBuf {
    host_tmp(host).join(name)
}

/// The names of the lab hosts.
fn all_hosts() -> impl Iterator<Item = &'static str> {
    LAB_HOSTS.iter().map(|(name, ..)| *name)
}

#[test]
fn site_yml_runs_green_on_the_lab() {
    let lab = Lab::new();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = lab.work.path().join("playbooks");
    for dir in ["files", "vars"] {
        fs::create_dir_all(copy.join(dir)).unwrap();
        for entry in fs::read_dir(repo.join("playbooks").join(dir)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), copy.join(dir).join(entry.file_name())).unwrap();
        }
    }
    for name in ["site.yml", "free.yml", "rolling.yml"] {
        fs::copy(repo.join("playbooks").join(name), copy.join(name)).unwrap();
        let out = play(&lab, &copy.join(name), &[]);
        assert_exit(&out, 0);
        let counts = recap(&out);
        assert_eq!(counts.len(), if name == "rolling.yml" { 2 } else { 4 });
        assert!(
            counts
                .values()
                .all(|c| c["failed"] == 0 && c["unreachable"] == 0)
        );
    }
    for host in all_hosts() {
        let fetched = copy.join("fetched").join(host).join("greeting.txt");
        assert_eq!(
            fs::read_to_string(&fetched).unwrap(),
            "hello; it's $HOME & `date`, as plain text\n"
        );
    }
}

#[test]
fn plan_connects_to_nothing() {
    let lab = Lab::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let inventory = lab.inventory_with("watched.ini", |_| {
        format!("[web]\nwatched host=127.0.0.1 port={port} password=hunter2-secret\n")
    });
    let book = playbook(
        &lab,
        "plan.yml",
        "- hosts: web\n  steps:\n    - run: echo {{ password }} on {{ inventory_hostname }}\n",
    );
    let inventory = inventory.to_str().unwrap();
    let out = play(&lab, &book, &["-i", inventory, "--plan"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("run: echo ******** on {host}"), "{text}");
    let json = play(
        &lab,
        &book,
        &["-i", inventory, "--plan", "--output", "json"],
    );
    assert_exit(&json, 0);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["plays"][0]["hosts"][0], "watched");
    for out in [&out, &json] {
        assert!(!stdout(out).contains("hunter2") && !stderr(out).contains("hunter2"));
    }
    assert!(listener.accept().is_err(), "--plan connected to a host");
}

#[test]
fn linear_steps_wait_for_every_host() {
    let lab = Lab::new();
    let name = unique("linear");
    let book = playbook(
        &lab,
        "linear.yml",
        &format!(
            "- hosts: all\n  vars:\n    pause: {{h1: '0.6', h2: '0.1', h3: '0.3', h4: '0'}}\n  steps:\n    \
             - run: sleep {{{{ pause[inventory_hostname] }}}}; date +%s%N > /tmp/{name}.end\n    \
             - run: date +%s%N > /tmp/{name}.start\n"
        ),
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 0);
    let stamp = |host: &str, suffix: &str| -> u128 {
        let text = fs::read_to_string(remote_file(host, &format!("{name}.{suffix}"))).unwrap();
        text.trim().parse().unwrap()
    };
    let last_end = all_hosts().map(|h| stamp(h, "end")).max().unwrap();
    let first_start = all_hosts().map(|h| stamp(h, "start")).min().unwrap();
    assert!(
        first_start >= last_end,
        "step 2 started on a host ({first_start}) before step 1 ended everywhere ({last_end})"
    );
    let text = stdout(&out);
    let step2 = text.find("── STEP 2/2").unwrap();
    assert!(text.find("── STEP 1/2").unwrap() < step2, "{text}");
}

#[test]
fn register_feeds_when_and_later_commands() {
    let lab = Lab::new();
    let book = playbook(
        &lab,
        "register.yml",
        "- hosts: h1,h3\n  steps:\n    \
         - {run: 'echo hello from $(whoami)', register: greeting}\n    \
         - {run: 'echo saw {{ greeting.stdout | quote }}', when: \"'hello' in greeting.stdout\"}\n    \
         - {run: 'echo never', when: greeting.rc != 0, register: never}\n    \
         - {run: 'echo skipped={{ never.skipped }}'}\n    \
         - {run: 'echo web only', when: \"'web_clusters' in group_names\"}\n",
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 0);
    let got = lines(&out.stdout);
    for line in [
        "h1: saw hello from herd_alice",
        "h3: saw hello from herd_carol",
        "h1: skipped=True",
        "h3: skipped=True",
        "h1: web only",
        "h3: skipped (when: 'web_clusters' in group_names → false)",
    ] {
        assert!(got.iter().any(|l| l == line), "no `{line}` in {got:#?}");
    }
    assert!(!got.iter().any(|l| l.ends_with(": never")), "{got:#?}");
    assert!(
        !got.contains(&"h1: ".to_owned()),
        "stdout is registered without its newline"
    );
    assert_eq!(recap(&out)["h3"]["skipped"], 2);
}

#[test]
fn retries_until_the_command_succeeds() {
    let lab = Lab::new();
    let counter = unique("tries");
    let book = playbook(
        &lab,
        "retries.yml",
        &format!(
            "- hosts: h2\n  steps:\n    \
             - run: n=$(( $(cat /tmp/{counter} 2>/dev/null || echo 0) + 1 )); echo $n > /tmp/{counter}; test $n -ge 3\n      \
               retries: 3\n      delay: 0\n    \
             - run: cat /tmp/{counter}\n      register: count\n      \
               until: count.stdout | trim == '4'\n      retries: 2\n      delay: 0\n"
        ),
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    let text = stdout(&out);
    assert!(
        text.contains("h2: retrying (try 1 of 4): exit status 1")
            && text.contains("h2: retrying (try 2 of 4): exit status 1"),
        "{text}"
    );
    assert!(!text.contains("try 3 of 4"), "{text}");
    assert!(
        text.contains("h2: retrying (try 1 of 3): until `count.stdout | trim == '4'` is false"),
        "{text}"
    );
    assert!(
        text.contains("h2: failed: until `count.stdout | trim == '4'` still false after 3 tries"),
        "{text}"
    );
    let tries = fs::read_to_string(remote_file("h2", &counter)).unwrap();
    assert_eq!(tries.trim(), "3");
}

#[test]
fn a_failed_host_drops_out_unless_errors_are_ignored() {
    let lab = Lab::new();
    let marker = unique("after");
    let book = playbook(
        &lab,
        "ignore.yml",
        &format!(
            "- hosts: web_clusters\n  steps:\n    \
             - {{run: 'test {{{{ inventory_hostname }}}} = h1', ignore_errors: true}}\n    \
             - run: test {{{{ inventory_hostname }}}} = h2\n    \
             - run: touch /tmp/{marker}\n"
        ),
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    let text = stdout(&out);
    assert!(
        text.contains("h2: failed (ignored): exit status 1"),
        "{text}"
    );
    assert!(text.contains("h1: failed: exit status 1"), "{text}");
    assert!(text.contains("── STEP 3/3 run: touch /tmp/"), "{text}");
    assert!(text.contains(") on h2\n"), "step 3 runs on h2 only: {text}");
    assert!(!remote_file("h1", &marker).exists());
    assert!(remote_file("h2", &marker).exists());
    let counts = recap(&out);
    assert_eq!((counts["h2"]["ignored"], counts["h2"]["failed"]), (1, 0));
    assert_eq!(counts["h1"]["failed"], 1);
    assert!(
        stderr(&out).contains(
            "failed      h1: step 2 'run: test {{ inventory_hostname }} = h2': exit status 1"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failing_first_batch_stops_the_next_batches() {
    let lab = Lab::new();
    let marker = unique("batch");
    let book = playbook(
        &lab,
        "serial.yml",
        &format!(
            "- name: Rolling\n  hosts: all\n  serial: 2\n  max_fail_percentage: 0\n  steps:\n    \
             - run: test {{{{ inventory_hostname }}}} != h1\n    \
             - run: touch /tmp/{marker}\n"
        ),
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    for host in all_hosts() {
        assert!(!remote_file(host, &marker).exists(), "{host} ran step 2");
    }
    let text = stdout(&out);
    assert!(
        text.contains(
            "── ABORTED Rolling: max_fail_percentage 0 exceeded: 1 of 2 hosts failed in batch 1"
        ),
        "{text}"
    );
    assert!(!text.contains("on h[3-4]"), "batch 2 ran: {text}");
    assert!(
        stderr(&out).contains("not run     h[3-4]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn each_host_is_connected_once_for_the_whole_run() {
    let lab = Lab::new();
    let step = "    - run: echo \"conn ${SSH_CONNECTION%% *} ${SSH_CONNECTION#* }\"\n";
    let book = playbook(
        &lab,
        "once.yml",
        &format!("- hosts: all\n  steps:\n{step}{step}{step}- hosts: db_servers\n  steps:\n{step}"),
    );
    // One fork for four hosts: the sessions must outlive the threads.
    let out = play(&lab, &book, &["--forks", "1"]);
    assert_exit(&out, 0);
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for line in lines(&out.stdout) {
        if let Some((host, connection)) = line.split_once(": conn ") {
            seen.entry(host.to_owned())
                .or_default()
                .push(connection.to_owned());
        }
    }
    for host in all_hosts() {
        let connections = &seen[host];
        let expected = if ["h3", "h4"].contains(&host) { 4 } else { 3 };
        assert_eq!(connections.len(), expected, "{host}: {connections:?}");
        assert!(
            connections.iter().all(|c| c == &connections[0]),
            "{host} was reached over more than one TCP connection: {connections:?}"
        );
    }
}

#[test]
fn put_sends_only_what_differs() {
    let lab = Lab::new();
    let name = unique("put");
    fs::write(lab.work.path().join("app.conf"), "port = 8080\n").unwrap();
    let book = playbook(
        &lab,
        "put.yml",
        &format!(
            "- hosts: all\n  steps:\n    \
             - put: {{src: app.conf, dest: /tmp/{name}.conf, mode: \"0640\"}}\n"
        ),
    );
    let first = play(&lab, &book, &[]);
    assert_exit(&first, 0);
    assert_eq!(total(&first, "changed"), 4);
    for host in all_hosts() {
        let path = remote_file(host, &format!("{name}.conf"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "port = 8080\n");
        let mode = fs::metadata(&path).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7777,
            0o640
        );
    }
    let second = play(&lab, &book, &[]);
    assert_exit(&second, 0);
    assert_eq!(total(&second, "changed"), 0, "{}", stdout(&second));
    assert!(
        stdout(&second).contains("h1: ok: put "),
        "{}",
        stdout(&second)
    );

    let on_h3 = remote_file("h3", &format!("{name}.conf"));
    fs::set_permissions(&on_h3, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let third = play(&lab, &book, &[]);
    assert_eq!(recap(&third)["h3"]["changed"], 1);
    assert!(
        stdout(&third).contains(&format!("h3: changed: mode 0640 set on /tmp/{name}.conf")),
        "{}",
        stdout(&third)
    );
    assert_eq!(total(&third, "changed"), 1);
}

#[test]
fn template_puts_render_per_host() {
    let lab = Lab::new();
    let name = unique("motd");
    fs::write(
        lab.work.path().join("motd.j2"),
        "{{ inventory_hostname }} is in {{ group_names | join(',') }} ({{ secret_password }})\n",
    )
    .unwrap();
    let book = playbook(
        &lab,
        "template.yml",
        &format!(
            "- hosts: all\n  vars: {{secret_password: sesame-42}}\n  steps:\n    \
             - put: {{src: motd.j2, dest: /tmp/, template: true}}\n    \
             - put: {{src: motd.j2, dest: /tmp/{name}, template: true}}\n"
        ),
    );
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 0);
    for (host, _, _, _) in LAB_HOSTS {
        let group = if ["h1", "h2"].contains(&host) {
            "web_clusters"
        } else {
            "db_servers"
        };
        let want = format!("{host} is in {group} (sesame-42)\n");
        assert_eq!(fs::read_to_string(remote_file(host, &name)).unwrap(), want);
        assert_eq!(
            fs::read_to_string(remote_file(host, "motd.j2")).unwrap(),
            want
        );
    }
    assert!(!stdout(&out).contains("sesame") && !stderr(&out).contains("sesame"));
}

#[test]
fn get_fetches_into_a_folder_per_host() {
    let lab = Lab::new();
    let name = unique("get");
    let book = playbook(
        &lab,
        "get.yml",
        &format!(
            "- hosts: all\n  steps:\n    \
             - run: echo \"I am {{{{ inventory_hostname }}}}\" > /tmp/{name}.txt\n      \
               creates: /tmp/{name}.txt\n    \
             - get: {{src: /tmp/{name}.txt, dest: fetched}}\n"
        ),
    );
    let first = play(&lab, &book, &[]);
    assert_exit(&first, 0);
    for host in all_hosts() {
        let local = lab
            .work
            .path()
            .join("fetched")
            .join(host)
            .join(format!("{name}.txt"));
        assert_eq!(fs::read_to_string(local).unwrap(), format!("I am {host}\n"));
    }
    let second = play(&lab, &book, &[]);
    assert_exit(&second, 0);
    assert_eq!(total(&second, "changed"), 0, "{}", stdout(&second));
    assert_eq!(total(&second, "skipped"), 4);
}

#[test]
fn become_runs_as_root_and_never_shows_the_password() {
    let lab = Lab::new();
    let password = "carol-lab-pw";
    let book = playbook(
        &lab,
        "become.yml",
        "- hosts: h3\n  steps:\n    \
         - {run: whoami, become: true}\n    \
         - {run: 'id -un; cat 2>&1 || true', become: true}\n    \
         - run: whoami\n",
    );
    let literal = lab.inventory_with("become.ini", |text| {
        text.replace(
            "user=herd_carol password=carol-lab-pw",
            "user=herd_carol password=carol-lab-pw become_password=carol-lab-pw",
        )
    });
    let from_env = lab.inventory_with("become-env.ini", |text| {
        text.replace(
            "user=herd_carol password=carol-lab-pw",
            "user=herd_carol password=carol-lab-pw become_password_env=HERD_TEST_BECOME",
        )
    });
    for inventory in [&literal, &from_env] {
        for output in ["text", "json"] {
            let mut command = lab.herd(&["play", book.to_str().unwrap()]);
            command
                .args(["-i", inventory.to_str().unwrap(), "--output", output])
                .env("HERD_TEST_BECOME", password);
            let out = command.output().unwrap();
            assert_exit(&out, 0);
            let text = stdout(&out);
            assert!(
                !text.contains(password) && !stderr(&out).contains(password),
                "{text}"
            );
            if output == "text" {
                let got = lines(&out.stdout);
                assert_eq!(
                    got.iter()
                        .filter(|l| l.starts_with("h3: "))
                        .collect::<Vec<_>>(),
                    ["h3: root", "h3: root", "h3: herd_carol"],
                    "{got:#?}"
                );
            }
        }
    }
    // Without a password, sudo must not prompt: it fails at once.
    let out = play(&lab, &book, &[]);
    assert_exit(&out, 2);
    assert!(
        stdout(&out).contains("h3: failed: exit status 1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_mode_changes_nothing() {
    let lab = Lab::new();
    let name = unique("check");
    fs::write(lab.work.path().join("file.txt"), "data\n").unwrap();
    let book = playbook(
        &lab,
        "check.yml",
        &format!(
            "- hosts: web_clusters\n  steps:\n    \
             - put: {{src: file.txt, dest: /tmp/{name}.put}}\n    \
             - run: touch /tmp/{name}.ran\n    \
             - run: touch /tmp/{name}.probe\n      check_mode: false\n    \
             - get: {{src: /etc/hostname, dest: got}}\n"
        ),
    );
    let out = play(&lab, &book, &["--check"]);
    assert_exit(&out, 0);
    for host in ["h1", "h2"] {
        assert!(!remote_file(host, &format!("{name}.put")).exists());
        assert!(!remote_file(host, &format!("{name}.ran")).exists());
        assert!(remote_file(host, &format!("{name}.probe")).exists());
    }
    assert!(!lab.work.path().join("got").exists());
    let text = stdout(&out);
    let would_put = format!("file.txt -> /tmp/{name}.put (5 B)");
    assert!(
        lines(&out.stdout)
            .iter()
            .any(|l| l.starts_with("h1: changed: would put ") && l.ends_with(&would_put)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "h1: skipped (check mode: would run: touch /tmp/{name}.ran)"
        )),
        "{text}"
    );
    assert!(
        text.contains("h2: changed: would get /etc/hostname -> "),
        "{text}"
    );
}

#[test]
fn tags_choose_the_steps() {
    let lab = Lab::new();
    let book = playbook(
        &lab,
        "tags.yml",
        "- hosts: h4\n  steps:\n    \
         - {run: echo one, tags: [a]}\n    \
         - {run: echo two, tags: b}\n    \
         - {run: echo three}\n    \
         - {run: echo four, tags: [always]}\n",
    );
    let h4 = |out: &Output| -> Vec<String> {
        lines(&out.stdout)
            .into_iter()
            .filter(|line| line.starts_with("h4: "))
            .collect()
    };
    let only_a = play(&lab, &book, &["--tags", "a"]);
    assert_exit(&only_a, 0);
    assert_eq!(h4(&only_a), ["h4: one", "h4: four"]);
    let not_a = play(&lab, &book, &["--skip-tags", "a,always"]);
    assert_exit(&not_a, 0);
    assert_eq!(h4(&not_a), ["h4: two", "h4: three"]);
    assert_eq!(
        recap(&not_a)["h4"]["skipped"],
        0,
        "left-out steps are not counted"
    );
}

#[test]
fn the_retry_file_names_failed_and_unreachable_hosts() {
    let lab = Lab::new();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let inventory = lab.inventory_with("retry.ini", |text| {
        format!("{text}\n[ghosts]\nghost host=127.0.0.1 port={port}\n")
    });
    let inventory = inventory.to_str().unwrap();
    let book = playbook(
        &lab,
        "retry.yml",
        "- hosts: all\n  steps:\n    - run: test {{ inventory_hostname }} != h2\n",
    );
    let retry = lab.work.path().join("retry.txt");
    let retry_arg = retry.to_str().unwrap();
    let out = play(&lab, &book, &["-i", inventory, "--retry-file", retry_arg]);
    assert_exit(&out, 2);
    assert_eq!(fs::read_to_string(&retry).unwrap(), "h2\nghost\n");
    assert_eq!(recap(&out)["ghost"]["unreachable"], 1);

    let limit = format!("@{retry_arg}");
    let again = play(&lab, &book, &["-i", inventory, "--limit", &limit, "--plan"]);
    assert_exit(&again, 0);
    assert!(
        stdout(&again).contains("→ 2 hosts: h2,ghost"),
        "{}",
        stdout(&again)
    );
    let adhoc = lab
        .herd(&[
            "run",
            "-i",
            inventory,
            "-h",
            &limit,
            "--cmd",
            "hostname >/dev/null; echo here",
        ])
        .output()
        .unwrap();
    assert_exit(&adhoc, 4);
    assert_eq!(lines(&adhoc.stdout), ["h2: here"]);

    let fixed = play(
        &lab,
        &book,
        &["--limit", "h1,h3", "--retry-file", retry_arg],
    );
    assert_exit(&fixed, 0);
    assert_eq!(fs::read_to_string(&retry).unwrap(), "");
}
