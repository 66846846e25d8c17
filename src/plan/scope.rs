//! What rendering a play's steps needs, kept in the plan for deferred steps.

use super::context::HostContext;
use super::files::LocalFiles;
use crate::template::Templates;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A play's hosts' variables, the template environment, and where local files are.
pub(crate) struct Scope {
    /// The template environment, shared by every play.
    pub templates: Arc<Templates>,
    /// Where relative local paths start: the playbook's directory.
    pub base_dir: PathBuf,
    /// Each host's variables, in the order of the play's hosts.
    pub hosts: Vec<HostContext>,
    /// The `put` sources read so far, shared by every play.
    pub files: Arc<LocalFiles>,
}

impl fmt::Debug for Scope {
    /// Never the variables: they may hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("base_dir", &self.base_dir)
            .field("hosts", &self.hosts.len())
            .finish_non_exhaustive()
    }
}
