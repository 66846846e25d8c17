//! `import_steps: FILE`: a step replaced, at load time, by the steps of another file.
//!
//! The imported file is a YAML list of steps (as Ansible's `import_tasks` takes a task
//! list), found relative to the file that imports it. It may import further files; a
//! file that imports itself, directly or through others, is an error naming the chain.
//! Its steps keep their own file and line, so errors and `--plan` point into it. Local
//! paths inside them (`put.src`, `get.dest`) stay relative to the playbook's directory.
//! As with Ansible's `import_tasks`, the import step's `tags` are added to every imported
//! step and its `when` is added to each one's condition (`(outer) and (inner)`).

use super::raw::RawStep;
use super::source::{Source, read_text};
use super::validate::{Place, Validator, labelled, position};
use super::{Condition, Step, yaml};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// How deep imports may nest (the playbook's own steps are at depth 0).
pub(super) const MAX_IMPORT_DEPTH: usize = 16;

/// The files being read, outermost (the playbook) first.
pub(super) struct ImportChain(Vec<Link>);

/// One file of an [`ImportChain`].
#[derive(Clone)]
struct Link {
    /// As messages name it.
    name: String,
    /// Canonical, to recognise it when it comes round again.
    canonical: PathBuf,
    /// Where its own imports start.
    dir: PathBuf,
}

impl ImportChain {
    /// The chain of the playbook `name` at `path`, whose imports start in `dir`.
    pub(super) fn new(name: &str, path: &Path, dir: &Path) -> ImportChain {
        ImportChain(vec![Link {
            name: name.to_owned(),
            canonical: canonical(path),
            dir: dir.to_path_buf(),
        }])
    }

    /// The chain with `path` (named `name`) imported by its last file.
    fn with(&self, name: String, path: &Path) -> ImportChain {
        let mut links = self.0.clone();
        links.push(Link {
            name,
            canonical: canonical(path),
            dir: directory_of(path),
        });
        ImportChain(links)
    }

    /// Where the current file's imports start.
    fn dir(&self) -> &Path {
        self.0.last().map_or(Path::new("."), |link| &link.dir)
    }

    /// `site.yml → a.yml → b.yml → a.yml` when importing `path` closes a cycle.
    fn cycle(&self, name: &str, path: &Path) -> Option<String> {
        let path = canonical(path);
        let start = self.0.iter().position(|link| link.canonical == path)?;
        let mut names: Vec<&str> = self.0[start..].iter().map(|l| l.name.as_str()).collect();
        names.push(name);
        Some(names.join(" → "))
    }
}

impl Validator<'_> {
    /// The valid steps of `raw`, imports replaced by the steps they bring; problems are
    /// recorded.
    pub(super) fn steps(&mut self, raw: Vec<Spanned<RawStep>>) -> Vec<Step> {
        let mut steps = Vec::with_capacity(raw.len());
        for spanned in raw {
            let (line, column) = position(&spanned.referenced);
            let raw = spanned.value;
            let place = Place {
                line,
                column,
                label: labelled("step", raw.name.as_deref()),
            };
            match raw.import_steps.clone() {
                Some(file) => {
                    if self.alone(&place, &raw) {
                        if let Some(Condition::Expr(expr)) = &raw.when {
                            self.check_expression(&place, "when", expr);
                        }
                        let imported = self.import(&place, &file);
                        steps.extend(imported.into_iter().map(|step| inherit(step, &raw)));
                    }
                }
                None => steps.extend(self.step(place, raw)),
            }
        }
        steps
    }

    /// Whether an import step has nothing but `import_steps` (and a `name`, `tags`,
    /// `when`); otherwise the keys it should not have are reported.
    fn alone(&mut self, place: &Place, raw: &RawStep) -> bool {
        let others = other_keys(raw);
        if others.is_empty() {
            return true;
        }
        self.report(
            place,
            format!(
                "has `import_steps` and {}; an import step takes only `name`, `tags` and `when` \
                 besides the file (put the other keys on the imported steps)",
                others
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        false
    }

    /// The valid steps of the file `file` names; problems in it point into it.
    fn import(&mut self, place: &Place, file: &str) -> Vec<Step> {
        if file.trim().is_empty() {
            self.report(place, "has an empty `import_steps`; name a file of steps");
            return Vec::new();
        }
        let path = self.chain.dir().join(file);
        let name = path.display().to_string();
        if let Some(chain) = self.chain.cycle(&name, &path) {
            self.report(place, format!("imports itself: {chain}"));
            return Vec::new();
        }
        if self.chain.0.len() > MAX_IMPORT_DEPTH {
            self.report(
                place,
                format!("imports {name} nested more than {MAX_IMPORT_DEPTH} deep"),
            );
            return Vec::new();
        }
        if !path.is_file() {
            let what = if path.exists() {
                "is not a file"
            } else {
                "does not exist"
            };
            self.report(
                place,
                format!(
                    "import_steps file {name} {what} (relative paths are resolved against the \
                     directory of the file that imports it)"
                ),
            );
            return Vec::new();
        }
        let text = match read_text(&path, &name) {
            Ok(text) => text,
            Err(problem) => {
                self.problems.push(problem);
                return Vec::new();
            }
        };
        let source = Source {
            name: &name,
            text: &text,
        };
        let raw = match yaml::parse::<Option<Vec<Spanned<RawStep>>>>(source) {
            Ok(Some(raw)) if !raw.is_empty() => raw,
            Ok(_) => {
                self.problems.push(source.problem(
                    0,
                    0,
                    "the file has no steps; an imported file is a list of steps (`- run: …`)",
                ));
                return Vec::new();
            }
            Err(problem) => {
                self.problems.push(problem);
                return Vec::new();
            }
        };
        let mut inner = Validator {
            source,
            lines: text.lines().collect(),
            base_dir: self.base_dir,
            chain: self.chain.with(name.clone(), &path),
            vault: self.vault,
            problems: Vec::new(),
            play_become: self.play_become.clone(),
        };
        let steps = inner.steps(raw);
        self.problems.append(&mut inner.problems);
        steps
    }
}

/// The keys of an import step other than `name` and `import_steps`. Listing every field
/// (no `..`) makes a new step key a compile error here until it is decided.
fn other_keys(raw: &RawStep) -> Vec<&'static str> {
    let RawStep {
        name: _,
        import_steps: _,
        tags: _,
        when: _,
        run,
        put,
        get,
        register,
        timeout,
        retries,
        delay,
        until,
        ignore_errors,
        creates,
        removes,
        stdin,
        become_,
        become_user,
        check_mode,
        vars,
        environment,
        chdir,
        changed_when,
        failed_when,
        notify,
        listen,
        run_once,
        delegate_to,
        loop_,
        loop_control,
    } = raw;
    [
        ("run", run.is_some()),
        ("put", put.is_some()),
        ("get", get.is_some()),
        ("register", register.is_some()),
        ("timeout", timeout.is_some()),
        ("retries", retries.is_some()),
        ("delay", delay.is_some()),
        ("until", until.is_some()),
        ("ignore_errors", ignore_errors.is_some()),
        ("creates", creates.is_some()),
        ("removes", removes.is_some()),
        ("stdin", stdin.is_some()),
        ("become", become_.is_some()),
        ("become_user", become_user.is_some()),
        ("check_mode", check_mode.is_some()),
        ("vars", !vars.is_empty()),
        ("environment", !environment.is_empty()),
        ("chdir", chdir.is_some()),
        ("changed_when", changed_when.is_some()),
        ("failed_when", failed_when.is_some()),
        ("notify", !notify.0.is_empty()),
        ("listen", !listen.0.is_empty()),
        ("run_once", run_once.is_some()),
        ("delegate_to", delegate_to.is_some()),
        ("loop", loop_.is_some()),
        ("loop_control", loop_control.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, present)| present.then_some(key))
    .collect()
}

/// An imported step with the import step's `tags` added and its `when` joined to the
/// step's own.
fn inherit(mut step: Step, import: &RawStep) -> Step {
    for tag in &import.tags.0 {
        if !step.tags.contains(tag) {
            step.tags.push(tag.clone());
        }
    }
    step.when = match (import.when.clone(), step.when.take()) {
        (None | Some(Condition::Bool(true)), inner) => inner,
        (outer, None | Some(Condition::Bool(true))) => outer,
        (Some(Condition::Bool(false)), _) | (_, Some(Condition::Bool(false))) => {
            Some(Condition::Bool(false))
        }
        (Some(Condition::Expr(outer)), Some(Condition::Expr(inner))) => {
            Some(Condition::Expr(format!("({outer}) and ({inner})")))
        }
    };
    step
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `path` made absolute and free of links, or as it is when that fails (a file that
/// does not exist yet is reported elsewhere).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use crate::playbook::{Action, Condition, Playbook, PlaybookError, load};
    use std::path::Path;

    /// Writes `files` (path, text) under a temporary directory.
    fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn load_in(dir: &Path) -> Result<Playbook, PlaybookError> {
        load(&dir.join("site.yml"))
    }

    /// Each problem of `err` as `file:line: message`.
    fn problems_shown(err: &PlaybookError) -> Vec<String> {
        err.problems
            .iter()
            .map(|p| format!("{}:{}: {}", p.file, p.line, p.message))
            .collect()
    }

    /// Each step as `file:line command`, the file relative to `dir`.
    fn where_each_step_is(book: &Playbook, dir: &Path) -> Vec<String> {
        let prefix = format!("{}/", dir.display());
        book.plays[0]
            .steps
            .iter()
            .map(|step| {
                let Action::Run(command) = &step.action else {
                    panic!("{step:?}");
                };
                let file = step.file.strip_prefix(&prefix).unwrap_or(&step.file);
                format!("{file}:{} {command}", step.line)
            })
            .collect()
    }

    #[test]
    fn imported_steps_take_the_place_of_the_import_with_their_own_file_and_line() {
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - run: first\n    - import_steps: tasks/common.yml\n    - run: last\n",
            ),
            (
                "tasks/common.yml",
                "# common steps\n- run: a\n- name: nested\n  import_steps: more/b.yml\n- run: c\n",
            ),
            ("tasks/more/b.yml", "- run: b\n"),
        ]);
        let book = load_in(dir.path()).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            where_each_step_is(&book, dir.path()),
            [
                "site.yml:3 first",
                "tasks/common.yml:2 a",
                "tasks/more/b.yml:1 b",
                "tasks/common.yml:5 c",
                "site.yml:5 last",
            ]
        );
    }

    #[test]
    fn the_import_steps_tags_and_when_apply_to_every_imported_step() {
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - import_steps: a.yml\n      tags: [web, deploy]\n      when: \"'web' in group_names\"\n    - {import_steps: a.yml, when: false}\n",
            ),
            (
                "a.yml",
                "- run: a\n- {run: b, tags: web, when: \"x is defined\"}\n- {run: c, when: false}\n",
            ),
        ]);
        let book = load_in(dir.path()).unwrap_or_else(|err| panic!("{err}"));
        let shown: Vec<(Vec<String>, Option<Condition>)> = book.plays[0]
            .steps
            .iter()
            .map(|step| (step.tags.clone(), step.when.clone()))
            .collect();
        let tags = |t: &[&str]| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let expr = |e: &str| Some(Condition::Expr(e.to_owned()));
        assert_eq!(
            shown,
            [
                (tags(&["web", "deploy"]), expr("'web' in group_names")),
                (
                    tags(&["web", "deploy"]),
                    expr("('web' in group_names) and (x is defined)")
                ),
                (tags(&["web", "deploy"]), Some(Condition::Bool(false))),
                (tags(&[]), Some(Condition::Bool(false))),
                (tags(&["web"]), Some(Condition::Bool(false))),
                (tags(&[]), Some(Condition::Bool(false))),
            ]
        );
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - {import_steps: a.yml, when: \"{{ x }}\"}\n",
            ),
            ("a.yml", "- run: a\n"),
        ]);
        let err = load_in(dir.path()).unwrap_err();
        assert!(
            err.problems[0]
                .message
                .contains("`when` is already an expression"),
            "{err}"
        );
    }

    #[test]
    fn a_cycle_is_an_error_naming_the_chain() {
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - import_steps: a.yml\n",
            ),
            ("a.yml", "- run: a\n- import_steps: b.yml\n"),
            ("b.yml", "- import_steps: a.yml\n"),
        ]);
        let err = load_in(dir.path()).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        let problem = &err.problems[0];
        let d = dir.path().display();
        assert_eq!(problem.file, format!("{d}/b.yml"));
        assert_eq!(problem.line, 1);
        assert_eq!(
            problem.message,
            format!("step: imports itself: {d}/a.yml → {d}/b.yml → {d}/a.yml")
        );

        let dir = files(&[(
            "site.yml",
            "- hosts: all\n  steps:\n    - import_steps: site.yml\n",
        )]);
        let err = load_in(dir.path()).unwrap_err();
        let d = dir.path().display();
        assert!(
            err.problems[0]
                .message
                .ends_with(&format!("imports itself: {d}/site.yml → {d}/site.yml")),
            "{err}"
        );
    }

    #[test]
    fn problems_in_an_imported_file_point_into_it() {
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - import_steps: a.yml\n    - import_steps: b.yml\n",
            ),
            ("a.yml", "- run: ok\n- run: x\n  regster: r\n"),
            ("b.yml", "- run: ok\n- name: Empty\n  run: ' '\n"),
        ]);
        let err = load_in(dir.path()).unwrap_err();
        let d = dir.path().display();
        let shown = problems_shown(&err);
        assert_eq!(
            shown,
            [
                format!("{d}/a.yml:3: unknown key `regster` in step; did you mean `register`?"),
                format!("{d}/b.yml:2: step 'Empty': has an empty `run`; give the command to run"),
            ]
        );
    }

    #[test]
    fn an_import_step_takes_only_a_name_and_its_file_must_be_a_list_of_steps() {
        let dir = files(&[
            (
                "site.yml",
                "- hosts: all\n  steps:\n    - import_steps: a.yml\n      register: x\n      become: true\n    - import_steps: missing.yml\n    - import_steps: empty.yml\n    - import_steps: play.yml\n    - import_steps: dir.yml\n",
            ),
            ("a.yml", "- run: a\n"),
            ("empty.yml", "# nothing\n"),
            ("play.yml", "hosts: all\n"),
            ("dir.yml/x", ""),
        ]);
        let err = load_in(dir.path()).unwrap_err();
        let d = dir.path().display();
        let shown = problems_shown(&err);
        assert_eq!(shown.len(), 5, "{err}");
        assert_eq!(
            shown[0],
            format!(
                "{d}/site.yml:3: step: has `import_steps` and `register`, `become`; an import \
                 step takes only `name`, `tags` and `when` besides the file (put the other keys \
                 on the imported steps)"
            )
        );
        assert_eq!(
            shown[1],
            format!(
                "{d}/site.yml:6: step: import_steps file {d}/missing.yml does not exist \
                 (relative paths are resolved against the directory of the file that imports it)"
            )
        );
        assert_eq!(
            shown[2],
            format!(
                "{d}/empty.yml:0: the file has no steps; an imported file is a list of steps (`- run: …`)"
            )
        );
        assert!(
            shown[3].starts_with(&format!("{d}/play.yml:1")),
            "{}",
            shown[3]
        );
        assert!(
            shown[4].starts_with(&format!(
                "{d}/site.yml:9: step: import_steps file {d}/dir.yml is not a file"
            )),
            "{}",
            shown[4]
        );
    }
}
