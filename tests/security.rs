//! Secrets never leave herd (in any command: run, scp, inventory, play), inventories holding passwords are guarded, `get` never
//! writes outside its destination, templated values are quoted inert, and host key
//! checking is never silently off. Against the lab's real sshd servers.

mod common;

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use common::faults::{self, REFUSED};
use common::{Lab, host_tmp, unique};

/// Everything a run printed, stdout and stderr together.
fn all_output(out: &std::process::Output) -> Vec<u8> {
    [out.stdout.as_slice(), out.stderr.as_slice()].concat()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Every command mode, with an inventory full of distinct secrets (literal passwords,
/// a wrong one, an env one, a passphrase env, a become password, a group password), on
/// good, unreachable and misconfigured hosts: no secret appears in any output.
#[test]
fn no_secret_appears_in_any_output() {
    let lab = Lab::new();
    faults::check();
    let id = std::process::id();
    let wrong = format!("wrong-pw-{id}-Zq9");
    let unreachable = format!("unreachable-pw-{id}-Kx");
    let passphrase = format!("passphrase-{id}-Yv");
    let become_pw = format!("become-pw-{id}-Wt");
    let group_pw = format!("group-pw-{id}-Ru");
    let bad_line = format!("bad-line-pw-{id}-Ps");
    let (refused_address, refused_port) = REFUSED;
    let inventory = lab.inventory_with("secrets.ini", |text| {
        let text = text
            .replace("password=bob-lab-pw", &format!("password={wrong}"))
            .replace("password=carol-lab-pw", "password_env=H3_PASSWORD");
        let text = text.replace(
            "user=herd_alice",
            &format!("user=herd_alice become_password={become_pw}"),
        );
        let text = text.replace(
            "user=herd_dave",
            "user=herd_dave key_passphrase_env=H4_PASSPHRASE",
        );
        format!(
            "{text}\n[dead]\nrefused host={refused_address} port={refused_port} user=x password={unreachable}\n\
             [all:vars]\ndb_password={group_pw}\n"
        )
    });
    let broken = lab.inventory_with("broken.ini", |text| {
        format!("{text}\n[bad]\nbroken host=10.0.0.1 port=notaport password={bad_line}\n")
    });
    let secrets = [
        "alice-lab-pw",
        "bob-lab-pw",
        "carol-lab-pw",
        &wrong,
        &unreachable,
        &passphrase,
        &become_pw,
        &group_pw,
        &bad_line,
    ];
    let inventory = inventory.to_str().unwrap();
    let broken = broken.to_str().unwrap();
    let file = lab.work.path().join("payload.txt");
    fs::write(&file, "payload\n").unwrap();
    let file = file.to_str().unwrap();
    let remote = format!("/tmp/{}", unique("secret-payload"));
    let playbook = lab.work.path().join("site.yml");
    fs::write(
        &playbook,
        "- hosts: all\n  steps:\n    - run: whoami\n    - name: privileged\n      run: id -u\n      become: true\n",
    )
    .unwrap();
    let playbook = playbook.to_str().unwrap();
    let retry = lab.work.path().join("retry.txt");
    let retry = retry.to_str().unwrap();
    // Each command line with the exit code that shows it really ran that far.
    let runs: Vec<(i32, Vec<&str>)> = vec![
        (
            4,
            vec!["run", "-i", inventory, "-g", "all", "--cmd", "whoami"],
        ),
        (
            4,
            vec!["run", "-i", inventory, "-g", "all", "-b", "--cmd", "whoami"],
        ),
        (
            4,
            vec![
                "run", "-i", inventory, "-g", "all", "--output", "json", "--cmd", "whoami",
            ],
        ),
        (
            2,
            vec![
                "run",
                "-i",
                inventory,
                "-g",
                "all",
                "--timeout",
                "1",
                "--cmd",
                "sleep 5",
            ],
        ),
        (
            2,
            vec!["run", "-i", inventory, "-g", "all", "--cmd", "exit 3"],
        ),
        (
            4,
            vec![
                "scp", "-i", inventory, "-g", "all", "--action", "put", "--local", file,
                "--remote", &remote,
            ],
        ),
        (
            4,
            vec![
                "scp", "-i", inventory, "-g", "all", "--output", "json", "--action", "get",
                "--remote", &remote, "--local", "got",
            ],
        ),
        (
            2,
            vec![
                "scp",
                "-i",
                inventory,
                "-g",
                "all",
                "--action",
                "get",
                "--remote",
                "/no/such/file",
                "--local",
                "got",
            ],
        ),
        (0, vec!["inventory", "-i", inventory, "--list"]),
        (0, vec!["inventory", "-i", inventory, "--graph"]),
        (0, vec!["inventory", "-i", inventory, "--host", "h1"]),
        (0, vec!["inventory", "-i", inventory, "--host", "h2"]),
        (0, vec!["inventory", "-i", inventory, "--host", "refused"]),
        (1, vec!["inventory", "-i", broken, "--list"]),
        (1, vec!["run", "-i", broken, "-g", "all", "--cmd", "true"]),
        (
            1,
            vec!["run", "-i", inventory, "-h", "nosuchhost", "--cmd", "true"],
        ),
        (0, vec!["play", "-i", inventory, playbook, "--plan"]),
        (
            0,
            vec![
                "play", "-i", inventory, playbook, "--plan", "--output", "json",
            ],
        ),
        (
            2,
            vec!["play", "-i", inventory, playbook, "--retry-file", retry],
        ),
        (
            2,
            vec!["play", "-i", inventory, playbook, "--output", "json"],
        ),
        (1, vec!["play", "-i", broken, playbook]),
    ];
    let mut seen_unreachable = false;
    for (code, args) in &runs {
        let out = lab
            .herd(args)
            .env("H3_PASSWORD", "carol-lab-pw")
            .env("H4_PASSPHRASE", &passphrase)
            .output()
            .unwrap();
        let output = all_output(&out);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "`herd {}`: {}",
            args.join(" "),
            String::from_utf8_lossy(&output)
        );
        if args[0] == "inventory" && *code == 0 && args[3] != "--graph" {
            assert!(contains(&output, "********"), "nothing masked: {args:?}");
        }
        seen_unreachable |= contains(&output, "authentication failed for herd_bob");
        for secret in secrets {
            assert!(
                !contains(&output, secret),
                "`herd {}` printed the secret {secret:?}:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output)
            );
        }
    }
    assert!(seen_unreachable, "the wrong password was not even tried");
    let retried = fs::read(retry).unwrap();
    assert!(
        contains(&retried, "h2"),
        "the retry file lists the unreachable h2"
    );
    for secret in secrets {
        assert!(
            !contains(&retried, secret),
            "the retry file holds {secret:?}"
        );
    }
    let _ = fs::remove_file(host_tmp("h1").join(&remote[5..]));
}

#[test]
fn an_inventory_with_passwords_readable_by_others_is_warned_about() {
    let lab = Lab::new();
    let with_passwords = fs::read_to_string(common::lab_dir().join("inventory.ini")).unwrap();
    let path = lab.work.path().join("shared.ini");
    let list = |path: &Path| {
        lab.herd(&["inventory", "-i", path.to_str().unwrap(), "--graph"])
            .output()
            .unwrap()
    };
    fs::write(&path, &with_passwords).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let out = list(&path);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "herd: warning: {} holds passwords and other users can read it (mode 0644); run: chmod 600 {}",
            path.display(),
            path.display()
        )),
        "{stderr}"
    );
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(list(&path).stderr.is_empty(), "no warning once private");

    let without = lab.work.path().join("env-only.ini");
    fs::write(
        &without,
        "[web]\nweb1 host=127.0.0.11 password_env=WEB_PW\n",
    )
    .unwrap();
    fs::set_permissions(&without, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(list(&without).stderr.is_empty(), "no passwords, no warning");
}

/// Regular files and directories only, and every path under `root`: nothing a remote
/// sent became a symlink, a device or a name outside.
fn assert_only_plain_files_under(root: &Path) {
    for entry in fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        assert!(
            kind.is_file() || kind.is_dir(),
            "{} is neither a file nor a directory",
            entry.path().display()
        );
        assert!(!kind.is_symlink() && !kind.is_fifo());
        if kind.is_dir() {
            assert_only_plain_files_under(&entry.path());
        }
    }
}

/// Hostile names on a host (symlinks out of the tree, a newline in a name, a path
/// ending in `..`) and a host named `../evil`: `get` writes only inside its destination.
#[test]
fn get_never_writes_outside_the_destination() {
    let lab = Lab::new();
    let tree = unique("hostile");
    let remote_tree = host_tmp("h1").join(&tree);
    fs::create_dir_all(remote_tree.join("sub")).unwrap();
    fs::write(remote_tree.join("sub/plain.txt"), "plain\n").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", remote_tree.join("to-a-file")).unwrap();
    std::os::unix::fs::symlink("/", remote_tree.join("to-root")).unwrap();
    std::os::unix::fs::symlink("../../..", remote_tree.join("sub/up")).unwrap();
    let hostile = unique("newline");
    let remote_hostile = host_tmp("h1").join(&hostile);
    fs::create_dir_all(&remote_hostile).unwrap();
    fs::write(remote_hostile.join("evil\nname"), "x\n").unwrap();
    let inventory = lab.inventory_with("evil.ini", |text| {
        format!("{text}\n[evil]\n'../evil' host=127.0.0.11 user=herd_alice password=alice-lab-pw\n")
    });
    let inventory = inventory.to_str().unwrap();
    let get = |hosts: &str, remote: &str| {
        lab.herd(&[
            "scp", "-i", inventory, "-h", hosts, "--action", "get", "--remote", remote, "--local",
            "fetched",
        ])
        .output()
        .unwrap()
    };

    let out = get("h1,../evil", &format!("/tmp/{tree}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fetched = lab.work.path().join("fetched");
    for host_dir in ["h1", "..%2Fevil"] {
        let copy = fetched.join(host_dir).join(&tree);
        assert_eq!(
            fs::read_to_string(copy.join("sub/plain.txt")).unwrap(),
            "plain\n"
        );
        assert!(
            copy.join("to-a-file").is_file(),
            "a symlink to a file is copied as a file"
        );
        assert!(
            !copy.join("to-root").exists(),
            "a symlink to a directory is skipped"
        );
        assert!(!copy.join("sub/up").exists());
    }
    assert!(!lab.work.path().join("evil").exists());

    let refused = get("h1", &format!("/tmp/{hostile}"));
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refusing to copy unsafe remote file name \"evil\\nname\""),
        "{stderr}"
    );

    let dots = get("h1", &format!("/tmp/{tree}/.."));
    assert_eq!(dots.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&dots.stderr).contains("has no usable file name"),
        "{}",
        String::from_utf8_lossy(&dots.stderr)
    );
    assert_only_plain_files_under(&fetched);
    let names: Vec<_> = fs::read_dir(lab.work.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["evil.ini", "fetched"],
        "nothing written beside `fetched`"
    );
    fs::remove_dir_all(remote_tree).unwrap();
    fs::remove_dir_all(remote_hostile).unwrap();
}

/// A variable holding `x; touch FILE`, rendered into a command with `| quote`, is one
/// inert argument; without `quote` the same variable runs `touch` on the host.
#[test]
fn the_quote_filter_makes_a_hostile_variable_inert() {
    use herd::template::{Origin, Templates};
    let lab = Lab::new();
    let pwned = unique("pwned");
    let hostile = format!("x; touch /tmp/{pwned}");
    let context = minijinja::context! { name => &hostile };
    let templates = Templates::new();
    let origin = Origin::new("test.yml", 1);
    let render = |template: &str| templates.render_str(template, &context, &origin).unwrap();

    let safe = render("echo {{ name | quote }}");
    let out = lab
        .herd(&["run", "-h", "h1", "--cmd", &safe])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("h1: {hostile}\n")
    );
    assert!(!host_tmp("h1").join(&pwned).exists(), "quoted, yet it ran");

    let unsafe_command = render("echo {{ name }}");
    let out = lab
        .herd(&["run", "-h", "h1", "--cmd", &unsafe_command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        host_tmp("h1").join(&pwned).exists(),
        "without quote the injection runs: the check above means something"
    );
    fs::remove_file(host_tmp("h1").join(&pwned)).unwrap();
}

#[test]
fn host_key_checking_off_warns_once_and_is_never_the_default() {
    let lab = Lab::new();
    let off = lab
        .herd(&[
            "run",
            "-g",
            "all",
            "--host-key-checking",
            "off",
            "--cmd",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&off.stderr);
    let warning = "herd: warning: --host-key-checking off: server identities are not verified";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("warning").count(), 1, "{stderr}");
    assert!(
        !lab.known_hosts().exists(),
        "off neither reads nor writes known_hosts"
    );

    let default = lab
        .herd(&["run", "-g", "all", "--cmd", "true"])
        .output()
        .unwrap();
    assert_eq!(default.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&default.stderr).contains("warning"));
    let recorded = fs::read_to_string(lab.known_hosts()).unwrap();
    assert_eq!(
        recorded.lines().count(),
        4,
        "the default records keys (accept-new)"
    );

    // The help names the default: the host's ssh config, else accept-new (wrapped).
    let help = lab.herd(&["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("[default: the host's ssh config StrictHostKeyChecking, else accept-new]"),
        "{help}"
    );
}
