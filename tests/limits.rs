//! Hostile or absurd input (a huge range, a 10 MB line, a YAML alias bomb, deep nesting)
//! is a clear error, reached in bounded memory. Memory is the peak RSS of a child
//! process: herd itself (`wait4`), or this test binary running one library case, which
//! reports its own peak (`VmHWM`).

mod common;

use std::io::Write;
use std::process::Command;

use common::run_measured;

/// Peak memory allowed for refusing any of these inputs.
const RSS_LIMIT: u64 = 64 * 1024 * 1024;

/// Runs herd with `args` in `dir`; returns its exit code, stderr and peak RSS.
fn herd_measured(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, u64) {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("herd"));
    command.current_dir(dir).args(args);
    let (run, ()) = run_measured(&mut command, |out| {
        std::io::copy(&mut { out }, &mut std::io::sink()).unwrap();
    });
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    (run.code, stderr, run.max_rss)
}

#[test]
fn a_range_past_100000_hosts_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "[web]\nweb[0000000:9999999] user=x\n",
    )
    .unwrap();
    let (code, stderr, rss) =
        herd_measured(dir.path(), &["inventory", "-i", "hosts.ini", "--list"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(
            "hosts.ini:2: bad range in `web[0000000:9999999]`: it expands to more than 100000 names"
        ),
        "{stderr}"
    );
    assert!(rss < RSS_LIMIT, "{} MiB", rss >> 20);

    std::fs::write(
        dir.path().join("many.ini"),
        "[a]\na[0:60000]\n[b]\nb[0:60000]\n",
    )
    .unwrap();
    let (code, stderr, rss) =
        herd_measured(dir.path(), &["inventory", "-i", "many.ini", "--graph"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("many.ini:4: the inventory would hold more than 100000 host entries"),
        "{stderr}"
    );
    assert!(rss < RSS_LIMIT, "{} MiB", rss >> 20);
}

#[test]
fn a_ten_megabyte_inventory_line_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    // Written in pieces: this process stays small, as its peak counts in the child's.
    let mut file = std::fs::File::create(dir.path().join("hosts.ini")).unwrap();
    file.write_all(b"[web]\nweb1 host=10.0.0.1 password=")
        .unwrap();
    for _ in 0..10 {
        file.write_all(&[b'p'; 1_000_000]).unwrap();
    }
    file.write_all(b"\n").unwrap();
    drop(file);
    let (code, stderr, rss) =
        herd_measured(dir.path(), &["inventory", "-i", "hosts.ini", "--list"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("hosts.ini:2: the line is 10000028 bytes long; inventory lines over 65536 bytes are refused"),
        "{stderr}"
    );
    assert!(stderr.len() < 1000, "the line was echoed");
    assert!(rss < RSS_LIMIT, "{} MiB", rss >> 20);
}

/// A playbook whose vars hold ten nested levels of ten aliases each (10^10 nodes).
fn alias_bomb() -> String {
    let mut text =
        String::from("- hosts: all\n  vars:\n    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..=10 {
        let previous = format!("*l{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("    l{level}: &l{level} [{items}]\n"));
    }
    text.push_str("  steps:\n    - run: echo {{ l10 }}\n");
    text
}

/// A playbook nested 100000 lists deep.
fn deep_nesting() -> String {
    format!(
        "- hosts: all\n  vars:\n    deep: {}{}\n  steps:\n    - run: 'true'\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    )
}

/// Run by [`hostile_playbooks_are_refused_in_bounded_memory`] in a child process:
/// loads the playbook case named by `HERD_LIMIT_CASE` and prints the error. Does
/// nothing in a normal test run.
#[test]
fn playbook_case_in_a_child_process() {
    let Ok(case) = std::env::var("HERD_LIMIT_CASE") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.yml");
    let text = match case.as_str() {
        "alias_bomb" => alias_bomb(),
        "deep_nesting" => deep_nesting(),
        other => panic!("unknown case {other}"),
    };
    std::fs::write(&path, text).unwrap();
    match herd::playbook::load(&path) {
        Ok(_) => println!("LOADED"),
        Err(error) => println!("ERROR: {error}"),
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    println!("{peak}");
}

/// The `VmHWM: N kB` line's value, in bytes.
fn peak_of(stdout: &str) -> u64 {
    let line = stdout.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[test]
fn hostile_playbooks_are_refused_in_bounded_memory() {
    for (case, expected) in [("alias_bomb", "alias"), ("deep_nesting", "nest")] {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["--exact", "playbook_case_in_a_child_process", "--nocapture"])
            .env("HERD_LIMIT_CASE", case);
        let (run, stdout) = run_measured(&mut command, |mut out| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut out, &mut text).unwrap();
            text
        });
        assert_eq!(
            run.code,
            Some(0),
            "{case}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        // With one test thread libtest prints `test NAME ... ` before the case's own
        // output, on the same line.
        let error = stdout
            .lines()
            .find_map(|line| {
                ["ERROR: ", "LOADED"]
                    .iter()
                    .find_map(|tag| line.find(tag).map(|at| &line[at..]))
            })
            .unwrap_or_else(|| panic!("{case}: no result in {stdout}"));
        assert!(
            error.starts_with("ERROR: ") && error.to_lowercase().contains(expected),
            "{case}: {error}"
        );
        let peak = peak_of(&stdout);
        assert!(peak < RSS_LIMIT, "{case}: {} MiB", peak >> 20);
    }
}
