//! Running `herd play` on small playbooks in a test's work dir, and reading its output.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Output;

use super::Lab;

/// Writes `files` (path relative to the test's work dir, text); returns the first's path.
pub fn write_files(lab: &Lab, files: &[(&str, &str)]) -> PathBuf {
    for (name, text) in files {
        let path = lab.work.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    lab.work.path().join(files[0].0)
}

/// `herd play PLAYBOOK ARGS…`.
pub fn play(lab: &Lab, playbook: &Path, args: &[&str]) -> Output {
    let mut command = lab.herd(&["play", playbook.to_str().unwrap()]);
    command.args(args);
    command.output().unwrap()
}

/// What herd wrote to standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What herd wrote to standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code, showing what herd said when it differs.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// The PLAY RECAP's counts: host → (`ok`, `changed`, … → count).
pub fn recap(out: &Output) -> HashMap<String, HashMap<String, usize>> {
    let text = stderr(out);
    let mut rows = HashMap::new();
    for line in text
        .lines()
        .skip_while(|line| *line != "PLAY RECAP")
        .skip(1)
    {
        let Some((host, counts)) = line.split_once(" : ") else {
            break;
        };
        let counts = counts
            .split_whitespace()
            .filter_map(|cell| cell.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.parse().unwrap()))
            .collect();
        rows.insert(host.trim().to_owned(), counts);
    }
    assert!(!rows.is_empty(), "no PLAY RECAP in:\n{text}");
    rows
}

/// The count `key` of every host in the recap, summed.
pub fn total(out: &Output, key: &str) -> usize {
    recap(out).values().map(|counts| counts[key]).sum()
}

/// Every JSON Lines record of a `--output json` run whose `event` is `event`.
pub fn records(out: &Output, event: &str) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .filter(|record: &serde_json::Value| record["event"] == event)
        .collect()
}

/// `(host, step number)` → status, from a JSON run's `step_finished` records.
pub fn step_statuses(out: &Output) -> BTreeMap<(String, u64), String> {
    records(out, "step_finished")
        .iter()
        .map(|r| {
            let host = r["host"].as_str().unwrap().to_owned();
            let key = (host, r["number"].as_u64().unwrap());
            (key, r["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Host → `(step number, item label, status)` of its `item_finished` records, in order.
pub fn item_statuses(out: &Output) -> BTreeMap<String, Vec<(u64, String, String)>> {
    let mut items: BTreeMap<String, Vec<(u64, String, String)>> = BTreeMap::new();
    for r in records(out, "item_finished") {
        let host = r["host"].as_str().unwrap().to_owned();
        items.entry(host).or_default().push((
            r["number"].as_u64().unwrap(),
            r["item"].as_str().unwrap().to_owned(),
            r["status"].as_str().unwrap().to_owned(),
        ));
    }
    items
}

/// Host → its stdout lines, from a JSON run's `output` records.
pub fn output_lines(out: &Output) -> BTreeMap<String, Vec<String>> {
    let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records(out, "output") {
        if r["stream"] == "stdout" {
            let host = r["host"].as_str().unwrap().to_owned();
            let line = r["line"].as_str().unwrap_or_default().to_owned();
            lines.entry(host).or_default().push(line);
        }
    }
    lines
}

/// The lab inventory with Ansible's names for the connection settings, which herd reads
/// too, so both tools run on the same hosts from the same file.
pub fn oracle_inventory(lab: &Lab) -> PathBuf {
    lab.inventory_with("oracle.ini", |text| {
        [
            (" host=", " ansible_host="),
            (" port=", " ansible_port="),
            (" user=", " ansible_user="),
            (" password=", " ansible_password="),
            (" key=", " ansible_private_key_file="),
        ]
        .iter()
        .fold(text.to_owned(), |text, (herd, ansible)| {
            text.replace(herd, ansible)
        })
    })
}

/// The Ansible oracle's `ansible-playbook -i INVENTORY BOOK`, with a HOME of the test's
/// own, and the lab's known_hosts as ssh's (OpenSSH finds `~/.ssh` through the password
/// database, not `$HOME`: the machine's own known_hosts may hold an older lab's keys, and
/// a changed key turns password logins off). Ansible refuses passwords when it checks
/// host keys itself, so it is told not to.
pub fn ansible_playbook(lab: &Lab, inventory: &Path, book: &Path) -> Output {
    let home = lab.work.path().join("ansible-home");
    std::fs::create_dir_all(&home).unwrap();
    let known_hosts = super::lab_dir().join("state/known_hosts");
    std::process::Command::new(super::ansible_oracle("ansible-playbook"))
        .arg("-i")
        .arg(inventory)
        .arg(book)
        .current_dir(lab.work.path())
        .env("HOME", &home)
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env(
            "ANSIBLE_SSH_COMMON_ARGS",
            format!(
                "-o UserKnownHostsFile={} -o GlobalKnownHostsFile=/dev/null",
                known_hosts.display()
            ),
        )
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap()
}
