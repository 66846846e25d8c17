//! Playbooks: YAML files of plays, each running steps on the hosts a pattern selects.
//!
//! [`load`] reads a playbook, parses it with explicit limits (size, nesting depth,
//! aliases), validates it and loads its `vars_files`, reporting every problem with
//! `file:line:col` and what to do. The result is a [`Playbook`] of [`Play`]s and
//! [`Step`]s that carry their source line, so later errors (an undefined variable at
//! plan time) can point back at the playbook.
//!
//! ```yaml
//! - name: Deploy the app
//!   hosts: web_clusters:db_servers:!h3
//!   vars: { app: shop }
//!   serial: 2
//!   steps:
//!     - name: Show disk
//!       run: df -h {{ data_dir | quote }}
//!       register: disk
//!     - put: { src: files/app.conf.j2, dest: /etc/shop/app.conf, mode: "0644", template: true }
//!     - get: { src: /var/log/shop.log, dest: "logs/{{ inventory_hostname }}/" }
//! ```
//!
//! The JSON Schema of this format ([`schema_json`]) is committed as
//! `schemas/playbook.schema.json` so editors can check playbooks as they are written.

mod delegate;
mod error;
mod files;
mod handlers;
mod import;
mod model;
mod raw;
mod schema;
mod source;
mod validate;
mod values;
mod yaml;

pub use error::{PlaybookError, Problem};
pub use model::{Action, GetSpec, Play, Playbook, PutSpec, Step, StepLoop, Strategy};
pub use schema::{schema_json, steps_schema_json};
pub use source::MAX_FILE_BYTES;
pub use values::{Condition, LoopSource, Mode, Serial};

pub(crate) use files::read_vars_file;
pub(crate) use source::read_text;
pub(crate) use validate::is_identifier;

use crate::vault::Vault;
use import::ImportChain;
use raw::RawPlaybook;
use source::{Source, file_problem};
use std::path::{Path, PathBuf};
use validate::{PlayBecome, Validator};

/// Reads, parses and validates the playbook at `path`, and loads its vars files.
///
/// Relative local paths in it are resolved against the playbook's directory. Files (and
/// values) encrypted with ansible-vault are refused: see [`load_with_vault`].
pub fn load(path: &Path) -> Result<Playbook, PlaybookError> {
    load_with_vault(path, &Vault::default())
}

/// [`load`], decrypting vars files and `!vault` values encrypted with ansible-vault with
/// the passwords in `vault`; what they held is marked secret ([`Play::secret_vars`]).
pub fn load_with_vault(path: &Path, vault: &Vault) -> Result<Playbook, PlaybookError> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    let base_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    parse_with_vault(&name, &text, base_dir, vault)
}

/// Parses and validates playbook `text`; `source_name` is how messages name it and
/// `base_dir` is where its relative local paths (vars files, `put` sources) start.
pub fn parse(source_name: &str, text: &str, base_dir: &Path) -> Result<Playbook, PlaybookError> {
    parse_with_vault(source_name, text, base_dir, &Vault::default())
}

/// [`parse`], with the passwords for ansible-vault data.
fn parse_with_vault(
    source_name: &str,
    text: &str,
    base_dir: &Path,
    vault: &Vault,
) -> Result<Playbook, PlaybookError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(file_problem(
            source_name,
            format!(
                "the playbook is {} bytes; files over {MAX_FILE_BYTES} bytes (10 MiB) are refused",
                text.len()
            ),
        )
        .into());
    }
    let source = Source {
        name: source_name,
        text,
    };
    let raw: RawPlaybook = match yaml::parse::<Option<RawPlaybook>>(source)? {
        Some(raw) if !raw.0.is_empty() => raw,
        _ => {
            return Err(file_problem(
                source_name,
                "the playbook has no plays; it should be a list of plays (`- hosts: …`)",
            )
            .into());
        }
    };
    let mut validator = Validator {
        source,
        lines: text.lines().collect(),
        base_dir,
        chain: ImportChain::new(source_name, Path::new(source_name), base_dir),
        vault,
        problems: Vec::new(),
        play_become: PlayBecome::default(),
    };
    let plays: Vec<Play> = raw
        .0
        .into_iter()
        .filter_map(|play| validator.play(play))
        .collect();
    if !validator.problems.is_empty() {
        return Err(PlaybookError {
            problems: validator.problems,
        });
    }
    Ok(Playbook {
        path: PathBuf::from(source_name),
        base_dir: base_dir.to_path_buf(),
        plays,
    })
}

#[cfg(test)]
mod tests;
