//! The planner: from a playbook, an inventory and the command line's `-e`, `--limit`,
//! `--tags` and `--skip-tags` to a concrete [`Plan`] of what each host will do.
//!
//! [`build`] resolves each play's hosts, builds each host's variables (see below),
//! applies the tags, decides `when:` and renders every template for every host before
//! anything connects, so an undefined variable or a missing `put` source stops the run
//! with every such problem listed ([`PlanError`]). A value that reads a result
//! registered by an earlier step cannot be known yet: that host's step is
//! [`Deferred`], and the executor gets it rendered with [`PlannedPlay::resolve`] once
//! the results ([`StepResult`]) are in.
//!
//! Variables, lowest precedence first: inventory vars, the play's `vars` and
//! `vars_files`, `-e` extra vars ([`parse_extra_vars`]); then `inventory_hostname`,
//! `group_names`, `groups`, `hostvars`; at run time, registered results.
//!
//! Every rendered value is kept twice: the real one for the host, and one rendered with
//! secrets masked (`********`), which is all that [`plan_text`] (`herd play --plan`)
//! and the plan's JSON show. Secret are the values of secret-looking names and every
//! value that came from ansible-vault, whatever a template makes of it.

mod build;
mod context;
mod defer;
mod error;
mod extra_vars;
mod files;
mod handlers;
mod looping;
mod model;
mod render;
mod result;
mod runtime;
mod scope;
mod tags;
mod text;

pub use build::build;
pub use error::{MAX_PROBLEMS, PlanError, PlanProblem};
pub use extra_vars::{parse_extra_vars, parse_extra_vars_with_vault};
pub(crate) use files::sha256_file;
pub use handlers::PlannedHandler;
pub use model::{
    Deferred, Dependency, HostStep, ItemState, LoopItem, LoopNames, Plan, PlannedAction,
    PlannedItem, PlannedPlay, PlannedStep, PutContent, Ready, Rendered, Resolved, Skip,
    StepOptions, StepState,
};
pub use result::{LoopResults, Registered, StepResult};
pub use text::plan_text;

use crate::secret::SecretVars;
use crate::targets::Shard;
use crate::vault::Vault;
use serde_json::{Map, Value};

/// What the command line adds to a playbook run.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `--limit PATTERN`: only hosts this pattern also selects.
    pub limit: Option<String>,
    /// `-e` extra vars, merged ([`parse_extra_vars`]); they beat every other variable.
    pub extra_vars: Map<String, Value>,
    /// Which of `extra_vars` came from ansible-vault (`-e @vault.yml`): masked wherever
    /// shown, like the play's [`secret_vars`](crate::playbook::Play::secret_vars).
    pub extra_secret_vars: SecretVars,
    /// The passwords for `put` sources (files and templates) encrypted with ansible-vault,
    /// which are sent decrypted (as Ansible's `copy` and `template` do), all secret.
    pub vault: Vault,
    /// `--tags`: each entry may hold comma-separated tags.
    pub tags: Vec<String>,
    /// `--skip-tags`: each entry may hold comma-separated tags.
    pub skip_tags: Vec<String>,
    /// `--shard I/N`: only this share of every play's hosts (after `--limit`).
    pub shard: Option<Shard>,
}

/// The plan as pretty-printed JSON (`herd play --plan --output json`): shown values
/// only, so secrets are masked and template contents are left out.
pub fn plan_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_else(|err| {
        format!("{{\"error\": \"the plan cannot be written as JSON: {err}\"}}")
    })
}

#[cfg(test)]
mod tests;
