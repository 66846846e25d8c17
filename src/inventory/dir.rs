//! `-i DIR`: the files of an inventory directory, in the order Ansible reads them.
//!
//! As ansible-core's `InventoryManager.parse_source`: the entries of the directory
//! sorted by name (bytes), each subdirectory read the same way in its place, skipping
//! hidden entries, `group_vars`, `host_vars`, `vars_plugins` and names ending in one of
//! [`IGNORED_ENDINGS`] (Ansible's `INVENTORY_IGNORE_EXTS` default). A directory reached
//! twice through symbolic links is read once.

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::error::InventoryError;

/// Name endings Ansible skips in an inventory directory.
pub const IGNORED_ENDINGS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];

/// Entry names Ansible skips in an inventory directory, whatever they end in.
const IGNORED_NAMES: [&str; 3] = ["group_vars", "host_vars", "vars_plugins"];

/// Most files one inventory directory (with its subdirectories) may hold.
pub const MAX_FILES: usize = 10_000;

/// True if Ansible skips the entry called `name` in an inventory directory.
pub fn ignored(name: &[u8]) -> bool {
    name.starts_with(b".")
        || IGNORED_NAMES.iter().any(|n| name == n.as_bytes())
        || IGNORED_ENDINGS.iter().any(|e| name.ends_with(e.as_bytes()))
}

/// Every file of the inventory directory `dir`, in reading order.
pub(super) fn files(dir: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    // Entries still to visit, last first, so popping keeps the sorted order depth-first.
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let read_error = |source| InventoryError::Read {
            path: path.clone(),
            source,
        };
        let metadata = std::fs::metadata(&path).map_err(read_error)?;
        if !metadata.is_dir() {
            if found.len() == MAX_FILES {
                return Err(read_error(std::io::Error::other(format!(
                    "the inventory directory {} holds more than {MAX_FILES} files",
                    dir.display()
                ))));
            }
            found.push(path);
            continue;
        }
        let real = std::fs::canonicalize(&path).map_err(read_error)?;
        if !seen.insert(real) {
            continue;
        }
        let mut names: Vec<_> = std::fs::read_dir(&path)
            .and_then(|entries| {
                entries
                    .map(|entry| entry.map(|e| e.file_name()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(read_error)?
            .into_iter()
            .filter(|name| !ignored(name.as_bytes()))
            .collect();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        pending.extend(names.iter().rev().map(|name| path.join(name)));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_what_ansible_ignores() {
        for name in [
            ".hidden",
            "group_vars",
            "host_vars",
            "vars_plugins",
            "a.retry",
            "a.orig",
            "x~",
            "notes.md",
            "a.txt",
            "ansible.cfg",
            "b.pyc",
            "c.swp",
            "d.bak",
            "e.rst",
            "f.rpm",
        ] {
            assert!(ignored(name.as_bytes()), "{name}");
        }
        for name in [
            "hosts",
            "hosts.ini",
            "prod.yml",
            "a.json",
            "inventory.py",
            "md",
            "group_vars2",
        ] {
            assert!(!ignored(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn lists_sorted_depth_first_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "b.ini",
            "a.yml",
            "sub/z",
            "sub/a",
            "Z",
            "group_vars/all.yml",
            ".git/x",
            "c.retry",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let names: Vec<String> = files(root)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["Z", "a.yml", "b.ini", "sub/a", "sub/z"]);
        assert!(files(&root.join("missing")).is_err());
    }
}
