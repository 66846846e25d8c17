//! From playbook, inventory and options to the [`Plan`].

use super::PlanOptions;
use super::context::{InventoryVars, Layer};
use super::defer::{Registers, Waits};
use super::error::{MAX_PROBLEMS_PER_STEP, PlanError, PlanProblem, Problems};
use super::files::LocalFiles;
use super::handlers::{PlannedHandler, notified_by};
use super::looping;
use super::model::{
    Dependency, HostStep, LoopNames, Plan, PlannedItem, PlannedPlay, PlannedStep, Skip,
    StepOptions, StepState,
};
use super::render::StepHost;
use super::scope::Scope;
use super::tags::TagFilter;
use crate::event::HostName;
use crate::inventory::{Host, Inventory};
use crate::playbook::{Action, Condition, Play, Playbook, Step};
use crate::targets::resolve_pattern;
use crate::template::{Origin, Templates, Value, referenced_variables_in_expr};
use minijinja::value::Serde;
use std::cell::Cell;
use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::sync::Arc;

/// Works out, for every play, step and host, what `herd play` will do, before anything
/// connects.
///
/// Each play's hosts are its `hosts` pattern (rendered with the extra vars when it holds
/// `{{`) within `--limit`, then `--shard`'s share of them. Steps `--tags` leave out are skipped on every host. For each
/// other step and host, `when:` is decided and every value rendered now, unless it reads
/// a result registered by an earlier step: then the host's step is
/// [`Deferred`](super::Deferred), checked as far as it can be. Undefined variables,
/// missing `put` sources and unresolvable patterns are found for every host and
/// returned together.
pub fn build(
    playbook: &Playbook,
    inventory: &Inventory,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let limit = match &options.limit {
        Some(pattern) => match resolve_pattern(inventory, pattern) {
            Ok(hosts) => Some(hosts.iter().map(|host| host.name.as_str()).collect()),
            Err(source) => {
                return Err(PlanProblem::Limit {
                    pattern: pattern.clone(),
                    source: Box::new(source),
                }
                .into());
            }
        },
        None => None,
    };
    let planner = Planner {
        playbook,
        inventory,
        options,
        limit,
        limited_any: Cell::new(false),
        source: playbook.path.display().to_string(),
        tags: TagFilter::new(&options.tags, &options.skip_tags),
        templates: Arc::new(Templates::new()),
        files: Arc::new(LocalFiles::new(options.vault.clone())),
        inventory_vars: InventoryVars::new(inventory),
    };
    let mut problems = Problems::default();
    let plays: Vec<PlannedPlay> = playbook
        .plays
        .iter()
        .filter_map(|play| planner.play(play, &mut problems))
        .collect();
    if let Some(pattern) = &options.limit {
        if problems.is_empty() && !planner.limited_any.get() {
            let patterns: Vec<String> = plays.iter().map(|p| format!("`{}`", p.pattern)).collect();
            problems.push(PlanProblem::LimitMatchesNothing {
                pattern: pattern.clone(),
                patterns: patterns.join(", "),
            });
        }
    }
    problems.into_result(Plan {
        playbook: playbook.path.clone(),
        inventory: inventory.source().to_owned(),
        limit: options.limit.clone(),
        shard: options.shard.map(|shard| shard.to_string()),
        tags: planner.tags.only().to_vec(),
        skip_tags: planner.tags.skip().to_vec(),
        plays,
    })
}

/// What every play is planned with.
struct Planner<'a> {
    playbook: &'a Playbook,
    inventory: &'a Inventory,
    options: &'a PlanOptions,
    /// The hosts `--limit` keeps, if given.
    limit: Option<HashSet<&'a str>>,
    /// Whether some play had a host within `--limit`, before `--shard`: a shard may be
    /// empty, a limit that matches nothing is an error.
    limited_any: Cell<bool>,
    /// The playbook as the user named it.
    source: String,
    tags: TagFilter,
    templates: Arc<Templates>,
    files: Arc<LocalFiles>,
    inventory_vars: InventoryVars,
}

impl Planner<'_> {
    /// The play on its hosts, or `None` when its hosts cannot be found (a problem
    /// is recorded).
    fn play(&self, play: &Play, problems: &mut Problems) -> Option<PlannedPlay> {
        let pattern = self.pattern(play).map_err(|p| problems.push(p)).ok()?;
        let hosts = self
            .hosts(play, &pattern)
            .map_err(|p| problems.push(p))
            .ok()?;
        let names: Vec<HostName> = hosts
            .iter()
            .map(|host| HostName::from(host.name.as_str()))
            .collect();
        let mut secret = play.secret_vars.clone();
        secret.extend(self.options.extra_secret_vars.clone());
        let scope = Arc::new(Scope {
            templates: Arc::clone(&self.templates),
            base_dir: self.playbook.base_dir.clone(),
            hosts: hosts
                .iter()
                .map(|host| {
                    let extra = &self.options.extra_vars;
                    self.inventory_vars
                        .host_context(host, &play.vars, extra, &secret)
                })
                .collect(),
            files: Arc::clone(&self.files),
        });
        let mut registers = Registers::new();
        let steps = play
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let hosts = (scope.as_ref(), names.as_slice());
                self.step(hosts, (index, step), &self.tags, &mut registers, problems)
            })
            .collect();
        let every_tag = TagFilter::default();
        let handlers = play
            .handlers
            .iter()
            .enumerate()
            .map(|(index, handler)| PlannedHandler {
                step: self.step(
                    (scope.as_ref(), names.as_slice()),
                    (play.steps.len() + index, handler),
                    &every_tag,
                    &mut registers,
                    problems,
                ),
                listen: handler.listen.clone(),
                notified_by: notified_by(play, handler),
            })
            .collect();
        Some(PlannedPlay {
            name: play.name.clone(),
            line: play.line,
            pattern,
            batches: batches(play, names.len()),
            hosts: names,
            strategy: play.strategy,
            max_fail_percentage: play.max_fail_percentage,
            steps,
            handlers,
            scope,
        })
    }

    /// The play's `hosts`, rendered with the extra vars when it is a template.
    fn pattern(&self, play: &Play) -> Result<String, PlanProblem> {
        if !play.hosts.contains("{{") {
            return Ok(play.hosts.clone());
        }
        let ctx = Value::from(Serde(&self.options.extra_vars));
        let origin = Origin::new(&self.source, play.line);
        let pattern = self.templates.render_str(&play.hosts, &ctx, &origin)?;
        Ok(pattern.trim().to_owned())
    }

    /// The hosts `pattern` selects within `--limit`, then `--shard`'s share of them.
    fn hosts(&self, play: &Play, pattern: &str) -> Result<Vec<&Host>, PlanProblem> {
        let at = format!("{}:{}", self.source, play.line);
        let matched =
            resolve_pattern(self.inventory, pattern).map_err(|source| PlanProblem::Hosts {
                play: play.name.clone(),
                at: at.clone(),
                pattern: pattern.to_owned(),
                source: Box::new(source),
            })?;
        if matched.is_empty() {
            return Err(PlanProblem::NoHosts {
                play: play.name.clone(),
                at,
                pattern: pattern.to_owned(),
            });
        }
        let limited: Vec<&Host> = match &self.limit {
            Some(limit) => matched
                .into_iter()
                .filter(|host| limit.contains(host.name.as_str()))
                .collect(),
            None => matched,
        };
        if !limited.is_empty() {
            self.limited_any.set(true);
        }
        Ok(match self.options.shard {
            Some(shard) => shard.select(limited, |host| host.name.as_str()),
            None => limited,
        })
    }

    /// The step (at `index` of its list) on every host of the scope. A step `tags`
    /// leave out registers nothing, so later steps that read its result see it
    /// undefined, as in Ansible.
    fn step(
        &self,
        (scope, names): (&Scope, &[HostName]),
        (index, step): (usize, &Step),
        tags: &TagFilter,
        registers: &mut Registers,
        problems: &mut Problems,
    ) -> PlannedStep {
        let label = step.label();
        let vars = Layer::step_vars(&step.vars, &self.options.extra_vars, &step.secret_vars);
        let mut hosts = Vec::with_capacity(names.len());
        if let Some(detail) = tags.excludes(&step.tags) {
            let skip = Skip::Tags { detail };
            hosts.extend(names.iter().map(|host| HostStep {
                host: host.clone(),
                state: StepState::Skipped(skip.clone()),
            }));
        } else {
            let waits = Waits::new(step, registers);
            let mut failed = 0;
            for (name, ctx) in names.iter().zip(&scope.hosts) {
                let host = StepHost {
                    scope,
                    step,
                    host: name,
                    ctx: ctx.with_layer(&vars),
                };
                match plan_host(&host, &waits) {
                    Ok(state) => hosts.push(HostStep {
                        host: name.clone(),
                        state,
                    }),
                    Err(problem) if failed < MAX_PROBLEMS_PER_STEP => {
                        failed += 1;
                        problems.push(problem);
                    }
                    Err(_) => problems.omit(1),
                }
            }
            if let Some(register) = &step.register {
                let dependency = Dependency {
                    register: register.clone(),
                    step: label.clone(),
                    file: step.file.clone(),
                    line: step.line,
                };
                registers.insert(register.clone(), dependency);
            }
        }
        PlannedStep {
            number: index + 1,
            label,
            file: step.file.clone(),
            line: step.line,
            tags: step.tags.clone(),
            options: options(step),
            hosts,
            step: Arc::new(step.clone()),
            vars,
        }
    }
}

/// One host's step: skipped, rendered now (each item, for a loop), or deferred.
fn plan_host(host: &StepHost<'_>, waits: &Waits<'_>) -> Result<StepState, PlanProblem> {
    if let Some(step_loop) = &host.step.loop_ {
        return plan_loop(host, waits, &looping::names(step_loop));
    }
    if waits.when.is_empty() {
        if let Some(skip) = host.when_skips()? {
            return Ok(StepState::Skipped(skip));
        }
    }
    check_rules(host, waits)?;
    let content = template_waits(host, waits)?;
    if !waits.any() && content.is_empty() {
        return Ok(StepState::Ready(Box::new(host.render()?)));
    }
    Ok(StepState::Deferred(waits.defer(host, &content)?))
}

/// A looped step on one host: its items, each decided (`when:` per item) and rendered;
/// deferred as a whole when anything of it (the loop itself included) reads a
/// registered result.
fn plan_loop(
    host: &StepHost<'_>,
    waits: &Waits<'_>,
    names: &LoopNames,
) -> Result<StepState, PlanProblem> {
    check_rules(host, waits)?;
    if waits.any() {
        return Ok(StepState::Deferred(waits.defer(host, &BTreeSet::new())?));
    }
    let items = host.loop_items()?;
    if items.is_empty() {
        return Ok(StepState::Skipped(Skip::EmptyLoop));
    }
    let mut planned = Vec::with_capacity(items.len());
    for item in items {
        let at = host.with_item(names, &item);
        let content = template_waits(&at, waits)?;
        if !content.is_empty() {
            return Ok(StepState::Deferred(waits.defer(host, &content)?));
        }
        let state = at.item_state()?;
        planned.push(PlannedItem { item, state });
    }
    Ok(StepState::Loop { items: planned })
}

/// `until:`, `changed_when:` and `failed_when:` are decided at run time, but the names
/// they read must exist by then: registered earlier, registered by this step, or
/// defined for the host.
fn check_rules(host: &StepHost<'_>, waits: &Waits<'_>) -> Result<(), PlanProblem> {
    let step = host.step;
    let rules = [&step.changed_when, &step.failed_when]
        .into_iter()
        .filter_map(|rule| match rule {
            Some(Condition::Expr(expr)) => Some(expr),
            _ => None,
        })
        .chain(&step.until);
    for rule in rules {
        let mut used = referenced_variables_in_expr(rule).unwrap_or_default();
        if let Some(register) = &step.register {
            used.remove(register);
        }
        waits.check_defined(host, &used)?;
    }
    Ok(())
}

/// The registered names a `put` template's file reads, when its path is known now.
fn template_waits(host: &StepHost<'_>, waits: &Waits<'_>) -> Result<BTreeSet<String>, PlanProblem> {
    let Action::Put(put) = &host.step.action else {
        return Ok(BTreeSet::new());
    };
    if !put.template || !waits.in_template(&put.src).is_empty() {
        return Ok(BTreeSet::new());
    }
    let (src, _) = host.text(&put.src)?;
    let file = host
        .scope
        .files
        .template(&host.scope.base_dir.join(src))
        .map_err(|message| host.local_file(message))?;
    Ok(waits.registered(&file.variables))
}

/// The step's runtime options.
fn options(step: &Step) -> StepOptions {
    StepOptions {
        register: step.register.clone(),
        timeout: step.timeout,
        retries: step.retries,
        delay: step.delay,
        until: step.until.clone(),
        ignore_errors: step.ignore_errors,
        become_: step.become_,
        become_user: step.become_user.clone(),
        check_mode: step.check_mode,
        changed_when: step.changed_when.clone(),
        failed_when: step.failed_when.clone(),
        notify: step.notify.clone(),
        run_once: step.run_once,
        delegate_to_localhost: step.delegate_to_localhost,
        loop_: step.loop_.as_ref().map(looping::names),
    }
}

/// Consecutive ranges of `hosts` indices, `serial` at a time.
fn batches(play: &Play, hosts: usize) -> Vec<Range<usize>> {
    let size = play
        .serial
        .map_or(hosts, |serial| serial.batch_size(hosts))
        .max(1);
    (0..hosts)
        .step_by(size)
        .map(|start| start..(start + size).min(hosts))
        .collect()
}
