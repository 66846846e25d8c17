//! Reading an inventory from where Ansible users keep it: a file (INI, YAML or an
//! executable script) or a directory of them, with `group_vars/` and `host_vars/`.
//!
//! Each file is read as Ansible's inventory plugins would take it, in their order: an
//! executable file is run as a script (unless the system says it is no program at all);
//! a file named `.yml`, `.yaml`, `.json` or without extension is a YAML inventory if it
//! is a YAML mapping, else INI (as Ansible falls through from its `yaml` plugin to
//! `ini`); any other file is INI; `.toml` is refused. A file encrypted with
//! ansible-vault is decrypted first. All files of a directory go into one inventory, so
//! a group may get hosts in one file and children or vars in another.
//!
//! Then the vars files beside the inventory (the directory itself, or the file's
//! directory), and beside the playbook when one is given, for every group and host:
//! see [`vars_files`](super::vars_files) and, for precedence, [`resolve`](super::resolve).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::budget::Limits;
use super::error::{InventoryError, Location};
use super::parse::Draft;
use super::value::Vars;
use super::vars_files::{Decrypt, VarsFiles};
use super::{Inventory, MAX_FILE_BYTES, dir, read_text, resolve, script};
use super::{yaml_inventory, yaml_value};
use crate::secret::SecretVars;
use crate::vault::{self, Vault};
use serde_json::Value;

/// What, besides its path, says how an inventory is read.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The playbook's directory: its `group_vars/` and `host_vars/` apply too, above the
    /// inventory's (`herd play`, `herd inventory --playbook-dir`).
    pub playbook_dir: Option<PathBuf>,
    /// How long an inventory script may run (`--list`, and each `--host`).
    pub script_timeout: Duration,
    /// The vault passwords for encrypted files and `!vault` values.
    pub vault: Vault,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            playbook_dir: None,
            script_timeout: script::DEFAULT_TIMEOUT,
            vault: Vault::default(),
        }
    }
}

impl Inventory {
    /// Reads the inventory at `path` (a file or a directory) with its vars files;
    /// errors name the file and line.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        Inventory::load_with(path, &LoadOptions::default())
    }

    /// [`Inventory::load`] with a playbook directory, a script timeout and vault passwords.
    pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Inventory, InventoryError> {
        let is_dir = std::fs::metadata(path)
            .map_err(|source| InventoryError::Read {
                path: path.to_path_buf(),
                source,
            })?
            .is_dir();
        let files = if is_dir {
            dir::files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let mut draft = Draft::new(&path.display().to_string(), Limits::default());
        let mut password_files = Vec::new();
        let revealed = RefCell::new(Revealed::default());
        let decrypt = |text: &str| {
            let plain = options
                .vault
                .decrypt_text(text)
                .map_err(|e| e.to_string())?;
            revealed.borrow_mut().texts.insert(plain.clone());
            Ok(plain)
        };
        for file in &files {
            let had_passwords = std::mem::take(&mut draft.has_passwords);
            let encrypted = read_file(&mut draft, file, options, &decrypt)?;
            if encrypted {
                // Any var the draft holds now may have come from the encrypted file.
                revealed.borrow_mut().note_draft(&draft);
            } else if draft.has_passwords {
                password_files.push(file.clone());
            }
            draft.has_passwords |= had_passwords;
        }
        let inventory_base = if is_dir {
            path.to_path_buf()
        } else {
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        let bases: Vec<PathBuf> = std::iter::once(inventory_base)
            .chain(options.playbook_dir.clone())
            .collect();
        let vars_files = VarsFiles::load(
            &bases,
            draft.groups.iter().map(|group| group.name.as_str()),
            draft.hosts.iter().map(|host| host.name.as_str()),
            &decrypt,
        )?;
        let every_file_vars = vars_files
            .groups
            .iter()
            .chain(&vars_files.hosts)
            .flat_map(|by_name| by_name.values());
        for file_vars in every_file_vars {
            for key in &file_vars.vault_keys {
                revealed.borrow_mut().note(key, &file_vars.vars[key]);
            }
            if !file_vars.password_files.is_empty() {
                draft.has_passwords = true;
                password_files.extend(file_vars.password_files.iter().cloned());
            }
        }
        draft.vars_files = vars_files;
        let mut inventory = resolve::resolve(draft)?;
        revealed.into_inner().mark(&mut inventory);
        password_files.sort();
        password_files.dedup();
        inventory.password_files = password_files;
        Ok(inventory)
    }
}

/// What came out of ansible-vault while loading, to mark the vars holding it secret.
#[derive(Default)]
struct Revealed {
    /// Every decrypted text (`!vault` values; whole files too, harmlessly).
    texts: HashSet<String>,
    /// The vars of encrypted files, by name: each value they were given.
    vars: HashMap<String, Vec<Value>>,
}

impl Revealed {
    /// Notes var `key` = `value` as from an encrypted file.
    fn note(&mut self, key: &str, value: &Value) {
        self.vars
            .entry(key.to_owned())
            .or_default()
            .push(value.clone());
    }

    /// Notes every var `draft` holds as from an encrypted file.
    fn note_draft(&mut self, draft: &Draft) {
        let groups = draft.groups.iter().map(|group| &group.vars);
        for vars in groups.chain(draft.hosts.iter().map(|host| &host.vars)) {
            for (key, value) in vars {
                self.note(key, value);
            }
        }
    }

    /// Whether var `key` holding `value` came from the vault (or holds what did).
    fn holds(&self, key: &str, value: &Value) -> bool {
        self.vars
            .get(key)
            .is_some_and(|values| values.contains(value))
            || self.holds_text(value)
    }

    fn holds_text(&self, value: &Value) -> bool {
        match value {
            Value::String(text) => self.texts.contains(text),
            Value::Array(items) => items.iter().any(|item| self.holds_text(item)),
            Value::Object(map) => map.values().any(|item| self.holds_text(item)),
            _ => false,
        }
    }

    /// Marks, on every host and group of `inventory`, the vars holding vault values.
    fn mark(&self, inventory: &mut Inventory) {
        if self.texts.is_empty() && self.vars.is_empty() {
            return;
        }
        let marked = |vars: &Vars| {
            let mut secret = SecretVars::default();
            for (key, value) in vars {
                if self.holds(key, value) {
                    secret.mark(std::slice::from_ref(key));
                }
            }
            secret
        };
        for host in &mut inventory.hosts {
            host.vault_vars = marked(&host.vars);
            host.vault_vars.extend(marked(&host.own_vars));
        }
        for group in &mut inventory.groups {
            group.vault_vars = marked(&group.vars);
        }
    }
}

/// How a file is read, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `.yml`, `.yaml`, `.json`, or no extension: YAML if it is a mapping, else INI.
    YamlOrIni,
    /// `.toml`: refused.
    Toml,
    /// Anything else.
    Ini,
}

fn format(path: &Path) -> Format {
    match path.extension().and_then(|ext| ext.to_str()) {
        None => Format::YamlOrIni,
        Some("yml" | "yaml" | "json") => Format::YamlOrIni,
        Some("toml") => Format::Toml,
        Some(_) => Format::Ini,
    }
}

/// Reads one inventory file into `draft`; true if it was encrypted with ansible-vault.
fn read_file(
    draft: &mut Draft,
    path: &Path,
    options: &LoadOptions,
    decrypt: Decrypt<'_>,
) -> Result<bool, InventoryError> {
    let source = path.display().to_string();
    let at = |line: usize| Location {
        source: source.clone(),
        line,
    };
    let executable = std::fs::metadata(path)
        .map(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
        .unwrap_or(false);
    if executable {
        if let Some(output) = script::run(path, &["--list"], options.script_timeout)? {
            script::read(draft, path, &output, options.script_timeout)?;
            return Ok(false);
        }
    }
    let format = format(path);
    if format == Format::Toml {
        return Err(InventoryError::File {
            at: at(1),
            message: "TOML inventories are not read by herd; convert it to YAML or INI (`ansible-inventory -i FILE --list --yaml` prints it as YAML)".to_owned(),
        });
    }
    let mut text = read_text(path, MAX_FILE_BYTES)?;
    let encrypted = vault::is_encrypted(&text);
    if encrypted {
        text = decrypt(&text).map_err(|message| InventoryError::File {
            at: at(1),
            message: format!("this file {message}"),
        })?;
    }
    let lines = text.lines().count();
    if format == Format::Ini {
        let offset = draft.begin_file(&source, lines);
        draft.read_ini(&text, offset)?;
        return Ok(encrypted);
    }
    let yaml = yaml_value::parse_document(&text);
    if let Ok(root) = &yaml {
        if root.as_map().is_some() {
            let offset = draft.begin_file(&source, lines);
            yaml_inventory::read(draft, &source, offset, root, decrypt)?;
            return Ok(encrypted);
        }
    }
    // Not a YAML mapping: INI, as Ansible's `ini` plugin takes what `yaml` declined.
    let offset = draft.begin_file(&source, lines);
    match (draft.read_ini(&text, offset), path.extension()) {
        (Ok(()), _) => Ok(encrypted),
        (Err(ini_error), None) => Err(ini_error),
        // A `.yml`/`.yaml`/`.json` file is meant as YAML: say what is wrong with it as YAML.
        (Err(_), Some(_)) => Err(match yaml {
            Err(problem) => InventoryError::File {
                at: at(problem.line),
                message: problem.message,
            },
            Ok(root) => InventoryError::File {
                at: at(root.line),
                message: if root.is_null() {
                    "the YAML inventory is empty; write `all:` with `hosts:`, `vars:` and `children:`".to_owned()
                } else {
                    "a YAML inventory is a mapping of group names (usually `all:`) to groups"
                        .to_owned()
                },
            },
        }),
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
