//! INI inventories and host patterns, compared with Ansible itself (ansible-core in
//! target/oracles/venv, made by scripts/oracles.sh).
//!
//! For each inventory, Ansible's InventoryManager and VariableManager (driven by
//! tests/oracles/ini_inventory.py, one Python run for many inventories) say what
//! `ansible-inventory --list --export` and `ansible PATTERN --list-hosts` would: every
//! host's merged vars with their types, every group's hosts, children and own vars,
//! `all`'s children, and the hosts each pattern selects. herd must say the same through
//! its library (`Inventory::load`, `show::list_json`, `targets::resolve_pattern`), and
//! `herd inventory --list`/`--host` must print what `ansible-inventory` prints.
//!
//! Where herd is deliberately stricter (inventory/README.md, "Deliberate differences"),
//! the comparison checks the strictness is the only difference: a pattern herd refuses
//! must have a term that selects nothing in Ansible too. Selected hosts are compared as
//! sets: herd lists them in inventory order, Ansible in pattern order.
//!
//! Hand-written cases pin each rule; seeded random inventories (ranges, children in any
//! order, vars of every literal type, quoting, priorities, ports, names both host and
//! group) and random patterns (unions, `&`, `!`, globs, subscripts, regexes) cover their
//! mixtures.

mod common;

use common::rng::Rng;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use herd::inventory::{Inventory, show};
use herd::targets::resolve_pattern;
use serde_json::{Value, json};

/// One inventory and the patterns to ask about it.
struct Case {
    text: String,
    patterns: Vec<String>,
}

impl Case {
    fn new(text: &str, patterns: &[&str]) -> Case {
        Case {
            text: text.to_owned(),
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
        }
    }
}

/// Runs `command` isolated from the user's Ansible settings, with only the INI plugin
/// (so a file it cannot read is an error, not a guess by another plugin).
fn isolated(mut command: Command, dir: &Path) -> Command {
    command
        .current_dir(dir)
        .env("HOME", dir)
        .env("ANSIBLE_CONFIG", dir.join("no-ansible.cfg"))
        .env("ANSIBLE_INVENTORY_ENABLED", "ini")
        .env("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "False")
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("NO_COLOR", "1")
        .env_remove("HERD_INVENTORY");
    command
}

/// Ansible's answers for `cases`, each written to a file in `dir`: one Python run.
fn ansible_answers(cases: &[Case], dir: &Path) -> Vec<Value> {
    let mut list = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let path = dir.join(format!("inv{index}.ini"));
        std::fs::write(&path, &case.text).unwrap();
        let mut patterns = case.patterns.clone();
        // Each term alone too: a pattern herd refuses must have a term Ansible finds
        // nothing for.
        for pattern in &case.patterns {
            patterns.extend(terms(pattern).iter().map(term_alone));
        }
        list.push(json!({ "path": path, "patterns": patterns }));
    }
    let cases_file = dir.join("cases.json");
    std::fs::write(&cases_file, serde_json::to_string(&list).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/ini_inventory.py");
    let mut command = isolated(Command::new(common::ansible_oracle("python")), dir);
    command.arg(script).arg(&cases_file);
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "the oracle driver failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answers.len(), cases.len());
    answers
}

/// The terms of a pattern as herd and Ansible split it (`,` or `:` outside brackets),
/// each with its operator (`&`, `!` or none) and its name.
fn terms(pattern: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut depth, mut current) = (0usize, String::new());
    for c in pattern.chars().chain([',']) {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' | ',' if depth == 0 => {
                let term = std::mem::take(&mut current);
                let term = term.trim();
                if !term.is_empty() {
                    let (operator, name) = match term.strip_prefix(['&', '!']) {
                        Some(name) => (term[..1].to_owned(), name.to_owned()),
                        None => (String::new(), term.to_owned()),
                    };
                    out.push((operator, name));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out
}

/// A pattern selecting what one term matches: the name alone for a plain term, and
/// `all:&NAME` for an `&`/`!` term (Ansible reads a name after `&`/`!` differently).
fn term_alone((operator, name): &(String, String)) -> String {
    if operator.is_empty() {
        name.clone()
    } else {
        format!("all:&{name}")
    }
}

/// Compares herd with Ansible on every case; the message names the case and the text.
/// Returns how many inventories both read, and how many patterns both answered with
/// hosts (the rest herd refused, with Ansible selecting nothing for some term).
fn compare(cases: &[Case]) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let answers = ansible_answers(cases, dir.path());
    let (mut read, mut selected) = (0, 0);
    for (index, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        let path = dir.path().join(format!("inv{index}.ini"));
        let context = format!("case {index}:\n{}", case.text);
        if let Some(count) = compare_one(&path, case, answer, &context) {
            read += 1;
            selected += count;
        }
    }
    (read, selected)
}

/// `None` if both refuse the inventory, else how many patterns both answered with hosts.
fn compare_one(path: &Path, case: &Case, answer: &Value, context: &str) -> Option<usize> {
    let inventory = match Inventory::load(path) {
        Ok(inventory) => inventory,
        Err(_) if answer.get("error").is_some() => return None,
        Err(error) => panic!("herd refuses what Ansible reads ({answer}): {error}\n{context}"),
    };
    assert!(
        answer.get("error").is_none(),
        "herd reads what Ansible refuses ({}):\n{context}",
        answer["error"]
    );
    let list: Value = serde_json::from_str(&show::list_json(&inventory, false)).unwrap();
    assert_eq!(
        list["_meta"]["hostvars"], answer["hostvars"],
        "hostvars differ\n{context}"
    );
    let herd_groups: BTreeSet<&str> = inventory.groups().iter().map(|g| g.name.as_str()).collect();
    let ansible_groups: BTreeSet<&str> = answer["groups"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(herd_groups, ansible_groups, "groups differ\n{context}");
    for group in inventory.groups() {
        let want = &answer["groups"][&group.name];
        let have = json!({
            "hosts": if group.name == "all" { json!([]) } else { json!(group.hosts) },
            "children": group.children,
            "vars": herd::inventory::masked_vars(&group.vars),
        });
        assert_eq!(&have, want, "group {} differs\n{context}", group.name);
    }
    let selected = case
        .patterns
        .iter()
        .filter(|pattern| compare_pattern(&inventory, pattern, answer, context))
        .count();
    Some(selected)
}

/// Whether both selected hosts (the same); a refusal by herd must be matched by a term
/// Ansible finds nothing for.
fn compare_pattern(inventory: &Inventory, pattern: &str, answer: &Value, context: &str) -> bool {
    let want = &answer["selected"][pattern];
    match resolve_pattern(inventory, pattern) {
        Ok(hosts) => {
            let have: BTreeSet<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
            let want: BTreeSet<&str> = want
                .as_array()
                .unwrap_or_else(|| {
                    panic!("Ansible fails on {pattern} ({want}), herd does not\n{context}")
                })
                .iter()
                .map(|h| h.as_str().unwrap())
                .collect();
            assert_eq!(
                have, want,
                "pattern {pattern} selects differently\n{context}"
            );
            true
        }
        Err(error) => {
            // herd's strictness: some term (or the whole pattern) selects nothing in Ansible.
            let empty = |value: &Value| value.as_array().is_none_or(Vec::is_empty);
            let some_term_empty = terms(pattern)
                .iter()
                .any(|term| empty(&answer["selected"][term_alone(term)]));
            assert!(
                empty(want) || some_term_empty,
                "herd refuses {pattern} ({error}), Ansible selects {want}\n{context}"
            );
            false
        }
    }
}

#[test]
fn typed_values_and_quoting_on_host_lines_and_in_vars() {
    compare(&[
        Case::new(
            "h1 n=5 neg=-3 hex=0x1f big=1_000 f=1.5 e=1e3 b=True no=False z=None \
             word=deploy t=true v=1.2.3 o=010 q=\"'5'\" s=\"'deploy'\" pw=\"'03#pa33'\" \
             l=[1,2] l2=\"[1, 'a', None]\" d=\"{'a': 1, 'b': [True]}\" tup=(1,2) \
             sp=\"'a b'\" single='x' esc=\"'a\\\\tb'\" sum=1+2 dash=--5\n\
             [g]\nh2\n[g:vars]\nn = 5 # a comment\nq = '5'\nqq = \"'5'\"\nw = hello world\n\
             l = [1, 'a']\nd = {'a': {'b': 2}}\nc = 'a # b' # c\nyes = yes\nnone = None\n\
             [all:vars]\nn = 1\nf = 2.5\n",
            &["all"],
        ),
        Case::new(
            "[web]\nw1 ansible_ssh_host=10.0.0.1 ansible_ssh_port=2222 ansible_ssh_user=\"'007'\" \
             ansible_private_key_file=/k\nw2 ansible_user=\"'deploy'\" ansible_port=\"'2200'\"\n\
             [db]\nd1\n[db:vars]\nansible_port = '22'\nansible_ssh_user = \"'root'\"\n",
            &["web", "db"],
        ),
    ]);
}

#[test]
fn group_priority_and_precedence() {
    compare(&[
        Case::new(
            "[a]\nh\n[b]\nh\n[c]\nh\n[a:vars]\nk=a\nansible_group_priority=10\n\
             [b:vars]\nk=b\nj=b\n[c:vars]\nj=c\nansible_group_priority=0\n",
            &["all"],
        ),
        Case::new(
            "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh\n[other]\nh\n\
             [top:vars]\nk=top\n[mid:vars]\nk=mid\nansible_group_priority=99\n\
             [other:vars]\nk=other\nansible_group_priority=50\n[leaf:vars]\nj=leaf\n",
            &["all", "top", "other:&top"],
        ),
    ]);
}

#[test]
fn ports_ranges_first_and_all_children() {
    compare(&[
        Case::new(
            "[a:c]-lb\nweb1:2222 x=1\nweb[2:3]:2200\nh:2201 ansible_port=22\n\
             x[01:03]-[a:b]\n[web]\nw\n[all:children]\nweb\nungrouped\n",
            &["all", "ungrouped", "[a:b]-lb", "x01-a:web2"],
        ),
        // Children defined after they are listed, groups named first by :vars, and
        // [all:children] before the groups it names: Ansible's orders of children.
        Case::new(
            "[all:children]\nz\n[p:children]\nz\nb\na\n[a]\nha\n[z:vars]\nk=1\n[b]\nhb\n\
             [z]\nhz\n[q]\nhq\n[r:vars]\nk=2\n[r]\nhr\n",
            &["p[0]", "p[1]", "p[-1]", "all[0]", "all[1:2]"],
        ),
    ]);
}

#[test]
fn names_both_host_and_group_subscripts_and_regexes() {
    compare(&[Case::new(
        "web\n[web]\nw1\nw2\nweb\n[db]\nweb\nd1\n[x.y]\nx1\n[k]\nx.y\n\
         [prod:children]\ndb\nweb\n[prod]\np1\n",
        &[
            "web",
            "db:&web",
            "db:!web",
            "all:&web",
            "all:!x.y",
            "x.y",
            "web[0]",
            "web[-1]",
            "web[1:2]",
            "web[1:]",
            "web[0:0]",
            "prod[0]",
            "prod[1:3]",
            "prod[-1]",
            "db[0]:web[1]",
            "web[9]",
            "~w[12]",
            "~x",
            "~(d|p)1",
            "all:!~w",
            "w*:&web",
            "*",
            "!web",
            "&db",
            "webb",
            "web:!nothing",
        ],
    )]);
}

/// Host line values (as written) of every type, quoting idiom included.
const HOST_VALUES: &[&str] = &[
    "5",
    "-3",
    "0x1f",
    "1_000",
    "1.5",
    "True",
    "False",
    "None",
    "deploy",
    "true",
    "1.2.3",
    "010",
    "\"'quoted word'\"",
    "\"'5'\"",
    "[1,2]",
    "\"[1, 'a']\"",
    "\"{'a': 1}\"",
    "(1,2)",
    "'single'",
    "\"'03#pa33'\"",
    "1e3",
    "abc-def",
    "\"'a\\\\nb'\"",
    "0",
    "-0.5",
];

/// `:vars` line values (as written).
const VARS_VALUES: &[&str] = &[
    "5",
    "'5'",
    "\"x y\"",
    "hello world",
    "[1, 'a']",
    "{'a': [1, 2]}",
    "True",
    "yes",
    "1.5",
    "'a # b' # c",
    "None",
    "-7",
    "word",
    "7 # seven",
    "(1,)",
    "\"'q'\"",
    "0o17",
];

const GROUPS: &[&str] = &["web", "db", "app", "lb", "eu", "prod", "x.y", "k8s"];
const KEYS: &[&str] = &["k1", "k2", "k3", "color", "n"];

/// One random inventory and patterns for it.
fn random_case(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let group_count = 1 + rng.below(5);
    let mut groups: Vec<&str> = Vec::new();
    while groups.len() < group_count {
        let name = *rng.pick(GROUPS);
        if !groups.contains(&name) {
            groups.push(name);
        }
    }
    let mut seen_hosts: BTreeSet<String> = BTreeSet::new();
    let mut host_names: Vec<String> = Vec::new();
    let mut sections: Vec<String> = Vec::new();
    let host_line = |rng: &mut Rng, seen: &mut BTreeSet<String>| -> String {
        // (written name, the names it expands to)
        let forms: Vec<(String, Vec<String>)> = vec![
            ("n[1:3]".into(), (1..=3).map(|i| format!("n{i}")).collect()),
            ("n[2:4]".into(), (2..=4).map(|i| format!("n{i}")).collect()),
            (
                "s[1:6:2]".into(),
                ["s1", "s3", "s5"].map(String::from).to_vec(),
            ),
            ("x[01:02]".into(), ["x01", "x02"].map(String::from).to_vec()),
            (
                "[a:b]-lb".into(),
                ["a-lb", "b-lb"].map(String::from).to_vec(),
            ),
            ("solo".into(), vec!["solo".into()]),
            ("db".into(), vec!["db".into()]),
            ("web".into(), vec!["web".into()]),
            ("x.y".into(), vec!["x.y".into()]),
            ("h1".into(), vec!["h1".into()]),
            ("h2".into(), vec!["h2".into()]),
        ];
        let (written, names) = rng.pick(&forms).clone();
        // Ansible gives a host line's vars to the group when a group has the host's name
        // (a documented difference): such hosts get no vars here.
        let fresh = names
            .iter()
            .all(|n| !seen.contains(n) && !GROUPS.contains(&n.as_str()));
        let mut line = written;
        if fresh {
            if rng.chance(20) {
                line.push_str(&format!(":{}", 1000 + rng.below(60000)));
            }
            for _ in 0..rng.below(3) {
                line.push_str(&format!(" {}={}", rng.pick(KEYS), rng.pick(HOST_VALUES)));
            }
        }
        seen.extend(names);
        line
    };
    let mut ungrouped = Vec::new();
    for _ in 0..rng.below(3) {
        ungrouped.push(host_line(&mut rng, &mut seen_hosts));
    }
    // Sections go anywhere after the hosts before any header.
    let first = usize::from(!ungrouped.is_empty());
    if !ungrouped.is_empty() {
        sections.push(ungrouped.join("\n"));
    }
    for (index, group) in groups.iter().enumerate() {
        let mut lines = vec![format!("[{group}]")];
        for _ in 0..rng.below(4) {
            lines.push(host_line(&mut rng, &mut seen_hosts));
        }
        sections.push(lines.join("\n"));
        if rng.chance(50) {
            let mut vars = vec![format!("[{group}:vars]")];
            for _ in 0..1 + rng.below(3) {
                vars.push(format!("{} = {}", rng.pick(KEYS), rng.pick(VARS_VALUES)));
            }
            if rng.chance(30) {
                vars.push(format!(
                    "ansible_group_priority = {}",
                    rng.pick(&[0, 2, 5, 10])
                ));
            }
            // Sometimes before the group's definition: Ansible then creates it earlier.
            let at = if rng.chance(30) {
                first + rng.below(sections.len() + 1 - first)
            } else {
                sections.len()
            };
            sections.insert(at, vars.join("\n"));
        }
        // Children only point to later groups: no cycles.
        let later: Vec<&str> = groups[index + 1..].to_vec();
        if !later.is_empty() && rng.chance(40) {
            let mut lines = vec![format!("[{group}:children]")];
            for _ in 0..1 + rng.below(2) {
                lines.push((*rng.pick(&later)).to_owned());
            }
            sections.push(lines.join("\n"));
        }
    }
    if rng.chance(20) {
        let mut lines = vec!["[all:children]".to_owned()];
        lines.push((*rng.pick(&groups)).to_owned());
        let at = first + rng.below(sections.len() + 1 - first);
        sections.insert(at, lines.join("\n"));
    }
    if rng.chance(40) {
        sections.push(format!(
            "[all:vars]\n{} = {}",
            rng.pick(KEYS),
            rng.pick(VARS_VALUES)
        ));
    }
    host_names.extend(seen_hosts.iter().cloned());
    let text = sections.join("\n") + "\n";
    let patterns = (0..6)
        .map(|_| random_pattern(&mut rng, &groups, &host_names))
        .collect();
    Case { text, patterns }
}

/// A random pattern over the inventory's names. Subscripts go to groups whose hosts'
/// order Ansible fixes: a group without grandchildren (below that, Ansible's order
/// depends on Python's hash seed).
fn random_pattern(rng: &mut Rng, groups: &[&str], hosts: &[String]) -> String {
    let mut terms = Vec::new();
    for index in 0..1 + rng.below(3) {
        let group = *rng.pick(groups);
        let name = match rng.below(9) {
            0 | 1 => group.to_owned(),
            2 | 3 if !hosts.is_empty() => rng.pick(hosts).clone(),
            4 => rng
                .pick(&["all", "*", "n*", "*lb", "x*", "ungrouped"])
                .to_string(),
            5 => format!(
                "{group}{}",
                rng.pick(&["[0]", "[-1]", "[1:2]", "[1:]", "[0:0]"])
            ),
            6 => rng
                .pick(&["~n[12]", "~(web|db)", "~x", "~.*lb"])
                .to_string(),
            _ => group.to_owned(),
        };
        let operator = if index == 0 && rng.chance(80) {
            ""
        } else {
            *rng.pick(&["", "&", "!"])
        };
        terms.push(format!("{operator}{name}"));
    }
    terms.join(*rng.pick(&[":", ","]))
}

/// Whether the inventory has a group with grandchildren, which makes Ansible's order of
/// that group's (and `all`'s) hosts depend on Python's hash seed.
fn deep(inventory: &Inventory, group: &str) -> bool {
    inventory.group(group).is_some_and(|g| {
        g.children
            .iter()
            .any(|c| inventory.group(c).is_some_and(|c| !c.children.is_empty()))
    })
}

#[test]
fn random_inventories_mean_the_same() {
    let cases: Vec<Case> = (0..300)
        .map(random_case)
        .map(|mut case| {
            // Subscripts only where Ansible's order is fixed (see `deep`).
            let Ok(inventory) = Inventory::parse("random.ini", &case.text) else {
                return case; // compared as refused by both, or failing the test
            };
            case.patterns.retain(|pattern| {
                terms(pattern)
                    .iter()
                    .all(|(_, name)| match name.split_once('[') {
                        Some((group, _)) if inventory.group(group).is_some() => {
                            !deep(&inventory, group)
                        }
                        _ => true,
                    })
            });
            case
        })
        .collect();
    let patterns: usize = cases.iter().map(|case| case.patterns.len()).sum();
    let (read, selected) = compare(&cases);
    eprintln!(
        "{read} of {} random inventories read by both; {selected} of {patterns} patterns select the same hosts, the rest refused by herd where a term selects nothing in Ansible",
        cases.len()
    );
    // The comparison is no vacuous pass: most inventories and patterns get compared.
    assert!(read * 10 >= cases.len() * 9, "{read}");
    assert!(selected * 2 >= patterns, "{selected} of {patterns}");
}

/// `herd inventory --list` (and `--export`, `--host`) print what `ansible-inventory`
/// prints, but for `_meta.profile`; secrets are masked in each.
#[test]
fn the_cli_prints_ansible_inventory_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.ini");
    std::fs::write(
        &path,
        "h0\nweb1:2222 n=5 l=\"[1, 'a']\" user=\"'deploy'\"\n[web]\nweb1\nweb2 b=True\n[db]\nd1\n\
         [web:vars]\nf = 1.5\nansible_group_priority = 3\n[prod:children]\nweb\ndb\n[empty]\n",
    )
    .unwrap();
    let run = |program: PathBuf, args: &[&str]| -> Value {
        let mut command = isolated(Command::new(program), dir.path());
        command.args(args);
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut value: Value = serde_json::from_slice(&out.stdout).unwrap();
        if let Some(meta) = value.get_mut("_meta").and_then(Value::as_object_mut) {
            meta.remove("profile");
        }
        value
    };
    let ansible = || common::ansible_oracle("ansible-inventory");
    let herd = || assert_cmd::cargo::cargo_bin("herd");
    let inv = path.to_str().unwrap();
    for args in [
        &["-i", inv, "--list"][..],
        &["-i", inv, "--list", "--export"][..],
    ] {
        let mut herd_args = vec!["inventory"];
        herd_args.extend(args);
        assert_eq!(run(herd(), &herd_args), run(ansible(), args), "{args:?}");
    }
    let mut herd_host = run(
        herd(),
        &[
            "inventory",
            "-i",
            inv,
            "--host",
            "web1",
            "--ssh-config",
            "none",
        ],
    );
    herd_host.as_object_mut().unwrap().remove("herd_connection");
    assert_eq!(herd_host, run(ansible(), &["-i", inv, "--host", "web1"]));

    // Secrets are masked in every view, at any depth.
    std::fs::write(
        &path,
        "h1 ansible_password=\"'s3cret'\" db=\"{'db_password': 'inner-s3cret', 'user': 'u'}\"\n\
         [g]\nh1\n[g:vars]\nbecome_pass = grp-s3cret\n",
    )
    .unwrap();
    for args in [
        &["inventory", "-i", inv, "--list", "--export"][..],
        &[
            "inventory",
            "-i",
            inv,
            "--host",
            "h1",
            "--ssh-config",
            "none",
        ][..],
    ] {
        let shown = run(herd(), args).to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("********"), "{shown}");
    }
}

/// Errors keep file:line, and never show a secret.
#[test]
fn errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.ini");
    for (text, line, piece) in [
        (
            "[g]\nh\n[g:vars]\nansible_group_priority = high\n",
            4,
            "not a whole number",
        ),
        (
            "[g]\nh\n[g:vars]\npassword = 'unterminated\n",
            4,
            "unterminated quote",
        ),
        ("h:99999\n", 1, "is not a port"),
        ("[all:children]\nnope\n", 2, "nope"),
    ] {
        std::fs::write(&path, text).unwrap();
        let error = Inventory::load(&path).unwrap_err().to_string();
        assert!(
            error.contains(&format!("hosts.ini:{line}")) && error.contains(piece),
            "{error}"
        );
        assert!(
            !error.contains("unterminated\n") && !error.contains("'unterminated"),
            "{error}"
        );
    }
}

/// The oracle itself is no echo of herd: it disagrees where the two are known to differ.
#[test]
fn the_oracle_sees_what_herd_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let answers = ansible_answers(
        &[Case::new(
            "[g]\nh a=1\nh a=2\n[g:vars]\nc = x # kept by Ansible\n",
            &["zz"],
        )],
        dir.path(),
    );
    // herd refuses a host given two values for one var; Ansible keeps the last, and
    // keeps a comment after text that is no literal.
    assert_eq!(
        answers[0]["hostvars"]["h"],
        json!({"a": 2, "c": "x # kept by Ansible"})
    );
    assert_eq!(answers[0]["selected"]["zz"], json!([]));
    let map: BTreeMap<String, Value> =
        serde_json::from_value(answers[0]["groups"].clone()).unwrap();
    assert!(map.contains_key("ungrouped"));
}
