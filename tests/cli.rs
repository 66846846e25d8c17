//! Command-line behaviour that needs no SSH: help, usage errors, inventory views.

use assert_cmd::Command;
use tempfile::TempDir;

fn herd(dir: &TempDir, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("herd")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("HERD_INVENTORY")
        .args(args)
        .output()
        .unwrap()
}

const INVENTORY: &str = "\
[web]
web[01:02] user=deploy password=s3cret-pw

[db]
db1 host=10.1.1.1 port=2200 password_env=DB_PW

[prod:children]
web
db
";

fn with_inventory() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("inventory")).unwrap();
    std::fs::write(dir.path().join("inventory/hosts.ini"), INVENTORY).unwrap();
    dir
}

#[test]
fn help_is_long_only_because_dash_h_means_hosts() {
    let dir = TempDir::new().unwrap();
    let out = herd(&dir, &["run", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("-h, --hosts <HOSTS>"), "{help}");
    for binary in ["batch_run", "batch_scp"] {
        let out = Command::cargo_bin(binary)
            .unwrap()
            .arg("--help")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("-h, --hosts"));
    }
}

#[test]
fn usage_errors_exit_1() {
    let dir = with_inventory();
    for args in [
        &["run", "-g", "web"][..],
        &["run", "--cmd", "true"],
        &["run", "-g", "web", "--cmd", "true", "--forks", "0"],
        &[
            "scp", "-g", "web", "--action", "sideways", "--local", "a", "--remote", "b",
        ],
        &["frobnicate"],
    ] {
        let out = herd(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn an_inventory_error_names_file_and_line() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("bad.ini"), "[web]\nweb1 port=eighty\n").unwrap();
    let out = herd(
        &dir,
        &["run", "-i", "bad.ini", "-g", "web", "--cmd", "true"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.ini:2"), "{stderr}");
    assert!(stderr.contains("eighty"), "{stderr}");
}

#[test]
fn inventory_list_masks_passwords() {
    let dir = with_inventory();
    let out = herd(&dir, &["inventory", "--list"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["_meta"]["hostvars"]["web01"]["password"], "********");
    assert_eq!(json["_meta"]["hostvars"]["db1"]["port"], 2200);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret-pw"));
}

#[test]
fn inventory_graph_and_host() {
    let dir = with_inventory();
    let graph = herd(&dir, &["inventory", "--graph"]);
    let graph = String::from_utf8_lossy(&graph.stdout);
    assert!(
        graph.contains("@prod:") && graph.contains("web02"),
        "{graph}"
    );
    let host = herd(&dir, &["inventory", "--host", "web02"]);
    assert_eq!(host.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&host.stdout).contains("\"user\": \"deploy\""));
    assert_eq!(
        herd(&dir, &["inventory", "--host", "nope"]).status.code(),
        Some(1)
    );
}

#[test]
fn the_inventory_comes_from_herd_inventory_when_no_flag_is_given() {
    let dir = with_inventory();
    std::fs::rename(
        dir.path().join("inventory/hosts.ini"),
        dir.path().join("elsewhere.ini"),
    )
    .unwrap();
    let out = Command::cargo_bin("herd")
        .unwrap()
        .current_dir(dir.path())
        .env("HERD_INVENTORY", dir.path().join("elsewhere.ini"))
        .args(["inventory", "--graph"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn inventory_views_take_an_inventory_file() {
    let dir = with_inventory();
    for view in [&["--list"][..], &["--graph"], &["--host", "web01"]] {
        let mut args = vec!["inventory", "-i", "inventory/hosts.ini"];
        args.extend_from_slice(view);
        let out = herd(&dir, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn schema_prints_the_committed_playbook_schema() {
    let dir = TempDir::new().unwrap();
    let out = herd(&dir, &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/playbook.schema.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[test]
fn a_playbook_that_cannot_be_planned_exits_1_with_every_problem() {
    let dir = with_inventory();
    std::fs::write(
        dir.path().join("bad.yml"),
        "- hosts: web\n  steps:\n    - run: echo {{ nope }}\n    - get: {src: /tmp/x, dest: \"{{ also_nope }}\"}\n",
    )
    .unwrap();
    let out = herd(&dir, &["play", "bad.yml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("undefined variable `nope`"), "{stderr}");
    assert!(
        stderr.contains("undefined variable `also_nope`"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bash_sources_the_completion_script() {
    let dir = TempDir::new().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("herd");
    let script = format!(
        "source <('{}' completions bash) && complete -p herd",
        binary.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let complete = String::from_utf8_lossy(&out.stdout);
    assert!(complete.contains("-F _herd herd"), "{complete}");
    // The script offers the subcommands and their long options.
    let script = herd_stdout(&dir, &["completions", "bash"]);
    for word in ["run", "scp", "play", "--cmd", "--outdir", "--user"] {
        assert!(script.contains(word), "{word} missing");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = herd(&dir, &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("herd"),
            "{shell}"
        );
    }
    assert_eq!(herd(&dir, &["completions", "tcsh"]).status.code(), Some(1));
}

fn herd_stdout(dir: &TempDir, args: &[&str]) -> String {
    let out = herd(dir, args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Renders a man page as `man -l` shows it (plain text).
fn man_l(page: &std::path::Path) -> String {
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man (man-db) is installed by scripts/setup-machine.sh");
    assert!(out.status.success(), "{}", stderr_of(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn man_pages_for_herd_and_each_subcommand_render_with_man() {
    let dir = TempDir::new().unwrap();
    herd_stdout(&dir, &["man", "pages"]);
    let pages = dir.path().join("pages");
    let expected = [
        ("herd", "completions"),
        ("herd-run", "--outdir"),
        ("herd-scp", "--action"),
        ("herd-play", "--retry-file"),
        ("herd-inventory", "--graph"),
        ("herd-schema", "JSON Schema"),
        ("herd-completions", "SHELL"),
        ("herd-man", "DIR"),
    ];
    let written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // One page per subcommand that `herd --help` lists, and herd.1.
    let help = herd_stdout(&dir, &["--help"]);
    let subcommands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        // `  name  description`; wrapped descriptions are indented further.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.chars().all(|c| c.is_ascii_lowercase()) && *word != "help")
        .collect();
    assert!(subcommands.len() >= 7, "{help}");
    assert_eq!(
        written.len(),
        subcommands.len() + 1,
        "{written:?} vs {subcommands:?}"
    );
    for sub in subcommands {
        let page = pages.join(format!("herd-{sub}.1"));
        let text = man_l(&page);
        assert!(text.contains(&format!("herd-{sub}(1)")), "{sub}: {text}");
        assert!(text.contains("SYNOPSIS"), "{sub}: {text}");
    }
    for (name, word) in expected {
        let text = man_l(&pages.join(format!("{name}.1")));
        assert!(text.contains("NAME"), "{name}: {text}");
        assert!(text.contains(word), "{name} lacks {word}: {text}");
    }
    // Without DIR, herd.1 on stdout.
    let page = herd_stdout(&dir, &["man"]);
    assert!(page.starts_with(".ie"), "{page}");
    assert!(page.contains(".TH herd 1"), "{page}");
}

#[test]
fn a_misspelt_seed_option_is_named_as_typed_with_the_nearest() {
    let dir = with_inventory();
    for (bin, args, typed, nearest) in [
        (
            "batch_run",
            &["-h", "web01", "-comd", "uptime"][..],
            "'-comd'",
            "'-cmd'",
        ),
        (
            "herd",
            &["run", "-g", "all", "-timout", "3", "x"][..],
            "'-timout'",
            "'-timeout'",
        ),
        (
            "batch_scp",
            &["-g", "all", "-actoin", "put"][..],
            "'-actoin'",
            "'-action'",
        ),
    ] {
        let out = Command::cargo_bin(bin)
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_of(&out);
        assert!(
            err.contains(&format!("unknown option {typed}; did you mean {nearest}?")),
            "{err}"
        );
        assert!(!err.contains("'-c'"), "{err}");
    }
}

#[test]
fn dash_h_without_a_value_hints_at_help_and_help_is_last() {
    let dir = TempDir::new().unwrap();
    let out = herd(&dir, &["run", "-h"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("'-h' needs a value: it means '--hosts <HOSTS>'"),
        "{err}"
    );
    assert!(err.contains("help is '--help'"), "{err}");
    for (bin, args) in [
        ("herd", &["run", "--help"][..]),
        ("herd", &["play", "--help"][..]),
        ("batch_run", &["--help"][..]),
        ("batch_scp", &["--help"][..]),
    ] {
        let out = Command::cargo_bin(bin)
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        let last_option = help
            .lines()
            .rfind(|line| line.trim_start().starts_with('-'))
            .unwrap();
        assert_eq!(last_option.trim(), "--help", "{bin} {args:?}: {help}");
    }
}
