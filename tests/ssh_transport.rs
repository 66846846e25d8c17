//! The SSH transport against real OpenSSH servers: the repo's lab (lab/lab.sh up) and
//! throwaway sshd/TCP listeners on 127.0.0.60-69 for special cases.

#[path = "ssh_transport/lab.rs"]
mod lab;
#[path = "ssh_transport/sshd.rs"]
mod sshd;

use std::collections::BTreeSet;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use herd::event::Stream;
use herd::secret::Secret;
use herd::ssh::{
    ConnectError, ConnectOptions, ExecRequest, FileTransferred, HostKeyChecking, KnownHosts,
    OperationError, Transport, connect,
};
use lab::{RemoteDir, alice, bob, carol_without_password, connect_lab, dave, options, run, state};
use sshd::TestSshd;

fn known_hosts_file(dir: &Path, text: &str, mode: HostKeyChecking) -> KnownHosts {
    let path = dir.join("known_hosts");
    fs::write(&path, text).expect("write known_hosts");
    KnownHosts::open(path, mode).expect("open known_hosts")
}

fn lab_key_line(name: &str) -> String {
    let text = fs::read_to_string(state("known_hosts")).expect("lab known_hosts");
    text.lines()
        .find(|line| line.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} in lab known_hosts"))
        .to_owned()
}

// ---------------------------------------------------------------- authentication

#[test]
fn password_authentication() {
    let mut connection = connect_lab(&alice());
    let ran = run(&mut connection, "id -un");
    assert_eq!(ran.stdout_text(), "herd_alice\n");
}

#[test]
fn key_file_authentication() {
    let mut connection = connect_lab(&dave());
    assert_eq!(run(&mut connection, "id -un").stdout_text(), "herd_dave\n");
}

#[test]
fn ask_pass_is_used_for_hosts_without_a_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let known_hosts = lab::lab_known_hosts(dir.path());
    let options = ConnectOptions {
        ask_pass: Some(Secret::new("carol-lab-pw")),
        ..options(HostKeyChecking::Strict)
    };
    let mut connection =
        connect(&carol_without_password(), &options, &known_hosts).expect("connect");
    assert_eq!(run(&mut connection, "id -un").stdout_text(), "herd_carol\n");
}

#[test]
fn wrong_password_is_refused_with_the_exact_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let known_hosts = lab::lab_known_hosts(dir.path());
    let host = herd::ssh::HostSpec {
        password: Some(Secret::new("not-the-password")),
        ..bob()
    };
    let error = connect(&host, &options(HostKeyChecking::Strict), &known_hosts)
        .err()
        .expect("refused");
    assert!(
        matches!(error, ConnectError::AuthenticationFailed { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("authentication failed for herd_bob@127.0.0.12:2222 (tried: password"),
        "{message}"
    );
    assert!(!message.contains("not-the-password"));
}

#[test]
fn key_only_host_without_a_key_names_what_it_offers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let known_hosts = lab::lab_known_hosts(dir.path());
    let host = herd::ssh::HostSpec {
        key_file: None,
        password: Some(Secret::new("pw")),
        ..dave()
    };
    let error = connect(&host, &options(HostKeyChecking::Strict), &known_hosts)
        .err()
        .expect("refused");
    assert!(
        error
            .to_string()
            .starts_with("authentication failed for herd_dave@127.0.0.14:2223 ("),
        "{error}"
    );
}

#[test]
fn passphrase_protected_keys() {
    let server = TestSshd::start(&[("127.0.0.61", 2201)], "s3cret-phrase");
    let known_hosts = KnownHosts::open(Default::default(), HostKeyChecking::Off).expect("off");
    let options = options(HostKeyChecking::Off);

    let host = server.host("127.0.0.61", 2201, Some("s3cret-phrase"));
    let mut connection = connect(&host, &options, &known_hosts).expect("right passphrase");
    assert_eq!(run(&mut connection, "echo ok").stdout_text(), "ok\n");

    let host = server.host("127.0.0.61", 2201, Some("wrong-phrase"));
    let error = connect(&host, &options, &known_hosts)
        .err()
        .expect("wrong passphrase");
    let key = server.client_key().display().to_string();
    assert_eq!(
        error.to_string(),
        format!("cannot use key file {key}: wrong passphrase")
    );
    assert!(!format!("{error} {error:?}").contains("wrong-phrase"));

    let host = server.host("127.0.0.61", 2201, None);
    let error = connect(&host, &options, &known_hosts)
        .err()
        .expect("no passphrase");
    assert_eq!(
        error.to_string(),
        format!(
            "cannot use key file {key}: it is protected by a passphrase; give it with key_passphrase_env"
        )
    );

    let mut host = server.host("127.0.0.61", 2201, None);
    host.key_file = Some("/nonexistent/key".into());
    let error = connect(&host, &options, &known_hosts)
        .err()
        .expect("missing key");
    assert!(
        error
            .to_string()
            .starts_with("cannot use key file /nonexistent/key: cannot read it:"),
        "{error}"
    );
}

// ---------------------------------------------------------------- reaching hosts

fn nobody_at(address: &str, port: u16) -> herd::ssh::HostSpec {
    herd::ssh::HostSpec {
        address: address.into(),
        port,
        user: "nobody".into(),
        password: None,
        key_file: None,
        key_passphrase: None,
        ..Default::default()
    }
}

#[test]
fn refused_connections_fail_fast() {
    let listener = TcpListener::bind("127.0.0.60:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let host = nobody_at("127.0.0.60", port);
    let known_hosts = KnownHosts::open(Default::default(), HostKeyChecking::Off).expect("off");
    let started = Instant::now();
    let error = connect(&host, &options(HostKeyChecking::Off), &known_hosts)
        .err()
        .expect("refused");
    assert_eq!(
        error.to_string(),
        format!("connection refused (127.0.0.60:{port})")
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_listener_that_never_speaks_times_out_within_the_connect_timeout() {
    let listener = TcpListener::bind("127.0.0.60:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let host = nobody_at("127.0.0.60", port);
    let known_hosts = KnownHosts::open(Default::default(), HostKeyChecking::Off).expect("off");
    let options = ConnectOptions {
        connect_timeout: Duration::from_secs(1),
        ..options(HostKeyChecking::Off)
    };
    let started = Instant::now();
    let error = connect(&host, &options, &known_hosts)
        .err()
        .expect("timeout");
    let elapsed = started.elapsed();
    assert!(matches!(error, ConnectError::TimedOut { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("connection to 127.0.0.60:{port} timed out after 1s (SSH banner)")
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    drop(listener);
}

#[test]
fn prefers_curve25519_and_chacha20() {
    let connection = connect_lab(&bob());
    assert_eq!(connection.kex().as_deref(), Some("curve25519-sha256"));
    assert_eq!(
        connection.cipher().as_deref(),
        Some("chacha20-poly1305@openssh.com")
    );
}

// ---------------------------------------------------------------- host keys

#[test]
fn strict_refuses_unknown_hosts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let known_hosts = known_hosts_file(dir.path(), "", HostKeyChecking::Strict);
    let error = connect(&bob(), &options(HostKeyChecking::Strict), &known_hosts)
        .err()
        .expect("unknown");
    let file = known_hosts.path().display();
    assert_eq!(
        error.to_string(),
        format!(
            "host key for [127.0.0.12]:2222 not in {file}; add it with ssh-keyscan or use --host-key-checking accept-new"
        )
    );
    assert_eq!(fs::read_to_string(known_hosts.path()).expect("read"), "");
}

#[test]
fn strict_accepts_hashed_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("known_hosts");
    fs::copy(state("known_hosts"), &path).expect("copy");
    let status = std::process::Command::new("ssh-keygen")
        .arg("-q")
        .arg("-H")
        .arg("-f")
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("ssh-keygen -H");
    assert!(status.success());
    assert!(fs::read_to_string(&path).expect("read").starts_with("|1|"));
    let known_hosts = KnownHosts::open(path, HostKeyChecking::Strict).expect("open");
    for host in [alice(), bob()] {
        connect(&host, &options(HostKeyChecking::Strict), &known_hosts)
            .unwrap_or_else(|error| panic!("{error}"));
    }
}

#[test]
fn accept_new_appends_one_line_per_new_host() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ssh/known_hosts");
    let known_hosts = KnownHosts::open(path.clone(), HostKeyChecking::AcceptNew).expect("open");
    for _ in 0..2 {
        for host in [alice(), bob()] {
            connect(&host, &options(HostKeyChecking::AcceptNew), &known_hosts)
                .unwrap_or_else(|error| panic!("{error}"));
        }
    }
    let expected = format!(
        "{}\n{}\n",
        lab_key_line("127.0.0.11"),
        lab_key_line("[127.0.0.12]:2222")
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), expected);
    let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("ssh")), 0o700);
}

#[test]
fn changed_keys_are_refused_naming_the_line() {
    let wrong = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let text = format!(
        "# lab hosts\n{}\n[127.0.0.12]:2222 ssh-ed25519 {wrong}\n",
        lab_key_line("127.0.0.11")
    );
    for mode in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
        let dir = tempfile::tempdir().expect("temp dir");
        let known_hosts = known_hosts_file(dir.path(), &text, mode);
        let error = connect(&bob(), &options(mode), &known_hosts)
            .err()
            .expect("changed");
        let file = known_hosts.path().display();
        assert_eq!(
            error.to_string(),
            format!(
                "host key for 127.0.0.12:2222 has CHANGED (known_hosts line 3 in {file}); if the change is expected remove that line: ssh-keygen -R '[127.0.0.12]:2222' -f {file}"
            )
        );
        assert_eq!(
            fs::read_to_string(known_hosts.path()).expect("read"),
            text,
            "file untouched"
        );
        connect(&alice(), &options(mode), &known_hosts).expect("the other host is fine");
    }
}

#[test]
fn revoked_keys_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = lab_key_line("[127.0.0.12]:2222");
    let key = key.split_once(' ').expect("key").1;
    let text = format!("{}\n@revoked * {key}\n", lab_key_line("[127.0.0.12]:2222"));
    let known_hosts = known_hosts_file(dir.path(), &text, HostKeyChecking::AcceptNew);
    let error = connect(&bob(), &options(HostKeyChecking::AcceptNew), &known_hosts)
        .err()
        .expect("revoked");
    assert!(
        error
            .to_string()
            .contains("is REVOKED (known_hosts line 2 in "),
        "{error}"
    );
}

#[test]
fn off_checks_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = "[127.0.0.12]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    let known_hosts = known_hosts_file(dir.path(), wrong, HostKeyChecking::Off);
    connect(&bob(), &options(HostKeyChecking::Off), &known_hosts).expect("off connects");
    assert_eq!(fs::read_to_string(known_hosts.path()).expect("read"), wrong);
}

#[test]
fn accept_new_under_200_concurrent_connections_writes_each_host_once() {
    let addresses: Vec<String> = (62..=69).map(|n| format!("127.0.0.{n}")).collect();
    let listen: Vec<(&str, u16)> = addresses
        .iter()
        .flat_map(|address| [(address.as_str(), 2201), (address.as_str(), 2202)])
        .collect();
    let server = TestSshd::start(&listen, "");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("known_hosts");
    fs::write(&path, "# existing comment\n").expect("seed");
    // Two readers of the same file stand in for two herd processes.
    let files: Vec<Arc<KnownHosts>> = (0..2)
        .map(|_| {
            Arc::new(KnownHosts::open(path.clone(), HostKeyChecking::AcceptNew).expect("open"))
        })
        .collect();
    let mut names: Vec<herd::ssh::HostSpec> = listen
        .iter()
        .map(|(address, port)| server.host(address, *port, None))
        .collect();
    names.push(alice());
    names.push(bob());
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let host = names[i % names.len()].clone();
            let known_hosts = Arc::clone(&files[i % 2]);
            std::thread::spawn(move || {
                let options = ConnectOptions {
                    connect_timeout: Duration::from_secs(60),
                    ..options(HostKeyChecking::AcceptNew)
                };
                connect(&host, &options, &known_hosts)
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread").expect("connect");
    }
    let text = fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + names.len(), "{text}");
    assert_eq!(lines[0], "# existing comment");
    let written: BTreeSet<&str> = lines[1..]
        .iter()
        .map(|line| line.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(written.len(), names.len(), "each host once: {text}");
    let host_key = server.host_key();
    for (address, port) in &listen {
        assert!(
            lines.contains(&format!("[{address}]:{port} {host_key}").as_str()),
            "{text}"
        );
    }
    assert!(lines.contains(&lab_key_line("127.0.0.11").as_str()));
    assert!(text.ends_with('\n'));
}

// ---------------------------------------------------------------- exec

fn exec_with(
    connection: &mut impl Transport,
    command: &str,
    stdin: Option<&[u8]>,
    timeout: Option<Duration>,
    cancel: &AtomicBool,
) -> (Result<i32, OperationError>, Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let request = ExecRequest {
        stdin,
        stdin_stream: None,
        timeout,
        cancel,
    };
    let result = connection.exec(command, request, &mut |stream, data| match stream {
        Stream::Stdout => out.extend_from_slice(data),
        Stream::Stderr => err.extend_from_slice(data),
    });
    (result, out, err)
}

#[test]
fn exit_statuses_and_separate_streams_on_one_session() {
    let mut connection = connect_lab(&bob());
    assert_eq!(run(&mut connection, "true").status, 0);
    assert_eq!(run(&mut connection, "exit 3").status, 3);
    assert_eq!(run(&mut connection, "kill -TERM $$").status, 143);
    let ran = run(&mut connection, "echo out; echo err >&2; echo out2");
    assert_eq!(ran.stdout, b"out\nout2\n");
    assert_eq!(ran.stderr, b"err\n");
    assert_eq!(
        run(&mut connection, "echo $0 | grep -c bash").stdout_text(),
        "1\n",
        "the user's shell"
    );
}

#[test]
fn stdin_is_written_then_closed() {
    let mut connection = connect_lab(&alice());
    let cancel = AtomicBool::new(false);
    let (status, out, _) = exec_with(&mut connection, "cat", Some(b"hello\nworld"), None, &cancel);
    assert_eq!(status.expect("exec"), 0);
    assert_eq!(out, b"hello\nworld");
    let big = vec![b'x'; 5 * 1024 * 1024 + 7];
    let (status, out, _) = exec_with(&mut connection, "wc -c", Some(&big), None, &cancel);
    assert_eq!(status.expect("exec"), 0);
    assert_eq!(
        String::from_utf8_lossy(&out).trim(),
        (5 * 1024 * 1024 + 7).to_string()
    );
    // A command that ignores its input still finishes.
    let (status, _, _) = exec_with(&mut connection, "exit 4", Some(&big), None, &cancel);
    assert_eq!(status.expect("exec"), 4);
    // Without stdin the command sees end-of-file at once.
    assert_eq!(
        run(&mut connection, "cat; echo done").stdout_text(),
        "done\n"
    );
}

#[test]
fn twenty_megabytes_interleaved_on_both_streams() {
    let mut connection = connect_lab(&carol_with_password());
    let ran = run(
        &mut connection,
        "for i in $(seq 10); do head -c 1048576 /dev/zero; head -c 1048575 /dev/zero >&2; done",
    );
    assert_eq!(ran.status, 0);
    assert_eq!(ran.stdout.len(), 10 * 1048576);
    assert_eq!(ran.stderr.len(), 10 * 1048575);
}

fn carol_with_password() -> herd::ssh::HostSpec {
    herd::ssh::HostSpec {
        password: Some(Secret::new("carol-lab-pw")),
        ..carol_without_password()
    }
}

fn thread_cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

#[test]
fn output_streams_as_it_comes_and_waiting_costs_no_cpu() {
    let mut connection = connect_lab(&alice());
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let cpu_before = thread_cpu_time();
    let mut arrivals = Vec::new();
    let request = ExecRequest {
        stdin_stream: None,
        stdin: None,
        timeout: None,
        cancel: &cancel,
    };
    let status = connection
        .exec("echo one; sleep 2; echo two", request, &mut |_, data| {
            arrivals.push((started.elapsed(), data.to_vec()))
        })
        .expect("exec");
    let cpu = thread_cpu_time() - cpu_before;
    assert_eq!(status, 0);
    assert_eq!(arrivals.len(), 2, "{arrivals:?}");
    assert_eq!(arrivals[0].1, b"one\n");
    assert!(
        arrivals[1].0 - arrivals[0].0 >= Duration::from_millis(1500),
        "{arrivals:?}"
    );
    assert!(
        cpu < Duration::from_millis(500),
        "waiting 2s cost {cpu:?} of CPU"
    );
}

/// Whether no process on the host matches `pattern` (pgrep -f) within 5 s: time for an
/// ended process to finish exiting. Each caller's command would otherwise run for hours.
fn processes_gone(connection: &mut impl Transport, pattern: &str) -> bool {
    let cancel = AtomicBool::new(false);
    // The [x] trick keeps pgrep from matching its own shell.
    let (status, out, _) = exec_with(
        connection,
        &format!(
            "for try in $(seq 50); do pgrep -f '{pattern}' >/dev/null || {{ echo gone; exit; }}; \
             sleep 0.1; done"
        ),
        None,
        None,
        &cancel,
    );
    status.expect("pgrep") == 0 && out == b"gone\n"
}

#[test]
fn timeout_ends_the_remote_process_group() {
    let mut connection = connect_lab(&bob());
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let (result, out, _) = exec_with(
        &mut connection,
        "echo started; sleep 6101 & sleep 6101; echo never",
        None,
        Some(Duration::from_secs(1)),
        &cancel,
    );
    let elapsed = started.elapsed();
    match result {
        Err(OperationError::TimedOut(after)) => assert_eq!(after, Duration::from_secs(1)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(out, b"started\n");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(
        processes_gone(&mut connection, "sleep 610[1]"),
        "sleep 6101 still runs"
    );
    // The session is still usable.
    assert_eq!(run(&mut connection, "echo after").stdout_text(), "after\n");
}

#[test]
fn the_status_waits_for_the_command_to_exit_after_closing_its_output() {
    let mut connection = connect_lab(&alice());
    let ran = run(&mut connection, "echo bye; exec >&- 2>&-; sleep 1; exit 7");
    assert_eq!((ran.stdout_text().as_str(), ran.status), ("bye\n", 7));
}

#[test]
fn timeout_while_stdin_is_still_being_written() {
    let mut connection = connect_lab(&alice());
    let cancel = AtomicBool::new(false);
    let input = vec![b'y'; 20 * 1024 * 1024];
    let (result, _, _) = exec_with(
        &mut connection,
        "sleep 6104",
        Some(&input),
        Some(Duration::from_secs(1)),
        &cancel,
    );
    assert!(
        matches!(result, Err(OperationError::TimedOut(_))),
        "{result:?}"
    );
    assert!(
        processes_gone(&mut connection, "sleep 610[4]"),
        "sleep 6104 still runs"
    );
    assert_eq!(run(&mut connection, "echo after").stdout_text(), "after\n");
}

#[test]
fn a_command_ignoring_sigterm_is_killed() {
    let mut connection = connect_lab(&bob());
    let cancel = AtomicBool::new(false);
    let (result, _, _) = exec_with(
        &mut connection,
        "trap '' TERM; sleep 6102",
        None,
        Some(Duration::from_millis(300)),
        &cancel,
    );
    assert!(
        matches!(result, Err(OperationError::TimedOut(_))),
        "{result:?}"
    );
    assert!(
        processes_gone(&mut connection, "sleep 610[2]"),
        "sleep 6102 still runs"
    );
}

#[test]
fn cancel_ends_the_remote_process() {
    let mut connection = connect_lab(&alice());
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        flag.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let (result, _, _) = exec_with(&mut connection, "sleep 6103", None, None, &cancel);
    setter.join().expect("setter");
    assert!(
        matches!(result, Err(OperationError::Cancelled)),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        processes_gone(&mut connection, "sleep 610[3]"),
        "sleep 6103 still runs"
    );
}

// ---------------------------------------------------------------- transfers

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn collect(files: &mut Vec<FileTransferred>) -> impl FnMut(FileTransferred) + '_ {
    move |file| files.push(file)
}

#[test]
fn fifty_megabyte_round_trip() {
    let host = alice();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "big");
    let local = tempfile::tempdir().expect("temp dir");
    let source = local.path().join("big.bin");
    let data: Vec<u8> = (0..50 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    fs::write(&source, &data).expect("write");
    set_mode(&source, 0o640);

    let mut files = Vec::new();
    let started = Instant::now();
    connection
        .put(
            &source,
            &format!("{}/", remote.path),
            &mut collect(&mut files),
        )
        .expect("put");
    let put_time = started.elapsed();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].bytes, data.len() as u64);
    assert_eq!(files[0].destination, format!("{}/big.bin", remote.path));
    let ran = run(
        &mut connection,
        &format!(
            "stat -c '%s %a' {}/big.bin; ls -a {}",
            remote.path, remote.path
        ),
    );
    assert_eq!(
        ran.stdout_text(),
        format!("{} 640\n.\n..\nbig.bin\n", data.len())
    );

    let back = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    let started = Instant::now();
    connection
        .get(
            &format!("{}/big.bin", remote.path),
            back.path(),
            &mut collect(&mut files),
        )
        .expect("get");
    let get_time = started.elapsed();
    let copy = back.path().join("big.bin");
    assert!(fs::read(&copy).expect("read") == data, "content differs");
    assert_eq!(mode_of(&copy), 0o640);
    assert_eq!(files[0].bytes, data.len() as u64);
    assert_eq!(
        fs::read_dir(back.path()).expect("list").count(),
        1,
        "no temp files left"
    );
    let rate = |time: Duration| 50.0 / time.as_secs_f64();
    eprintln!(
        "50 MB: put {:.0} MB/s, get {:.0} MB/s (cipher {:?})",
        rate(put_time),
        rate(get_time),
        connection.cipher()
    );
}

fn make_tree(root: &Path) {
    fs::create_dir_all(root.join("conf.d/nested/deeper")).expect("dirs");
    fs::create_dir_all(root.join("private")).expect("dirs");
    fs::write(root.join("app.conf"), "main = 1\n").expect("file");
    fs::write(root.join("run.sh"), "#!/bin/sh\necho hi\n").expect("file");
    fs::write(root.join("conf.d/a.conf"), "a\n").expect("file");
    fs::write(root.join("conf.d/nested/b.conf"), vec![7u8; 300_000]).expect("file");
    fs::write(root.join("conf.d/nested/deeper/empty"), "").expect("file");
    fs::write(root.join("private/secret"), "s\n").expect("file");
    fs::write(root.join("readonly"), "r\n").expect("file");
    set_mode(&root.join("run.sh"), 0o755);
    set_mode(&root.join("app.conf"), 0o640);
    set_mode(&root.join("readonly"), 0o444);
    set_mode(&root.join("private/secret"), 0o600);
    set_mode(&root.join("private"), 0o700);
    set_mode(&root.join("conf.d/nested"), 0o750);
    set_mode(&root.join("conf.d/nested/deeper"), 0o555);
}

/// Every path under `root` with its mode and, for files, its content.
fn snapshot(root: &Path) -> Vec<(String, u32, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("list") {
            let path = entry.expect("entry").path();
            let name = path
                .strip_prefix(root)
                .expect("under root")
                .display()
                .to_string();
            let content = if path.is_dir() {
                stack.push(path.clone());
                None
            } else {
                Some(fs::read(&path).expect("read"))
            };
            out.push((name, mode_of(&path), content));
        }
    }
    out.sort();
    out
}

#[test]
fn tree_round_trip_keeps_modes() {
    let host = bob();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "tree");
    let local = tempfile::tempdir().expect("temp dir");
    let tree = local.path().join("site");
    make_tree(&tree);
    set_mode(&tree, 0o751);

    let mut files = Vec::new();
    connection
        .put(&tree, &remote.path, &mut collect(&mut files))
        .expect("put tree");
    assert_eq!(files.len(), 7);
    let ran = run(
        &mut connection,
        &format!(
            "cd {}/site && stat -c '%a %n' . run.sh readonly private conf.d/nested/deeper",
            remote.path
        ),
    );
    assert_eq!(
        ran.stdout_text(),
        "751 .\n755 run.sh\n444 readonly\n700 private\n555 conf.d/nested/deeper\n"
    );

    // Copying again merges into the existing tree and overwrites files.
    connection
        .put(&tree, &remote.path, &mut |_| {})
        .expect("put again");

    let back = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    connection
        .get(
            &format!("{}/site", remote.path),
            back.path(),
            &mut collect(&mut files),
        )
        .expect("get tree");
    assert_eq!(files.len(), 7);
    let copy = back.path().join("site");
    assert_eq!(mode_of(&copy), 0o751);
    assert_eq!(snapshot(&copy), snapshot(&tree));
    // Let the temp dirs be removed.
    set_mode(&copy.join("conf.d/nested/deeper"), 0o755);
}

#[test]
fn put_replaces_an_existing_file_atomically() {
    let host = alice();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "overwrite");
    let local = tempfile::tempdir().expect("temp dir");
    let source = local.path().join("app.conf");
    let target = format!("{}/app.conf", remote.path);
    fs::write(&source, "version 1\n").expect("write");
    connection
        .put(&source, &target, &mut |_| {})
        .expect("first put");
    let inode = |connection: &mut herd::ssh::SshConnection| {
        run(connection, &format!("stat -c %i {target}")).stdout_text()
    };
    let before = inode(&mut connection);
    fs::write(&source, "version 2\n").expect("write");
    set_mode(&source, 0o600);
    connection
        .put(&source, &target, &mut |_| {})
        .expect("second put");
    assert_eq!(
        run(
            &mut connection,
            &format!("cat {target}; stat -c %a {target}")
        )
        .stdout_text(),
        "version 2\n600\n"
    );
    assert_ne!(
        inode(&mut connection),
        before,
        "replaced by rename, not rewritten in place"
    );
    let listing = run(&mut connection, &format!("ls -a {}", remote.path)).stdout_text();
    assert_eq!(listing, ".\n..\napp.conf\n", "no temp files left");
}

#[test]
fn put_into_a_directory_uses_the_name_given() {
    let host = alice();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "into");
    let local = tempfile::tempdir().expect("temp dir");
    fs::write(local.path().join("v2.conf"), "v2\n").expect("write");
    std::os::unix::fs::symlink("v2.conf", local.path().join("current.conf")).expect("symlink");
    let mut files = Vec::new();
    connection
        .put(
            &local.path().join("current.conf"),
            &remote.path,
            &mut collect(&mut files),
        )
        .expect("put into existing directory");
    connection
        .put(
            &local.path().join("v2.conf"),
            &format!("~/{}/renamed.conf", remote.path),
            &mut collect(&mut files),
        )
        .expect("put to a new name");
    assert_eq!(
        files[0].destination,
        format!("{}/current.conf", remote.path)
    );
    assert_eq!(
        files[1].destination,
        format!("{}/renamed.conf", remote.path)
    );
    let ran = run(
        &mut connection,
        &format!("cd {} && ls && cat current.conf", remote.path),
    );
    assert_eq!(ran.stdout_text(), "current.conf\nrenamed.conf\nv2\n");
}

#[test]
fn transfer_errors_name_host_and_path_and_leave_nothing_behind() {
    let host = alice();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "errors");
    let local = tempfile::tempdir().expect("temp dir");

    let error = connection
        .put(&local.path().join("missing"), &remote.path, &mut |_| {})
        .expect_err("missing local file");
    assert!(matches!(error, OperationError::Local { .. }), "{error}");

    let source = local.path().join("f");
    fs::write(&source, "x").expect("write");
    run(
        &mut connection,
        &format!("mkdir {0}/locked && chmod 555 {0}/locked", remote.path),
    );
    let error = connection
        .put(&source, &format!("{}/locked/f", remote.path), &mut |_| {})
        .expect_err("read-only directory");
    assert_eq!(
        error.to_string(),
        format!(
            "herd_alice@127.0.0.11:{}/locked/f: permission denied",
            remote.path
        )
    );

    let error = connection
        .get(
            &format!("{}/nothing-here", remote.path),
            local.path(),
            &mut |_| {},
        )
        .expect_err("missing remote file");
    assert_eq!(
        error.to_string(),
        format!(
            "herd_alice@127.0.0.11:{}/nothing-here: no such file",
            remote.path
        )
    );

    run(
        &mut connection,
        &format!(
            "echo s > {0}/unreadable && chmod 000 {0}/unreadable",
            remote.path
        ),
    );
    let error = connection
        .get(
            &format!("{}/unreadable", remote.path),
            local.path(),
            &mut |_| {},
        )
        .expect_err("unreadable remote file");
    assert!(
        error
            .to_string()
            .ends_with("/unreadable: permission denied"),
        "{error}"
    );
    assert_eq!(
        fs::read_dir(local.path()).expect("list").count(),
        1,
        "only f: no temp or partial file"
    );

    for bad in ["/", ".", "~", ".."] {
        let error = connection
            .get(bad, local.path(), &mut |_| {})
            .expect_err("no name");
        assert!(
            error.to_string().contains("has no usable file name"),
            "{bad}: {error}"
        );
    }
}

#[test]
fn get_refuses_unsafe_remote_names() {
    let host = bob();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "unsafe");
    run(
        &mut connection,
        &format!(
            "mkdir {0}/d && echo ok > {0}/d/a-fine-file && echo bad > \"{0}/d/$(printf 'evil\\nname')\"",
            remote.path
        ),
    );
    let local = tempfile::tempdir().expect("temp dir");
    let error = connection
        .get(&format!("{}/d", remote.path), local.path(), &mut |_| {})
        .expect_err("unsafe name");
    assert!(
        matches!(error, OperationError::UnsafeName { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "herd_bob@127.0.0.12:{}/d: refusing to copy unsafe remote file name \"evil\\nname\"",
            remote.path
        )
    );
    let written: Vec<_> = fs::read_dir(local.path().join("d"))
        .expect("list")
        .collect();
    assert!(
        written.is_empty(),
        "nothing copied from a directory with an unsafe name"
    );

    run(
        &mut connection,
        &format!("echo x > \"{0}/$(printf 'esc\\033[31m')\"", remote.path),
    );
    let error = connection
        .get(
            &format!("{}/esc\x1b[31m", remote.path),
            local.path(),
            &mut |_| {},
        )
        .expect_err("unsafe top-level name");
    assert!(
        error.to_string().contains("has no usable file name"),
        "{error}"
    );
}

#[test]
fn get_never_writes_outside_the_local_directory() {
    let host = alice();
    let mut connection = connect_lab(&host);
    let remote = RemoteDir::new(&mut connection, &host, "links");
    run(
        &mut connection,
        &format!(
            "mkdir -p {0}/t/sub && echo inner > {0}/t/sub/f && echo target > {0}/target \
             && ln -s /etc {0}/t/dirlink && ln -s ../target {0}/t/filelink && ln -s /nonexistent {0}/t/dangling \
             && mkfifo {0}/t/fifo",
            remote.path
        ),
    );
    let local = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    connection
        .get(
            &format!("{}/t", remote.path),
            local.path(),
            &mut collect(&mut files),
        )
        .expect("get");
    let copy = local.path().join("t");
    let names: BTreeSet<String> = fs::read_dir(&copy)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["filelink".to_owned(), "sub".to_owned()])
    );
    assert_eq!(
        fs::read_to_string(copy.join("filelink")).expect("read"),
        "target\n"
    );
    assert!(
        !fs::symlink_metadata(copy.join("filelink"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );

    // A local symlink where the copy of a remote directory would go is not followed.
    let outside = tempfile::tempdir().expect("temp dir");
    let second = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(outside.path(), second.path().join("t")).expect("symlink");
    let error = connection
        .get(&format!("{}/t", remote.path), second.path(), &mut |_| {})
        .expect_err("symlinked destination");
    assert!(
        error.to_string().ends_with("exists and is not a directory"),
        "{error}"
    );
    assert_eq!(
        fs::read_dir(outside.path()).expect("list").count(),
        0,
        "nothing written outside"
    );
}

#[test]
fn a_one_megabyte_command_runs_like_a_short_one() {
    let mut connection = connect_lab(&alice());
    let filler = "x".repeat(1024 * 1024);
    let ran = run(
        &mut connection,
        &format!(": {filler}; printf '%s|' \"a b\" 'c'\\''d' $((6*7)); echo; exit 3"),
    );
    assert_eq!(ran.stdout_text(), "a b|c'd|42|\n");
    assert_eq!(ran.status, 3);
}
