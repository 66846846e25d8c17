//! Hosts as they are: long commands, herd's stdin forwarded with `--stdin`, chatty login
//! shells. Against the lab's real sshd servers.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Lab, lines};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_command_past_the_exec_request_limit_runs_with_the_same_quoting_status_and_output() {
    let lab = Lab::new();
    // 120 KB (past libssh2's ~32 KB request, within the kernel's 128 KiB per argument),
    // then quoting that must survive as it would in `ssh host CMD`. 1 MB is tested
    // through the library in tests/ssh_transport.rs.
    let filler = "x".repeat(120 * 1024);
    let command = format!(": {filler}; printf '%s|' \"a b\" 'c'\\''d' $((6*7)); echo; exit 3");
    let out = lab
        .herd(&["run", "-h", "h1,h4", "--cmd", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let mut got = lines(&out.stdout);
    got.sort();
    assert_eq!(got, ["h1: a b|c'd|42|", "h4: a b|c'd|42|"]);
    assert!(
        text(&out.stderr).contains("exit status 3"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_long_command_still_gets_its_own_stdin() {
    let lab = Lab::new();
    let command = format!(": {}; wc -c", "y".repeat(100 * 1024));
    let mut child = lab
        .std_cmd("herd")
        .args(["run", "-h", "h2", "--stdin", "--cmd", &command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"12345").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(lines(&out.stdout), ["h2: 5"], "{}", text(&out.stderr));
}

#[test]
fn stdin_reaches_every_host_whole_and_only_with_the_flag() {
    let lab = Lab::new();
    // 8 MB with a checksum: every host gets all of it, byte-exact.
    let data: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let expected = {
        let mut sum = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        sum.stdin.take().unwrap().write_all(&data).unwrap();
        let out = sum.wait_with_output().unwrap();
        text(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let mut child = lab
        .std_cmd("herd")
        .args([
            "run",
            "-g",
            "all",
            "--stdin",
            "--cmd",
            "sha256sum | cut -d' ' -f1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let mut got = lines(&out.stdout);
    got.sort();
    let want: Vec<String> = ["h1", "h2", "h3", "h4"]
        .iter()
        .map(|h| format!("{h}: {expected}"))
        .collect();
    assert_eq!(got, want, "{}", text(&out.stderr));

    // Without --stdin herd leaves its stdin alone and the remote side sees end-of-file.
    let mut child = lab
        .std_cmd("herd")
        .args(["run", "-h", "h1", "--cmd", "wc -c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"not for herd").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(lines(&out.stdout), ["h1: 0"], "{}", text(&out.stderr));
}

fn fleet(lab: &Lab, args: &[&str]) -> std::process::Output {
    let inventory = common::lab_dir().join("fleet.ini");
    let known = common::lab_dir().join("state/known_hosts");
    let mut all = vec![
        "-i",
        inventory.to_str().unwrap(),
        "--known-hosts",
        known.to_str().unwrap(),
        "--ssh-config",
        "none",
    ];
    all.splice(0..0, args.iter().copied());
    lab.herd(&all).output().unwrap()
}

fn write(lab: &Lab, name: &str, contents: &[u8]) -> String {
    let path = lab.work.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn playbook_checks_and_copies_work_when_the_login_shell_prints() {
    let lab = Lab::new();
    let dest = common::unique("/tmp/chatty-put");
    let src = write(&lab, "motd", b"hello\n");
    let playbook = write(
        &lab,
        "chatty.yml",
        format!(
            "- hosts: chatty\n  steps:\n\
             \x20   - put: {{src: {src}, dest: {dest}, mode: \"0640\"}}\n\
             \x20   - put: {{src: {src}, dest: {dest}, mode: \"0640\"}}\n\
             \x20   - run: echo should-not-run\n      creates: {dest}\n\
             \x20   - run: echo ran\n      creates: {dest}.absent\n"
        )
        .as_bytes(),
    );
    let out = fleet(&lab, &["play", &playbook]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("chatty: changed: put"), "{stdout}");
    assert!(
        stdout.contains("chatty: ok: put") && stdout.contains("unchanged"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped (creates:"), "{stdout}");
    assert!(
        stdout.contains("chatty: ran") && !stdout.contains("chatty: should-not-run"),
        "{stdout}"
    );
    let remote = common::lab_dir()
        .join("state/hosts/chatty/tmp")
        .join(dest.trim_start_matches("/tmp/"));
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&remote).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
}

#[test]
fn without_usable_sftp_files_go_over_an_exec_channel_byte_exact() {
    let lab = Lab::new();
    // chatty_ext's sftp-server runs through a login shell that prints: SFTP cannot start.
    let data = common::pseudo_random_bytes(3 * 1024 * 1024 + 7, 11);
    let local = write(&lab, "blob.bin", &data);
    let dir = common::unique("/tmp/piped");
    let out = fleet(
        &lab,
        &[
            "scp",
            "-h",
            "chatty_ext",
            "--action",
            "put",
            "--local",
            &local,
            "--remote",
            &format!("{dir}/"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let on_host = common::lab_dir()
        .join("state/hosts/chatty_ext/tmp")
        .join(dir.trim_start_matches("/tmp/"))
        .join("blob.bin");
    assert_eq!(std::fs::read(&on_host).unwrap(), data);
    let fetched = lab.work.path().join("fetched");
    let out = fleet(
        &lab,
        &[
            "scp",
            "-h",
            "chatty_ext",
            "--action",
            "get",
            "--remote",
            &format!("{dir}/blob.bin"),
            "--local",
            fetched.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(fetched.join("chatty_ext/blob.bin")).unwrap(),
        data
    );
    // No temp file left beside either copy.
    assert!(common::temps_of(on_host.parent().unwrap(), "blob.bin").is_empty());
    assert!(common::temps_of(&fetched.join("chatty_ext"), "blob.bin").is_empty());
}

#[test]
fn where_nothing_can_work_the_real_cause_is_said_in_one_line() {
    let lab = Lab::new();
    let local = write(&lab, "x.txt", b"x\n");
    let out = fleet(
        &lab,
        &[
            "scp", "-h", "forced", "--action", "put", "--local", &local, "--remote", "/tmp/",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("failed      forced:"))
        .unwrap_or_default();
    assert!(
        line.contains("the host prints when a session starts (it printed \"this host only shows this message\")"),
        "{stderr}"
    );
    let playbook = write(
        &lab,
        "forced.yml",
        b"- hosts: forced\n  steps:\n    - run: echo hi\n      creates: /etc/passwd\n",
    );
    let out = fleet(&lab, &["play", &playbook]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("herd's check did not run (exit status 0)")
            && stderr.contains("it said: this host only shows this message"),
        "{stderr}"
    );
}

#[test]
fn every_feature_works_on_a_server_that_allows_one_session_per_connection() {
    let lab = Lab::new();
    let dest = common::unique("/tmp/single");
    let first = write(&lab, "first.txt", b"first\n");
    let second = write(&lab, "second.txt", b"second\n");
    let fetched = lab.work.path().join("got");
    let playbook = write(
        &lab,
        "single.yml",
        format!(
            "- hosts: single\n  steps:\n\
             \x20   - run: echo before\n\
             \x20   - put: {{src: {first}, dest: {dest}}}\n\
             \x20   - run: cat {dest}\n\
             \x20   - put: {{src: {second}, dest: {dest}}}\n\
             \x20   - get: {{src: {dest}, dest: {fetched}/}}\n\
             \x20   - run: cat {dest}\n",
            fetched = fetched.display()
        )
        .as_bytes(),
    );
    let out = fleet(&lab, &["play", &playbook]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("single: first") && stdout.contains("single: second"),
        "{stdout}"
    );
    let name = dest.rsplit('/').next().unwrap();
    assert_eq!(
        std::fs::read(fetched.join("single").join(name)).unwrap(),
        b"second\n"
    );
    // batch_scp overwriting a file twice: the rename goes over the one channel too.
    for _ in 0..2 {
        let out = fleet(
            &lab,
            &[
                "scp", "-h", "single", "--action", "put", "--local", &first, "--remote", &dest,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn a_command_that_leaves_a_background_job_returns_once_its_shell_exited() {
    let lab = Lab::new();
    let tag = common::unique("bg");
    // The job keeps stdout open for ten minutes; the shell exits at once.
    let command = format!("sleep 600 && echo {tag} & echo started; exit 4");
    let out = lab
        .herd(&["run", "-h", "h1", "--cmd", &command])
        .output()
        .unwrap();
    assert_eq!(lines(&out.stdout), ["h1: started"], "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("exit status 4"),
        "{}",
        text(&out.stderr)
    );
    // What the shell left running goes on (README says so); end it here.
    let pattern = "sleep 600";
    assert!(
        !common::processes_left(pattern).is_empty(),
        "the job was expected to go on"
    );
    let _ = Command::new("pkill")
        .args(["-u", "herd_alice", "-f", pattern])
        .status();
}

#[test]
fn a_timeout_ends_what_the_shell_left_behind_too() {
    let lab = Lab::new();
    let tag = common::unique("leftover");
    // The shell exits at once; its job keeps the output busy, so only --timeout ends it.
    let command = format!(
        "(while true; do echo {tag}; sleep 0.2; done) & sh -c 'exec sleep 601' & echo started"
    );
    let out = lab
        .herd(&["run", "-h", "h2", "--timeout", "2", "--cmd", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("timed out after 2s"),
        "{}",
        text(&out.stderr)
    );
    let left = common::processes_left("sleep 601");
    assert!(left.is_empty(), "left behind: {left:?}");
    let left = common::processes_left(&format!("echo {tag}"));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn run_become_uses_sudo_with_the_hosts_become_password_and_never_shows_it() {
    let lab = Lab::new();
    let inventory = lab.inventory_with("become.ini", |text| {
        text.replace(
            "user=herd_carol password=carol-lab-pw",
            "user=herd_carol password=carol-lab-pw become_password=carol-lab-pw",
        )
    });
    let inventory = inventory.to_str().unwrap();
    let out = lab
        .herd(&[
            "run", "-i", inventory, "-h", "h3", "--become", "--cmd", "id -un",
        ])
        .output()
        .unwrap();
    assert_eq!(lines(&out.stdout), ["h3: root"], "{}", text(&out.stderr));
    let out = lab
        .herd(&[
            "run",
            "-i",
            inventory,
            "-h",
            "h3",
            "--become-user",
            "herd_alice",
            "--cmd",
            "id -un",
        ])
        .output()
        .unwrap();
    assert_eq!(
        lines(&out.stdout),
        ["h3: herd_alice"],
        "{}",
        text(&out.stderr)
    );
    for output in [&out.stdout, &out.stderr] {
        assert!(!text(output).contains("carol-lab-pw"));
    }
    // h1's user may not sudo: a clear failure, not a hang.
    let out = lab
        .herd(&["run", "-h", "h1", "--become", "--cmd", "id -un"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn a_run_step_gets_its_templated_stdin() {
    let lab = Lab::new();
    let playbook = lab.work.path().join("stdin.yml");
    std::fs::write(
        &playbook,
        "- hosts: h1\n  vars: {who: world}\n  steps:\n    - run: tr a-z A-Z\n      stdin: \"hello {{ who }}\\n\"\n",
    )
    .unwrap();
    let out = lab
        .herd(&["play", playbook.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        lines(&out.stdout).contains(&"h1: HELLO WORLD".to_owned()),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // Not with become: sudo reads its password there.
    std::fs::write(
        &playbook,
        "- hosts: h1\n  steps:\n    - run: cat\n      stdin: x\n      become: true\n",
    )
    .unwrap();
    let out = lab
        .herd(&["play", playbook.to_str().unwrap(), "--plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`stdin:` and `become: true`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_quarter_gigabyte_of_stdin_streams_to_every_host_in_bounded_memory() {
    let lab = Lab::new();
    const MB: u64 = 1024 * 1024;
    let size = 256 * MB;
    let herd = assert_cmd::cargo::cargo_bin("herd");
    let mut command = Command::new("sh");
    command.args([
        "-c",
        &format!(
            "head -c {size} /dev/zero | {} run -h h1,h2 --stdin --cmd 'wc -c'",
            herd.display()
        ),
    ]);
    lab.set_up(&mut command);
    let (run, stdout) = common::run_measured(&mut command, |mut out| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut out, &mut text).unwrap();
        text
    });
    assert_eq!(run.code, Some(0), "{}", text(&run.stderr));
    let mut got: Vec<&str> = stdout.lines().collect();
    got.sort();
    assert_eq!(got, [format!("h1: {size}"), format!("h2: {size}")]);
    assert!(
        run.max_rss < 64 * MB,
        "peak RSS {} MB for {} MB of stdin",
        run.max_rss / MB,
        size / MB
    );
}
