//! YAML inventories, inventory directories, `group_vars/`/`host_vars/` and inventory
//! scripts, compared with Ansible itself: `ansible-inventory -i X [--playbook-dir D] --list`
//! against `herd inventory -i X [--playbook-dir D] --list` (every host's merged vars with
//! their types, every group's hosts and children), and `ansible -i X PATTERN --list-hosts`
//! against the hosts of `herd play --plan` (the hosts a pattern selects, in order).
//! Hand-written cases for each source and precedence rule, then seeded random
//! directories mixing them. Ansible is told to fail on any source it cannot parse, so it
//! never compares by silently skipping a file. Vault files decrypt to what Ansible
//! decrypts, and herd then masks every value from the vault.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// A directory tree for one case.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `text` at `relative`, making its directories.
    fn write(&self, relative: &str, text: &str) -> &Tree {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        self
    }

    /// Writes an executable script at `relative`.
    fn script(&self, relative: &str, text: &str) -> &Tree {
        self.write(relative, text);
        std::fs::set_permissions(self.path(relative), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        self
    }
}

/// Runs `command` in `dir`, isolated from the user's Ansible and herd settings: whether it
/// succeeded, its stdout and its stderr.
fn run(mut command: Command, dir: &Path) -> (bool, String, String) {
    command
        .current_dir(dir)
        .env("HOME", dir)
        .env("ANSIBLE_CONFIG", dir.join("no-ansible.cfg"))
        .env("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("NO_COLOR", "1")
        .env_remove("HERD_INVENTORY");
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The stdout of `command`, which must succeed.
fn output(command: Command, dir: &Path) -> String {
    let shown = format!("{command:?}");
    let (ok, stdout, stderr) = run(command, dir);
    assert!(ok, "{shown} failed:\n{stdout}\n{stderr}");
    stdout
}

/// `--list` (with `--export` when `export`) of Ansible or herd for `inventory` (and
/// `playbook_dir`).
fn list(
    ansible: bool,
    export: bool,
    inventory: &Path,
    playbook_dir: Option<&Path>,
    dir: &Path,
) -> Value {
    let mut command = if ansible {
        Command::new(common::ansible_oracle("ansible-inventory"))
    } else {
        let mut herd = Command::new(assert_cmd::cargo::cargo_bin("herd"));
        herd.arg("inventory");
        herd
    };
    command.arg("-i").arg(inventory).arg("--list");
    if export {
        command.arg("--export");
    }
    if let Some(playbook_dir) = playbook_dir {
        command.arg("--playbook-dir").arg(playbook_dir);
    }
    serde_json::from_str(&output(command, dir)).unwrap()
}

/// What `--list` says, in a form both agree on: each host's vars (Ansible leaves out hosts
/// without any), and each non-empty group's direct hosts and children, as sets (`all`'s
/// children too: the groups without a parent, and those written under `all:`).
#[derive(Debug, PartialEq)]
struct Listing {
    hostvars: BTreeMap<String, Value>,
    groups: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
    /// Each group's vars (only with `--export`).
    group_vars: BTreeMap<String, Value>,
}

fn listing(list: &Value) -> Listing {
    let hostvars = list["_meta"]["hostvars"]
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(_, vars)| vars.as_object().is_some_and(|vars| !vars.is_empty()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let names = |value: &Value| -> BTreeSet<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let groups = list
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| *name != "_meta")
        .map(|(name, group)| {
            (
                name.clone(),
                (names(&group["hosts"]), names(&group["children"])),
            )
        })
        .filter(|(_, (hosts, children))| !hosts.is_empty() || !children.is_empty())
        .collect();
    let group_vars = list
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, group)| Some((name.clone(), group.get("vars")?.clone())))
        .collect();
    Listing {
        hostvars,
        groups,
        group_vars,
    }
}

/// Asserts herd's `--list` means what Ansible's does, and so does `--list --export`
/// (each group's vars with its `group_vars` files, each host's own vars with its
/// `host_vars` files).
fn same_list(tree: &Tree, inventory: &str, playbook_dir: Option<&str>) -> Listing {
    let dir = tree.dir.path();
    let inventory = tree.path(inventory);
    let playbook_dir = playbook_dir.map(|d| tree.path(d));
    let both = |export| {
        let ansible = listing(&list(
            true,
            export,
            &inventory,
            playbook_dir.as_deref(),
            dir,
        ));
        let herd = listing(&list(
            false,
            export,
            &inventory,
            playbook_dir.as_deref(),
            dir,
        ));
        assert_eq!(
            herd, ansible,
            "herd (left) and ansible-inventory (right) differ (export: {export})"
        );
        ansible
    };
    both(true);
    both(false)
}

/// The hosts `pattern` selects, per herd (`play --plan`; `None` when herd refuses the
/// pattern) and per Ansible (`--list-hosts`).
fn selected(tree: &Tree, inventory: &str, pattern: &str) -> (Option<Vec<String>>, Vec<String>) {
    let dir = tree.dir.path();
    let inventory = tree.path(inventory);
    let mut ansible = Command::new(common::ansible_oracle("ansible"));
    ansible
        .arg("-i")
        .arg(&inventory)
        .arg(pattern)
        .arg("--list-hosts");
    let ansible: Vec<String> = output(ansible, dir)
        .lines()
        .skip(1)
        .map(|line| line.trim().to_owned())
        .collect();
    let playbook = dir.join("select.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: {}\n  steps:\n    - run: \"true\"\n",
            json!(pattern)
        ),
    )
    .unwrap();
    let mut herd = Command::new(assert_cmd::cargo::cargo_bin("herd"));
    herd.arg("play")
        .arg("-i")
        .arg(&inventory)
        .arg(&playbook)
        .args(["--plan", "--output", "json"]);
    let (ok, stdout, _) = run(herd, dir);
    let herd = ok.then(|| {
        let plan: Value = serde_json::from_str(&stdout).unwrap();
        plan["plays"][0]["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_owned())
            .collect()
    });
    (herd, ansible)
}

/// Asserts herd selects the hosts Ansible does for each pattern; where Ansible selects no
/// host, herd refuses the pattern (its deliberate strictness). Compared as sets: past the
/// groups directly under `all`, Ansible orders hosts by iterating a Python set of groups,
/// which changes from run to run.
fn same_selection(tree: &Tree, inventory: &str, patterns: &[&str]) {
    for pattern in patterns {
        let (herd, mut ansible) = selected(tree, inventory, pattern);
        let herd = herd.map(|mut hosts| {
            hosts.sort();
            hosts
        });
        ansible.sort();
        let expected = (!ansible.is_empty()).then_some(ansible);
        assert_eq!(
            herd, expected,
            "pattern {pattern}: herd (left), ansible (right)"
        );
    }
}

#[test]
fn yaml_inventory_with_ranges_children_types_and_anchors() {
    let tree = Tree::new();
    tree.write(
        "hosts.yml",
        r#"# the example of Ansible's yaml plugin, and more
all:
  vars:
    ntp: &ntp {server: ntp.example, iburst: yes}
    port_text: "8080"
    mode: 0755
    ratio: 1.5
    sci: 1e3
    clock: 1:30
    nothing: ~
  hosts:
    test1:
    test2:
      host_var: value
      list: [1, two, 3.0, no]
  children:
    other_group:
      children:
        group_x:
          hosts:
            test5
        group_y:
          hosts:
            test6:
      vars:
        g2_var2: value3
        ntp_local:
          <<: *ntp
          server: local.example
      hosts:
        test4:
          ansible_host: 127.0.0.1
    last_group:
      hosts:
        test1:
        web[01:03].example:
          role: web
        db-[a:c]:
        "db9.example:2222":
        "db8.example:2200":
          ansible_port: 2300
      vars:
        group_last_var: value
"#,
    );
    let listing = same_list(&tree, "hosts.yml", None);
    assert_eq!(
        listing.hostvars["test2"]["list"],
        json!([1, "two", 3.0, false])
    );
    assert_eq!(listing.hostvars["test1"]["mode"], json!(493));
    same_selection(
        &tree,
        "hosts.yml",
        &[
            "all",
            "other_group",
            "last_group:&other_group",
            "web*",
            "all:!group_x",
        ],
    );
}

#[test]
fn a_directory_reads_ini_yaml_scripts_and_skips_what_ansible_skips() {
    let tree = Tree::new();
    tree.write(
        "inv/01-hosts.ini",
        "[web]\nweb1 ansible_port=2201\nweb2\n\n[db]\ndb1\n\n[prod:children]\nweb\ndb\n",
    )
    .write(
        "inv/02-more.yml",
        "all:\n  children:\n    web:\n      hosts:\n        web3:\n          tier: front\n      vars:\n        http: 80\n    monitor:\n      hosts:\n        mon1:\n",
    )
    .write("inv/sub/03-extra", "[db]\ndb2 size=big\n")
    .script(
        "inv/04-cloud.sh",
        "#!/bin/sh\ncat <<'EOF'\n{\"cloud\": {\"hosts\": [\"c1\", \"c2\"], \"vars\": {\"region\": \"eu\"}, \"children\": [\"monitor\"]},\n \"_meta\": {\"hostvars\": {\"c1\": {\"size\": 2, \"tags\": {\"a\": [1]}}}}}\nEOF\n",
    )
    .write("inv/notes.md", "not an inventory: [ {\n")
    .write("inv/old.ini.orig", "[[[\n")
    .write("inv/site.retry", "web1\n")
    .write("inv/hosts.ini~", "[[[\n")
    .write("inv/.hidden", "[[[\n")
    .write("inv/ansible.cfg", "[defaults]\n")
    .write("inv/group_vars/web.yml", "from_file: web\n")
    .write("inv/host_vars/db2.yml", "size: small\n");
    let listing = same_list(&tree, "inv", None);
    assert_eq!(listing.hostvars["c1"]["region"], json!("eu"));
    assert_eq!(listing.hostvars["db2"]["size"], json!("small"));
    same_selection(
        &tree,
        "inv",
        &[
            "all",
            "prod",
            "web:&prod",
            "cloud:monitor",
            "all:!web",
            "db",
        ],
    );
    // A file given alone is read the same way.
    same_list(&tree, "inv/02-more.yml", None);
    same_list(&tree, "inv/04-cloud.sh", None);
}

#[test]
fn vars_files_beside_the_inventory_and_the_playbook_in_ansibles_precedence() {
    let tree = Tree::new();
    tree.write(
        "inv/hosts.ini",
        "[all:vars]\nv_all=inventory\nv_over=inventory\n\n[web]\nh1 v_host=inventory\nh2\n\n[web:vars]\nv_web=inventory\nv_over=inventory-web\n\n[eu]\nh1\n\n[prod:children]\nweb\n\n[prod:vars]\nv_prod=inventory\n",
    )
    .write("inv/group_vars/all.yml", "v_all: inv-files\nv_over: inv-files-all\nlist: [1]\n")
    .write("inv/group_vars/web", "v_web: inv-files\n")
    .write("inv/group_vars/web.yml", "ignored: because `web` is found first\n")
    .write("inv/group_vars/prod/10.yml", "v_prod: inv-files-10\ndeep: {a: 1}\n")
    .write("inv/group_vars/prod/20.yaml", "deep: {b: 2}\n")
    .write("inv/group_vars/prod/skip.txt", "v_prod: skipped\n")
    .write("inv/group_vars/eu.json", "{\"v_eu\": \"inv-files\", \"v_over\": \"eu\"}")
    .write("inv/group_vars/nogroup.yml", "v_none: never\n")
    .write("inv/host_vars/h1.yml", "v_host: inv-files\n")
    .write("inv/host_vars/h2/a.yml", "v_host: h2-a\n")
    .write("inv/host_vars/h2/b.yml", "v_host: h2-b\n")
    .write("play/group_vars/all.yml", "v_all: play-files\n")
    .write("play/group_vars/web.yml", "v_web: play-files\nv_over: play-web\n")
    .write("play/host_vars/h1.yml", "v_host: play-files\n");
    let without = same_list(&tree, "inv", None);
    assert_eq!(without.hostvars["h1"]["v_host"], json!("inv-files"));
    let with = same_list(&tree, "inv/hosts.ini", Some("play"));
    assert_eq!(with.hostvars["h1"]["v_host"], json!("play-files"));
    assert_eq!(with.hostvars["h2"]["v_over"], json!("play-web"));
}

#[test]
fn scripts_without_meta_are_asked_per_host_and_old_group_forms_are_read() {
    let tree = Tree::new();
    tree.script(
        "inv.py",
        r#"#!/usr/bin/env python3
import json, sys
if sys.argv[1] == "--list":
    print(json.dumps({
        "web": ["w1", "w2"],
        "db": {"hosts": ["d1"], "vars": {"engine": "pg", "replicas": 2}},
        "solo": {"answer": 42},
        "all": {"vars": {"dc": "x"}, "children": ["web"]},
    }))
elif sys.argv[1] == "--host":
    print(json.dumps({"w1": {"weight": 1.5}, "d1": {"primary": True}}.get(sys.argv[2], {})))
"#,
    );
    same_list(&tree, "inv.py", None);
    same_selection(&tree, "inv.py", &["all", "web:db", "solo"]);
}

/// A small deterministic generator (xorshift), so every failure names its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// YAML values of every type Ansible gives (the text, as YAML writes it).
const YAML_VALUES: &[&str] = &[
    "1",
    "-7",
    "0755",
    "0x1f",
    "1.5",
    "1e3",
    "yes",
    "No",
    "true",
    "~",
    "''",
    "\"42\"",
    "text",
    "'quoted text'",
    "[1, a, {b: c}]",
    "{k: v, n: [1, 2]}",
    "1:30",
    "0.5e+1",
];

/// INI values, as host line words or `:vars` values.
const INI_VALUES: &[&str] = &["1", "text", "True", "[1,2]", "'q'", "2.5", "{'a':1}", "x-y"];

fn random_tree(seed: u64) -> Tree {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let tree = Tree::new();
    let groups = ["g1", "g2", "g3", "g4"];
    let vars = ["a", "b", "c", "d"];
    let host = |i: usize| format!("h{i}");
    // The INI file: some hosts, groups and vars; children only among its own groups.
    let mut ini = String::new();
    for group in &groups[..2] {
        ini.push_str(&format!("[{group}]\n"));
        for _ in 0..rng.below(3) + 1 {
            let h = rng.below(6);
            // Vars on a host's line named after the host and group, so no two lines give
            // one host different values (which herd refuses).
            if h < 3 && rng.below(2) == 0 {
                let value = rng.pick(INI_VALUES);
                ini.push_str(&format!("{} hv{h}_{group}={value}\n", host(h)));
            } else {
                ini.push_str(&format!("{}\n", host(h)));
            }
        }
        ini.push_str(&format!("[{group}:vars]\n"));
        for var in &vars[..rng.below(3)] {
            ini.push_str(&format!("{var}={}\n", rng.pick(INI_VALUES)));
        }
    }
    if rng.below(2) == 0 {
        ini.push_str("[g2:children]\ng1\n");
    }
    tree.write("inv/10-hosts.ini", &ini);
    // The YAML file: more groups and hosts, with typed vars; g3 may hold g2.
    let mut yaml = String::from("all:\n  vars:\n");
    for var in &vars[..rng.below(4) + 1] {
        yaml.push_str(&format!("    {var}: {}\n", rng.pick(YAML_VALUES)));
    }
    yaml.push_str("  children:\n");
    for group in &groups[2..] {
        yaml.push_str(&format!("    {group}:\n      hosts:\n"));
        let first = rng.below(4);
        for h in (6 + first)..(6 + first + rng.below(3) + 1).min(10) {
            // Each entry its own var, so no two give one host different values.
            yaml.push_str(&format!(
                "        {}:\n          y_{group}_{}: {}\n",
                host(h),
                rng.below(1000),
                rng.pick(YAML_VALUES)
            ));
        }
        if rng.below(2) == 0 {
            yaml.push_str("        r[1:3]:\n");
        }
        yaml.push_str("      vars:\n");
        for var in &vars[..rng.below(4)] {
            yaml.push_str(&format!("        {var}: {}\n", rng.pick(YAML_VALUES)));
        }
        if *group == "g3" && rng.below(2) == 0 {
            yaml.push_str("      children:\n        g2:\n");
        }
    }
    tree.write("inv/20-more.yml", &yaml);
    // Vars files beside the inventory and beside the playbook, files and folders.
    for base in ["inv", "play"] {
        for group in ["all", "g1", "g2", "g3", "g4", "ungrouped"] {
            if rng.below(3) == 0 {
                continue;
            }
            let text: String = vars[..rng.below(4) + 1]
                .iter()
                .map(|var| format!("{var}: {}\n", rng.pick(YAML_VALUES)))
                .collect();
            let path = if rng.below(2) == 0 {
                format!("{base}/group_vars/{group}.yml")
            } else {
                format!("{base}/group_vars/{group}/{}.yml", rng.below(3))
            };
            tree.write(&path, &text);
        }
        for h in 0..10 {
            if rng.below(4) == 0 {
                tree.write(
                    &format!("{base}/host_vars/{}", host(h)),
                    &format!(
                        "a: {}\nhv{h}: {}\n",
                        rng.pick(YAML_VALUES),
                        rng.pick(YAML_VALUES)
                    ),
                );
            }
        }
    }
    tree
}

#[test]
fn random_directories_mean_the_same() {
    for seed in 1..=12 {
        let tree = random_tree(seed);
        eprintln!("seed {seed}");
        same_list(&tree, "inv", Some("play"));
        same_selection(
            &tree,
            "inv",
            &["all", "g2", "g3:!g1", "g1:&g2", "g4", "ungrouped"],
        );
    }
}

#[test]
fn vault_files_decrypt_as_in_ansible_and_their_values_stay_masked() {
    let tree = Tree::new();
    tree.write("inv/hosts.ini", "[web]\nweb1\n")
        .write(
            "inv/group_vars/web/vault.yml",
            include_str!("../src/vault/fixtures/vars-1.1.yml"),
        )
        .write("inv/group_vars/web/main.yml", "color: blue\n")
        .write("pw", "correct horse\n")
        .write(
            "site.yml",
            "- hosts: web\n  steps:\n    - run: \"echo {{ app_token }} {{ color }}\"\n",
        );
    let dir = tree.dir.path();
    // Ansible decrypts to these values; herd decrypts the same and shows them masked.
    let mut ansible = Command::new(common::ansible_oracle("ansible-inventory"));
    ansible.args(["-i", "inv", "--vault-password-file", "pw", "--list"]);
    let ansible: Value = serde_json::from_str(&output(ansible, dir)).unwrap();
    assert_eq!(
        ansible["_meta"]["hostvars"]["web1"]["app_token"],
        json!("tok-ABC123")
    );
    let mut herd = Command::new(assert_cmd::cargo::cargo_bin("herd"));
    herd.args([
        "inventory",
        "-i",
        "inv",
        "--vault-password-file",
        "pw",
        "--list",
    ]);
    let (ok, stdout, stderr) = run(herd, dir);
    assert!(ok, "{stderr}");
    let herd: Value = serde_json::from_str(&stdout).unwrap();
    let web1 = &herd["_meta"]["hostvars"]["web1"];
    assert_eq!(
        *web1,
        json!({"app_token": "********", "db_password": "********", "port": "********", "color": "blue"})
    );
    assert!(!stderr.contains("holds passwords"), "{stderr}");
    // The plan renders with the real value and shows it masked.
    let mut plan = Command::new(assert_cmd::cargo::cargo_bin("herd"));
    plan.args([
        "play",
        "-i",
        "inv",
        "site.yml",
        "--vault-password-file",
        "pw",
        "--plan",
    ]);
    let (ok, stdout, stderr) = run(plan, dir);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("echo ******** blue"), "{stdout}");
    assert!(!stdout.contains("tok-ABC123") && !stderr.contains("tok-ABC123"));
    // Without the password: the file and what to pass.
    let mut herd = Command::new(assert_cmd::cargo::cargo_bin("herd"));
    herd.args(["inventory", "-i", "inv", "--list"]);
    let (ok, _, stderr) = run(herd, dir);
    assert!(!ok);
    assert!(
        stderr.contains("inv/group_vars/web/vault.yml:1: this file is encrypted with ansible-vault and no vault password was given; pass --vault-password-file FILE"),
        "{stderr}"
    );
}
