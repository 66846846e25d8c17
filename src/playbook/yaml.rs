//! Parsing YAML with explicit limits, and turning its errors into [`Problem`]s.

use super::error::Problem;
use super::source::Source;
use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, MessageFormatter, Options, UserMessageFormatter};

/// Deepest nesting of lists and mappings accepted.
const MAX_DEPTH: usize = 64;
/// Most aliases (`*name`) a file may use.
const MAX_ALIASES: usize = 1_000;
/// Most parser events that replaying aliases may produce (alias bombs stop here).
const MAX_ALIAS_REPLAY: usize = 100_000;

/// Parses `source` as one YAML document into `T`.
pub(super) fn parse<T: DeserializeOwned>(source: Source<'_>) -> Result<T, Problem> {
    serde_saphyr::from_str_with_options(source.text, options()).map_err(|err| problem(source, &err))
}

/// The parser's limits: small enough that a hostile file fails fast, large enough for
/// any real playbook. Duplicate keys are errors.
fn options() -> Options {
    let mut options = Options::default();
    options.with_snippet = false;
    if let Some(budget) = options.budget.as_mut() {
        budget.max_depth = MAX_DEPTH;
        budget.max_aliases = MAX_ALIASES;
        budget.max_anchors = MAX_ALIASES;
        budget.max_documents = 1;
    }
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_REPLAY;
    options.alias_limits.max_replay_stack_depth = MAX_DEPTH;
    options
}

/// A problem at the error's position, worded for a playbook author.
fn problem(source: Source<'_>, err: &Error) -> Problem {
    let (line, column) = err
        .location()
        .map(|location| (to_usize(location.line()), to_usize(location.column())))
        .unwrap_or((0, 0));
    source.problem(line, column, describe(err.without_snippet()))
}

/// The parser's message, reworded where a playbook author deserves better.
fn describe(err: &Error) -> String {
    match err {
        Error::SerdeUnknownField {
            field, expected, ..
        } => unknown_key(field, expected),
        Error::SerdeMissingField { field, .. } => format!("missing key `{field}`"),
        Error::Budget { breach, .. } => over_budget(breach),
        Error::AliasError { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => {
            let message = UserMessageFormatter.format_message(err);
            let first = message.split(" at line").next().unwrap_or_default();
            format!(
                "{first}; aliases (`*name`) may expand to at most {MAX_ALIAS_REPLAY} YAML \
                 events, nested at most {MAX_DEPTH} deep"
            )
        }
        other => {
            let message = UserMessageFormatter.format_message(other);
            if message == "recursion limit exceeded" {
                too_deep()
            } else {
                message.into_owned()
            }
        }
    }
}

/// A limit of [`options`] was reached.
fn over_budget(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { .. } => too_deep(),
        BudgetBreach::Documents { .. } => {
            "more than one YAML document (`---`); a playbook is one list of plays".to_owned()
        }
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. } => {
            format!("too many aliases or anchors; at most {MAX_ALIASES} of each are allowed")
        }
        other => format!("the YAML is too large or too complex to be a playbook ({other:?})"),
    }
}

fn too_deep() -> String {
    format!("nested deeper than {MAX_DEPTH} levels of lists and mappings")
}

/// `unknown key `regster` in step; did you mean `register`?`
fn unknown_key(field: &str, expected: &[&str]) -> String {
    let place = where_expected(expected);
    match closest(field, expected) {
        Some(best) => format!("unknown key `{field}` in {place}; did you mean `{best}`?"),
        None => format!(
            "unknown key `{field}` in {place}; expected one of: {}",
            expected.join(", ")
        ),
    }
}

/// Which part of the format accepts exactly these keys, for the message.
fn where_expected(expected: &[&str]) -> &'static str {
    let has = |key| expected.contains(&key);
    if has("hosts") {
        "play"
    } else if has("run") {
        "step"
    } else if has("template") {
        "put"
    } else if has("src") {
        "get"
    } else if has("loop_var") {
        "loop_control"
    } else {
        "mapping"
    }
}

/// The expected key nearest to `field` by edit distance, if it is near enough to be a
/// likely typo (at most a third of the key's letters differ).
pub(super) fn closest<'a>(field: &str, expected: &[&'a str]) -> Option<&'a str> {
    expected
        .iter()
        .map(|candidate| (strsim::levenshtein(field, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().max(3) / 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        let keys = ["name", "run", "register", "retries", "become", "check_mode"];
        assert_eq!(closest("regster", &keys), Some("register"));
        assert_eq!(closest("becom", &keys), Some("become"));
        assert_eq!(closest("rn", &keys), Some("run"));
        assert_eq!(closest("checkmode", &keys), Some("check_mode"));
        assert_eq!(closest("xyzzy", &keys), None);
    }

    #[test]
    fn unknown_key_without_a_near_match_lists_the_keys() {
        assert_eq!(
            unknown_key("colour", &["src", "dest"]),
            "unknown key `colour` in get; expected one of: src, dest"
        );
    }
}
