//! Real-fleet faults against the lab and the fault lab (lab/faults.py): dead, silent and
//! non-SSH hosts, rotated host keys, hung commands, links cut mid-transfer.

mod common;

use std::collections::HashSet;
use std::fs;
use std::time::{Duration, SystemTime};

use common::faults::{self, FLAKY, GARBAGE, REFUSED, RELAY_ADDRESS, SILENT};
use common::sshd_copy::SshdCopy;
use common::{Lab, host_tmp, lines, temps_of, unique};
use serde_json::Value;

/// The lab inventory plus `extra` lines (a `[faults]` group, …).
fn inventory(lab: &Lab, name: &str, extra: &str) -> String {
    let path = lab.inventory_with(name, |text| format!("{text}\n{extra}\n"));
    path.to_str().unwrap().to_owned()
}

/// `NAME host=ADDR port=PORT user=nobody`.
fn endpoint(name: &str, (address, port): (&str, u16)) -> String {
    format!("{name} host={address} port={port} user=nobody\n")
}

/// An inventory, written to the work dir as `name`: a group `dead` of the fault lab's 50
/// silent endpoints first, then a group `healthy` of `healthy` names `okN` taking the lab
/// hosts' settings in turn.
fn silent_then_healthy(lab: &Lab, name: &str, healthy: usize) -> std::path::PathBuf {
    let mut inventory = String::from("[dead]\n");
    for port in faults::silent_ports() {
        inventory.push_str(&endpoint(&format!("dead{port}"), ("127.0.0.21", port)));
    }
    inventory.push_str("[healthy]\n");
    let lab_hosts = fs::read_to_string(common::lab_dir().join("inventory.ini")).unwrap();
    let host_lines: Vec<&str> = lab_hosts
        .lines()
        .filter(|line| line.starts_with('h') && line.contains("host="))
        .collect();
    assert_eq!(host_lines.len(), 4);
    for i in 0..healthy {
        let (_, settings) = host_lines[i % 4].split_once(' ').unwrap();
        inventory.push_str(&format!("ok{i:03} {settings}\n"));
    }
    let path = lab.work.path().join(name);
    common::write_private(&path, &inventory);
    path
}

/// A `[flaky]` group with h2 (herd_bob) reached through the fault lab's cutting link.
fn flaky() -> String {
    let (address, port) = FLAKY;
    format!("[flaky]\nflaky host={address} port={port} user=herd_bob password=bob-lab-pw\n")
}

/// Held by the two 1000-host tests so they do not load the lab at the same time.
static THOUSAND_HOSTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The JSON Lines events of a run.
fn events(stdout: &[u8]) -> Vec<Value> {
    stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

#[test]
fn unreachable_is_distinct_from_failed_in_recap_json_and_exit_code() {
    let lab = Lab::new();
    faults::check();
    let extra = format!(
        "[faults]\n{}{}{}",
        endpoint("refused", REFUSED),
        endpoint("silent", SILENT),
        endpoint("garbage", GARBAGE)
    );
    let inventory = inventory(&lab, "mixed.ini", &extra);
    let command = "test $(whoami) != herd_carol || exit 3";
    let args = |output: &'static str| {
        let mut args = vec!["run", "-i", &inventory, "-h", "h1,h3", "-g", "faults"];
        args.extend([
            "--connect-timeout",
            "2",
            "--output",
            output,
            "--cmd",
            command,
        ]);
        args
    };

    let text = lab.herd(&args("text")).output().unwrap();
    assert_eq!(
        text.status.code(),
        Some(2),
        "a failure outranks unreachable"
    );
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("5 hosts: 1 ok, 1 failed, 3 unreachable"),
        "{stderr}"
    );
    assert!(stderr.contains("failed      h3: exit status 3"), "{stderr}");
    for expected in [
        "unreachable refused: connection refused (127.0.0.20:22)",
        "unreachable silent: connection to 127.0.0.21:22 timed out after 2s (SSH banner)",
        "unreachable garbage: SSH handshake with 127.0.0.22:22 failed",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }

    let json = lab.herd(&args("json")).output().unwrap();
    assert_eq!(json.status.code(), Some(2));
    let events = events(&json.stdout);
    let state = |host: &str| {
        events
            .iter()
            .find(|e| e["event"] == "host_finished" && e["host"] == host)
            .map(|e| e["state"].clone())
    };
    assert_eq!(state("h1"), Some("ok".into()));
    assert_eq!(state("h3"), Some("failed".into()));
    for host in ["refused", "silent", "garbage"] {
        assert_eq!(state(host), Some("unreachable".into()), "{host}");
    }
    let recap = events.last().unwrap();
    assert_eq!(recap["event"], "recap");
    assert_eq!(
        (&recap["ok"], &recap["failed"], &recap["unreachable"]),
        (&1.into(), &1.into(), &3.into())
    );

    let only_dead = lab
        .herd(&[
            "run",
            "-i",
            &inventory,
            "-g",
            "faults",
            "--connect-timeout",
            "2",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(only_dead.status.code(), Some(4), "unreachable only: exit 4");
}

/// 50 silent hosts first, then 950 healthy ones, 64 forks: the silent hosts wait out
/// their connect timeout together (one timeout in all, not one each), and the healthy
/// hosts listed after them keep finishing meanwhile on the other threads.
#[test]
fn dead_hosts_wait_together_and_do_not_hold_up_healthy_ones() {
    let _alone = THOUSAND_HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::new();
    faults::check();
    let path = silent_then_healthy(&lab, "thousand.ini", 950);
    let out = lab
        .herd(&[
            "run",
            "-i",
            path.to_str().unwrap(),
            "-g",
            "dead,healthy",
            "--forks",
            "64",
            "--connect-timeout",
            "30",
            "--output",
            "json",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let events = events(&out.stdout);
    let position = |kind: &str, dead: bool| -> Vec<usize> {
        (0..events.len())
            .filter(|&i| {
                events[i]["event"] == kind
                    && events[i]["host"].as_str().unwrap().starts_with("dead") == dead
            })
            .collect()
    };
    let dead_started = position("host_started", true);
    let dead_finished = position("host_finished", true);
    let healthy_finished = position("host_finished", false);
    assert_eq!((dead_finished.len(), healthy_finished.len()), (50, 950));
    assert!(
        dead_started.iter().all(|&i| i < dead_finished[0]),
        "the dead hosts waited one after another"
    );
    assert!(
        healthy_finished[0] < dead_finished[0],
        "no healthy host finished while the dead ones waited"
    );
    let state = |i: &usize| events[*i]["state"].as_str().unwrap().to_owned();
    assert!(healthy_finished.iter().all(|i| state(i) == "ok"));
    assert!(dead_finished.iter().all(|i| state(i) == "unreachable"));
}

#[test]
fn silent_hosts_hold_no_fork_while_they_connect() {
    let lab = Lab::new();
    faults::check();
    // Fifty silent hosts first in the inventory, then eight healthy ones, on ONE fork: a
    // fork held by a connecting host would keep every healthy host waiting a timeout.
    let path = silent_then_healthy(&lab, "silent-first.ini", 8);
    let out = lab
        .herd(&[
            "run",
            "-i",
            path.to_str().unwrap(),
            "-g",
            "dead,healthy",
            "--forks",
            "1",
            "--connect-timeout",
            "10",
            "--output",
            "json",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let events = events(&out.stdout);
    let finished: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["event"] == "host_finished")
        .map(|e| (e["host"].as_str().unwrap(), e["state"].as_str().unwrap()))
        .collect();
    assert_eq!(finished.len(), 58);
    let (healthy, dead) = finished.split_at(8);
    assert!(
        healthy
            .iter()
            .all(|(host, state)| host.starts_with("ok") && *state == "ok"),
        "every healthy host finished, on the one fork, while the silent ones waited: {finished:?}"
    );
    assert!(dead.iter().all(|(_, state)| *state == "unreachable"));
}

#[test]
fn silent_hosts_hold_no_fork_while_a_playbook_connects_them() {
    let lab = Lab::new();
    faults::check();
    // As above, for `herd play`: the silent hosts first, one fork.
    let path = silent_then_healthy(&lab, "silent-first-play.ini", 4);
    let playbook = lab.work.path().join("one.yml");
    fs::write(
        &playbook,
        "- hosts: dead:healthy\n  steps:\n    - run: 'true'\n",
    )
    .unwrap();
    let out = lab
        .herd(&[
            "play",
            playbook.to_str().unwrap(),
            "-i",
            path.to_str().unwrap(),
            "--forks",
            "1",
            "--connect-timeout",
            "10",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let finished: Vec<(String, String)> = events(&out.stdout)
        .iter()
        .filter(|e| e["event"] == "step_finished")
        .map(|e| {
            (
                e["host"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(finished.len(), 54, "{finished:?}");
    let (healthy, dead) = finished.split_at(4);
    assert!(
        healthy
            .iter()
            .all(|(host, status)| host.starts_with("ok") && status == "changed"),
        "every healthy host ran its step, on the one fork, while the silent ones waited: {finished:?}"
    );
    assert!(
        dead.iter().all(|(_, status)| status == "unreachable"),
        "{dead:?}"
    );
}

#[test]
fn a_changed_host_key_is_refused_naming_the_file_and_line() {
    let lab = Lab::new();
    faults::check();
    for mode in ["strict", "accept-new"] {
        let known_hosts = lab.work.path().join(format!("known_hosts.{mode}"));
        fs::copy(faults::rotated_known_hosts(), &known_hosts).unwrap();
        let before = fs::read(&known_hosts).unwrap();
        let out = lab
            .herd(&[
                "run",
                "-h",
                "h1,h2",
                "--host-key-checking",
                mode,
                "--known-hosts",
                known_hosts.to_str().unwrap(),
                "--cmd",
                "true",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{mode}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!(
            "unreachable h1: host key for 127.0.0.11:22 has CHANGED (known_hosts line 1 in {})",
            known_hosts.display()
        );
        assert!(stderr.contains(&expected), "{mode}: {stderr}");
        assert!(stderr.contains("1 ok, 1 unreachable"), "{mode}: {stderr}");
        assert_eq!(
            fs::read(&known_hosts).unwrap(),
            before,
            "{mode}: file changed"
        );
    }
}

/// 1000 distinct host names (the fault lab's relays to h1), all new, connected 64 at a
/// time in accept-new mode: known_hosts ends with exactly one valid line per host.
#[test]
fn accept_new_with_a_thousand_new_hosts_writes_one_line_each() {
    let _alone = THOUSAND_HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::new();
    faults::check();
    let mut text = String::from("[relays]\n");
    for port in 30000..31000 {
        text.push_str(&format!(
            "r{port} host={RELAY_ADDRESS} port={port} user=herd_alice password=alice-lab-pw\n"
        ));
    }
    let inventory = lab.work.path().join("relays.ini");
    common::write_private(&inventory, &text);
    let known_hosts = lab.work.path().join("known_hosts");
    let run = |mode: &str| {
        lab.herd(&[
            "run",
            "-i",
            inventory.to_str().unwrap(),
            "-g",
            "relays",
            "--forks",
            "64",
            "--host-key-checking",
            mode,
            "--known-hosts",
            known_hosts.to_str().unwrap(),
            "--connect-timeout",
            "60",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap()
    };
    let first = run("accept-new");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let h1_key = fs::read_to_string(common::lab_dir().join("state/known_hosts"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("127.0.0.11 ").map(str::to_owned))
        .unwrap();
    let written = fs::read_to_string(&known_hosts).unwrap();
    let written = lines(written.as_bytes());
    assert_eq!(written.len(), 1000);
    let expected: HashSet<String> = (30000..31000)
        .map(|port| format!("[{RELAY_ADDRESS}]:{port} {h1_key}"))
        .collect();
    assert_eq!(written.into_iter().collect::<HashSet<_>>(), expected);
    let second = run("strict");
    assert_eq!(
        second.status.code(),
        Some(0),
        "the lines are valid for strict"
    );
}

#[test]
fn a_timeout_ends_only_the_hung_command() {
    let lab = Lab::new();
    let marker = format!("sleep {}", 700 + std::process::id() % 200);
    let command = format!("if [ $(whoami) = herd_bob ]; then {marker}; else echo fine; fi");
    let out = lab
        .herd(&["run", "-g", "all", "--timeout", "3", "--cmd", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 ok, 1 failed"), "{stderr}");
    assert!(
        stderr.contains("failed      h2: timed out after 3s"),
        "{stderr}"
    );
    let mut stdout = lines(&out.stdout);
    stdout.sort();
    assert_eq!(stdout, ["h1: fine", "h3: fine", "h4: fine"]);
    let left = common::processes_left(&marker);
    assert!(left.is_empty(), "`{marker}` still runs on h2: {left:?}");
}

/// A put of 200 MB over a link cut after 32 MiB fails without touching the file already
/// there; the temp file the dead connection could not remove is removed by the next put
/// into that directory once it is old enough, while a recent one (maybe a live
/// transfer) is left alone.
#[test]
fn a_put_cut_mid_transfer_keeps_the_old_file_and_its_leftover_is_cleaned_later() {
    let lab = Lab::new();
    faults::check();
    let dir = unique("cut-put");
    let remote_dir = host_tmp("h2").join(&dir);
    fs::create_dir(&remote_dir).unwrap();
    std::process::Command::new("chown")
        .args(["herd_bob", remote_dir.to_str().unwrap()])
        .status()
        .unwrap();
    let destination = remote_dir.join("big.bin");
    let local = lab.work.path().join("big.bin");
    fs::write(&local, "previous\n").unwrap();
    let inventory = inventory(&lab, "flaky.ini", &flaky());
    let put = |host: &str| {
        lab.herd(&[
            "scp",
            "-i",
            &inventory,
            "-h",
            host,
            "--action",
            "put",
            "--local",
            local.to_str().unwrap(),
            "--remote",
            &format!("/tmp/{dir}/"),
        ])
        .output()
        .unwrap()
    };
    assert_eq!(put("h2").status.code(), Some(0));

    fs::File::create(&local)
        .unwrap()
        .set_len(200_000_000)
        .unwrap();
    let cut = put("flaky");
    assert_eq!(cut.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(stderr.contains("failed      flaky: "), "{stderr}");
    assert_eq!(fs::read_to_string(&destination).unwrap(), "previous\n");
    let leftover = temps_of(&remote_dir, "big.bin");
    assert_eq!(leftover.len(), 1, "the dead link's temp file: {leftover:?}");

    // Age it past the 10 minutes, and add a recent temp file as a live transfer would.
    let old = SystemTime::now() - Duration::from_secs(20 * 60);
    fs::File::options()
        .write(true)
        .open(remote_dir.join(&leftover[0]))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let live = remote_dir.join(".big.bin.herd-LIVE01");
    fs::write(&live, "in progress").unwrap();

    fs::write(&local, "new\n").unwrap();
    let again = put("h2");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(fs::read_to_string(&destination).unwrap(), "new\n");
    assert_eq!(temps_of(&remote_dir, "big.bin"), [".big.bin.herd-LIVE01"]);
    fs::remove_dir_all(&remote_dir).unwrap();
}

/// A get over a link cut mid-file leaves nothing under the final name, and no temp file.
#[test]
fn a_get_cut_mid_transfer_leaves_no_partial_file() {
    let lab = Lab::new();
    faults::check();
    let name = unique("cut-get");
    let source = host_tmp("h2").join(&name);
    fs::File::create(&source)
        .unwrap()
        .set_len(100_000_000)
        .unwrap();
    let inventory = inventory(&lab, "flaky.ini", &flaky());
    let out = lab
        .herd(&[
            "scp",
            "-i",
            &inventory,
            "-h",
            "flaky",
            "--action",
            "get",
            "--remote",
            &format!("/tmp/{name}"),
            "--local",
            "got",
        ])
        .output()
        .unwrap();
    fs::remove_file(&source).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let host_dir = lab.work.path().join("got/flaky");
    let left: Vec<_> = fs::read_dir(&host_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in {}: {left:?}", host_dir.display());
}

/// A host that vanishes mid-command (its network path gone, as at a power cut or a pulled
/// cable) is marked failed once TCP gives up on it (keepalive: 15 s idle + 3 probes 5 s
/// apart), without `--timeout`, instead of after the kernel's ~15 minutes or never.
///
/// herd and a second copy of h1's sshd run in a network namespace of their own (same
/// address, config and host key as h1); the test takes that namespace's loopback down
/// while the command runs, so every packet between them is lost.
#[test]
fn a_host_that_vanishes_mid_command_is_failed_once_keepalive_gives_up() {
    let lab = Lab::new();
    let sshd = SshdCopy::in_dir(lab.work.path());
    let mut cmd = sshd.beside(
        "h1",
        &[],
        &assert_cmd::cargo::cargo_bin("herd"),
        &["run", "-h", "h1", "--cmd", "echo started; exec sleep 3600"],
    );
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    lab.set_up(&mut cmd);
    let mut herd = cmd.spawn().unwrap();
    let namespace = NetworkNamespace::of(herd.id());

    let mut stdout = std::io::BufReader::new(herd.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first, "h1: started\n", "{}", read_all(herd.stderr.take()));
    namespace.take_loopback_down();

    let status = common::wait_with_guard(&mut herd, Duration::from_secs(180));
    let stderr = read_all(herd.stderr.take());
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("failed      h1: "), "{stderr}");
    assert!(
        stderr.contains("reading output: connection lost"),
        "{stderr}"
    );
}

fn read_all(stream: Option<impl std::io::Read>) -> String {
    let mut text = String::new();
    stream.unwrap().read_to_string(&mut text).unwrap();
    text
}

/// The network namespace a process runs in; every process in it is killed on drop.
struct NetworkNamespace {
    pid: u32,
    id: std::path::PathBuf,
}

impl NetworkNamespace {
    /// The namespace of `pid`, once it has left ours (`unshare --net` is not instant).
    fn of(pid: u32) -> NetworkNamespace {
        let ours = fs::read_link("/proc/self/ns/net").unwrap();
        for _ in 0..500 {
            let id = fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
            if id != ours {
                return NetworkNamespace { pid, id };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("process {pid} never entered a network namespace of its own");
    }

    fn take_loopback_down(&self) {
        let done = std::process::Command::new("nsenter")
            .args(["--target", &self.pid.to_string(), "--net"])
            .args(["ip", "link", "set", "lo", "down"])
            .status()
            .unwrap();
        assert!(done.success());
    }
}

impl Drop for NetworkNamespace {
    fn drop(&mut self) {
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if fs::read_link(entry.path().join("ns/net")).is_ok_and(|id| id == self.id) {
                // SAFETY: kill(2) on a process of the namespace this test made.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}
