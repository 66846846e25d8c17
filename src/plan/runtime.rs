//! What the executor asks of a plan while it runs: deferred steps rendered with the
//! results registered so far, and `until:` decided after each try.

use super::error::{PlanError, PlanProblem};
use super::model::{PlannedPlay, PlannedStep, Resolved, StepState};
use super::render::StepHost;
use super::result::Registered;

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
            StepState::Skipped(skip) => Ok(Resolved::Skipped(skip.clone())),
            StepState::Deferred(_) => Ok(self.step_host(planned, host, registered)?.resolve()?),
        }
    }

    /// Whether the step's `until:` holds for the host, with `registered` holding its
    /// results so far, the step's latest try included. True for a step without `until`.
    pub fn until_holds(
        &self,
        step: usize,
        host: usize,
        registered: &Registered,
    ) -> Result<bool, PlanError> {
        let (planned, _) = self.lookup(step, host)?;
        let Some(until) = &planned.options.until else {
            return Ok(true);
        };
        let target = self.step_host(planned, host, registered)?;
        let origin = target.origin();
        Ok(self
            .scope
            .templates
            .eval_condition(until, &target.ctx.real, &origin)?)
    }

    fn lookup(&self, step: usize, host: usize) -> Result<(&PlannedStep, &StepState), PlanError> {
        self.steps
            .get(step)
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
            ctx: ctx.with_registered(registered),
        })
    }
}
