//! The progress bar on stderr while output is being gathered.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::tally::Counts;

const TEMPLATE: &str = "{spinner} [{elapsed}] {bar:30} {pos}/{len} hosts {msg}";

/// A bar counting finished hosts, or nothing when progress is off.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar on stderr when `enabled`, drawn only while stderr is a terminal.
    pub(crate) fn new(enabled: bool) -> Self {
        if enabled {
            Progress::on(ProgressDrawTarget::stderr())
        } else {
            Progress { bar: None }
        }
    }

    /// A bar drawn to `target`.
    fn on(target: ProgressDrawTarget) -> Self {
        let style =
            ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(0), target).with_style(style);
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar: Some(bar) }
    }

    /// Shows `counts`: hosts done out of all, and how many are ok, failed, unreachable.
    pub(crate) fn update(&self, counts: Counts) {
        if let Some(bar) = &self.bar {
            bar.set_length(counts.total as u64);
            bar.set_position(counts.done() as u64);
            bar.set_message(format!(
                "({} ok, {} failed, {} unreachable)",
                counts.ok, counts.failed, counts.unreachable
            ));
        }
    }

    /// Removes the bar, so the gathered output and recap start on a clean line.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_counts() {
        let progress = Progress::on(ProgressDrawTarget::hidden());
        progress.update(Counts {
            ok: 2,
            failed: 1,
            unreachable: 0,
            total: 5,
        });
        let bar = progress.bar.as_ref().unwrap();
        assert_eq!((bar.position(), bar.length()), (3, Some(5)));
        assert_eq!(bar.message(), "(2 ok, 1 failed, 0 unreachable)");
        progress.finish();
        assert!(bar.is_finished());
    }

    #[test]
    fn off_is_nothing() {
        let progress = Progress::new(false);
        progress.update(Counts::default());
        progress.finish();
        assert!(progress.bar.is_none());
    }
}
