//! Live lines of a playbook run, on stdout between the commands' own `NAME: line`s:
//!
//! ```text
//! ── PLAY Deploy (site.yml:8) on h[1-4]
//! ── STEP 2/5 Show disk (site.yml:20) on h[1-4]
//! h1: /dev/vda1  252G   11G  229G   5% /
//! h3: skipped (when: 'web' in group_names → false)
//! h2: retrying (try 1 of 3): exit status 1
//! h4: changed: put files/motd -> /tmp/motd (1.2 KiB)
//! h2: failed: exit status 1
//! ── ABORTED Deploy: max_fail_percentage 0 exceeded: 1 of 2 hosts failed in batch 1
//! ```

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::event::{HostName, StepStatus};

use super::super::color::Palette;
use super::super::hostlist;

/// `── PLAY NAME (FILE:LINE) on HOSTS`, after a blank line.
pub(crate) fn write_play(
    w: &mut dyn Write,
    palette: Palette,
    name: &str,
    at: &str,
    hosts: &[HostName],
) -> io::Result<()> {
    let heading = format!("── PLAY {name} ({at}) on {}", hostlist::compact(hosts));
    writeln!(w, "\n{}", heading.style(palette.heading()))
}

/// `── STEP N/OF LABEL (FILE:LINE) on HOSTS`, or `── HANDLER LABEL …` for a handler
/// (`position` `None`).
pub(crate) fn write_step(
    w: &mut dyn Write,
    palette: Palette,
    position: Option<(usize, usize)>,
    label: &str,
    at: &str,
    hosts: &[HostName],
) -> io::Result<()> {
    let what = match position {
        Some((number, steps)) => format!("STEP {number}/{steps}"),
        None => "HANDLER".to_owned(),
    };
    let heading = format!("── {what} {label} ({at}) on {}", hostlist::compact(hosts));
    writeln!(w, "{}", heading.style(palette.heading()))
}

/// `HOST: STATUS: MESSAGE` (`HOST: skipped (MESSAGE)`). A step that succeeded without a
/// message (a command, whose output was its report) writes nothing.
pub(crate) fn write_status(
    w: &mut dyn Write,
    palette: Palette,
    host: &str,
    (status, ignored): (StepStatus, bool),
    message: Option<&str>,
) -> io::Result<()> {
    let (word, style) = status_word(palette, status, ignored);
    let host = host.style(palette.host(host));
    match (status, message) {
        (StepStatus::Ok | StepStatus::Changed, None) => Ok(()),
        (_, None) => writeln!(w, "{host}: {}", word.style(style)),
        (StepStatus::Skipped, Some(message)) => {
            writeln!(w, "{host}: {} ({message})", word.style(style))
        }
        (_, Some(message)) => writeln!(w, "{host}: {}: {message}", word.style(style)),
    }
}

/// `HOST: STATUS (item=LABEL)`, then `: MESSAGE` (a skip's reason in parentheses):
/// one item of a looped step, as Ansible shows it.
pub(crate) fn write_item(
    w: &mut dyn Write,
    palette: Palette,
    host: &str,
    item: &str,
    status: StepStatus,
    message: Option<&str>,
) -> io::Result<()> {
    let (word, style) = status_word(palette, status, false);
    let host = host.style(palette.host(host));
    match (status, message) {
        (_, None) => writeln!(w, "{host}: {} (item={item})", word.style(style)),
        (StepStatus::Skipped, Some(message)) => {
            writeln!(w, "{host}: {} (item={item}) ({message})", word.style(style))
        }
        (_, Some(message)) => {
            writeln!(w, "{host}: {} (item={item}): {message}", word.style(style))
        }
    }
}

/// The word for a status, and its style.
fn status_word(palette: Palette, status: StepStatus, ignored: bool) -> (&'static str, Style) {
    match status {
        StepStatus::Ok => ("ok", palette.ok()),
        StepStatus::Changed => ("changed", palette.changed()),
        StepStatus::Failed if ignored => ("failed (ignored)", palette.failed()),
        StepStatus::Failed => ("failed", palette.failed()),
        StepStatus::Skipped => ("skipped", palette.skipped()),
        StepStatus::Unreachable => ("unreachable", palette.unreachable()),
    }
}

/// `HOST: retrying (try N of M): MESSAGE`.
pub(crate) fn write_retry(
    w: &mut dyn Write,
    palette: Palette,
    host: &str,
    (attempt, attempts): (u32, u32),
    message: &str,
) -> io::Result<()> {
    writeln!(
        w,
        "{}: retrying (try {attempt} of {attempts}): {message}",
        host.style(palette.host(host))
    )
}

/// `── ABORTED PLAY: REASON`.
pub(crate) fn write_aborted(
    w: &mut dyn Write,
    palette: Palette,
    name: &str,
    reason: &str,
) -> io::Result<()> {
    let line = format!("── ABORTED {name}: {reason}; the rest of the playbook does not run");
    writeln!(w, "{}", line.style(palette.failed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn headings() {
        let plain = Palette::new(false);
        let hosts: Vec<HostName> = ["h1", "h2", "h3"].map(HostName::from).to_vec();
        assert_eq!(
            text(|w| write_play(w, plain, "Deploy", "site.yml:8", &hosts)),
            "\n── PLAY Deploy (site.yml:8) on h[1-3]\n"
        );
        assert_eq!(
            text(|w| write_step(w, plain, Some((2, 5)), "Show disk", "site.yml:20", &hosts)),
            "── STEP 2/5 Show disk (site.yml:20) on h[1-3]\n"
        );
        assert_eq!(
            text(|w| write_step(w, plain, None, "Restart", "site.yml:30", &hosts)),
            "── HANDLER Restart (site.yml:30) on h[1-3]\n"
        );
    }

    #[test]
    fn item_lines_name_the_item_whatever_the_status() {
        let plain = Palette::new(false);
        let line = |status, message| text(|w| write_item(w, plain, "h1", "curl", status, message));
        assert_eq!(line(StepStatus::Changed, None), "h1: changed (item=curl)\n");
        assert_eq!(line(StepStatus::Ok, None), "h1: ok (item=curl)\n");
        assert_eq!(
            line(StepStatus::Failed, Some("exit status 1")),
            "h1: failed (item=curl): exit status 1\n"
        );
        assert_eq!(
            line(StepStatus::Skipped, Some("when: x → false")),
            "h1: skipped (item=curl) (when: x → false)\n"
        );
    }

    #[test]
    fn status_lines() {
        let plain = Palette::new(false);
        let line = |status, message| text(|w| write_status(w, plain, "h1", status, message));
        assert_eq!(line((StepStatus::Changed, false), None), "");
        assert_eq!(line((StepStatus::Ok, false), None), "");
        assert_eq!(
            line((StepStatus::Changed, false), Some("put a -> /tmp/a (3 B)")),
            "h1: changed: put a -> /tmp/a (3 B)\n"
        );
        assert_eq!(
            line((StepStatus::Skipped, false), Some("when: x → false")),
            "h1: skipped (when: x → false)\n"
        );
        assert_eq!(
            line((StepStatus::Failed, true), Some("exit status 1")),
            "h1: failed (ignored): exit status 1\n"
        );
        assert_eq!(line((StepStatus::Failed, false), None), "h1: failed\n");
        assert_eq!(
            text(|w| write_retry(w, plain, "h2", (1, 3), "exit status 1")),
            "h2: retrying (try 1 of 3): exit status 1\n"
        );
    }
}
