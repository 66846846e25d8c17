//! Fuzzes the playbook loader: YAML parsing under limits, validation, and variable
//! analysis of the `run:` templates of a valid playbook.
//!
//! Alias bombs, deep nesting and huge scalars must be refused by the loader's limits
//! in bounded time and memory; nothing may panic.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use herd::playbook::{self, Action};
use herd::template;
use herd_fuzz::cpu_limited;
use libfuzzer_sys::fuzz_target;
use tempfile::TempDir;

/// The playbook's directory: empty, created once, so relative `vars_files` and `put`
/// sources resolve somewhere harmless.
static BASE_DIR: LazyLock<TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));

fuzz_target!(|data: &[u8]| cpu_limited(|| check(data)));

/// Loads `data` as a playbook and, if it is valid, analyses its `run:` templates.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let base_dir: &Path = BASE_DIR.path();
    let Ok(book) = playbook::parse("fuzz.yml", &text, base_dir) else {
        return;
    };
    for step in book.plays.iter().flat_map(|play| &play.steps) {
        if let Action::Run(command) = &step.action {
            let _ = template::referenced_variables(command);
        }
    }
}
