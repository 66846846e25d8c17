//! Everything that can be wrong with an inventory, said so a sysadmin can fix it.
//!
//! Errors tied to a line carry the [`Location`] (`file:line`), the offending line with
//! secret values masked, and a [`Problem`] whose text says what to do. Errors found
//! when resolving a host's connection settings carry the host name instead.

use std::fmt;
use std::path::PathBuf;

use super::range::RangeError;

/// A line of an inventory: the source name given to the parser and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file path (or other name) the inventory was read from.
    pub source: String,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

/// An inventory that cannot be used. Nothing connects while one is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// The inventory file could not be read.
    #[error(
        "cannot read inventory {}: {source}; check the path, or choose another file with -i FILE or HERD_INVENTORY",
        path.display()
    )]
    Read {
        /// The path that was tried.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },
    /// A line of the inventory is wrong.
    #[error("{at}: {problem}\n  | {text}")]
    Syntax {
        /// Where.
        at: Location,
        /// The offending line, trimmed, with secret values masked.
        text: String,
        /// What is wrong and what to do.
        problem: Problem,
    },
    /// A YAML or JSON inventory, a vars file or an inventory script's output is wrong.
    #[error("{at}: {message}")]
    File {
        /// Where (`file:line`; for a script, its output and the line in it).
        at: Location,
        /// What is wrong and what to do; never a secret value.
        message: String,
    },
    /// An inventory script could not run, failed, or timed out.
    #[error("inventory script {}: {message}{}", path.display(), stderr_note(stderr))]
    Script {
        /// The script.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
        /// The end of what the script wrote on stderr (may be empty).
        stderr: String,
    },
    /// A host's connection settings cannot be resolved.
    #[error("host {host}: {problem}")]
    Connection {
        /// The host's inventory name.
        host: String,
        /// What is wrong and what to do.
        problem: ConnectionProblem,
    },
}

/// A script's stderr, indented under its error (nothing if it wrote none).
fn stderr_note(stderr: &str) -> String {
    let stderr = stderr.trim_end();
    if stderr.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = stderr.lines().map(|line| format!("\n  | {line}")).collect();
    format!("; its stderr:{}", lines.concat())
}

/// What is wrong with an inventory line. The text ends with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// `[name:kind]` with a kind other than `vars` or `children`.
    #[error("unknown section kind `:{kind}`; write [GROUP], [GROUP:vars] or [GROUP:children]")]
    UnknownSectionKind {
        /// The text after the colon.
        kind: String,
    },
    /// A line starting with `[` that is not a well-formed section header.
    #[error("malformed section header; write it as [GROUP], [GROUP:vars] or [GROUP:children]")]
    MalformedHeader,
    /// A line longer than the parser's `MAX_LINE_BYTES` (64 KiB).
    #[error(
        "the line is {bytes} bytes long; inventory lines over {} bytes are refused (is this an inventory file?)",
        super::parse::MAX_LINE_BYTES
    )]
    LineTooLong {
        /// Its length.
        bytes: usize,
    },
    /// A group name with characters that host patterns give a meaning to.
    #[error(
        "invalid group name `{name}`; use letters, digits, `_`, `-` and `.` (no spaces or any of , : & ! * ? @ = [ ])"
    )]
    InvalidGroupName {
        /// The name as written.
        name: String,
    },
    /// A host name that is empty or has characters patterns give a meaning to.
    #[error("invalid host name `{name}`; {hint}")]
    InvalidHostName {
        /// The name as written.
        name: String,
        /// How to write it instead.
        hint: &'static str,
    },
    /// A bad `[start:end]` range in a host name.
    #[error("bad range in `{pattern}`: {source}")]
    Range {
        /// The host name pattern.
        pattern: String,
        /// What is wrong with it.
        source: RangeError,
    },
    /// Ranges would expand to more hosts than the inventory allows.
    #[error(
        "the inventory would hold more than {limit} host entries after range expansion; use smaller ranges or split the inventory"
    )]
    TooManyHosts {
        /// The most host entries allowed ([`MAX_HOSTS`](super::MAX_HOSTS) unless parsed within other limits).
        limit: usize,
    },
    /// Ranges and group vars multiply out to more host data than the inventory allows.
    #[error(
        "the hosts' names, groups and vars would take more than {} MiB by this line, as each host keeps its own copy of every var and group that applies to it; put fewer or shorter vars on big ranges and groups, nest big groups less, or split the inventory",
        .limit >> 20
    )]
    TooMuchHostData {
        /// The most bytes allowed ([`MAX_HOST_DATA`](super::MAX_HOST_DATA) unless parsed within other limits).
        limit: usize,
    },
    /// `:children` sections that take too long to resolve.
    #[error(
        "the [GROUP:children] sections nest groups so deeply or under so many parents that working out each host's groups would take more than {limit} steps by this line; nest groups less deeply, or list big groups under fewer parents"
    )]
    TooComplexNesting {
        /// The most steps allowed ([`MAX_GROUP_STEPS`](super::MAX_GROUP_STEPS) unless parsed within other limits).
        limit: usize,
    },
    /// A `[group:children]` entry names a group that is never defined.
    #[error(
        "child group `{child}` is not defined anywhere; add a [{child}] section (it may be empty) or fix the name"
    )]
    UnknownChild {
        /// The child group name.
        child: String,
    },
    /// An `ansible_group_priority` that is not a whole number.
    #[error(
        "ansible_group_priority = {value} is not a whole number; give one, like ansible_group_priority = 10"
    )]
    BadGroupPriority {
        /// The value as read.
        value: String,
    },
    /// `all` or `ungrouped` used where only ordinary groups may be.
    #[error("`{group}` {reason}")]
    ReservedGroup {
        /// `all` or `ungrouped`.
        group: String,
        /// Why it cannot be used here, and what to do.
        reason: &'static str,
    },
    /// Children entries that lead back to where they started.
    #[error("groups contain each other in a cycle: {cycle}; remove one of these children entries")]
    Cycle {
        /// The groups in the cycle, `a → b → a`.
        cycle: String,
    },
    /// A `port`/`ansible_port` value that is not a TCP port.
    #[error("{key}={value} is not a port; give a number from 1 to 65535")]
    BadPort {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
    },
    /// One host given different values for the same setting on two lines.
    #[error("{0}")]
    ConflictingHostVar(Box<Conflict>),
    /// `=value` with nothing before the `=`.
    #[error("`{token}` has an empty key; write key=value")]
    EmptyKey {
        /// The token as written (masked when secret).
        token: String,
    },
    /// A var key with spaces in it.
    #[error(
        "`{key}` is not a var name (it has spaces); write key=value, and put host lines in a [GROUP] section"
    )]
    BadVarName {
        /// The key as written.
        key: String,
    },
    /// A quote that is never closed (or a trailing backslash).
    #[error("unterminated quote (or trailing backslash); close the quote")]
    UnterminatedQuote,
    /// A quoted vars value followed by more text.
    #[error("text after the quoted value; quote the whole value or remove the extra text")]
    TextAfterQuote,
    /// A `[group:vars]` line without `=`.
    #[error("expected key=value in a [{group}:vars] section")]
    VarsWithoutEquals {
        /// The section's group.
        group: String,
    },
    /// A host line token after the name that is not `key=value`.
    #[error("`{token}` is not key=value; host vars follow the host name as key=value")]
    NotKeyValue {
        /// The token as written.
        token: String,
    },
    /// A `[group:children]` line with more than one word.
    #[error("one group name per line in a [{group}:children] section")]
    ChildrenLine {
        /// The section's group.
        group: String,
    },
    /// `[group:vars]` for a group that has no `[group]` or `[group:children]` section.
    #[error(
        "[{group}:vars] is for a group that is never defined; add a [{group}] or [{group}:children] section, or fix the name"
    )]
    UndefinedVarsGroup {
        /// The group name.
        group: String,
    },
}

/// A host var given two different values on two lines (aliases count as one key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "host `{host}` sets {key}={value} here but {first_key}={first_value} at {first}; give each host var once, or the same value everywhere"
)]
pub struct Conflict {
    /// The host name.
    pub host: String,
    /// The key on this line.
    pub key: String,
    /// The value on this line (masked when secret).
    pub value: String,
    /// The key on the earlier line (may be an alias of `key`).
    pub first_key: String,
    /// The value on the earlier line (masked when secret).
    pub first_value: String,
    /// The earlier line.
    pub first: Location,
}

/// Why a host's connection settings cannot be resolved. Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionProblem {
    /// `password_env` or `key_passphrase_env` names a variable that is not set.
    #[error(
        "{key} {var} is not set; export it (export {var}=…) before running, or remove {key} from the inventory"
    )]
    EnvUnset {
        /// `password_env` or `key_passphrase_env`.
        key: String,
        /// The environment variable's name.
        var: String,
    },
    /// A connection var given with an empty value.
    #[error("{key} is empty; give a value or remove it from the inventory")]
    Empty {
        /// The key as written.
        key: String,
    },
    /// A connection var whose value is a bool, null, list or dict.
    #[error(
        "{key}={value} is not text; give a string or a number (quote it in an INI file: {key}=\"'…'\")"
    )]
    NotText {
        /// The key as written.
        key: String,
        /// The value (masked if secret).
        value: String,
    },
    /// A port that is not a TCP port number.
    #[error("{key}={value} is not a port; give a number from 1 to 65535")]
    BadPort {
        /// The key as written.
        key: String,
        /// The value as written.
        value: String,
    },
    /// The OpenSSH client config, `proxy_jump` or `ansible_ssh_*_args` gave something
    /// herd cannot use; the text says what, where, and what to do.
    #[error("{0}")]
    Ssh(String),
}
