//! What the executor asks of a plan while it runs: deferred steps rendered with the
//! results registered so far, and after each try `changed_when:`/`failed_when:`
//! applied and `until:` decided.

use super::context::mask_texts;
use super::error::{PlanError, PlanProblem};
use super::model::{LoopItem, PlannedPlay, PlannedStep, Resolved, StepState};
use super::render::StepHost;
use super::result::{Registered, StepResult};
use crate::playbook::Condition;

/// Which field of a result a rule decides.
enum Field {
    Changed,
    Failed,
}

impl PlannedPlay {
    /// What the host at index `host` of [`hosts`](Self::hosts) does at step index `step`,
    /// now that `registered` holds its results so far: a ready or skipped step as
    /// planned, a deferred one decided and rendered. An error (an undefined variable, a
    /// missing file) fails this host's step.
    pub fn resolve(
        &self,
        step: usize,
        host: usize,
        registered: &Registered,
    ) -> Result<Resolved, PlanError> {
        let (planned, state) = self.lookup(step, host)?;
        match state {
            StepState::Ready(ready) => Ok(Resolved::Ready(ready.clone())),
            StepState::Loop { items } => Ok(Resolved::Loop(items.clone())),
            StepState::Skipped(skip) => Ok(Resolved::Skipped(skip.clone())),
            StepState::Deferred(_) => Ok(self.step_host(planned, host, registered)?.resolve()?),
        }
    }

    /// `message` (about step index `step`, or a handler past the steps, on the host at
    /// index `host`) with the host's secret values, those of its variables that
    /// [`plan_text`](super::plan_text) shows as `********` (secret names, ansible-vault
    /// values), masked the same way: for messages that may quote a real value, like an
    /// SSH error naming a remote path.
    pub fn mask_message(&self, step: usize, host: usize, message: &str) -> String {
        let Some(ctx) = self.scope.hosts.get(host) else {
            return message.to_owned();
        };
        let ctx = match self.step_at(step) {
            Some(planned) => ctx.with_layer(&planned.vars),
            None => ctx.clone(),
        };
        mask_texts(message, &ctx.secret_texts())
    }

    /// Whether the step's `until:` holds for the host (and `item`, for a looped step),
    /// with `registered` holding its results so far, the step's latest try included.
    /// True for a step without `until`.
    pub fn until_holds(
        &self,
        (step, host): (usize, usize),
        item: Option<&LoopItem>,
        registered: &Registered,
    ) -> Result<bool, PlanError> {
        let (planned, _) = self.lookup(step, host)?;
        let Some(until) = &planned.options.until else {
            return Ok(true);
        };
        self.holds((planned, host), item, registered, until)
    }

    /// Applies the step's `changed_when:` and `failed_when:` (in that order, as Ansible
    /// does) to `result`, a try's result on the host (for `item`, in a looped step);
    /// `registered` holds the host's results so far, this try's included. A skipped
    /// result is left as it is. An expression that cannot be decided is an error, which
    /// fails the try.
    pub fn judge(
        &self,
        (step, host): (usize, usize),
        item: Option<&LoopItem>,
        registered: &Registered,
        result: &mut StepResult,
    ) -> Result<(), PlanError> {
        let (planned, _) = self.lookup(step, host)?;
        if result.skipped {
            return Ok(());
        }
        let options = &planned.options;
        let mut registered = registered.clone();
        for (rule, field) in [
            (&options.changed_when, Field::Changed),
            (&options.failed_when, Field::Failed),
        ] {
            let value = match rule {
                None => continue,
                Some(Condition::Bool(value)) => *value,
                Some(Condition::Expr(expr)) => {
                    self.holds((planned, host), item, &registered, expr)?
                }
            };
            match field {
                Field::Changed => result.changed = value,
                Field::Failed => result.failed = value,
            }
            if let Some(name) = &options.register {
                registered.insert(name.clone(), result.to_value());
            }
        }
        Ok(())
    }

    /// Whether `expr` holds for the host at `planned` (and `item`), with `registered`
    /// its results.
    fn holds(
        &self,
        (planned, host): (&PlannedStep, usize),
        item: Option<&LoopItem>,
        registered: &Registered,
        expr: &str,
    ) -> Result<bool, PlanError> {
        let step_host = self.step_host(planned, host, registered)?;
        let with_item;
        let target = match (item, &planned.options.loop_) {
            (Some(item), Some(names)) => {
                with_item = step_host.with_item(names, item);
                &with_item
            }
            _ => &step_host,
        };
        let origin = target.origin();
        Ok(self
            .scope
            .templates
            .eval_condition(expr, &target.ctx.real, &origin)?)
    }

    fn lookup(&self, step: usize, host: usize) -> Result<(&PlannedStep, &StepState), PlanError> {
        self.step_at(step)
            .and_then(|planned| Some((planned, &planned.hosts.get(host)?.state)))
            .ok_or_else(|| {
                PlanProblem::NotInPlay {
                    play: self.name.clone(),
                    step,
                    host,
                }
                .into()
            })
    }

    fn step_host<'a>(
        &'a self,
        planned: &'a PlannedStep,
        host: usize,
        registered: &Registered,
    ) -> Result<StepHost<'a>, PlanError> {
        let (Some(name), Some(ctx)) = (self.hosts.get(host), self.scope.hosts.get(host)) else {
            return Err(PlanProblem::NotInPlay {
                play: self.name.clone(),
                step: planned.number - 1,
                host,
            }
            .into());
        };
        Ok(StepHost {
            scope: &self.scope,
            step: &planned.step,
            host: name,
            ctx: ctx.with_layer(&planned.vars).with_registered(registered),
        })
    }
}
