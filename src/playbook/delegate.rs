//! Checks of `delegate_to` and `run_once`, at load time.
//!
//! `delegate_to` takes only `localhost` (or `127.0.0.1`): herd runs such a step's
//! command on the controller. Only `run` steps can be delegated: a `put` or `get` there
//! would copy between the controller and itself, and `become` would run sudo on the
//! controller, which a playbook for remote hosts should never do. `run_once` needs the
//! `linear` strategy, where a batch moves through each step together.

use super::raw::RawStep;
use super::validate::{Place, Validator};
use super::{Play, Strategy};

impl Validator<'_> {
    /// Records what is wrong with the step's `delegate_to`, if anything.
    pub(super) fn check_delegation(&mut self, place: &Place, raw: &RawStep) {
        let Some(target) = &raw.delegate_to else {
            return;
        };
        if target != "localhost" && target != "127.0.0.1" {
            self.report(
                place,
                format!(
                    "has `delegate_to: {target}`; herd delegates only to `localhost` (the \
                     controller). To run on another host, give it its own play or step \
                     with `when: inventory_hostname == '…'`"
                ),
            );
        }
        if raw.run.is_none() {
            self.report(
                place,
                "has `delegate_to` on a put or get; only `run` steps can be delegated (a copy \
                 delegated to the controller would copy it to itself): to prepare a file \
                 locally, `run` a command with `delegate_to: localhost`, then `put` the file",
            );
        }
        if raw.become_ == Some(true) {
            self.report(
                place,
                "has `delegate_to` with `become: true`; herd does not run sudo on the \
                 controller: drop `become`, or run the step on the host",
            );
        }
    }

    /// Records each `run_once` step of a `free` play.
    pub(super) fn check_run_once(&mut self, play: &Play, place: &Place) {
        if play.strategy != Strategy::Free {
            return;
        }
        for step in play.steps.iter().chain(&play.handlers) {
            if step.run_once {
                self.report(
                    place,
                    format!(
                        "has `strategy: free` and step '{}' ({}:{}) has `run_once`, which needs \
                         the batch to move through the steps together: use `strategy: \
                         linear`, or drop `run_once`",
                        step.label(),
                        step.file,
                        step.line
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::playbook::parse;
    use std::path::Path;

    fn problems(text: &str) -> Vec<String> {
        let err = parse("site.yml", text, Path::new(".")).unwrap_err();
        err.problems
            .iter()
            .map(|p| format!("{}:{}: {}", p.file, p.line, p.message))
            .collect()
    }

    #[test]
    fn run_once_and_delegate_to_localhost_load() {
        let text = "- hosts: all\n  steps:\n    - {run: make, run_once: true, delegate_to: localhost}\n    - {run: b, delegate_to: 127.0.0.1}\n";
        let book = parse("site.yml", text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"));
        let steps = &book.plays[0].steps;
        assert!(steps[0].run_once && steps[0].delegate_to_localhost);
        assert!(!steps[1].run_once && steps[1].delegate_to_localhost);
    }

    #[test]
    fn delegate_to_takes_localhost_and_run_steps_without_become() {
        let text = "- hosts: all\n  steps:\n    - {run: a, delegate_to: h2}\n    - {get: {src: /tmp/x, dest: got}, delegate_to: localhost}\n    - {run: c, become: true, delegate_to: localhost}\n";
        assert_eq!(
            problems(text),
            [
                "site.yml:3: step: has `delegate_to: h2`; herd delegates only to `localhost` (the controller). To run on another host, give it its own play or step with `when: inventory_hostname == '…'`",
                "site.yml:4: step: has `delegate_to` on a put or get; only `run` steps can be delegated (a copy delegated to the controller would copy it to itself): to prepare a file locally, `run` a command with `delegate_to: localhost`, then `put` the file",
                "site.yml:5: step: has `delegate_to` with `become: true`; herd does not run sudo on the controller: drop `become`, or run the step on the host",
            ]
        );
    }

    #[test]
    fn run_once_needs_the_linear_strategy() {
        let text = "- hosts: all\n  strategy: free\n  steps:\n    - {name: Build, run: a, run_once: true}\n";
        assert_eq!(
            problems(text),
            [
                "site.yml:1: play 'all': has `strategy: free` and step 'Build' (site.yml:4) has `run_once`, which needs the batch to move through the steps together: use `strategy: linear`, or drop `run_once`"
            ]
        );
        assert_eq!(
            problems("- hosts: all\n  steps:\n    - {run: a, run_onse: true}\n")[0],
            "site.yml:3: unknown key `run_onse` in step; did you mean `run_once`?"
        );
    }
}
