//! Rendering one step for one host, with every value twice: real and masked.
//!
//! Used at plan time for steps that wait for no registered result, and at run time
//! (with the host's results merged in) for the steps that do.

use super::context::HostContext;
use super::error::PlanProblem;
use super::files::sha256;
use super::model::{PlannedAction, PutContent, Ready, Rendered, Resolved, Skip};
use super::scope::Scope;
use crate::playbook::{Action, Condition, GetSpec, PutSpec, Step};
use crate::secret::MASK;
use crate::template::Origin;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// One step, one host, one set of variables.
pub(super) struct StepHost<'a> {
    /// The play's scope.
    pub scope: &'a Scope,
    /// The step as written.
    pub step: &'a Step,
    /// The host's inventory name.
    pub host: &'a str,
    /// The host's variables (with its registered results, at run time).
    pub ctx: HostContext,
}

impl StepHost<'_> {
    /// `site.yml:21: step 'Show disk' on host h1`, for errors.
    pub fn origin(&self) -> Origin {
        Origin::new(&self.step.file, self.step.line)
            .with_step(self.step.label())
            .with_host(self.host)
    }

    /// Decides `when:` and renders the step (each item, for a loop).
    pub fn resolve(&self) -> Result<Resolved, PlanProblem> {
        if let Some(step_loop) = &self.step.loop_ {
            return self.resolve_items(&super::looping::names(step_loop));
        }
        match self.when_skips()? {
            Some(skip) => Ok(Resolved::Skipped(skip)),
            None => Ok(Resolved::Ready(Box::new(self.render()?))),
        }
    }

    /// `Some` when `when:` is false for the host.
    pub fn when_skips(&self) -> Result<Option<Skip>, PlanProblem> {
        let condition = match &self.step.when {
            None | Some(Condition::Bool(true)) => return Ok(None),
            Some(Condition::Bool(false)) => "false",
            Some(Condition::Expr(expr)) => {
                let templates = &self.scope.templates;
                let origin = self.origin();
                if templates.eval_condition(expr, &self.ctx.real, &origin)? {
                    return Ok(None);
                }
                expr
            }
        };
        Ok(Some(Skip::When {
            condition: condition.to_owned(),
        }))
    }

    /// Every value of the step rendered, real and shown.
    pub fn render(&self) -> Result<Ready, PlanProblem> {
        let (action, shown_action) = match &self.step.action {
            Action::Run(command) => {
                let (real, shown) = self.text(command)?;
                let run = |command| PlannedAction::Run { command };
                (run(real), run(shown))
            }
            Action::Put(put) => self.put(put)?,
            Action::Get(get) => self.get(get)?,
        };
        let (creates, shown_creates) = self.optional_text(self.step.creates.as_deref())?;
        let (removes, shown_removes) = self.optional_text(self.step.removes.as_deref())?;
        let (stdin, shown_stdin) = self.optional_text(self.step.stdin.as_deref())?;
        let (chdir, shown_chdir) = self.optional_text(self.step.chdir.as_deref())?;
        let mut environment = BTreeMap::new();
        let mut shown_environment = BTreeMap::new();
        for (name, value) in &self.step.environment {
            let (real, shown) = self.text(value)?;
            environment.insert(name.clone(), real);
            shown_environment.insert(name.clone(), shown);
        }
        Ok(Ready {
            real: Rendered {
                action,
                creates,
                removes,
                stdin,
                chdir,
                environment,
            },
            shown: Rendered {
                action: shown_action,
                creates: shown_creates,
                removes: shown_removes,
                stdin: shown_stdin,
                chdir: shown_chdir,
                environment: shown_environment,
            },
        })
    }

    /// `template` rendered for real and for showing. A masked value that a filter then
    /// refuses (`b64decode` of `********`) shows as `********` altogether.
    pub fn text(&self, template: &str) -> Result<(String, String), PlanProblem> {
        let templates = &self.scope.templates;
        let origin = self.origin();
        let real = templates.render_str(template, &self.ctx.real, &origin)?;
        let shown = templates
            .render_str(template, &self.ctx.shown, &origin)
            .unwrap_or_else(|_| MASK.to_owned());
        Ok((real, shown))
    }

    fn optional_text(
        &self,
        template: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), PlanProblem> {
        match template {
            Some(template) => {
                let (real, shown) = self.text(template)?;
                Ok((Some(real), Some(shown)))
            }
            None => Ok((None, None)),
        }
    }

    /// A problem with a local file, at this step and host.
    pub fn local_file(&self, message: String) -> PlanProblem {
        PlanProblem::LocalFile {
            at: self.origin().to_string(),
            message,
        }
    }

    fn put(&self, put: &PutSpec) -> Result<(PlannedAction, PlannedAction), PlanProblem> {
        let (src, shown_src) = self.text(&put.src)?;
        let (dest, shown_dest) = self.text(&put.dest)?;
        let path = self.scope.base_dir.join(&src);
        let decrypted = match put.template {
            true => None,
            false => (self.scope.files.decrypted(&path)).map_err(|m| self.local_file(m))?,
        };
        let (content, shown_content) = if put.template {
            self.template_content(&path)?
        } else if let Some(text) = decrypted {
            // A file encrypted with ansible-vault goes decrypted, as Ansible's `copy` does;
            // all of it is secret.
            let content = PutContent::Template {
                size: text.len() as u64,
                sha256: sha256(text.as_bytes()),
                text,
            };
            (content, masked_content(MASK))
        } else {
            let (size, sha256) = self
                .scope
                .files
                .digest(&path)
                .map_err(|m| self.local_file(m))?;
            let content = PutContent::File { size, sha256 };
            (content.clone(), content)
        };
        let (owner, shown_owner) = self.optional_text(put.owner.as_deref())?;
        let (group, shown_group) = self.optional_text(put.group.as_deref())?;
        let action = |src, content, dest, owner, group| PlannedAction::Put {
            src,
            content,
            dest,
            mode: put.mode,
            owner,
            group,
        };
        Ok((
            action(path, content, dest, owner, group),
            action(
                self.scope.base_dir.join(shown_src),
                shown_content,
                shown_dest,
                shown_owner,
                shown_group,
            ),
        ))
    }

    /// The template file at `path` rendered for the host, real and shown.
    fn template_content(&self, path: &Path) -> Result<(PutContent, PutContent), PlanProblem> {
        let file = self
            .scope
            .files
            .template(path)
            .map_err(|m| self.local_file(m))?;
        let templates = &self.scope.templates;
        let origin = self.origin();
        let name = path.display().to_string();
        let real = templates.render_file(&name, &file.text, &self.ctx.real, &origin)?;
        let shown = templates
            .render_file(&name, &file.text, &self.ctx.shown, &origin)
            .ok();
        let holds_secret = file.secret || shown.as_deref() != Some(real.as_str());
        let sha256 = sha256(real.as_bytes());
        let content = PutContent::Template {
            size: real.len() as u64,
            sha256,
            text: real.into(),
        };
        // With a secret in it, the shown content is the rendering with secrets masked
        // (never serialized; `--diff` shows its lines), its size and digest masked; a
        // template encrypted with ansible-vault is secret as a whole.
        let shown = match (holds_secret, shown) {
            (false, _) => content.clone(),
            (true, Some(shown)) if !file.secret => masked_content(&shown),
            (true, _) => masked_content(MASK),
        };
        Ok((content, shown))
    }

    fn get(&self, get: &GetSpec) -> Result<(PlannedAction, PlannedAction), PlanProblem> {
        let (src, shown_src) = self.text(&get.src)?;
        let (dest, shown_dest) = self.text(&get.dest)?;
        let local = self
            .fetch_path(&src, &dest)
            .map_err(|why| self.local_file(format!("get src `{}`: {why}", get.src)))?;
        let shown_local = self
            .fetch_path(&shown_src, &shown_dest)
            .unwrap_or_else(|_| PathBuf::from(MASK));
        let action = |src, dest| PlannedAction::Get { src, dest };
        Ok((action(src, local), action(shown_src, shown_local)))
    }

    /// Where a fetched `src` lands: in the local directory `dest` (relative to the
    /// playbook's directory), in a folder named after the host unless a component of
    /// `dest` already is the host's name, under `src`'s basename. A host whose name is
    /// not a plain folder name (`..`, `a/b`) cannot fetch.
    fn fetch_path(&self, src: &str, dest: &str) -> Result<PathBuf, String> {
        let name = src
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if name.is_empty() || name == "." || name == ".." {
            return Err("names no file; give the path of a file on the host".to_owned());
        }
        let mut parts = Path::new(self.host).components();
        if !matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(_)), None)
        ) {
            return Err(format!(
                "the host name `{}` cannot name a local folder, so its files cannot be kept \
                 apart; rename the host (its address can stay in host=ADDRESS)",
                self.host
            ));
        }
        let mut dir = self.scope.base_dir.join(dest);
        if !dir.components().any(|part| part.as_os_str() == self.host) {
            dir.push(self.host);
        }
        Ok(dir.join(name))
    }
}

/// The shown content of a `put` that holds a secret: `text` (secrets masked), its size
/// and digest masked.
fn masked_content(text: &str) -> PutContent {
    PutContent::Template {
        text: text.into(),
        size: MASK.len() as u64,
        sha256: MASK.to_owned(),
    }
}
