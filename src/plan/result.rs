//! What a step leaves behind for later steps: the value of its `register:` variable.

use super::model::{LoopItem, LoopNames};
use serde_json::{Map, Value, json};

/// The outcome of a step on one host, as later templates see it (`disk.stdout`).
///
/// Registered under the step's `register:` name, it becomes a variable with the keys
/// `stdout`, `stderr`, `rc`, `changed`, `skipped`, `failed`, and `stdout_lines` /
/// `stderr_lines` (the output split into lines, without their newlines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepResult {
    /// The command's standard output (lossily decoded UTF-8, without trailing newlines).
    pub stdout: String,
    /// The command's standard error (lossily decoded UTF-8, without trailing newlines).
    pub stderr: String,
    /// The exit status, when the command ran to an exit (0 for a transfer).
    pub rc: Option<i32>,
    /// Whether the step changed something on the host.
    pub changed: bool,
    /// Whether the step was skipped (`when:` false, `creates`/`removes`).
    pub skipped: bool,
    /// Whether the step failed.
    pub failed: bool,
}

impl StepResult {
    /// The result of a step that did not run on the host.
    pub fn skipped() -> Self {
        StepResult {
            skipped: true,
            ..StepResult::default()
        }
    }

    /// The variable's value.
    pub fn to_value(&self) -> Value {
        json!({
            "stdout": self.stdout,
            "stderr": self.stderr,
            "rc": self.rc,
            "changed": self.changed,
            "skipped": self.skipped,
            "failed": self.failed,
            "stdout_lines": self.stdout.lines().collect::<Vec<_>>(),
            "stderr_lines": self.stderr.lines().collect::<Vec<_>>(),
        })
    }
}

/// The results of a looped step's items on one host, in item order.
///
/// Registered, it is what Ansible registers for a loop: `results` (each item's result
/// with the item under its loop variable, `ansible_loop_var`, and its position under
/// `index_var` if one is set), `changed` and `failed` (any item), `skipped` (every
/// item, or no item at all) and `msg` (or `skipped_reason` when there was no item).
#[derive(Debug, Clone, Default)]
pub struct LoopResults {
    results: Vec<StepResult>,
    entries: Vec<Value>,
}

impl LoopResults {
    /// Adds the result of `item` (of a loop that names it as `names` says).
    pub fn push(&mut self, names: &LoopNames, item: &LoopItem, result: StepResult) {
        let mut entry = result.to_value();
        if let Value::Object(map) = &mut entry {
            map.insert(names.loop_var.clone(), item.value.clone());
            map.insert("ansible_loop_var".into(), names.loop_var.clone().into());
            if let Some(index_var) = &names.index_var {
                map.insert(index_var.clone(), item.index.into());
                map.insert("ansible_index_var".into(), index_var.clone().into());
            }
        }
        self.entries.push(entry);
        self.results.push(result);
    }

    /// The step's result over its items: changed or failed if any item was, skipped if
    /// every item was (or there was none); no output or exit status of its own.
    pub fn overall(&self) -> StepResult {
        StepResult {
            changed: self.results.iter().any(|result| result.changed),
            failed: self.results.iter().any(|result| result.failed),
            skipped: self.results.iter().all(|result| result.skipped),
            ..StepResult::default()
        }
    }

    /// How many items failed.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|result| result.failed).count()
    }

    /// The variable's value, with Ansible's `msg` (`skipped_reason` for no items).
    pub fn to_value(&self) -> Value {
        let overall = self.overall();
        let mut value = json!({
            "results": self.entries,
            "changed": overall.changed,
            "failed": overall.failed,
            "skipped": overall.skipped,
        });
        let (key, text) = if self.results.is_empty() {
            ("skipped_reason", "No items in the list")
        } else if overall.failed {
            ("msg", "One or more items failed")
        } else if overall.skipped {
            ("msg", "All items skipped")
        } else {
            ("msg", "All items completed")
        };
        value[key] = text.into();
        value
    }
}

/// One host's registered results so far: variable name → [`StepResult::to_value`].
pub type Registered = Map<String, Value>;
