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

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::budget::Limits;
use super::error::{InventoryError, Location};
use super::parse::Draft;
use super::vars_files::VarsFiles;
use super::{Inventory, MAX_FILE_BYTES, dir, is_secret_key, read_text, resolve, script};
use super::{yaml_inventory, yaml_value};
use crate::vault::{self, Vault};

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
        for file in &files {
            let had_passwords = std::mem::take(&mut draft.has_passwords);
            read_file(&mut draft, file, options)?;
            if draft.has_passwords {
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
        let decrypt = |text: &str| decrypt(&options.vault, text);
        let vars_files = VarsFiles::load(
            &bases,
            draft.groups.iter().map(|group| group.name.as_str()),
            draft.hosts.iter().map(|host| host.name.as_str()),
            &decrypt,
        )?;
        for file_vars in vars_files
            .groups
            .iter()
            .chain(&vars_files.hosts)
            .flat_map(|by_name| by_name.values())
        {
            if file_vars.vars.keys().any(|key| is_secret_key(key)) {
                draft.has_passwords = true;
                password_files.extend(file_vars.files.iter().cloned());
            }
        }
        draft.vars_files = vars_files;
        let mut inventory = resolve::resolve(draft)?;
        password_files.sort();
        password_files.dedup();
        inventory.password_files = password_files;
        Ok(inventory)
    }
}

/// The plain text of vault data, or the vault's reason why not (to follow what it was:
/// "this file is encrypted …").
fn decrypt(vault: &Vault, text: &str) -> Result<String, String> {
    vault.decrypt_text(text).map_err(|error| error.to_string())
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

/// Reads one inventory file into `draft`.
fn read_file(draft: &mut Draft, path: &Path, options: &LoadOptions) -> Result<(), InventoryError> {
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
            return script::read(draft, path, &output, options.script_timeout);
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
    if vault::is_encrypted(&text) {
        text = options
            .vault
            .decrypt_text(&text)
            .map_err(|error| InventoryError::File {
                at: at(1),
                message: format!("the inventory {error}"),
            })?;
    }
    let lines = text.lines().count();
    if format == Format::Ini {
        let offset = draft.begin_file(&source, lines);
        return draft.read_ini(&text, offset);
    }
    let yaml = yaml_value::parse_document(&text);
    if let Ok(root) = &yaml {
        if root.as_map().is_some() {
            let offset = draft.begin_file(&source, lines);
            let decrypt = |text: &str| decrypt(&options.vault, text);
            return yaml_inventory::read(draft, &source, offset, root, &decrypt);
        }
    }
    // Not a YAML mapping: INI, as Ansible's `ini` plugin takes what `yaml` declined.
    let offset = draft.begin_file(&source, lines);
    match (draft.read_ini(&text, offset), path.extension()) {
        (Ok(()), _) => Ok(()),
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
