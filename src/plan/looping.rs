//! Looped steps (`loop:`): the items for a host, each item's variables, and each item
//! decided (`when:` holds per item, as in Ansible) and rendered.

use super::context::Layer;
use super::error::PlanProblem;
use super::model::{ItemState, LoopItem, LoopNames, PlannedItem, Resolved, Skip};
use super::render::StepHost;
use crate::playbook::{LoopSource, StepLoop};
use crate::secret::MASK;
use crate::template::TemplateError;
use minijinja::value::ValueKind;

/// The names a step's items go under.
pub(super) fn names(step_loop: &StepLoop) -> LoopNames {
    LoopNames {
        loop_var: step_loop.loop_var.clone(),
        index_var: step_loop.index_var.clone(),
    }
}

impl StepHost<'_> {
    /// The loop's items for the host: the list as written with its strings rendered,
    /// or the list its template yields. Empty for a step without `loop:`.
    pub fn loop_items(&self) -> Result<Vec<LoopItem>, PlanProblem> {
        let Some(step_loop) = &self.step.loop_ else {
            return Ok(Vec::new());
        };
        let values = match &step_loop.source {
            LoopSource::Items(items) => items
                .iter()
                .map(|item| self.item_value(item))
                .collect::<Result<Vec<_>, _>>()?,
            LoopSource::Template(expr) => self.yielded(expr)?,
        };
        let names = names(step_loop);
        values
            .into_iter()
            .enumerate()
            .map(|(index, (value, shown))| {
                let mut item = LoopItem {
                    index,
                    label: String::new(),
                    value,
                    shown,
                };
                item.label = match &step_loop.label {
                    Some(label) => self.with_item(&names, &item).text(label)?.1,
                    None => show(&item.shown),
                };
                Ok(item)
            })
            .collect()
    }

    /// This host's step with `item` (and its position) in its variables.
    pub fn with_item(&self, names: &LoopNames, item: &LoopItem) -> StepHost<'_> {
        let layer = Layer::item(names, (&item.value, &item.shown), item.index);
        StepHost {
            scope: self.scope,
            step: self.step,
            host: self.host,
            ctx: self.ctx.with_layer(&layer),
        }
    }

    /// Each item of the loop `names` decided and rendered: skipped where `when:` is
    /// false for it.
    pub fn resolve_items(&self, names: &LoopNames) -> Result<Resolved, PlanProblem> {
        let items = self.loop_items()?;
        if items.is_empty() {
            return Ok(Resolved::Skipped(Skip::EmptyLoop));
        }
        let mut planned = Vec::with_capacity(items.len());
        for item in items {
            let state = self.with_item(names, &item).item_state()?;
            planned.push(PlannedItem { item, state });
        }
        Ok(Resolved::Loop(planned))
    }

    /// One item's step (this host's step with the item in its variables): skipped by
    /// `when:`, or rendered.
    pub fn item_state(&self) -> Result<ItemState, PlanProblem> {
        Ok(match self.when_skips()? {
            Some(skip) => ItemState::Skipped(skip),
            None => ItemState::Ready(Box::new(self.render()?)),
        })
    }

    /// An item as written, real and shown: its strings, at any depth, are templates
    /// (as Ansible renders a loop's list); anything else is taken as it is.
    fn item_value(
        &self,
        item: &serde_json::Value,
    ) -> Result<(serde_json::Value, serde_json::Value), PlanProblem> {
        use serde_json::Value as Json;
        Ok(match item {
            Json::String(template) => {
                let (real, shown) = self.text(template)?;
                (real.into(), shown.into())
            }
            Json::Array(items) => {
                let (real, shown): (Vec<Json>, Vec<Json>) = items
                    .iter()
                    .map(|item| self.item_value(item))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .unzip();
                (real.into(), shown.into())
            }
            Json::Object(map) => {
                let mut real = serde_json::Map::new();
                let mut shown = serde_json::Map::new();
                for (key, value) in map {
                    let (value, shown_value) = self.item_value(value)?;
                    real.insert(key.clone(), value);
                    shown.insert(key.clone(), shown_value);
                }
                (real.into(), shown.into())
            }
            other => (other.clone(), other.clone()),
        })
    }

    /// The list a `loop:` expression yields, each item real and shown (masked when the
    /// shown context cannot give the same list).
    fn yielded(
        &self,
        expr: &str,
    ) -> Result<Vec<(serde_json::Value, serde_json::Value)>, PlanProblem> {
        let templates = &self.scope.templates;
        let origin = self.origin();
        let real = templates.eval_value(expr, &self.ctx.real, &origin)?;
        let not_a_list = |kind: &str| {
            PlanProblem::Template(TemplateError::Render {
                at: origin.to_string(),
                detail: format!(
                    "`loop: \"{{{{ {expr} }}}}\"` yields {kind}, not a list; loop over a list \
                     (`| list`, `| dict2items`, `.split()`)"
                ),
            })
        };
        let kind = real.kind();
        if !matches!(kind, ValueKind::Seq | ValueKind::Iterable) {
            return Err(not_a_list(&kind.to_string()));
        }
        let to_json = |value: &minijinja::Value| {
            serde_json::to_value(value).map_err(|err| not_a_list(&format!("a value ({err})")))
        };
        let real: Vec<serde_json::Value> = real
            .try_iter()
            .map_err(|_| not_a_list(&kind.to_string()))?
            .map(|value| to_json(&value))
            .collect::<Result<_, _>>()?;
        let shown: Option<Vec<serde_json::Value>> = templates
            .eval_value(expr, &self.ctx.shown, &origin)
            .ok()
            .and_then(|shown| shown.try_iter().ok().map(|items| items.collect::<Vec<_>>()))
            .filter(|shown| shown.len() == real.len())
            .and_then(|shown| shown.iter().map(|value| to_json(value).ok()).collect());
        Ok(match shown {
            Some(shown) => real.into_iter().zip(shown).collect(),
            None => real.into_iter().map(|value| (value, MASK.into())).collect(),
        })
    }
}

/// An item as `--plan` and the output show it: a string as it is, anything else as
/// compact JSON.
fn show(item: &serde_json::Value) -> String {
    match item {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
