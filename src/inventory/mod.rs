//! The INI inventory (Ansible's dialect): hosts, groups, children, vars and ranges.
//!
//! [`Inventory::parse`] reads the whole text in two passes: `parse` turns lines into
//! a draft (hosts, groups, vars, each with its line), then `resolve` checks what
//! needs the whole file (children exist, no cycles, `[g:vars]` groups are defined) and
//! merges each host's vars by precedence. Any problem is an [`InventoryError`] with
//! `file:line`; an inventory with an error yields no hosts at all.
//!
//! Merge precedence, lowest first: `[all:vars]`, then the host's groups ordered by
//! depth (distance from `all` along the longest children path; ties by group name, as
//! Ansible does), then the host's own line. Keys that are aliases of one connection
//! setting (`port`/`ansible_port`, …) replace each other.
//!
//! Values are typed as Ansible types them ([`VarValue`], a JSON value): an INI value
//! that is a Python literal (`5`, `True`, `'x'`, `[1, 2]`) is that value ([`from_ini`]),
//! other text a string.
//!
//! Secret values (see [`is_secret_key`]) never appear in errors or `Debug` output.

mod budget;
mod connection;
mod dir;
mod error;
mod literal;
mod load;
mod parse;
pub mod range;
mod reach;
mod redact;
mod resolve;
mod script;
pub mod show;
mod value;
mod vars;
mod vars_files;
mod yaml_inventory;
mod yaml_value;

use std::collections::HashMap;
use std::fmt;

use crate::secret::SecretVars;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use budget::{Limits, MAX_GROUP_STEPS, MAX_HOST_DATA};
pub use connection::DEFAULT_PORT;
pub use error::{Conflict, ConnectionProblem, InventoryError, Location, Problem};
pub use load::LoadOptions;
pub use range::{HostPattern, MAX_HOSTS, RangeError};
pub use reach::{Origin, PROXY_JUMP, Reach, SshSettings};
pub use value::{VarValue, Vars, as_text, from_ini, masked, masked_vars};
pub use vars::is_secret_key;

/// The implicit group every host belongs to.
pub const ALL: &str = "all";

/// The implicit group of hosts that are in no other group.
pub const UNGROUPED: &str = "ungrouped";

/// Where the inventory is read from when `-i` is not given and `HERD_INVENTORY` is unset.
pub const DEFAULT_INVENTORY: &str = "inventory/hosts.ini";

/// A parsed, checked inventory. Built only by [`Inventory::load`] or [`Inventory::parse`].
#[derive(Debug, Clone)]
pub struct Inventory {
    source: String,
    hosts: Vec<Host>,
    host_index: HashMap<String, usize>,
    groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    has_passwords: bool,
    /// The files that hold literal secrets (see [`Inventory::password_files`]).
    password_files: Vec<PathBuf>,
}

impl Inventory {
    /// Parses inventory `text`; `source` names it in errors (`source:line`).
    pub fn parse(source: &str, text: &str) -> Result<Inventory, InventoryError> {
        Inventory::parse_within(source, text, Limits::default())
    }

    /// [`Inventory::parse`] within other limits than herd's own (the fuzz target uses
    /// smaller ones, so that each input takes milliseconds however far it multiplies).
    pub fn parse_within(
        source: &str,
        text: &str,
        limits: Limits,
    ) -> Result<Inventory, InventoryError> {
        resolve::resolve(parse::parse(source, text, limits)?)
    }

    /// Every host once, in order of first appearance in the file.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.host_index.get(name).map(|&i| &self.hosts[i])
    }

    /// Every group, `all` and `ungrouped` first, then in order of definition.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.group_index.get(name).map(|&i| &self.groups[i])
    }

    /// The hosts of group `name` and of all its descendants, once each, in inventory
    /// order; `None` if there is no such group.
    pub fn group_hosts(&self, name: &str) -> Option<Vec<&Host>> {
        let group = self.group(name)?;
        Some(
            self.hosts
                .iter()
                .filter(|host| host.groups.binary_search(&group.name).is_ok())
                .collect(),
        )
    }

    /// True if any host or group var holds a literal secret (a password, not a
    /// `password_env`): the file then deserves restrictive permissions.
    pub fn has_passwords(&self) -> bool {
        self.has_passwords
    }

    /// The files read that hold a literal secret (a password, not a `password_env`),
    /// which deserve restrictive permissions; empty for an inventory parsed from text.
    pub fn password_files(&self) -> &[PathBuf] {
        &self.password_files
    }

    /// The name the inventory was parsed under (its path, for [`Inventory::load`]).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The position of host `name` in [`Inventory::hosts`].
    pub(crate) fn host_position(&self, name: &str) -> Option<usize> {
        self.host_index.get(name).copied()
    }
}

/// One host with its vars merged by precedence.
#[derive(Clone, PartialEq, Eq)]
pub struct Host {
    /// The inventory name (also the default address).
    pub name: String,
    /// Every var that applies to the host, precedence applied, typed as Ansible types it.
    pub vars: Vars,
    /// The host's own vars: from its inventory entries, then its `host_vars/` files (what
    /// `ansible-inventory --list --export` shows for it).
    pub own_vars: Vars,
    /// Every group the host is in, directly or through children, including `all`
    /// (and `ungrouped` when it is in no other group); sorted.
    pub groups: Vec<String>,
    /// The vars whose values came from ansible-vault: secret whatever their names.
    pub vault_vars: SecretVars,
}

impl Host {
    /// The host's vars as shown (`herd inventory`): secrets masked, by name and from the
    /// vault.
    pub fn shown_vars(&self) -> serde_json::Value {
        shown_vars(&self.vars, &self.vault_vars)
    }

    /// The host's own vars ([`Host::own_vars`]) as shown, secrets masked.
    pub fn shown_own_vars(&self) -> serde_json::Value {
        shown_vars(&self.own_vars, &self.vault_vars)
    }
}

/// `vars` as shown: secret names masked (see [`masked_vars`]), and the vars `vault` marks.
fn shown_vars(vars: &Vars, vault: &SecretVars) -> serde_json::Value {
    let mut shown = masked_vars(vars);
    if let serde_json::Value::Object(map) = &mut shown {
        for (key, value) in map.iter_mut() {
            if vault.part(key).is_whole() {
                *value = serde_json::Value::String(crate::secret::MASK.to_owned());
            }
        }
    }
    shown
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("name", &self.name)
            .field("vars", &self.shown_vars())
            .field("own_vars", &self.shown_own_vars())
            .field("groups", &self.groups)
            .finish()
    }
}

/// One group as written in the inventory.
#[derive(Clone, PartialEq, Eq)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// Hosts listed directly in the group, in the order listed. For `ungrouped`, the
    /// hosts in no other group; for `all`, none (its hosts come through `children`).
    pub hosts: Vec<String>,
    /// Direct child groups, in the order listed. For `all`, every group without a parent.
    pub children: Vec<String>,
    /// The group's own vars (`[group:vars]`, then its `group_vars/` files), before any
    /// merging with other groups.
    pub vars: Vars,
    /// The vars whose values came from ansible-vault: secret whatever their names.
    pub vault_vars: SecretVars,
}

impl Group {
    /// The group's own vars as shown: secrets masked, by name and from the vault.
    pub fn shown_vars(&self) -> serde_json::Value {
        shown_vars(&self.vars, &self.vault_vars)
    }
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("name", &self.name)
            .field("hosts", &self.hosts)
            .field("children", &self.children)
            .field("vars", &self.shown_vars())
            .finish()
    }
}

/// The largest inventory file read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The UTF-8 text of the file at `path`, refused past `limit` bytes (read no further, so
/// `/dev/zero` ends); errors name the path.
fn read_text(path: &Path, limit: u64) -> Result<String, InventoryError> {
    let read_error = |source| InventoryError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(read_error(std::io::Error::other(format!(
            "it is larger than {limit} bytes ({} MiB), the most herd reads",
            limit >> 20
        ))));
    }
    String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })
}

/// The inventory to read: `flag` (`-i FILE`) if given, else `$HERD_INVENTORY` if set
/// and not empty, else [`DEFAULT_INVENTORY`] relative to the current directory.
pub fn default_inventory_path(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> PathBuf {
    if let Some(path) = flag {
        return path.to_path_buf();
    }
    match env("HERD_INVENTORY") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(DEFAULT_INVENTORY),
    }
}

#[cfg(test)]
mod tests;
