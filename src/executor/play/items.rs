//! A looped step on a host: its items in order, each run (`ready`) or skipped by its
//! own `when:`, each reported (`ItemFinished`), their results registered together
//! ([`LoopResults`]) once the last is done. Every item runs even after one fails, as
//! in Ansible; the step fails if any did.

use std::sync::atomic::Ordering;

use crate::event::Event;
use crate::plan::{ItemState, LoopResults, PlannedItem};

use super::outcome::{Done, On, register_value};
use super::ready;
use super::step::skip_reason;
use super::tries::Tries;

/// Runs `items` of the step `tries` stands for.
pub(super) fn run(tries: &Tries<'_>, on: On<'_, '_>, items: &[PlannedItem]) -> Done {
    let planned = tries.planned;
    let Some(names) = &planned.options.loop_ else {
        return Done::failed("the step has items but no loop");
    };
    let On {
        transport,
        registered,
        shell,
        io,
    } = on;
    let mut results = LoopResults::default();
    for planned_item in items {
        if io.cancel.load(Ordering::SeqCst) {
            break;
        }
        let item = &planned_item.item;
        let done = match &planned_item.state {
            ItemState::Skipped(skip) => Done::skipped(skip_reason(skip)),
            ItemState::Ready(ready) => {
                let tries = Tries {
                    item: Some(item),
                    ..*tries
                };
                let on = On {
                    transport: &mut *transport,
                    registered: &mut *registered,
                    shell,
                    io,
                };
                ready::run(&tries, on, ready)
            }
        };
        (io.send)(Event::ItemFinished {
            host: io.host.clone(),
            number: planned.number,
            item: item.label.clone(),
            status: done.status(),
            // As for a whole step: a message may quote a real (secret) value.
            message: (done.message.as_deref())
                .map(|message| tries.play.mask_message(tries.step, tries.host, message)),
        });
        results.push(names, item, done.result);
    }
    register_value(registered, planned, results.to_value());
    let overall = results.overall();
    let message = if overall.failed {
        Some(format!(
            "{} of {} items failed",
            results.failed(),
            items.len()
        ))
    } else if overall.skipped {
        Some("every item was skipped".to_owned())
    } else {
        None
    };
    Done {
        result: overall,
        message,
    }
}
