//! Argument normalisation for the seed syntax, before clap sees argv.
//!
//! `batch_run -h h1,h2 -g web -cmd "ls -h"` uses single-dash long options. Clap would
//! read `-cmd` as `-c -m -d`, and a value such as `"-la"` as an option. So every known
//! long option written with one dash becomes `--name`, and every value-taking option is
//! joined with its value (`--cmd=ls -h`), which clap never splits or re-parses.
//! Anything after `--` is left alone.

/// Long options that take a value: single-dash spellings are accepted for each.
const VALUE_OPTIONS: &[&str] = &[
    "cmd",
    "action",
    "local",
    "remote",
    "hosts",
    "groups",
    "inventory",
    "forks",
    "timeout",
    "connect-timeout",
    "host-key-checking",
    "known-hosts",
    "output",
    "limit",
    "extra-vars",
    "tags",
    "skip-tags",
    "retry-file",
    "host",
    "shard",
    "user",
    "outdir",
    "ssh-config",
    "become-user",
    "max-sessions",
    "playbook-dir",
    "vault-password-file",
];

/// Long options without a value: single-dash spellings are accepted for each.
const FLAG_OPTIONS: &[&str] = &[
    "gather",
    "ask-pass",
    "list",
    "export",
    "graph",
    "plan",
    "check",
    "diff",
    "help",
    "version",
    "stdin",
    "become",
    "ask-vault-pass",
];

/// Short options that take a value, joined with it for the same reason.
const VALUE_SHORTS: &[&str] = &["-h", "-g", "-i", "-f", "-l", "-e", "-u"];

/// Every short option's letter: `-gweb` is `-g web` and `-bf4` is `-b -f 4` to clap, so a
/// word starting with one of these is a typo only when it is very near a long option.
const SHORT_LETTERS: &[char] = &['h', 'g', 'i', 'f', 'l', 'e', 'u', 'b', 'V'];

/// Subcommands whose first positional starts the remote command's words, after which
/// anything (`ls -la`) belongs to the command.
const WORDS_AFTER_POSITIONAL: &[&str] = &["run"];

/// A single-dash word that is not an option herd knows, as typed, with the nearest
/// option when one is close (`-comd` → `-cmd`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misspelt {
    /// The word as typed.
    pub typed: String,
    /// The nearest known option, spelt with the same number of dashes.
    pub nearest: Option<String>,
}

/// Finds the first single-dash word in argv (without the program name) that is meant
/// as a long option but is not one, before clap would read it as a bundle of short
/// options (`-comd` as `-c -o -m -d`). `subcommand` is true for `herd`, whose first
/// positional is the subcommand; `words` is true when the first positional after it
/// starts a remote command (`batch_run`, `herd run`), whose words are never checked.
pub fn misspelt(args: &[String], subcommand: bool, words: bool) -> Option<Misspelt> {
    let mut expect_subcommand = subcommand;
    let mut words = words;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            return None;
        }
        if !arg.starts_with('-') || arg == "-" {
            if expect_subcommand {
                expect_subcommand = false;
                words = WORDS_AFTER_POSITIONAL.contains(&arg.as_str());
                continue;
            }
            if words {
                return None;
            }
            continue;
        }
        match classify(arg) {
            Kind::Value(_) => {
                args.next();
                continue;
            }
            Kind::Flag(_) => continue,
            Kind::Other => {}
        }
        if arg.starts_with("--") || arg.contains('=') {
            // clap names unknown `--words` as typed, with its own suggestion.
            continue;
        }
        let name = &arg[1..];
        let Some(first) = name.chars().next() else {
            continue;
        };
        if name.chars().count() < 2 || first.is_ascii_digit() {
            continue;
        }
        let nearest = nearest_option(name);
        let near = |most: usize| nearest.as_ref().filter(|(_, d)| *d <= most).is_some();
        let typo = if SHORT_LETTERS.contains(&first) {
            near(1)
        } else {
            true
        };
        if typo {
            let limit = (name.chars().count() / 2).clamp(1, 3);
            return Some(Misspelt {
                typed: arg.clone(),
                nearest: nearest
                    .filter(|(_, d)| *d <= limit)
                    .map(|(option, _)| format!("-{option}")),
            });
        }
    }
    None
}

/// The known long option nearest to `name` (edit distance), with the distance.
fn nearest_option(name: &str) -> Option<(&'static str, usize)> {
    VALUE_OPTIONS
        .iter()
        .chain(FLAG_OPTIONS)
        .map(|option| (*option, strsim::levenshtein(name, option)))
        .min_by_key(|(_, distance)| *distance)
}

/// Rewrites argv (without the program name) into the form clap parses unambiguously.
pub fn normalise(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(args);
            break;
        }
        match classify(&arg) {
            Kind::Value(long) => match args.next() {
                Some(value) => out.push(format!("{long}={value}")),
                None => out.push(long),
            },
            Kind::Flag(long) => out.push(long),
            Kind::Other => out.push(arg),
        }
    }
    out
}

enum Kind {
    /// An option whose value is the next argument; holds the canonical spelling.
    Value(String),
    /// A value-less option; holds the canonical spelling.
    Flag(String),
    /// A positional, an `--opt=value`, or something clap should judge.
    Other,
}

fn classify(arg: &str) -> Kind {
    if VALUE_SHORTS.contains(&arg) {
        return Kind::Value(arg.to_string());
    }
    let name = match arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) {
        Some(name) if !name.contains('=') => name,
        _ => return Kind::Other,
    };
    if VALUE_OPTIONS.contains(&name) {
        Kind::Value(format!("--{name}"))
    } else if FLAG_OPTIONS.contains(&name) {
        Kind::Flag(format!("--{name}"))
    } else {
        Kind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::{Misspelt, misspelt, normalise};

    fn typo(args: &[&str], subcommand: bool, words: bool) -> Option<Misspelt> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        misspelt(&args, subcommand, words)
    }

    fn named(typed: &str, nearest: Option<&str>) -> Option<Misspelt> {
        Some(Misspelt {
            typed: typed.into(),
            nearest: nearest.map(Into::into),
        })
    }

    #[test]
    fn a_misspelt_seed_option_is_named_as_typed_with_the_nearest() {
        assert_eq!(
            typo(&["-h", "h1", "-comd", "uptime"], false, true),
            named("-comd", Some("-cmd"))
        );
        assert_eq!(
            typo(&["run", "-g", "all", "-timout", "3"], true, false),
            named("-timout", Some("-timeout"))
        );
        assert_eq!(
            typo(&["-h", "h1", "-actoin", "put"], false, false),
            named("-actoin", Some("-action"))
        );
        assert_eq!(typo(&["-zzzzzz"], false, false), named("-zzzzzz", None));
        assert_eq!(
            typo(&["play", "site.yml", "-chek"], true, false),
            named("-chek", Some("-check"))
        );
    }

    #[test]
    fn attached_short_values_commands_and_values_are_not_typos() {
        assert_eq!(
            typo(&["-gweb", "-hweb01", "-f4", "-ltag"], false, true),
            None
        );
        assert_eq!(typo(&["-bf4", "-cmd", "-comd"], false, true), None);
        assert_eq!(typo(&["-g", "all", "ls", "-comd"], false, true), None);
        assert_eq!(typo(&["run", "-g", "all", "ls", "-la"], true, false), None);
        assert_eq!(typo(&["-g", "all", "--", "-comd"], false, true), None);
        assert_eq!(typo(&["--comd", "-x", "-1"], false, true), None);
        assert_eq!(typo(&["-cmd=uptime"], false, true), None);
    }

    #[test]
    fn every_long_option_has_its_single_dash_spelling() {
        use clap::CommandFactory;
        let mut missing = Vec::new();
        let mut walk = vec![crate::cli::args::Cli::command()];
        while let Some(command) = walk.pop() {
            for arg in command.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                let listed = if arg.get_action().takes_values() {
                    super::VALUE_OPTIONS.contains(&long)
                } else {
                    super::FLAG_OPTIONS.contains(&long)
                };
                if !listed {
                    missing.push(format!("{} --{long}", command.get_name()));
                }
            }
            walk.extend(command.get_subcommands().cloned());
        }
        assert!(
            missing.is_empty(),
            "add to VALUE_OPTIONS or FLAG_OPTIONS: {missing:?}"
        );
    }

    #[test]
    fn a_near_miss_of_a_short_letter_word_is_still_caught() {
        assert_eq!(
            typo(&["-hsts", "h1"], false, true),
            named("-hsts", Some("-hosts"))
        );
        assert_eq!(
            typo(&["-gathr"], false, true),
            named("-gathr", Some("-gather"))
        );
    }

    fn norm(args: &[&str]) -> Vec<String> {
        normalise(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn seed_run_command_line() {
        assert_eq!(
            norm(&[
                "-h",
                "h1,h2,h3",
                "-g",
                "web_clusters,db_servers",
                "-cmd",
                "df -h"
            ]),
            ["-h=h1,h2,h3", "-g=web_clusters,db_servers", "--cmd=df -h"]
        );
    }

    #[test]
    fn seed_scp_command_line() {
        assert_eq!(
            norm(&[
                "-h", "h1", "-action", "put", "-local", "test.py", "-remote", "/tmp/"
            ]),
            ["-h=h1", "--action=put", "--local=test.py", "--remote=/tmp/"]
        );
    }

    #[test]
    fn values_that_look_like_options_stay_values() {
        assert_eq!(norm(&["-cmd", "-h"]), ["--cmd=-h"]);
        assert_eq!(norm(&["--cmd", "ls -la"]), ["--cmd=ls -la"]);
        assert_eq!(norm(&["-cmd", "--help"]), ["--cmd=--help"]);
    }

    #[test]
    fn flags_and_unknowns_pass_through() {
        assert_eq!(
            norm(&["-gather", "--help", "-x"]),
            ["--gather", "--help", "-x"]
        );
        assert_eq!(norm(&["--cmd=uptime", "run"]), ["--cmd=uptime", "run"]);
    }

    #[test]
    fn everything_after_double_dash_is_untouched() {
        assert_eq!(norm(&["--", "-cmd", "x"]), ["--", "-cmd", "x"]);
    }

    #[test]
    fn value_option_at_the_end_is_left_for_clap_to_report() {
        assert_eq!(norm(&["-cmd"]), ["--cmd"]);
    }
}
