//! Checks of a play's `handlers:` and its steps' `notify:`, at load time.
//!
//! A handler is a step with a `name` (what `notify` names) and optional `listen` topics
//! (more names for it); it notifies nothing itself. Every name a step's `notify` gives
//! must be a handler's name or topic in the same play: a misspelt one is an error with a
//! suggestion, not a handler that silently never runs.

use super::Step;
use super::error::Problem;
use super::validate::{Place, Validator, labelled};
use super::yaml::closest;
use std::collections::HashSet;

impl Validator<'_> {
    /// Records a problem for each handler without a name, with a `notify`, or named
    /// twice, for each step with `listen`, and for each notified name no handler has.
    pub(super) fn check_handlers(&mut self, steps: &[Step], handlers: &[Step]) {
        let mut names: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        for handler in handlers {
            match handler.name.as_deref() {
                None => self.at_step(
                    handler,
                    "is a handler without a `name`; give it one, for `notify` to name it",
                ),
                Some(name) if !seen.insert(name) => self.at_step(
                    handler,
                    "is a second handler of that name; give each handler its own name \
                     (several can share a `listen` topic)",
                ),
                Some(name) => names.push(name),
            }
            if !handler.notify.is_empty() {
                self.at_step(
                    handler,
                    "is a handler with `notify`; handlers do not notify others: list what \
                     both do in the step's `notify`, in the order the handlers are written",
                );
            }
        }
        names.extend(
            handlers
                .iter()
                .flat_map(|h| h.listen.iter().map(String::as_str)),
        );
        for step in steps {
            if !step.listen.is_empty() {
                self.at_step(
                    step,
                    "has `listen`, which only handlers take (under the play's `handlers:`)",
                );
            }
            for notified in step.notify.iter().filter(|n| !names.contains(&n.as_str())) {
                let message = unknown_handler(notified, &names);
                self.at_step(step, message);
            }
        }
    }

    /// Records `message` at `step`, in the file it is written in.
    fn at_step(&mut self, step: &Step, message: impl AsRef<str>) {
        let place = Place {
            line: step.line,
            column: 0,
            label: labelled("step", step.name.as_deref()),
        };
        if step.file == self.source.name {
            self.report(&place, message);
        } else {
            self.problems.push(Problem {
                file: step.file.clone(),
                line: step.line,
                column: 0,
                message: format!("{}: {}", place.label, message.as_ref()),
                snippet: None,
            });
        }
    }
}

/// Why `notified` names no handler, and the nearest one if there is one near enough.
fn unknown_handler(notified: &str, names: &[&str]) -> String {
    let start =
        format!("notifies `{notified}`, which no handler of the play is named or listens to");
    match (closest(notified, names), names) {
        (Some(near), _) => format!("{start}; did you mean `{near}`?"),
        (None, []) => format!("{start}; the play has no `handlers:`"),
        (None, names) => format!("{start}; its handlers answer to: {}", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::playbook::{PlaybookError, parse};
    use std::path::Path;

    fn problems(text: &str) -> Vec<String> {
        let err: PlaybookError = parse("site.yml", text, Path::new(".")).unwrap_err();
        err.problems
            .iter()
            .map(|p| format!("{}:{}: {}", p.file, p.line, p.message))
            .collect()
    }

    #[test]
    fn notify_and_listen_name_handlers_in_order() {
        let text = "- hosts: all\n  steps:\n    - {run: a, notify: Restart}\n    - {run: b, notify: [web, Restart]}\n  handlers:\n    - {name: Restart, run: r}\n    - {name: Reload, run: l, listen: web}\n";
        let book = parse("site.yml", text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"));
        let play = &book.plays[0];
        assert_eq!(play.steps[0].notify, ["Restart"]);
        assert_eq!(play.steps[1].notify, ["web", "Restart"]);
        assert_eq!(play.handlers.len(), 2);
        assert_eq!(play.handlers[1].listen, ["web"]);
        assert_eq!(play.handlers[1].line, 7);
    }

    #[test]
    fn a_notify_no_handler_answers_is_an_error_with_a_suggestion() {
        let text = "- hosts: all\n  steps:\n    - {run: a, notify: Restart ap}\n    - {run: b, notify: zzz}\n  handlers:\n    - {name: Restart app, run: r, listen: web}\n";
        assert_eq!(
            problems(text),
            [
                "site.yml:3: step: notifies `Restart ap`, which no handler of the play is named or listens to; did you mean `Restart app`?",
                "site.yml:4: step: notifies `zzz`, which no handler of the play is named or listens to; its handlers answer to: Restart app, web",
            ]
        );
        assert_eq!(
            problems("- hosts: all\n  steps:\n    - {run: a, notify: x}\n"),
            [
                "site.yml:3: step: notifies `x`, which no handler of the play is named or listens to; the play has no `handlers:`"
            ]
        );
    }

    #[test]
    fn handlers_need_a_name_of_their_own_and_notify_nothing() {
        let text = "- hosts: all\n  steps:\n    - {run: a, listen: t}\n  handlers:\n    - {run: r}\n    - {name: A, run: r}\n    - {name: A, run: s, notify: A}\n";
        assert_eq!(
            problems(text),
            [
                "site.yml:5: step: is a handler without a `name`; give it one, for `notify` to name it",
                "site.yml:7: step 'A': is a second handler of that name; give each handler its own name (several can share a `listen` topic)",
                "site.yml:7: step 'A': is a handler with `notify`; handlers do not notify others: list what both do in the step's `notify`, in the order the handlers are written",
                "site.yml:3: step: has `listen`, which only handlers take (under the play's `handlers:`)",
            ]
        );
    }

    #[test]
    fn a_misspelt_notify_key_gets_a_suggestion() {
        assert_eq!(
            problems("- hosts: all\n  steps:\n    - {run: a, notfy: x}\n")[0],
            "site.yml:3: unknown key `notfy` in step; did you mean `notify`?"
        );
        assert_eq!(
            problems(
                "- hosts: all\n  steps:\n    - {run: a}\n  handler:\n    - {name: x, run: b}\n"
            )[0],
            "site.yml:4: unknown key `handler` in play; did you mean `handlers`?"
        );
    }
}
