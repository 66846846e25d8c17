//! The plan: for every play, step and host, what will happen.
//!
//! Every rendered value exists twice: the real one, which the executor sends to the
//! host, and a `shown` one rendered with secrets masked, which is all that `--plan`,
//! JSON and logs may print. Serialising a plan writes only the shown values.

use super::context::Layer;
use super::scope::Scope;
use crate::event::HostName;
use crate::playbook::{Condition, Mode, Step, Strategy};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything `herd play` will do, worked out before any host is contacted.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The playbook, as the user named it.
    pub playbook: PathBuf,
    /// The inventory, as the user named it.
    pub inventory: String,
    /// `--limit`, if given.
    pub limit: Option<String>,
    /// `--shard I/N`, if given.
    pub shard: Option<String>,
    /// `--tags`, one tag per entry.
    pub tags: Vec<String>,
    /// `--skip-tags`, one tag per entry.
    pub skip_tags: Vec<String>,
    /// The plays, in playbook order.
    pub plays: Vec<PlannedPlay>,
}

/// One play, on its hosts.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedPlay {
    /// The play's name.
    pub name: String,
    /// The play's line in the playbook.
    pub line: usize,
    /// The `hosts` pattern, rendered.
    pub pattern: String,
    /// The hosts, in inventory order. Empty only when `--limit` or `--shard` left none
    /// of the play's hosts; such a play does nothing.
    pub hosts: Vec<HostName>,
    /// Rolling batches (`serial`) as ranges of indices into [`hosts`](Self::hosts), in
    /// order: one batch of every host without `serial`, none without hosts.
    pub batches: Vec<Range<usize>>,
    /// How hosts move through the steps.
    pub strategy: Strategy,
    /// Stop the play once more than this percentage of its hosts failed.
    pub max_fail_percentage: Option<u8>,
    /// The steps, in playbook order, including those `--tags` leaves out.
    pub steps: Vec<PlannedStep>,
    /// The handlers, in playbook order.
    pub handlers: Vec<super::PlannedHandler>,
    /// What resolving deferred steps needs: each host's variables and the templates.
    #[serde(skip)]
    pub(super) scope: Arc<Scope>,
}

/// One step of a play, for each of the play's hosts.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// 1-based position of the step in its play.
    pub number: usize,
    /// How messages call the step ([`Step::label`]).
    pub label: String,
    /// The file the step is written in: the playbook, or one it imports.
    pub file: String,
    /// The step's line in [`file`](Self::file).
    pub line: usize,
    /// The step's tags.
    pub tags: Vec<String>,
    /// How the step runs.
    pub options: StepOptions,
    /// What each host does, in the order of [`PlannedPlay::hosts`].
    pub hosts: Vec<HostStep>,
    /// The step as written, for rendering deferred hosts at run time.
    #[serde(skip)]
    pub(super) step: Arc<Step>,
    /// The step's `vars:`, over each host's variables.
    #[serde(skip)]
    pub(super) vars: Layer,
}

/// How a step runs, whatever it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOptions {
    /// The variable that receives the step's [`StepResult`](super::StepResult).
    pub register: Option<String>,
    /// Give up after this many seconds.
    pub timeout: Option<u64>,
    /// Extra tries after a failure.
    pub retries: u32,
    /// Seconds between tries.
    pub delay: u64,
    /// Try again until this expression holds; see [`PlannedPlay::until_holds`].
    pub until: Option<String>,
    /// A failure does not stop the host.
    pub ignore_errors: bool,
    /// Run through `sudo`.
    #[serde(rename = "become")]
    pub become_: bool,
    /// The user `sudo` runs as (`become_user`); root when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub become_user: Option<String>,
    /// `Some(false)`: run even under `--check`; `Some(true)`: never really run.
    pub check_mode: Option<bool>,
    /// Whether a try reports *changed*, decided over its result; see
    /// [`PlannedPlay::judge`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_when: Option<Condition>,
    /// Whether a try failed, decided over its result; see [`PlannedPlay::judge`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_when: Option<Condition>,
    /// The handlers it notifies when it reports changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// Runs on the first host of each batch still in the run; its registered result is
    /// given to every host of the batch, and its failure takes them all out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub run_once: bool,
    /// `delegate_to: localhost`: the command runs on the controller.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub delegate_to_localhost: bool,
    /// How a looped step names its items; `None` for a step without `loop:`.
    #[serde(rename = "loop", skip_serializing_if = "Option::is_none")]
    pub loop_: Option<LoopNames>,
}

/// The variables a looped step's templates see each item and its position under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoopNames {
    /// The item's variable (`item`, or `loop_control.loop_var`).
    pub loop_var: String,
    /// The 0-based position's variable (`loop_control.index_var`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_var: Option<String>,
}

/// What one host does at one step.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostStep {
    /// The host.
    pub host: HostName,
    /// Ready, deferred or skipped.
    #[serde(flatten)]
    pub state: StepState,
}

/// Whether a host's step is known now.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum StepState {
    /// Fully rendered: this is what will run.
    Ready(Box<Ready>),
    /// A looped step: each item rendered (or skipped by `when:`, decided per item).
    Loop {
        /// The items, in order.
        items: Vec<PlannedItem>,
    },
    /// Depends on the result of an earlier step (`register`): rendered at run time by
    /// [`PlannedPlay::resolve`].
    Deferred(Deferred),
    /// Will not run.
    Skipped(Skip),
}

/// One item of a looped step on a host, and what the host does with it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlannedItem {
    /// The item.
    #[serde(flatten)]
    pub item: LoopItem,
    /// Ready or skipped.
    #[serde(flatten)]
    pub state: ItemState,
}

/// One item of a loop.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoopItem {
    /// Its 0-based position in the loop.
    pub index: usize,
    /// How it is shown: `loop_control.label` rendered, or the item itself; secrets
    /// masked.
    pub label: String,
    /// The item. Never print it: it may hold secrets.
    #[serde(skip)]
    pub value: serde_json::Value,
    /// The item with secrets masked.
    #[serde(skip)]
    pub(super) shown: serde_json::Value,
}

/// What a host does with one item of a looped step.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum ItemState {
    /// Rendered for the item: this is what will run.
    Ready(Box<Ready>),
    /// `when:` is false for the item.
    Skipped(Skip),
}

/// A step rendered for one host.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ready {
    /// What is sent to the host. Never print it: it may hold secrets.
    #[serde(skip)]
    pub real: Rendered,
    /// The same, rendered with secrets masked: what may be shown.
    #[serde(flatten)]
    pub shown: Rendered,
}

/// The rendered parts of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// What the step does.
    pub action: PlannedAction,
    /// Skip when this remote path exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creates: Option<String>,
    /// Skip when this remote path does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removes: Option<String>,
    /// A `run` step's standard input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// The directory a `run` step's command starts in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chdir: Option<String>,
    /// Environment variables for a `run` step's command.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
}

/// The one thing a step does on a host, with every template rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PlannedAction {
    /// Run a shell command.
    Run {
        /// The command line.
        command: String,
    },
    /// Copy a local file to the host.
    Put {
        /// The local file (resolved against the playbook's directory).
        src: PathBuf,
        /// What is copied: the file as it is, or its rendering for this host.
        content: PutContent,
        /// The path on the host.
        dest: String,
        /// Permission bits to set on the host.
        #[serde(serialize_with = "mode_text")]
        mode: Option<Mode>,
        /// The owner to set on the host.
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// The group to set on the host.
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// Fetch a file from the host.
    Get {
        /// The path on the host.
        src: String,
        /// The local path the file is written to: the rendered `dest` directory
        /// (resolved against the playbook's directory, with a folder named after the
        /// host added unless a component of it is the host's name), then the
        /// basename of `src`.
        dest: PathBuf,
    },
}

/// The bytes a `put` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PutContent {
    /// The local file as it is.
    File {
        /// Its size in bytes when planned.
        size: u64,
        /// Its SHA-256 (lowercase hex) when planned.
        sha256: String,
    },
    /// The local file rendered as a template for this host.
    Template {
        /// The rendered text (in shown values, rendered with secrets masked).
        #[serde(skip)]
        text: Arc<str>,
        /// Its size in bytes.
        size: u64,
        /// Its SHA-256 (lowercase hex); in shown values, `********` when the text holds
        /// a secret (a digest of a short secret could be guessed).
        sha256: String,
    },
}

/// A host's step whose values depend on results registered by earlier steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deferred {
    /// The `when:` condition, when it is what waits for a result.
    pub when: Option<String>,
    /// The action as far as it is known: values that wait for a result are shown as
    /// written (`run: echo {{ disk.stdout }}`), the others rendered with secrets masked.
    pub shown: String,
    /// The registered results it waits for.
    pub depends_on: Vec<Dependency>,
}

/// A registered result that a deferred value reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    /// The registered variable.
    pub register: String,
    /// The label of the step that registers it.
    pub step: String,
    /// The file that step is written in.
    pub file: String,
    /// That step's line in [`file`](Self::file).
    pub line: usize,
}

/// Why a host does not run a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "lowercase")]
pub enum Skip {
    /// The `when:` condition is false for this host. As in Ansible, a step skipped
    /// this way still registers a result, with `skipped: true`.
    When {
        /// The condition as written.
        condition: String,
    },
    /// `--tags` / `--skip-tags` leave the step out. It registers nothing.
    Tags {
        /// Which option leaves it out: `not selected by --tags info`.
        detail: String,
    },
    /// The step's `loop:` has no items for the host. As in Ansible, it registers a
    /// skipped result with no `results`.
    #[serde(rename = "empty_loop")]
    EmptyLoop,
}

impl Skip {
    /// Whether the step still registers a (skipped) result for the host.
    pub fn registers_result(&self) -> bool {
        matches!(self, Skip::When { .. } | Skip::EmptyLoop)
    }
}

/// A deferred step once the results it waits for are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Run it.
    Ready(Box<Ready>),
    /// Run it for each item.
    Loop(Vec<PlannedItem>),
    /// Skip it.
    Skipped(Skip),
}

/// Serialises a mode as `chmod` takes it (`"0644"`).
fn mode_text<S: Serializer>(mode: &Option<Mode>, serializer: S) -> Result<S::Ok, S::Error> {
    match mode {
        Some(mode) => serializer.serialize_some(&mode.to_string()),
        None => serializer.serialize_none(),
    }
}
