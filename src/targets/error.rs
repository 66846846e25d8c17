//! Why a target selection failed, said so the user can fix the command line.

use std::fmt;
use std::path::PathBuf;

use crate::inventory::RangeError;

/// A selection that cannot be made. Nothing runs while one is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Neither `-h` nor `-g` was given (or both were empty).
    #[error("give at least one of -h HOSTS or -g GROUPS")]
    NothingSelected,
    /// A pattern with no terms at all.
    #[error("empty host pattern; give group or host names, like web:&prod:!web03")]
    EmptyPattern,
    /// `&` or `!` with nothing after it.
    #[error("`{operator}` must be followed by a group or host name, like web:&prod:!web03")]
    MissingName {
        /// `&` or `!`.
        operator: char,
    },
    /// A name, pattern or group that matches nothing.
    #[error("{0}")]
    NoMatch(NoMatch),
    /// A group that exists but has no hosts.
    #[error("group `{group}` has no hosts{}; add hosts to it or choose another group", context_text(.context))]
    EmptyGroup {
        /// The group name.
        group: String,
        /// Where the name came from, when not the command line itself.
        context: Option<String>,
    },
    /// A `~REGEX` term that is not a regular expression.
    #[error("`~{pattern}` is not a regular expression: {reason}")]
    BadRegex {
        /// The text after `~`.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A group subscript that picks no host.
    #[error(
        "`{term}` picks no host: group `{group}` has {count} host(s), numbered from 0 (-1 is the last)"
    )]
    SubscriptOutOfRange {
        /// The term as given.
        term: String,
        /// The group.
        group: String,
        /// How many hosts the group has.
        count: usize,
    },
    /// A bad range in a host pattern.
    #[error("bad range in `{pattern}`: {source}")]
    Range {
        /// The host pattern.
        pattern: String,
        /// What is wrong with it.
        source: RangeError,
    },
    /// An `@FILE` host list that cannot be read.
    #[error("cannot read host list {}: {source}; check the path after @", path.display())]
    HostFile {
        /// The path after `@`.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },
    /// An `@FILE` host list larger than [`MAX_LIST_BYTES`](super::MAX_LIST_BYTES).
    #[error(
        "host list {} is larger than {} MiB; it should hold one host name per line",
        path.display(),
        super::MAX_LIST_BYTES >> 20
    )]
    HostFileTooBig {
        /// The path after `@`.
        path: PathBuf,
    },
    /// An `@FILE` host list with no names in it.
    #[error("host list {} names no hosts; put one host name per line", path.display())]
    EmptyHostFile {
        /// The path after `@`.
        path: PathBuf,
    },
}

/// Where a name was used, which decides how a miss is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A `-h` host name or pattern.
    Host,
    /// A `-g` group name.
    Group,
    /// A plain term of a pattern (union).
    Term,
    /// An `&term` of a pattern.
    Intersection,
    /// A `!term` of a pattern.
    Exclusion,
}

/// A name, pattern or group that matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch {
    /// How the name was used.
    pub kind: TermKind,
    /// The name or pattern as given (without `&`/`!`).
    pub term: String,
    /// Where it came from when not the command line itself (`from web[01:05]`, `hosts.txt:3`).
    pub context: Option<String>,
    /// A likely fix: "did you mean `web01`?", "`web` is a group: use -g web".
    pub hint: Option<String>,
}

impl fmt::Display for NoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let term = &self.term;
        let context = context_text(&self.context);
        match self.kind {
            TermKind::Host => write!(f, "no host matches `{term}`{context}")?,
            TermKind::Group => write!(f, "there is no group `{term}`{context}")?,
            TermKind::Term => write!(f, "`{term}`{context} matches no host or group")?,
            TermKind::Intersection => write!(
                f,
                "`&{term}`{context} matches no host or group, so the intersection would select nothing"
            )?,
            TermKind::Exclusion => write!(
                f,
                "`!{term}`{context} matches no host or group, so the exclusion would exclude nothing"
            )?,
        }
        match &self.hint {
            Some(hint) => write!(f, "; {hint}"),
            None => f.write_str(
                "; fix the name or remove it (`herd inventory --graph` lists every group and host)",
            ),
        }
    }
}

/// ` (CONTEXT)`, or nothing.
fn context_text(context: &Option<String>) -> String {
    context
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default()
}
