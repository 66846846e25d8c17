//! `herd schema`: the playbook JSON Schema, for editors and CI checks.

use super::CommandError;
use crate::playbook;
use crate::report;

/// Prints [`playbook::schema_json`] on stdout.
pub fn print() -> Result<i32, CommandError> {
    report::print_document(&playbook::schema_json())?;
    Ok(0)
}
