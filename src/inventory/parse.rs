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
use super::vars_files::VarsFiles;
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
    /// The files read (see [`Draft::begin_file`]): the draft line before each one's
    /// first line, and its name; empty when the draft is one text named `source`.
    files: Vec<(usize, String)>,
    /// The draft line after the last file's.
    next_line: usize,
    /// The vars from `group_vars/` and `host_vars/` files.
    pub(super) vars_files: VarsFiles,
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
    draft.read_ini(text, 0)?;
    Ok(draft)
}

/// One trimmed, non-blank, non-comment line and its number.
struct Line<'a> {
    number: usize,
    text: &'a str,
}

impl Draft {
    /// Reads INI `text` into the draft; its line 1 is draft line `offset + 1` (see
    /// [`Draft::begin_file`]).
    pub(super) fn read_ini(&mut self, text: &str, offset: usize) -> Result<(), InventoryError> {
        let mut section = Section::Hosts(None);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let number = offset + index + 1;
            if raw.len() > MAX_LINE_BYTES {
                let shown = format!("({} bytes, not shown)", raw.len());
                let problem = Problem::LineTooLong { bytes: raw.len() };
                return Err(self.error(number, &shown, problem));
            }
            let line = Line {
                number,
                text: raw.trim(),
            };
            if line.text.is_empty() || line.text.starts_with(['#', ';']) {
                continue;
            }
            let result = match section {
                _ if is_header(line.text) => self.header(&line).map(|next| section = next),
                Section::Hosts(group) => self.host_line(&line, group),
                Section::Vars(group) => self.vars_line(&line, group),
                Section::Children(group) => self.child_line(&line, group),
            };
            if let Err(problem) = result {
                return Err(self.error(line.number, &redact::line(line.text), problem));
            }
        }
        Ok(())
    }

    /// An empty draft; `source` names it (and its first file) in errors.
    pub(super) fn new(source: &str, limits: Limits) -> Draft {
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
            files: Vec::new(),
            next_line: 0,
            vars_files: VarsFiles::default(),
        }
    }

    /// The location of draft line `number`: the file it is in and its line there.
    pub(super) fn at(&self, number: usize) -> Location {
        let file = self.files.partition_point(|(start, _)| *start < number);
        match file.checked_sub(1).map(|i| &self.files[i]) {
            Some((start, source)) => Location {
                source: source.clone(),
                line: number - start,
            },
            None => Location {
                source: self.source.clone(),
                line: number,
            },
        }
    }

    /// Starts another file of `lines` lines, called `source` in errors: returns the
    /// draft line before its first line, so that its line N is draft line offset + N.
    /// (Several files read into one draft number their lines one after the other.)
    pub(super) fn begin_file(&mut self, source: &str, lines: usize) -> usize {
        let offset = self.next_line;
        self.files.push((offset, source.to_owned()));
        self.next_line = offset.saturating_add(lines).saturating_add(1);
        offset
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
        let (name, port) = split_port(name);
        let mut line_vars = Vars::new();
        if let Some(port) = port {
            vars::insert(&mut line_vars, PORT_SHORTHAND_KEY, &VarValue::from(port));
        }
        for word in words {
            let (key, value) = key_value(word)?;
            vars::insert(&mut line_vars, key, &value::from_ini(value));
        }
        self.add_hosts(name, &line_vars, line.number, group)
    }

    /// Adds the hosts `pattern` names (`web[01:20]` expanded) to `group` (none for
    /// `all` and `ungrouped`) with `vars`, given at draft line `number`.
    pub(super) fn add_hosts(
        &mut self,
        pattern: &str,
        vars: &Vars,
        number: usize,
        group: Option<usize>,
    ) -> Result<(), Problem> {
        let range_error = |source| Problem::Range {
            pattern: pattern.to_owned(),
            source,
        };
        let parsed = HostPattern::parse(pattern).map_err(range_error)?;
        let count = parsed
            .count()
            .filter(|&count| count <= self.limits.max_hosts)
            .ok_or_else(|| range_error(RangeError::TooMany))?;
        // The pattern's text is at least as long as any name it expands to.
        self.count_hosts(count, pattern.len(), vars)?;
        for host_name in parsed.names() {
            self.add_named(host_name, vars, number, group)?;
        }
        Ok(())
    }

    /// Adds host `name` as written (no ranges: an inventory script's names) to `group`
    /// (none for `all` and `ungrouped`) with `vars`, given at draft line `number`.
    pub(super) fn add_host(
        &mut self,
        name: &str,
        vars: &Vars,
        number: usize,
        group: Option<usize>,
    ) -> Result<(), Problem> {
        self.count_hosts(1, name.len(), vars)?;
        self.add_named(name.to_owned(), vars, number, group)
    }

    /// Counts `count` host entries with names of at most `name_len` bytes and `vars`
    /// against the limits, checking the vars.
    fn count_hosts(&mut self, count: usize, name_len: usize, vars: &Vars) -> Result<(), Problem> {
        for (key, value) in vars {
            self.note_var(key, value)?;
        }
        if self.entries + count > self.limits.max_hosts {
            return Err(Problem::TooManyHosts {
                limit: self.limits.max_hosts,
            });
        }
        self.entries += count;
        let per_host = budget::entry_cost(name_len).saturating_add(budget::vars_cost(vars));
        self.host_data.spend(per_host.saturating_mul(count))
    }

    /// Adds one host, already counted, and puts it in `group`.
    fn add_named(
        &mut self,
        name: String,
        vars: &Vars,
        number: usize,
        group: Option<usize>,
    ) -> Result<(), Problem> {
        if let Some(hint) = host_name_problem(&name) {
            return Err(Problem::InvalidHostName { name, hint });
        }
        let host = self.merge_host(name, vars, number)?;
        if let Some(group) = group.filter(|&g| g != ALL_INDEX && g != UNGROUPED_INDEX) {
            if self.groups[group].members.insert(host) {
                self.groups[group].hosts.push(host);
                self.hosts[host].groups.push(group);
            }
        }
        Ok(())
    }

    /// Group `name` (validated), defined at draft line `number` if new; `all` and
    /// `ungrouped` are the implicit groups.
    pub(super) fn add_group(&mut self, name: &str, number: usize) -> Result<usize, Problem> {
        match name {
            ALL => Ok(ALL_INDEX),
            UNGROUPED => Ok(UNGROUPED_INDEX),
            _ if !valid_group_name(name) => Err(Problem::InvalidGroupName {
                name: redact::line(name),
            }),
            _ => Ok(self.define(name, number)),
        }
    }

    /// Makes group `child` a child of group `parent`, at draft line `number`. Under
    /// `all`, where every group already is, only `ungrouped` and ordinary groups may go
    /// (as `[all:children]` entries: listed under `all`, changing no precedence).
    pub(super) fn add_child(
        &mut self,
        parent: usize,
        child: usize,
        number: usize,
    ) -> Result<(), Problem> {
        let child_name = self.groups[child].name.clone();
        if parent == ALL_INDEX && child != ALL_INDEX {
            // No edge (every group is in `all`), but `--list` shows it under `all`.
            self.groups[ALL_INDEX].children.push((child_name, number));
            return Ok(());
        }
        if let Some(reason) = reserved_parent(&self.groups[parent].name) {
            return Err(Problem::ReservedGroup {
                group: self.groups[parent].name.clone(),
                reason,
            });
        }
        if let Some(reason) = reserved_child(&child_name) {
            return Err(Problem::ReservedGroup {
                group: child_name,
                reason,
            });
        }
        self.groups[parent].children.push((child_name, number));
        Ok(())
    }

    /// Sets var `key` of group `group` (a later value wins, as in Ansible).
    pub(super) fn set_group_var(
        &mut self,
        group: usize,
        key: &str,
        value: VarValue,
    ) -> Result<(), Problem> {
        if key == GROUP_PRIORITY && group_priority(&value).is_none() {
            return Err(Problem::BadGroupPriority {
                value: value::shown(key, &value),
            });
        }
        self.note_var(key, &value)?;
        vars::insert(&mut self.groups[group].vars, key, &value);
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
        self.set_group_var(group, key, value)
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
        if let Some(reason) =
            reserved_child(name).filter(|_| !(group == ALL_INDEX && name == UNGROUPED))
        {
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

/// The group var that orders groups of one depth when their vars are merged.
pub(super) const GROUP_PRIORITY: &str = "ansible_group_priority";

/// A group's `ansible_group_priority` as Ansible reads it (`int(value)`): an int, or a
/// string of digits with an optional sign.
pub(super) fn group_priority(value: &VarValue) -> Option<i64> {
    match value {
        VarValue::Number(n) => n.as_i64(),
        VarValue::String(text) => text.trim().parse().ok(),
        VarValue::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// The key a host name's `:PORT` suffix sets, as in Ansible.
pub(super) const PORT_SHORTHAND_KEY: &str = "ansible_port";

/// A host line's first word split as Ansible splits `NAME:PORT` (the only `:` outside
/// brackets, followed by digits only): the name and the port's digits as a number
/// (`u64::MAX` if they overflow, so the port check refuses them).
pub(super) fn split_port(word: &str) -> (&str, Option<u64>) {
    let mut depth = 0usize;
    let mut colons = word.char_indices().filter(|&(_, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        c == ':' && depth == 0
    });
    // Only one `:` outside brackets: `2001:db8::1` is no name with a port.
    let colon = match (colons.next(), colons.next()) {
        (Some((at, _)), None) => Some(at),
        _ => None,
    };
    match colon {
        Some(at)
            if at > 0
                && word.len() > at + 1
                && word[at + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (
                &word[..at],
                Some(word[at + 1..].parse().unwrap_or(u64::MAX)),
            )
        }
        _ => (word, None),
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

/// Whether `text` is a section header (well formed or not): it starts with `[` and its
/// first `]` ends the line (but for a comment), or its first word or the line ends
/// with `]` (`[web] x` is a malformed header, not a host `[web]`). Any other line
/// starting with `[` is a host line whose name starts with a range (`[a:c]-lb`), as in
/// Ansible.
fn is_header(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[') else {
        return false;
    };
    let comment_or_nothing = |rest: &str| {
        let rest = rest.trim_start();
        rest.is_empty() || rest.starts_with(['#', ';'])
    };
    let first_word = text.split_whitespace().next().unwrap_or_default();
    text.ends_with(']')
        || first_word.ends_with(']')
        || inner
            .split_once(']')
            .is_none_or(|(_, rest)| comment_or_nothing(rest))
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

/// Why group `name` cannot have a `:children` section, if it cannot. (`[all:children]`
/// is allowed, as in Ansible: every group is in `all` already, so its entries only have
/// to name defined groups.)
fn reserved_parent(name: &str) -> Option<&'static str> {
    match name {
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
