//! `herd run` / `batch_run` against the lab's real sshd servers.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::Stdio;

use common::{LAB_HOSTS, Lab, lines};

#[test]
fn every_host_answers_as_its_own_user() {
    let lab = Lab::new();
    let out = lab
        .herd(&["run", "-g", "all", "--cmd", "whoami"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got = lines(&out.stdout);
    got.sort();
    let want: Vec<String> = LAB_HOSTS
        .iter()
        .map(|(name, _, _, user)| format!("{name}: {user}"))
        .collect();
    assert_eq!(got, want);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("herd: 4 hosts: 4 ok"), "{stderr}");
}

#[test]
fn seed_batch_run_command_line() {
    let lab = Lab::new();
    let out = lab
        .cmd("batch_run")
        .args([
            "-h",
            "h1,h2,h3",
            "-g",
            "web_clusters,db_servers",
            "-cmd",
            "df -h",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = lines(&out.stdout);
    for (name, ..) in LAB_HOSTS {
        assert!(
            stdout
                .iter()
                .any(|l| l.starts_with(&format!("{name}: Filesystem"))),
            "no df header from {name}: {stdout:?}"
        );
    }
}

#[test]
fn a_command_value_with_dashes_is_not_read_as_options() {
    let lab = Lab::new();
    let out = lab
        .cmd("batch_run")
        .args(["-h", "h1", "-cmd", "echo -h -g --help"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out.stdout), ["h1: -h -g --help"]);
}

#[test]
fn hosts_and_groups_are_a_union_in_inventory_order() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-h",
            "h4,h1",
            "-g",
            "db_servers",
            "--output",
            "json",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let first: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["event"], "run_started");
    assert_eq!(first["hosts"], serde_json::json!(["h1", "h3", "h4"]));
}

#[test]
fn a_wrong_password_makes_that_host_unreachable_and_the_others_go_on() {
    let lab = Lab::new();
    let inventory = lab.inventory_with("wrong.ini", |text| {
        text.replace("password=bob-lab-pw", "password=not-bobs")
    });
    let out = lab
        .herd(&[
            "run",
            "-i",
            inventory.to_str().unwrap(),
            "-g",
            "all",
            "--cmd",
            "whoami",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let mut got = lines(&out.stdout);
    got.sort();
    assert_eq!(got, ["h1: herd_alice", "h3: herd_carol", "h4: herd_dave"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("authentication failed for herd_bob@127.0.0.12:2222"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("not-bobs") && !String::from_utf8_lossy(&out.stdout).contains("not-bobs")
    );
}

#[test]
fn a_closed_port_is_refused_not_waited_for() {
    let lab = Lab::new();
    let inventory = lab.inventory_with("closed.ini", |text| {
        format!("{text}\n[closed]\nshut host=127.0.0.11 port=9 user=nobody\n")
    });
    let out = lab
        .herd(&[
            "run",
            "-i",
            inventory.to_str().unwrap(),
            "-h",
            "shut,h1",
            "--connect-timeout",
            "60",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(stderr.contains("1 ok"), "{stderr}");
}

#[test]
fn timeout_ends_a_hung_command_and_its_remote_process() {
    let lab = Lab::new();
    let marker = format!("sleep {}", 600 + std::process::id() % 300);
    let out = lab
        .herd(&["run", "-h", "h1,h3", "--timeout", "2", "--cmd", &marker])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("timed out"), "{stderr}");
    let still_running = common::processes_left(&marker);
    assert!(
        still_running.is_empty(),
        "remote `{marker}` still running: {still_running:?}"
    );
}

#[test]
fn megabytes_interleaved_on_stdout_and_stderr_all_arrive() {
    let lab = Lab::new();
    let command = "(yes out | head -n 2500000) & (yes err | head -n 2500000 >&2); wait";
    let out = lab
        .herd(&["run", "-h", "h2", "--cmd", command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout_lines = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| *l == b"h2: out")
        .count();
    let stderr_lines = out
        .stderr
        .split(|&b| b == b'\n')
        .filter(|l| *l == b"h2: err")
        .count();
    assert_eq!((stdout_lines, stderr_lines), (2_500_000, 2_500_000));
}

#[test]
fn output_is_shown_while_the_command_still_runs() {
    let lab = Lab::new();
    let mut child = lab
        .std_cmd("herd")
        .args([
            "run",
            "-h",
            "h3",
            "--cmd",
            "echo first; sleep 3; echo second",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "h3: first\n");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first line came only after the command ended"
    );
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "h3: first\nh3: second\n");
    assert!(child.wait().unwrap().success());
}

#[test]
fn gather_groups_hosts_with_identical_output() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "-b",
            "--cmd",
            "if [ $(whoami) = herd_bob ]; then echo other; else echo same; fi",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("h[1,3-4] (3)\n") || stdout.contains("h1,h3,h4 (3)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("h2 (1)\n"), "{stdout}");
    assert!(!stdout.contains("h1: "), "{stdout}");
}

#[test]
fn non_zero_exit_is_a_failure_with_its_code() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--cmd",
            "test $(whoami) != herd_carol || exit 3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 ok, 1 failed"), "{stderr}");
    assert!(stderr.contains("h3: exit status 3"), "{stderr}");
}

#[test]
fn an_unknown_group_is_an_error_and_nothing_connects() {
    let lab = Lab::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let inventory = lab.inventory_with("watched.ini", |_| {
        format!("[web]\nwatched host=127.0.0.1 port={port}\n")
    });
    let out = lab
        .herd(&[
            "run",
            "-i",
            inventory.to_str().unwrap(),
            "-g",
            "web,nosuch",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch"));
    assert!(
        listener.accept().is_err(),
        "herd connected although the command line was wrong"
    );
}

#[test]
fn forks_bound_the_parallelism_but_every_host_runs() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--forks",
            "1",
            "--cmd",
            "hostname >/dev/null && echo done",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out.stdout).len(), 4);
}
