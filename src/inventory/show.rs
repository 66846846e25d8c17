//! Renderings for `herd inventory --list`, `--graph` and `--host NAME`.
//!
//! Each returns a `String` and prints nothing. Secret values (see
//! [`is_secret_key`](super::is_secret_key)) are shown as [`MASK`](crate::secret::MASK).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{ALL, Group, Host, Inventory, Reach};
use crate::ssh::Proxy;

/// The whole inventory as pretty JSON, shaped like `ansible-inventory --list`:
/// `{"_meta": {"hostvars": {HOST: {VARS}}}, "all": {"children": [...]},
/// GROUP: {"hosts": [...], "children": [...]}}`. Hostvars are the merged vars, typed,
/// secrets masked; as in Ansible a host without vars and a group with nothing in it are
/// left out. With `export` (`--export`), each group also shows its own `vars` and each
/// host only its own vars (see [`Host::own_vars`]), as `ansible-inventory --list --export`
/// does.
pub fn list_json(inventory: &Inventory, export: bool) -> String {
    let hostvars: Map<String, Value> = inventory
        .hosts()
        .iter()
        .filter(|host| !if export { &host.own_vars } else { &host.vars }.is_empty())
        .map(|host| {
            let shown = if export {
                host.shown_own_vars()
            } else {
                host.shown_vars()
            };
            (host.name.clone(), shown)
        })
        .collect();
    let mut root = Map::new();
    root.insert("_meta".to_owned(), json!({ "hostvars": hostvars }));
    for group in inventory.groups() {
        if let Some(entry) = group_json(group, export) {
            root.insert(group.name.clone(), entry);
        }
    }
    pretty(&Value::Object(root))
}

/// The merged vars of host `name` as pretty JSON; `None` if there is no such host.
pub fn host_vars_json(inventory: &Inventory, name: &str) -> Option<String> {
    inventory.host(name).map(|host| pretty(&host.shown_vars()))
}

/// `herd inventory --host NAME`: the host's merged vars (secrets masked) and, under
/// `herd_connection`, each effective connection setting with where it came from
/// (`{"address": {"value": "10.0.0.5", "from": "inventory: ansible_host"}, …}`), the jump
/// hosts in order, and what herd will not apply.
pub fn host_json(host: &Host, reach: &Reach) -> String {
    let mut vars = host.shown_vars();
    let mut connection = Map::new();
    for origin in &reach.origins {
        let entry = json!({ "value": origin.value, "from": origin.origin });
        match connection.get_mut(origin.setting) {
            // Settings given several times (identity files) become a list.
            Some(Value::Array(list)) => list.push(entry),
            Some(first) => *first = Value::Array(vec![first.take(), entry]),
            None => {
                connection.insert(origin.setting.to_owned(), entry);
            }
        }
    }
    if let Proxy::Jump(hops) = &reach.spec.proxy {
        let hops: Vec<String> = hops
            .iter()
            .map(|hop| format!("{}@{}", hop.user, hop.target()))
            .collect();
        connection.insert("jump hosts".to_owned(), json!(hops));
    }
    if !reach.unapplied.is_empty() {
        connection.insert("not applied".to_owned(), json!(reach.unapplied));
    }
    if let Value::Object(map) = &mut vars {
        map.insert("herd_connection".to_owned(), Value::Object(connection));
    }
    pretty(&vars)
}

/// The group tree in `ansible-inventory --graph` style, one line each, ending in a newline:
///
/// ```text
/// @all:
///   |--@ungrouped:
///   |--@web:
///   |  |--@web_eu:
///   |  |  |--web01
///   |  |--web02
/// ```
///
/// Under each group come its child groups (in the order listed), then its own hosts
/// (in the order listed). A group reached along several paths is drawn in full the
/// first time only; later it is one line, `@name: (shown above)`. Drawing it again each
/// time would take space exponential in the depth of such diamonds.
pub fn graph(inventory: &Inventory) -> String {
    let mut out = String::new();
    let mut drawn = HashSet::new();
    // Explicit stack of (group name or host name, depth, is_group): no recursion, so
    // deep nesting cannot overflow the stack.
    let mut stack = vec![(ALL, 0usize, true)];
    while let Some((name, depth, is_group)) = stack.pop() {
        if depth > 0 {
            out.push_str(&"  |".repeat(depth));
            out.push_str("--");
        }
        if !is_group {
            out.push_str(name);
            out.push('\n');
            continue;
        }
        out.push('@');
        out.push_str(name);
        out.push(':');
        let Some(group) = inventory.group(name) else {
            out.push('\n');
            continue;
        };
        let empty = group.children.is_empty() && group.hosts.is_empty();
        if !empty && !drawn.insert(name) {
            out.push_str(" (shown above)\n");
            continue;
        }
        out.push('\n');
        let children = group.children.iter().map(|c| (c.as_str(), depth + 1, true));
        let hosts = group.hosts.iter().map(|h| (h.as_str(), depth + 1, false));
        let mut below: Vec<_> = children.chain(hosts).collect();
        below.reverse();
        stack.extend(below);
    }
    out
}

/// A group's entry in [`list_json`]: only the fields it has; `None` if it has none.
fn group_json(group: &Group, export: bool) -> Option<Value> {
    let mut entry = Map::new();
    if !group.hosts.is_empty() {
        entry.insert("hosts".to_owned(), json!(group.hosts));
    }
    if !group.children.is_empty() {
        entry.insert("children".to_owned(), json!(group.children));
    }
    if export && !group.vars.is_empty() {
        entry.insert("vars".to_owned(), group.shown_vars());
    }
    (!entry.is_empty()).then_some(Value::Object(entry))
}

/// Pretty JSON text; serialising a `Value` cannot fail.
fn pretty(value: &Value) -> String {
    format!("{value:#}")
}
