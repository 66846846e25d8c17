//! Ctrl-C (SIGINT) during a run, against the lab: herd stops starting hosts, ends
//! running commands and unfinished copies, prints the recap and exits 130; a second
//! Ctrl-C exits at once.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::faults::{self, SILENT};
use common::{Lab, host_tmp, temps_of, unique, wait_with_guard};

/// Sends SIGINT to the child, as Ctrl-C in a terminal would.
fn interrupt(child: &Child) {
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
}

/// The lab inventory plus a group `dead` holding `silent`, a host that accepts TCP and
/// never speaks (the fault lab's `SILENT`), written to the work dir as `name`.
fn with_a_silent_host(lab: &Lab, name: &str) -> std::path::PathBuf {
    let (address, port) = SILENT;
    lab.inventory_with(name, |text| {
        format!("{text}\n[dead]\nsilent host={address} port={port} user=nobody\n")
    })
}

/// Reads `count` lines from the child's stdout.
fn read_lines(child: &mut Child, count: usize) -> Vec<String> {
    let mut reader = BufReader::new(child.stdout.as_mut().unwrap());
    (0..count)
        .map(|_| {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            line
        })
        .collect()
}

#[test]
fn ctrl_c_ends_running_commands_and_shows_what_did_not_run() {
    let lab = Lab::new();
    let marker = format!("sleep {}", 900 + std::process::id() % 90);
    let mut child = lab
        .std_cmd("herd")
        .args(["run", "-g", "all", "--forks", "2", "--cmd"])
        .arg(format!("echo started; {marker}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Every host connects at once; the two forks take the first two that answer.
    let mut started: Vec<String> = read_lines(&mut child, 2)
        .iter()
        .map(|line| line.strip_suffix(": started\n").unwrap().to_owned())
        .collect();
    started.sort();
    let not_run: Vec<&str> = ["h1", "h2", "h3", "h4"]
        .into_iter()
        .filter(|host| !started.iter().any(|s| s == host))
        .collect();
    assert_eq!(not_run.len(), 2, "{started:?}");
    interrupt(&child);
    let status = wait_with_guard(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("herd: 4 hosts: 0 ok, 2 failed, 2 not run"),
        "{stderr}"
    );
    for host in &started {
        assert!(
            stderr.contains(&format!("failed      {host}: cancelled")),
            "{stderr}"
        );
    }
    let shown_not_run = stderr
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("not run"))
        .unwrap_or_else(|| panic!("no not-run line: {stderr}"))
        .trim()
        .to_owned();
    // herd folds host names: two adjacent ones as `h[3-4]`, others as `h[1,3]`.
    let numbers: Vec<u8> = not_run.iter().map(|h| h[1..].parse().unwrap()).collect();
    let separator = if numbers[0] + 1 == numbers[1] {
        '-'
    } else {
        ','
    };
    let expected = format!("h[{}{separator}{}]", numbers[0], numbers[1]);
    assert_eq!(shown_not_run, expected, "{stderr}");
    assert!(stderr.contains("interrupted: 2 hosts not run"), "{stderr}");
    let left = common::processes_left(&marker);
    assert!(left.is_empty(), "`{marker}` still runs on a host: {left:?}");
}

#[test]
fn ctrl_c_while_connecting_stops_waiting_at_once() {
    let lab = Lab::new();
    faults::check();
    let inventory = with_a_silent_host(&lab, "silent.ini");
    let marker = format!("sleep {}", 990 + std::process::id() % 9);
    let mut child = lab
        .std_cmd("herd")
        .args(["run", "-i", inventory.to_str().unwrap(), "-h", "silent,h1"])
        .args(["--connect-timeout", "3600", "--cmd"])
        .arg(format!("echo started; {marker}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(read_lines(&mut child, 1), ["h1: started\n"]);
    interrupt(&child);
    // Without a cancellable connect, herd would wait out the hour-long connect timeout.
    let status = wait_with_guard(&mut child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("not run     silent"), "{stderr}");
    assert!(stderr.contains("failed      h1: cancelled"), "{stderr}");
    let left = common::processes_left(&marker);
    assert!(left.is_empty(), "`{marker}` still runs on a host: {left:?}");
}

#[test]
fn ctrl_c_during_a_put_removes_its_temp_file_and_keeps_the_old_one() {
    let lab = Lab::new();
    let dir = unique("interrupted-put");
    let remote_dir = host_tmp("h1").join(&dir);
    fs::create_dir(&remote_dir).unwrap();
    fs::write(remote_dir.join("big.bin"), "previous\n").unwrap();
    std::process::Command::new("chown")
        .args(["-R", "herd_alice", remote_dir.to_str().unwrap()])
        .status()
        .unwrap();
    let local = lab.work.path().join("big.bin");
    // 2 GB, sparse: quick to read here, long enough on the wire to be interrupted.
    fs::File::create(&local)
        .unwrap()
        .set_len(2_000_000_000)
        .unwrap();
    let mut child = lab
        .std_cmd("herd")
        .args(["scp", "-h", "h1", "--action", "put", "--local"])
        .arg(&local)
        .args(["--remote", &format!("/tmp/{dir}/")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let growing = loop {
        let temps = temps_of(&remote_dir, "big.bin");
        if let Some(temp) = temps.first() {
            if fs::metadata(remote_dir.join(temp)).is_ok_and(|m| m.len() > 0) {
                break temp.clone();
            }
        }
        assert!(child.try_wait().unwrap().is_none(), "the put ended early");
        thread::sleep(Duration::from_millis(10));
    };
    interrupt(&child);
    let status = wait_with_guard(&mut child, Duration::from_secs(60));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("failed      h1: cancelled"), "{stderr}");
    assert!(
        !remote_dir.join(&growing).exists(),
        "temp file {growing} left on h1"
    );
    assert_eq!(temps_of(&remote_dir, "big.bin"), Vec::<String>::new());
    assert_eq!(
        fs::read_to_string(remote_dir.join("big.bin")).unwrap(),
        "previous\n"
    );
    fs::remove_dir_all(&remote_dir).unwrap();
}

/// The first Ctrl-C cannot finish here: herd's stdout is a pipe nobody reads after the
/// first line, so its output (and the run) is stuck. Ctrl-C is pressed until herd ends: the first sets the
/// flag, a later one must end herd at once with 130.
#[test]
fn a_second_ctrl_c_exits_at_once() {
    let lab = Lab::new();
    let mut child = lab
        .std_cmd("herd")
        .args(["run", "-h", "h4", "--cmd", "yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Output flows, so the run (and Ctrl-C handling) has started; then nobody reads.
    assert_eq!(read_lines(&mut child, 1), ["h4: y\n"]);
    let started = Instant::now();
    let status = loop {
        interrupt(&child);
        thread::sleep(Duration::from_millis(200));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("repeated Ctrl-C did not end herd");
        }
    };
    assert_eq!(status.code(), Some(130));
    drop(child.stdout.take());
}

#[test]
fn ctrl_c_during_a_get_leaves_no_local_file() {
    let lab = Lab::new();
    let name = unique("interrupted-get");
    let source = host_tmp("h3").join(&name);
    let (mut child, host_dir) = a_get_under_way(&lab, &source);
    interrupt(&child);
    let status = wait_with_guard(&mut child, Duration::from_secs(60));
    fs::remove_file(&source).unwrap();
    assert_eq!(status.code(), Some(130));
    let left: Vec<_> = fs::read_dir(&host_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A herd killed outright (SIGKILL: no cleanup possible) during a get leaves only its
/// hidden temp file, never a partial file under the real name; a later get into the
/// same folder removes it once it is 10 minutes old, and leaves a live one alone.
#[test]
fn a_get_killed_outright_leaves_a_temp_file_that_a_later_get_removes() {
    let lab = Lab::new();
    let name = unique("killed-get");
    let source = host_tmp("h3").join(&name);
    let (mut child, host_dir) = a_get_under_way(&lab, &source);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !host_dir.join(&name).exists(),
        "a partial file under the real name"
    );
    let leftover = temps_of(&host_dir, &name);
    assert_eq!(
        leftover.len(),
        1,
        "the killed get's temp file: {leftover:?}"
    );

    // Age it past the 10 minutes, and add a recent temp file as a live get would.
    fs::File::options()
        .write(true)
        .open(host_dir.join(&leftover[0]))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(20 * 60))
        .unwrap();
    let live = format!(".{name}.herd-LIVE01");
    fs::write(host_dir.join(&live), "in progress").unwrap();

    fs::write(&source, "whole\n").unwrap();
    let again = lab
        .herd(&["scp", "-h", "h3", "--action", "get", "--local", "got"])
        .args(["--remote", &format!("/tmp/{name}")])
        .output()
        .unwrap();
    fs::remove_file(&source).unwrap();
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert_eq!(fs::read_to_string(host_dir.join(&name)).unwrap(), "whole\n");
    assert_eq!(temps_of(&host_dir, &name), [live]);
}

/// Starts `herd scp --action get` of a new 2 GB (sparse) `source` on h3 into `got/`, and
/// returns once bytes are arriving in the local temp file, with the host's folder.
fn a_get_under_way(lab: &Lab, source: &std::path::Path) -> (Child, std::path::PathBuf) {
    fs::File::create(source)
        .unwrap()
        .set_len(2_000_000_000)
        .unwrap();
    let name = source.file_name().unwrap().to_str().unwrap();
    let mut child = lab
        .std_cmd("herd")
        .args(["scp", "-h", "h3", "--action", "get", "--local", "got"])
        .args(["--remote", &format!("/tmp/{name}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let host_dir = lab.work.path().join("got/h3");
    loop {
        let growing = host_dir.is_dir()
            && temps_of(&host_dir, name)
                .first()
                .is_some_and(|temp| fs::metadata(host_dir.join(temp)).is_ok_and(|m| m.len() > 0));
        if growing {
            return (child, host_dir);
        }
        assert!(child.try_wait().unwrap().is_none(), "the get ended early");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ctrl_c_during_a_playbook_stops_it_and_shows_what_did_not_run() {
    let lab = Lab::new();
    faults::check();
    let inventory = with_a_silent_host(&lab, "play-silent.ini");
    let marker = format!("sleep {}", 1100 + std::process::id() % 90);
    let playbook = lab.work.path().join("slow.yml");
    fs::write(
        &playbook,
        format!(
            "- hosts: h1:silent\n  steps:\n    - run: echo started; {marker}\n    - run: echo never\n"
        ),
    )
    .unwrap();
    let mut child = lab
        .std_cmd("herd")
        .args(["play", "-i", inventory.to_str().unwrap()])
        .args(["--connect-timeout", "3600", playbook.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while line != "h1: started\n" {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "herd play ended early"
        );
    }
    interrupt(&child);
    let status = wait_with_guard(&mut child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    assert!(!rest.contains("never"), "a step ran after Ctrl-C: {rest}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("not run     silent"), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left = common::processes_left(&marker);
    assert!(left.is_empty(), "`{marker}` still runs on a host: {left:?}");
}
