//! Many hosts within default limits: a playbook holds at most a budget of SSH sessions
//! (open-files limit and memory), closing idle ones and reconnecting them for later steps,
//! and says so; no host fails for want of file descriptors. Against the fault lab's
//! relays to h1 (distinct names and ports, one real sshd behind them).

mod common;

use common::Lab;
use common::faults::{self, RELAY_ADDRESS};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// h1's host key as the lab's known_hosts has it (type and key).
fn h1_key() -> String {
    std::fs::read_to_string(common::lab_dir().join("state/known_hosts"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("127.0.0.11 ").map(str::to_owned))
        .unwrap()
}

/// An inventory of `count` relay hosts and a known_hosts that knows them all.
fn relays(lab: &Lab, count: u16) -> (String, String) {
    let h1_key = h1_key();
    let mut inventory = String::from("[relays]\n");
    let mut known = String::new();
    for port in 30000..30000 + count {
        inventory.push_str(&format!(
            "r{port} host={RELAY_ADDRESS} port={port} user=herd_alice password=alice-lab-pw\n"
        ));
        known.push_str(&format!("[{RELAY_ADDRESS}]:{port} {h1_key}\n"));
    }
    let inventory_path = lab.work.path().join("relays.ini");
    common::write_private(&inventory_path, &inventory);
    let known_path = lab.work.path().join("known_hosts");
    std::fs::write(&known_path, known).unwrap();
    (
        inventory_path.to_str().unwrap().to_owned(),
        known_path.to_str().unwrap().to_owned(),
    )
}

#[test]
fn a_playbook_on_more_hosts_than_the_open_files_limit_allows_ends_with_every_host_ok() {
    let lab = Lab::new();
    faults::check();
    let (inventory, known) = relays(&lab, 600);
    let playbook = lab.work.path().join("two.yml");
    std::fs::write(
        &playbook,
        "- hosts: relays\n  steps:\n    - run: 'true'\n    - run: 'echo second'\n",
    )
    .unwrap();
    // 256 descriptors, soft and hard: 600 held sessions could never fit.
    let herd = assert_cmd::cargo::cargo_bin("herd");
    let mut command = std::process::Command::new("sh");
    command.args([
        "-c",
        &format!(
            "ulimit -n 256 && exec {} play {} -i {inventory} --known-hosts {known} --ssh-config none --connect-timeout 60",
            herd.display(),
            playbook.display()
        ),
    ]);
    lab.set_up(&mut command);
    let out = command.output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("600 hosts: 600 ok"), "{stderr}");
    assert_eq!(
        text(&out.stdout)
            .lines()
            .filter(|l| l.ends_with(": second"))
            .count(),
        600
    );
    assert!(!stderr.contains("Too many open files"), "{stderr}");
    assert!(
        stderr.contains("herd: held at most 96 SSH sessions at once"),
        "the recap says sessions were closed and reopened: {stderr}"
    );
}

#[test]
fn max_sessions_bounds_the_sessions_held_between_steps() {
    let lab = Lab::new();
    let playbook = lab.work.path().join("three.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  steps:\n    - run: 'true'\n    - run: 'true'\n    - run: 'echo done'\n",
    )
    .unwrap();
    let out = lab
        .herd(&[
            "play",
            playbook.to_str().unwrap(),
            "--forks",
            "1",
            "--max-sessions",
            "1",
        ])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        text(&out.stdout)
            .lines()
            .filter(|l| l.ends_with(": done"))
            .count(),
        4
    );
    // 4 hosts, 1 session at a time: every later step reconnects 3 of them, or all 4.
    let note = stderr
        .lines()
        .find(|l| l.starts_with("herd: held at most 1 SSH sessions at once"))
        .unwrap_or_else(|| panic!("no note: {stderr}"));
    assert!(note.contains("host connections were made again"), "{note}");
    let json = lab
        .herd(&[
            "play",
            playbook.to_str().unwrap(),
            "--forks",
            "1",
            "--max-sessions",
            "1",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        text(&json.stdout).contains("\"event\":\"sessions_reopened\",\"limit\":1"),
        "{}",
        text(&json.stdout)
    );
}

/// An inventory of `count` names that all log in to `address`:`port` as h1's user, and a
/// known_hosts that knows that server as h1.
fn names_of_one_server(lab: &Lab, count: usize, address: &str, port: u16) -> (String, String) {
    let h1_key = h1_key();
    let mut inventory = String::from("[many]\n");
    for n in 0..count {
        inventory.push_str(&format!(
            "n{n:04} host={address} port={port} user=herd_alice password=alice-lab-pw\n"
        ));
    }
    let inventory_path = lab.work.path().join(format!("many-{port}.ini"));
    common::write_private(&inventory_path, &inventory);
    let known_path = lab.work.path().join(format!("known_hosts-{port}"));
    let pattern = if port == 22 {
        address.to_owned()
    } else {
        format!("[{address}]:{port}")
    };
    std::fs::write(&known_path, format!("{pattern} {h1_key}\n")).unwrap();
    (
        inventory_path.to_str().unwrap().to_owned(),
        known_path.to_str().unwrap().to_owned(),
    )
}

#[test]
fn at_most_64_logins_to_one_server_are_in_progress_at_once_and_waiting_is_not_a_timeout() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let lab = Lab::new();
    // A server that accepts, holds every connection without a word, and hangs up on all it
    // holds when the test says: each round of logins stays in progress until then.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let accepted = Arc::new(AtomicUsize::new(0));
    {
        let (held, accepted) = (Arc::clone(&held), Arc::clone(&accepted));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                held.lock().unwrap().push(stream);
                accepted.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    let (inventory, known) = names_of_one_server(&lab, 200, "127.0.0.1", port);
    let herd = lab
        .std_cmd("herd")
        .args([
            "run",
            "-i",
            &inventory,
            "-g",
            "many",
            "--known-hosts",
            &known,
            "--ssh-config",
            "none",
            "--forks",
            "256",
            "--connect-timeout",
            "4",
            "--cmd",
            "true",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let herd = std::thread::spawn(move || herd.wait_with_output().unwrap());
    // Each round: wait until no login has arrived for half a second, hold them a second
    // more, then hang up on them all; the next round is the logins let in after that.
    // Every login of a round is open at once when the round ends (none times out within
    // its 4 s), so a round's size is the most logins in progress at once.
    let mut rounds = Vec::new();
    while !herd.is_finished() {
        let before = accepted.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(500));
        if accepted.load(Ordering::SeqCst) != before || held.lock().unwrap().is_empty() {
            continue;
        }
        std::thread::sleep(Duration::from_secs(1));
        rounds.push(held.lock().unwrap().drain(..).count());
    }
    let out = herd.join().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(rounds, [64, 64, 64, 8], "{stderr}");
    // The last round waited three rounds (well over its 4 s connect timeout) for its
    // turn: none timed out, every login ended with the server's hang-up (no banner).
    assert!(!stderr.contains("timed out"), "{stderr}");
    assert!(
        stderr.contains("200 hosts: 0 ok, 200 unreachable"),
        "{stderr}"
    );
}

#[test]
fn hundreds_of_names_of_one_busy_server_all_log_in_at_forks_256() {
    let lab = Lab::new();
    let (inventory, known) = names_of_one_server(&lab, 300, "127.0.0.11", 22);
    let out = lab
        .herd(&[
            "run",
            "-i",
            &inventory,
            "-g",
            "many",
            "--known-hosts",
            &known,
            "--ssh-config",
            "none",
            "--forks",
            "256",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("300 hosts: 300 ok"), "{stderr}");
}
