//! What stops a plan from being made, and where.

use crate::targets::TargetError;
use crate::template::TemplateError;
use std::fmt;

/// Problems listed in a [`PlanError`] before the rest are only counted.
pub const MAX_PROBLEMS: usize = 20;

/// Problems listed per step before the rest of that step's hosts are only counted: an
/// undefined variable usually fails the same way on every host.
pub(super) const MAX_PROBLEMS_PER_STEP: usize = 3;

/// Everything found wrong while planning: nothing connects while one is returned.
///
/// Planning goes on past a problem so that one run shows them all (at most
/// [`MAX_PROBLEMS`], then `… and N more problems`).
#[derive(Debug, thiserror::Error)]
pub struct PlanError {
    /// The problems, in playbook order (never empty).
    pub problems: Vec<PlanProblem>,
    /// How many more problems were found but not kept.
    pub omitted: usize,
}

impl From<PlanProblem> for PlanError {
    fn from(problem: PlanProblem) -> Self {
        PlanError {
            problems: vec![problem],
            omitted: 0,
        }
    }
}

impl From<TemplateError> for PlanError {
    fn from(err: TemplateError) -> Self {
        PlanProblem::Template(err).into()
    }
}

impl From<TemplateError> for PlanProblem {
    fn from(err: TemplateError) -> Self {
        PlanProblem::Template(err)
    }
}

impl fmt::Display for PlanError {
    /// One problem per line, then how many were left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        match self.omitted {
            0 => Ok(()),
            1 => f.write_str("\n… and 1 more problem"),
            n => write!(f, "\n… and {n} more problems"),
        }
    }
}

/// One thing wrong with the playbook, the inventory or the command line, for a plan.
///
/// Messages never hold a variable's value: a template error names the variable, and an
/// `-e` error names the argument by position and key.
#[derive(Debug, thiserror::Error)]
pub enum PlanProblem {
    /// An `-e` argument that cannot be read.
    #[error("-e {arg}: {reason}")]
    ExtraVars {
        /// The argument: `@FILE`, `KEY=…`, or its position (`#2`) when it shows nothing safe.
        arg: String,
        /// What is wrong with it and what to do.
        reason: String,
    },
    /// `--limit` does not resolve.
    #[error("--limit `{pattern}`: {source}")]
    Limit {
        /// The limit as given.
        pattern: String,
        /// Why it does not resolve.
        source: Box<TargetError>,
    },
    /// `--limit` keeps no host of any play.
    #[error(
        "--limit `{pattern}` keeps no host of any play (plays target {patterns}); \
         check the names with `herd inventory --graph`"
    )]
    LimitMatchesNothing {
        /// The limit as given.
        pattern: String,
        /// Every play's hosts pattern, for comparison.
        patterns: String,
    },
    /// A play's `hosts` pattern does not resolve.
    #[error("play '{play}' ({at}): hosts pattern `{pattern}`: {source}")]
    Hosts {
        /// The play's name.
        play: String,
        /// `file:line` of the play.
        at: String,
        /// The pattern, rendered.
        pattern: String,
        /// Why it does not resolve.
        source: Box<TargetError>,
    },
    /// A play's `hosts` pattern resolves to no host at all (`web:!web`).
    #[error("play '{play}' ({at}): hosts pattern `{pattern}` matches no host")]
    NoHosts {
        /// The play's name.
        play: String,
        /// `file:line` of the play.
        at: String,
        /// The pattern, rendered.
        pattern: String,
    },
    /// A template or condition that cannot be rendered for a host (an undefined
    /// variable, a syntax error, a failing filter); it says where and for whom.
    #[error(transparent)]
    Template(TemplateError),
    /// The executor asked a play for a step or host it does not have.
    #[error("play '{play}' has no step #{step} for host #{host}")]
    NotInPlay {
        /// The play's name.
        play: String,
        /// The 0-based step index asked for.
        step: usize,
        /// The 0-based host index asked for.
        host: usize,
    },
    /// A local file a step needs (a `put` source) is missing or unreadable.
    #[error("{at}: {message}")]
    LocalFile {
        /// `file:line: step '…' on host …`.
        at: String,
        /// What is wrong with the file and what to do.
        message: String,
    },
}

/// Problems gathered while planning, capped at [`MAX_PROBLEMS`].
#[derive(Default)]
pub(super) struct Problems {
    kept: Vec<PlanProblem>,
    omitted: usize,
}

impl Problems {
    /// Keeps `problem`, or counts it once [`MAX_PROBLEMS`] are kept.
    pub fn push(&mut self, problem: PlanProblem) {
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(problem);
        } else {
            self.omitted += 1;
        }
    }

    /// Counts problems that were found but not worth listing.
    pub fn omit(&mut self, count: usize) {
        self.omitted += count;
    }

    /// Whether anything was found.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.omitted == 0
    }

    /// `Ok(value)` when nothing was found, else the error listing the problems.
    pub fn into_result<T>(self, value: T) -> Result<T, PlanError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(PlanError {
                problems: self.kept,
                omitted: self.omitted,
            })
        }
    }
}
