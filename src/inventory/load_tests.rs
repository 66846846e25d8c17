//! What herd does beyond what Ansible does (the differential tests in
//! tests/inventory_sources_oracle.rs show the rest): errors that name the file and line,
//! scripts' failures with their stderr, the timeout, vault files and secret files.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::secret::Secret;
use crate::vault::Vault;

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn script(root: &Path, file: &str, text: &str) {
    write(root, file, text);
    std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The error loading `relative` in `root` gives, with `root` shown as `ROOT`.
fn error(root: &Path, relative: &str, options: &LoadOptions) -> String {
    Inventory::load_with(&root.join(relative), options)
        .unwrap_err()
        .to_string()
        .replace(&root.display().to_string(), "ROOT")
}

#[test]
fn yaml_mistakes_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let options = LoadOptions::default();
    let cases = [
        (
            "all:\n  hosts:\n    web1:\n  host:\n    web2:\n",
            "ROOT/x.yml:4: unknown key `host` in group `all`; a group has hosts:, vars: and children: (put variables under vars:)",
        ),
        (
            "all:\n  children:\n    web:\n      hosts:\n        - web1\n",
            "ROOT/x.yml:5: `hosts` of group `web` must be a mapping",
        ),
        (
            "all:\n  hosts:\n    web1: oops\n",
            "ROOT/x.yml:3: host `web1` must be followed by a mapping of its vars",
        ),
        (
            "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n",
            "ROOT/x.yml:1: this is an inventory plugin's configuration (`plugin:`)",
        ),
        (
            "all:\n  children:\n    bad group:\n",
            "ROOT/x.yml:3: invalid group name `bad group`",
        ),
        (
            "all:\n  hosts:\n    web1: {ansible_port: 99999}\n",
            "ROOT/x.yml:3: ansible_port=99999 is not a port",
        ),
        ("all:\n  hosts: [\n", "ROOT/x.yml:2: unclosed bracket"),
        (
            "- a\n- b\n",
            "ROOT/x.yml:1: a YAML inventory is a mapping of group names",
        ),
    ];
    for (text, expected) in cases {
        write(root, "x.yml", text);
        let message = error(root, "x.yml", &options);
        assert!(message.starts_with(expected), "{text:?}:\n{message}");
    }
    write(root, "x.toml", "[all]\n");
    assert!(
        error(root, "x.toml", &options)
            .starts_with("ROOT/x.toml:1: TOML inventories are not read by herd")
    );
}

#[test]
fn errors_in_a_directory_name_the_file_they_are_in() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let options = LoadOptions::default();
    write(
        root,
        "inv/a.ini",
        "[web]\nweb1 color=red\n\n[web:children]\nedge\n\n[edge]\n",
    );
    write(
        root,
        "inv/b.yml",
        "all:\n  children:\n    edge:\n      hosts:\n        web1:\n          color: blue\n",
    );
    let message = error(root, "inv", &options);
    assert!(
        message.starts_with(
            "ROOT/inv/b.yml:5: host `web1` sets color=blue here but color=red at ROOT/inv/a.ini:2"
        ),
        "{message}"
    );
    write(
        root,
        "inv/b.yml",
        "all:\n  children:\n    edge:\n      children:\n        web:\n",
    );
    let message = error(root, "inv", &options);
    assert!(message.starts_with("ROOT/inv/"), "{message}");
    assert!(
        message.contains("groups contain each other in a cycle"),
        "{message}"
    );
    write(
        root,
        "inv/b.yml",
        "all:\n  children:\n    edge:\n      hosts:\n        web1:\n          color: red\n",
    );
    let inventory = Inventory::load_with(&root.join("inv"), &options).unwrap();
    assert_eq!(inventory.host("web1").unwrap().vars["color"], json!("red"));
    assert_eq!(inventory.source(), root.join("inv").display().to_string());
}

#[test]
fn script_failures_show_the_command_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let options = LoadOptions::default();
    script(
        root,
        "fail.sh",
        "#!/bin/sh\necho 'cannot reach the CMDB' >&2\nexit 2\n",
    );
    assert_eq!(
        error(root, "fail.sh", &options),
        "inventory script ROOT/fail.sh: `ROOT/fail.sh --list` exited with status 2; its stderr:\n  | cannot reach the CMDB"
    );
    script(root, "text.sh", "#!/bin/sh\necho 'web1 web2'\n");
    assert!(error(root, "text.sh", &options).contains(
        "`--list` printed something that is not JSON (expected value at line 1 column 1)"
    ));
    script(root, "list.sh", "#!/bin/sh\necho '[\"web1\"]'\n");
    assert!(
        error(root, "list.sh", &options)
            .contains("--list`:1: the output is not a JSON object of groups")
    );
    script(
        root,
        "bad_hosts.sh",
        "#!/bin/sh\necho '{\"web\": {\"hosts\": \"web1\"}}'\n",
    );
    assert!(
        error(root, "bad_hosts.sh", &options)
            .contains("the hosts of group `web` must be a list of host names")
    );
    script(root, "slow.sh", "#!/bin/sh\nsleep 5\n");
    let quick = LoadOptions {
        script_timeout: Duration::from_millis(100),
        ..LoadOptions::default()
    };
    assert!(error(root, "slow.sh", &quick).contains("did not finish within 0.1 s and was killed"));
    // Executable, but no program: read as a file (here INI), as Ansible falls through.
    script(root, "hosts", "[web]\nweb1\n");
    let inventory = Inventory::load_with(&root.join("hosts"), &options).unwrap();
    assert_eq!(inventory.group_hosts("web").unwrap()[0].name, "web1");
}

#[test]
fn vault_files_and_values_need_the_password_and_count_as_secret() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "inv/hosts.yml", "all:\n  hosts:\n    web1:\n");
    write(
        root,
        "inv/group_vars/all.yml",
        include_str!("../vault/fixtures/vars-1.1.yml"),
    );
    write(
        root,
        "inv/host_vars/web1.yml",
        include_str!("../vault/fixtures/inline.yml"),
    );
    let message = error(root, "inv", &LoadOptions::default());
    assert!(
        message.starts_with("ROOT/inv/group_vars/all.yml:1: this file is encrypted with ansible-vault and no vault password was given; pass --vault-password-file FILE"),
        "{message}"
    );
    let options = LoadOptions {
        vault: Vault::new(vec![Secret::new("correct horse")]),
        ..LoadOptions::default()
    };
    let inventory = Inventory::load_with(&root.join("inv"), &options).unwrap();
    let web1 = inventory.host("web1").unwrap();
    assert_eq!(web1.vars["app_token"], json!("tok-ABC123"));
    assert_eq!(web1.vars["api_key"], json!("inline-S3cret"));
    assert_eq!(web1.vars["region"], json!("eu"));
    // Secret because they came from the vault, whatever their names.
    assert!(web1.vault_vars.part("app_token").is_whole());
    assert!(web1.vault_vars.part("api_key").is_whole());
    assert!(!web1.vault_vars.part("region").is_whole());
    let shown = web1.shown_vars();
    assert_eq!(shown["app_token"], json!("********"));
    assert_eq!(shown["api_key"], json!("********"));
    assert_eq!(shown["port"], json!("********"));
    assert_eq!(shown["region"], json!("eu"));
    assert!(!format!("{web1:?}").contains("tok-ABC123"));
    let wrong = LoadOptions {
        vault: Vault::new(vec![Secret::new("nope")]),
        ..LoadOptions::default()
    };
    assert!(error(root, "inv", &wrong).contains("the vault password is wrong"));
    // The inline value alone, without the encrypted file.
    std::fs::remove_file(root.join("inv/group_vars/all.yml")).unwrap();
    let message = error(root, "inv", &LoadOptions::default());
    assert!(
        message.starts_with(
            "ROOT/inv/host_vars/web1.yml:3: this `!vault` value is encrypted with ansible-vault"
        ),
        "{message}"
    );
}

#[test]
fn files_with_literal_passwords_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "inv/a.yml",
        "all:\n  hosts:\n    web1:\n      ansible_password: x\n",
    );
    write(root, "inv/b.ini", "[db]\ndb1\n");
    write(root, "inv/group_vars/db.yml", "db_password: y\n");
    write(root, "inv/group_vars/all.yml", "color: z\n");
    let inventory = Inventory::load(&root.join("inv")).unwrap();
    assert!(inventory.has_passwords());
    assert_eq!(
        inventory.password_files(),
        [root.join("inv/a.yml"), root.join("inv/group_vars/db.yml")]
    );
}
