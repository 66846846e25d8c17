//! Target selection: from `-h`/`-g` or an Ansible-style pattern to an ordered,
//! de-duplicated list of inventory hosts.
//!
//! A host term is an exact name, a range (`web[01:05]`, expanded like the inventory's
//! ranges, every name must exist), a glob (`web*`, `db-?`), or `@FILE` (a file of such
//! terms, one per line, blank lines and `#` comments skipped). Results always come out
//! in inventory order, each host once. A term that matches nothing is an error naming
//! it, with the closest existing name as a suggestion: nothing runs on a typo.
//!
//! [`Shard`] (`--shard I/N`) then keeps a stable share of the chosen hosts, by a hash
//! of each host's name.

mod error;
mod glob;
mod set;
mod shard;
mod subscript;
mod suggest;
mod terms;

pub use error::{NoMatch, TargetError, TermKind};
pub use shard::{MAX_SHARDS, Shard};
pub use terms::MAX_LIST_BYTES;

use crate::inventory::{Host, Inventory};
use set::HostSet;

/// The hosts chosen by `-h` values (`host_patterns`) and `-g` values (`groups`): their union.
///
/// Each value may hold several comma-separated entries (`-h web01,web02`); empty entries
/// are ignored. `-h` entries match host names only (exact, range, glob or `@FILE`);
/// `-g` entries are exact group names (`all` is every host). Errors if neither gives
/// anything, or if any entry matches nothing.
pub fn select<'a>(
    inventory: &'a Inventory,
    host_patterns: &[String],
    groups: &[String],
) -> Result<Vec<&'a Host>, TargetError> {
    let host_patterns = split_commas(host_patterns);
    let groups = split_commas(groups);
    if host_patterns.is_empty() && groups.is_empty() {
        return Err(TargetError::NothingSelected);
    }
    let mut chosen = HostSet::none(inventory);
    for pattern in host_patterns {
        chosen.union(&terms::term(inventory, pattern, TermKind::Host)?);
    }
    for group in groups {
        chosen.union(&terms::group(inventory, group, None)?);
    }
    Ok(chosen.hosts(inventory))
}

/// The hosts an Ansible-style pattern selects (playbook `hosts:`, `--limit`).
///
/// Terms are separated by `:` or `,` (not inside `[...]`). A plain term adds hosts, `&term`
/// keeps only hosts also in it, `!term` removes hosts in it; the plain terms are united
/// first (all hosts if there are none), then `&` and `!` terms apply. A term is a group
/// name, a host name, a group's subscript (`web[0]`, `web[-1]`, `web[1:2]`, as in
/// Ansible), a range (`web[01:05]`, when `web` is no group), a glob over host and group
/// names, `~REGEX` (over host and group names, from their start) or `@FILE`; `all` and
/// `*` are every host. A plain term naming both a host and a group is the host, an
/// `&`/`!` term the group (as in Ansible). `web:&prod:!web03` is the hosts in `web` that
/// are in `prod`, except `web03`. Any term matching nothing, including `&`/`!` terms,
/// is an error.
/// The result itself may be empty (`web:!web`); the caller decides what that means.
pub fn resolve_pattern<'a>(
    inventory: &'a Inventory,
    pattern: &str,
) -> Result<Vec<&'a Host>, TargetError> {
    let terms = split_terms(pattern);
    if terms.is_empty() {
        return Err(TargetError::EmptyPattern);
    }
    let mut union: Option<HostSet> = None;
    let mut filters = Vec::new();
    for term in terms {
        let (kind, name) = match term.strip_prefix(['&', '!']) {
            Some(rest) if term.starts_with('&') => (TermKind::Intersection, rest.trim()),
            Some(rest) => (TermKind::Exclusion, rest.trim()),
            None => (TermKind::Term, term),
        };
        if name.is_empty() {
            return Err(TargetError::MissingName {
                operator: term.chars().next().unwrap_or('&'),
            });
        }
        let set = terms::pattern_term(inventory, name, kind)?;
        match kind {
            TermKind::Term => union
                .get_or_insert_with(|| HostSet::none(inventory))
                .union(&set),
            _ => filters.push((kind, set)),
        }
    }
    let mut chosen = union.unwrap_or_else(|| HostSet::every(inventory));
    for (kind, set) in filters {
        match kind {
            TermKind::Intersection => chosen.intersect(&set),
            _ => chosen.subtract(&set),
        }
    }
    Ok(chosen.hosts(inventory))
}

/// Every comma-separated, trimmed, non-empty entry of `values`.
fn split_commas(values: &[String]) -> Vec<&str> {
    values
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// The trimmed, non-empty terms of `pattern`, split at `:` and `,` outside brackets.
fn split_terms(pattern: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (at, c) in pattern.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' | ',' if depth == 0 => {
                terms.push(&pattern[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    terms.push(&pattern[start..]);
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
