//! Options of `herd run`/`scp`/`play` against the lab's real sshd servers: `--outdir`,
//! `--user`, the accept-new note and the JSON `exit_code` of a success.

mod common;

use std::fs;
use std::process::Output;

use common::{Lab, lines};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
}

#[test]
fn outdir_keeps_each_hosts_stdout_and_stderr_beside_the_live_view() {
    let lab = Lab::new();
    let dir = lab.work.path().join("out/nested");
    let out = lab
        .herd(&[
            "run",
            "-h",
            "h1,h2",
            "--outdir",
            dir.to_str().unwrap(),
            "--cmd",
            "echo one; echo oops >&2; printf 'no newline'",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    // The live view is unchanged.
    let mut live = lines(&out.stdout);
    live.sort();
    assert_eq!(
        live,
        ["h1: no newline", "h1: one", "h2: no newline", "h2: one"]
    );
    assert!(stderr(&out).contains("h1: oops"), "{}", stderr(&out));
    for host in ["h1", "h2"] {
        let read = |suffix: &str| fs::read(dir.join(format!("{host}.{suffix}"))).unwrap();
        assert_eq!(read("out"), b"one\nno newline", "{host}");
        assert_eq!(read("err"), b"oops\n", "{host}");
    }
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["h1.err", "h1.out", "h2.err", "h2.out"]);
}

#[test]
fn outdir_is_written_while_the_command_still_runs_and_in_seed_syntax() {
    let lab = Lab::new();
    let dir = lab.work.path().join("live");
    let mut child = lab
        .std_cmd("batch_run")
        .args([
            "-h",
            "h1",
            "-outdir",
            dir.to_str().unwrap(),
            "-cmd",
            "echo early; sleep 30",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let file = dir.join("h1.out");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    while std::time::Instant::now() < deadline {
        seen = fs::read(&file).unwrap_or_default();
        if seen == b"early\n" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        seen, b"early\n",
        "h1.out while the command was still running"
    );
}

#[test]
fn outdir_that_cannot_be_made_stops_before_connecting() {
    let lab = Lab::new();
    let blocker = lab.work.path().join("a-file");
    fs::write(&blocker, "").unwrap();
    let out = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--outdir",
            blocker.to_str().unwrap(),
            "true",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("--outdir"), "{}", stderr(&out));
}

#[test]
fn user_is_the_login_of_hosts_that_set_none() {
    let lab = Lab::new();
    // h1 loses its user; h2 keeps herd_bob, which beats --user.
    let inventory = lab.inventory_with("no-user.ini", |text| text.replace(" user=herd_alice", ""));
    let inventory = inventory.to_str().unwrap();
    let without = lab
        .herd(&[
            "run",
            "-i",
            inventory,
            "-h",
            "h1",
            "--ssh-config",
            "none",
            "whoami",
        ])
        .output()
        .unwrap();
    assert_exit(&without, 4);
    let out = lab
        .herd(&[
            "run",
            "-i",
            inventory,
            "-h",
            "h1,h2",
            "--ssh-config",
            "none",
            "--user",
            "herd_alice",
            "whoami",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let mut got = lines(&out.stdout);
    got.sort();
    assert_eq!(got, ["h1: herd_alice", "h2: herd_bob"]);
    // The seed syntax, scp and play take it too.
    let seed = lab
        .cmd("batch_run")
        .args([
            "-i",
            inventory,
            "-h",
            "h1",
            "-user",
            "herd_alice",
            "-cmd",
            "whoami",
        ])
        .output()
        .unwrap();
    assert_exit(&seed, 0);
    assert_eq!(lines(&seed.stdout), ["h1: herd_alice"]);
    let local = lab.work.path().join("fetched");
    let scp = lab
        .herd(&[
            "scp",
            "-i",
            inventory,
            "-h",
            "h1",
            "-u",
            "herd_alice",
            "--action",
            "get",
            "--remote",
            "/etc/hostname",
            "--local",
            local.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_exit(&scp, 0);
    let playbook = lab.work.path().join("who.yml");
    fs::write(&playbook, "- hosts: h1\n  steps:\n    - run: whoami\n").unwrap();
    let play = lab
        .herd(&[
            "play",
            playbook.to_str().unwrap(),
            "-i",
            inventory,
            "--user",
            "herd_alice",
        ])
        .output()
        .unwrap();
    assert_exit(&play, 0);
    assert!(
        String::from_utf8_lossy(&play.stdout).contains("h1: herd_alice"),
        "{}",
        String::from_utf8_lossy(&play.stdout)
    );
}

#[test]
fn accept_new_says_once_how_many_keys_it_added() {
    let lab = Lab::new();
    let first = lab.herd(&["run", "-g", "all", "true"]).output().unwrap();
    assert_exit(&first, 0);
    let file = lab.known_hosts();
    let note = format!("herd: added 4 host keys to {}\n", file.display());
    assert_eq!(
        stderr(&first).matches("added").count(),
        1,
        "{}",
        stderr(&first)
    );
    assert!(stderr(&first).ends_with(&note), "{}", stderr(&first));
    let again = lab.herd(&["run", "-g", "all", "true"]).output().unwrap();
    assert_exit(&again, 0);
    assert!(!stderr(&again).contains("added"), "{}", stderr(&again));
    let text = fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn json_exit_code_of_a_success_is_zero() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-h",
            "h1,h2",
            "--output",
            "json",
            "--cmd",
            "exit $((1 - 1))",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let records: Vec<serde_json::Value> = lines(&out.stdout)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let finished: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["event"] == "host_finished")
        .collect();
    assert_eq!(finished.len(), 2);
    for record in finished {
        assert_eq!(record["exit_code"], 0, "{record}");
    }
    let recap = records.last().unwrap();
    assert_eq!(recap["hosts"]["h1"]["exit_code"], 0, "{recap}");
}
