//! Matching one term (a host name, range, glob, group or `@FILE`) against an inventory.
//!
//! Every term must match something: a miss is a [`NoMatch`] error with a suggestion,
//! never a silently smaller selection.

use std::path::{Path, PathBuf};

use super::error::{NoMatch, TargetError, TermKind};
use super::glob;
use super::set::HostSet;
use super::suggest::closest;
use crate::inventory::{HostPattern, Inventory, MAX_HOSTS, RangeError};

/// The hosts `term` stands for: an `@FILE` list, or a name or pattern matched as
/// `kind` says (`-h` terms match hosts only; pattern terms match hosts and groups).
pub(crate) fn term(
    inventory: &Inventory,
    term: &str,
    kind: TermKind,
) -> Result<HostSet, TargetError> {
    let Some(path) = term.strip_prefix('@') else {
        return name_pattern(inventory, term, kind, None);
    };
    let mut set = HostSet::none(inventory);
    for (line, name) in read_list(Path::new(path))? {
        let context = format!("{path}:{line}");
        set.union(&name_pattern(inventory, &name, kind, Some(&context))?);
    }
    Ok(set)
}

/// The hosts of group `name` and its descendants; an unknown or empty group is an error.
pub(crate) fn group(
    inventory: &Inventory,
    name: &str,
    context: Option<&str>,
) -> Result<HostSet, TargetError> {
    if inventory.group(name).is_none() {
        return Err(no_match(inventory, name, TermKind::Group, context));
    }
    non_empty(members(inventory, name), name, context)
}

/// The hosts in group `name` (directly or through its children).
fn members(inventory: &Inventory, name: &str) -> HostSet {
    HostSet::filter(inventory, |host| {
        host.groups
            .binary_search_by(|g| g.as_str().cmp(name))
            .is_ok()
    })
}

/// `set`, or the error for group `name` having no hosts.
fn non_empty(set: HostSet, name: &str, context: Option<&str>) -> Result<HostSet, TargetError> {
    if set.is_empty() {
        return Err(TargetError::EmptyGroup {
            group: name.to_owned(),
            context: context.map(str::to_owned),
        });
    }
    Ok(set)
}

/// A name that may hold ranges and globs; each name it expands to must match.
fn name_pattern(
    inventory: &Inventory,
    pattern: &str,
    kind: TermKind,
    context: Option<&str>,
) -> Result<HostSet, TargetError> {
    let range_error = |source| TargetError::Range {
        pattern: pattern.to_owned(),
        source,
    };
    let parsed = HostPattern::parse(pattern).map_err(range_error)?;
    if parsed.count().is_none_or(|count| count > MAX_HOSTS) {
        return Err(range_error(RangeError::TooMany));
    }
    let name_context = match (parsed.has_ranges(), context) {
        (true, Some(context)) => Some(format!("from {pattern}, {context}")),
        (true, None) => Some(format!("from {pattern}")),
        (false, context) => context.map(str::to_owned),
    };
    let mut set = HostSet::none(inventory);
    for name in parsed.names() {
        set.union(&one_name(inventory, &name, kind, name_context.as_deref())?);
    }
    Ok(set)
}

/// One name, exact or a glob. Pattern terms also match group names.
fn one_name(
    inventory: &Inventory,
    name: &str,
    kind: TermKind,
    context: Option<&str>,
) -> Result<HostSet, TargetError> {
    let with_groups = kind != TermKind::Host;
    if glob::is_glob(name) {
        let mut set = HostSet::filter(inventory, |host| glob::matches(name, &host.name));
        if with_groups {
            for matched in inventory
                .groups()
                .iter()
                .filter(|g| glob::matches(name, &g.name))
            {
                set.union(&members(inventory, &matched.name));
            }
        }
        return match set.is_empty() {
            true => Err(TargetError::NoMatch(NoMatch {
                kind,
                term: name.to_owned(),
                context: context.map(str::to_owned),
                hint: None,
            })),
            false => Ok(set),
        };
    }
    if with_groups && inventory.group(name).is_some() {
        let mut set = members(inventory, name);
        if let Some(position) = inventory.host_position(name) {
            set.insert(position);
        }
        return non_empty(set, name, context);
    }
    match inventory.host_position(name) {
        Some(position) => {
            let mut set = HostSet::none(inventory);
            set.insert(position);
            Ok(set)
        }
        None => Err(no_match(inventory, name, kind, context)),
    }
}

/// The error for `name` matching nothing, with the likeliest fix.
fn no_match(
    inventory: &Inventory,
    name: &str,
    kind: TermKind,
    context: Option<&str>,
) -> TargetError {
    let hosts = || inventory.hosts().iter().map(|h| h.name.as_str());
    let groups = || inventory.groups().iter().map(|g| g.name.as_str());
    let hint = match kind {
        TermKind::Host if inventory.group(name).is_some() => {
            Some(format!("`{name}` is a group: use -g {name}"))
        }
        TermKind::Group if inventory.host(name).is_some() => {
            Some(format!("`{name}` is a host: use -h {name}"))
        }
        TermKind::Host => did_you_mean(closest(name, hosts())),
        TermKind::Group => did_you_mean(closest(name, groups())),
        _ => did_you_mean(closest(name, hosts().chain(groups()))),
    };
    TargetError::NoMatch(NoMatch {
        kind,
        term: name.to_owned(),
        context: context.map(str::to_owned),
        hint,
    })
}

/// "did you mean `NAME`?" for a suggestion.
fn did_you_mean(name: Option<&str>) -> Option<String> {
    name.map(|name| format!("did you mean `{name}`?"))
}

/// The names in an `@FILE` host list with their line numbers: one per line, blank
/// lines and `#` comments skipped. An unreadable or empty list is an error.
fn read_list(path: &Path) -> Result<Vec<(usize, String)>, TargetError> {
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::HostFile {
        path: path.to_path_buf(),
        source,
    })?;
    let names: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(number, line)| (number, line.to_owned()))
        .collect();
    if names.is_empty() {
        return Err(TargetError::EmptyHostFile {
            path: PathBuf::from(path),
        });
    }
    Ok(names)
}
