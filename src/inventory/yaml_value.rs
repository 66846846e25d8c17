//! YAML as Ansible reads it: PyYAML's YAML 1.1 types, with the line of every node.
//!
//! Ansible loads inventories and `group_vars`/`host_vars` files with PyYAML, so a plain
//! `yes` is `true`, `0755` is 493, `1:30` is 90, `1e3` is the string `"1e3"` and `y` is
//! the string `"y"`. serde's typeless YAML 1.2 inference differs on each of these, so
//! this module reads the parser's events itself (granit-parser, the parser serde-saphyr
//! is built on) and resolves plain scalars with PyYAML's rules; quoted and block
//! scalars are strings. Anchors, aliases and merge keys (`<<`) work as in PyYAML;
//! aliases may copy at most [`MAX_ALIAS_NODES`] nodes in all, and nesting stops at
//! [`MAX_DEPTH`]. A duplicate key is an error (PyYAML keeps the last). `!vault` values
//! are kept apart as [`Kind::Vault`], so they are never taken for plain text.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

/// Deepest nesting of lists and mappings accepted.
pub const MAX_DEPTH: usize = 64;

/// Most nodes that aliases (`*name`) may copy in one file: alias bombs stop here.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// One YAML node and the line (1-based) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    /// Where the node starts.
    pub(super) line: usize,
    /// What it is.
    pub(super) kind: Kind,
}

/// The kinds of node.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// A scalar, typed as PyYAML types it (null, bool, number or string).
    Scalar(Value),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, keys in the order written, merge keys applied, no duplicates.
    Map(Vec<(Node, Node)>),
    /// A `!vault` value: the ciphertext as written.
    Vault(String),
}

/// A YAML problem at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct YamlProblem {
    /// 1-based line (0 when the parser gave none).
    pub(super) line: usize,
    /// What is wrong and what to do.
    pub(super) message: String,
}

impl Node {
    /// The mapping's entries, or `None` if the node is not a mapping.
    pub(super) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The scalar as a string as Python's `str()` shows it (`None` for lists, mappings
    /// and vault values): what a key means when used as a name.
    pub(super) fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Scalar(Value::String(text)) => Some(text.clone()),
            Kind::Scalar(Value::Null) => Some("None".to_owned()),
            Kind::Scalar(Value::Bool(true)) => Some("True".to_owned()),
            Kind::Scalar(Value::Bool(false)) => Some("False".to_owned()),
            Kind::Scalar(other) => Some(other.to_string()),
            _ => None,
        }
    }

    /// True for a null scalar (`~`, `null`, or nothing at all).
    pub(super) fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Scalar(Value::Null))
    }

    /// The node as a JSON value (Ansible's variable types). `decrypt` turns a vault
    /// value's ciphertext into its plain text, or says why not (an error at its line).
    pub(super) fn to_value(
        &self,
        decrypt: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Value, YamlProblem> {
        Ok(match &self.kind {
            Kind::Scalar(value) => value.clone(),
            Kind::Vault(ciphertext) => {
                Value::String(decrypt(ciphertext).map_err(|message| YamlProblem {
                    line: self.line,
                    message: format!("this `!vault` value {message}"),
                })?)
            }
            Kind::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|item| item.to_value(decrypt))
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    let name = key.scalar_text().ok_or_else(|| YamlProblem {
                        line: key.line,
                        message: "a mapping key must be a plain value, not a list or mapping"
                            .to_owned(),
                    })?;
                    map.insert(name, value.to_value(decrypt)?);
                }
                Value::Object(map)
            }
        })
    }
}

/// Parses a file's text as Ansible's loader does: as JSON if it is valid JSON (numbers,
/// `true`, `false`, `null` as JSON types them), else as YAML.
pub(super) fn parse_document(text: &str) -> Result<Node, YamlProblem> {
    let json = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    parse_with(text, json)
}

/// Parses `text` that is valid JSON (checked by the caller), keeping order and lines.
pub(super) fn parse_json(text: &str) -> Result<Node, YamlProblem> {
    parse_with(text, true)
}

/// Parses one document (an empty text is null); `json` types plain scalars as JSON does
/// rather than as PyYAML does.
fn parse_with(text: &str, json: bool) -> Result<Node, YamlProblem> {
    let mut builder = Builder::default();
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| YamlProblem {
            line: error.marker().line(),
            message: error.info(),
        })?;
        let line = span.start.line();
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(at(
                        line,
                        "more than one YAML document (`---`); an inventory or vars file is one mapping",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    line,
                    kind: if json && style == ScalarStyle::Plain && tag.is_none() {
                        Kind::Scalar(
                            serde_json::from_str(&value)
                                .unwrap_or_else(|_| Value::String(value.into_owned())),
                        )
                    } else {
                        scalar(&value, style, tag.as_deref(), &span)?
                    },
                };
                builder.complete(node, anchor)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", line)?;
                builder.open(Frame::Seq(Vec::new()), line, anchor)?;
            }
            Event::MappingStart(_, anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", line)?;
                builder.open(Frame::Map(Vec::new(), None), line, anchor)?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::Alias(id) => builder.alias(id, line)?,
            _ => {} // stream and document ends, comments
        }
    }
    Ok(builder.root.unwrap_or(Node {
        line: 1,
        kind: Kind::Scalar(Value::Null),
    }))
}

fn at(line: usize, message: impl Into<String>) -> YamlProblem {
    YamlProblem {
        line,
        message: message.into(),
    }
}

/// A collection being read.
enum Frame {
    Seq(Vec<Node>),
    /// Entries so far, and a key waiting for its value.
    Map(Vec<(Node, Node)>, Option<Node>),
}

/// Builds the tree from events without recursion.
#[derive(Default)]
struct Builder {
    /// Open collections: each with its line and anchor.
    stack: Vec<(Frame, usize, usize)>,
    /// Anchored nodes and their sizes, by anchor id.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes copied by aliases so far.
    copied: usize,
    root: Option<Node>,
}

impl Builder {
    fn open(&mut self, frame: Frame, line: usize, anchor: usize) -> Result<(), YamlProblem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(at(
                line,
                format!("nested deeper than {MAX_DEPTH} levels of lists and mappings"),
            ));
        }
        self.stack.push((frame, line, anchor));
        Ok(())
    }

    fn close(&mut self) -> Result<(), YamlProblem> {
        let Some((frame, line, anchor)) = self.stack.pop() else {
            return Ok(());
        };
        let kind = match frame {
            Frame::Seq(items) => Kind::Seq(items),
            Frame::Map(entries, _) => Kind::Map(merge(entries)?),
        };
        self.complete(Node { line, kind }, anchor)
    }

    fn alias(&mut self, id: usize, line: usize) -> Result<(), YamlProblem> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(at(line, "alias to an unknown anchor"));
        };
        self.copied = self.copied.saturating_add(*size);
        if self.copied > MAX_ALIAS_NODES {
            return Err(at(
                line,
                format!("aliases (`*name`) copy more than {MAX_ALIAS_NODES} nodes"),
            ));
        }
        let node = node.clone();
        self.complete(node, 0)
    }

    /// Adds a finished node to the open collection (or makes it the document).
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlProblem> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size(&node)));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Frame::Seq(items), _, _)) => items.push(node),
            Some((Frame::Map(entries, pending), _, _)) => match pending.take() {
                None => {
                    if matches!(node.kind, Kind::Seq(_) | Kind::Map(_)) {
                        return Err(at(
                            node.line,
                            "a mapping key must be a plain value, not a list or mapping",
                        ));
                    }
                    *pending = Some(node);
                }
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// How many nodes `node` holds, itself included.
fn size(node: &Node) -> usize {
    match &node.kind {
        Kind::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        Kind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| size(k) + size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// The key a merge key (`<<`) resolves to; never equal to a real key's value.
fn merge_marker() -> Value {
    Value::Array(vec![Value::String("<<".to_owned())])
}

/// Applies merge keys (explicit keys win, then the first merged mapping) and refuses
/// duplicate explicit keys.
fn merge(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlProblem> {
    let marker = merge_marker();
    let mut explicit: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (key, value) in entries {
        if matches!(&key.kind, Kind::Scalar(k) if *k == marker) {
            let sources = match value.kind {
                Kind::Map(map) => vec![map],
                Kind::Seq(items) => items
                    .into_iter()
                    .map(|item| match item.kind {
                        Kind::Map(map) => Ok(map),
                        _ => Err(at(item.line, "a merge key (`<<`) takes mappings only")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(at(value.line, "a merge key (`<<`) takes mappings only")),
            };
            for source in sources {
                for (k, v) in source {
                    if !merged.iter().any(|(m, _)| m.kind == k.kind) {
                        merged.push((k, v));
                    }
                }
            }
            continue;
        }
        if let Some((first, _)) = explicit.iter().find(|(k, _)| k.kind == key.kind) {
            let name = key.scalar_text().unwrap_or_default();
            return Err(at(
                key.line,
                format!(
                    "duplicate key `{name}` (first at line {}); give each key once",
                    first.line
                ),
            ));
        }
        explicit.push((key, value));
    }
    merged.retain(|(k, _)| !explicit.iter().any(|(e, _)| e.kind == k.kind));
    merged.extend(explicit);
    Ok(merged)
}

/// Lists and mappings may carry only their own core tag.
fn check_collection_tag(tag: Option<&Tag>, own: &str, line: usize) -> Result<(), YamlProblem> {
    match tag {
        None => Ok(()),
        Some(tag) if tag.core_suffix() == Some(own) => Ok(()),
        Some(tag) => Err(unknown_tag(tag, line)),
    }
}

fn unknown_tag(tag: &Tag, line: usize) -> YamlProblem {
    at(
        line,
        format!(
            "unsupported YAML tag `{}{}`; remove it (herd reads !vault, !unsafe and the standard !!str, !!int, !!float, !!bool, !!null)",
            tag.original_handle(),
            tag.suffix()
        ),
    )
}

/// A scalar event as PyYAML types it.
fn scalar(
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<Kind, YamlProblem> {
    let line = span.start.line();
    let Some(tag) = tag else {
        return Ok(Kind::Scalar(if style == ScalarStyle::Plain {
            resolve_plain(value)
        } else {
            Value::String(value.to_owned())
        }));
    };
    if tag.original_handle() == "!" {
        return match tag.suffix() {
            "vault" | "vault-encrypted" => Ok(Kind::Vault(value.to_owned())),
            "unsafe" => Ok(Kind::Scalar(Value::String(value.to_owned()))),
            _ => Err(unknown_tag(tag, line)),
        };
    }
    let typed = match tag.core_suffix() {
        Some("str") => Some(Value::String(value.to_owned())),
        Some("null") => null(value),
        Some("bool") => boolean(value).map(Value::Bool),
        Some("int") => int(value),
        Some("float") => float(value),
        _ => return Err(unknown_tag(tag, line)),
    };
    typed.map(Kind::Scalar).ok_or_else(|| {
        at(
            line,
            format!(
                "`{value}` is not a valid !!{}",
                tag.core_suffix().unwrap_or_default()
            ),
        )
    })
}

/// A plain scalar resolved by PyYAML's implicit resolvers (in their order).
fn resolve_plain(text: &str) -> Value {
    if text == "<<" {
        return merge_marker();
    }
    null(text)
        .or_else(|| boolean(text).map(Value::Bool))
        .or_else(|| float(text))
        .or_else(|| int(text))
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

fn null(text: &str) -> Option<Value> {
    matches!(text, "" | "~" | "null" | "Null" | "NULL").then_some(Value::Null)
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Splits an optional sign off.
fn sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    !text.is_empty() && text.bytes().all(allowed)
}

/// `1:30:05` split for PyYAML's base 60: every part after the first is one digit, or two
/// digits below 60.
fn sexagesimal_parts(text: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = text.split(':').collect();
    let base60 = |part: &&str| match part.as_bytes() {
        [digit] => digit.is_ascii_digit(),
        [tens, ones] => (b'0'..=b'5').contains(tens) && ones.is_ascii_digit(),
        _ => false,
    };
    (parts.len() > 1 && parts[1..].iter().all(base60)).then_some(parts)
}

/// PyYAML's int: `0b…`, `0…` (octal), decimal, `0x…`, base 60; `_` ignored.
fn int(text: &str) -> Option<Value> {
    let (negative, body) = sign(text);
    let digits = |s: &str| s.replace('_', "");
    let magnitude: i128 = if let Some(bin) = body.strip_prefix("0b") {
        if !all(bin, |b| matches!(b, b'0' | b'1' | b'_')) {
            return None;
        }
        i128::from_str_radix(&digits(bin), 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if !all(hex, |b| b.is_ascii_hexdigit() || b == b'_') {
            return None;
        }
        i128::from_str_radix(&digits(hex), 16).ok()?
    } else if body == "0" {
        0
    } else if let Some(oct) = body.strip_prefix('0') {
        if !all(oct, |b| matches!(b, b'0'..=b'7' | b'_')) {
            return None;
        }
        let oct = digits(oct);
        if oct.is_empty() {
            0
        } else {
            i128::from_str_radix(&oct, 8).ok()?
        }
    } else if body.starts_with(|c: char| matches!(c, '1'..='9')) && body.contains(':') {
        let parts = sexagesimal_parts(body)?;
        if !all(parts[0], |b| b.is_ascii_digit() || b == b'_') {
            return None;
        }
        parts.iter().try_fold(0i128, |total, part| {
            total
                .checked_mul(60)?
                .checked_add(digits(part).parse::<i128>().ok()?)
        })?
    } else if body.starts_with(|c: char| matches!(c, '1'..='9'))
        && all(body, |b| b.is_ascii_digit() || b == b'_')
    {
        digits(body).parse().ok()?
    } else {
        return None;
    };
    let signed = if negative { -magnitude } else { magnitude };
    Some(match (i64::try_from(signed), u64::try_from(signed)) {
        (Ok(small), _) => Value::Number(small.into()),
        (_, Ok(big)) => Value::Number(big.into()),
        // Python's ints have no limit; past 64 bits the value stays as written.
        _ => Value::String(text.to_owned()),
    })
}

/// PyYAML's float: needs a `.` (`1e3` is a string), exponent with a sign, base 60,
/// `.inf`, `.nan`. Infinity and NaN have no JSON form and stay as written.
fn float(text: &str) -> Option<Value> {
    let (negative, body) = sign(text);
    let lower = body.to_ascii_lowercase();
    if matches!(body, ".inf" | ".Inf" | ".INF")
        || (text == body && matches!(body, ".nan" | ".NaN" | ".NAN"))
    {
        return Some(Value::String(text.to_owned()));
    }
    let number: f64 = if body.contains(':') {
        let (head, fraction) = body.rsplit_once('.')?;
        let parts = sexagesimal_parts(head)?;
        if !body.starts_with(|c: char| c.is_ascii_digit())
            || !all(parts[0], |b| b.is_ascii_digit() || b == b'_')
            || !fraction.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        {
            return None;
        }
        let last = format!("{}.{}", parts[parts.len() - 1], fraction.replace('_', ""));
        let mut total = 0.0;
        for part in &parts[..parts.len() - 1] {
            total = total * 60.0 + part.replace('_', "").parse::<f64>().ok()?;
        }
        total * 60.0 + last.parse::<f64>().ok()?
    } else {
        let (mantissa, exponent) = match lower.split_once('e') {
            Some((m, e)) => (m, Some(e)),
            None => (lower.as_str(), None),
        };
        let (whole, fraction) = mantissa.split_once('.')?;
        let whole_ok = if whole.is_empty() {
            // `.5` is a float but `-.5` and `.` are not.
            text == body
                && all(fraction, |b| b.is_ascii_digit() || b == b'_')
                && fraction.as_bytes()[0].is_ascii_digit()
        } else {
            whole.as_bytes()[0].is_ascii_digit()
                && all(whole, |b| b.is_ascii_digit() || b == b'_')
                && fraction.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        };
        let exponent_ok = exponent.is_none_or(|e| {
            e.len() > 1 && e.starts_with(['-', '+']) && all(&e[1..], |b| b.is_ascii_digit())
        });
        if !whole_ok || !exponent_ok {
            return None;
        }
        let cleaned = lower.replace('_', "");
        let cleaned = if cleaned.starts_with('.') {
            format!("0{cleaned}")
        } else {
            cleaned
        };
        cleaned.parse().ok()?
    };
    let signed = if negative { -number } else { number };
    Some(Number::from_f64(signed).map_or_else(|| Value::String(text.to_owned()), Value::Number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> Value {
        parse_with(text, false)
            .unwrap()
            .to_value(&|_| Err("no".into()))
            .unwrap()
    }

    #[test]
    fn plain_scalars_are_typed_as_pyyaml_types_them() {
        let cases = [
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("y", json!("y")),
            ("yEs", json!("yEs")),
            ("~", json!(null)),
            ("", json!(null)),
            ("Null", json!(null)),
            ("42", json!(42)),
            ("-42", json!(-42)),
            ("+7", json!(7)),
            ("0755", json!(493)),
            ("0o17", json!("0o17")),
            ("09", json!("09")),
            ("0x1F", json!(31)),
            ("0b101", json!(5)),
            ("1_000", json!(1000)),
            ("1:30", json!(90)),
            ("1:70", json!("1:70")),
            ("1.5", json!(1.5)),
            ("1.", json!(1.0)),
            (".5", json!(0.5)),
            ("1e3", json!("1e3")),
            ("1.0e+3", json!(1000.0)),
            ("1.0e3", json!("1.0e3")),
            ("1:30.5", json!(90.5)),
            (".inf", json!(".inf")),
            ("2024-01-01", json!("2024-01-01")),
            ("hello world", json!("hello world")),
            ("-.5", json!("-.5")),
            ("+.5", json!("+.5")),
            ("0_", json!(0)),
            ("00", json!(0)),
            ("0.", json!(0.0)),
            ("1:60", json!("1:60")),
            ("190:20:30", json!(685230)),
            ("12:30:45.5", json!(45045.5)),
            ("1__0", json!(10)),
            ("0.1_2", json!(0.12)),
            ("_1", json!("_1")),
            ("-0x1f", json!(-31)),
            ("+0755", json!(493)),
            ("99999999999999999999999", json!("99999999999999999999999")),
        ];
        for (text, expected) in cases {
            assert_eq!(
                value(&format!("k: {text}")),
                json!({ "k": expected }),
                "{text}"
            );
        }
    }

    #[test]
    fn quoted_and_tagged_scalars() {
        assert_eq!(
            value("a: 'yes'\nb: \"5\"\nc: !!str 5\nd: !!int '7'\ne: |\n  x\n"),
            json!({"a": "yes", "b": "5", "c": "5", "d": 7, "e": "x\n"})
        );
        let problem = parse_with("a: !custom x", false).unwrap_err();
        assert!(
            problem.message.contains("unsupported YAML tag `!custom`"),
            "{problem:?}"
        );
    }

    #[test]
    fn lines_anchors_merge_keys() {
        let text = "base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n";
        assert_eq!(
            value(text),
            json!({"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}, "list": [{"x": 1, "y": 2}]})
        );
        let root = parse_with(text, false).unwrap();
        let entries = root.as_map().unwrap();
        assert_eq!(entries[1].0.line, 4);
        assert_eq!(entries[2].0.line, 7);
    }

    #[test]
    fn duplicates_depth_documents_and_bombs_are_errors() {
        let problem = parse_with("a: 1\nb: 2\na: 3\n", false).unwrap_err();
        assert_eq!(problem.line, 3);
        assert!(
            problem
                .message
                .contains("duplicate key `a` (first at line 1)")
        );
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(
            parse_with(&deep, false)
                .unwrap_err()
                .message
                .contains("nested deeper")
        );
        assert!(
            parse_with("a: 1\n---\nb: 2\n", false)
                .unwrap_err()
                .message
                .contains("more than one")
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 0..8 {
            let prev = if level == 0 {
                "a".to_owned()
            } else {
                format!("l{}", level - 1)
            };
            bomb.push_str(&format!("l{level}: &l{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(
            parse_with(&bomb, false)
                .unwrap_err()
                .message
                .contains("aliases")
        );
        assert!(parse_with("a: [1\n", false).is_err());
    }

    #[test]
    fn json_is_typed_as_json() {
        let text = "{\"a\": 1e3, \"b\": \"yes\", \"c\": [true, null, 1.5],\n \"d\": {}}";
        let root = parse_document(text).unwrap();
        assert_eq!(
            root.to_value(&|_| Err("no".into())).unwrap(),
            json!({"a": 1000.0, "b": "yes", "c": [true, null, 1.5], "d": {}})
        );
        assert_eq!(root.as_map().unwrap()[3].0.line, 2);
        assert_eq!(value("a: 1e3"), json!({"a": "1e3"}));
    }

    #[test]
    fn vault_values_stay_apart() {
        let root =
            parse_with("pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n", false).unwrap();
        let (_, node) = &root.as_map().unwrap()[0];
        assert!(matches!(&node.kind, Kind::Vault(text) if text.starts_with("$ANSIBLE_VAULT")));
        let problem = root.to_value(&|_| Err("is encrypted".into())).unwrap_err();
        assert_eq!(
            problem,
            YamlProblem {
                line: 2,
                message: "this `!vault` value is encrypted".into()
            }
        );
    }
}
