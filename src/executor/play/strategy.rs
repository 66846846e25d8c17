//! How a play's hosts move through its steps, batch by batch.
//!
//! `linear`: each step runs on every host of the batch still in the run (at most
//! `forks` at once; a host without a session is dialed beside the forks first, so a
//! silent one holds no fork) before the next step starts. `free`: each host of the batch runs
//! through all its steps on its own. Then, either way, the play's handlers run one after
//! the other, each on the hosts of the batch still in the run that a changed step
//! notified. After each step or handler (`linear`), or the batch's steps (`free`), a
//! batch where more than `max_fail_percentage` of the hosts failed, or where every host
//! failed, aborts the rest of the playbook, as in Ansible. A `run_once` step runs on
//! the first host of the batch still in the run, for all of them.

use crate::event::{Event, HostName, Outcome};
use crate::executor::pool::{dial_width, for_each_dialed};
use crate::plan::{PlannedPlay, PlannedStep, Skip, StepState};
use crate::playbook::Strategy;

use super::handlers::Notified;
use super::run::Run;
use super::step::run_step;

/// Why the rest of the playbook does not run.
pub(super) struct Abort(pub(super) String);

/// A host of the play: its position in the play's hosts and in the run's hosts.
#[derive(Clone, Copy)]
struct Member {
    play: usize,
    run: usize,
}

/// The hosts of a play that run together.
struct Batch {
    /// 1-based, for messages.
    number: usize,
    /// Nothing runs after it: failing all its hosts stops nothing more.
    last_of_run: bool,
    /// Its hosts still in the run.
    members: Vec<Member>,
}

/// Runs `play` batch by batch; `last` when no play follows it.
pub(super) fn run_play(run: &Run<'_>, play: &PlannedPlay, last: bool) -> Result<(), Abort> {
    if play.hosts.is_empty() {
        return Ok(());
    }
    (run.send)(Event::PlayStarted {
        name: play.name.clone(),
        at: format!("{}:{}", run.source, play.line),
        hosts: play.hosts.clone(),
    });
    for (number, batch) in play.batches.iter().enumerate() {
        if run.cancelled() {
            break;
        }
        let members: Vec<Member> = batch
            .clone()
            .filter_map(|index| {
                let at = run.hosts.position(play.hosts.get(index)?)?;
                let mut slot = run.hosts.lock(at);
                slot.registered.clear();
                slot.reach();
                (!slot.is_out()).then_some(Member {
                    play: index,
                    run: at,
                })
            })
            .collect();
        let batch = Batch {
            number: number + 1,
            last_of_run: last && number + 1 == play.batches.len(),
            members,
        };
        let notified = Notified::default();
        match play.strategy {
            Strategy::Linear => linear(run, play, &batch, &notified)?,
            Strategy::Free => {
                free(run, play, &batch.members, &notified);
                verdict(run, play, &batch)?;
            }
        }
        handlers(run, play, &batch, &notified)?;
    }
    Ok(())
}

/// Step by step: every member finishes a step before any starts the next.
fn linear(
    run: &Run<'_>,
    play: &PlannedPlay,
    batch: &Batch,
    notified: &Notified,
) -> Result<(), Abort> {
    for (index, step) in play.steps.iter().enumerate() {
        if run.cancelled() {
            break;
        }
        if left_out(step) {
            continue;
        }
        let active = in_run(run, &batch.members, |_| true);
        if active.is_empty() {
            break;
        }
        all_at_once(run, play, (index, step), &active, notified);
        verdict(run, play, batch)?;
    }
    Ok(())
}

/// Host by host: each member runs all its steps without waiting for the others.
fn free(run: &Run<'_>, play: &PlannedPlay, members: &[Member], notified: &Notified) {
    let dial = |at: usize| {
        run.hosts
            .dial(members[at].run, &run.options.executor.connect);
        Some(())
    };
    on_forks(run, members.len(), dial, |at| {
        let member = members[at];
        for (index, step) in play.steps.iter().enumerate() {
            if run.cancelled() || run.hosts.lock(member.run).is_out() {
                break;
            }
            if !left_out(step) {
                started(run, play, step, vec![run.hosts.name(member.run)]);
                let status = run_step(run, play, index, member.play, member.run);
                notified.note(play, index, member.run, status);
            }
        }
        run.hosts.forget_dial(member.run);
    });
}

/// `work(at)` for every `at` in `0..count` on at most `--forks` threads, each host
/// first dialed beside the forks by `dial(at)` ([`for_each_dialed`]), so a host still
/// connecting holds no fork.
fn on_forks(
    run: &Run<'_>,
    count: usize,
    dial: impl Fn(usize) -> Option<()> + Sync,
    work: impl Fn(usize) + Sync,
) {
    let forks = run.options.executor.forks;
    for_each_dialed(
        count,
        forks,
        dial_width(count, forks),
        &run.options.executor.cancel,
        dial,
        |at, ()| work(at),
    );
}

/// The play's handlers in order, each on the members still in the run that were
/// notified to run it.
fn handlers(
    run: &Run<'_>,
    play: &PlannedPlay,
    batch: &Batch,
    notified: &Notified,
) -> Result<(), Abort> {
    for (handler, planned) in play.handlers.iter().enumerate() {
        if run.cancelled() {
            break;
        }
        let active = in_run(run, &batch.members, |member| {
            notified.has(member.run, handler)
        });
        if active.is_empty() {
            continue;
        }
        let index = play.steps.len() + handler;
        all_at_once(run, play, (index, &planned.step), &active, notified);
        verdict(run, play, batch)?;
    }
    Ok(())
}

/// The members not out of the run for which `keep` holds.
fn in_run(run: &Run<'_>, members: &[Member], keep: impl Fn(&Member) -> bool) -> Vec<Member> {
    members
        .iter()
        .copied()
        .filter(|member| keep(member) && !run.hosts.lock(member.run).is_out())
        .collect()
}

/// Step (or handler) index `index` on every member of `active`, at most `forks` at
/// once, noting the handlers each notifies; a `run_once` step on the first of them
/// only, for all of them ([`share_once`]).
fn all_at_once(
    run: &Run<'_>,
    play: &PlannedPlay,
    (index, step): (usize, &PlannedStep),
    active: &[Member],
    notified: &Notified,
) {
    if step.options.run_once {
        if let Some((first, others)) = active.split_first() {
            on_members(
                run,
                play,
                (index, step),
                std::slice::from_ref(first),
                notified,
            );
            share_once(run, step, first, others);
        }
        return;
    }
    on_members(run, play, (index, step), active, notified);
}

/// Step (or handler) index `index` on every member of `active`, at most `forks` at
/// once, noting the handlers each notifies.
fn on_members(
    run: &Run<'_>,
    play: &PlannedPlay,
    (index, step): (usize, &PlannedStep),
    active: &[Member],
    notified: &Notified,
) {
    let hosts = active.iter().map(|member| run.hosts.name(member.run));
    started(run, play, step, hosts.collect());
    // Dial only the hosts the step may connect to.
    let dial = |at: usize| {
        let member = active[at];
        let skipped = step
            .hosts
            .get(member.play)
            .is_some_and(|host| matches!(host.state, StepState::Skipped(_)));
        if !skipped && !step.options.delegate_to_localhost {
            run.hosts.dial(member.run, &run.options.executor.connect);
        }
        Some(())
    };
    on_forks(run, active.len(), dial, |at| {
        let member = active[at];
        let status = run_step(run, play, index, member.play, member.run);
        notified.note(play, index, member.run, status);
        run.hosts.forget_dial(member.run);
    });
}

/// After a `run_once` step ran on `first`: its registered result (if it registers one)
/// becomes every other member's; if it took `first` out of the run (failed, unless
/// ignored, or unreachable), the others are out too, as in Ansible (their recap counts
/// stay as they were: the step ran on one host). Handlers it notified run on `first`
/// only, as Ansible's.
fn share_once(run: &Run<'_>, step: &PlannedStep, first: &Member, others: &[Member]) {
    let (result, out) = {
        let slot = run.hosts.lock(first.run);
        let result = step.options.register.as_ref().and_then(|name| {
            let value = slot.registered.get(name)?;
            Some((name.clone(), value.clone()))
        });
        (result, slot.is_out())
    };
    let fate = out.then(|| Outcome::Failed {
        exit_code: None,
        message: format!(
            "step {} '{}' (run_once) did not succeed on {}",
            step.number,
            step.label,
            run.hosts.name(first.run)
        ),
    });
    for member in others {
        let mut slot = run.hosts.lock(member.run);
        if let Some((name, value)) = &result {
            slot.registered.insert(name.clone(), value.clone());
        }
        if slot.fate.is_none() {
            slot.fate = fate.clone();
        }
    }
}

/// Whether `--tags`/`--skip-tags` leave the step out: it then runs nowhere and shows
/// nowhere, as in Ansible.
fn left_out(step: &PlannedStep) -> bool {
    !step.hosts.is_empty()
        && step
            .hosts
            .iter()
            .all(|host| matches!(host.state, StepState::Skipped(Skip::Tags { .. })))
}

/// Sends `StepStarted` for `step` on `hosts`.
fn started(run: &Run<'_>, play: &PlannedPlay, step: &PlannedStep, hosts: Vec<HostName>) {
    (run.send)(Event::StepStarted {
        number: step.number,
        steps: play.steps.len(),
        label: step.label.clone(),
        at: format!("{}:{}", step.file, step.line),
        hosts,
        handler: step.number > play.steps.len(),
    });
}

/// `Err` when the batch's failures end the playbook (all of its hosts failing ends
/// nothing when nothing comes after it).
fn verdict(run: &Run<'_>, play: &PlannedPlay, batch: &Batch) -> Result<(), Abort> {
    let total = batch.members.len();
    let failed = batch
        .members
        .iter()
        .filter(|member| run.hosts.lock(member.run).is_out())
        .count();
    if failed == total && batch.last_of_run {
        return Ok(());
    }
    match too_many_failed(failed, total, play.max_fail_percentage) {
        Some(reason) => Err(Abort(format!("{reason} in batch {}", batch.number))),
        None => Ok(()),
    }
}

/// Why `failed` of `total` hosts is too many, if it is: more than `max_percent` of
/// them (strictly, as in Ansible), or all of them.
fn too_many_failed(failed: usize, total: usize, max_percent: Option<u8>) -> Option<String> {
    if failed == 0 {
        return None;
    }
    let of = |what: &str| format!("{failed} of {total} hosts failed{what}");
    match max_percent {
        Some(percent) if failed * 100 > usize::from(percent) * total => Some(format!(
            "max_fail_percentage {percent} exceeded: {}",
            of("")
        )),
        _ if failed == total => Some(of(" (all of them)")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::too_many_failed;

    #[test]
    fn more_than_the_percentage_or_everyone() {
        assert_eq!(too_many_failed(0, 4, Some(0)), None);
        assert_eq!(
            too_many_failed(1, 2, Some(0)).as_deref(),
            Some("max_fail_percentage 0 exceeded: 1 of 2 hosts failed")
        );
        assert_eq!(
            too_many_failed(1, 2, Some(50)),
            None,
            "50% is not more than 50%"
        );
        assert!(too_many_failed(2, 3, Some(50)).is_some());
        assert_eq!(too_many_failed(1, 4, None), None);
        assert_eq!(
            too_many_failed(4, 4, None).as_deref(),
            Some("4 of 4 hosts failed (all of them)")
        );
        assert_eq!(
            too_many_failed(2, 2, Some(100)).as_deref(),
            Some("2 of 2 hosts failed (all of them)")
        );
    }
}
