//! `--shard I/N` on `run`, `scp` and `play`, and `herd recap` merging the shards' JSON
//! Lines, against the lab's real sshd servers; and the open-files limit herd raises.

mod common;

use std::fs;

use common::{LAB_HOSTS, Lab, lines};
use herd::targets::Shard;

const N: u32 = 4;

/// The lab hosts in shard `i` of [`N`], by the same hash herd uses.
fn expected(i: u32) -> Vec<String> {
    let mut hosts: Vec<String> = LAB_HOSTS
        .iter()
        .map(|(name, ..)| name.to_string())
        .filter(|name| Shard::of(name, N) == i)
        .collect();
    hosts.sort();
    hosts
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_shards_split_the_hosts_and_recap_merges_them() {
    let lab = Lab::new();
    let mut files = Vec::new();
    let mut empty_shards = 0;
    for i in 1..=N {
        let shard = format!("{i}/{N}");
        let out = lab
            .herd(&["run", "-g", "all", "--shard", &shard, "--output", "json"])
            .args(["--", "echo", "hi"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let path = lab.work.path().join(format!("shard{i}.json"));
        fs::write(&path, &out.stdout).unwrap();
        files.push(path);
        let mut finished: Vec<String> = lines(&out.stdout)
            .iter()
            .filter_map(|line| {
                let event: serde_json::Value = serde_json::from_str(line).unwrap();
                (event["event"] == "host_finished").then(|| event["host"].as_str().unwrap().into())
            })
            .collect();
        finished.sort();
        assert_eq!(finished, expected(i), "shard {shard}");
        if finished.is_empty() {
            empty_shards += 1;
        }
    }
    // The lab's four names leave some shard of four empty: it ran on nothing, exit 0.
    assert!(empty_shards > 0);
    let out = lab.herd(&["recap"]).args(&files).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("herd: 4 hosts: 4 ok in "),
        "{}",
        text(&out.stdout)
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn an_empty_shard_reports_zero_hosts_and_exits_0() {
    let lab = Lab::new();
    let i = (1..=N).find(|&i| expected(i).is_empty()).unwrap();
    let out = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--shard",
            &format!("{i}/{N}"),
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("herd: 0 hosts: 0 ok"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn failures_in_any_shard_decide_the_merged_exit_code() {
    let lab = Lab::new();
    let (i, busy) = (1..=N)
        .map(|i| (i, expected(i)))
        .max_by_key(|(_, h)| h.len())
        .unwrap();
    let failing = &busy[0];
    // One shard's run fails on every host, another's is fine.
    let shard = format!("{i}/{N}");
    let bad = lab
        .herd(&[
            "run", "-g", "all", "--shard", &shard, "--output", "json", "--", "exit 3",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let other = (1..=N)
        .find(|&j| j != i && !expected(j).is_empty())
        .unwrap();
    let good = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--shard",
            &format!("{other}/{N}"),
            "--output",
            "json",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(good.status.code(), Some(0));
    let (bad_path, good_path) = (
        lab.work.path().join("bad.json"),
        lab.work.path().join("good.json"),
    );
    fs::write(&bad_path, &bad.stdout).unwrap();
    fs::write(&good_path, &good.stdout).unwrap();
    // `-` reads stdin.
    let out = lab
        .herd(&["recap", "-"])
        .arg(&good_path)
        .write_stdin(bad.stdout.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let recap = text(&out.stdout);
    let total = busy.len() + expected(other).len();
    assert!(
        recap.starts_with(&format!(
            "herd: {total} hosts: {} ok, {} failed in ",
            total - busy.len(),
            busy.len()
        )),
        "{recap}"
    );
    assert!(
        recap.contains(&format!("failed      {failing}: exit status 3")),
        "{recap}"
    );
}

#[test]
fn recap_names_file_and_line_of_a_garbled_stream() {
    let lab = Lab::new();
    let path = lab.work.path().join("garbled.json");
    fs::write(
        &path,
        "{\"event\":\"run_started\",\"hosts\":[\"h1\"]}\nhello\n",
    )
    .unwrap();
    let out = lab.herd(&["recap"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2: not JSON", path.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let out = lab.herd(&["recap", "missing.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("missing.json: cannot open"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_shards_are_usage_errors() {
    let lab = Lab::new();
    for bad in ["0/4", "5/4", "1/0", "2", "x/4"] {
        let out = lab
            .herd(&["run", "-g", "all", "--shard", bad, "--", "true"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(
            text(&out.stderr).contains("--shard"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn seed_syntax_scp_and_play_take_a_shard() {
    let lab = Lab::new();
    let (i, hosts) = (1..=N)
        .map(|i| (i, expected(i)))
        .find(|(_, h)| h.len() == 1)
        .unwrap_or_else(|| {
            let i = (1..=N).find(|&i| !expected(i).is_empty()).unwrap();
            (i, expected(i))
        });
    let shard = format!("{i}/{N}");
    let out = lab
        .cmd("batch_run")
        .args(["-g", "all", "-shard", &shard, "-cmd", "echo hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut got = lines(&out.stdout);
    got.sort();
    let want: Vec<String> = hosts.iter().map(|h| format!("{h}: hi")).collect();
    assert_eq!(got, want);

    let local = lab.work.path().join(common::unique("shard-put"));
    fs::write(&local, "x").unwrap();
    let out = lab
        .cmd("batch_scp")
        .args([
            "-g", "all", "-shard", &shard, "-action", "put", "-remote", "/tmp/",
        ])
        .arg("-local")
        .arg(&local)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let noun = if hosts.len() == 1 { "host" } else { "hosts" };
    assert!(
        stderr.contains(&format!("herd: {} {noun}: {} ok", hosts.len(), hosts.len())),
        "{stderr}"
    );

    let book = lab.work.path().join("book.yml");
    fs::write(&book, "- hosts: all\n  steps:\n    - run: echo hi\n").unwrap();
    let out = lab
        .herd(&["play", "--plan", "--shard", &shard])
        .arg(&book)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(
        plan.contains(&format!("SELECTION  --shard {shard}")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("& --shard {shard} → {} {noun}", hosts.len())),
        "{plan}"
    );
    let empty = (1..=N).find(|&i| expected(i).is_empty()).unwrap();
    let out = lab
        .herd(&["play", "--shard", &format!("{empty}/{N}")])
        .arg(&book)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("herd: 0 hosts: 0 ok"),
        "{}",
        text(&out.stderr)
    );
}

/// The soft open-files limit herd runs with: raised to the hard limit at start, whatever
/// the shell gave it (read from /proc while a command holds the run open).
#[test]
fn herd_raises_its_soft_open_files_limit_to_the_hard_limit() {
    let lab = Lab::new();
    let herd = assert_cmd::cargo::cargo_bin("herd");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -Sn 64 && exec \"$0\" run -h h1 -- sleep 3")
        .arg(&herd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    lab.set_up(&mut cmd);
    let child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let limits = fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "{line}");
    assert_ne!(numbers[0], "64", "{line}");
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}
