//! Steps that read results registered by earlier steps: kept for run time, with what
//! can be checked and shown now.

use super::error::PlanProblem;
use super::model::{Deferred, Dependency};
use super::render::StepHost;
use super::text::{action_details, get_line, guards, put_line, run_context, run_line};
use crate::playbook::{Action, Condition, LoopSource, Step, StepLoop};
use crate::template::{TemplateError, referenced_variables, referenced_variables_in_expr};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The names registered by the play's earlier steps that run, with where each comes
/// from.
pub(super) type Registers = BTreeMap<String, Dependency>;

/// What in one step reads registered names: the same for every host.
pub(super) struct Waits<'a> {
    registers: &'a Registers,
    /// The registered names `when:` reads.
    pub when: BTreeSet<String>,
    /// The registered names the action, `creates` and `removes` read (and the loop:
    /// its items, its template, its label).
    pub action: BTreeSet<String>,
    /// The names a looped step's items go under (`item`, `loop_control`'s names):
    /// defined only per item.
    loop_names: BTreeSet<String>,
}

impl<'a> Waits<'a> {
    /// What `step` waits for, given the names registered before it.
    pub fn new(step: &Step, registers: &'a Registers) -> Self {
        let mut waits = Waits {
            registers,
            when: BTreeSet::new(),
            action: BTreeSet::new(),
            loop_names: BTreeSet::new(),
        };
        if let Some(step_loop) = &step.loop_ {
            waits.loop_names.insert(step_loop.loop_var.clone());
            waits.loop_names.extend(step_loop.index_var.clone());
            let used = match &step_loop.source {
                LoopSource::Template(expr) => {
                    referenced_variables_in_expr(expr).unwrap_or_default()
                }
                LoopSource::Items(items) => items
                    .iter()
                    .filter_map(|item| item.as_str())
                    .flat_map(|text| referenced_variables(text).unwrap_or_default())
                    .collect(),
            };
            waits.action = waits.registered(&used);
            if let Some(label) = &step_loop.label {
                let used = referenced_variables(label).unwrap_or_default();
                waits.action.extend(waits.registered(&used));
            }
        }
        if let Some(Condition::Expr(expr)) = &step.when {
            let used = referenced_variables_in_expr(expr).unwrap_or_default();
            waits.when = waits.registered(&used);
        }
        for template in templates_of(step) {
            let used = referenced_variables(template).unwrap_or_default();
            waits.action.extend(waits.registered(&used));
        }
        waits
    }

    /// Whether any value of the step waits (not counting a put template's contents).
    pub fn any(&self) -> bool {
        !self.when.is_empty() || !self.action.is_empty()
    }

    /// The registered names of `template` (a syntax error was reported by the loader,
    /// and is reported again when rendering: it reads nothing here).
    pub fn in_template(&self, template: &str) -> BTreeSet<String> {
        self.registered(&referenced_variables(template).unwrap_or_default())
    }

    /// The registered names among `used`.
    pub fn registered(&self, used: &HashSet<String>) -> BTreeSet<String> {
        used.iter()
            .filter(|name| self.registers.contains_key(*name))
            .cloned()
            .collect()
    }

    /// The deferred step for `host`: its values that wait are checked for undefined
    /// variables and shown as written; the others are rendered (which checks them) and
    /// shown masked. `content` are the registered names a put template's file reads.
    pub fn defer(
        &self,
        host: &StepHost<'_>,
        content: &BTreeSet<String>,
    ) -> Result<Deferred, PlanProblem> {
        let when = match &host.step.when {
            Some(Condition::Expr(expr)) if !self.when.is_empty() => {
                let used = referenced_variables_in_expr(expr).unwrap_or_default();
                self.check_defined(host, &used)?;
                Some(expr.clone())
            }
            _ => None,
        };
        let field = |template: &str| -> Result<String, PlanProblem> {
            let used = referenced_variables(template).unwrap_or_default();
            if self.in_template(template).is_empty()
                && used.iter().all(|name| !self.loop_names.contains(name))
            {
                Ok(host.text(template)?.1)
            } else {
                self.check_defined(host, &referenced_variables(template).unwrap_or_default())?;
                Ok(template.to_owned())
            }
        };
        let mut shown = match &host.step.loop_ {
            Some(StepLoop {
                source: LoopSource::Template(expr),
                ..
            }) => format!("loop over {{{{ {expr} }}}}: "),
            Some(StepLoop {
                source: LoopSource::Items(items),
                ..
            }) => format!("loop over {} items: ", items.len()),
            None => String::new(),
        };
        shown += &match &host.step.action {
            Action::Run(command) => run_line(&field(command)?),
            Action::Put(put) => {
                let src = field(&put.src)?;
                let src = host.scope.base_dir.join(src).display().to_string();
                let template = match (put.template, content.is_empty()) {
                    (false, _) => None,
                    (true, true) => Some("template".to_owned()),
                    (true, false) => Some("template rendered at run time".to_owned()),
                };
                let details = action_details(template, put.mode);
                put_line(&src, &field(&put.dest)?, &details)
            }
            Action::Get(get) => get_line(&field(&get.src)?, &field(&get.dest)?),
        };
        let creates = host.step.creates.as_deref().map(field).transpose()?;
        let removes = host.step.removes.as_deref().map(field).transpose()?;
        shown.push_str(&guards(creates.as_deref(), removes.as_deref()));
        let chdir = host.step.chdir.as_deref().map(field).transpose()?;
        let mut environment = BTreeMap::new();
        for (name, value) in &host.step.environment {
            environment.insert(name.clone(), field(value)?);
        }
        shown.push_str(&run_context(chdir.as_deref(), &environment));
        let names: BTreeSet<&String> = self
            .when
            .iter()
            .chain(&self.action)
            .chain(content)
            .collect();
        let mut depends_on: Vec<Dependency> = names
            .into_iter()
            .filter_map(|name| self.registers.get(name).cloned())
            .collect();
        depends_on.sort_by_key(|dependency| dependency.line);
        Ok(Deferred {
            when,
            shown,
            depends_on,
        })
    }

    /// Every name in `used` must be registered by an earlier step, defined for the host,
    /// or a global function: else it is undefined, found now rather than at run time.
    pub fn check_defined(
        &self,
        host: &StepHost<'_>,
        used: &HashSet<String>,
    ) -> Result<(), PlanProblem> {
        let mut used: Vec<&String> = used.iter().collect();
        used.sort();
        let undefined = used.into_iter().find(|name| {
            !self.registers.contains_key(*name)
                && !self.loop_names.contains(*name)
                && !host
                    .ctx
                    .real
                    .get_attr(name)
                    .is_ok_and(|v| !v.is_undefined())
                && !host.scope.templates.is_global(name)
        });
        match undefined {
            Some(name) => Err(PlanProblem::Template(TemplateError::Undefined {
                at: host.origin().to_string(),
                name: name.clone(),
            })),
            None => Ok(()),
        }
    }
}

/// The step's templated values besides `when`/`until`: its action's, `creates`,
/// `removes`, `stdin`, `chdir`, `environment`.
fn templates_of(step: &Step) -> Vec<&str> {
    let mut templates = match &step.action {
        Action::Run(command) => vec![command.as_str()],
        Action::Put(put) => vec![put.src.as_str(), put.dest.as_str()],
        Action::Get(get) => vec![get.src.as_str(), get.dest.as_str()],
    };
    templates.extend(step.creates.as_deref());
    templates.extend(step.removes.as_deref());
    templates.extend(step.stdin.as_deref());
    templates.extend(step.chdir.as_deref());
    templates.extend(step.environment.iter().map(|(_, value)| value.as_str()));
    templates
}
