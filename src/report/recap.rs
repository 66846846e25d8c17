//! The closing recap on stderr: counts per state, then every host that was not ok.
//!
//! ```text
//! herd: 4 hosts: 2 ok, 1 failed, 1 unreachable in 1.32s
//!   failed      web03: exit status 2
//!   unreachable db02: authentication failed for bob@127.0.0.14:2222
//! ```

use std::borrow::Cow;
use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::event::Outcome;

use super::color::Palette;
use super::hostlist;
use super::summary::RunSummary;
use super::units;

/// Width of the longest state label, `unreachable`, so host names line up.
const LABEL_WIDTH: usize = 11;

/// Writes the recap of `summary`. "ok" is always counted; other states only when some
/// host is in them. Not-run hosts are listed on one line, folded into ranges.
pub(crate) fn write_recap(
    w: &mut dyn Write,
    summary: &RunSummary,
    palette: Palette,
) -> io::Result<()> {
    let total = summary.total();
    let noun = if total == 1 { "host" } else { "hosts" };
    let ok_style = if summary.ok.is_empty() {
        Style::new()
    } else {
        palette.ok()
    };
    let mut counts = vec![count(summary.ok.len(), "ok", ok_style)];
    let others = [
        (summary.failed.len(), "failed", palette.failed()),
        (
            summary.unreachable.len(),
            "unreachable",
            palette.unreachable(),
        ),
        (summary.not_run.len(), "not run", Style::new()),
    ];
    counts.extend(
        others
            .into_iter()
            .filter(|&(n, _, _)| n > 0)
            .map(|(n, label, style)| count(n, label, style)),
    );
    writeln!(
        w,
        "herd: {total} {noun}: {} in {}",
        counts.join(", "),
        units::duration(summary.elapsed)
    )?;
    for (host, outcome) in &summary.failed {
        host_line(w, "failed", palette.failed(), host, &reason(outcome))?;
    }
    for (host, outcome) in &summary.unreachable {
        host_line(
            w,
            "unreachable",
            palette.unreachable(),
            host,
            &reason(outcome),
        )?;
    }
    if !summary.not_run.is_empty() {
        let label = format!("{:<LABEL_WIDTH$}", "not run");
        writeln!(w, "  {label} {}", hostlist::compact(&summary.not_run))?;
    }
    Ok(())
}

fn count(n: usize, label: &str, style: Style) -> String {
    format!("{n} {label}").style(style).to_string()
}

fn host_line(
    w: &mut dyn Write,
    label: &str,
    style: Style,
    host: &str,
    reason: &str,
) -> io::Result<()> {
    let label = format!("{label:<LABEL_WIDTH$}");
    writeln!(w, "  {} {host}: {reason}", label.style(style))
}

/// The outcome's message, or the exit status when the message is empty.
fn reason(outcome: &Outcome) -> Cow<'_, str> {
    match outcome {
        Outcome::Failed { message, .. } | Outcome::Unreachable { message }
            if !message.is_empty() =>
        {
            Cow::Borrowed(message)
        }
        Outcome::Failed {
            exit_code: Some(code),
            ..
        } => Cow::Owned(format!("exit status {code}")),
        Outcome::Ok => Cow::Borrowed("ok"),
        Outcome::Failed { .. } => Cow::Borrowed("failed"),
        Outcome::Unreachable { .. } => Cow::Borrowed("unreachable"),
    }
}
