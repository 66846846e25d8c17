//! The playbook as written: serde and JSON Schema types that mirror the YAML exactly.
//!
//! Everything optional stays optional here and unknown keys are rejected; turning these
//! into the checked model (`super::model`) is `super::validate`'s job. The JSON Schema
//! (`schemas/playbook.schema.json`) is generated from these types.

use super::values::{Condition, LoopSource, Mode, Names, Serial, Tags};
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;
use std::fmt;

/// A playbook file: a list of plays.
#[derive(Debug, JsonSchema)]
#[schemars(
    transparent,
    title = "herd playbook",
    description = "A list of plays; each runs its steps on the hosts its `hosts` pattern selects."
)]
pub(super) struct RawPlaybook(#[schemars(with = "Vec<RawPlay>")] pub Vec<Spanned<RawPlay>>);

impl<'de> Deserialize<'de> for RawPlaybook {
    /// Like `Vec`'s, but a mapping at the top (a forgotten `- `) gets a message that says
    /// what a playbook is.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PlaysVisitor;

        impl<'de> Visitor<'de> for PlaysVisitor {
            type Value = RawPlaybook;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of plays, each starting with `- hosts: …`")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPlaybook, A::Error> {
                let mut plays = Vec::new();
                while let Some(play) = seq.next_element()? {
                    plays.push(play);
                }
                Ok(RawPlaybook(plays))
            }
        }

        deserializer.deserialize_any(PlaysVisitor)
    }
}

/// One play: a host pattern, variables, and the steps to run there.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Play")]
pub(super) struct RawPlay {
    /// What the play does (shown in the output). Defaults to the host pattern.
    pub name: Option<String>,
    /// Host pattern: groups or hosts joined by `,` or `:` (union), `&` (intersection),
    /// `!` (exclusion), e.g. `web_clusters:db_servers:!h3`.
    #[schemars(length(min = 1))]
    pub hosts: String,
    /// Variables for every step of this play (any YAML values).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub vars: Map<String, Value>,
    /// YAML files of variables (a mapping each), relative to the playbook's directory;
    /// later files override earlier ones and `vars`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub vars_files: Vec<Spanned<String>>,
    /// Rolling batches: how many hosts (or what percentage) to work on at once.
    pub serial: Option<Serial>,
    /// Abort the play when more than this percentage of its hosts failed (0 to 100).
    #[schemars(range(max = 100))]
    pub max_fail_percentage: Option<u8>,
    /// `linear` (default): every host finishes a step before the next starts;
    /// `free`: each host runs through its steps as fast as it can.
    #[serde(default)]
    pub strategy: super::Strategy,
    /// The steps, run in order.
    #[schemars(with = "Vec<RawStep>", length(min = 1))]
    pub steps: Vec<Spanned<RawStep>>,
    /// Run every step and handler through `sudo` (as `become_user`, else root) unless it
    /// says `become: false`, as Ansible's play-level `become`; steps delegated to
    /// localhost run as you.
    #[serde(rename = "become")]
    pub become_: Option<bool>,
    /// The user the play's `become` runs as, for steps that name none; needs `become`.
    pub become_user: Option<String>,
    /// Steps that run after the play's steps (per `serial` batch), each once on the
    /// hosts where a step that `notify`s it reported changed, in the order written.
    /// Each needs a `name`; `listen` gives it more names to be notified by.
    #[serde(default)]
    #[schemars(with = "Vec<RawStep>")]
    pub handlers: Vec<Spanned<RawStep>>,
}

/// One step: exactly one action (`run`, `put` or `get`) and its options, or an
/// `import_steps` that stands for the steps of another file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step", transform = exactly_one_action)]
pub(super) struct RawStep {
    /// What the step does (shown in the output).
    pub name: Option<String>,
    /// A shell command to run on the host (a template: use `{{ var | quote }}`).
    #[schemars(length(min = 1))]
    pub run: Option<String>,
    /// Copy a local file to the host.
    pub put: Option<RawPut>,
    /// Fetch a file from the host.
    pub get: Option<RawGet>,
    /// Replace this step, at load time, by the steps of this YAML file (a list of
    /// steps), relative to the file that imports it.
    #[schemars(length(min = 1))]
    pub import_steps: Option<String>,
    /// Store the result (`rc`, `stdout`, `stderr`, …) in this variable for later steps.
    #[schemars(regex(pattern = "^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub register: Option<String>,
    /// Run the step only on hosts where this holds.
    pub when: Option<Condition>,
    /// Give up on the step after this many seconds.
    #[schemars(range(min = 1))]
    pub timeout: Option<u64>,
    /// Try again this many times when the step fails (or `until` is false).
    pub retries: Option<u32>,
    /// Seconds to wait between tries (default 1).
    pub delay: Option<u64>,
    /// Retry until this expression holds (default retries: 3).
    pub until: Option<String>,
    /// Carry on with the host's next steps even if this one fails.
    pub ignore_errors: Option<bool>,
    /// Skip the step when this path exists on the host.
    pub creates: Option<String>,
    /// Skip the step when this path does not exist on the host.
    pub removes: Option<String>,
    /// Text sent to a `run` step's standard input (a template), then end-of-file.
    pub stdin: Option<String>,
    /// Run through `sudo` on the host (for `put`: move the file into place as that
    /// user; for `get`: read it as that user).
    #[serde(rename = "become")]
    pub become_: Option<bool>,
    /// The user `become` runs as (default root); needs `become: true`.
    #[schemars(length(min = 1))]
    pub become_user: Option<String>,
    /// `false`: run even under `--check` (read-only probes); `true`: never really run.
    pub check_mode: Option<bool>,
    /// Tags for `--tags` / `--skip-tags`.
    #[serde(default)]
    pub tags: Tags,
    /// Variables for this step only: above the play's vars, below `-e` (any YAML values,
    /// taken as written like the play's).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub vars: Map<String, Value>,
    /// Environment variables for a `run` step's command (values are templates).
    #[serde(default)]
    #[schemars(extend(
        "propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
        "additionalProperties" = { "type": ["string", "number", "boolean"] }
    ))]
    pub environment: Map<String, Value>,
    /// The directory a `run` step's command starts in (a template).
    #[schemars(length(min = 1))]
    pub chdir: Option<String>,
    /// Whether the step reports *changed*: an expression over its registered result
    /// (`changed_when: false` makes a probe report *ok*).
    pub changed_when: Option<Condition>,
    /// Whether the step failed: an expression over its registered result, instead of the
    /// exit status (`failed_when: "'ERROR' in out.stdout"`).
    pub failed_when: Option<Condition>,
    /// Handlers (by `name` or `listen` topic) to run after the play's steps on the
    /// hosts where this step reported changed.
    #[serde(default)]
    pub notify: Names,
    /// On a handler: topics it also answers to, besides its name.
    #[serde(default)]
    pub listen: Names,
    /// Run on the first host of each batch only; its registered result is given to
    /// every host of the batch.
    pub run_once: Option<bool>,
    /// `localhost`: run a `run` step's command on the controller (with the host's
    /// variables; output still shown under the host's name).
    #[schemars(regex(pattern = "^(localhost|127\\.0\\.0\\.1)$"))]
    pub delegate_to: Option<String>,
    /// Run the step once per item of this list (or of the list a template yields).
    #[serde(rename = "loop")]
    pub loop_: Option<LoopSource>,
    /// How a `loop` names its item and shows it.
    pub loop_control: Option<RawLoopControl>,
}

/// `loop_control:` how a looped step names and shows its items.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LoopControl")]
pub(super) struct RawLoopControl {
    /// The variable that holds each item (default `item`).
    #[schemars(regex(pattern = "^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub loop_var: Option<String>,
    /// A variable that holds each item's 0-based position.
    #[schemars(regex(pattern = "^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub index_var: Option<String>,
    /// How `--plan` and the output show each item (a template; default: the item).
    pub label: Option<String>,
}

/// `put:` copy a local file to the host.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Put")]
pub(super) struct RawPut {
    /// Local file, relative to the playbook's directory.
    pub src: String,
    /// Path on the host.
    pub dest: String,
    /// Permission bits on the host, e.g. "0644".
    pub mode: Option<Mode>,
    /// The file's owner on the host, a user name or id (a template); setting another
    /// user than the login user needs `become: true`.
    #[schemars(length(min = 1))]
    pub owner: Option<String>,
    /// The file's group on the host, a group name or id (a template).
    #[schemars(length(min = 1))]
    pub group: Option<String>,
    /// Render `src` as a template for each host before sending it (default false).
    #[serde(default)]
    pub template: bool,
}

/// `get:` fetch a file from the host.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Get")]
pub(super) struct RawGet {
    /// Path on the host.
    pub src: String,
    /// Local directory to fetch into, relative to the playbook's directory; one folder per host.
    pub dest: String,
}

/// The schema of a step says that exactly one of `run`, `put`, `get`, `import_steps` is
/// present.
fn exactly_one_action(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([
            { "required": ["run"] },
            { "required": ["put"] },
            { "required": ["get"] },
            { "required": ["import_steps"] }
        ]),
    );
}
