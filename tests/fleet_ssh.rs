//! Fleet SSH against the lab's fleet part (`lab/lab.sh up`): hosts behind a bastion with
//! sshd's default MaxStartups, a certificate-only sshd, a legacy-only sshd and an
//! ML-KEM-only AsyncSSH server; `~/.ssh/config` semantics with OpenSSH `ssh` as the
//! oracle for what must work. Nothing here is mocked.

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use common::sshd_copy::SshdCopy;
use common::{Lab, lab_dir, write_private};

const BASTION: &str = "127.0.0.30";

fn lab_key() -> PathBuf {
    lab_dir().join("state/keys/dave_ed25519")
}

fn lab_known_hosts() -> PathBuf {
    lab_dir().join("state/known_hosts")
}

fn cert_dir() -> PathBuf {
    lab_dir().join("state/cert")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs herd with the lab's known_hosts; `extra` are more arguments.
fn herd(lab: &Lab, args: &[&str]) -> Output {
    let known = lab_known_hosts();
    let mut all = args.to_vec();
    all.extend(["--known-hosts", known.to_str().unwrap()]);
    lab.herd(&all).output().unwrap()
}

fn stdout_lines(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Writes a file into the test's work dir (mode 0600) and returns its path.
fn file(lab: &Lab, name: &str, contents: &str) -> String {
    let path = lab.work.path().join(name);
    write_private(&path, contents);
    path.to_str().unwrap().to_owned()
}

fn fleet_up() {
    for address in [BASTION, "127.0.0.31", "127.0.0.32", "127.0.0.33"] {
        let addr = format!("{address}:22").parse().unwrap();
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_or_else(|e| {
            panic!("fleet lab host {address}:22 does not answer: {e}; run lab/lab.sh up (as root)")
        });
    }
}

#[test]
fn hosts_behind_the_bastion_cannot_be_reached_directly() {
    fleet_up();
    let addr = "127.0.1.1:22".parse().unwrap();
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "127.0.1.1 must answer only through the bastion, or the jump tests prove nothing"
    );
}

#[test]
fn all_48_hosts_behind_one_default_maxstartups_bastion_answer_at_forks_64() {
    fleet_up();
    let lab = Lab::new();
    let inventory = lab_dir().join("bastion.ini");
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            inventory.to_str().unwrap(),
            "-g",
            "behind",
            "--forks",
            "64",
            "--cmd",
            "echo $SSH_CONNECTION | cut -d' ' -f3",
        ],
    );
    assert_ok(&out);
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 48, "{lines:?}");
    for n in 1..=48 {
        let want = format!("b{n:02}: 127.0.1.{n}");
        assert!(lines.contains(&want), "{want} missing from {lines:?}");
    }
    assert!(
        text(&out.stderr).contains("48 hosts: 48 ok"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn proxy_jump_and_aliases_from_the_ssh_config_work_as_with_openssh() {
    fleet_up();
    let lab = Lab::new();
    let key = lab_key();
    let config = file(
        &lab,
        "ssh_config",
        &format!(
            "Host gate\n  HostName {BASTION}\n  User herd_jump\n\n\
             Host inner-*\n  User herd_behind\n  ProxyJump gate\n\n\
             Host inner-one\n  HostName 127.0.1.1\nHost inner-two\n  HostName 127.0.1.2\n\n\
             Host *\n  IdentityFile {}\n  UserKnownHostsFile {}\n",
            key.display(),
            lab_known_hosts().display()
        ),
    );
    let inventory = file(&lab, "hosts.ini", "inner-one\ninner-two\n");
    let out = lab
        .herd(&[
            "run",
            "-i",
            &inventory,
            "-g",
            "all",
            "--ssh-config",
            &config,
            "--cmd",
            "echo $(whoami) $SSH_CONNECTION | cut -d' ' -f1,4",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(
        stdout_lines(&out),
        [
            "inner-one: herd_behind 127.0.1.1",
            "inner-two: herd_behind 127.0.1.2"
        ]
    );
    // The oracle: OpenSSH reaches the same alias with the same file.
    let ssh = std::process::Command::new("ssh")
        .args(["-F", &config, "-o", "BatchMode=yes", "inner-one", "whoami"])
        .output()
        .unwrap();
    assert_eq!(text(&ssh.stdout), "herd_behind\n", "{}", text(&ssh.stderr));
}

#[test]
fn ansible_jump_args_an_inventory_bastion_and_unapplied_options_warned_once() {
    fleet_up();
    let lab = Lab::new();
    let key = lab_key();
    let inventory = file(
        &lab,
        "hosts.ini",
        &format!(
            "bastion host={BASTION} user=herd_jump key={key}\n\
             [behind]\n\
             b05 host=127.0.1.5 user=herd_behind key={key} ansible_ssh_common_args='-J bastion -o ForwardAgent=yes -A'\n\
             b06 host=127.0.1.6 user=herd_behind key={key} ansible_ssh_extra_args='-o ProxyJump=bastion -A'\n",
            key = key.display()
        ),
    );
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "behind",
            "--ssh-config",
            "none",
            "--cmd",
            "echo up",
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout_lines(&out), ["b05: up", "b06: up"]);
    let stderr = text(&out.stderr);
    let warned = |needle: &str| stderr.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        warned("herd does not apply -A (inventory: ansible_ssh_common_args)"),
        1,
        "{stderr}"
    );
    assert_eq!(
        warned("herd does not apply -A (inventory: ansible_ssh_extra_args)"),
        1,
        "{stderr}"
    );
    assert_eq!(warned("ForwardAgent"), 1, "{stderr}");
}

#[test]
fn a_jump_chain_and_a_proxy_command_reach_their_hosts() {
    fleet_up();
    let lab = Lab::new();
    let key = lab_key();
    let known = lab_known_hosts();
    let config = file(
        &lab,
        "ssh_config",
        &format!(
            "Host {BASTION}\n  User herd_jump\nHost 127.0.1.*\n  User herd_behind\n\
             Host via-command\n  HostName 127.0.1.9\n  User herd_behind\n  \
             ProxyCommand ssh -F none -o BatchMode=yes -o UserKnownHostsFile={known} -i {key} -W %h:%p herd_jump@{BASTION}\n\
             Host *\n  IdentityFile {key}\n",
            key = key.display(),
            known = known.display()
        ),
    );
    let inventory = file(
        &lab,
        "hosts.ini",
        &format!(
            "chained host=127.0.1.8 user=herd_behind proxy_jump={BASTION},herd_behind@127.0.1.7\nvia-command\n"
        ),
    );
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "all",
            "--ssh-config",
            &config,
            "--cmd",
            "echo $SSH_CONNECTION | cut -d' ' -f1,3",
        ],
    );
    assert_ok(&out);
    assert_eq!(
        stdout_lines(&out),
        [
            // Inside the lab namespace every connection comes from its loopback.
            "chained: 127.0.0.1 127.0.1.8",
            "via-command: 127.0.0.1 127.0.1.9",
        ]
    );
    // The chain really passes the second hop: a user it refuses stops the host there.
    let inventory = file(
        &lab,
        "refused.ini",
        &format!("chained host=127.0.1.8 user=herd_behind proxy_jump={BASTION},nobody@127.0.1.7\n"),
    );
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "all",
            "--ssh-config",
            &config,
            "--cmd",
            "true",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "jump host nobody@127.0.1.7:22: authentication failed for nobody@127.0.1.7:22"
        ),
        "{stderr}"
    );
}

#[test]
fn jump_host_keys_are_checked_and_a_dead_jump_host_fails_its_hosts_once() {
    fleet_up();
    let lab = Lab::new();
    let key = lab_key();
    let strangers = file(&lab, "empty_known_hosts", "");
    let inventory = file(
        &lab,
        "hosts.ini",
        &format!(
            "[behind]\nb10 host=127.0.1.10 user=herd_behind key={key} proxy_jump=herd_jump@{BASTION}\n\
             [dead]\nd[1:5] host=127.0.1.11 user=herd_behind key={key} proxy_jump=nobody@127.0.0.20\n",
            key = key.display()
        ),
    );
    let out = lab
        .herd(&[
            "run",
            "-i",
            &inventory,
            "-g",
            "behind",
            "--ssh-config",
            "none",
            "--host-key-checking",
            "strict",
            "--known-hosts",
            &strangers,
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("jump host herd_jump@127.0.0.30:22") && stderr.contains("not in"),
        "the bastion's unknown key must be refused, naming it: {stderr}"
    );

    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "dead",
            "--ssh-config",
            "none",
            "--cmd",
            "true",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("5 unreachable"), "{stderr}");
    let refused = stderr
        .lines()
        .filter(|l| l.contains("jump host nobody@127.0.0.20:22: connection refused"))
        .count();
    assert_eq!(refused, 5, "{stderr}");
}

#[test]
fn certificates_beside_the_key_or_named_by_certificate_file_are_used() {
    fleet_up();
    let lab = Lab::new();
    let dir = cert_dir();
    let config = file(
        &lab,
        "ssh_config",
        &format!(
            "Host other\n  IdentityFile {d}/other_ed25519\n  CertificateFile {d}/certs/other-cert.pub\n  IdentitiesOnly yes\n\
             Host nocert\n  IdentityFile {d}/nocert_ed25519\n  IdentitiesOnly yes\n\
             Host *\n  HostName 127.0.0.31\n  User herd_cert\n",
            d = dir.display()
        ),
    );
    let inventory = file(
        &lab,
        "hosts.ini",
        &format!("beside key={}/id_ed25519\nother\nnocert\n", dir.display()),
    );
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "all",
            "--ssh-config",
            &config,
            "--cmd",
            "whoami",
        ],
    );
    assert_eq!(
        stdout_lines(&out),
        ["beside: herd_cert", "other: herd_cert"]
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("nocert: authentication failed for herd_cert@127.0.0.31:22"),
        "{stderr}"
    );
}

#[test]
fn legacy_algorithms_only_by_opt_in_and_a_failure_names_both_offers() {
    fleet_up();
    let lab = Lab::new();
    let config = file(
        &lab,
        "ssh_config",
        "Host legacy-config\n  HostName 127.0.0.32\n  KexAlgorithms +diffie-hellman-group14-sha1\n  HostKeyAlgorithms +ssh-rsa\n\
         Host *\n  User herd_legacy\n",
    );
    let inventory = file(
        &lab,
        "hosts.ini",
        "[all:vars]\npassword=legacy-lab-pw\n[plain]\nlegacy-plain host=127.0.0.32\n\
         [opted]\nlegacy-config\n\
         legacy-args host=127.0.0.32 ansible_ssh_common_args='-o KexAlgorithms=+diffie-hellman-group14-sha1 -oHostKeyAlgorithms=+ssh-rsa'\n",
    );
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "plain",
            "--ssh-config",
            &config,
            "--cmd",
            "true",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for needle in [
        "no matching key exchange method found",
        "herd offers: mlkem768x25519-sha256,",
        "the server offers: diffie-hellman-group14-sha1",
        "KexAlgorithms +diffie-hellman-group14-sha1",
    ] {
        assert!(stderr.contains(needle), "{needle:?} missing: {stderr}");
    }
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-g",
            "opted",
            "--ssh-config",
            &config,
            "--cmd",
            "whoami",
        ],
    );
    assert_ok(&out);
    assert_eq!(
        stdout_lines(&out),
        ["legacy-args: herd_legacy", "legacy-config: herd_legacy"]
    );
}

#[test]
fn an_ml_kem_only_server_is_reached_and_ml_kem_is_negotiated() {
    fleet_up();
    let lab = Lab::new();
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            lab_dir().join("fleet.ini").to_str().unwrap(),
            "-h",
            "mlkem",
            "--ssh-config",
            "none",
            "--cmd",
            "echo pq",
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout_lines(&out), ["mlkem: pq"]);
    // And the library says which key exchange it was.
    let known_hosts =
        herd::ssh::KnownHosts::open(lab_known_hosts(), herd::ssh::HostKeyChecking::Strict).unwrap();
    let host = herd::ssh::HostSpec {
        address: "127.0.0.33".into(),
        port: 22,
        user: "herd_mlkem".into(),
        password: Some(herd::secret::Secret::new("mlkem-lab-pw")),
        ..Default::default()
    };
    let options = herd::ssh::ConnectOptions {
        connect_timeout: Duration::from_secs(10),
        host_key_checking: herd::ssh::HostKeyChecking::Strict,
        ask_pass: None,
        cancel: Default::default(),
        shared: Default::default(),
    };
    let connection = herd::ssh::connect(&host, &options, &known_hosts).expect("connect");
    assert_eq!(connection.kex().as_deref(), Some("mlkem768x25519-sha256"));
}

#[test]
fn the_inventory_beats_the_ssh_config_and_inventory_host_shows_where_each_setting_came_from() {
    let lab = Lab::new();
    let config = file(
        &lab,
        "ssh_config",
        &format!(
            "Host alias\n  HostName 127.0.0.14\n  Port 2223\n  User herd_bob\n  IdentityFile {}\n",
            lab_key().display()
        ),
    );
    let inventory = file(&lab, "hosts.ini", "alias user=herd_dave\n");
    let out = herd(
        &lab,
        &[
            "run",
            "-i",
            &inventory,
            "-h",
            "alias",
            "--ssh-config",
            &config,
            "--cmd",
            "whoami",
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout_lines(&out), ["alias: herd_dave"]);
    let out = lab
        .herd(&[
            "inventory",
            "-i",
            &inventory,
            "--host",
            "alias",
            "--ssh-config",
            &config,
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let connection = &json["herd_connection"];
    assert_eq!(connection["user"]["value"], "herd_dave");
    assert_eq!(connection["user"]["from"], "inventory: user");
    assert_eq!(connection["address"]["value"], "127.0.0.14");
    assert_eq!(connection["address"]["from"], format!("{config}:2"));
    assert_eq!(connection["port"]["from"], format!("{config}:3"));
    assert_eq!(connection["identity file"]["from"], format!("{config}:5"));
}

#[test]
fn several_user_known_hosts_files_and_the_global_ones_are_read_as_one_as_by_openssh() {
    fleet_up();
    let lab = Lab::new();
    let host_key = std::fs::read_to_string(lab_known_hosts())
        .unwrap()
        .lines()
        .find(|line| line.starts_with(&format!("{BASTION} ")))
        .expect("the lab's known_hosts lists the bastion")
        .to_owned();
    // Another ed25519 key for the same name: a CHANGED key where it is the only one.
    let other_key = std::fs::read_to_string(format!("{}.pub", lab_key().display())).unwrap();
    let other_key = other_key
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let real = file(&lab, "real", &format!("{host_key}\n"));
    let empty = file(&lab, "empty", "");
    let changed = file(&lab, "changed", &format!("{BASTION} {other_key}\n"));
    let revoked = file(&lab, "revoked", &format!("@revoked {host_key}\n"));
    let inventory = file(&lab, "hosts.ini", "gate\n");
    // (files, whether the login must succeed): OpenSSH decides too, and must agree.
    let cases = [
        (format!("UserKnownHostsFile {empty} {real}"), true),
        (format!("UserKnownHostsFile {changed} {real}"), true),
        (format!("UserKnownHostsFile {changed}"), false),
        (
            format!("UserKnownHostsFile {empty}\n  GlobalKnownHostsFile {real}"),
            true,
        ),
        (
            format!("UserKnownHostsFile {real}\n  GlobalKnownHostsFile {revoked}"),
            false,
        ),
        (
            format!("UserKnownHostsFile {empty}\n  GlobalKnownHostsFile none"),
            false,
        ),
    ];
    for (index, (files, succeeds)) in cases.iter().enumerate() {
        let config = file(
            &lab,
            &format!("ssh_config{index}"),
            &format!(
                "Host gate\n  HostName {BASTION}\n  User herd_jump\n  IdentityFile {}\n  \
                 StrictHostKeyChecking yes\n  {files}\n",
                lab_key().display()
            ),
        );
        let ssh = std::process::Command::new("ssh")
            .args(["-F", &config, "-o", "BatchMode=yes", "gate", "true"])
            .output()
            .unwrap();
        assert_eq!(
            ssh.status.success(),
            *succeeds,
            "ssh, {files}: {}",
            text(&ssh.stderr)
        );
        let out = lab
            .herd(&[
                "run",
                "-i",
                &inventory,
                "-g",
                "all",
                "--ssh-config",
                &config,
                "--cmd",
                "true",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            *succeeds,
            "herd, {files}: {}",
            text(&out.stderr)
        );
        // Nothing was added anywhere: the key was known, or refused.
        assert_eq!(std::fs::read_to_string(&empty).unwrap(), "", "{files}");
    }
}

#[test]
fn a_host_key_alias_is_the_name_known_hosts_lists_the_key_under_as_in_openssh() {
    fleet_up();
    let lab = Lab::new();
    let host_key = std::fs::read_to_string(lab_known_hosts())
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{BASTION} ")).map(str::to_owned))
        .expect("the lab's known_hosts lists the bastion");
    let under_alias = file(&lab, "under_alias", &format!("gate-alias {host_key}\n"));
    let under_address = file(&lab, "under_address", &format!("{BASTION} {host_key}\n"));
    let inventory = file(&lab, "hosts.ini", "gate\n");
    let config = |index: usize, known: &str, strict: &str| {
        file(
            &lab,
            &format!("ssh_config{index}"),
            &format!(
                "Host gate\n  HostName {BASTION}\n  User herd_jump\n  IdentityFile {}\n  \
                 HostKeyAlias gate-alias\n  UserKnownHostsFile {known}\n  \
                 StrictHostKeyChecking {strict}\n",
                lab_key().display()
            ),
        )
    };
    let ssh_ok = |config: &str| {
        std::process::Command::new("ssh")
            .args(["-F", config, "-o", "BatchMode=yes", "gate", "true"])
            .output()
            .unwrap()
            .status
            .success()
    };
    let herd_ok = |config: &str| {
        let out = lab
            .herd(&[
                "run",
                "-i",
                &inventory,
                "-g",
                "all",
                "--ssh-config",
                config,
                "--cmd",
                "true",
            ])
            .output()
            .unwrap();
        (out.status.success(), text(&out.stderr))
    };
    // Listed under the alias: known. Listed only under the address: unknown (strict).
    let known = config(0, &under_alias, "yes");
    assert!(ssh_ok(&known));
    let (ok, stderr) = herd_ok(&known);
    assert!(ok, "{stderr}");
    let unknown = config(1, &under_address, "yes");
    assert!(!ssh_ok(&unknown));
    let (ok, stderr) = herd_ok(&unknown);
    assert!(!ok);
    assert!(
        stderr.contains("host key for gate-alias (HostKeyAlias of [127.0.0.30]:22) not in"),
        "{stderr}"
    );
    // accept-new records the key under the alias.
    let empty = file(&lab, "empty", "");
    let (ok, stderr) = herd_ok(&config(2, &empty, "accept-new"));
    assert!(ok, "{stderr}");
    let recorded = std::fs::read_to_string(&empty).unwrap();
    assert_eq!(
        recorded.split_whitespace().next(),
        Some("gate-alias"),
        "{recorded}"
    );
}

/// With a key and no password, herd offers the key at once instead of first asking the
/// server which methods it takes (the "none" request, a round trip at every login); it
/// asks only once a key is refused, then goes on with the next one, never offering the
/// refused key again. The server's own log (a copy of h4's sshd at LogLevel DEBUG1)
/// shows which requests came.
#[test]
fn a_key_is_offered_without_asking_for_the_methods_first_and_a_refused_one_falls_back() {
    let lab = Lab::new();
    let dave = lab_key();
    let known = lab_known_hosts();
    let other = lab.work.path().join("other_ed25519");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "refused", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(keygen.success());
    let fingerprint = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&other)
        .output()
        .unwrap();
    let fingerprint = text(&fingerprint.stdout)
        .split_whitespace()
        .nth(1)
        .expect("ssh-keygen -l prints a fingerprint")
        .to_owned();
    let host = |key: &std::path::Path| {
        format!(
            "h4 host=127.0.0.14 port=2223 user=herd_dave key={}\n",
            key.display()
        )
    };
    let config = file(
        &lab,
        "ssh_config",
        &format!("Host *\n  IdentityFile {}\n", dave.display()),
    );
    // An IdentityFile that does not exist is passed over, so dave's key is the first
    // one offered.
    let missing_first = file(
        &lab,
        "ssh_config_missing_first",
        &format!(
            "Host *\n  IdentityFile {}\n  IdentityFile {}\n",
            lab.work.path().join("missing_ed25519").display(),
            dave.display()
        ),
    );
    let no_key = "h4 host=127.0.0.14 port=2223 user=herd_dave\n";
    let cases = [
        (
            "accepted",
            file(&lab, "accepted.ini", &host(&dave)),
            &config,
        ),
        ("refused", file(&lab, "refused.ini", &host(&other)), &config),
        (
            "missing-first",
            file(&lab, "no_key.ini", no_key),
            &missing_first,
        ),
    ];
    for (name, inventory, config) in cases {
        let dir = lab.work.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let sshd = SshdCopy::in_dir(&dir);
        let mut cmd = sshd.beside(
            "h4",
            &["-o", "LogLevel=DEBUG1"],
            &assert_cmd::cargo::cargo_bin("herd"),
            &[
                "run",
                "-i",
                &inventory,
                "-h",
                "h4",
                "--ssh-config",
                config.as_str(),
                "--known-hosts",
                known.to_str().unwrap(),
                "--cmd",
                "whoami",
            ],
        );
        lab.set_up(&mut cmd);
        let out = cmd.output().unwrap();
        assert_ok(&out);
        assert_eq!(stdout_lines(&out), ["h4: herd_dave"]);
        let log = sshd.log_text();
        assert!(
            log.contains("Accepted publickey for herd_dave"),
            "{name}:\n{log}"
        );
        let count = |what: &[&str]| {
            log.lines()
                .filter(|line| what.iter().all(|part| line.contains(part)))
                .count()
        };
        let asked = count(&["userauth-request for user herd_dave", "method none"]);
        let refused = count(&["Failed publickey for herd_dave", &fingerprint]);
        match name {
            "refused" => assert_eq!((asked, refused), (1, 1), "{name}:\n{log}"),
            _ => assert_eq!((asked, refused), (0, 0), "{name}:\n{log}"),
        }
    }
}
