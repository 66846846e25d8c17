//! OpenSSH client configuration (`~/.ssh/config`, `/etc/ssh/ssh_config`, `-F FILE`, `-o`),
//! resolved for one host the way OpenSSH 9.2's readconf.c and ssh.c do it, and differentially
//! tested against `ssh -G` (tests/ssh_config_oracle.rs).
//!
//! Parsing reads the files and expands `Include`s; resolving walks the lines in order for a
//! host name, evaluating `Host` and `Match` as ssh does (first obtained value wins,
//! `IdentityFile`/`CertificateFile` accumulate, a second pass when `Match final` is present),
//! then expands tokens with the final HostName, Port and User.
//!
//! Known differences from ssh: values of keywords herd does not act on are not validated;
//! algorithm names are checked only when the list is applied (`AlgorithmList::apply`); `Include`
//! resolves `~` with `Context::home` (ssh's glob(3) uses `$HOME`, the same in practice); a
//! `Port` given as a service name is an error; `Match canonical` is true only in the final pass
//! (herd never canonicalises host names).

mod args;
mod expand;
mod keywords;
mod lex;
mod pattern;
mod resolve;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use args::{SshArgs, parse_ssh_args};
pub use expand::parse_jump_list;
pub use keywords::{IGNORED_KEYWORDS, UNSUPPORTED_KEYWORDS};

use lex::{LineLex, lex_line};

/// Who runs ssh, for `~`, `%d`, `%u`, `%l`, `%L` and `Match localuser`.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The local user name (`%u`, `Match localuser`, the default `User`).
    pub local_user: String,
    /// The passwd home directory: what ssh uses for `~` and `%d`.
    pub home: PathBuf,
    /// The local host name (`%l`; `%L` is its part before the first dot).
    pub local_host: String,
}

/// One configuration directive: a keyword and its arguments, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// The keyword as written; compared case-insensitively.
    pub keyword: String,
    /// The arguments, split like readconf (quotes removed). For the command keywords
    /// (ProxyCommand, ProxyJump, RemoteCommand, LocalCommand, KnownHostsCommand) the one
    /// argument is the command text as written.
    pub args: Vec<String>,
    /// Where it came from, e.g. `~/.ssh/config:12` or `inventory: ansible_ssh_common_args of web1`.
    pub origin: String,
}

/// Keywords whose value is the rest of the line, unsplit.
pub(crate) fn is_command_keyword(lower: &str) -> bool {
    matches!(
        lower,
        "proxycommand" | "proxyjump" | "remotecommand" | "localcommand" | "knownhostscommand"
    )
}

impl Directive {
    /// A directive `keyword value`, the value split into arguments like readconf does (quotes,
    /// backslash escapes, `#` comments). A value with unbalanced quotes is kept as one
    /// argument (ssh would reject it; `parse_ssh_args` reports it as an error).
    pub fn new(keyword: &str, value: &str, origin: impl Into<String>) -> Directive {
        let lower = keyword.to_ascii_lowercase();
        let args = if is_command_keyword(&lower) {
            vec![
                value
                    .trim_start_matches([' ', '\t', '\r', '\n', '='])
                    .trim_end()
                    .to_string(),
            ]
        } else {
            lex::argv_split(value).unwrap_or_else(|| vec![value.to_string()])
        };
        Directive {
            keyword: keyword.to_string(),
            args,
            origin: origin.into(),
        }
    }
}

/// A value and where it was set (`file:line` or a directive's origin).
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub origin: String,
}

/// One hop of a ProxyJump chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpHost {
    /// `user@` if given.
    pub user: Option<String>,
    /// The host (brackets of `[v6]` removed).
    pub host: String,
    /// `:port` if given.
    pub port: Option<u16>,
}

/// StrictHostKeyChecking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrictHostKeyChecking {
    /// `yes` / `true`.
    Yes,
    /// `no` / `off` / `false`.
    No,
    /// `accept-new`.
    AcceptNew,
    /// `ask` (ssh's default).
    Ask,
}

/// An algorithm list as written: plain (replace), `+` (append), `-` (remove), `^` (prepend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmList {
    text: String,
}

fn names_cat(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    for n in b {
        if !n.is_empty() && !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

impl AlgorithmList {
    /// The list as written (`+name`, `-pat*`, `^name`, or `a,b`).
    pub fn new(text: &str) -> AlgorithmList {
        AlgorithmList {
            text: text.to_string(),
        }
    }

    /// The final list, as OpenSSH's kex_assemble_names computes it: `defaults` is the client's
    /// default list, `all` every algorithm the client supports. Plain = replace (wildcards
    /// matched against all), `+` append, `-` remove (wildcards), `^` prepend. Errors if the
    /// result is empty or a name is negated.
    pub fn apply(&self, defaults: &[&str], all: &[&str]) -> Result<Vec<String>, String> {
        let defaults: Vec<String> = defaults.iter().map(|s| s.to_string()).collect();
        if self.text.is_empty() {
            return Ok(defaults);
        }
        let split = |s: &str| -> Vec<String> { s.split(',').map(str::to_string).collect() };
        let list = if let Some(rest) = self.text.strip_prefix('+') {
            names_cat(&defaults, &split(rest))
        } else if let Some(rest) = self.text.strip_prefix('-') {
            let kept: Vec<String> = defaults
                .into_iter()
                .filter(|d| pattern::match_pattern_list(d, rest, false) != 1)
                .collect();
            if kept.is_empty() {
                return Err(format!("\"{}\" leaves no algorithm", self.text));
            }
            return Ok(kept);
        } else if let Some(rest) = self.text.strip_prefix('^') {
            names_cat(&split(rest), &defaults)
        } else {
            split(&self.text)
        };
        let mut out: Vec<String> = Vec::new();
        for p in &list {
            if p.starts_with('!') {
                return Err(format!(
                    "negated name {p:?} is not allowed in \"{}\"",
                    self.text
                ));
            }
            let matching: Vec<String> = all
                .iter()
                .filter(|a| pattern::match_pattern_list(a, p, false) == 1)
                .map(|a| a.to_string())
                .collect();
            out = names_cat(&out, &matching);
        }
        if out.is_empty() {
            return Err(format!("\"{}\" names no supported algorithm", self.text));
        }
        Ok(out)
    }

    /// The text as written (for display), e.g. "+diffie-hellman-group14-sha1".
    pub fn as_written(&self) -> &str {
        &self.text
    }
}

/// The settings ssh would use for one host, each with where it was set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    /// HostName after `%h` expansion, lowercased unless an address (as ssh); `None` if not set.
    pub host_name: Option<Sourced<String>>,
    /// Port.
    pub port: Option<Sourced<u16>>,
    /// User.
    pub user: Option<Sourced<String>>,
    /// Every IdentityFile that applied, in order, duplicates dropped, `~` and tokens expanded.
    /// An entry `none` is kept as the path `none`: like ssh, it loads no key, but it does stop
    /// ssh from trying its default keys.
    pub identity_files: Vec<Sourced<PathBuf>>,
    /// IdentitiesOnly.
    pub identities_only: Option<Sourced<bool>>,
    /// Every CertificateFile that applied, expanded like `identity_files`.
    pub certificate_files: Vec<Sourced<PathBuf>>,
    /// ProxyJump in connection order; `none` gives `Some` of an empty chain. A chain is
    /// taken only if no ProxyCommand came first (it then also takes the ProxyCommand slot);
    /// `none` is taken whenever ProxyJump is still unset.
    pub proxy_jump: Option<Sourced<Vec<JumpHost>>>,
    /// ProxyCommand with `%h %p %r %n %k %%` expanded; `none` gives `None` (but, as in ssh, it
    /// still stops a later ProxyJump chain or ProxyCommand from applying). It can be `Some`
    /// together with an empty `proxy_jump` (`ProxyJump none` then `ProxyCommand X`, or the
    /// other way round): ssh then uses the command.
    pub proxy_command: Option<Sourced<String>>,
    /// UserKnownHostsFile, expanded; `none` gives `Some` of an empty list.
    pub user_known_hosts_files: Option<Sourced<Vec<PathBuf>>>,
    /// GlobalKnownHostsFile, `~` expanded; `none` gives `Some` of an empty list.
    pub global_known_hosts_files: Option<Sourced<Vec<PathBuf>>>,
    /// HostKeyAlias: the name the host's key is looked up and recorded under in
    /// known_hosts, instead of the address and port.
    pub host_key_alias: Option<Sourced<String>>,
    /// StrictHostKeyChecking.
    pub strict_host_key_checking: Option<Sourced<StrictHostKeyChecking>>,
    /// ConnectTimeout (`none` leaves it unset, as in ssh).
    pub connect_timeout: Option<Sourced<Duration>>,
    /// ServerAliveInterval (`none` leaves it unset, as in ssh).
    pub server_alive_interval: Option<Sourced<Duration>>,
    /// KexAlgorithms as written.
    pub kex_algorithms: Option<Sourced<AlgorithmList>>,
    /// HostKeyAlgorithms as written.
    pub host_key_algorithms: Option<Sourced<AlgorithmList>>,
    /// Ciphers as written.
    pub ciphers: Option<Sourced<AlgorithmList>>,
    /// MACs as written.
    pub macs: Option<Sourced<AlgorithmList>>,
    /// Keywords from `UNSUPPORTED_KEYWORDS` that applied to this host (canonical spelling),
    /// once each, with where they were first set.
    pub unsupported: Vec<Sourced<String>>,
}

/// A problem with the ssh configuration or with ssh arguments.
#[derive(Debug, thiserror::Error)]
pub enum SshConfigError {
    /// A configuration file that must exist does not.
    #[error(
        "ssh config file {path} does not exist; create it, fix the path, or use --ssh-config none"
    )]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// A configuration file could not be read.
    #[error(
        "cannot read ssh config file {path}: {source}; check its permissions, or use --ssh-config none"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line ssh would reject, or a value herd cannot use.
    #[error("{origin}: {message}; {fix}")]
    Config {
        /// `file:line` or a directive's origin.
        origin: String,
        /// What is wrong.
        message: String,
        /// What to do.
        fix: String,
    },
    /// A bad ssh command-line argument (ansible_ssh_common_args and friends).
    #[error("{origin}: bad ssh argument {arg:?}: {message}")]
    Args {
        /// Where the arguments came from.
        origin: String,
        /// The argument as written.
        arg: String,
        /// What is wrong and what to do.
        message: String,
    },
}

pub(crate) fn config_error(origin: &str, message: impl Into<String>, fix: &str) -> SshConfigError {
    SshConfigError::Config {
        origin: origin.to_string(),
        message: message.into(),
        fix: fix.to_string(),
    }
}

/// One line of a configuration file.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub lower: String,
    pub args: Vec<String>,
    pub raw: String,
    pub origin: String,
    /// For `Include`: the files it read, in glob order.
    pub include: Vec<ConfigFile>,
}

/// A parsed file.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    pub lines: Vec<Line>,
    /// A user configuration (user file, `-F` file, and what they include), as readconf's
    /// SSHCONF_USERCONF.
    pub user: bool,
}

/// Parsed ssh configuration files, `Include`s expanded.
#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    files: Vec<ConfigFile>,
}

const MAX_INCLUDE_DEPTH: usize = 16;
const SYSTEM_CONFIG: &str = "/etc/ssh/ssh_config";
const FIX_SYNTAX: &str = "fix the line (see ssh_config(5)); `ssh -G HOST` shows how ssh reads it";

fn display_path(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() && home != Path::new("/") => {
            format!("~/{}", rest.display())
        }
        _ => path.display().to_string(),
    }
}

fn parse_file(
    name: &Path,
    text: &str,
    user: bool,
    depth: usize,
    ctx: &Context,
) -> Result<ConfigFile, SshConfigError> {
    let shown = display_path(name, &ctx.home);
    let mut lines = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let origin = format!("{shown}:{}", i + 1);
        let lexed = match lex_line(line) {
            LineLex::Empty => continue,
            LineLex::NoArgument(k) => {
                return Err(config_error(
                    &origin,
                    format!("no argument after keyword \"{k}\""),
                    "give it a value or delete the line",
                ));
            }
            LineLex::BadQuotes(k) => {
                return Err(config_error(
                    &origin,
                    format!("invalid quotes in the value of \"{k}\""),
                    "close the quote or escape it with a backslash",
                ));
            }
            LineLex::Line(l) => l,
        };
        let lower = lexed.written.to_ascii_lowercase();
        let mut include = Vec::new();
        if lower == "include" {
            include = read_includes(&lexed.args, &origin, user, depth, ctx)?;
        }
        lines.push(Line {
            lower,
            args: lexed.args,
            raw: lexed.raw,
            origin,
            include,
        });
    }
    Ok(ConfigFile { lines, user })
}

fn read_includes(
    args: &[String],
    origin: &str,
    user: bool,
    depth: usize,
    ctx: &Context,
) -> Result<Vec<ConfigFile>, SshConfigError> {
    let mut files = Vec::new();
    for arg in args {
        if arg.is_empty() {
            return Err(config_error(
                origin,
                "Include has an empty argument",
                FIX_SYNTAX,
            ));
        }
        if arg.starts_with('~') && !user {
            return Err(config_error(
                origin,
                format!("bad include path {arg} (`~` is not allowed in the system configuration)"),
                "use an absolute path",
            ));
        }
        let anchored = if !arg.starts_with('/') && !arg.starts_with('~') {
            if user {
                format!("~/.ssh/{arg}")
            } else {
                format!("/etc/ssh/{arg}")
            }
        } else {
            arg.clone()
        };
        let expanded = expand::tilde_expand(&anchored, &ctx.home).map_err(|e| {
            config_error(origin, format!("bad include path {arg}: {e}"), FIX_SYNTAX)
        })?;
        for path in pattern::glob(&expanded) {
            if depth + 1 > MAX_INCLUDE_DEPTH {
                return Err(config_error(
                    origin,
                    format!(
                        "too many nested Includes (more than {MAX_INCLUDE_DEPTH}) at {}",
                        path.display()
                    ),
                    "look for a file that includes itself",
                ));
            }
            let text = if path.is_dir() {
                String::new()
            } else {
                match std::fs::read(&path) {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(source) => return Err(SshConfigError::Read { path, source }),
                }
            };
            files.push(parse_file(&path, &text, user, depth + 1, ctx)?);
        }
    }
    Ok(files)
}

impl SshConfig {
    /// No config at all (`--ssh-config none`).
    pub fn none() -> SshConfig {
        SshConfig::default()
    }

    /// Reads `paths` in order (the user file then the system file, or the single -F file); a
    /// path that does not exist is skipped silently ONLY when `optional` is true, else an
    /// error naming it. `/etc/ssh/ssh_config` is read as a system file (relative `Include`s
    /// under /etc/ssh, no `~`), any other as a user file (relative `Include`s under ~/.ssh).
    pub fn load(
        paths: &[PathBuf],
        optional: bool,
        ctx: &Context,
    ) -> Result<SshConfig, SshConfigError> {
        let mut files = Vec::new();
        for path in paths {
            let text = match std::fs::read(path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if optional {
                        continue;
                    }
                    return Err(SshConfigError::Missing { path: path.clone() });
                }
                Err(source) => {
                    return Err(SshConfigError::Read {
                        path: path.clone(),
                        source,
                    });
                }
            };
            let user = path != Path::new(SYSTEM_CONFIG);
            files.push(parse_file(path, &text, user, 0, ctx)?);
        }
        Ok(SshConfig { files })
    }

    /// Parses text as if it were file `name` (for tests).
    pub fn parse(name: &Path, text: &str, ctx: &Context) -> Result<SshConfig, SshConfigError> {
        let user = name != Path::new(SYSTEM_CONFIG);
        Ok(SshConfig {
            files: vec![parse_file(name, text, user, 0, ctx)?],
        })
    }

    /// Resolves the settings for `ssh NAME`: `overrides` are applied first, exactly as
    /// `ssh -o KEY=VALUE` options are (first value wins), then the files. Tokens (%h %p %r %u
    /// %d %n %l %L %k %i %C %% and ~) in IdentityFile, CertificateFile, UserKnownHostsFile
    /// (these also `${VAR}`), and ProxyCommand (only %h %p %r %n %k %%, like ssh) are expanded
    /// after all directives are read, using the final HostName/Port/User (user default
    /// `ctx.local_user`, port default 22, hostname default NAME), as ssh does. `Match exec`
    /// commands run here, through `$SHELL -c` (or /bin/sh) like ssh.
    pub fn resolve(
        &self,
        name: &str,
        overrides: &[Directive],
        ctx: &Context,
    ) -> Result<HostConfig, SshConfigError> {
        resolve::resolve(&self.files, name, overrides, ctx)
    }
}

#[cfg(test)]
mod tests;
