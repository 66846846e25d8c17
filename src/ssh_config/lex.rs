//! Line lexing as OpenSSH's readconf.c does it: `strdelim` for the keyword (splits on
//! whitespace or one `=`), `argv_split` (quotes, backslash escapes, `#` comments) for the
//! arguments, and the raw rest of the line for command keywords (ProxyCommand, ProxyJump).

const WHITESPACE: &[char] = &[' ', '\t', '\r', '\n'];

/// One lexed configuration line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lexed {
    /// The keyword as written.
    pub written: String,
    /// The arguments after `argv_split`.
    pub args: Vec<String>,
    /// The rest of the line after the keyword and any whitespace or `=` (used by ProxyCommand).
    pub raw: String,
}

/// What a line turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LineLex {
    /// Blank or comment.
    Empty,
    /// A keyword with its arguments.
    Line(Lexed),
    /// A keyword with nothing after it.
    NoArgument(String),
    /// Unbalanced quotes in the arguments.
    BadQuotes(String),
}

/// `strdelim` from misc.c (with `=` splitting): returns the next token and advances `s`.
/// `None` in `s` means the line is used up.
pub(crate) fn strdelim(s: &mut Option<String>) -> Option<String> {
    let old = s.take()?;
    let pos = old.find(|c: char| WHITESPACE.contains(&c) || c == '"' || c == '=');
    let Some(p) = pos else {
        return Some(old);
    };
    if old[p..].starts_with('"') {
        let after = &old[p + 1..];
        let q = after.find('"')?;
        let token = format!("{}{}", &old[..p], &after[..q]);
        let rest = after[q + 1..].trim_start_matches(WHITESPACE);
        *s = Some(rest.to_string());
        return Some(token);
    }
    let wspace = old[p..].starts_with('=');
    let token = old[..p].to_string();
    let mut rest = old[p + 1..].trim_start_matches(WHITESPACE);
    if !wspace && rest.starts_with('=') {
        rest = rest[1..].trim_start_matches(WHITESPACE);
    }
    *s = Some(rest.to_string());
    Some(token)
}

/// `argv_split` from misc.c with comment termination. `None` on an unbalanced quote.
pub(crate) fn argv_split(s: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        if chars[i] == '#' {
            break;
        }
        let mut quote: Option<char> = None;
        let mut arg = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                let next = chars.get(i + 1).copied();
                match next {
                    Some('\'') | Some('"') | Some('\\') => {
                        i += 1;
                        arg.push(chars[i]);
                    }
                    Some(' ') if quote.is_none() => {
                        i += 1;
                        arg.push(' ');
                    }
                    _ => arg.push('\\'),
                }
            } else if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if i >= chars.len() && quote.is_some() {
            return None;
        }
        out.push(arg);
    }
    Some(out)
}

/// Lexes one line like `process_config_line_depth` before the keyword lookup.
pub(crate) fn lex_line(line: &str) -> LineLex {
    let line = line.trim_end_matches(|c: char| WHITESPACE.contains(&c) || c == '\x0c');
    if line.is_empty() {
        return LineLex::Empty;
    }
    let mut s = Some(line.to_string());
    let mut keyword = match strdelim(&mut s) {
        Some(k) => k,
        None => return LineLex::Empty,
    };
    if keyword.is_empty() {
        keyword = match strdelim(&mut s) {
            Some(k) => k,
            None => return LineLex::Empty,
        };
    }
    if keyword.is_empty() || keyword.starts_with('\n') || keyword.starts_with('#') {
        return LineLex::Empty;
    }
    let rest = s
        .map(|r| r.trim_start_matches(WHITESPACE).to_string())
        .unwrap_or_default();
    if rest.is_empty() {
        return LineLex::NoArgument(keyword);
    }
    let Some(args) = argv_split(&rest) else {
        return LineLex::BadQuotes(keyword);
    };
    let raw = rest
        .trim_start_matches(|c: char| WHITESPACE.contains(&c) || c == '=')
        .to_string();
    LineLex::Line(Lexed {
        written: keyword,
        args,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexed(line: &str) -> Lexed {
        match lex_line(line) {
            LineLex::Line(l) => l,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn keyword_value_forms() {
        for line in [
            "Port 22",
            "Port=22",
            "Port = 22",
            "  Port\t22  ",
            "Port =22",
            "Port= 22",
        ] {
            let l = lexed(line);
            assert_eq!(l.written, "Port", "{line}");
            assert_eq!(l.args, vec!["22"], "{line}");
        }
    }

    #[test]
    fn quotes_and_comments() {
        let l = lexed(r#"IdentityFile "/a b/c" 'd e' f\ g # comment"#);
        assert_eq!(l.args, vec!["/a b/c", "d e", "f g"]);
        assert_eq!(lex_line("# just a comment"), LineLex::Empty);
        assert_eq!(lex_line("   "), LineLex::Empty);
        assert_eq!(lex_line("Port"), LineLex::NoArgument("Port".into()));
        assert_eq!(lex_line("User \"abc"), LineLex::BadQuotes("User".into()));
    }

    #[test]
    fn raw_rest_keeps_quotes() {
        let l = lexed("ProxyCommand = sh -c \"nc %h %p\"");
        assert_eq!(l.raw, "sh -c \"nc %h %p\"");
    }
}
