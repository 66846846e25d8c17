//! The variables a template sees for one host, real and with secrets masked.
//!
//! Precedence, lowest first: the host's inventory vars (already merged by the
//! inventory), the play's `vars` (with its `vars_files` merged over them), `-e` extra
//! vars, then the magic variables: `inventory_hostname`, `group_names` (the host's
//! groups but `all`, sorted), `groups` (group → its hosts in inventory order, `all`
//! included) and `hostvars` (host → its inventory vars). A step's own `vars:` go
//! between the play's vars and `-e` ([`Layer`]). At run time the host's registered
//! results go on top of all of these.

use super::model::LoopNames;
use super::result::Registered;
use crate::inventory::{ALL, Host, Inventory, Vars};
use crate::secret::{MASK, SecretVars};
use crate::template::{Value, mask_secret_vars, mask_secrets};
use minijinja::value::{Serde, ValueKind, merge_maps};
use serde_json::Map;
use std::collections::BTreeMap;
use std::fmt;

/// One host's variables twice: as they are, and with every secret masked.
#[derive(Clone)]
pub(super) struct HostContext {
    /// What templates render with for the host.
    pub real: Value,
    /// The same with secret values replaced by `********`: what previews render with.
    pub shown: Value,
}

impl HostContext {
    /// The context with `layer` over it.
    pub fn with_layer(&self, layer: &Layer) -> HostContext {
        match &layer.0 {
            None => self.clone(),
            Some(top) => HostContext {
                real: merge_maps([self.real.clone(), top.real.clone()]),
                shown: merge_maps([self.shown.clone(), top.shown.clone()]),
            },
        }
    }

    /// The texts of the host's secret values (those its shown context masks, but the
    /// inventory-wide `groups` and `hostvars`), longest first: what
    /// [`mask_texts`] hides in a message that may quote a real value.
    pub fn secret_texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        if let Ok(keys) = self.real.try_iter() {
            for key in keys.filter(|key| !INVENTORY_WIDE.contains(&key.as_str().unwrap_or(""))) {
                let real = self.real.get_item(&key).unwrap_or_default();
                let shown = self.shown.get_item(&key).unwrap_or_default();
                collect_secret_texts(&real, &shown, &mut texts);
            }
        }
        texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        texts.dedup();
        texts
    }

    /// The context with the host's `registered` results over it.
    pub fn with_registered(&self, registered: &Registered) -> HostContext {
        if registered.is_empty() {
            return self.clone();
        }
        let results = Value::from(Serde(registered));
        HostContext {
            shown: merge_maps([self.shown.clone(), mask_secrets(&results)]),
            real: merge_maps([self.real.clone(), results]),
        }
    }
}

/// Variables over a host's context for one step (its `vars:`), real and with secrets
/// masked; empty for a step without any.
#[derive(Clone, Default)]
pub(super) struct Layer(Option<HostContext>);

impl Layer {
    /// A step's `vars`, without the names `-e` sets (extra vars beat step vars) or the
    /// magic variables (which beat every other); `secret` marks the ones that came from
    /// ansible-vault.
    pub fn step_vars(
        vars: &Map<String, serde_json::Value>,
        extra: &Map<String, serde_json::Value>,
        secret: &SecretVars,
    ) -> Layer {
        let kept: BTreeMap<&str, Value> = vars
            .iter()
            .filter(|(name, _)| !extra.contains_key(*name) && !MAGIC.contains(&name.as_str()))
            .map(|(name, value)| (name.as_str(), Value::from(Serde(value))))
            .collect();
        if kept.is_empty() {
            return Layer(None);
        }
        let real = Value::from(kept);
        Layer(Some(HostContext {
            shown: mask_secret_vars(&real, secret),
            real,
        }))
    }
}

impl Layer {
    /// A loop's item (and its position) under the loop's names: `shown` is the item
    /// with secrets masked.
    pub fn item(
        names: &LoopNames,
        (value, shown): (&serde_json::Value, &serde_json::Value),
        index: usize,
    ) -> Layer {
        let layer = |item: &serde_json::Value| {
            let mut vars = BTreeMap::from([(names.loop_var.as_str(), Value::from(Serde(item)))]);
            if let Some(index_var) = &names.index_var {
                vars.insert(index_var.as_str(), Value::from(index));
            }
            Value::from(vars)
        };
        Layer(Some(HostContext {
            real: layer(value),
            shown: layer(shown),
        }))
    }
}

impl fmt::Debug for Layer {
    /// Never the values: they may hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Layer")
    }
}

/// The magic variables that are the same for every host (not the host's own values).
const INVENTORY_WIDE: [&str; 2] = ["groups", "hostvars"];

/// Adds to `texts` each scalar of `real` that `shown` (the same value, masked) masks.
fn collect_secret_texts(real: &Value, shown: &Value, texts: &mut Vec<String>) {
    let all_masked = shown.as_str() == Some(MASK);
    let masked_part = |part: Result<Value, minijinja::Error>| match all_masked {
        true => shown.clone(),
        false => part.unwrap_or_default(),
    };
    match real.kind() {
        ValueKind::Seq => {
            let Ok(items) = real.try_iter() else { return };
            for (index, item) in items.enumerate() {
                let shown_item = masked_part(shown.get_item_by_index(index));
                collect_secret_texts(&item, &shown_item, texts);
            }
        }
        ValueKind::Map => {
            let Ok(keys) = real.try_iter() else { return };
            for key in keys {
                let part = real.get_item(&key).unwrap_or_default();
                collect_secret_texts(&part, &masked_part(shown.get_item(&key)), texts);
            }
        }
        ValueKind::Undefined | ValueKind::None => {}
        _ => {
            let text = real.to_string();
            if all_masked && !text.is_empty() && text != MASK {
                texts.push(text);
            }
        }
    }
}

/// `message` with every one of `texts` (secret values, longest first) shown as
/// `********`: for messages that may quote a real value (a remote path in an SSH error).
pub(super) fn mask_texts(message: &str, texts: &[String]) -> String {
    texts.iter().fold(message.to_owned(), |message, text| {
        message.replace(text.as_str(), MASK)
    })
}

/// The variables herd sets for every host, above all others.
const MAGIC: [&str; 4] = ["inventory_hostname", "group_names", "groups", "hostvars"];

/// `groups` and `hostvars`, the same for every host: built once, shared by every
/// host's context.
pub(super) struct InventoryVars {
    real: Value,
    shown: Value,
}

impl InventoryVars {
    /// The inventory-wide magic variables of `inventory`.
    pub fn new(inventory: &Inventory) -> Self {
        let groups: BTreeMap<&str, Vec<&str>> = inventory
            .groups()
            .iter()
            .map(|group| {
                let hosts = inventory.group_hosts(&group.name).unwrap_or_default();
                let names = hosts.iter().map(|host| host.name.as_str()).collect();
                (group.name.as_str(), names)
            })
            .collect();
        let hostvars: BTreeMap<&str, &Vars> = inventory
            .hosts()
            .iter()
            .map(|host| (host.name.as_str(), &host.vars))
            .collect();
        // Each host's vars masked by name and, for those from ansible-vault, by origin.
        let shown_hostvars: BTreeMap<&str, Value> = inventory
            .hosts()
            .iter()
            .map(|host| {
                let vars = Value::from(Serde(&host.vars));
                (
                    host.name.as_str(),
                    mask_secret_vars(&vars, &host.vault_vars),
                )
            })
            .collect();
        let hostvars = Value::from(Serde(&hostvars));
        let groups = Value::from(Serde(&groups));
        let map = |groups, hostvars| {
            Value::from(BTreeMap::from([("groups", groups), ("hostvars", hostvars)]))
        };
        InventoryVars {
            shown: map(groups.clone(), Value::from(shown_hostvars)),
            real: map(groups, hostvars),
        }
    }

    /// `host`'s context in a play with `play_vars`, under `extra_vars`; `secret` marks
    /// the variables that came from ansible-vault, masked in the shown context.
    pub fn host_context(
        &self,
        host: &Host,
        play_vars: &Map<String, serde_json::Value>,
        extra_vars: &Map<String, serde_json::Value>,
        secret: &SecretVars,
    ) -> HostContext {
        let mut own: BTreeMap<&str, Value> = host
            .vars
            .iter()
            .map(|(key, value)| (key.as_str(), Value::from(Serde(value))))
            .collect();
        for (key, value) in play_vars.iter().chain(extra_vars) {
            own.insert(key, Value::from(Serde(value)));
        }
        let group_names: Vec<&str> = host
            .groups
            .iter()
            .map(String::as_str)
            .filter(|group| *group != ALL)
            .collect();
        own.insert("inventory_hostname", Value::from(host.name.as_str()));
        own.insert("group_names", Value::from(Serde(&group_names)));
        let own = Value::from(own);
        // Vars from the inventory's vault files are secret too (a play var of the same
        // name over one is masked as well: never too little).
        let mut secret = secret.clone();
        secret.extend(host.vault_vars.clone());
        HostContext {
            shown: merge_maps([mask_secret_vars(&own, &secret), self.shown.clone()]),
            real: merge_maps([own, self.real.clone()]),
        }
    }
}
