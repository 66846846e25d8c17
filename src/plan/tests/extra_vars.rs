//! `-e` parsing.

use super::*;
use serde_json::json;

fn parse_err(args: &[&str], cwd: &Path) -> String {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    parse_extra_vars(&args, cwd)
        .expect_err("the arguments should be refused")
        .to_string()
}

#[test]
fn key_value_words_are_strings() {
    let vars = extra(&["app=shop", "port=8080 empty= msg=\"hello world\""]);
    assert_eq!(
        Value::Object(vars),
        json!({"app": "shop", "port": "8080", "empty": "", "msg": "hello world"})
    );
    assert_eq!(extra(&["eq=a=b"])["eq"], "a=b");
}

#[test]
fn json_objects_keep_their_types() {
    let vars = extra(&[r#"{"port": 8080, "tags": ["a"], "on": true}"#]);
    assert_eq!(
        Value::Object(vars),
        json!({"port": 8080, "tags": ["a"], "on": true})
    );
}

#[test]
fn files_are_yaml_or_json_mappings_relative_to_cwd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vars.yml"), "app: shop\nports: [80, 443]\n").unwrap();
    std::fs::write(dir.path().join("vars.json"), r#"{"app": "json"}"#).unwrap();
    let args = vec!["@vars.yml".to_owned()];
    let vars = parse_extra_vars(&args, dir.path()).unwrap();
    assert_eq!(vars["ports"], json!([80, 443]));
    let args = vec!["@vars.yml".to_owned(), "@vars.json".to_owned()];
    assert_eq!(parse_extra_vars(&args, dir.path()).unwrap()["app"], "json");
}

#[test]
fn later_arguments_win() {
    let vars = extra(&["app=one", r#"{"app": "two", "x": 1}"#, "app=three"]);
    assert_eq!(Value::Object(vars), json!({"app": "three", "x": 1}));
}

#[test]
fn errors_name_the_argument_but_never_a_value() {
    let here = Path::new(".");
    assert_eq!(
        parse_err(&["a=1", "db_password=hunter2 oops"], here),
        "-e #2: word 2 is not key=value; give key=value, @FILE or a JSON object, and quote \
         values with spaces like -e 'msg=\"a b\"'"
    );
    assert_eq!(
        parse_err(&["1x=2"], here),
        "-e #1: `1x` is not a variable name; use letters, digits and `_`, not starting with a digit"
    );
    assert_eq!(
        parse_err(&["msg='unbalanced"], here),
        "-e #1: unbalanced quotes; quote values with spaces like -e 'msg=\"a b\"'"
    );
    assert_eq!(
        parse_err(&["  "], here),
        "-e #1: empty; give key=value, @FILE or a JSON object"
    );
    assert_eq!(
        parse_err(&["[1]"], here).split(';').next(),
        Some("-e #1: word 1 is not key=value")
    );
    assert_eq!(
        parse_err(&["{\"a\": [1]"], here),
        "-e #1: invalid JSON at line 1 column 9; an argument starting with { must be a JSON object"
    );
    assert_eq!(
        parse_err(&[r#"{"my-var": 1}"#], here).split(';').next(),
        Some("-e #1: `my-var` is not a variable name")
    );
    assert_eq!(
        parse_err(&["@"], here),
        "-e @: give a file after @, like -e @vars.yml"
    );
    let missing = parse_err(&["@nope.yml"], here);
    assert!(
        missing.starts_with("-e @nope.yml: ./nope.yml: cannot read: "),
        "{missing}"
    );
}

#[test]
fn a_file_that_is_not_a_mapping_points_into_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("list.yml"), "- a\n- b\n").unwrap();
    let err = parse_err(&["@list.yml"], dir.path());
    let file = dir.path().join("list.yml").display().to_string();
    assert!(
        err.starts_with(&format!("-e @list.yml: {file}:1:")),
        "{err}"
    );
}
