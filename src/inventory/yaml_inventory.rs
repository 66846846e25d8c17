//! YAML inventories, as Ansible's `yaml` inventory plugin reads them.
//!
//! The document is a mapping of group names (usually just `all`) to groups; a group is
//! a mapping with any of `hosts` (host names or ranges like `web[01:20]`, each with a
//! mapping of its vars or nothing), `vars` and `children` (groups, nested the same
//! way), or nothing at all. A section written as a single name (`hosts: web1`) is that
//! one entry. Values keep their YAML types. Where Ansible warns and skips (a key other
//! than `hosts`/`vars`/`children`, a group that is not a mapping), herd refuses the file
//! with the place and what to write: a skipped line is a silent surprise.

use super::error::{InventoryError, Location};
use super::parse::{Draft, PORT_SHORTHAND_KEY, split_port};
use super::value::Vars;
use super::vars;
use super::vars_files::Decrypt;
use super::yaml_value::{Kind, Node, YamlProblem};

/// Reads the YAML inventory `root` (from file `source`, whose lines start after `offset`
/// in `draft`) into `draft`.
pub(super) fn read(
    draft: &mut Draft,
    source: &str,
    offset: usize,
    root: &Node,
    decrypt: Decrypt<'_>,
) -> Result<(), InventoryError> {
    let reader = Reader {
        source,
        offset,
        decrypt,
    };
    let Some(groups) = root.as_map() else {
        let message = if root.is_null() {
            "the YAML inventory is empty; write `all:` with `hosts:`, `vars:` and `children:`"
        } else {
            "a YAML inventory is a mapping of group names (usually `all:`) to groups"
        };
        return Err(reader.problem(root.line, message));
    };
    if let Some((key, _)) = groups
        .iter()
        .find(|(key, _)| key.scalar_text().as_deref() == Some("plugin"))
    {
        return Err(reader.problem(
            key.line,
            "this is an inventory plugin's configuration (`plugin:`); herd reads YAML inventories, not inventory plugins: export the hosts with `ansible-inventory -i FILE --list --yaml` once, or use an inventory script",
        ));
    }
    for (name, data) in groups {
        reader.group(draft, name, data)?;
    }
    Ok(())
}

/// What every step of the reading needs.
struct Reader<'a> {
    source: &'a str,
    offset: usize,
    decrypt: Decrypt<'a>,
}

impl Reader<'_> {
    /// An error at `line` of the file.
    fn problem(&self, line: usize, message: impl Into<String>) -> InventoryError {
        InventoryError::File {
            at: Location {
                source: self.source.to_owned(),
                line,
            },
            message: message.into(),
        }
    }

    /// The draft's error for `problem` at `line` of the file, showing `text`.
    fn draft_error(
        &self,
        draft: &Draft,
        line: usize,
        text: &str,
        problem: super::error::Problem,
    ) -> InventoryError {
        draft.error(self.offset + line, text, problem)
    }

    /// A name: a key that is a plain value (Ansible takes a number as its text for a
    /// group, but refuses it for a host).
    fn name(&self, key: &Node, what: &str) -> Result<String, InventoryError> {
        match &key.kind {
            Kind::Scalar(serde_json::Value::String(name)) => Ok(name.clone()),
            Kind::Scalar(_) if what == "group" => Ok(key.scalar_text().unwrap_or_default()),
            _ => Err(self.problem(
                key.line,
                format!(
                    "a {what} name must be a string; quote it (\"{}\")",
                    key.scalar_text().unwrap_or_default()
                ),
            )),
        }
    }

    /// Group `name_node` with its `data`; returns the group's index.
    fn group(
        &self,
        draft: &mut Draft,
        name_node: &Node,
        data: &Node,
    ) -> Result<usize, InventoryError> {
        let name = self.name(name_node, "group")?;
        let index = draft
            .add_group(&name, self.offset + name_node.line)
            .map_err(|problem| self.draft_error(draft, name_node.line, &name, problem))?;
        let entries = match &data.kind {
            Kind::Map(entries) => entries.as_slice(),
            _ if data.is_null() => return Ok(index),
            _ => {
                return Err(self.problem(
                    data.line,
                    format!("group `{name}` must be a mapping with hosts:, vars: or children: (or nothing)"),
                ));
            }
        };
        for (key, value) in entries {
            let section = key.scalar_text().unwrap_or_default();
            let items = self.section(value, &section, &name)?;
            match section.as_str() {
                "vars" => {
                    for (var, var_value) in items {
                        let var_name = self.name(&var, "variable")?;
                        let typed = var_value.to_value(self.decrypt).map_err(|p| self.yaml(p))?;
                        draft
                            .set_group_var(index, &var_name, typed)
                            .map_err(|problem| {
                                self.draft_error(draft, var.line, &var_name, problem)
                            })?;
                    }
                }
                "children" => {
                    for (child, child_data) in items {
                        let child_index = self.group(draft, &child, &child_data)?;
                        draft
                            .add_child(index, child_index, self.offset + child.line)
                            .map_err(|problem| {
                                self.draft_error(
                                    draft,
                                    child.line,
                                    &child.scalar_text().unwrap_or_default(),
                                    problem,
                                )
                            })?;
                    }
                }
                "hosts" => {
                    for (pattern, host_data) in items {
                        self.hosts(draft, index, &pattern, &host_data)?;
                    }
                }
                _ => {
                    return Err(self.problem(
                        key.line,
                        format!("unknown key `{section}` in group `{name}`; a group has hosts:, vars: and children: (put variables under vars:)"),
                    ));
                }
            }
        }
        Ok(index)
    }

    /// The entries of a `hosts`, `vars` or `children` section: a mapping, nothing, or
    /// one name standing for `{name: nothing}`.
    fn section(
        &self,
        value: &Node,
        section: &str,
        group: &str,
    ) -> Result<Vec<(Node, Node)>, InventoryError> {
        match &value.kind {
            Kind::Map(entries) => Ok(entries.clone()),
            Kind::Scalar(serde_json::Value::Null) => Ok(Vec::new()),
            Kind::Scalar(serde_json::Value::String(_)) => Ok(vec![(
                value.clone(),
                Node {
                    line: value.line,
                    kind: Kind::Scalar(serde_json::Value::Null),
                },
            )]),
            _ if !matches!(section, "hosts" | "vars" | "children") => Ok(Vec::new()),
            _ => Err(self.problem(
                value.line,
                format!("`{section}` of group `{group}` must be a mapping (`{section}:` then one `name:` per line), not a list or a value"),
            )),
        }
    }

    /// The hosts a host key names (ranges expanded) with their vars, into `group`.
    fn hosts(
        &self,
        draft: &mut Draft,
        group: usize,
        pattern: &Node,
        data: &Node,
    ) -> Result<(), InventoryError> {
        let written = self.name(pattern, "host")?;
        // `NAME:PORT` gives the host `ansible_port`, below its own vars (as Ansible).
        let (name, port) = split_port(&written);
        let mut vars = Vars::new();
        if let Some(port) = port {
            vars.insert(PORT_SHORTHAND_KEY.to_owned(), port.into());
        }
        match &data.kind {
            Kind::Map(_) => {
                if let serde_json::Value::Object(map) =
                    data.to_value(self.decrypt).map_err(|p| self.yaml(p))?
                {
                    for (key, value) in &map {
                        vars::insert(&mut vars, key, value);
                    }
                }
            }
            _ if data.is_null() => {}
            _ => {
                return Err(self.problem(
                    data.line,
                    format!("host `{name}` must be followed by a mapping of its vars (or nothing), not a value or a list"),
                ));
            }
        }
        draft
            .add_hosts(name, &vars, self.offset + pattern.line, Some(group))
            .map_err(|problem| self.draft_error(draft, pattern.line, &written, problem))
    }

    /// A YAML problem inside the file.
    fn yaml(&self, problem: YamlProblem) -> InventoryError {
        self.problem(problem.line, problem.message)
    }
}
