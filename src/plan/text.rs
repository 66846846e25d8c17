//! The `--plan` text: every play, step and host's action, hosts with identical
//! actions folded into one line (`web[01-20]:  run: uptime`).

use super::handlers::PlannedHandler;
use super::model::{
    Deferred, HostStep, ItemState, Plan, PlannedAction, PlannedPlay, PlannedStep, PutContent,
    Rendered, Skip, StepOptions, StepState,
};
use crate::event::HostName;
use crate::playbook::Mode;
use crate::report::{compact_hosts, format_bytes};
use crate::secret::MASK;
use crate::shell::quote;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Stands for each host's own name in a folded line (`mkdir /tmp/{host}`).
const HOST_MARK: &str = "{host}";

/// The plan as text, for `herd play --plan`. Values of secrets show as `********`.
///
/// Hosts whose step lines are identical, or identical but for their own name (shown
/// as `{host}`), share one line under their folded names.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = format!(
        "PLAYBOOK {}  INVENTORY {}\n",
        plan.playbook.display(),
        plan.inventory
    );
    let mut selection = String::new();
    if let Some(limit) = &plan.limit {
        let _ = write!(selection, "  --limit {limit}");
    }
    if let Some(shard) = &plan.shard {
        let _ = write!(selection, "  --shard {shard}");
    }
    if !plan.tags.is_empty() {
        let _ = write!(selection, "  --tags {}", plan.tags.join(","));
    }
    if !plan.skip_tags.is_empty() {
        let _ = write!(selection, "  --skip-tags {}", plan.skip_tags.join(","));
    }
    if !selection.is_empty() {
        let _ = writeln!(out, "SELECTION{selection}");
    }
    let source = plan.playbook.display().to_string();
    for play in &plan.plays {
        out.push('\n');
        write_play(&mut out, &source, plan, play);
    }
    out
}

fn write_play(out: &mut String, source: &str, plan: &Plan, play: &PlannedPlay) {
    let mut limited = String::new();
    if let Some(limit) = &plan.limit {
        let _ = write!(limited, " & --limit {limit}");
    }
    if let Some(shard) = &plan.shard {
        let _ = write!(limited, " & --shard {shard}");
    }
    let _ = write!(
        out,
        "PLAY {} ({source}:{})  hosts: {}{limited}",
        play.name, play.line, play.pattern
    );
    if play.hosts.is_empty() {
        let by = match (&plan.limit, &plan.shard) {
            (_, None) => "--limit",
            (None, Some(_)) => "--shard",
            (Some(_), Some(_)) => "--limit and --shard",
        };
        let _ = writeln!(out, " → no host left by {by}");
        return;
    }
    let count = match play.hosts.len() {
        1 => "1 host".to_owned(),
        n => format!("{n} hosts"),
    };
    let _ = writeln!(
        out,
        " → {count}: {}  batches: {}",
        compact_hosts(&play.hosts),
        batches(play)
    );
    for step in &play.steps {
        let what = format!("STEP {}", step.number);
        write_step(out, &what, step, "");
    }
    for handler in &play.handlers {
        let notified = notified_text(play, handler);
        write_step(out, "HANDLER", &handler.step, &notified);
    }
}

/// `  on change of step 2 'Install config', step 3 'Install app'`, and its `listen`.
fn notified_text(play: &PlannedPlay, handler: &PlannedHandler) -> String {
    let steps: Vec<String> = handler
        .notified_by
        .iter()
        .filter_map(|&number| play.steps.get(number - 1))
        .map(|step| format!("step {} '{}'", step.number, step.label))
        .collect();
    let mut text = if steps.is_empty() {
        "  notified by no step".to_owned()
    } else {
        format!("  on change of {}", steps.join(", "))
    };
    if !handler.listen.is_empty() {
        let _ = write!(text, "  (listen: {})", handler.listen.join(", "));
    }
    text
}

/// `2 of 2`, or `3 of 2 (last 1)` when the last batch is smaller.
fn batches(play: &PlannedPlay) -> String {
    let count = play.batches.len();
    let first = play.batches.first().map_or(0, ExactSizeIterator::len);
    let last = play.batches.last().map_or(0, ExactSizeIterator::len);
    if last == first {
        format!("{count} of {first}")
    } else {
        format!("{count} of {first} (last {last})")
    }
}

/// `  STEP N LABEL (FILE:LINE)EXTRA  [OPTIONS]`, then a line per group of hosts; `what`
/// is `STEP N` or `HANDLER`.
fn write_step(out: &mut String, what: &str, step: &PlannedStep, extra: &str) {
    let _ = write!(
        out,
        "  {what} {} ({}:{}){extra}",
        step.label, step.file, step.line
    );
    let options = describe_options(&step.options, &step.tags);
    if !options.is_empty() {
        let _ = write!(out, "  [{}]", options.join(", "));
    }
    out.push('\n');
    for (line, hosts) in group(&step.hosts) {
        let _ = writeln!(out, "    {}:  {line}", compact_hosts(&hosts));
    }
}

/// The step's options worth knowing before it runs, in a fixed order.
fn describe_options(options: &StepOptions, tags: &[String]) -> Vec<String> {
    let mut shown = Vec::new();
    if let Some(names) = &options.loop_ {
        let mut names_shown = names.loop_var.clone();
        if let Some(index) = &names.index_var {
            let _ = write!(names_shown, ", {index}");
        }
        shown.push(format!("loop: {names_shown}"));
    }
    if let Some(register) = &options.register {
        shown.push(format!("register: {register}"));
    }
    if options.become_ {
        shown.push(match &options.become_user {
            Some(user) => format!("become: {user}"),
            None => "become".to_owned(),
        });
    }
    if let Some(timeout) = options.timeout {
        shown.push(format!("timeout: {timeout}s"));
    }
    let tries = format!("{} retries, {}s apart", options.retries, options.delay);
    match &options.until {
        Some(until) => shown.push(format!("until: {until} ({tries})")),
        None if options.retries > 0 => shown.push(format!("retries: {tries}")),
        None => {}
    }
    if let Some(rule) = &options.changed_when {
        shown.push(format!("changed_when: {rule}"));
    }
    if let Some(rule) = &options.failed_when {
        shown.push(format!("failed_when: {rule}"));
    }
    if options.ignore_errors {
        shown.push("ignore_errors".to_owned());
    }
    if let Some(check_mode) = options.check_mode {
        shown.push(format!("check_mode: {check_mode}"));
    }
    if options.run_once {
        shown.push("run_once".to_owned());
    }
    if options.delegate_to_localhost {
        shown.push("delegate_to: localhost".to_owned());
    }
    if !options.notify.is_empty() {
        shown.push(format!("notify: {}", options.notify.join(", ")));
    }
    if !tags.is_empty() {
        shown.push(format!("tags: {}", tags.join(", ")));
    }
    shown
}

/// Hosts with the same line (after [`fold_host`]), in order of each line's first host.
fn group(hosts: &[HostStep]) -> Vec<(String, Vec<HostName>)> {
    let mut groups: Vec<(String, Vec<HostName>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for host in hosts {
        let line = fold_host(&state_line(&host.state), &host.host);
        match index.get(&line) {
            Some(&at) => groups[at].1.push(host.host.clone()),
            None => {
                index.insert(line.clone(), groups.len());
                groups.push((line, vec![host.host.clone()]));
            }
        }
    }
    groups
}

/// `line` with each whole-word occurrence of `host` written as `{host}`, so hosts that
/// differ only by their own name share a line. Replacing `{host}` by a host's name
/// gives back its line exactly: a line already holding `{host}` is left alone.
fn fold_host(line: &str, host: &str) -> String {
    if host.is_empty() || line.contains(HOST_MARK) {
        return line.to_owned();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(host) {
        let after = rest[at + host.len()..].chars().next();
        let previous = rest[..at].chars().next_back().or(before);
        out.push_str(&rest[..at]);
        if word(previous) || word(after) {
            out.push_str(host);
        } else {
            out.push_str(HOST_MARK);
        }
        before = host.chars().next_back();
        rest = &rest[at + host.len()..];
    }
    out.push_str(rest);
    out
}

/// What one host does at a step, in one line.
fn state_line(state: &StepState) -> String {
    match state {
        StepState::Ready(ready) => rendered_line(&ready.shown),
        StepState::Deferred(deferred) => deferred_line(deferred),
        StepState::Skipped(skip) => skipped_line(skip),
        StepState::Loop { items } => {
            let mut text = match items.len() {
                1 => "loop over 1 item:".to_owned(),
                n => format!("loop over {n} items:"),
            };
            for planned in items {
                let line = match &planned.state {
                    ItemState::Ready(ready) => rendered_line(&ready.shown),
                    ItemState::Skipped(skip) => skipped_line(skip),
                };
                let _ = write!(text, "\n      ({}) {line}", planned.item.label);
            }
            text
        }
    }
}

/// Why a host (or an item) does not run a step.
fn skipped_line(skip: &Skip) -> String {
    match skip {
        Skip::When { condition } => format!("skipped (when: {condition} → false)"),
        Skip::Tags { detail } => format!("skipped ({detail})"),
        Skip::EmptyLoop => "skipped (no items in the loop)".to_owned(),
    }
}

fn rendered_line(rendered: &Rendered) -> String {
    let mut line = match &rendered.action {
        PlannedAction::Run { command } => run_line(command),
        PlannedAction::Put {
            src,
            content,
            dest,
            mode,
            owner,
            group,
        } => {
            let mut details = Vec::new();
            match content {
                PutContent::File { size, sha256 } => {
                    details.push(format!("{}, sha256 {}", format_bytes(*size), short(sha256)));
                }
                PutContent::Template { sha256, .. } if sha256 == MASK => {
                    details.push("template holding secrets".to_owned());
                }
                PutContent::Template { size, sha256, .. } => details.push(format!(
                    "template, {}, sha256 {}",
                    format_bytes(*size),
                    short(sha256)
                )),
            }
            details.extend(action_details(None, *mode));
            details.extend(owner.as_ref().map(|owner| format!("owner {owner}")));
            details.extend(group.as_ref().map(|group| format!("group {group}")));
            put_line(&src.display().to_string(), dest, &details)
        }
        PlannedAction::Get { src, dest } => get_line(src, &dest.display().to_string()),
    };
    line.push_str(&guards(
        rendered.creates.as_deref(),
        rendered.removes.as_deref(),
    ));
    line.push_str(&run_context(
        rendered.chdir.as_deref(),
        &rendered.environment,
    ));
    if let Some(stdin) = &rendered.stdin {
        line.push_str(&format!(" (stdin: {} bytes)", stdin.len()));
    }
    line
}

fn deferred_line(deferred: &Deferred) -> String {
    let when = deferred
        .when
        .as_ref()
        .map(|when| format!("when {when}: "))
        .unwrap_or_default();
    let depends: Vec<String> = deferred
        .depends_on
        .iter()
        .map(|d| {
            format!(
                "register '{}' (step '{}', {}:{})",
                d.register, d.step, d.file, d.line
            )
        })
        .collect();
    format!(
        "{when}{}  (at run time: depends on {})",
        deferred.shown,
        depends.join(", ")
    )
}

/// The first 12 hex digits of a digest: enough to tell files apart by eye.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

/// `run: COMMAND`.
pub(super) fn run_line(command: &str) -> String {
    format!("run: {command}")
}

/// `put: SRC -> DEST  (DETAILS)`.
pub(super) fn put_line(src: &str, dest: &str, details: &[String]) -> String {
    if details.is_empty() {
        format!("put: {src} -> {dest}")
    } else {
        format!("put: {src} -> {dest}  ({})", details.join(", "))
    }
}

/// `get: SRC -> DEST`.
pub(super) fn get_line(src: &str, dest: &str) -> String {
    format!("get: {src} -> {dest}")
}

/// What a put says besides its paths: whether it is a template, and its mode.
pub(super) fn action_details(template: Option<String>, mode: Option<Mode>) -> Vec<String> {
    let mut details: Vec<String> = template.into_iter().collect();
    details.extend(mode.map(|mode| format!("mode {mode}")));
    details
}

/// `  (in DIR)` and/or `  (environment: NAME=VALUE …)` (values as the shell gets them,
/// quoted where needed), or nothing.
pub(super) fn run_context(chdir: Option<&str>, environment: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    if let Some(dir) = chdir {
        let _ = write!(text, "  (in {dir})");
    }
    if !environment.is_empty() {
        let pairs: Vec<String> = environment
            .iter()
            .map(|(name, value)| match quote(value) {
                Some(quoted) => format!("{name}={quoted}"),
                None => format!("{name}=?"),
            })
            .collect();
        let _ = write!(text, "  (environment: {})", pairs.join(" "));
    }
    text
}

/// `  (skipped if PATH exists)` and/or `  (skipped unless PATH exists)`, or nothing.
pub(super) fn guards(creates: Option<&str>, removes: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(path) = creates {
        let _ = write!(text, "  (skipped if {path} exists)");
    }
    if let Some(path) = removes {
        let _ = write!(text, "  (skipped unless {path} exists)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::fold_host;

    #[test]
    fn folds_whole_word_host_names_only() {
        assert_eq!(
            fold_host("mkdir /tmp/demo-h1/x", "h1"),
            "mkdir /tmp/demo-{host}/x"
        );
        assert_eq!(fold_host("h1 h1", "h1"), "{host} {host}");
        assert_eq!(fold_host("cat h10 xh1", "h1"), "cat h10 xh1");
        assert_eq!(fold_host("cat", "a"), "cat");
        assert_eq!(
            fold_host("ping web01.example.com", "web01"),
            "ping {host}.example.com"
        );
        assert_eq!(fold_host("echo {host} h1", "h1"), "echo {host} h1");
        assert_eq!(fold_host("h1h1", "h1"), "h1h1");
    }
}
