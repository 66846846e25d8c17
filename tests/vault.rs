//! `herd play` with ansible-vault files, against the lab's real sshd servers. Every
//! encrypted file and value is made at run time by ansible-vault itself (the Ansible
//! oracle, `scripts/oracles.sh`): the 1.1 format (`--vault-password-file`), the 1.2 format
//! (`--vault-id LABEL@FILE`) and `encrypt_string` values. The secrets' names do not look
//! secret, so only their vault origin can mask them.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Lab, ansible_oracle, host_tmp, unique};

const PASSWORD: &str = "correct horse battery";
/// The secrets: none is written anywhere in the clear in the test's directory.
const DB_CREDENTIAL: &str = "Db-Cred-5b1e9c77";
const API_TOKEN: &str = "Api-Tok-88d0a6f2";
const INLINE_TOKEN: &str = "Inline-Tok-3c9f41aa";
const STEP_TOKEN: &str = "Step-Tok-9e02d7b1";
const SECRETS: [&str; 4] = [DB_CREDENTIAL, API_TOKEN, INLINE_TOKEN, STEP_TOKEN];

/// Runs ansible-vault with `args` in `dir`; panics with its output when it fails.
fn ansible_vault(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(ansible_oracle("ansible-vault"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ansible-vault {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A playbook directory: the password file `pw`, `db.yml` (format 1.1), `api.yml`
/// (format 1.2, vault id `prod`), a template reading both, and `site.yml`, whose play
/// and last step have an `encrypt_string` value in their `vars:`. Each step checks on the host that it got
/// the real value; `marker` is the file the first step creates in the host's /tmp, and
/// `conf` the file the template is put to there.
struct Book {
    dir: PathBuf,
    playbook: PathBuf,
    marker: String,
    conf: String,
}

fn book(lab: &Lab, last_step: &str) -> Book {
    let dir = lab.work.path().to_path_buf();
    fs::write(dir.join("pw"), format!("{PASSWORD}\n")).unwrap();
    fs::write(
        dir.join("db.yml"),
        format!("db_credential: {DB_CREDENTIAL}\ndb_port: 5432\n"),
    )
    .unwrap();
    fs::write(
        dir.join("api.yml"),
        format!("api:\n  token: {API_TOKEN}\n  region: eu-west\n"),
    )
    .unwrap();
    ansible_vault(&dir, &["encrypt", "--vault-password-file", "pw", "db.yml"]);
    ansible_vault(&dir, &["encrypt", "--vault-id", "prod@pw", "api.yml"]);
    for (file, header) in [
        ("db.yml", "$ANSIBLE_VAULT;1.1;AES256\n"),
        ("api.yml", "$ANSIBLE_VAULT;1.2;AES256;prod\n"),
    ] {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.starts_with(header), "{file}: {text}");
    }
    let encrypt_string = |value: &str, name: &str, indent: &str| -> String {
        let args = [
            "encrypt_string",
            "--vault-password-file",
            "pw",
            value,
            "--name",
            name,
        ];
        let yaml = ansible_vault(&dir, &args);
        yaml.lines()
            .map(|line| format!("{indent}{line}\n"))
            .collect()
    };
    let inline = encrypt_string(INLINE_TOKEN, "inline_token", "    ");
    let step_token = encrypt_string(STEP_TOKEN, "step_token", "        ");
    fs::write(
        dir.join("app.conf.j2"),
        "db={{ db_credential }}:{{ db_port }}\napi={{ api.token }}@{{ api.region }}\n",
    )
    .unwrap();
    let marker = unique("vault-ran");
    let conf = unique("vault-app.conf");
    let yaml = format!(
        "- hosts: h1\n  \
           vars:\n    plain: visible-value\n{inline}  \
           vars_files: [db.yml, api.yml]\n  \
           steps:\n    \
             - name: mark\n      run: touch /tmp/{marker}\n    \
             - name: check the values\n      \
               run: >-\n        \
                 test {{{{ db_credential | b64encode | quote }}}} = {db}\n        \
                 && test {{{{ api.token | b64encode | quote }}}} = {api}\n        \
                 && test {{{{ inline_token | b64encode | quote }}}} = {inl}\n        \
                 && echo matched {{{{ plain }}}} {{{{ api.region }}}}\n    \
             - name: config\n      \
               put: {{src: app.conf.j2, dest: /tmp/{conf}, template: true}}\n    \
             - name: connect\n      \
               run: >-\n        \
                 echo db://app:{{{{ db_credential }}}}@db >/dev/null\n        \
                 && test {{{{ step_token | b64encode | quote }}}} = {step}\n      \
               vars:\n{step_token}{last_step}",
        db = b64(DB_CREDENTIAL),
        api = b64(API_TOKEN),
        inl = b64(INLINE_TOKEN),
        step = b64(STEP_TOKEN),
    );
    let playbook = dir.join("site.yml");
    fs::write(&playbook, yaml).unwrap();
    Book {
        dir,
        playbook,
        marker,
        conf,
    }
}

/// Standard base64, as the playbook's `b64encode` filter writes it.
fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn play(lab: &Lab, book: &Book, args: &[&str]) -> Output {
    let mut command = lab.herd(&["play", book.playbook.to_str().unwrap()]);
    command.args(args);
    command.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// No secret anywhere in what herd printed.
fn assert_no_secret(out: &Output) {
    let shown = text(out);
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
    }
}

#[test]
fn vault_values_reach_the_hosts_and_never_show() {
    let lab = Lab::new();
    let book = book(&lab, "");

    let plan = play(&lab, &book, &["--plan", "--vault-password-file", "pw"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert_no_secret(&plan);
    let shown = text(&plan);
    assert!(
        shown.contains("echo db://app:********@db"),
        "a secret stays masked inside what a template makes of it:\n{shown}"
    );
    assert!(shown.contains("echo matched visible-value"), "{shown}");

    let json = play(
        &lab,
        &book,
        &["--plan", "--output", "json", "--vault-password-file", "pw"],
    );
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    assert_no_secret(&json);
    assert!(text(&json).contains("********"), "{}", text(&json));

    // The environment variable, as Ansible's ANSIBLE_VAULT_PASSWORD_FILE; --diff shows
    // the template's lines masked.
    let mut live = lab.herd(&["play", book.playbook.to_str().unwrap(), "--diff"]);
    let live = live
        .env("HERD_VAULT_PASSWORD_FILE", book.dir.join("pw"))
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(0), "{}", text(&live));
    assert_no_secret(&live);
    assert!(
        text(&live).contains("h1: matched visible-value eu-west"),
        "{}",
        text(&live)
    );
    for line in ["h1: +db=********:********", "h1: +api=********@********"] {
        assert!(text(&live).contains(line), "{line}:\n{}", text(&live));
    }
    let conf = fs::read_to_string(host_tmp("h1").join(&book.conf)).unwrap();
    assert_eq!(
        conf,
        format!("db={DB_CREDENTIAL}:5432\napi={API_TOKEN}@eu-west\n")
    );

    // An executable password file is run, and its output is the password.
    let script = book.dir.join("pw.sh");
    fs::write(&script, format!("#!/bin/sh\necho '{PASSWORD}'\n")).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o700)).unwrap();
    let events = play(
        &lab,
        &book,
        &["--output", "json", "--vault-password-file", "pw.sh"],
    );
    assert_eq!(events.status.code(), Some(0), "{}", text(&events));
    assert_no_secret(&events);
    assert!(text(&events).contains("matched visible-value"));
}

#[test]
fn a_failing_step_with_a_vault_value_shows_no_secret() {
    // The SSH error names the remote path, which holds a secret: in a step, and in each
    // item of a looped one.
    let failing = [
        "    - name: misplaced\n      put: {src: pw, dest: '/nonexistent/{{ db_credential }}/x'}\n",
        "    - name: misplaced\n      put: {src: pw, dest: '/nonexistent/{{ item }}/x'}\n      \
         loop: ['{{ db_credential }}', '{{ api.token }}']\n",
    ];
    for step in failing {
        let lab = Lab::new();
        let book = book(&lab, step);
        for output in ["text", "json"] {
            let out = play(
                &lab,
                &book,
                &["--output", output, "--vault-password-file", "pw"],
            );
            assert_ne!(out.status.code(), Some(0), "{}", text(&out));
            assert!(text(&out).contains("failed"), "{}", text(&out));
            assert!(
                text(&out).contains("/nonexistent/********/x"),
                "{}",
                text(&out)
            );
            assert_no_secret(&out);
        }
    }
}

#[test]
fn a_wrong_password_is_one_error_before_anything_runs() {
    let lab = Lab::new();
    let book = book(&lab, "");
    fs::write(book.dir.join("wrong"), "correct horse staple\n").unwrap();
    let out = play(&lab, &book, &["--vault-password-file", "wrong"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("herd: error:").count(),
        1,
        "one error, listing each encrypted thing:\n{stderr}"
    );
    for expected in [
        "in `vars:`, the value of `inline_token` cannot be decrypted: the vault password is wrong",
        "db.yml: the vars file cannot be decrypted: the vault password is wrong",
        "api.yml: the vars file cannot be decrypted (vault id `prod`): the vault password is wrong",
    ] {
        assert!(stderr.contains(expected), "{expected}:\n{stderr}");
    }
    assert!(!stderr.contains("correct horse"), "{stderr}");
    assert!(
        !host_tmp("h1").join(&book.marker).exists(),
        "a step ran despite the wrong password"
    );
}

#[test]
fn a_missing_password_says_what_to_pass() {
    let lab = Lab::new();
    let book = book(&lab, "");
    let out = play(&lab, &book, &["--plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is encrypted with ansible-vault and no vault password was given"),
        "{stderr}"
    );
    for option in [
        "--vault-password-file FILE",
        "--ask-vault-pass",
        "HERD_VAULT_PASSWORD_FILE",
    ] {
        assert!(stderr.contains(option), "{stderr}");
    }
    let missing = play(&lab, &book, &["--plan", "--vault-password-file", "nope"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("vault password file nope: cannot read it"),
        "{stderr}"
    );
}

/// `--ask-vault-pass` reads the terminal, without echo: `script` gives herd one.
#[test]
fn ask_vault_pass_prompts_on_the_terminal_without_echo() {
    let lab = Lab::new();
    let book = book(&lab, "");
    let herd = assert_cmd::cargo::cargo_bin("herd");
    let command = format!(
        "{} play {} --plan --ask-vault-pass",
        herd.display(),
        book.playbook.display()
    );
    // Same environment as herd's, but `script` runs herd on a pseudo-terminal.
    let mut script = Command::new("script");
    lab.set_up(&mut script);
    let mut child = script
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Type the password once herd asks, as a person would: rpassword turns echo off just
    // after printing the prompt, so give it a moment (a password typed before that would
    // be echoed by the terminal, not by herd).
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("vault password:") {
        let read = stdout.read(&mut buffer).unwrap();
        assert!(read > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..read]);
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    drop(stdin);
    let mut out = child.wait_with_output().unwrap();
    out.stdout = seen;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("herd: vault password:"), "{shown}");
    assert!(
        !shown.contains(PASSWORD),
        "the password was echoed:\n{shown}"
    );
    assert!(shown.contains("echo db://app:********@db"), "{shown}");
    assert_no_secret(&out);
}

/// group_vars and host_vars encrypted with ansible-vault beside an inventory: the
/// become password of h3 (whose user may sudo with her password) and a token for h1.
#[test]
fn inventory_vars_from_the_vault_are_used_and_never_show() {
    let lab = Lab::new();
    let dir = lab.work.path();
    let inventory = lab.inventory_with("hosts.ini", str::to_owned);
    fs::write(dir.join("pw"), format!("{PASSWORD}\n")).unwrap();
    fs::create_dir_all(dir.join("group_vars")).unwrap();
    fs::create_dir_all(dir.join("host_vars")).unwrap();
    let carol = fs::read_to_string(&inventory).unwrap();
    let carol = carol
        .lines()
        .find(|line| line.starts_with("h3 "))
        .and_then(|line| line.split(" password=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the lab's h3 has a password")
        .to_owned();
    fs::write(
        dir.join("group_vars/db_servers.yml"),
        format!("ansible_become_password: {carol}\ndb_token: {DB_CREDENTIAL}\n"),
    )
    .unwrap();
    ansible_vault(
        dir,
        &[
            "encrypt",
            "--vault-password-file",
            "pw",
            "group_vars/db_servers.yml",
        ],
    );
    let h1 = ansible_vault(
        dir,
        &[
            "encrypt_string",
            "--vault-password-file",
            "pw",
            API_TOKEN,
            "--name",
            "h1_token",
        ],
    );
    fs::write(dir.join("host_vars/h1.yml"), h1).unwrap();
    let playbook = dir.join("inv.yml");
    fs::write(
        &playbook,
        format!(
            "- hosts: h1\n  steps:\n    \
               - run: test {{{{ h1_token | b64encode | quote }}}} = {api} && echo h1 ok\n\
             - hosts: h3\n  steps:\n    \
               - run: id -u && test {{{{ db_token | b64encode | quote }}}} = {db}\n      \
                 become: true\n",
            api = b64(API_TOKEN),
            db = b64(DB_CREDENTIAL),
        ),
    )
    .unwrap();
    let play = |args: &[&str]| {
        let mut command = lab.herd(&["play", "inv.yml", "-i", "hosts.ini"]);
        command.args(args).output().unwrap()
    };

    let plan = play(&["--plan", "--vault-password-file", "pw"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert_no_secret(&plan);
    let masked = format!("run: test {} = ", b64("********"));
    assert!(text(&plan).contains(&masked), "{}", text(&plan));

    let run = play(&["--vault-password-file", "pw"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_no_secret(&run);
    assert!(!text(&run).contains(&carol), "{}", text(&run));
    assert!(text(&run).contains("h1: h1 ok"), "{}", text(&run));
    assert!(
        text(&run).contains("h3: 0"),
        "sudo with the vault's password:\n{}",
        text(&run)
    );

    let missing = play(&["--plan"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(
        text(&missing).contains("group_vars/db_servers.yml:1: this file is encrypted"),
        "{}",
        text(&missing)
    );

    // herd run takes the vault too: the inventory is the same.
    let mut adhoc = lab.herd(&[
        "run",
        "-i",
        "hosts.ini",
        "-h",
        "h3",
        "--vault-password-file",
        "pw",
    ]);
    let adhoc = adhoc.args(["--", "echo", "reached"]).output().unwrap();
    assert_eq!(adhoc.status.code(), Some(0), "{}", text(&adhoc));
    assert!(text(&adhoc).contains("h3: reached"), "{}", text(&adhoc));
}

/// A `put` source, plain or a template, encrypted with ansible-vault is sent decrypted
/// (as Ansible's `copy` and `template` do), and all of it is secret.
#[test]
fn encrypted_put_sources_are_sent_decrypted_and_never_shown() {
    let lab = Lab::new();
    let dir = lab.work.path();
    fs::write(dir.join("pw"), format!("{PASSWORD}\n")).unwrap();
    let key = format!("-----BEGIN KEY-----\n{DB_CREDENTIAL}\n-----END KEY-----\n");
    fs::write(dir.join("key.pem"), &key).unwrap();
    fs::write(
        dir.join("app.conf.j2"),
        format!("token={API_TOKEN}\nhost={{{{ inventory_hostname }}}}\n"),
    )
    .unwrap();
    for file in ["key.pem", "app.conf.j2"] {
        ansible_vault(dir, &["encrypt", "--vault-password-file", "pw", file]);
    }
    let (key_dest, conf_dest) = (unique("vault-key.pem"), unique("vault-app.conf"));
    fs::write(
        dir.join("files.yml"),
        format!(
            "- hosts: h1\n  steps:\n    \
               - put: {{src: key.pem, dest: /tmp/{key_dest}, mode: '0600'}}\n    \
               - put: {{src: app.conf.j2, dest: /tmp/{conf_dest}, template: true}}\n"
        ),
    )
    .unwrap();
    let play = |args: &[&str]| {
        let mut command = lab.herd(&["play", "files.yml", "--vault-password-file", "pw"]);
        command.args(args).output().unwrap()
    };
    for args in [&["--plan"][..], &["--plan", "--output", "json"]] {
        let plan = play(args);
        assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
        assert_no_secret(&plan);
    }
    let first = play(&["--diff"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_no_secret(&first);
    assert_eq!(
        fs::read_to_string(host_tmp("h1").join(&key_dest)).unwrap(),
        key
    );
    assert_eq!(
        fs::read_to_string(host_tmp("h1").join(&conf_dest)).unwrap(),
        format!("token={API_TOKEN}\nhost=h1\n")
    );
    let second = play(&["--output", "json"]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert_eq!(
        text(&second).matches(r#""status":"ok""#).count(),
        2,
        "a second run changes nothing:\n{}",
        text(&second)
    );
    assert_no_secret(&second);
}
