//! One rendered step, or one item of a looped step, on a host: `creates`/`removes`
//! first, then its tries (`tries`).

use crate::plan::Ready;
use crate::ssh::Transport;

use super::outcome::{Done, Io, On, register};
use super::remote;
use super::tries::Tries;
use crate::executor::privilege::Shell;

/// Runs `ready` on the host unless its `creates`/`removes` say not to; a skip by them is
/// registered (a failed check is not).
pub(super) fn run(tries: &Tries<'_>, on: On<'_, '_>, ready: &Ready) -> Done {
    if let Some(verdict) = guard(on.transport, on.shell, on.io, ready) {
        let done = match verdict {
            Ok(reason) => Done::skipped(reason),
            Err(error) => Done::failed(error),
        };
        if !done.result.failed {
            register(on.registered, tries.planned, &done.result);
        }
        return done;
    }
    tries.run(on.transport, on.registered, on.shell, on.io, ready)
}

/// `creates`/`removes`: `Some(Ok(reason))` to skip the step, `Some(Err(…))` when the
/// check itself failed, `None` to go on.
fn guard(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    ready: &Ready,
) -> Option<Result<String, String>> {
    let guards = [
        ("creates", &ready.real.creates, &ready.shown.creates, true),
        ("removes", &ready.real.removes, &ready.shown.removes, false),
    ];
    for (key, real, shown, skip_if_exists) in guards {
        let (Some(path), Some(shown)) = (real, shown) else {
            continue;
        };
        match remote::exists(transport, shell, io, path) {
            Ok(exists) if exists == skip_if_exists => {
                let verb = if exists { "exists" } else { "does not exist" };
                return Some(Ok(format!("{key}: {shown} {verb}")));
            }
            Ok(_) => {}
            Err(error) => return Some(Err(format!("{key}: {shown}: {error}"))),
        }
    }
    None
}
