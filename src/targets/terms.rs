//! Matching one term (a host name, range, glob, group or `@FILE`) against an inventory.
//!
//! Every term must match something: a miss is a [`NoMatch`] error with a suggestion,
//! never a silently smaller selection.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::{NoMatch, TargetError, TermKind};
use super::glob;
use super::set::HostSet;
use super::subscript::{self, Subscript};
use super::suggest::closest;
use crate::inventory::{HostPattern, Inventory, MAX_HOSTS, RangeError};

/// Largest `@FILE` host list read: 10 MiB, a hundred bytes for each of
/// [`MAX_HOSTS`] names.
pub const MAX_LIST_BYTES: u64 = 10 * 1024 * 1024;

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

/// One term of a pattern (plain, `&` or `!`, given here without its operator):
/// `~REGEX`, a group's subscript (`web[0]`, `web[1:2]`), or a name, range, glob or
/// `@FILE` matched by [`term`].
pub(crate) fn pattern_term(
    inventory: &Inventory,
    text: &str,
    kind: TermKind,
) -> Result<HostSet, TargetError> {
    if let Some(expr) = text.strip_prefix('~') {
        return regex_term(inventory, expr, kind);
    }
    if let Some((group, subscript)) = group_subscript(inventory, text) {
        return subscripted(inventory, group, subscript, text);
    }
    term(inventory, text, kind)
}

/// `text` split into a group and its subscript, if it is `GROUP[…]` and GROUP is a group.
fn group_subscript<'t>(inventory: &Inventory, text: &'t str) -> Option<(&'t str, Subscript)> {
    subscript::split(text).filter(|(group, _)| inventory.group(group).is_some())
}

/// The hosts `subscript` picks from `group`; picking none is an error.
fn subscripted(
    inventory: &Inventory,
    group: &str,
    subscript: Subscript,
    text: &str,
) -> Result<HostSet, TargetError> {
    let order = subscript::ansible_order(inventory, group);
    let picked = subscript
        .apply(&order)
        .ok_or_else(|| TargetError::SubscriptOutOfRange {
            term: text.to_owned(),
            group: group.to_owned(),
            count: order.len(),
        })?;
    let mut set = HostSet::none(inventory);
    for position in picked {
        set.insert(position);
    }
    Ok(set)
}

/// `~REGEX`: the hosts of every group whose name the regex matches from its start (as
/// Python's `re.match`), and every host whose name it matches.
fn regex_term(inventory: &Inventory, expr: &str, kind: TermKind) -> Result<HostSet, TargetError> {
    let regex =
        regex::Regex::new(&format!("^(?:{expr})")).map_err(|error| TargetError::BadRegex {
            pattern: expr.to_owned(),
            reason: error.to_string(),
        })?;
    let mut set = HostSet::filter(inventory, |host| regex.is_match(&host.name));
    for group in inventory
        .groups()
        .iter()
        .filter(|g| regex.is_match(&g.name))
    {
        set.union(&members(inventory, &group.name));
    }
    if set.is_empty() {
        return Err(TargetError::NoMatch(NoMatch {
            kind,
            term: format!("~{expr}"),
            context: None,
            hint: None,
        }));
    }
    Ok(set)
}

/// The hosts of group `name` and its descendants, or a subscript of a group
/// (`web[0]`); an unknown or empty group, or a subscript picking none, is an error.
pub(crate) fn group(
    inventory: &Inventory,
    name: &str,
    context: Option<&str>,
) -> Result<HostSet, TargetError> {
    if inventory.group(name).is_none() {
        if let Some((group, subscript)) = group_subscript(inventory, name) {
            return subscripted(inventory, group, subscript, name);
        }
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
        one_name(inventory, &name, kind, name_context.as_deref(), &mut set)?;
    }
    Ok(set)
}

/// Adds to `set` the hosts one name matches, exact or a glob. Pattern terms also match
/// group names: as in Ansible, a plain term naming both a host and a group means the
/// host, an `&`/`!` term the group (and the host too if the name holds a `.`, which
/// Ansible then also matches against host names). An exact host name costs no more
/// than a lookup, so a range of many names stays linear in the number of names.
fn one_name(
    inventory: &Inventory,
    name: &str,
    kind: TermKind,
    context: Option<&str>,
    set: &mut HostSet,
) -> Result<(), TargetError> {
    let with_groups = kind != TermKind::Host;
    if glob::is_glob(name) {
        let mut matched = HostSet::filter(inventory, |host| glob::matches(name, &host.name));
        if with_groups {
            for group in inventory
                .groups()
                .iter()
                .filter(|g| glob::matches(name, &g.name))
            {
                matched.union(&members(inventory, &group.name));
            }
        }
        if matched.is_empty() {
            return Err(TargetError::NoMatch(NoMatch {
                kind,
                term: name.to_owned(),
                context: context.map(str::to_owned),
                hint: None,
            }));
        }
        set.union(&matched);
        return Ok(());
    }
    let host = inventory.host_position(name);
    let plain_host = kind == TermKind::Term && host.is_some();
    if with_groups && !plain_host && inventory.group(name).is_some() {
        let mut matched = members(inventory, name);
        if let Some(position) = host.filter(|_| name.contains('.')) {
            matched.insert(position);
        }
        set.union(&non_empty(matched, name, context)?);
        return Ok(());
    }
    match host {
        Some(position) => {
            set.insert(position);
            Ok(())
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
    let cannot_read = |source| TargetError::HostFile {
        path: path.to_path_buf(),
        source,
    };
    // At most one byte over the limit is read, so `@/dev/zero` fails fast.
    let mut text = String::new();
    File::open(path)
        .and_then(|file| file.take(MAX_LIST_BYTES + 1).read_to_string(&mut text))
        .map_err(cannot_read)?;
    if text.len() as u64 > MAX_LIST_BYTES {
        return Err(TargetError::HostFileTooBig {
            path: path.to_path_buf(),
        });
    }
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
