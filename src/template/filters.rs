//! Filters herd adds to minijinja's builtins, named and behaving as in Ansible.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use minijinja::{Error, ErrorKind, Value};

/// Registers every filter of this module on `env`.
pub(super) fn register(env: &mut minijinja::Environment<'_>) {
    env.add_filter("quote", quote);
    env.add_filter("basename", basename);
    env.add_filter("dirname", dirname);
    env.add_filter("to_json", to_json);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("dict2items", dict2items);
}

/// A mapping as a list of `{key, value}` mappings, in the mapping's (key) order, as Ansible's
/// `dict2items` (for `loop: "{{ users | dict2items }}"`); anything else is an error.
fn dict2items(value: &Value) -> Result<Value, Error> {
    if value.kind() != minijinja::value::ValueKind::Map {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("dict2items: expects a mapping, got {}", value.kind()),
        ));
    }
    let mut items = Vec::new();
    for key in value.try_iter()? {
        let entry = value.get_item(&key)?;
        items.push(Value::from(std::collections::BTreeMap::from([
            ("key", key),
            ("value", entry),
        ])));
    }
    Ok(Value::from(items))
}

/// Quotes `value` for a POSIX shell (see [`crate::shell::quote`]); a NUL byte is an error.
fn quote(value: String) -> Result<String, Error> {
    crate::shell::quote(&value).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "quote: a shell word cannot contain a NUL byte",
        )
    })
}

/// The last component of a `/`-separated path, like Python's `os.path.basename`.
fn basename(path: String) -> String {
    match path.rfind('/') {
        Some(i) => path[i + 1..].to_owned(),
        None => path,
    }
}

/// Everything before the last `/` of a path, like Python's `os.path.dirname`.
fn dirname(path: String) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => return String::new(),
    };
    let trimmed = head.trim_end_matches('/');
    if trimmed.is_empty() {
        head.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Serialises a value as compact JSON (no HTML escaping, unlike minijinja's `tojson`).
fn to_json(value: &Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    serde_json::to_string(value).map_err(|err| {
        Error::new(
            ErrorKind::BadSerialization,
            "to_json: the value cannot be written as JSON",
        )
        .with_source(err)
    })
}

/// Standard base64 (with padding) of the value's UTF-8 text.
fn b64encode(value: String) -> String {
    STANDARD.encode(value)
}

/// Decodes standard base64 into UTF-8 text. The error never echoes the input.
fn b64decode(value: String) -> Result<String, Error> {
    let bytes = STANDARD.decode(value.trim()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "b64decode: the value is not valid base64",
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "b64decode: the decoded bytes are not UTF-8 text",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn quote_leaves_safe_words_alone() {
        assert_eq!(quote("/opt/shop-1.2_x".into()).unwrap(), "/opt/shop-1.2_x");
        assert_eq!(quote("a=b,c:d@e%f+g".into()).unwrap(), "a=b,c:d@e%f+g");
    }

    #[test]
    fn quote_wraps_everything_else_in_single_quotes() {
        assert_eq!(quote("".into()).unwrap(), "''");
        assert_eq!(
            quote("x; touch /tmp/pwned".into()).unwrap(),
            "'x; touch /tmp/pwned'"
        );
        assert_eq!(quote("it's".into()).unwrap(), r#"'it'"'"'s'"#);
        assert_eq!(quote("$HOME".into()).unwrap(), "'$HOME'");
    }

    #[test]
    fn quote_rejects_nul() {
        assert!(quote("a\0b".into()).is_err());
    }

    /// Each tricky string, quoted and handed to a real `sh`, comes back byte for byte:
    /// nothing was expanded, split or executed.
    #[test]
    fn quoted_words_are_inert_in_a_real_shell() {
        let dir = tempfile::tempdir().unwrap();
        let canary = dir.path().join("pwned");
        let tricky = [
            String::new(),
            "plain".into(),
            "two words".into(),
            "it's".into(),
            "''\"\"'".into(),
            "$(touch CANARY)".into(),
            "`touch CANARY`".into(),
            "x; touch CANARY".into(),
            "a && touch CANARY || touch CANARY".into(),
            "$HOME ${PATH} $1 $@ $$".into(),
            "*?[a-z]{1,2}~".into(),
            "line1\nline2\ttab\r".into(),
            "-n".into(),
            "\\'\\\"\\\\".into(),
            "ünïcødé 💥".into(),
            "> CANARY < /etc/passwd | cat &".into(),
        ];
        for raw in tricky {
            let raw = raw.replace("CANARY", canary.to_str().unwrap());
            let script = format!("printf %s {}", quote(raw.clone()).unwrap());
            let out = Command::new("sh")
                .arg("-c")
                .arg(&script)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "{script}");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), raw, "{script}");
            assert!(!canary.exists(), "{script} ran a command");
        }
    }

    #[test]
    fn basename_and_dirname_follow_python() {
        assert_eq!(basename("/var/log/shop.log".into()), "shop.log");
        assert_eq!(basename("shop.log".into()), "shop.log");
        assert_eq!(basename("/var/log/".into()), "");
        assert_eq!(dirname("/var/log/shop.log".into()), "/var/log");
        assert_eq!(dirname("/shop.log".into()), "/");
        assert_eq!(dirname("shop.log".into()), "");
        assert_eq!(dirname("a//b".into()), "a");
    }

    #[test]
    fn to_json_is_compact_and_unescaped() {
        let value = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": [1, "<b>"]}),
        ));
        assert_eq!(to_json(&value).unwrap(), r#"{"a":[1,"<b>"]}"#);
        assert!(to_json(&Value::UNDEFINED).is_err());
    }

    #[test]
    fn base64_round_trips_and_hides_bad_input() {
        assert_eq!(b64encode("shop:8080".into()), "c2hvcDo4MDgw");
        assert_eq!(b64decode("c2hvcDo4MDgw".into()).unwrap(), "shop:8080");
        let err = b64decode("not base64 hunter2!".into()).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
