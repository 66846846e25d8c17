//! Small value types of the playbook format that accept more than one YAML shape.
//!
//! Each parses itself (so a bad value is reported at its own line and column) and
//! describes itself in the JSON Schema.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, SeqAccess, Unexpected, Visitor};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// Rolling batches: how many hosts a play works on at a time (`serial:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serial {
    /// At most this many hosts per batch (`serial: 2`); at least 1.
    Count(usize),
    /// This percentage of the play's hosts per batch (`serial: "25%"`); 1 to 100.
    Percent(u8),
}

impl Serial {
    /// The batch size for a play over `hosts` hosts: the count, or the percentage rounded
    /// down, never more than `hosts` and always at least 1 (so it can go to `chunks`).
    pub fn batch_size(&self, hosts: usize) -> usize {
        let size = match *self {
            Serial::Count(count) => count,
            Serial::Percent(percent) => hosts.saturating_mul(usize::from(percent)) / 100,
        };
        size.min(hosts).max(1)
    }
}

impl<'de> Deserialize<'de> for Serial {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SerialVisitor;

        impl Visitor<'_> for SerialVisitor {
            type Value = Serial;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a host count of at least 1, or a percentage from \"1%\" to \"100%\"")
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Serial, E> {
                match usize::try_from(n) {
                    Ok(count) if count >= 1 => Ok(Serial::Count(count)),
                    _ => Err(E::invalid_value(Unexpected::Unsigned(n), &self)),
                }
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Serial, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(n), &self)),
                }
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Serial, E> {
                let percent = text
                    .trim()
                    .strip_suffix('%')
                    .and_then(|digits| digits.trim().parse::<u8>().ok())
                    .filter(|percent| (1..=100).contains(percent));
                match percent {
                    Some(percent) => Ok(Serial::Percent(percent)),
                    None => Err(E::invalid_value(Unexpected::Str(text), &self)),
                }
            }
        }

        deserializer.deserialize_any(SerialVisitor)
    }
}

impl JsonSchema for Serial {
    fn schema_name() -> Cow<'static, str> {
        "Serial".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Rolling batches: a host count (>= 1) or a percentage of the play's hosts (\"1%\" to \"100%\").",
            "oneOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string", "pattern": "^\\s*(100|[1-9][0-9]?)\\s*%\\s*$" }
            ]
        })
    }
}

/// A `when:` condition: a literal boolean or an expression (Jinja, without `{{ }}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `when: true` / `when: false`.
    Bool(bool),
    /// `when: "'web' in group_names"`, evaluated per host.
    Expr(String),
}

impl Serialize for Condition {
    /// As written: a boolean or the expression's text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Condition::Bool(value) => serializer.serialize_bool(*value),
            Condition::Expr(expr) => serializer.serialize_str(expr),
        }
    }
}

impl fmt::Display for Condition {
    /// As written: `false`, or the expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Bool(value) => write!(f, "{value}"),
            Condition::Expr(expr) => f.write_str(expr),
        }
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ConditionVisitor;

        impl Visitor<'_> for ConditionVisitor {
            type Value = Condition;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false, or an expression such as \"x == 1\"")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Condition, E> {
                Ok(Condition::Bool(value))
            }

            fn visit_str<E: de::Error>(self, expr: &str) -> Result<Condition, E> {
                Ok(Condition::Expr(expr.to_owned()))
            }
        }

        deserializer.deserialize_any(ConditionVisitor)
    }
}

impl JsonSchema for Condition {
    fn schema_name() -> Cow<'static, str> {
        "Condition".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "true, false, or a Jinja expression without {{ }} (e.g. \"'web' in group_names\").",
            "type": ["boolean", "string"]
        })
    }
}

/// A step's `loop:`: a YAML list, or a template that yields one (`"{{ packages }}"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopSource {
    /// The items as written; string items are templates.
    Items(Vec<serde_json::Value>),
    /// A template whose one expression yields the list, evaluated per host.
    Template(String),
}

impl<'de> Deserialize<'de> for LoopSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LoopVisitor;

        impl<'de> Visitor<'de> for LoopVisitor {
            type Value = LoopSource;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of items, or a template yielding one (\"{{ packages }}\")")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<LoopSource, E> {
                Ok(LoopSource::Template(text.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LoopSource, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(LoopSource::Items(items))
            }
        }

        deserializer.deserialize_any(LoopVisitor)
    }
}

impl JsonSchema for LoopSource {
    fn schema_name() -> Cow<'static, str> {
        "Loop".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Run the step once per item: a list, or a template yielding one (\"{{ packages }}\"); `item` holds each.",
            "oneOf": [
                { "type": "array" },
                { "type": "string", "pattern": "\\{\\{" }
            ]
        })
    }
}

/// Step tags: a list of strings, or one string (`tags: info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Tags(pub Vec<String>);

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_or_many(deserializer, "a tag or a list of tags").map(Tags)
    }
}

impl JsonSchema for Tags {
    fn schema_name() -> Cow<'static, str> {
        "Tags".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        one_or_many_schema("A tag or a list of tags, for --tags / --skip-tags.")
    }
}

/// Handler names or topics: a list of strings, or one string (`notify: Restart app`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Names(pub Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_or_many(deserializer, "a name or a list of names").map(Names)
    }
}

impl JsonSchema for Names {
    fn schema_name() -> Cow<'static, str> {
        "Names".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        one_or_many_schema("A handler name (or `listen` topic), or a list of them.")
    }
}

/// Reads one string or a list of strings; `expecting` says what, for errors.
fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
    expecting: &'static str,
) -> Result<Vec<String>, D::Error> {
    struct OneOrMany(&'static str);

    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_str<E: de::Error>(self, one: &str) -> Result<Vec<String>, E> {
            Ok(vec![one.to_owned()])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut many = Vec::new();
            while let Some(one) = seq.next_element::<String>()? {
                many.push(one);
            }
            Ok(many)
        }
    }

    deserializer.deserialize_any(OneOrMany(expecting))
}

/// The schema of a string or a list of strings.
fn one_or_many_schema(description: &str) -> Schema {
    json_schema!({
        "description": description,
        "oneOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" } }
        ]
    })
}

/// Unix permission bits for a file put on a host, written as an octal string (`"0644"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(u32);

impl Mode {
    /// The largest mode: setuid, setgid, sticky and all permission bits.
    pub const MAX: u32 = 0o7777;

    /// The permission bits, e.g. `0o644`.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Parses octal digits (`"0644"`, `"755"`) into a mode of at most `0o7777`.
    pub fn parse(text: &str) -> Option<Mode> {
        let valid =
            !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
        let bits = u32::from_str_radix(text, 8).ok().filter(|_| valid)?;
        (bits <= Mode::MAX).then_some(Mode(bits))
    }
}

impl fmt::Display for Mode {
    /// Four octal digits, as `chmod` takes them: `0644`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ModeVisitor;

        impl Visitor<'_> for ModeVisitor {
            type Value = Mode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quoted octal mode such as \"0644\" (at most \"7777\")")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Mode, E> {
                Mode::parse(text.trim())
                    .ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Mode, E> {
                Err(E::invalid_type(Unexpected::Unsigned(n), &self))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Mode, E> {
                Err(E::invalid_type(Unexpected::Signed(n), &self))
            }
        }

        deserializer.deserialize_any(ModeVisitor)
    }
}

impl JsonSchema for Mode {
    fn schema_name() -> Cow<'static, str> {
        "Mode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Octal permission bits as a quoted string, e.g. \"0644\" (at most \"7777\").",
            "type": "string",
            "pattern": "^\\s*0?[0-7]{1,4}\\s*$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        serde_saphyr::from_str(text).map_err(|err| err.to_string())
    }

    #[test]
    fn serial_counts_and_percentages() {
        assert_eq!(yaml::<Serial>("2").unwrap(), Serial::Count(2));
        assert_eq!(yaml::<Serial>("'25%'").unwrap(), Serial::Percent(25));
        assert_eq!(yaml::<Serial>("100%").unwrap(), Serial::Percent(100));
        for bad in ["0", "-1", "'0%'", "'101%'", "'x%'", "'25'", "1.5"] {
            let err = yaml::<Serial>(bad).unwrap_err();
            assert!(err.contains("a host count of at least 1"), "{bad}: {err}");
        }
    }

    #[test]
    fn serial_batch_size() {
        assert_eq!(Serial::Count(2).batch_size(5), 2);
        assert_eq!(Serial::Count(10).batch_size(3), 3);
        assert_eq!(Serial::Count(3).batch_size(0), 1);
        assert_eq!(Serial::Percent(25).batch_size(10), 2);
        assert_eq!(Serial::Percent(50).batch_size(3), 1);
        assert_eq!(Serial::Percent(10).batch_size(3), 1);
        assert_eq!(Serial::Percent(100).batch_size(7), 7);
        assert_eq!(Serial::Percent(30).batch_size(usize::MAX), usize::MAX / 100);
    }

    #[test]
    fn condition_is_bool_or_expression() {
        assert_eq!(yaml::<Condition>("true").unwrap(), Condition::Bool(true));
        assert_eq!(
            yaml::<Condition>("\"'web' in group_names\"").unwrap(),
            Condition::Expr("'web' in group_names".into())
        );
        assert!(yaml::<Condition>("[1]").is_err());
    }

    #[test]
    fn tags_are_a_string_or_a_list() {
        assert_eq!(yaml::<Tags>("info").unwrap(), Tags(vec!["info".into()]));
        assert_eq!(
            yaml::<Tags>("[info, deploy]").unwrap(),
            Tags(vec!["info".into(), "deploy".into()])
        );
        assert!(yaml::<Tags>("{a: 1}").is_err());
    }

    #[test]
    fn mode_is_a_quoted_octal_string() {
        assert_eq!(yaml::<Mode>("'0644'").unwrap().bits(), 0o644);
        assert_eq!(yaml::<Mode>("'755'").unwrap().bits(), 0o755);
        assert_eq!(yaml::<Mode>("'7777'").unwrap().to_string(), "7777");
        assert_eq!(Mode::parse("644").unwrap().to_string(), "0644");
        for bad in ["'0888'", "'17777'", "'rw-r--r--'", "''", "'-644'", "'+644'"] {
            let err = yaml::<Mode>(bad).unwrap_err();
            assert!(err.contains("a quoted octal mode"), "{bad}: {err}");
        }
        let err = yaml::<Mode>("0644").unwrap_err();
        assert!(
            err.contains("invalid type") && err.contains("quoted octal"),
            "{err}"
        );
    }
}
