//! First pass: inventory lines to a [`Draft`], checking everything one line can show.
//!
//! Line kinds: blank, comment (`#` or `;` first), section header (`[group]`,
//! `[group:vars]`, `[group:children]`), and then by section a host line
//! (`name key=value …`, shlex-tokenised), a vars line (`key = value`) or a child
//! group name. Hosts before any header, or under `[all]`/`[ungrouped]`, join no group.

use std::collections::{HashMap, HashSet};

use super::budget::Limits;
use super::budget::{self, Budget};
use super::error::{Conflict, InventoryError, Location, Problem};
use super::range::{HostPattern, RangeError};
use super::value::{self, VarValue, Vars};
use super::vars::{self, is_secret_key};
use super::{ALL, UNGROUPED, redact};

/// Index of `all` in [`Draft::groups`].
pub(super) const ALL_INDEX: usize = 0;

/// Index of `ungrouped` in [`Draft::groups`].
pub(super) const UNGROUPED_INDEX: usize = 1;

/// The inventory as written, line facts checked, whole-file facts not yet.
#[derive(Debug)]
pub(super) struct Draft {
    /// The name errors give for the text.
    pub(super) source: String,
    /// Hosts in order of first appearance.
    pub(super) hosts: Vec<DraftHost>,
    host_index: HashMap<String, usize>,
    /// `all`, `ungrouped`, then groups in order of first mention.
    pub(super) groups: Vec<DraftGroup>,
    pub(super) group_index: HashMap<String, usize>,
    /// Every `[group:vars]` header: the group's index and the header's line.
    pub(super) vars_headers: Vec<(usize, usize)>,
    /// True once a literal secret has been seen.
    pub(super) has_passwords: bool,
    /// Host entries so far, after range expansion, counting repeats.
    entries: usize,
    /// What the host lines may still add to the hosts' names and vars.
    host_data: Budget,
    /// The limits this inventory is parsed within.
    pub(super) limits: Limits,
}

/// A host as written: the vars from its own lines and the groups that list it.
#[derive(Debug)]
pub(super) struct DraftHost {
    pub(super) name: String,
    /// The line on which the host first appears.
    pub(super) line: usize,
    /// Vars from the host's lines, merged (conflicts are errors).
    pub(super) vars: Vars,
    /// The line on which each key of `vars` was given.
    var_lines: HashMap<String, usize>,
    /// Ordinary groups (not `all`/`ungrouped`) that list the host, as indices.
    pub(super) groups: Vec<usize>,
}

/// A group as written.
#[derive(Debug)]
pub(super) struct DraftGroup {
    pub(super) name: String,
    /// Line of the first `[group]` or `[group:children]` header; `Some(0)` for the
    /// implicit groups; `None` while only `[group:vars]` has mentioned it.
    pub(super) defined_at: Option<usize>,
    /// Hosts listed directly, as indices, in the order listed.
    pub(super) hosts: Vec<usize>,
    members: HashSet<usize>,
    /// Child group names with the line of each entry.
    pub(super) children: Vec<(String, usize)>,
    /// Vars from `[group:vars]` sections; a later line wins.
    pub(super) vars: Vars,
}

impl DraftGroup {
    fn new(name: &str, defined_at: Option<usize>) -> DraftGroup {
        DraftGroup {
            name: name.to_owned(),
            defined_at,
            hosts: Vec::new(),
            members: HashSet::new(),
            children: Vec::new(),
            vars: Vars::new(),
        }
    }
}

/// Which kind of section the following lines belong to.
#[derive(Debug, Clone, Copy)]
enum Section {
    /// Host lines, for this group (`None`: no group, as before any header).
    Hosts(Option<usize>),
    /// `key = value` lines for this group.
    Vars(usize),
    /// Child group names for this group.
    Children(usize),
}

/// The longest inventory line accepted: real ones are far shorter, and a longer one is
/// refused before any work (or any echo of it) is done.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Parses `text` line by line into a [`Draft`], within `limits`.
pub(super) fn parse(source: &str, text: &str, limits: Limits) -> Result<Draft, InventoryError> {
    let mut draft = Draft::new(source, limits);
    let mut section = Section::Hosts(None);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        if raw.len() > MAX_LINE_BYTES {
            let shown = format!("({} bytes, not shown)", raw.len());
            let problem = Problem::LineTooLong { bytes: raw.len() };
            return Err(draft.error(index + 1, &shown, problem));
        }
        let line = Line {
            number: index + 1,
            text: raw.trim(),
        };
        if line.text.is_empty() || line.text.starts_with(['#', ';']) {
            continue;
        }
        let result = match section {
            _ if line.text.starts_with('[') => draft.header(&line).map(|next| section = next),
            Section::Hosts(group) => draft.host_line(&line, group),
            Section::Vars(group) => draft.vars_line(&line, group),
            Section::Children(group) => draft.child_line(&line, group),
        };
        if let Err(problem) = result {
            return Err(draft.error(line.number, &redact::line(line.text), problem));
        }
    }
    Ok(draft)
}

/// One trimmed, non-blank, non-comment line and its number.
struct Line<'a> {
    number: usize,
    text: &'a str,
}

impl Draft {
    fn new(source: &str, limits: Limits) -> Draft {
        let groups = vec![
            DraftGroup::new(ALL, Some(0)),
            DraftGroup::new(UNGROUPED, Some(0)),
        ];
        let group_index = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.clone(), i))
            .collect();
        Draft {
            source: source.to_owned(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
            groups,
            group_index,
            vars_headers: Vec::new(),
            has_passwords: false,
            entries: 0,
            host_data: Budget::host_data(&limits),
            limits,
        }
    }

    /// The location of line `number`.
    pub(super) fn at(&self, number: usize) -> Location {
        Location {
            source: self.source.clone(),
            line: number,
        }
    }

    /// An error at line `number` showing `text`.
    pub(super) fn error(&self, number: usize, text: &str, problem: Problem) -> InventoryError {
        InventoryError::Syntax {
            at: self.at(number),
            text: text.to_owned(),
            problem,
        }
    }

    /// The index of group `name`, added (not yet defined) if new.
    fn group_entry(&mut self, name: &str) -> usize {
        if let Some(&index) = self.group_index.get(name) {
            return index;
        }
        self.groups.push(DraftGroup::new(name, None));
        self.group_index
            .insert(name.to_owned(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// Marks group `name` defined at line `number` (if not already) and returns its index.
    fn define(&mut self, name: &str, number: usize) -> usize {
        let index = self.group_entry(name);
        self.groups[index].defined_at.get_or_insert(number);
        index
    }

    /// `[group]`, `[group:vars]` or `[group:children]`, optionally followed by a comment.
    fn header(&mut self, line: &Line) -> Result<Section, Problem> {
        let Some((inner, rest)) = line.text[1..].split_once(']') else {
            return Err(Problem::MalformedHeader);
        };
        let rest = rest.trim_start();
        if !(rest.is_empty() || rest.starts_with(['#', ';'])) || inner.contains('[') {
            return Err(Problem::MalformedHeader);
        }
        let (name, kind) = match inner.split_once(':') {
            Some((name, kind)) => (name, Some(kind)),
            None => (inner, None),
        };
        if !valid_group_name(name) {
            return Err(Problem::InvalidGroupName {
                name: redact::line(name),
            });
        }
        match kind {
            None if name == ALL || name == UNGROUPED => Ok(Section::Hosts(None)),
            None => Ok(Section::Hosts(Some(self.define(name, line.number)))),
            Some("vars") => {
                let index = self.group_entry(name);
                self.vars_headers.push((index, line.number));
                Ok(Section::Vars(index))
            }
            Some("children") => match reserved_parent(name) {
                Some(reason) => Err(Problem::ReservedGroup {
                    group: name.to_owned(),
                    reason,
                }),
                None => Ok(Section::Children(self.define(name, line.number))),
            },
            Some(other) => Err(Problem::UnknownSectionKind {
                kind: redact::line(other),
            }),
        }
    }

    /// `name[range] key=value …`: adds each host to `group` and merges its line vars.
    fn host_line(&mut self, line: &Line, group: Option<usize>) -> Result<(), Problem> {
        let words = shlex::split(line.text).ok_or(Problem::UnterminatedQuote)?;
        let Some((name, words)) = words.split_first() else {
            return Ok(()); // cannot happen: the line is neither blank nor a comment
        };
        if name.contains('=') {
            return Err(Problem::InvalidHostName {
                name: redact::line(name),
                hint: "a host line starts with the host name, then its key=value vars; group vars go in a [GROUP:vars] section",
            });
        }
        let mut line_vars = Vars::new();
        for word in words {
            let (key, value) = key_value(word)?;
            let value = value::from_ini(value);
            self.note_var(key, &value)?;
            vars::insert(&mut line_vars, key, &value);
        }
        let range_error = |source| Problem::Range {
            pattern: name.clone(),
            source,
        };
        let pattern = HostPattern::parse(name).map_err(range_error)?;
        let count = pattern
            .count()
            .filter(|&count| count <= self.limits.max_hosts)
            .ok_or_else(|| range_error(RangeError::TooMany))?;
        if self.entries + count > self.limits.max_hosts {
            return Err(Problem::TooManyHosts {
                limit: self.limits.max_hosts,
            });
        }
        self.entries += count;
        // The pattern's text is at least as long as any name it expands to.
        let per_host = budget::entry_cost(name.len()).saturating_add(budget::vars_cost(&line_vars));
        self.host_data.spend(per_host.saturating_mul(count))?;
        for host_name in pattern.names() {
            if let Some(hint) = host_name_problem(&host_name) {
                return Err(Problem::InvalidHostName {
                    name: host_name,
                    hint,
                });
            }
            let host = self.merge_host(host_name, &line_vars, line.number)?;
            if let Some(group) = group {
                if self.groups[group].members.insert(host) {
                    self.groups[group].hosts.push(host);
                    self.hosts[host].groups.push(group);
                }
            }
        }
        Ok(())
    }

    /// Adds host `name` if new, then its `line_vars`; a key already given a different
    /// value on an earlier line is an error.
    fn merge_host(
        &mut self,
        name: String,
        line_vars: &Vars,
        number: usize,
    ) -> Result<usize, Problem> {
        let index = match self.host_index.get(&name) {
            Some(&index) => index,
            None => {
                self.host_index.insert(name.clone(), self.hosts.len());
                self.hosts.push(DraftHost {
                    name,
                    line: number,
                    vars: Vars::new(),
                    var_lines: HashMap::new(),
                    groups: Vec::new(),
                });
                self.hosts.len() - 1
            }
        };
        for (key, value) in line_vars {
            let host = &self.hosts[index];
            match vars::same_setting(&host.vars, key) {
                Some((first_key, first_value)) if first_value != value => {
                    return Err(Problem::ConflictingHostVar(Box::new(Conflict {
                        host: host.name.clone(),
                        key: key.clone(),
                        value: value::shown(key, value),
                        first_key: first_key.to_owned(),
                        first_value: value::shown(first_key, first_value),
                        first: self.at(host.var_lines.get(first_key).copied().unwrap_or(0)),
                    })));
                }
                Some(_) => {}
                None => {
                    let host = &mut self.hosts[index];
                    host.vars.insert(key.clone(), value.clone());
                    host.var_lines.insert(key.clone(), number);
                }
            }
        }
        Ok(index)
    }

    /// `key = value` in a `[group:vars]` section; the value may be quoted.
    fn vars_line(&mut self, line: &Line, group: usize) -> Result<(), Problem> {
        let Some((key, value)) = line.text.split_once('=') else {
            return Err(Problem::VarsWithoutEquals {
                group: self.groups[group].name.clone(),
            });
        };
        let key = key.trim();
        check_key(key, &redact::line(line.text))?;
        let value = vars_value(value.trim())?;
        self.note_var(key, &value)?;
        vars::insert(&mut self.groups[group].vars, key, &value);
        Ok(())
    }

    /// One child group name in a `[group:children]` section.
    fn child_line(&mut self, line: &Line, group: usize) -> Result<(), Problem> {
        let mut words = line.text.split_whitespace();
        let name = words.next().unwrap_or_default();
        if words
            .next()
            .is_some_and(|word| !word.starts_with(['#', ';']))
        {
            return Err(Problem::ChildrenLine {
                group: self.groups[group].name.clone(),
            });
        }
        if !valid_group_name(name) {
            return Err(Problem::InvalidGroupName {
                name: redact::line(name),
            });
        }
        if let Some(reason) = reserved_child(name) {
            return Err(Problem::ReservedGroup {
                group: name.to_owned(),
                reason,
            });
        }
        self.groups[group]
            .children
            .push((name.to_owned(), line.number));
        Ok(())
    }

    /// Checks a var wherever it is given: a port must be a port; notes literal secrets.
    fn note_var(&mut self, key: &str, value: &VarValue) -> Result<(), Problem> {
        if vars::setting(key) == Some(vars::Setting::Port) && vars::parse_port(value).is_none() {
            return Err(Problem::BadPort {
                key: key.to_owned(),
                value: value::shown(key, value),
            });
        }
        self.has_passwords |= is_secret_key(key);
        Ok(())
    }
}

/// Splits a host line word `key=value`.
fn key_value(word: &str) -> Result<(&str, &str), Problem> {
    let Some((key, value)) = word.split_once('=') else {
        return Err(Problem::NotKeyValue {
            token: word.to_owned(),
        });
    };
    check_key(key, &redact::line(word))?;
    Ok((key, value))
}

/// A var key must be one non-empty word.
fn check_key(key: &str, shown_token: &str) -> Result<(), Problem> {
    if key.is_empty() {
        return Err(Problem::EmptyKey {
            token: shown_token.to_owned(),
        });
    }
    if key.contains(char::is_whitespace) {
        return Err(Problem::BadVarName {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// A vars line value, as Ansible reads it where it is sure: a Python literal (`5`,
/// `'x'`, `[1, 2]`, a trailing `# comment` allowed) is that value. Otherwise herd's own
/// rules: a value starting with a quote must be one quoted literal (an unterminated
/// quote or text after it is an error, where Ansible keeps the text as is); any other
/// text is a string up to a ` #` comment (Ansible keeps the comment in the string).
fn vars_value(raw: &str) -> Result<VarValue, Problem> {
    if let Some(value) = super::literal::eval(raw) {
        return Ok(value);
    }
    if raw.starts_with(['"', '\'']) {
        return Err(match shlex::split(raw) {
            None => Problem::UnterminatedQuote,
            Some(_) => Problem::TextAfterQuote,
        });
    }
    let end = raw
        .char_indices()
        .zip(raw.chars().skip(1))
        .find(|((_, c), next)| c.is_whitespace() && *next == '#')
        .map_or(raw.len(), |((at, _), _)| at);
    Ok(VarValue::String(raw[..end].trim_end().to_owned()))
}

/// Group names: ASCII letters, digits, `_`, `-`, `.`; not empty.
fn valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Why `name` cannot be a host name, if it cannot.
fn host_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("a host name cannot be empty")
    } else if name.contains(':') {
        Some(
            "`:` is not allowed; for a port write `NAME port=PORT`, for an IPv6 address `NAME host=ADDRESS`",
        )
    } else if name.contains(|c: char| c.is_whitespace() || ",&!*?@=".contains(c)) {
        Some(
            "spaces and , & ! * ? @ = are not allowed; use a plain name and put the address in host=ADDRESS",
        )
    } else {
        None
    }
}

/// Why group `name` cannot have a `:children` section, if it cannot.
fn reserved_parent(name: &str) -> Option<&'static str> {
    match name {
        ALL => Some(
            "cannot have children: every group is already in all; remove the [all:children] section",
        ),
        UNGROUPED => Some(
            "cannot have children: it holds only hosts that are in no other group; use another group name",
        ),
        _ => None,
    }
}

/// Why group `name` cannot be listed as a child, if it cannot.
fn reserved_child(name: &str) -> Option<&'static str> {
    match name {
        ALL => Some("cannot be a child group: it already holds every group; remove this line"),
        UNGROUPED => Some(
            "cannot be a child group: it is filled with the hosts that are in no other group; remove this line",
        ),
        _ => None,
    }
}
