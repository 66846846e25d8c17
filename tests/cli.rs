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
    assert_eq!(json["_meta"]["hostvars"]["db1"]["port"], "2200");
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
