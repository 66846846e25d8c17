//! `group_vars/` and `host_vars/`: vars files beside the inventory and the playbook.
//!
//! As Ansible's `host_group_vars` plugin: for a group or host `NAME`, in
//! `BASE/group_vars` (or `BASE/host_vars`), the first of `NAME`, `NAME.yml`,
//! `NAME.yaml`, `NAME.json` that exists; a file is read as YAML (JSON is YAML), a
//! directory gives every file in it and its subdirectories (sorted by name; hidden
//! names, names ending in `~` and extensions other than those three skipped), each
//! replacing the keys of the ones before. An empty file gives nothing; anything but a
//! mapping is an error. Vault-encrypted files and `!vault` values are decrypted by
//! the [`Decrypt`] given, or are errors saying what to do.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::InventoryError;
use super::is_secret_key;
use super::value::Vars;
use super::yaml_value;

/// Extensions of vars files, after the bare name (Ansible's `YAML_FILENAME_EXTENSIONS`).
pub const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// Most bytes one vars file may hold.
pub const MAX_VARS_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Turns a vault ciphertext (a whole file or one `!vault` value) into its plain text,
/// or says why it cannot.
pub type Decrypt<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// The vars of one group or host, merged from its files, with the files they came from.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FileVars {
    /// The merged vars.
    pub vars: Vars,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// The vars that came from a file encrypted with ansible-vault (secret).
    pub vault_keys: BTreeSet<String>,
    /// The files read that hold a literal secret (not encrypted).
    pub password_files: Vec<PathBuf>,
}

/// One `group_vars` or `host_vars` directory, listed once.
#[derive(Debug)]
pub(super) struct VarsDir {
    path: PathBuf,
    entries: HashSet<OsString>,
}

impl VarsDir {
    /// `base/kind` (`kind` is `group_vars` or `host_vars`), or `None` if it is not a
    /// directory.
    pub(super) fn open(base: &Path, kind: &str) -> Result<Option<VarsDir>, InventoryError> {
        let path = base.join(kind);
        if !path.is_dir() {
            return Ok(None);
        }
        let entries = std::fs::read_dir(&path)
            .and_then(|entries| {
                entries
                    .map(|entry| entry.map(|e| e.file_name()))
                    .collect::<Result<HashSet<_>, _>>()
            })
            .map_err(|source| InventoryError::Read {
                path: path.clone(),
                source,
            })?;
        Ok(Some(VarsDir { path, entries }))
    }

    /// The vars for `name` in this directory (empty if it has none).
    pub(super) fn vars_for(
        &self,
        name: &str,
        decrypt: Decrypt<'_>,
    ) -> Result<FileVars, InventoryError> {
        let mut found = FileVars::default();
        // A name that is a path (`/chroot/x`, `a/b`, `..`) has no vars file.
        if name.contains('/') || name == "." || name == ".." {
            return Ok(found);
        }
        let candidate = std::iter::once(name.to_owned())
            .chain(EXTENSIONS.iter().map(|ext| format!("{name}{ext}")))
            .find(|candidate| self.entries.contains(std::ffi::OsStr::new(candidate)));
        let Some(candidate) = candidate else {
            return Ok(found);
        };
        let path = self.path.join(candidate);
        let files = if path.is_dir() {
            dir_files(&path)?
        } else {
            vec![path]
        };
        for file in files {
            let (vars, encrypted) = read(&file, decrypt)?;
            if encrypted {
                found.vault_keys.extend(vars.keys().cloned());
            } else if vars.keys().any(|key| is_secret_key(key)) {
                found.password_files.push(file.clone());
            }
            found.vars.extend(vars);
            found.files.push(file);
        }
        Ok(found)
    }
}

/// The files of a vars directory, as Ansible lists them (`_get_dir_vars_files`).
fn dir_files(dir: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut seen = HashSet::new();
    while let Some(path) = pending.pop() {
        let read_error = |source| InventoryError::Read {
            path: path.clone(),
            source,
        };
        if !path.is_dir() {
            found.push(path);
            continue;
        }
        if !seen.insert(std::fs::canonicalize(&path).map_err(read_error)?) {
            continue;
        }
        let mut entries: Vec<(OsString, bool)> = std::fs::read_dir(&path)
            .and_then(|entries| {
                entries
                    .map(|entry| {
                        let entry = entry?;
                        let is_dir = std::fs::metadata(entry.path())?.is_dir();
                        Ok((entry.file_name(), is_dir))
                    })
                    .collect::<std::io::Result<Vec<_>>>()
            })
            .map_err(read_error)?;
        entries.sort();
        let wanted = entries.into_iter().filter(|(name, is_dir)| {
            let name = name.to_string_lossy();
            let extension = Path::new(name.as_ref())
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()));
            !name.starts_with('.')
                && !name.ends_with('~')
                && match (&extension, is_dir) {
                    (None, _) => true,
                    (Some(ext), false) => EXTENSIONS.contains(&ext.as_str()),
                    (Some(_), true) => false,
                }
        });
        let children: Vec<PathBuf> = wanted.map(|(name, _)| path.join(name)).collect();
        pending.extend(children.into_iter().rev());
    }
    Ok(found)
}

/// The vars in one file (a mapping, or nothing for an empty file), and whether the file
/// was encrypted with ansible-vault.
pub(super) fn read(
    path: &Path,
    decrypt: Decrypt<'_>,
) -> Result<(Map<String, Value>, bool), InventoryError> {
    let text = super::read_text(path, MAX_VARS_FILE_BYTES)?;
    let source = path.display().to_string();
    let problem = |line: usize, message: String| InventoryError::File {
        at: super::Location {
            source: source.clone(),
            line,
        },
        message,
    };
    let encrypted = crate::vault::is_encrypted(&text);
    let text = if encrypted {
        decrypt(&text).map_err(|message| problem(1, format!("this file {message}")))?
    } else {
        text
    };
    let root = yaml_value::parse_document(&text).map_err(|p| problem(p.line, p.message))?;
    if root.is_null() {
        return Ok((Map::new(), encrypted));
    }
    if root.as_map().is_none() {
        return Err(problem(
            root.line,
            "a vars file must be a mapping of variable names to values".to_owned(),
        ));
    }
    match root.to_value(decrypt) {
        Ok(Value::Object(map)) => Ok((map, encrypted)),
        Ok(_) => Ok((Map::new(), encrypted)),
        Err(p) => Err(problem(p.line, p.message)),
    }
}

/// Every group's and host's file vars from the `group_vars`/`host_vars` beside each of
/// `bases`, lowest precedence first (the inventory's, then the playbook's).
#[derive(Debug, Default)]
pub struct VarsFiles {
    /// Per base: each group's vars, by group name (only groups with files).
    pub groups: Vec<BTreeMap<String, FileVars>>,
    /// Per base: each host's vars, by host name (only hosts with files).
    pub hosts: Vec<BTreeMap<String, FileVars>>,
}

impl VarsFiles {
    /// The vars files of the groups `names`, in that order: every one of the inventory's
    /// first, then the playbook's.
    pub(super) fn group_layers<'s>(
        &'s self,
        names: &'s [&'s str],
    ) -> impl Iterator<Item = &'s Vars> + Clone + 's {
        self.groups
            .iter()
            .flat_map(move |by_name| names.iter().filter_map(|name| by_name.get(*name)))
            .map(|found| &found.vars)
    }

    /// The vars files of host `name`: the inventory's, then the playbook's.
    pub(super) fn host_layers<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Vars> + Clone + 's {
        self.hosts
            .iter()
            .filter_map(move |by_name| by_name.get(name))
            .map(|found| &found.vars)
    }

    /// Reads the vars files for `groups` and `hosts` beside each of `bases`.
    pub(super) fn load<'a>(
        bases: &[PathBuf],
        groups: impl Iterator<Item = &'a str> + Clone,
        hosts: impl Iterator<Item = &'a str> + Clone,
        decrypt: Decrypt<'_>,
    ) -> Result<VarsFiles, InventoryError> {
        let mut loaded = VarsFiles::default();
        for base in bases {
            loaded
                .groups
                .push(for_names(base, "group_vars", groups.clone(), decrypt)?);
            loaded
                .hosts
                .push(for_names(base, "host_vars", hosts.clone(), decrypt)?);
        }
        Ok(loaded)
    }
}

fn for_names<'a>(
    base: &Path,
    kind: &str,
    names: impl Iterator<Item = &'a str>,
    decrypt: Decrypt<'_>,
) -> Result<BTreeMap<String, FileVars>, InventoryError> {
    let Some(dir) = VarsDir::open(base, kind)? else {
        return Ok(BTreeMap::new());
    };
    let mut found = BTreeMap::new();
    for name in names {
        let vars = dir.vars_for(name, decrypt)?;
        if !vars.files.is_empty() {
            found.insert(name.to_owned(), vars);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_vault(_: &str) -> Result<String, String> {
        Err("is encrypted".to_owned())
    }

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn finds_files_and_folders_as_ansible_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "group_vars/web.yml", "a: 1\nb: x\n");
        write(root, "group_vars/web.json", "{\"a\": 2}");
        write(root, "group_vars/db/10.yml", "a: 1\nb: 1\n");
        write(root, "group_vars/db/20", "b: 2\n");
        write(root, "group_vars/db/sub/30.yaml", "c: [1]\n");
        write(root, "group_vars/db/skip.txt", "a: nope\n");
        write(root, "group_vars/db/.hidden.yml", "a: nope\n");
        write(root, "group_vars/db/old.yml~", "a: nope\n");
        write(root, "group_vars/empty.yml", "");
        write(root, "host_vars/h1", "{\"x\": true}\n");
        let loaded = VarsFiles::load(
            &[root.to_path_buf()],
            ["web", "db", "empty", "none"].into_iter(),
            ["h1", "h2"].into_iter(),
            &no_vault,
        )
        .unwrap();
        let groups = &loaded.groups[0];
        assert_eq!(
            Value::Object(groups["web"].vars.clone().into_iter().collect()),
            json!({"a": 1, "b": "x"})
        );
        assert_eq!(
            Value::Object(groups["db"].vars.clone().into_iter().collect()),
            json!({"a": 1, "b": 2, "c": [1]})
        );
        assert_eq!(groups["db"].files.len(), 3);
        assert!(groups["empty"].vars.is_empty());
        assert!(!groups.contains_key("none"));
        assert_eq!(
            Value::Object(loaded.hosts[0]["h1"].vars.clone().into_iter().collect()),
            json!({"x": true})
        );
    }

    #[test]
    fn bad_files_are_errors_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "group_vars/list.yml", "\n- a\n- b\n");
        write(root, "group_vars/bad.yml", "a: 1\n  b: [\n");
        write(
            root,
            "group_vars/vault.yml",
            "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
        );
        let load = |group: &str| {
            VarsFiles::load(
                &[root.to_path_buf()],
                [group].into_iter(),
                [].into_iter(),
                &no_vault,
            )
            .unwrap_err()
            .to_string()
        };
        let list = load("list");
        assert!(
            list.contains("group_vars/list.yml:2: a vars file must be a mapping"),
            "{list}"
        );
        assert!(load("bad").contains("group_vars/bad.yml:2"));
        assert!(load("vault").contains("group_vars/vault.yml:1: this file is encrypted"));
    }
}
