//! What a step leaves behind for later steps: the value of its `register:` variable.

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

/// One host's registered results so far: variable name → [`StepResult::to_value`].
pub type Registered = Map<String, Value>;
