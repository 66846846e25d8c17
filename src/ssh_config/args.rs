//! ssh(1) command-line arguments as Ansible passes them (`ansible_ssh_common_args`,
//! `ansible_ssh_extra_args`, `ansible_ssh_args`), mapped to configuration directives.

use super::keywords::{Kw, lookup};
use super::lex::{LineLex, lex_line};
use super::{Context, Directive, SshConfigError, is_command_keyword};

/// What herd takes from a string of ssh arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SshArgs {
    /// Options herd applies, in order (apply them like `ssh -o`: first value wins).
    pub directives: Vec<Directive>,
    /// Each ssh argument herd does not apply, as written, e.g. `-A`, `-o ForwardAgent=yes`,
    /// `-F /x`.
    pub ignored: Vec<String>,
}

/// ssh(1) flags without an argument.
const FLAGS: &str = "46AaCfGgKkMNnqsTtVvXxYy";
/// ssh(1) options that take an argument.
const WITH_ARG: &str = "BbcDEeFIiJLlmOopQRSWw";

fn applies(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::HostName
            | Kw::Port
            | Kw::User
            | Kw::IdentityFile
            | Kw::IdentitiesOnly
            | Kw::CertificateFile
            | Kw::ProxyJump
            | Kw::ProxyCommand
            | Kw::UserKnownHostsFile
            | Kw::GlobalKnownHostsFile
            | Kw::HostKeyAlias
            | Kw::StrictHostKeyChecking
            | Kw::ConnectTimeout
            | Kw::ServerAliveInterval
            | Kw::KexAlgorithms
            | Kw::HostKeyAlgorithms
            | Kw::Ciphers
            | Kw::Macs
    )
}

/// Splits `text` like a shell (shlex) and maps ssh(1) options to directives: `-J X` →
/// ProxyJump, `-p N` → Port, `-l U` → User, `-i F` → IdentityFile, `-c` → Ciphers, `-m` →
/// MACs, `-o K=V` / `-oK=V` / `-o "K V"` → directive K if herd applies K (a `HostConfig`
/// field), else into `ignored`; everything else (`-F FILE`, `-A`, `-L …`, words that are not
/// options) goes to `ignored`. Options are read like getopt: `-p2222`, bundled `-At`. A bad
/// value (`-p abc`, an unbalanced quote, a missing argument, an unknown keyword or option) is
/// an error naming `origin` and the argument.
pub fn parse_ssh_args(text: &str, origin: &str) -> Result<SshArgs, SshConfigError> {
    let err = |arg: &str, message: String| SshConfigError::Args {
        origin: origin.to_string(),
        arg: arg.to_string(),
        message,
    };
    let words = shlex::split(text).ok_or_else(|| {
        err(
            text,
            "unbalanced quote or trailing backslash; close the quote".into(),
        )
    })?;
    let mut out = SshArgs::default();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if word == "--" {
            out.ignored.extend(words[i - 1..].iter().cloned());
            break;
        }
        let Some(opts) = word.strip_prefix('-').filter(|o| !o.is_empty()) else {
            out.ignored.push(word.clone());
            continue;
        };
        for (pos, c) in opts.char_indices() {
            if FLAGS.contains(c) {
                out.ignored.push(format!("-{c}"));
                continue;
            }
            if !WITH_ARG.contains(c) {
                return Err(err(word, format!("unknown ssh option -{c}; remove it")));
            }
            let glued = &opts[pos + c.len_utf8()..];
            let (value, written) = if !glued.is_empty() {
                (glued.to_string(), format!("-{c}{glued}"))
            } else {
                let v = words
                    .get(i)
                    .ok_or_else(|| err(word, format!("option -{c} needs an argument; add it")))?;
                i += 1;
                (v.clone(), format!("-{c} {v}"))
            };
            let keyword = match c {
                'J' => Some("ProxyJump"),
                'p' => Some("Port"),
                'l' => Some("User"),
                'i' => Some("IdentityFile"),
                'c' => Some("Ciphers"),
                'm' => Some("MACs"),
                _ => None,
            };
            let directive = if let Some(k) = keyword {
                Some(Directive {
                    keyword: k.to_string(),
                    args: vec![value.clone()],
                    origin: origin.to_string(),
                })
            } else if c == 'o' {
                option(&value, origin).map_err(|m| err(&written, m))?
            } else {
                None
            };
            match directive {
                Some(d) => {
                    check(&d).map_err(|m| err(&written, m))?;
                    out.directives.push(d);
                }
                None => out.ignored.push(written),
            }
            break;
        }
    }
    Ok(out)
}

/// `-o` text to a directive, `None` if herd does not apply the keyword.
fn option(text: &str, origin: &str) -> Result<Option<Directive>, String> {
    let l = match lex_line(text) {
        LineLex::Line(l) => l,
        LineLex::Empty => return Err("empty -o option; remove it".into()),
        LineLex::NoArgument(k) => return Err(format!("no value for {k}; add one")),
        LineLex::BadQuotes(k) => return Err(format!("invalid quotes in the value of {k}")),
    };
    let lower = l.written.to_ascii_lowercase();
    let Some((kw, _)) = lookup(&lower) else {
        return Err(format!(
            "Bad configuration option: {lower}; fix the keyword (see ssh_config(5))"
        ));
    };
    if !applies(kw) {
        return Ok(None);
    }
    let args = if is_command_keyword(&lower) {
        vec![l.raw]
    } else {
        l.args
    };
    Ok(Some(Directive {
        keyword: l.written,
        args,
        origin: origin.to_string(),
    }))
}

/// Checks a directive's value the way `resolve` will read it.
fn check(d: &Directive) -> Result<(), String> {
    let ctx = Context {
        local_user: "user".into(),
        home: "/".into(),
        local_host: "localhost".into(),
    };
    match super::resolve::resolve(&[], "host", std::slice::from_ref(d), &ctx) {
        Ok(_) => Ok(()),
        Err(SshConfigError::Config { message, fix, .. }) => Err(format!("{message}; {fix}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_options() {
        let a = parse_ssh_args(
            "-J bastion -p2222 -l admin -i '/k/my key' -o StrictHostKeyChecking=no -oUser=x \
             -o 'ConnectTimeout 5' -A -F /x -o ForwardAgent=yes -tt -L 1:h:2 word",
            "o",
        )
        .unwrap();
        let kv: Vec<(String, Vec<String>)> = a
            .directives
            .iter()
            .map(|d| (d.keyword.clone(), d.args.clone()))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("ProxyJump".into(), vec!["bastion".into()]),
                ("Port".into(), vec!["2222".into()]),
                ("User".into(), vec!["admin".into()]),
                ("IdentityFile".into(), vec!["/k/my key".into()]),
                ("StrictHostKeyChecking".into(), vec!["no".into()]),
                ("User".into(), vec!["x".into()]),
                ("ConnectTimeout".into(), vec!["5".into()]),
            ]
        );
        assert_eq!(
            a.ignored,
            vec![
                "-A",
                "-F /x",
                "-o ForwardAgent=yes",
                "-t",
                "-t",
                "-L 1:h:2",
                "word"
            ]
        );
    }

    #[test]
    fn proxy_command_keeps_its_text() {
        let a = parse_ssh_args(r#"-o 'ProxyCommand=ssh -W "%h:%p" b'"#, "o").unwrap();
        assert_eq!(a.directives[0].args, vec![r#"ssh -W "%h:%p" b"#]);
    }

    #[test]
    fn bad_values_name_origin_and_argument() {
        for (text, arg) in [
            ("-p abc", "-p abc"),
            ("-p 0", "-p 0"),
            ("-o Port=x", "-o Port=x"),
            ("-o NoSuchThing=1", "-o NoSuchThing=1"),
            ("-J a:0", "-J a:0"),
            ("-o ConnectTimeout=5x", "-o ConnectTimeout=5x"),
        ] {
            let e = parse_ssh_args(text, "inventory: web1")
                .unwrap_err()
                .to_string();
            assert!(e.contains("inventory: web1"), "{e}");
            assert!(e.contains(arg), "{e}");
        }
        let e = parse_ssh_args("-o 'User=a", "inv").unwrap_err().to_string();
        assert!(e.contains("quote"), "{e}");
        assert!(
            parse_ssh_args("-p", "inv")
                .unwrap_err()
                .to_string()
                .contains("needs an argument")
        );
        assert!(
            parse_ssh_args("-Z", "inv")
                .unwrap_err()
                .to_string()
                .contains("-Z")
        );
    }
}
