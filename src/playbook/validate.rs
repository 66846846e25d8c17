//! From the playbook as written to the checked model, collecting every problem.

use super::error::Problem;
use super::files::{check_put_src, read_vars_file};
use super::import::ImportChain;
use super::model::{Action, GetSpec, Play, PutSpec, Step, StepLoop};
use super::raw::{RawPlay, RawStep};
use super::source::Source;
use super::values::{Condition, LoopSource};
use crate::secret::SecretVars;
use crate::template::{referenced_variables, referenced_variables_in_expr};
use crate::vault::{Vault, decrypt_values};
use serde_json::{Map, Value};
use serde_saphyr::{Location, Spanned};
use std::path::{Path, PathBuf};

/// Retries when a step has `until:` but no `retries:` (as in Ansible).
const DEFAULT_UNTIL_RETRIES: u32 = 3;
/// Seconds between retries when `delay:` is not given.
const DEFAULT_DELAY: u64 = 1;

/// Checks raw plays and builds the model; every problem found is pushed to `problems`.
pub(super) struct Validator<'a> {
    /// The playbook text and its shown name.
    pub source: Source<'a>,
    /// The playbook's lines, indexed once for the snippets of its problems.
    pub lines: Vec<&'a str>,
    /// Where relative local paths start.
    pub base_dir: &'a Path,
    /// The file being read and the files that imported it (`import_steps`), the
    /// playbook first: where its imports start, and what a cycle would run through.
    pub chain: ImportChain,
    /// The passwords for vars files (and values) encrypted with ansible-vault.
    pub vault: &'a Vault,
    /// Problems found so far.
    pub problems: Vec<Problem>,
    /// The `become` and `become_user` of the play whose steps are being read.
    pub play_become: PlayBecome,
}

/// A play's `become` and `become_user`: the defaults of its steps and handlers (imported
/// ones too), as in Ansible.
#[derive(Debug, Clone, Default)]
pub(super) struct PlayBecome {
    /// The play's `become`.
    pub become_: Option<bool>,
    /// The play's `become_user`.
    pub user: Option<String>,
}

/// Where something sits in the playbook, and how messages call it.
pub(super) struct Place {
    pub line: usize,
    pub column: usize,
    pub label: String,
}

impl Validator<'_> {
    /// The play, if it is valid; otherwise its problems are recorded.
    pub fn play(&mut self, raw: Spanned<RawPlay>) -> Option<Play> {
        let (line, column) = position(&raw.referenced);
        let raw_play = raw.value;
        let name = raw_play.name.unwrap_or_else(|| raw_play.hosts.clone());
        let place = Place {
            line,
            column,
            label: labelled("play", Some(&name)),
        };
        let before = self.problems.len();

        if raw_play.hosts.trim().is_empty() {
            self.report(
                &place,
                "has an empty `hosts`; name a group, a host, or `all`",
            );
        }
        if let Some(percent) = raw_play.max_fail_percentage.filter(|&p| p > 100) {
            self.report(
                &place,
                format!("has max_fail_percentage {percent}; use a value from 0 to 100"),
            );
        }
        if raw_play.steps.is_empty() {
            self.report(&place, "has no steps; give it at least one under `steps:`");
        }
        self.check_var_names(&place, &raw_play.vars);
        let mut vars = raw_play.vars;
        let mut secret_vars = self.decrypt_vars(&place, &mut vars);
        let vars_files =
            self.merge_vars_files(&place, &raw_play.vars_files, &mut vars, &mut secret_vars);
        if raw_play.become_user.is_some() && raw_play.become_ != Some(true) {
            self.report(
                &place,
                "has `become_user` without `become: true`; add `become: true` (as in Ansible, \
                 `become_user` alone changes nothing)",
            );
        }
        self.play_become = PlayBecome {
            become_: raw_play.become_,
            user: raw_play.become_user,
        };
        let steps = self.steps(raw_play.steps);
        let handlers = self.steps(raw_play.handlers);
        self.play_become = PlayBecome::default();
        self.check_handlers(&steps, &handlers);

        let play = Play {
            name,
            hosts: raw_play.hosts,
            vars,
            secret_vars,
            vars_files,
            serial: raw_play.serial,
            max_fail_percentage: raw_play.max_fail_percentage,
            strategy: raw_play.strategy,
            steps,
            handlers,
            line,
        };
        self.check_run_once(&play, &place);
        (self.problems.len() == before).then_some(play)
    }

    /// Gives `raw` the play's `become` and `become_user` where it sets none, as Ansible
    /// does; not to a step delegated to localhost (herd runs no `sudo` on the controller:
    /// it runs as you), and a `stdin:` step must opt out (`become: false`), since sudo
    /// reads its password from standard input.
    fn inherit_become(&mut self, place: &Place, raw: &mut RawStep) {
        if raw.become_.is_some() || raw.delegate_to.is_some() {
            return;
        }
        let play = &self.play_become;
        if play.become_ == Some(true) && raw.stdin.is_some() {
            self.report(
                place,
                "has `stdin:` in a play with `become: true`; sudo reads its password from \
                 standard input, so give this step `become: false` (or write the text to a \
                 file first with a `put`)",
            );
            return;
        }
        raw.become_ = play.become_;
        if raw.become_ == Some(true) && raw.become_user.is_none() {
            raw.become_user = play.user.clone();
        }
    }

    /// Decrypts the `!vault` values of a play's or step's `vars:`; returns where they were.
    fn decrypt_vars(&mut self, place: &Place, vars: &mut Map<String, Value>) -> SecretVars {
        decrypt_values(vars, self.vault).unwrap_or_else(|err| {
            self.report(place, format!("in `vars:`, {err}"));
            SecretVars::default()
        })
    }

    /// Merges each vars file over `vars`, in order, adding what came from the vault to
    /// `secret`; returns the files' resolved paths.
    fn merge_vars_files(
        &mut self,
        play: &Place,
        files: &[Spanned<String>],
        vars: &mut Map<String, Value>,
        secret: &mut SecretVars,
    ) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for file in files {
            let path = self.base_dir.join(&file.value);
            let (line, column) = position(&file.referenced);
            let entry = Place {
                line,
                column,
                label: play.label.clone(),
            };
            if !path.is_file() {
                self.report(
                    &entry,
                    format!(
                        "vars file {} does not exist (relative paths are resolved against the \
                         playbook's directory)",
                        path.display()
                    ),
                );
                continue;
            }
            match read_vars_file(&path, self.vault) {
                Ok(loaded) => {
                    let at = Place {
                        label: format!("vars file {}", path.display()),
                        ..entry
                    };
                    self.check_var_names(&at, &loaded.vars);
                    vars.extend(loaded.vars);
                    secret.extend(loaded.secret);
                }
                Err(problem) => self.problems.push(problem),
            }
            paths.push(path);
        }
        paths
    }

    /// The step, if it is valid; otherwise its problems are recorded.
    pub(super) fn step(&mut self, place: Place, mut raw: RawStep) -> Option<Step> {
        let line = place.line;
        let before = self.problems.len();

        let action = self.action(&place, &raw);
        if let Some(register) = &raw.register {
            if !is_identifier(register) {
                self.report(
                    &place,
                    format!(
                        "has register `{register}`, which is not a variable name; use letters, \
                         digits and `_`, not starting with a digit"
                    ),
                );
            }
        }
        if let Some(Condition::Expr(expr)) = &raw.when {
            self.check_expression(&place, "when", expr);
        }
        if let Some(expr) = &raw.until {
            self.check_expression(&place, "until", expr);
        }
        for (key, rule) in [
            ("changed_when", &raw.changed_when),
            ("failed_when", &raw.failed_when),
        ] {
            if let Some(Condition::Expr(expr)) = rule {
                self.check_expression(&place, key, expr);
            }
        }
        self.check_var_names(&place, &raw.vars);
        let mut vars = std::mem::take(&mut raw.vars);
        let secret_vars = self.decrypt_vars(&place, &mut vars);
        let environment = self.environment(&place, &raw);
        let step_loop = self.step_loop(&place, &raw);
        if raw.chdir.is_some() && raw.run.is_none() {
            self.report(&place, "has `chdir:`, which only `run` steps take");
        }
        if raw
            .chdir
            .as_deref()
            .is_some_and(|dir| dir.trim().is_empty())
        {
            self.report(
                &place,
                "has an empty `chdir`; give a directory, or leave it out",
            );
        }
        if raw.timeout == Some(0) {
            self.report(
                &place,
                "has timeout 0; use at least 1 second, or leave it out",
            );
        }
        self.inherit_become(&place, &mut raw);
        if raw.become_user.is_some() && raw.become_ != Some(true) {
            self.report(
                &place,
                "has `become_user` without `become: true`; add `become: true` (as in Ansible, \
                 `become_user` alone changes nothing)",
            );
        }
        if raw.stdin.is_some() && raw.run.is_none() {
            self.report(&place, "has `stdin:`, which only `run` steps take");
        }
        if raw.stdin.is_some() && raw.become_ == Some(true) {
            self.report(
                &place,
                "has both `stdin:` and `become: true`; sudo reads its password from standard \
                 input, so write the text to a file first (a `put`) and read it in the command",
            );
        }
        self.check_delegation(&place, &raw);
        for (key, value) in [
            ("creates", &raw.creates),
            ("removes", &raw.removes),
            ("stdin", &raw.stdin),
            ("chdir", &raw.chdir),
        ] {
            if let Some(value) = value {
                self.check_template(&place, key, value);
            }
        }

        let action = action?;
        (self.problems.len() == before).then(|| Step {
            name: raw.name,
            action,
            register: raw.register,
            when: raw.when,
            timeout: raw.timeout,
            retries: raw.retries.unwrap_or(if raw.until.is_some() {
                DEFAULT_UNTIL_RETRIES
            } else {
                0
            }),
            delay: raw.delay.unwrap_or(DEFAULT_DELAY),
            until: raw.until,
            ignore_errors: raw.ignore_errors.unwrap_or(false),
            creates: raw.creates,
            removes: raw.removes,
            stdin: raw.stdin,
            become_: raw.become_.unwrap_or(false),
            become_user: raw.become_user,
            check_mode: raw.check_mode,
            tags: raw.tags.0,
            vars,
            secret_vars,
            environment,
            chdir: raw.chdir,
            changed_when: raw.changed_when,
            failed_when: raw.failed_when,
            notify: raw.notify.0,
            listen: raw.listen.0,
            run_once: raw.run_once.unwrap_or(false),
            delegate_to_localhost: raw.delegate_to.is_some(),
            loop_: step_loop,
            file: self.source.name.to_owned(),
            line,
        })
    }

    /// `loop:` and `loop_control:`: a list (its string items are templates) or one
    /// template expression yielding a list; variable names usable in templates.
    fn step_loop(&mut self, place: &Place, raw: &RawStep) -> Option<StepLoop> {
        let control = raw.loop_control.as_ref();
        let Some(source) = &raw.loop_ else {
            if control.is_some() {
                self.report(place, "has `loop_control:` but no `loop:`");
            }
            return None;
        };
        let source = match source {
            LoopSource::Items(items) => {
                for item in items {
                    if let Value::String(text) = item {
                        self.check_template(place, "loop", text);
                    }
                }
                LoopSource::Items(items.clone())
            }
            LoopSource::Template(text) => match loop_expression(text) {
                Some(expr) => {
                    if let Err(err) = referenced_variables_in_expr(expr) {
                        self.report(place, format!("has an invalid `loop` template: {err}"));
                    }
                    LoopSource::Template(expr.to_owned())
                }
                None => {
                    self.report(
                        place,
                        format!(
                            "has `loop: {text}`; a loop takes a list, or one template \
                             expression that yields a list (`loop: \"{{{{ packages }}}}\"`)"
                        ),
                    );
                    return None;
                }
            },
        };
        let names = [
            ("loop_var", control.and_then(|c| c.loop_var.as_ref())),
            ("index_var", control.and_then(|c| c.index_var.as_ref())),
        ];
        for (key, name) in names {
            if let Some(name) = name.filter(|name| !is_identifier(name)) {
                self.report(
                    place,
                    format!(
                        "has loop_control.{key} `{name}`, which is not a variable name; use \
                         letters, digits and `_`, not starting with a digit"
                    ),
                );
            }
        }
        let label = control.and_then(|c| c.label.clone());
        if let Some(label) = &label {
            self.check_template(place, "loop_control.label", label);
        }
        Some(StepLoop {
            source,
            loop_var: control
                .and_then(|c| c.loop_var.clone())
                .unwrap_or_else(|| "item".to_owned()),
            index_var: control.and_then(|c| c.index_var.clone()),
            label,
        })
    }

    /// `environment:`: names a shell can export, scalar values that parse as templates,
    /// only on `run` steps. Numbers and booleans become their text.
    fn environment(&mut self, place: &Place, raw: &RawStep) -> Vec<(String, String)> {
        if !raw.environment.is_empty() && raw.run.is_none() {
            self.report(place, "has `environment:`, which only `run` steps take");
        }
        let mut environment = Vec::with_capacity(raw.environment.len());
        for (name, value) in &raw.environment {
            if !is_identifier(name) {
                self.report(
                    place,
                    format!(
                        "has environment variable `{name}`, which a shell cannot export; use \
                         letters, digits and `_`, not starting with a digit"
                    ),
                );
                continue;
            }
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => {
                    self.report(
                        place,
                        format!(
                            "has environment variable `{name}` set to a list, mapping or null; \
                             give it a string (a template), number or boolean"
                        ),
                    );
                    continue;
                }
            };
            self.check_template(place, &format!("environment.{name}"), &text);
            environment.push((name.clone(), text));
        }
        environment
    }

    /// The step's one action; two or none is a problem.
    fn action(&mut self, place: &Place, raw: &RawStep) -> Option<Action> {
        let present: Vec<&str> = [
            ("run", raw.run.is_some()),
            ("put", raw.put.is_some()),
            ("get", raw.get.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, present)| present.then_some(key))
        .collect();
        match present.as_slice() {
            [] => {
                self.report(place, "has none of run, put, get; a step takes exactly one");
                return None;
            }
            [_] => {}
            [first, second, ..] => {
                self.report(
                    place,
                    format!(
                        "has both `{first}` and `{second}`; a step takes exactly one of run, put, get"
                    ),
                );
                return None;
            }
        }
        if let Some(command) = &raw.run {
            if command.trim().is_empty() {
                self.report(place, "has an empty `run`; give the command to run");
                return None;
            }
            self.check_template(place, "run", command);
            return Some(Action::Run(command.clone()));
        }
        if let Some(put) = &raw.put {
            self.check_template(place, "put.src", &put.src);
            self.check_template(place, "put.dest", &put.dest);
            for (key, value) in [("put.owner", &put.owner), ("put.group", &put.group)] {
                if let Some(value) = value {
                    self.check_template(place, key, value);
                }
            }
            if !put.src.contains("{{") {
                let src = self.base_dir.join(&put.src);
                let at_step = |message: String| self.problem(place, message);
                if let Err(problem) = check_put_src(&src, put.template, at_step) {
                    self.problems.push(problem);
                }
            }
            return Some(Action::Put(PutSpec {
                src: put.src.clone(),
                dest: put.dest.clone(),
                mode: put.mode,
                owner: put.owner.clone(),
                group: put.group.clone(),
                template: put.template,
            }));
        }
        let get = raw.get.as_ref()?;
        self.check_template(place, "get.src", &get.src);
        self.check_template(place, "get.dest", &get.dest);
        Some(Action::Get(GetSpec {
            src: get.src.clone(),
            dest: get.dest.clone(),
        }))
    }

    /// A `when:`/`until:` is an expression: no `{{ }}`, and it must parse.
    pub(super) fn check_expression(&mut self, place: &Place, key: &str, expr: &str) {
        if expr.contains("{{") {
            self.report(
                place,
                format!(
                    "has `{key}: {expr}`; `{key}` is already an expression, write it without \
                     {{{{ }}}} (e.g. `{key}: disk.rc == 0`)"
                ),
            );
        } else if let Err(err) = referenced_variables_in_expr(expr) {
            self.report(place, format!("has an invalid `{key}` expression: {err}"));
        }
    }

    /// A templated value must parse as a template.
    fn check_template(&mut self, place: &Place, key: &str, text: &str) {
        if let Err(err) = referenced_variables(text) {
            self.report(place, format!("has an invalid `{key}` template: {err}"));
        }
    }

    /// Variable names must be usable in templates.
    fn check_var_names(&mut self, place: &Place, vars: &Map<String, Value>) {
        for name in vars.keys().filter(|name| !is_identifier(name)) {
            self.report(
                place,
                format!(
                    "has variable `{name}`, which templates cannot name; use letters, digits \
                     and `_`, not starting with a digit"
                ),
            );
        }
    }

    pub(super) fn report(&mut self, place: &Place, message: impl AsRef<str>) {
        let problem = self.problem(place, message);
        self.problems.push(problem);
    }

    /// A problem at `place`: its label, then `message`, with a snippet of its line.
    fn problem(&self, place: &Place, message: impl AsRef<str>) -> Problem {
        let message = format!("{}: {}", place.label, message.as_ref());
        let source_line = place
            .line
            .checked_sub(1)
            .and_then(|index| self.lines.get(index).copied());
        self.source
            .problem_on(source_line, place.line, place.column, message)
    }
}

/// `play 'Deploy'`, or just `play` when it has no name.
pub(super) fn labelled(what: &str, name: Option<&str>) -> String {
    match name.filter(|name| !name.trim().is_empty()) {
        Some(name) => format!("{what} '{name}'"),
        None => what.to_owned(),
    }
}

/// The expression of a `loop:` template that is one `{{ … }}` and nothing else.
fn loop_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.trim_start_matches('-').trim_end_matches('-').trim();
    (!inner.is_empty() && !inner.contains("{{") && !inner.contains("}}")).then_some(inner)
}

/// `[A-Za-z_][A-Za-z0-9_]*`
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn position(location: &Location) -> (usize, usize) {
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    (to_usize(location.line()), to_usize(location.column()))
}
