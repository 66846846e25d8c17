//! `put` and `get` with `become` (through sudo, as the lab's herd_carol on h3) and
//! `--diff`, against the lab's real sshd servers. Remote files are checked through each
//! lab host's private /tmp as seen from this machine.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

use common::{Lab, host_tmp, unique};

/// The become tests look for herd's private directories in h3's /tmp: one at a time.
static H3_TMP: Mutex<()> = Mutex::new(());

const PASSWORD: &str = "carol-lab-pw";

/// The lab inventory with h3's sudo password (or a wrong one).
fn become_inventory(lab: &Lab, password: &str) -> PathBuf {
    lab.inventory_with(&format!("become-{password}.ini"), |text| {
        text.replace(
            "user=herd_carol password=carol-lab-pw",
            &format!("user=herd_carol password=carol-lab-pw become_password={password}"),
        )
    })
}

/// `herd play BOOK -i INVENTORY ARGS…`, the playbook written from `yaml` first.
fn play(lab: &Lab, inventory: &Path, yaml: &str, args: &[&str]) -> Output {
    let book = lab.work.path().join("book.yml");
    fs::write(&book, yaml).unwrap();
    let mut command = lab.herd(&["play", book.to_str().unwrap()]);
    command.args(["-i", inventory.to_str().unwrap()]).args(args);
    command.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
}

/// `(ok, changed)` of h3 in the PLAY RECAP (`ok` counts the changed steps too).
fn counts(out: &Output) -> (usize, usize) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let row = stderr
        .lines()
        .find(|line| line.starts_with("h3 ") && line.contains(" : "))
        .unwrap_or_else(|| panic!("no recap row for h3 in {}", text(out)));
    let count = |key: &str| -> usize {
        row.split_whitespace()
            .find_map(|cell| cell.strip_prefix(&format!("{key}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    (count("ok"), count("changed"))
}

/// herd's private directories and temp files (`.herd-become-…`) in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".herd-become-"))
        .collect()
}

fn carol_gid() -> u32 {
    let group = fs::read_to_string("/etc/group").unwrap();
    group
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields[0] == "herd_carol").then(|| fields[2].parse().unwrap())
        })
        .unwrap()
}

#[test]
fn become_puts_a_root_owned_file_atomically_and_a_second_run_is_ok() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let inventory = become_inventory(&lab, PASSWORD);
    let name = unique("become-put");
    fs::write(lab.work.path().join("app.conf"), "port = 80\n").unwrap();
    let yaml = format!(
        "- hosts: h3\n  steps:\n    \
         - run: mkdir -m 0700 /tmp/{name}\n      creates: /tmp/{name}\n      become: true\n    \
         - put: {{src: app.conf, dest: /tmp/{name}/app.conf, mode: '0640', owner: root, group: herd_carol}}\n      \
           become: true\n    \
         - get: {{src: /tmp/{name}/app.conf, dest: fetched}}\n      become: true\n    \
         - run: cat /tmp/{name}/app.conf\n"
    );
    let first = play(&lab, &inventory, &yaml, &[]);
    // The last step, as herd_carol, cannot read into root's 0700 directory.
    assert_exit(&first, 2);
    let output = text(&first);
    assert!(output.contains("Permission denied"), "{output}");
    assert!(!output.contains(PASSWORD), "{output}");
    let dir = host_tmp("h3").join(&name);
    let installed = dir.join("app.conf");
    let meta = fs::metadata(&installed).unwrap();
    assert_eq!(fs::read_to_string(&installed).unwrap(), "port = 80\n");
    assert_eq!(
        (meta.uid(), meta.gid(), meta.permissions().mode() & 0o7777),
        (0, carol_gid(), 0o640)
    );
    assert_eq!(fs::metadata(&dir).unwrap().uid(), 0);
    let fetched = lab.work.path().join("fetched/h3/app.conf");
    assert_eq!(fs::read_to_string(&fetched).unwrap(), "port = 80\n");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    assert!(leftovers(&host_tmp("h3")).is_empty());

    // Again, without the failing step: nothing changes.
    let yaml = yaml.replace(&format!("    - run: cat /tmp/{name}/app.conf\n"), "");
    let second = play(&lab, &inventory, &yaml, &[]);
    assert_exit(&second, 0);
    assert_eq!(counts(&second), (2, 0), "{}", text(&second));
    assert!(text(&second).contains("unchanged"), "{}", text(&second));

    // New content replaces the file and keeps what the step does not set.
    fs::write(lab.work.path().join("app.conf"), "port = 8080\n").unwrap();
    let yaml = yaml.replace(", mode: '0640', owner: root, group: herd_carol", "");
    fs::set_permissions(
        lab.work.path().join("app.conf"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let third = play(&lab, &inventory, &yaml, &[]);
    assert_exit(&third, 0);
    assert_eq!(counts(&third), (2, 2), "{}", text(&third));
    let meta = fs::metadata(&installed).unwrap();
    assert_eq!(fs::read_to_string(&installed).unwrap(), "port = 8080\n");
    assert_eq!((meta.uid(), meta.gid()), (0, carol_gid()));
    assert_eq!(fs::read_to_string(&fetched).unwrap(), "port = 8080\n");
    assert!(leftovers(&dir).is_empty() && leftovers(&host_tmp("h3")).is_empty());
}

#[test]
fn a_failed_become_put_leaves_nothing_behind() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let name = unique("become-fail");
    let dir = host_tmp("h3").join(&name);
    fs::create_dir(&dir).unwrap();
    fs::write(lab.work.path().join("app.conf"), "x = 1\n").unwrap();
    let yaml = format!(
        "- hosts: h3\n  steps:\n    \
         - put: {{src: app.conf, dest: /tmp/{name}/app.conf, owner: no_such_user_herd}}\n      \
           become: true\n"
    );
    let out = play(&lab, &become_inventory(&lab, PASSWORD), &yaml, &[]);
    assert_exit(&out, 2);
    let output = text(&out);
    assert!(
        output.contains("moving the file into place through sudo failed")
            && output.contains("no_such_user_herd"),
        "{output}"
    );
    assert!(!dir.join("app.conf").exists());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    assert!(leftovers(&host_tmp("h3")).is_empty());

    // A wrong sudo password: refused, said so, never shown.
    let wrong = "wrong-pw-herd";
    let out = play(&lab, &become_inventory(&lab, wrong), &yaml, &[]);
    assert_exit(&out, 2);
    let output = text(&out);
    assert!(output.contains("sudo"), "{output}");
    assert!(
        !output.contains(wrong) && !output.contains(PASSWORD),
        "{output}"
    );
    assert!(!dir.join("app.conf").exists());
    assert!(leftovers(&dir).is_empty() && leftovers(&host_tmp("h3")).is_empty());
}

#[test]
fn become_user_runs_steps_as_that_user() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let name = unique("become-user");
    let dir = host_tmp("h3").join(&name);
    fs::create_dir(&dir).unwrap();
    let alice = fs::metadata("/home/herd_alice").unwrap();
    std::os::unix::fs::chown(&dir, Some(alice.uid()), Some(alice.gid())).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(lab.work.path().join("note.txt"), "from carol\n").unwrap();
    let yaml = format!(
        "- hosts: h3\n  steps:\n    \
         - {{run: id -un, become: true, become_user: herd_alice}}\n    \
         - put: {{src: note.txt, dest: /tmp/{name}/note.txt, mode: '0600'}}\n      \
           become: true\n      become_user: herd_alice\n"
    );
    let inventory = become_inventory(&lab, PASSWORD);
    let out = play(&lab, &inventory, &yaml, &[]);
    assert_exit(&out, 0);
    assert!(text(&out).contains("h3: herd_alice"), "{}", text(&out));
    let meta = fs::metadata(dir.join("note.txt")).unwrap();
    assert_eq!(
        (meta.uid(), meta.permissions().mode() & 0o7777),
        (alice.uid(), 0o600)
    );
    let again = play(&lab, &inventory, &yaml, &[]);
    assert_eq!(counts(&again), (2, 1), "{}", text(&again));
    assert!(leftovers(&dir).is_empty() && leftovers(&host_tmp("h3")).is_empty());
}

#[test]
fn a_plays_become_applies_to_its_steps_unless_they_opt_out() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let yaml = "- hosts: h3\n  become: true\n  steps:\n    \
                - run: echo \"as $(id -un)\"\n    \
                - run: echo \"then $(id -un)\"\n      become: false\n    \
                - run: echo \"for $(id -un)\"\n      become_user: herd_alice\n";
    let inventory = become_inventory(&lab, PASSWORD);
    let out = play(&lab, &inventory, yaml, &[]);
    assert_exit(&out, 0);
    let shown = text(&out);
    for line in ["h3: as root", "h3: then herd_carol", "h3: for herd_alice"] {
        assert!(shown.contains(line), "{line}: {shown}");
    }
}

/// The lines of herd's stdout that start with `HOST: ` and belong to a diff (after the
/// `--- before` line, up to the step's status line).
fn diff_lines(out: &Output, host: &str) -> Vec<String> {
    let prefix = format!("{host}: ");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix(&prefix) else {
            continue;
        };
        if rest.starts_with("--- before: ")
            || rest.starts_with("Binary files differ")
            || rest.starts_with("diff not shown")
        {
            inside = true;
        } else if rest.starts_with("changed: ") || rest.starts_with("ok: ") {
            inside = false;
        }
        if inside {
            lines.push(rest.to_owned());
        }
    }
    lines
}

#[test]
fn diff_shows_text_changes_and_check_diff_changes_nothing() {
    let lab = Lab::new();
    let name = unique("diff-text");
    let remote = host_tmp("h1").join(&name);
    fs::write(&remote, "a\nb\nc\n").unwrap();
    std::os::unix::fs::chown(&remote, Some(1001), Some(1001)).unwrap();
    let local = lab.work.path().join("conf.txt");
    fs::write(&local, "a\nB\nc\n").unwrap();
    let yaml = format!(
        "- hosts: h1\n  steps:\n    - put: {{src: conf.txt, dest: /tmp/{name}}}\n    \
         - put: {{src: conf.txt, dest: /tmp/{name}.new}}\n"
    );
    let inventory = common::lab_dir().join("inventory.ini");
    let check = play(&lab, &inventory, &yaml, &["--check", "--diff"]);
    assert_exit(&check, 0);
    assert_eq!(
        diff_lines(&check, "h1"),
        [
            format!("--- before: /tmp/{name}"),
            format!("+++ after: /tmp/{name}"),
            "@@ -1,3 +1,3 @@".to_owned(),
            " a".to_owned(),
            "-b".to_owned(),
            "+B".to_owned(),
            " c".to_owned(),
            format!("--- before: /tmp/{name}.new (new file)"),
            format!("+++ after: /tmp/{name}.new"),
            "@@ -0,0 +1,3 @@".to_owned(),
            "+a".to_owned(),
            "+B".to_owned(),
            "+c".to_owned(),
        ],
        "{}",
        text(&check)
    );
    assert_eq!(fs::read_to_string(&remote).unwrap(), "a\nb\nc\n");
    assert!(!host_tmp("h1").join(format!("{name}.new")).exists());

    let real = play(&lab, &inventory, &yaml, &["--diff", "--output", "json"]);
    assert_exit(&real, 0);
    let stdout = String::from_utf8_lossy(&real.stdout);
    let diffs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["event"] == "file_diff")
        .collect();
    assert_eq!(diffs.len(), 2, "{stdout}");
    assert_eq!(diffs[0]["kind"], "text");
    assert_eq!(diffs[0]["created"], false);
    assert_eq!(diffs[0]["number"], 1);
    assert!(
        diffs[0]["diff"].as_str().unwrap().contains("\n-b\n+B\n"),
        "{stdout}"
    );
    assert_eq!(diffs[1]["created"], true);
    assert_eq!(fs::read_to_string(&remote).unwrap(), "a\nB\nc\n");

    // Nothing changes: no diff.
    let again = play(&lab, &inventory, &yaml, &["--diff"]);
    assert_exit(&again, 0);
    assert!(diff_lines(&again, "h1").is_empty(), "{}", text(&again));
}

#[test]
fn diff_says_binary_files_differ_and_caps_large_files() {
    let lab = Lab::new();
    let name = unique("diff-binary");
    let remote = host_tmp("h1").join(&name);
    fs::write(&remote, b"\x7fELF\x00\x01").unwrap();
    fs::write(lab.work.path().join("blob"), b"\x7fELF\x00\x02").unwrap();
    let large = "line\n".repeat(30_000);
    fs::write(lab.work.path().join("large.txt"), &large).unwrap();
    let yaml = format!(
        "- hosts: h1\n  steps:\n    - put: {{src: blob, dest: /tmp/{name}}}\n    \
         - put: {{src: large.txt, dest: /tmp/{name}.large}}\n"
    );
    let inventory = common::lab_dir().join("inventory.ini");
    let out = play(&lab, &inventory, &yaml, &["--check", "--diff"]);
    assert_exit(&out, 0);
    assert_eq!(
        diff_lines(&out, "h1"),
        [
            format!("Binary files differ: /tmp/{name}"),
            format!(
                "diff not shown for /tmp/{name}.large: larger than 102.0 KiB (the --diff size cap)"
            ),
        ],
        "{}",
        text(&out)
    );
    assert_eq!(fs::read(&remote).unwrap(), b"\x7fELF\x00\x01");
}

#[test]
fn diff_masks_secrets_old_and_new_and_reads_root_files_through_sudo() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let name = unique("diff-secret");
    let dir = host_tmp("h3").join(&name);
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let remote = dir.join("db.conf");
    fs::write(
        &remote,
        "user = app\npassword = old-Secret-1\nport = 5432\n",
    )
    .unwrap();
    fs::write(
        lab.work.path().join("db.conf.j2"),
        "user = app\npassword = {{ db_password }}\nport = {{ port }}\n",
    )
    .unwrap();
    let yaml = format!(
        "- hosts: h3\n  vars:\n    db_password: New-Secret-2\n    port: 6432\n  steps:\n    \
         - put: {{src: db.conf.j2, dest: /tmp/{name}/db.conf, template: true}}\n      become: true\n"
    );
    let inventory = become_inventory(&lab, PASSWORD);
    for output in ["text", "json"] {
        let out = play(
            &lab,
            &inventory,
            &yaml,
            &["--check", "--diff", "--output", output],
        );
        assert_exit(&out, 0);
        let all = text(&out);
        for secret in ["old-Secret-1", "New-Secret-2", PASSWORD] {
            assert!(!all.contains(secret), "{secret} shown:\n{all}");
        }
        if output == "text" {
            assert_eq!(
                diff_lines(&out, "h3")[2..],
                [
                    "@@ -1,3 +1,3 @@",
                    " user = app",
                    "-password = ********",
                    "-port = 5432",
                    "+password = ********",
                    "+port = 6432",
                ],
                "{all}"
            );
        }
    }
    assert!(
        fs::read_to_string(&remote)
            .unwrap()
            .contains("old-Secret-1")
    );
}

#[test]
fn become_get_reads_as_the_become_user_and_refuses_a_directory() {
    let _h3 = H3_TMP.lock().unwrap_or_else(|poison| poison.into_inner());
    let lab = Lab::new();
    let name = unique("become-get");
    let dir = host_tmp("h3").join(&name);
    fs::create_dir(&dir).unwrap();
    let alice = fs::metadata("/home/herd_alice").unwrap();
    let file = dir.join("secret.txt");
    fs::write(&file, "alice only\n").unwrap();
    for path in [&dir, &file] {
        std::os::unix::fs::chown(path, Some(alice.uid()), Some(alice.gid())).unwrap();
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let yaml = format!(
        "- hosts: h3\n  steps:\n    \
         - get: {{src: /tmp/{name}/secret.txt, dest: fetched}}\n      become: true\n      \
           become_user: herd_alice\n    \
         - get: {{src: /tmp/{name}, dest: fetched}}\n      become: true\n"
    );
    let out = play(&lab, &become_inventory(&lab, PASSWORD), &yaml, &[]);
    assert_exit(&out, 2);
    assert_eq!(
        fs::read_to_string(lab.work.path().join("fetched/h3/secret.txt")).unwrap(),
        "alice only\n"
    );
    let output = text(&out);
    assert!(
        output.contains(&format!(
            "/tmp/{name} is a directory; with `become`, get copies one regular file"
        )),
        "{output}"
    );
    assert!(leftovers(&host_tmp("h3")).is_empty());
}

/// The diff blocks of an output, from each `@@` line to the block's end (a blank line,
/// or a line that is not a diff line), with `HOST: ` removed first when given.
fn hunk_blocks(output: &str, host: Option<&str>) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in output.lines() {
        let line = match host {
            Some(host) => line.strip_prefix(&format!("{host}: ")).unwrap_or_default(),
            None => line,
        };
        let in_diff = line.starts_with("@@ ")
            || (block.is_some()
                && (line.starts_with([' ', '-', '+']) || line.starts_with("\\ No newline")));
        match (&mut block, in_diff) {
            (Some(text), true) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, true) => block = Some(format!("{line}\n")),
            (Some(_), false) => blocks.extend(block.take()),
            (None, false) => {}
        }
    }
    blocks.extend(block);
    blocks
}

/// Before and after texts: unique lines, edited in place (no moves), so every correct
/// line diff finds the same changes.
fn edit_pairs() -> Vec<(String, String)> {
    let mut seed: u64 = 0x5eed;
    let mut next = move |below: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % below
    };
    let mut pairs = vec![
        ("a\nb\nc\n".to_owned(), "a\nB\nc\n".to_owned()),
        ("x\ny".to_owned(), "x\ny\n".to_owned()),
        ("only\n".to_owned(), "".to_owned()),
    ];
    for case in 0..6 {
        let count = 5 + next(40);
        let (mut before, mut after) = (String::new(), String::new());
        for line in 0..count {
            let text = format!("case {case} line {line}\n");
            match next(10) {
                0 => before.push_str(&text),
                1 => after.push_str(&format!("case {case} new {line}\n")),
                2 => {
                    before.push_str(&text);
                    after.push_str(&format!("case {case} changed {line}\n"));
                }
                _ => {
                    before.push_str(&text);
                    after.push_str(&text);
                }
            }
        }
        if next(2) == 0 {
            after.pop();
        }
        pairs.push((before, after));
    }
    pairs
}

#[test]
fn diff_hunks_match_ansible_copy_diff() {
    let lab = Lab::new();
    let name = unique("diff-oracle");
    let pairs = edit_pairs();
    let oracle_dir = lab.work.path().join("oracle");
    fs::create_dir(&oracle_dir).unwrap();
    let (mut herd_steps, mut ansible_tasks) = (String::new(), String::new());
    for (index, (before, after)) in pairs.iter().enumerate() {
        let src = format!("after{index}");
        fs::write(lab.work.path().join(&src), after).unwrap();
        fs::write(oracle_dir.join(&src), after).unwrap();
        fs::write(host_tmp("h1").join(format!("{name}-{index}")), before).unwrap();
        fs::write(oracle_dir.join(format!("dest{index}")), before).unwrap();
        herd_steps.push_str(&format!(
            "    - put: {{src: {src}, dest: /tmp/{name}-{index}}}\n"
        ));
        ansible_tasks.push_str(&format!(
            "    - copy: {{src: {src}, dest: {}/dest{index}}}\n",
            oracle_dir.display()
        ));
    }
    let yaml = format!("- hosts: h1\n  steps:\n{herd_steps}");
    let out = play(
        &lab,
        &common::lab_dir().join("inventory.ini"),
        &yaml,
        &["--check", "--diff"],
    );
    assert_exit(&out, 0);
    let herd = hunk_blocks(&String::from_utf8_lossy(&out.stdout), Some("h1"));

    let book = oracle_dir.join("copy.yml");
    fs::write(
        &book,
        format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{ansible_tasks}"),
    )
    .unwrap();
    let python = common::ansible_oracle("python");
    let ansible = std::process::Command::new(common::ansible_oracle("ansible-playbook"))
        .args(["-i", "localhost,", "-c", "local", "--check", "--diff"])
        .arg("-e")
        .arg(format!("ansible_python_interpreter={}", python.display()))
        .arg(&book)
        .current_dir(&oracle_dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCALHOST_WARNING", "0")
        .output()
        .unwrap();
    let ansible_out = String::from_utf8_lossy(&ansible.stdout);
    assert!(ansible.status.success(), "{ansible_out}");
    let oracle = hunk_blocks(&ansible_out, None);
    assert!(oracle.len() >= pairs.len(), "{ansible_out}");
    assert_eq!(herd, oracle, "herd:\n{}", text(&out));
    for (index, (before, _)) in pairs.iter().enumerate() {
        let remote = host_tmp("h1").join(format!("{name}-{index}"));
        assert_eq!(&fs::read_to_string(remote).unwrap(), before);
    }
}
