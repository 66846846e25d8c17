//! Tests of `-h`/`-g` selection and Ansible-style patterns.

use std::io::Write;

use super::*;

const INVENTORY: &str = "\
[web]
web[01:05]
[db]
db-[a:c]
[prod:children]
web
db_prod
[db_prod]
db-a
[staging]
web05
db-c
[empty]
";

fn inventory() -> Inventory {
    Inventory::parse("hosts.ini", INVENTORY).expect("valid test inventory")
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn select_names(hosts: &[&str], groups: &[&str]) -> Result<Vec<String>, TargetError> {
    let inventory = inventory();
    let chosen = select(&inventory, &strings(hosts), &strings(groups))?;
    Ok(chosen.iter().map(|h| h.name.clone()).collect())
}

fn select_error(hosts: &[&str], groups: &[&str]) -> String {
    match select_names(hosts, groups) {
        Ok(names) => panic!("expected an error, got {names:?}"),
        Err(error) => error.to_string(),
    }
}

fn pattern_names(pattern: &str) -> Vec<String> {
    let inventory = inventory();
    match resolve_pattern(&inventory, pattern) {
        Ok(hosts) => hosts.iter().map(|h| h.name.clone()).collect(),
        Err(error) => panic!("{pattern}: {error}"),
    }
}

fn pattern_error(pattern: &str) -> String {
    let inventory = inventory();
    match resolve_pattern(&inventory, pattern) {
        Ok(hosts) => panic!("expected an error for {pattern}, got {} hosts", hosts.len()),
        Err(error) => error.to_string(),
    }
}

fn assert_contains(message: &str, pieces: &[&str]) {
    for piece in pieces {
        assert!(message.contains(piece), "expected {piece:?} in: {message}");
    }
}

fn host_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write temp file");
    file
}

#[test]
fn union_in_inventory_order_without_duplicates() {
    let names = select_names(&["db-a,web02", "web02"], &["db_prod"]).unwrap();
    assert_eq!(names, ["web02", "db-a"]);
    let names = select_names(&["db-c"], &["staging", "db_prod"]).unwrap();
    assert_eq!(names, ["web05", "db-a", "db-c"]);
    let names = select_names(&[" web01 , , web03"], &[]).unwrap();
    assert_eq!(names, ["web01", "web03"]);
}

#[test]
fn groups_include_children_and_all() {
    assert_eq!(select_names(&[], &["prod"]).unwrap().len(), 6);
    assert_eq!(select_names(&[], &["all"]).unwrap().len(), 8);
    assert_eq!(select_names(&[], &["web,db"]).unwrap().len(), 8);
}

#[test]
fn ranges_and_globs() {
    assert_eq!(
        select_names(&["web[02:03]"], &[]).unwrap(),
        ["web02", "web03"]
    );
    assert_eq!(select_names(&["db-[b:c]"], &[]).unwrap(), ["db-b", "db-c"]);
    assert_eq!(
        select_names(&["db-?"], &[]).unwrap(),
        ["db-a", "db-b", "db-c"]
    );
    assert_eq!(select_names(&["*5"], &[]).unwrap(), ["web05"]);
    assert_eq!(
        select_names(&["web0[4:5]*"], &[]).unwrap(),
        ["web04", "web05"]
    );
}

#[test]
fn nothing_selected() {
    let expected = "give at least one of -h HOSTS or -g GROUPS";
    assert_eq!(select_error(&[], &[]), expected);
    assert_eq!(select_error(&["", " , "], &[","]), expected);
}

#[test]
fn unknown_names_with_suggestions() {
    let message = select_error(&["web01,web06"], &[]);
    assert_contains(
        &message,
        &["no host matches `web06`", "did you mean `web01`?"],
    );
    let message = select_error(&["mail"], &[]);
    assert_contains(&message, &["no host matches `mail`", "fix the name"]);
    assert!(!message.contains("did you mean"), "{message}");
    let message = select_error(&["web"], &[]);
    assert_contains(&message, &["`web` is a group: use -g web"]);
    let message = select_error(&[], &["prd"]);
    assert_contains(
        &message,
        &["there is no group `prd`", "did you mean `prod`?"],
    );
    let message = select_error(&[], &["web01"]);
    assert_contains(&message, &["`web01` is a host: use -h web01"]);
    let message = select_error(&["x*"], &[]);
    assert_contains(&message, &["no host matches `x*`"]);
    let message = select_error(&[], &["empty"]);
    assert_contains(&message, &["group `empty` has no hosts"]);
}

#[test]
fn every_name_of_a_range_must_exist() {
    let message = select_error(&["web[04:07]"], &[]);
    assert_contains(&message, &["no host matches `web06` (from web[04:07])"]);
}

#[test]
fn bad_ranges_in_patterns() {
    let message = select_error(&["web[5:1]"], &[]);
    assert_contains(&message, &["bad range in `web[5:1]`", "smaller end first"]);
    let message = select_error(&["h[1:200000]"], &[]);
    assert_contains(&message, &["h[1:200000]", "more than 100000"]);
    let message = pattern_error("web:h[0:99999999][0:99999999]");
    assert_contains(&message, &["more than 100000"]);
}

#[test]
fn host_files() {
    let file = host_file("# maintenance list\n\nweb03\n  db-b  \n");
    let entry = format!("@{}", file.path().display());
    assert_eq!(
        select_names(&[&entry, "web01"], &[]).unwrap(),
        ["web01", "web03", "db-b"]
    );
    assert_eq!(
        pattern_names(&format!("{entry},web04")),
        ["web03", "web04", "db-b"]
    );

    let bad = host_file("web01\nnope\n");
    let entry = format!("@{}", bad.path().display());
    let message = select_error(&[&entry], &[]);
    assert_contains(
        &message,
        &[
            "no host matches `nope`",
            &format!("{}:2", bad.path().display()),
        ],
    );

    let empty = host_file("# nothing\n\n");
    let message = select_error(&[&format!("@{}", empty.path().display())], &[]);
    assert_contains(&message, &["names no hosts"]);

    let message = select_error(&["@/nonexistent/hosts.txt"], &[]);
    assert_contains(&message, &["cannot read host list /nonexistent/hosts.txt"]);
}

#[test]
fn an_endless_host_list_is_refused_after_the_size_limit() {
    // Read whole, `@/dev/zero` ran out of memory.
    let message = select_error(&["@/dev/zero"], &[]);
    assert_contains(&message, &["host list /dev/zero is larger than 10 MiB"]);
    let big = host_file(&"web01\n".repeat(2 << 20));
    let message = pattern_error(&format!("@{}", big.path().display()));
    assert_contains(&message, &["larger than 10 MiB"]);
}

#[test]
fn a_long_range_of_exact_names_adds_each_name_once() {
    let inventory = Inventory::parse("big.ini", "[big]\nh[1:50000]\n").expect("valid");
    let hosts = select(&inventory, &strings(&["h[1:50000:2]"]), &[]).expect("all exist");
    assert_eq!(hosts.len(), 25000);
    assert_eq!(hosts[1].name, "h3");
}

#[test]
fn pattern_union_intersection_exclusion() {
    assert_eq!(
        pattern_names("web:&prod:!web03"),
        ["web01", "web02", "web04", "web05"]
    );
    assert_eq!(pattern_names("web:&staging"), ["web05"]);
    assert_eq!(pattern_names("db,web01"), ["web01", "db-a", "db-b", "db-c"]);
    assert_eq!(pattern_names("prod:!web0*"), ["db-a"]);
    assert_eq!(pattern_names("!web*"), ["db-a", "db-b", "db-c"]);
    assert_eq!(pattern_names("&staging"), ["web05", "db-c"]);
    // `web` is a group: `web[01:02]` is its subscript, hosts 1 and 2 (as in Ansible).
    assert_eq!(pattern_names("web[01:02]:db-a"), ["web02", "web03", "db-a"]);
    // `db-` is no group: `db-[a:b]` stays a range of host names.
    assert_eq!(pattern_names("db-[a:b]"), ["db-a", "db-b"]);
    assert_eq!(pattern_names("!web:!db"), Vec::<String>::new());
}

#[test]
fn pattern_all_star_and_group_globs() {
    assert_eq!(pattern_names("all").len(), 8);
    assert_eq!(pattern_names("*").len(), 8);
    // `db*` matches the groups db and db_prod and the db-* hosts.
    assert_eq!(pattern_names("db*"), ["db-a", "db-b", "db-c"]);
    assert_eq!(pattern_names("stag*"), ["web05", "db-c"]);
}

#[test]
fn pattern_errors() {
    assert_contains(
        &pattern_error("web:!web99"),
        &["`!web99` matches no host or group", "exclude nothing"],
    );
    assert_contains(
        &pattern_error("web:&prd"),
        &[
            "`&prd` matches no host or group",
            "select nothing",
            "did you mean `prod`?",
        ],
    );
    assert_contains(
        &pattern_error("webb"),
        &["`webb` matches no host or group", "did you mean `web`?"],
    );
    assert_contains(&pattern_error("web:empty"), &["group `empty` has no hosts"]);
    assert_eq!(
        pattern_error(" : , "),
        TargetError::EmptyPattern.to_string()
    );
    assert_contains(
        &pattern_error("web:!"),
        &["`!` must be followed by a group or host name"],
    );
    assert_contains(&pattern_error("web[1:3"), &["never closed"]);
}

#[test]
fn split_terms_respects_brackets() {
    assert_eq!(split_terms("a:b,c"), ["a", "b", "c"]);
    assert_eq!(split_terms("web[01:05]:!web03"), ["web[01:05]", "!web03"]);
    assert_eq!(split_terms(" a ,, b "), ["a", "b"]);
    assert!(split_terms("").is_empty());
}

#[test]
fn group_subscripts_as_in_ansible() {
    assert_eq!(pattern_names("web[0]"), ["web01"]);
    assert_eq!(pattern_names("web[-1]"), ["web05"]);
    assert_eq!(pattern_names("web[1:2]"), ["web02", "web03"]);
    assert_eq!(pattern_names("web[3:]"), ["web04", "web05"]);
    assert_eq!(pattern_names("web[1-1]"), ["web02"]);
    // A group's own hosts first, then its children's: prod's first is web01.
    assert_eq!(pattern_names("prod[0]"), ["web01"]);
    assert_eq!(pattern_names("prod[-1]"), ["db-a"]);
    assert_eq!(pattern_names("all:!web[0]").len(), 7);
    assert_eq!(pattern_names("db[0]:web[0]"), ["web01", "db-a"]);
    assert_contains(
        &pattern_error("web[5]"),
        &["`web[5]` picks no host", "group `web` has 5 host(s)"],
    );
    assert_contains(&pattern_error("web[9:]"), &["picks no host"]);
    // -g takes subscripts too; -h keeps ranges of names.
    assert_eq!(select_names(&[], &["web[-1]"]).unwrap(), ["web05"]);
    assert_eq!(
        select_names(&["web[01:02]"], &[]).unwrap(),
        ["web01", "web02"]
    );
}

#[test]
fn a_name_both_host_and_group() {
    let inventory = Inventory::parse(
        "hosts.ini",
        "[web]\nw1\nweb\n[db]\nweb\nd1\n[x.y]\nx1\n[k]\nx.y\n",
    )
    .expect("valid");
    let names = |pattern: &str| -> Vec<String> {
        let hosts = resolve_pattern(&inventory, pattern).expect(pattern);
        hosts.iter().map(|h| h.name.clone()).collect()
    };
    // A plain term is the host; after & or ! it is the group.
    assert_eq!(names("web"), ["web"]);
    assert_eq!(names("db:&web"), ["web"]);
    assert_eq!(names("db:!web"), ["d1"]);
    assert_eq!(names("all:&web"), ["w1", "web"]);
    // With a `.` in the name, Ansible matches host names too after & and !.
    assert_eq!(names("all:!x.y"), ["w1", "web", "d1"]);
    assert_eq!(names("x.y"), ["x.y"]);
}

#[test]
fn regex_terms() {
    assert_eq!(pattern_names("~web0[12]"), ["web01", "web02"]);
    // Matched from the start of a name, as Python's re.match; group names match too.
    assert_eq!(pattern_names("~db_"), ["db-a"]);
    assert_eq!(pattern_names("~(web|db)-?[ab]").len(), 2);
    assert_eq!(pattern_names("web:!~web0[1-4]"), ["web05"]);
    assert_contains(&pattern_error("~zzz"), &["`~zzz` matches no host or group"]);
    assert_contains(
        &pattern_error("~web("),
        &["`~web(` is not a regular expression"],
    );
}
