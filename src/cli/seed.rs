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
];

/// Long options without a value: single-dash spellings are accepted for each.
const FLAG_OPTIONS: &[&str] = &[
    "gather", "ask-pass", "list", "graph", "plan", "check", "help", "version",
];

/// Short options that take a value, joined with it for the same reason.
const VALUE_SHORTS: &[&str] = &["-h", "-g", "-i", "-f", "-l", "-e"];

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
    use super::normalise;

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
