//! Tests of the inventory as a whole: syntax, errors, precedence, groups, rendering.

use std::path::{Path, PathBuf};

use super::*;
use crate::secret::MASK;

fn parse(text: &str) -> Inventory {
    match Inventory::parse("hosts.ini", text) {
        Ok(inventory) => inventory,
        Err(error) => panic!("unexpected error: {error}"),
    }
}

/// Parses `text`, expects an error, checks it names `hosts.ini:LINE` and contains every
/// piece of `expected`; returns the message.
fn error(text: &str, line: usize, expected: &[&str]) -> String {
    let message = match Inventory::parse("hosts.ini", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(error) => error.to_string(),
    };
    let at = format!("hosts.ini:{line}: ");
    assert!(message.starts_with(&at), "expected {at:?} in: {message}");
    for piece in expected {
        assert!(message.contains(piece), "expected {piece:?} in: {message}");
    }
    message
}

fn names(hosts: &[&Host]) -> Vec<String> {
    hosts.iter().map(|h| h.name.clone()).collect()
}

fn group_names(inventory: &Inventory) -> Vec<&str> {
    inventory.groups().iter().map(|g| g.name.as_str()).collect()
}

const EXAMPLE: &str = "\
# a comment
; another comment
lonely ansible_host=10.0.0.9

[web]
web[01:03] port=2222
web04.example.com   # trailing comment

[db]
db-[a:b] user='db admin'

[prod:children]
web
db

[web:vars]
user = deploy
http_port=\"8080\"

[prod:vars]
user=produser
env=prod

[all:vars]
env=unknown
ntp=pool.ntp.org
";

#[test]
fn hosts_in_order_of_first_appearance() {
    let inventory = parse(EXAMPLE);
    let all: Vec<&str> = inventory.hosts().iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        all,
        [
            "lonely",
            "web01",
            "web02",
            "web03",
            "web04.example.com",
            "db-a",
            "db-b"
        ]
    );
    assert_eq!(inventory.source(), "hosts.ini");
    assert!(inventory.host("web02").is_some());
    assert!(inventory.host("web05").is_none());
}

#[test]
fn groups_in_definition_order_with_implicit_ones_first() {
    let inventory = parse(EXAMPLE);
    assert_eq!(
        group_names(&inventory),
        ["all", "ungrouped", "web", "db", "prod"]
    );
    let all = inventory.group("all").unwrap();
    assert_eq!(all.children, ["ungrouped", "prod"]);
    assert!(all.hosts.is_empty());
    assert_eq!(inventory.group("ungrouped").unwrap().hosts, ["lonely"]);
    let prod = inventory.group("prod").unwrap();
    assert_eq!(prod.children, ["web", "db"]);
    assert_eq!(prod.vars.get("env").and_then(|v| v.as_str()), Some("prod"));
    assert_eq!(inventory.group("web").unwrap().hosts.len(), 4);
    assert!(inventory.group("nope").is_none());
}

#[test]
fn group_hosts_include_descendants() {
    let inventory = parse(EXAMPLE);
    let prod = inventory.group_hosts("prod").unwrap();
    assert_eq!(
        names(&prod),
        [
            "web01",
            "web02",
            "web03",
            "web04.example.com",
            "db-a",
            "db-b"
        ]
    );
    assert_eq!(inventory.group_hosts("all").unwrap().len(), 7);
    assert_eq!(
        names(&inventory.group_hosts("ungrouped").unwrap()),
        ["lonely"]
    );
    assert!(inventory.group_hosts("nope").is_none());
}

#[test]
fn host_groups_include_ancestors_and_all_sorted() {
    let inventory = parse(EXAMPLE);
    assert_eq!(
        inventory.host("web01").unwrap().groups,
        ["all", "prod", "web"]
    );
    assert_eq!(
        inventory.host("lonely").unwrap().groups,
        ["all", "ungrouped"]
    );
}

#[test]
fn vars_values_quoted_and_unquoted() {
    let inventory = parse(EXAMPLE);
    let db = inventory.host("db-a").unwrap();
    assert_eq!(
        db.vars.get("user").and_then(|v| v.as_str()),
        Some("db admin")
    );
    let web = inventory.host("web01").unwrap();
    // quoted in a `:vars` line: a string, as in Ansible
    assert_eq!(web.vars.get("http_port"), Some(&serde_json::json!("8080")));
    assert_eq!(web.vars.get("port"), Some(&serde_json::json!(2222)));
    let text = "[g]\nh\n[g:vars]\nmotd = hello world  # shown at login\ncolor=#fff\nq='a # b'\n";
    let g = parse(text).group("g").unwrap().clone();
    assert_eq!(g.vars["motd"], "hello world");
    assert_eq!(g.vars["color"], "#fff");
    assert_eq!(g.vars["q"], "a # b");
}

#[test]
fn precedence_host_over_child_over_parent_over_all() {
    let inventory = parse(EXAMPLE);
    let web = inventory.host("web01").unwrap();
    // web (child) beats prod (parent); prod beats all.
    assert_eq!(web.vars["user"], "deploy");
    assert_eq!(web.vars["env"], "prod");
    assert_eq!(web.vars["ntp"], "pool.ntp.org");
    // the host line beats every group.
    let db = inventory.host("db-a").unwrap();
    assert_eq!(db.vars["user"], "db admin");
    assert_eq!(inventory.host("lonely").unwrap().vars["env"], "unknown");
}

#[test]
fn precedence_deeper_group_wins_then_name() {
    let text = "\
[a]
h
[z]
h
[top:children]
mid
[mid:children]
a
[a:vars]
x=a
y=a
[z:vars]
x=z
[top:vars]
y=top
z=top
";
    let inventory = parse(text);
    let h = inventory.host("h").unwrap();
    // a is deeper (top → mid → a) than z, so a wins over z even though z sorts later.
    assert_eq!(h.vars["x"], "a");
    assert_eq!(h.vars["y"], "a");
    assert_eq!(h.vars["z"], "top");
    // same depth: later name wins.
    let inventory = parse("[b]\nh\n[a]\nh\n[a:vars]\nk=a\n[b:vars]\nk=b\n");
    assert_eq!(inventory.host("h").unwrap().vars["k"], "b");
}

#[test]
fn aliases_override_across_layers() {
    let text = "[g]\nh ansible_port=2200\n[g:vars]\nport=22\nansible_user=x\n[all:vars]\nuser=y\n";
    let inventory = parse(text);
    let h = inventory.host("h").unwrap();
    assert_eq!(h.vars.get("ansible_port"), Some(&serde_json::json!(2200)));
    assert!(!h.vars.contains_key("port"));
    let spec = h.connection(&|_| None).unwrap();
    assert_eq!((spec.port, spec.user.as_str()), (2200, "x"));
}

#[test]
fn multi_group_hosts_and_repeated_lines() {
    let text =
        "[a]\nh1 port=22\nh2\n[b]\nh1 port=22 user=u\nh1\n[c]\nh2 ansible_port=22\nh2 port=22\n";
    let inventory = parse(text);
    let h1 = inventory.host("h1").unwrap();
    assert_eq!(h1.groups, ["a", "all", "b"]);
    assert_eq!(h1.vars["user"], "u");
    assert_eq!(inventory.group("b").unwrap().hosts, ["h1"]);
    assert_eq!(inventory.hosts().len(), 2);
}

#[test]
fn ungrouped_is_hosts_in_no_other_group() {
    let text = "h0\n[all]\nh1\n[ungrouped]\nh2\nh3\n[g]\nh3\n";
    let inventory = parse(text);
    assert_eq!(
        inventory.group("ungrouped").unwrap().hosts,
        ["h0", "h1", "h2"]
    );
    assert_eq!(inventory.host("h3").unwrap().groups, ["all", "g"]);
}

#[test]
fn empty_inventory_and_groups_defined_by_children_only() {
    let inventory = parse("");
    assert!(inventory.hosts().is_empty());
    assert_eq!(group_names(&inventory), ["all", "ungrouped"]);
    let inventory = parse("[empty]\n[parent:children]\nempty\n");
    assert_eq!(inventory.group_hosts("parent").unwrap().len(), 0);
    assert_eq!(
        inventory.group("all").unwrap().children,
        ["ungrouped", "parent"]
    );
}

#[test]
fn vars_before_group_definition_is_fine() {
    let inventory = parse("[g:vars]\nk=v\n\n[g]\nh\n");
    assert_eq!(inventory.host("h").unwrap().vars["k"], "v");
    assert_eq!(group_names(&inventory), ["all", "ungrouped", "g"]);
}

#[test]
fn crlf_bom_and_header_comments() {
    let inventory = parse("\u{feff}[web] # the web tier\r\nweb1\r\n\r\n[db] ; db\r\ndb1\r\n");
    assert_eq!(inventory.group("web").unwrap().hosts, ["web1"]);
    assert_eq!(inventory.group("db").unwrap().hosts, ["db1"]);
}

#[test]
fn has_passwords_only_for_literal_secrets() {
    assert!(!parse("h password_env=P\n").has_passwords());
    assert!(parse("h password=x\n").has_passwords());
    assert!(parse("[g]\nh\n[g:vars]\nansible_become_pass=x\n").has_passwords());
}

#[test]
fn error_unknown_section_kind() {
    error(
        "[web]\nh\n[web:foo]\n",
        3,
        &[
            "[web:foo]",
            "unknown section kind `:foo`",
            "[GROUP:children]",
        ],
    );
    error("[web\n", 1, &["[web", "malformed section header"]);
    error("[web] extra\n", 1, &["malformed"]);
    error("[we b]\n", 1, &["invalid group name `we b`"]);
}

#[test]
fn error_bad_ranges() {
    error(
        "[w]\nweb[5:1]\n",
        2,
        &["web[5:1]", "bad range", "smaller end first"],
    );
    error("web[1:]\n", 1, &["web[1:]", "[START:END]"]);
    error("web[a:5]\n", 1, &["web[a:5]", "both ends must be numbers"]);
    error("web[1:5:0]\n", 1, &["web[1:5:0]", "step"]);
    error("web[1:5\n", 1, &["web[1:5", "never closed"]);
}

#[test]
fn error_range_limits() {
    error("h[1:100001]\n", 1, &["h[1:100001]", "more than 100000"]);
    error(
        "a[1:60000]\nb[1:50000]\n",
        2,
        &["b[1:50000]", "more than 100000 host entries"],
    );
    assert_eq!(parse("a[1:50000]\nb[1:50000]\n").hosts().len(), 100_000);
}

#[test]
fn error_unknown_child_at_its_entry() {
    error(
        "[p:children]\nweb\nnope\n[web]\n",
        3,
        &["nope", "child group `nope` is not defined"],
    );
}

#[test]
fn error_cycle_names_the_cycle() {
    let text = "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n";
    error(text, 6, &["a → b → c → a", "cycle"]);
    error("[a:children]\na\n", 2, &["a → a"]);
}

#[test]
fn error_reserved_groups() {
    error(
        "[all:children]\nall\n",
        2,
        &["`all` cannot be a child group"],
    );
    error("[all:children]\nnope\n", 2, &["nope"]);
    error(
        "[ungrouped:children]\n",
        1,
        &["`ungrouped` cannot have children"],
    );
    error("[g:children]\nall\n", 2, &["`all` cannot be a child group"]);
    error(
        "[g:children]\nungrouped\n",
        2,
        &["`ungrouped` cannot be a child group"],
    );
    error("[g:children]\na b\n", 2, &["one group name per line"]);
}

#[test]
fn error_bad_port() {
    error("h port=abc\n", 1, &["port=abc", "not a port", "1 to 65535"]);
    error("h ansible_port=70000\n", 1, &["ansible_port=70000"]);
    error("[g]\nh\n[g:vars]\nport = 0\n", 4, &["port=0 is not a port"]);
}

#[test]
fn error_conflicting_duplicate_host_names_both_lines() {
    let message = error(
        "[a]\nweb1 port=22\n[b]\nweb1 port=2222\n",
        4,
        &["web1", "port=2222", "port=22 at hosts.ini:2"],
    );
    assert!(message.contains("web1 port=2222"), "{message}");
    error(
        "[a]\nh port=22\n[b]\nh ansible_port=23\n",
        4,
        &["ansible_port=23", "port=22 at hosts.ini:2"],
    );
    error(
        "w[1:3] user=a\nw2 user=b\n",
        2,
        &["host `w2`", "user=b", "user=a at hosts.ini:1"],
    );
}

#[test]
fn error_key_value_problems() {
    error("h =x\n", 1, &["`=x` has an empty key"]);
    error("h port\n", 1, &["`port` is not key=value"]);
    error("h user='bob\n", 1, &["unterminated quote"]);
    error(
        "[g]\nh\n[g:vars]\njust words\n",
        4,
        &["just words", "expected key=value in a [g:vars] section"],
    );
    error("[g]\nh\n[g:vars]\n = v\n", 4, &["empty key"]);
    error("[g]\nh\n[g:vars]\nk = 'v\n", 4, &["unterminated quote"]);
    error(
        "[g]\nh\n[g:vars]\nk = 'v' w\n",
        4,
        &["text after the quoted value"],
    );
    error(
        "[g]\nh\n[g:vars]\nweb1 port=22\n",
        4,
        &["`web1 port` is not a var name"],
    );
}

#[test]
fn error_bad_host_names() {
    error("web1:ab\n", 1, &["`web1:ab`", "port=PORT"]);
    error("2001:db8::1\n", 1, &["`2001:db8::1`", "IPv6"]);
    error("web*\n", 1, &["invalid host name `web*`"]);
    error(
        "port=22 web1\n",
        1,
        &["host line starts with the host name"],
    );
    error("'' x=1\n", 1, &["cannot be empty"]);
}

#[test]
fn error_vars_for_undefined_group() {
    error(
        "[gh:vars]\nk=v\n",
        1,
        &["[gh:vars]", "never defined", "add a [gh]"],
    );
}

#[test]
fn errors_never_show_secrets() {
    let cases = [
        "h password=hunter2 port=x\n",
        "h ansible_ssh_pass='hunter2\n",
        "[a]\nh password=hunter2\n[b]\nh password=other\n",
        "[a]\nh\n[a:vars]\nbecome_password='hunter2\n",
        "password=hunter2 h\n",
        "[a]\nh\n[a:vars]\nansible_password = 'hunter2' x\n",
    ];
    for text in cases {
        let message = Inventory::parse("hosts.ini", text).unwrap_err().to_string();
        assert!(
            !message.contains("hunter2") && !message.contains("other"),
            "{message}"
        );
        assert!(message.contains(MASK), "{message}");
    }
    let debug = format!(
        "{:?}",
        parse("[g]\nh password=hunter2\n[g:vars]\nvault_pass=hunter2\n")
    );
    assert!(!debug.contains("hunter2"), "{debug}");
}

#[test]
fn load_reads_files_and_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.ini");
    std::fs::write(&path, "[g]\nh port=x\n").unwrap();
    let message = Inventory::load(&path).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}:2: ", path.display())),
        "{message}"
    );
    std::fs::write(&path, "[g]\nh\n").unwrap();
    assert_eq!(
        Inventory::load(&path).unwrap().source(),
        path.display().to_string()
    );
    let missing = dir.path().join("missing.ini");
    let message = Inventory::load(&missing).unwrap_err().to_string();
    assert!(
        message.contains("missing.ini") && message.contains("-i FILE"),
        "{message}"
    );
}

#[test]
fn default_path_flag_then_env_then_default() {
    let env = |key: &str| (key == "HERD_INVENTORY").then(|| "/etc/herd/hosts.ini".to_owned());
    let none = |_: &str| None;
    let empty = |_: &str| Some(String::new());
    assert_eq!(
        default_inventory_path(Some(Path::new("x.ini")), &env),
        PathBuf::from("x.ini")
    );
    assert_eq!(
        default_inventory_path(None, &env),
        PathBuf::from("/etc/herd/hosts.ini")
    );
    assert_eq!(
        default_inventory_path(None, &none),
        PathBuf::from("inventory/hosts.ini")
    );
    assert_eq!(
        default_inventory_path(None, &empty),
        PathBuf::from("inventory/hosts.ini")
    );
}

#[test]
fn list_json_is_ansible_shaped_and_masked() {
    let text = "h0\n[web]\nweb1 password=hunter2 port=22\n[web:vars]\nbecome_password=s3\nuser=u\n[prod:children]\nweb\n";
    let json: serde_json::Value =
        serde_json::from_str(&show::list_json(&parse(text), false)).unwrap();
    let export: serde_json::Value =
        serde_json::from_str(&show::list_json(&parse(text), true)).unwrap();
    // --export: group vars in their group, each host's own vars only.
    assert_eq!(export["web"]["vars"]["become_password"], MASK);
    assert_eq!(export["web"]["vars"]["user"], "u");
    assert_eq!(
        export["_meta"]["hostvars"]["web1"],
        serde_json::json!({"password": MASK, "port": 22})
    );
    assert_eq!(
        json["all"]["children"],
        serde_json::json!(["ungrouped", "prod"])
    );
    assert_eq!(json["ungrouped"]["hosts"], serde_json::json!(["h0"]));
    assert_eq!(json["web"]["hosts"], serde_json::json!(["web1"]));
    assert_eq!(json["prod"]["children"], serde_json::json!(["web"]));
    let web1 = &json["_meta"]["hostvars"]["web1"];
    assert_eq!(web1["password"], MASK);
    // Without --export, a host shows its merged vars, its groups' included.
    assert_eq!(web1["become_password"], MASK);
    assert_eq!(web1["user"], "u");
    assert_eq!(web1["port"], 22);
    // As in Ansible: a host without vars is left out of hostvars.
    assert!(json["_meta"]["hostvars"].get("h0").is_none());
    assert!(!show::list_json(&parse(text), true).contains("hunter2"));
    assert!(!show::list_json(&parse(text), true).contains("\"s3\""));
    // Without --export, groups show no vars (they are in hostvars), and empty groups
    // are left out.
    let plain: serde_json::Value = serde_json::from_str(&show::list_json(
        &parse("[web]\nw\n[web:vars]\nx=1\n[empty]\n"),
        false,
    ))
    .unwrap();
    assert!(plain["web"].get("vars").is_none());
    assert!(plain.get("empty").is_none());
    assert_eq!(plain["_meta"]["hostvars"]["w"]["x"], 1);
}

#[test]
fn host_vars_json_masks() {
    let inventory = parse("web1 password=hunter2 ansible_host=10.0.0.1\n");
    let text = show::host_vars_json(&inventory, "web1").unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"ansible_host": "10.0.0.1", "password": MASK})
    );
    assert!(show::host_vars_json(&inventory, "nope").is_none());
}

#[test]
fn graph_is_ansible_style() {
    let text = "h0\n[web]\nweb1\nweb2\n[web_eu]\nweb3\n[web:children]\nweb_eu\n";
    assert_eq!(
        show::graph(&parse(text)),
        "@all:\n  |--@ungrouped:\n  |  |--h0\n  |--@web:\n  |  |--@web_eu:\n  |  |  |--web3\n  |  |--web1\n  |  |--web2\n"
    );
}

#[test]
fn the_example_inventory_is_valid_and_means_what_it_says() {
    let inventory = Inventory::parse(
        "inventory/hosts.ini",
        include_str!("../../inventory/hosts.ini"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(!inventory.has_passwords());
    assert_eq!(
        inventory.group_hosts("web_clusters").map(|h| h.len()),
        Some(21)
    );
    assert_eq!(
        names(&inventory.group_hosts("ungrouped").unwrap()),
        ["bastion"]
    );
    let web = inventory.host("web07.example.com").unwrap();
    assert_eq!(web.vars["user"], "deploy");
    assert_eq!(web.vars["ntp_server"], "ntp.eu.example.com");
    let db = inventory.host("db-a.example.com").unwrap();
    assert_eq!(db.groups, ["all", "db_servers", "eu", "monitoring"]);
    let env = |key: &str| match key {
        "DB_KEY_PASSPHRASE" => Some("pp".to_owned()),
        "HOME" => Some("/home/me".to_owned()),
        _ => None,
    };
    let spec = db.connection(&env).unwrap();
    assert_eq!(
        spec.key_file,
        Some(PathBuf::from("/home/me/.ssh/id_ed25519_db"))
    );
    assert_eq!((spec.user.as_str(), spec.port), ("eu-admin", 22));
    let message = web.connection(&env).unwrap_err().to_string();
    assert!(
        message.contains("password_env WEB_SSH_PASSWORD is not set"),
        "{message}"
    );
}

#[test]
fn graph_draws_a_shared_group_in_full_once() {
    let text = "[top:children]\nl\nr\n[l:children]\nbottom\n[r:children]\nbottom\n[bottom]\nh1\n[empty]\n[r:children]\nempty\n[l:children]\nempty\n";
    assert_eq!(
        show::graph(&parse(text)),
        "@all:\n  |--@ungrouped:\n  |--@top:\n  |  |--@l:\n  |  |  |--@bottom:\n  |  |  |  |--h1\n  |  |  |--@empty:\n  |  |--@r:\n  |  |  |--@bottom: (shown above)\n  |  |  |--@empty:\n"
    );
}

/// `levels` diamonds in a row: 2^levels paths from the top group to the bottom one.
fn diamonds(levels: usize) -> String {
    let mut text = String::new();
    for i in 0..levels {
        text += &format!(
            "[d{i}:children]\nl{i}\nr{i}\n[l{i}:children]\nd{j}\n[r{i}:children]\nd{j}\n",
            j = i + 1
        );
    }
    text + &format!("[d{levels}]\nh\n")
}

#[test]
fn graph_of_stacked_diamonds_stays_small() {
    // Drawn path by path, this would be 2^40 lines.
    let graph = show::graph(&parse(&diamonds(40)));
    assert_eq!(graph.lines().count(), 2 + 3 * 40 + 40 + 2);
    assert_eq!(graph.matches("(shown above)").count(), 40);
}

#[test]
fn a_range_cannot_repeat_many_vars_into_gigabytes() {
    let vars: String = (0..300).map(|i| format!(" k{i}=v")).collect();
    error(
        &format!("[g]\nh[1:100000]{vars}\n"),
        2,
        &["MiB by this line"],
    );
    let long_name = format!("{}[1:100000]\n", "a".repeat(4000));
    error(&long_name, 1, &["MiB by this line"]);
}

#[test]
fn group_vars_cannot_multiply_into_gigabytes() {
    let vars: String = (0..600).map(|i| format!("k{i}=v\n")).collect();
    let message = error(
        &format!("x\n[g]\nh[1:99999]\n[g:vars]\n{vars}"),
        3,
        &["128 MiB", "| h3235"],
    );
    assert!(message.contains("fewer or shorter vars"), "{message}");
}

#[test]
fn deep_or_wide_nesting_of_a_big_group_is_refused() {
    let chain: String = (0..300)
        .map(|i| format!("[g{i}:children]\ng{}\n", i + 1))
        .collect();
    error(&format!("[g300]\nh[1:100000]\n{chain}"), 2, &["128 MiB"]);
    let parents: String = (0..400).map(|i| format!("[p{i}:children]\ng\n")).collect();
    error(&format!("[g]\nh[1:100000]\n{parents}"), 2, &["128 MiB"]);
}

#[test]
fn a_host_in_many_groups_with_shared_ancestors_is_refused() {
    // Each host is listed in 100 groups under one chain of 1000: little data, as the
    // ancestors are the same, but 100 × 1000 steps for each host to find that out.
    let chain: String = (0..1000)
        .map(|i| format!("[c{i}:children]\nc{}\n", i + 1))
        .collect();
    let groups: String = (0..100)
        .map(|i| format!("[g{i}]\nh[1:1000]\n[c1000:children]\ng{i}\n"))
        .collect();
    error(&format!("{groups}{chain}"), 2, &["5000000 steps"]);
}

#[test]
fn a_long_chain_of_children_is_refused_where_it_gets_too_costly() {
    let chain: String = (0..4000)
        .map(|i| format!("[g{i}:children]\ng{}\n", i + 1))
        .collect();
    let text = format!("{chain}[g4000]\n");
    // Ancestry work grows as the square of the chain's length: the entry about 3162
    // levels down is where it passes the limit.
    let message = Inventory::parse("hosts.ini", &text)
        .unwrap_err()
        .to_string();
    assert!(message.contains("steps by this line"), "{message}");
}

#[test]
fn a_big_realistic_inventory_is_within_the_limits() {
    let text = "[web]\nweb[1:100000].example.com\n[eu:children]\nweb\n[prod:children]\neu\n\
                [web:vars]\nuser=deploy\nport=2222\n[eu:vars]\nntp=ntp.eu.example.com\nzone=eu-1\n\
                [prod:vars]\nenv=prod\ntier=front\n[all:vars]\nowner=ops\nkey=~/.ssh/id\n";
    let inventory = parse(text);
    assert_eq!(inventory.hosts().len(), MAX_HOSTS);
    assert_eq!(inventory.hosts()[7].vars.len(), 8);
}

#[test]
fn many_children_are_deduplicated_in_linear_time() {
    // Compared pairwise, 20000 children listed twice took 400 million comparisons.
    let mut text: String = (0..20_000).map(|i| format!("[c{i}]\n")).collect();
    text += "[p:children]\n";
    text += &(0..20_000)
        .map(|i| format!("c{i}\nc{i}\n"))
        .collect::<String>();
    let inventory = parse(&text);
    let children = &inventory.group("p").unwrap().children;
    assert_eq!(children.len(), 20_000);
    assert_eq!(children[19_999], "c19999");
}

#[test]
fn smaller_limits_are_enforced_and_named_in_their_errors() {
    let limits = Limits {
        max_hosts: 1000,
        max_host_data: MAX_HOST_DATA / 100,
        max_group_steps: MAX_GROUP_STEPS / 100,
    };
    let within = |text: &str| Inventory::parse_within("hosts.ini", text, limits);
    assert_eq!(within("h[1:1000]\n").unwrap().hosts().len(), 1000);
    let message = within("h[1:600]\ng[1:600]\n").unwrap_err().to_string();
    assert!(message.contains("hosts.ini:2"), "{message}");
    assert!(message.contains("more than 1000 host entries"), "{message}");
    let message = within("h[1:1001]\n").unwrap_err().to_string();
    assert!(
        message.contains("more than 100000 names") || message.contains("bad range"),
        "{message}"
    );
    let long_var = format!("h[1:1000] note={}\n", "x".repeat(2000));
    let message = within(&long_var).unwrap_err().to_string();
    assert!(message.contains("more than 1 MiB"), "{message}");
    // The same text is fine within herd's own limits.
    assert!(Inventory::parse("hosts.ini", &long_var).is_ok());
    let mut nested = String::from("[g0]\nh[1:10]\n");
    for level in 1..400 {
        nested += &format!("[g{level}:children]\ng{}\n", level - 1);
    }
    let message = within(&nested).unwrap_err().to_string();
    assert!(message.contains("more than 50000 steps"), "{message}");
}

#[test]
fn older_connection_names_and_typed_values_connect() {
    let text = "h1 ansible_ssh_host=10.0.0.1 ansible_ssh_port=2222 ansible_ssh_user=\"'007'\" ansible_private_key_file=/k\nh2 ansible_user=\"'deploy'\" ansible_port=\"'2200'\" ansible_ssh_pass=\"'03#pa33'\"\n";
    let inventory = parse(text);
    let spec = inventory.host("h1").unwrap().connection(&|_| None).unwrap();
    assert_eq!(
        (spec.address.as_str(), spec.port, spec.user.as_str()),
        ("10.0.0.1", 2222, "007")
    );
    assert_eq!(spec.key_file, Some(std::path::PathBuf::from("/k")));
    let spec = inventory.host("h2").unwrap().connection(&|_| None).unwrap();
    assert_eq!((spec.port, spec.user.as_str()), (2200, "deploy"));
    assert_eq!(spec.password.unwrap().expose(), "03#pa33");
    let bad = parse("h ansible_user=True\n");
    let error = bad.host("h").unwrap().connection(&|_| None).unwrap_err();
    assert!(
        error.to_string().contains("ansible_user=true is not text"),
        "{error}"
    );
}

#[test]
fn ansible_only_ini_forms() {
    // A host line may start with a range; `NAME:PORT` sets ansible_port (the line's own
    // port var wins); [all:children] only names groups all holds anyway.
    let text = "[a:c]-lb\nweb1:2222 x=1\nweb[2:3]:2200\nh:2201 ansible_port=22\n[web]\nw\n[all:children]\nweb\nungrouped\n";
    let inventory = parse(text);
    let names: Vec<&str> = inventory.hosts().iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        ["a-lb", "b-lb", "c-lb", "web1", "web2", "web3", "h", "w"]
    );
    assert_eq!(inventory.host("web1").unwrap().vars["ansible_port"], 2222);
    assert_eq!(inventory.host("web3").unwrap().vars["ansible_port"], 2200);
    assert_eq!(inventory.host("h").unwrap().vars["ansible_port"], 22);
    assert_eq!(
        inventory.group("all").unwrap().children,
        ["ungrouped", "web"]
    );
    error("[a:c]\n", 1, &["unknown section kind `:c`"]);
    error("[web] x\n", 1, &["malformed section header"]);
    error("web1:70000\n", 1, &["is not a port"]);
}

#[test]
fn group_priority_orders_groups_of_one_depth() {
    let text = "[a]\nh\n[b]\nh\n[a:vars]\nk=a\nansible_group_priority=10\n[b:vars]\nk=b\n";
    let inventory = parse(text);
    let h = inventory.host("h").unwrap();
    // b sorts later by name, but a's priority is higher.
    assert_eq!(h.vars["k"], "a");
    assert!(!h.vars.contains_key("ansible_group_priority"));
    assert_eq!(
        inventory.group("a").unwrap().vars["ansible_group_priority"],
        10
    );
    let inventory = parse("[a]\nh\n[b]\nh\n[a:vars]\nk=a\n[b:vars]\nk=b\n");
    assert_eq!(inventory.host("h").unwrap().vars["k"], "b");
    error(
        "[a]\nh\n[a:vars]\nansible_group_priority=high\n",
        4,
        &["not a whole number"],
    );
}
