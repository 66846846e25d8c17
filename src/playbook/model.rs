//! The checked playbook: what the planner and executor work from.
//!
//! Built from the raw (as-written) types by `super::validate`, so every value here has
//! passed validation: a step has exactly one action, `serial` is at least 1, and so on.

use super::values::{Condition, LoopSource, Mode, Serial};
use crate::secret::SecretVars;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// A loaded and validated playbook file.
#[derive(Debug, Clone, PartialEq)]
pub struct Playbook {
    /// The file as the user named it; errors and template origins show it like this.
    pub path: PathBuf,
    /// The directory that relative local paths (`put.src`, `get.dest`, `vars_files`)
    /// are resolved against: the playbook's own directory.
    pub base_dir: PathBuf,
    /// The plays, in file order.
    pub plays: Vec<Play>,
}

impl Playbook {
    /// A local path from the playbook (`put.src`, `get.dest`, once rendered) resolved
    /// against [`base_dir`](Self::base_dir); an absolute path stays as it is.
    pub fn local_path(&self, path: &str) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// One play: which hosts, with which variables, run which steps, how.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    /// The play's name (its `hosts` pattern when it has none).
    pub name: String,
    /// The host pattern, resolved by the inventory's targeting.
    pub hosts: String,
    /// `vars`, then each of `vars_files` merged over them, in order.
    pub vars: Map<String, Value>,
    /// Which of `vars` came from ansible-vault (an encrypted vars file, a `!vault`
    /// value): secret whatever their names. A name stays marked when a later file
    /// sets it again in the clear.
    pub secret_vars: SecretVars,
    /// The variable files that were merged into `vars`, resolved against the
    /// playbook's directory.
    pub vars_files: Vec<PathBuf>,
    /// Rolling batches, if any; `None` means all hosts at once.
    pub serial: Option<Serial>,
    /// Abort when more than this percentage (0 to 100) of the hosts failed.
    pub max_fail_percentage: Option<u8>,
    /// How hosts move through the steps.
    pub strategy: Strategy,
    /// The steps, never empty.
    pub steps: Vec<Step>,
    /// The handlers, in the order written: each has a name, and no `notify`.
    pub handlers: Vec<Step>,
    /// The 1-based line of the play in the playbook file.
    pub line: usize,
}

/// How the hosts of a play move through its steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Every host finishes a step before any host starts the next (the default).
    #[default]
    Linear,
    /// Each host runs through its steps independently.
    Free,
}

/// One step of a play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The step's name, if it has one; see [`Step::label`].
    pub name: Option<String>,
    /// What the step does.
    pub action: Action,
    /// The variable that receives the step's result.
    pub register: Option<String>,
    /// Run only where this holds.
    pub when: Option<Condition>,
    /// Give up after this many seconds (at least 1).
    pub timeout: Option<u64>,
    /// Extra tries after a failure (3 when `until` is set without `retries`, else 0).
    pub retries: u32,
    /// Seconds between tries (default 1).
    pub delay: u64,
    /// Retry until this expression holds.
    pub until: Option<String>,
    /// A failure does not stop the host.
    pub ignore_errors: bool,
    /// Skip when this remote path exists.
    pub creates: Option<String>,
    /// Skip when this remote path does not exist.
    pub removes: Option<String>,
    /// Text for a `run` step's standard input (a template).
    pub stdin: Option<String>,
    /// Run through `sudo`.
    pub become_: bool,
    /// The user `sudo` runs as (`become_user`); root when `None`.
    pub become_user: Option<String>,
    /// `Some(false)`: run even under `--check`; `Some(true)`: never really run.
    pub check_mode: Option<bool>,
    /// Tags for `--tags` / `--skip-tags`.
    pub tags: Vec<String>,
    /// Variables for this step only (above the play's, below `-e`), as written (and
    /// `!vault` values decrypted).
    pub vars: Map<String, Value>,
    /// Which of `vars` were `!vault` values: secret whatever their names.
    pub secret_vars: SecretVars,
    /// Environment variables for a `run` step: names (validated) and value templates.
    pub environment: Vec<(String, String)>,
    /// The directory a `run` step's command starts in (a template).
    pub chdir: Option<String>,
    /// Whether the step reports *changed*, decided over its registered result.
    pub changed_when: Option<Condition>,
    /// Whether the step failed, decided over its registered result.
    pub failed_when: Option<Condition>,
    /// The handlers (names or `listen` topics) it notifies when it reports changed.
    pub notify: Vec<String>,
    /// On a handler: the topics it answers to besides its name.
    pub listen: Vec<String>,
    /// Run on the first host of each batch only, its result registered for all.
    pub run_once: bool,
    /// `delegate_to: localhost`: the command runs on the controller.
    pub delegate_to_localhost: bool,
    /// Run the step once per item.
    pub loop_: Option<StepLoop>,
    /// The file the step is written in, as messages name it: the playbook, or the file
    /// an `import_steps` brought it from.
    pub file: String,
    /// The 1-based line of the step in [`file`](Self::file).
    pub line: usize,
}

impl Step {
    /// How messages refer to the step: its name, or its action (`run: df -h`).
    pub fn label(&self) -> String {
        match (&self.name, &self.action) {
            (Some(name), _) => name.clone(),
            (None, Action::Run(command)) => format!("run: {command}"),
            (None, Action::Put(put)) => format!("put: {}", put.src),
            (None, Action::Get(get)) => format!("get: {}", get.src),
        }
    }
}

/// A step's `loop:` with its `loop_control:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLoop {
    /// The items, or the template that yields them.
    pub source: LoopSource,
    /// The variable that holds each item (`item` unless `loop_control.loop_var`).
    pub loop_var: String,
    /// The variable that holds each item's 0-based position, if asked for.
    pub index_var: Option<String>,
    /// How each item is shown (a template), if not as itself.
    pub label: Option<String>,
}

/// The one thing a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run a shell command (a template).
    Run(String),
    /// Copy a local file to the host.
    Put(PutSpec),
    /// Fetch a file from the host.
    Get(GetSpec),
}

/// Where a `put` copies from and to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutSpec {
    /// Local file as written (may be a template), relative to
    /// [`Playbook::base_dir`](Playbook::base_dir); see [`Playbook::local_path`].
    pub src: String,
    /// Path on the host (a template).
    pub dest: String,
    /// Permission bits to set on the host.
    pub mode: Option<Mode>,
    /// The owner to set on the host (a template).
    pub owner: Option<String>,
    /// The group to set on the host (a template).
    pub group: Option<String>,
    /// Render the file's contents as a template for each host.
    pub template: bool,
}

/// Where a `get` fetches from and to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSpec {
    /// Path on the host (a template).
    pub src: String,
    /// Local directory to fetch into, as written (a template), relative to
    /// [`Playbook::base_dir`](Playbook::base_dir). The planner adds a folder named after
    /// the host unless one is already there, so hosts never overwrite each other.
    pub dest: String,
}
