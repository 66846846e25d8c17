//! Python literals, as Ansible's INI inventory reads a value: `ast.literal_eval`.
//!
//! Ansible evaluates every INI value (on host lines and in `[g:vars]`) as a Python
//! literal and keeps the text as a string when that fails. [`eval`] does the same for
//! what JSON can hold: `5` and `0x1f` are ints, `1.5` and `1e3` floats, `True`/`False`
//! bools, `None` null, `'a'`/`"a"` strings (with Python's escapes, prefixes `r`, `u`,
//! `b`, triple quotes and adjacent strings joined), `[…]`, `(…)`, `a, b` and `{…}` sets
//! lists, `{k: v}` dicts; `-5` and `+5` signed numbers; a `#` outside a string starts a
//! comment. Anything else (`deploy`, `true`, `1+2`, `--5`, `010`) is not a literal.
//!
//! Where Python has a value JSON cannot hold, [`eval`] says "not a literal" and the
//! caller keeps the text, unlike Ansible: complex numbers (`1+2j`), ints beyond 64
//! bits, floats that overflow (`1e400`), `\N{NAME}` escapes, dicts keyed by a tuple.
//! Sets keep their written order (Python's order depends on hashing).

use serde_json::{Map, Number, Value};

/// Deepest nesting of brackets accepted; Python's parser stops near here too.
const MAX_DEPTH: usize = 199;

/// The value of `text` read as a Python literal, or `None` if it is not one (the
/// caller then keeps the text as a string).
pub fn eval(text: &str) -> Option<Value> {
    let text = text.trim_start_matches([' ', '\t']);
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
    };
    let node = parser.expression_list()?;
    if parser.at != tokens.len() {
        return None;
    }
    convert(&node)
}

/// One token of a literal.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A string or bytes literal, already unescaped; `true` for bytes.
    Str(String, bool),
    /// An int.
    Int(i128),
    /// A float.
    Float(f64),
    /// A name (`True`, `False`, `None`, or any other, which no literal allows).
    Name(String),
    /// Punctuation: `[ ] ( ) { } , : + -`, or `...` as `.`.
    Punct(char),
}

/// The syntax tree of a literal, as far as `literal_eval` looks at it.
#[derive(Debug, Clone)]
enum Node {
    Const(Value),
    /// A number constant (`Int`/`Float` token), kept apart so only it may be signed.
    Num(Value),
    /// A signed number: `-5`, `+1.5`.
    Signed(Value),
    Seq(Vec<Node>),
    Set(Vec<Node>),
    Dict(Vec<(Node, Node)>),
}

/// Splits `text` into tokens; `None` for anything Python's tokenizer would refuse or
/// that no literal contains.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if matches!(c, ' ' | '\t' | '\x0c') {
            at += 1;
        } else if c == '#' {
            break;
        } else if c == '.' && chars.get(at + 1) == Some(&'.') && chars.get(at + 2) == Some(&'.') {
            tokens.push(Token::Punct('.'));
            at += 3;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(at + 1).is_some_and(char::is_ascii_digit))
        {
            let (token, next) = number(&chars, at)?;
            tokens.push(token);
            at = next;
        } else if c == '_' || c.is_alphabetic() {
            let start = at;
            while at < chars.len() && (chars[at] == '_' || chars[at].is_alphanumeric()) {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            if matches!(chars.get(at), Some('\'' | '"')) {
                let (token, next) = string(&chars, at, &word)?;
                tokens.push(token);
                at = next;
            } else {
                tokens.push(Token::Name(word));
            }
        } else if c == '\'' || c == '"' {
            let (token, next) = string(&chars, at, "")?;
            tokens.push(token);
            at = next;
        } else if "[](){},:+-".contains(c) {
            tokens.push(Token::Punct(c));
            at += 1;
        } else {
            return None;
        }
    }
    join_adjacent_strings(tokens)
}

/// Adjacent string literals are one string (`'a' 'b'` is `'ab'`); mixing bytes and
/// text is an error in Python.
fn join_adjacent_strings(tokens: Vec<Token>) -> Option<Vec<Token>> {
    let mut joined: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        match (joined.last_mut(), token) {
            (Some(Token::Str(text, bytes)), Token::Str(more, more_bytes)) => {
                if *bytes != more_bytes {
                    return None;
                }
                text.push_str(&more);
            }
            (_, token) => joined.push(token),
        }
    }
    Some(joined)
}

/// A run of digits with single `_` between them, as Python allows: the digits
/// (without `_`) and the index after the run; `None` if it ends in `_` or has `__`.
fn digits(chars: &[char], mut at: usize, radix: u32) -> Option<(String, usize)> {
    let mut out = String::new();
    while at < chars.len() {
        let c = chars[at];
        if c.is_digit(radix) {
            out.push(c);
            at += 1;
        } else if c == '_'
            && !out.is_empty()
            && chars.get(at + 1).is_some_and(|n| n.is_digit(radix))
        {
            at += 1;
        } else {
            break;
        }
    }
    Some((out, at))
}

/// A number token starting at `at`: int (decimal, `0x`, `0o`, `0b`) or float.
fn number(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let prefixed = |radix, at| -> Option<(Token, usize)> {
        let (text, next) = digits(chars, at, radix)?;
        if text.is_empty() {
            return None;
        }
        Some((Token::Int(i128::from_str_radix(&text, radix).ok()?), next))
    };
    let after = |token: Token, next: usize| -> Option<(Token, usize)> {
        // `1abc`, `1j` (complex), `0x1g`: not a literal JSON can hold.
        match chars.get(next) {
            Some(c) if c.is_alphanumeric() || *c == '_' || *c == '.' => None,
            _ => Some((token, next)),
        }
    };
    if chars[start] == '0' {
        match chars.get(start + 1).map(char::to_ascii_lowercase) {
            Some('x') => return prefixed(16, start + 2).and_then(|(t, n)| after(t, n)),
            Some('o') => return prefixed(8, start + 2).and_then(|(t, n)| after(t, n)),
            Some('b') => return prefixed(2, start + 2).and_then(|(t, n)| after(t, n)),
            _ => {}
        }
    }
    let (whole, mut at) = digits(chars, start, 10)?;
    let mut float = false;
    let mut text = whole.clone();
    if chars.get(at) == Some(&'.') {
        float = true;
        let (fraction, next) = digits(chars, at + 1, 10)?;
        text.push('.');
        text.push_str(&fraction);
        at = next;
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
    }
    if matches!(chars.get(at), Some('e' | 'E')) {
        let mut next = at + 1;
        let mut exponent = String::from("e");
        if let Some(sign @ ('+' | '-')) = chars.get(next) {
            exponent.push(*sign);
            next += 1;
        }
        let (power, end) = digits(chars, next, 10)?;
        if !power.is_empty() {
            float = true;
            text.push_str(&exponent);
            text.push_str(&power);
            at = end;
        }
    }
    if float {
        if text.starts_with('.') {
            text.insert(0, '0');
        }
        let value: f64 = text.parse().ok()?;
        return after(Token::Float(value), at).filter(|_| value.is_finite());
    }
    // `010` is a syntax error in Python 3; `00` is zero.
    if whole.len() > 1 && whole.starts_with('0') && whole.bytes().any(|b| b != b'0') {
        return None;
    }
    after(Token::Int(whole.parse().ok()?), at)
}

/// A string literal with `prefix` (`r`, `b`, `u`, `rb`, … any case) whose quote is at
/// `at`: the unescaped text and the index after it.
fn string(chars: &[char], at: usize, prefix: &str) -> Option<(Token, usize)> {
    let prefix = prefix.to_ascii_lowercase();
    let (raw, bytes) = match prefix.as_str() {
        "" | "u" => (false, false),
        "r" => (true, false),
        "b" => (false, true),
        "br" | "rb" => (true, true),
        _ => return None,
    };
    let quote = chars[at];
    let triple = chars.get(at + 1) == Some(&quote) && chars.get(at + 2) == Some(&quote);
    let mut i = if triple { at + 3 } else { at + 1 };
    let mut out = String::new();
    loop {
        let c = *chars.get(i)?;
        if c == quote
            && (!triple || (chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote)))
        {
            let end = if triple { i + 3 } else { i + 1 };
            return Some((Token::Str(out, bytes), end));
        }
        if bytes && !c.is_ascii() {
            return None;
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let next = *chars.get(i + 1)?;
        if raw {
            // A raw string keeps the backslash, and the quote after it does not end it.
            out.push('\\');
            out.push(next);
            i += 2;
            continue;
        }
        i += 2;
        match next {
            '\\' | '\'' | '"' => out.push(next),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut code = next.to_digit(8)?;
                for _ in 0..2 {
                    match chars.get(i).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                if bytes && code > 0x7f {
                    return None; // not UTF-8 text once decoded
                }
                out.push(char::from_u32(code)?);
            }
            'x' => {
                let code = hex(chars, i, 2)?;
                if bytes && code > 0x7f {
                    return None;
                }
                out.push(char::from_u32(code)?);
                i += 2;
            }
            'u' | 'U' if !bytes => {
                let width = if next == 'u' { 4 } else { 8 };
                out.push(char::from_u32(hex(chars, i, width)?)?);
                i += width;
            }
            // `\N{NAME}` needs Unicode's name table: not read here.
            'N' if !bytes => return None,
            other => {
                // Python keeps an unknown escape as written (with a warning).
                out.push('\\');
                out.push(other);
            }
        }
    }
}

/// `width` hex digits at `at`.
fn hex(chars: &[char], at: usize, width: usize) -> Option<u32> {
    let text: String = chars.get(at..at + width)?.iter().collect();
    if !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(&text, 16).ok()
}

/// A recursive-descent parser over the tokens of one literal.
struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `a` or `a, b, …` (a tuple without brackets, as at the top of a value).
    fn expression_list(&mut self) -> Option<Node> {
        let first = self.expression()?;
        if !self.eat(',') {
            return Some(first);
        }
        let mut items = vec![first];
        while self.starts_expression() {
            items.push(self.expression()?);
            if !self.eat(',') {
                break;
            }
        }
        Some(Node::Seq(items))
    }

    /// Whether the next token can start an expression.
    fn starts_expression(&self) -> bool {
        match self.peek() {
            Some(Token::Punct(c)) => "[({+-.".contains(*c),
            Some(_) => true,
            None => false,
        }
    }

    /// One expression: an atom, a signed atom, or `a + b`/`a - b` (which only a
    /// complex number makes a literal, so it is refused here).
    fn expression(&mut self) -> Option<Node> {
        let node = if self.eat('-') {
            match self.atom()? {
                Node::Num(Value::Number(n)) => Node::Signed(negate(&n)?),
                _ => return None,
            }
        } else if self.eat('+') {
            match self.atom()? {
                Node::Num(value) => Node::Signed(value),
                _ => return None,
            }
        } else {
            self.atom()?
        };
        if matches!(self.peek(), Some(Token::Punct('+' | '-'))) {
            return None;
        }
        Some(node)
    }

    fn atom(&mut self) -> Option<Node> {
        let token = self.peek()?.clone();
        self.at += 1;
        Some(match token {
            Token::Str(text, _) => Node::Const(Value::String(text)),
            Token::Int(n) => Node::Num(Value::Number(int(n)?)),
            Token::Float(f) => Node::Num(Value::Number(Number::from_f64(f)?)),
            Token::Name(name) => Node::Const(match name.as_str() {
                "True" => Value::Bool(true),
                "False" => Value::Bool(false),
                "None" => Value::Null,
                _ => return None,
            }),
            Token::Punct('.') => Node::Const(Value::String("...".to_owned())),
            Token::Punct(open @ ('(' | '[' | '{')) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let node = match open {
                    '(' => self.parenthesized()?,
                    '[' => Node::Seq(self.items(']')?),
                    _ => self.braced()?,
                };
                self.depth -= 1;
                node
            }
            Token::Punct(_) => return None,
        })
    }

    /// After `(`: `()`, `(a)` (just `a`), `(a,)` or `(a, b, …)`.
    fn parenthesized(&mut self) -> Option<Node> {
        if self.eat(')') {
            return Some(Node::Seq(Vec::new()));
        }
        let node = self.expression_list()?;
        self.eat(')').then_some(node)
    }

    /// Comma-separated expressions up to `close` (a trailing comma allowed).
    fn items(&mut self, close: char) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expression()?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
        Some(items)
    }

    /// After `{`: a dict `{k: v, …}` or a set `{a, …}`.
    fn braced(&mut self) -> Option<Node> {
        if self.eat('}') {
            return Some(Node::Dict(Vec::new()));
        }
        let first = self.expression()?;
        if !self.eat(':') {
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}')?);
            } else if !self.eat('}') {
                return None;
            }
            return Some(Node::Set(items));
        }
        let mut pairs = vec![(first, self.expression()?)];
        while self.eat(',') {
            if self.eat('}') {
                return Some(Node::Dict(pairs));
            }
            let key = self.expression()?;
            if !self.eat(':') {
                return None;
            }
            pairs.push((key, self.expression()?));
        }
        self.eat('}').then_some(Node::Dict(pairs))
    }
}

/// An int JSON can hold (64 bits, signed or not).
fn int(n: i128) -> Option<Number> {
    if let Ok(small) = i64::try_from(n) {
        Some(Number::from(small))
    } else {
        u64::try_from(n).ok().map(Number::from)
    }
}

/// `-n`.
fn negate(n: &Number) -> Option<Value> {
    let negated = if let Some(i) = n.as_i64() {
        int(-i128::from(i))?
    } else if let Some(u) = n.as_u64() {
        int(-i128::from(u))?
    } else {
        Number::from_f64(-n.as_f64()?)?
    };
    Some(Value::Number(negated))
}

/// The value of a node; `None` where `literal_eval` (or JSON) would fail.
fn convert(node: &Node) -> Option<Value> {
    Some(match node {
        Node::Const(value) | Node::Num(value) | Node::Signed(value) => value.clone(),
        Node::Seq(items) => Value::Array(items.iter().map(convert).collect::<Option<_>>()?),
        Node::Set(items) => {
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                let value = convert(item)?;
                if !hashable(&value) {
                    return None;
                }
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            Value::Array(unique)
        }
        Node::Dict(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                map.insert(key_text(&convert(key)?)?, convert(value)?);
            }
            Value::Object(map)
        }
    })
}

/// Whether Python could hash the value (a list or dict cannot be in a set or a key).
fn hashable(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// A dict key as JSON writes it (`json.dumps` turns `2` into `"2"`, `True` into `"true"`).
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_owned()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(text: &str, want: Value) {
        assert_eq!(eval(text), Some(want), "{text}");
    }

    #[test]
    fn scalars() {
        ok("5", json!(5));
        ok("-5", json!(-5));
        ok("+5", json!(5));
        ok("- 5", json!(-5));
        ok("-(5)", json!(-5));
        ok("1_000", json!(1000));
        ok("0x1f", json!(31));
        ok("0o17", json!(15));
        ok("0b101", json!(5));
        ok("00", json!(0));
        ok("1.5", json!(1.5));
        ok(".5", json!(0.5));
        ok("5.", json!(5.0));
        ok("1e3", json!(1000.0));
        ok("1E-2", json!(0.01));
        ok("True", json!(true));
        ok("False", json!(false));
        ok("None", Value::Null);
        ok("...", json!("..."));
        ok("  5", json!(5));
        ok("5 # a comment", json!(5));
        ok("(5)", json!(5));
        ok("18446744073709551615", json!(u64::MAX));
    }

    #[test]
    fn strings() {
        ok("'deploy'", json!("deploy"));
        ok("\"deploy\"", json!("deploy"));
        ok("'03#pa33'", json!("03#pa33"));
        ok("'a' \"b\"", json!("ab"));
        ok(r"'\x41\n\t\101\u00e9\\\''", json!("A\n\tAé\\'"));
        ok(r"'\d'", json!("\\d"));
        ok(r"r'\n\''", json!("\\n\\'"));
        ok("u'x'", json!("x"));
        ok("b'x'", json!("x"));
        ok("'''a'b'''", json!("a'b"));
        ok("'a # b' # c", json!("a # b"));
        ok("''", json!(""));
    }

    #[test]
    fn containers() {
        ok("[1, 'a', None]", json!([1, "a", null]));
        ok("[1, 2,]", json!([1, 2]));
        ok("[]", json!([]));
        ok("(1, 2)", json!([1, 2]));
        ok("(1,)", json!([1]));
        ok("()", json!([]));
        ok("1, 2", json!([1, 2]));
        ok("1,", json!([1]));
        ok(
            "{'a': 1, 2: 'x', True: None}",
            json!({"a": 1, "2": "x", "true": null}),
        );
        ok("{}", json!({}));
        ok("{'a': [1, {'b': (2,)}],}", json!({"a": [1, {"b": [2]}]}));
        ok("{1, 2, 1}", json!([1, 2]));
        ok("[[[]]]", json!([[[]]]));
    }

    #[test]
    fn not_literals() {
        for text in [
            "",
            "deploy",
            "true",
            "none",
            "hello world",
            "1+2",
            "--5",
            "-True",
            "010",
            "1_",
            "1__0",
            "0x",
            "1abc",
            "1j",
            "1+2j",
            "1e400",
            "2**3",
            "[1, 2",
            "'abc",
            "'a' b",
            "{1: 2",
            "{[1]: 2}",
            "{[1], 2}",
            "f'x'",
            "b'\\xff'",
            "b'é'",
            "x=1",
            "# c",
            "a#b",
            "1 2",
            "'\\N{DASH}'",
            "99999999999999999999",
            "[1]]",
            "(1 2)",
            "1,,",
            "{'a' 1}",
            "-'a'",
            "1 + 2",
            "@",
            "5.5.5",
            "[",
            "{,}",
        ] {
            assert_eq!(eval(text), None, "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(eval(&deep).is_some());
        let deeper = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(eval(&deeper), None);
        assert_eq!(eval(&"[".repeat(100_000)), None);
    }
}
