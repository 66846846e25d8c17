//! Typed inventory values: what a var holds once read, as Ansible types it.
//!
//! A value is a JSON value ([`VarValue`]): the types Ansible's inventory gives a var
//! (string, int, float, bool, null, list, dict) and nothing more, so every source (INI,
//! YAML, scripts' JSON) produces it directly, templates see it with its type
//! (`{{ n + 1 }}` is 6 for `n=5`), and `herd inventory` prints it as
//! `ansible-inventory` does. Secret values are masked by [`masked`] wherever one is shown.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use super::literal;
use crate::secret::{MASK, is_secret_key};

/// The value of one inventory var: string, number, bool, null, list or dict.
pub type VarValue = Value;

/// A set of vars, by name.
pub type Vars = BTreeMap<String, VarValue>;

/// An INI value as Ansible reads it: a Python literal (`5`, `True`, `'x'`, `[1, 2]`)
/// becomes that value, any other text stays a string (`deploy`, `true`, `1+2`).
pub fn from_ini(text: &str) -> VarValue {
    literal::eval(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The text of a value used as a setting (an address, a user, a port): a string as
/// is, a number in decimal; `None` for a bool, null, list or dict.
pub fn as_text(value: &VarValue) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// `value` as var `key` may be shown: [`MASK`] if `key` is secret, and inside lists and
/// dicts every value under a secret key masked too.
pub fn masked(key: &str, value: &VarValue) -> VarValue {
    if is_secret_key(key) {
        return Value::String(MASK.to_owned());
    }
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|item| masked("", item)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), masked(k, v))).collect())
        }
        other => other.clone(),
    }
}

/// A set of vars as a JSON object, secrets masked.
pub fn masked_vars(vars: &Vars) -> Value {
    Value::Object(
        vars.iter()
            .map(|(key, value)| (key.clone(), masked(key, value)))
            .collect(),
    )
}

/// How var `key` with `value` is shown in a message: a string as is, anything else as
/// JSON, secrets masked.
pub(crate) fn shown(key: &str, value: &VarValue) -> String {
    match masked(key, value) {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// The estimated bytes a value takes (its text, and an entry's overhead per item).
pub(crate) fn cost(value: &VarValue) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items
            .iter()
            .map(|item| 64 + cost(item))
            .fold(0, usize::saturating_add),
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| 64 + key.len() + cost(item))
            .fold(0, usize::saturating_add),
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ini_values_are_typed() {
        assert_eq!(from_ini("5"), json!(5));
        assert_eq!(from_ini("'5'"), json!("5"));
        assert_eq!(from_ini("deploy"), json!("deploy"));
        assert_eq!(from_ini("true"), json!("true"));
        assert_eq!(from_ini("True"), json!(true));
    }

    #[test]
    fn settings_read_strings_and_numbers() {
        assert_eq!(as_text(&json!("web")).as_deref(), Some("web"));
        assert_eq!(as_text(&json!(2222)).as_deref(), Some("2222"));
        assert_eq!(as_text(&json!(true)), None);
        assert_eq!(as_text(&json!([1])), None);
    }

    #[test]
    fn secrets_are_masked_at_any_depth() {
        assert_eq!(masked("password", &json!([1, 2])), json!(MASK));
        assert_eq!(
            masked(
                "db",
                &json!({"user": "u", "db_password": "x", "list": [{"pass": 1, "x_pass": 2}]})
            ),
            json!({"user": "u", "db_password": MASK, "list": [{"pass": 1, "x_pass": MASK}]})
        );
        assert_eq!(shown("port", &json!(22)), "22");
        assert_eq!(shown("user", &json!("bob")), "bob");
        assert_eq!(shown("ansible_password", &json!("x")), MASK);
    }
}
