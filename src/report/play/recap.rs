//! The PLAY RECAP on stderr, before the run's recap line: every host's step counts, as
//! Ansible prints them.
//!
//! ```text
//! PLAY RECAP
//! h1  : ok=5    changed=3    unreachable=0    failed=0    skipped=1    ignored=0
//! h3  : ok=1    changed=1    unreachable=0    failed=1    skipped=0    ignored=0
//! ```

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::event::HostName;

use super::super::color::Palette;
use super::{StepCounts, StepTally};

/// Writes the PLAY RECAP of `hosts` (target order) from `steps`.
pub(crate) fn write_play_recap(
    w: &mut dyn Write,
    hosts: &[HostName],
    steps: &StepTally,
    palette: Palette,
) -> io::Result<()> {
    writeln!(w, "{}", "PLAY RECAP".style(palette.heading()))?;
    let width = hosts
        .iter()
        .map(|host| host.chars().count())
        .max()
        .unwrap_or(0);
    for (index, host) in hosts.iter().enumerate() {
        let counts = steps.of(index);
        let name = format!("{host:<width$}");
        write!(w, "{} :", name.style(host_style(counts, palette)))?;
        let columns = [
            ("ok", counts.ok, palette.ok()),
            ("changed", counts.changed, palette.changed()),
            ("unreachable", counts.unreachable, palette.unreachable()),
            ("failed", counts.failed, palette.failed()),
            ("skipped", counts.skipped, palette.skipped()),
            ("ignored", counts.ignored, palette.changed()),
        ];
        for (at, (label, count, style)) in columns.into_iter().enumerate() {
            let cell = format!("{label}={count}");
            let style = if count > 0 { style } else { Style::new() };
            if at + 1 == columns.len() {
                writeln!(w, " {}", cell.style(style))?;
            } else {
                let pad = (label.len() + 5).saturating_sub(cell.len());
                write!(w, " {}{:pad$}", cell.style(style), "")?;
            }
        }
    }
    Ok(())
}

/// The host's colour: its worst state.
fn host_style(counts: StepCounts, palette: Palette) -> Style {
    if counts.failed > 0 {
        palette.failed()
    } else if counts.unreachable > 0 {
        palette.unreachable()
    } else if counts.changed > 0 {
        palette.changed()
    } else if counts.ok > 0 {
        palette.ok()
    } else {
        Style::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::StepStatus;

    #[test]
    fn one_aligned_row_per_host() {
        let hosts: Vec<HostName> = ["h1", "web10"].map(HostName::from).to_vec();
        let mut steps = StepTally::default();
        steps.record(0, StepStatus::Changed, false);
        steps.record(0, StepStatus::Skipped, false);
        steps.record(1, StepStatus::Failed, false);
        let mut out = Vec::new();
        write_play_recap(&mut out, &hosts, &steps, Palette::new(false)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "PLAY RECAP\n\
             h1    : ok=1    changed=1    unreachable=0    failed=0    skipped=1    ignored=0\n\
             web10 : ok=0    changed=0    unreachable=0    failed=1    skipped=0    ignored=0\n"
        );
    }
}
