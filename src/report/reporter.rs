//! The reporter: takes events in arrival order and writes the chosen view of them.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::event::{Event, Stream};

use super::color::Palette;
use super::gather::Gathered;
use super::notice;
use super::options::{OutputMode, ReportOptions};
use super::outdir::OutDir;
use super::play::{self, StepTally};
use super::progress::Progress;
use super::sink::Sink;
use super::summary::RunSummary;
use super::tally::Tally;
use super::transfer::TransferText;
use super::{json, live, recap};

/// What each mode keeps between events.
enum View {
    Live,
    Gather {
        gathered: Gathered,
        progress: Progress,
    },
    Json,
}

/// Turns [`Event`]s into terminal output: live lines, gathered groups or JSON Lines,
/// then a recap. Generic over its writers so tests can capture the exact bytes.
///
/// Each event is written whole and flushed before [`Reporter::handle`] returns. A
/// reader that goes away (broken pipe) silences that stream only: the reporter keeps
/// counting and [`Reporter::finish`] still returns the summary.
pub struct Reporter<O: Write, E: Write> {
    view: View,
    stdout: Sink<O>,
    stderr: Sink<E>,
    stdout_colors: Palette,
    stderr_colors: Palette,
    tally: Tally,
    steps: StepTally,
    outdir: Option<OutDir>,
}

impl<O: Write, E: Write> Reporter<O, E> {
    /// A reporter writing to `stdout` and `stderr` as `options` say.
    pub fn new(options: ReportOptions, stdout: O, stderr: E) -> Self {
        let view = match options.mode {
            OutputMode::Live => View::Live,
            OutputMode::Gather => View::Gather {
                gathered: Gathered::default(),
                progress: Progress::new(options.progress),
            },
            OutputMode::Json => View::Json,
        };
        Reporter {
            view,
            stdout: Sink::new(stdout),
            stderr: Sink::new(stderr),
            stdout_colors: Palette::new(options.color),
            stderr_colors: Palette::new(options.color_stderr),
            tally: Tally::default(),
            steps: StepTally::default(),
            outdir: None,
        }
    }

    /// Also saves each host's output in `outdir` (`--outdir`), whatever the view.
    pub fn save_output(mut self, outdir: OutDir) -> Self {
        self.outdir = Some(outdir);
        self
    }

    /// Records `event` and shows it. Errors are I/O errors other than a broken pipe.
    pub fn handle(&mut self, event: &Event) -> io::Result<()> {
        if let Some(outdir) = &mut self.outdir {
            outdir.handle(event);
        }
        let index = self.record(event);
        match &mut self.view {
            View::Live => self.live(event),
            View::Gather { gathered, progress } => {
                match event {
                    Event::Output { data, .. } => gathered.append(index, data),
                    Event::Transfer {
                        direction,
                        source,
                        destination,
                        bytes,
                        ..
                    } => {
                        let line = TransferText {
                            direction: *direction,
                            source,
                            destination,
                            bytes: *bytes,
                            elapsed: None,
                        };
                        gathered.append(index, format!("{line}\n").as_bytes());
                    }
                    Event::FileDiff { diff, .. } => {
                        gathered.append(index, super::diff::unified(diff).as_bytes());
                    }
                    Event::RunStarted { .. } | Event::HostFinished { .. } => {
                        progress.update(self.tally.counts());
                    }
                    Event::HostStarted { .. }
                    | Event::PlayStarted { .. }
                    | Event::StepStarted { .. }
                    | Event::StepRetrying { .. }
                    | Event::ItemFinished { .. }
                    | Event::StepFinished { .. }
                    | Event::PlayAborted { .. } => {}
                    Event::SessionsReopened { limit, reopened } => {
                        self.stderr
                            .emit(|w| notice::write_sessions_reopened(w, *limit, *reopened))?;
                    }
                }
                Ok(())
            }
            View::Json => self.stdout.emit(|w| json::write_event(w, event)),
        }
    }

    /// Ends the run after `elapsed` of wall time: writes the gathered groups (gather),
    /// the recap (stderr in live and gather modes, a `recap` object in JSON mode), and
    /// returns the summary. A playbook run's recap starts with its PLAY RECAP (a
    /// `play_recap` object in JSON mode).
    pub fn finish(mut self, elapsed: Duration) -> io::Result<RunSummary> {
        let summary = self.tally.summary(elapsed);
        let (tally, steps, stdout_colors, stderr_colors) = (
            &self.tally,
            &self.steps,
            self.stdout_colors,
            self.stderr_colors,
        );
        let write_recap = |w: &mut dyn Write| {
            if !steps.is_empty() {
                play::write_play_recap(w, tally.hosts(), steps, stderr_colors)?;
            }
            recap::write_recap(w, &summary, stderr_colors)
        };
        if matches!(self.view, View::Json) && !steps.is_empty() {
            self.stdout
                .emit(|w| json::write_play_recap(w, tally, steps))?;
        }
        match &self.view {
            View::Live => self.stderr.emit(write_recap)?,
            View::Gather { gathered, progress } => {
                progress.finish();
                self.stdout
                    .emit(|w| gathered.write_groups(w, tally.hosts(), stdout_colors))?;
                self.stderr.emit(write_recap)?;
            }
            View::Json => self.stdout.emit(|w| json::write_recap(w, tally, elapsed))?,
        }
        Ok(summary)
    }

    /// Adds the event's hosts to the tally; returns the host's position in target order
    /// (0 for `RunStarted`, which is about every host).
    fn record(&mut self, event: &Event) -> usize {
        match event {
            Event::RunStarted { hosts } => {
                hosts.iter().for_each(|host| {
                    self.tally.add(host);
                });
                0
            }
            Event::HostStarted { host }
            | Event::Output { host, .. }
            | Event::Transfer { host, .. } => self.tally.add(host),
            Event::HostFinished { host, outcome, .. } => self.tally.finish(host, outcome),
            Event::PlayStarted { hosts, .. } => {
                hosts.iter().for_each(|host| {
                    self.tally.add(host);
                });
                0
            }
            Event::StepRetrying { host, .. }
            | Event::FileDiff { host, .. }
            | Event::ItemFinished { host, .. } => self.tally.add(host),
            Event::StepFinished {
                host,
                status,
                ignored,
                ..
            } => {
                let index = self.tally.add(host);
                self.steps.record(index, *status, *ignored);
                index
            }
            Event::StepStarted { .. }
            | Event::PlayAborted { .. }
            | Event::SessionsReopened { .. } => 0,
        }
    }

    fn live(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Output {
                host,
                stream: Stream::Stdout,
                data,
            } => {
                let style = self.stdout_colors.host(host);
                self.stdout
                    .emit(|w| live::write_lines(w, host, style, data))
            }
            Event::Output {
                host,
                stream: Stream::Stderr,
                data,
            } => {
                let style = self.stderr_colors.host(host);
                self.stderr
                    .emit(|w| live::write_lines(w, host, style, data))
            }
            Event::Transfer {
                host,
                direction,
                source,
                destination,
                bytes,
                elapsed,
            } => {
                let style = self.stdout_colors.host(host);
                let transfer = TransferText {
                    direction: *direction,
                    source,
                    destination,
                    bytes: *bytes,
                    elapsed: Some(*elapsed),
                };
                self.stdout
                    .emit(|w| live::write_transfer(w, host, style, &transfer))
            }
            Event::PlayStarted { name, at, hosts } => {
                let colors = self.stdout_colors;
                self.stdout
                    .emit(|w| play::write_play(w, colors, name, at, hosts))
            }
            Event::StepStarted {
                number,
                steps,
                label,
                at,
                hosts,
                handler,
            } => {
                let colors = self.stdout_colors;
                let position = (!*handler).then_some((*number, *steps));
                self.stdout
                    .emit(|w| play::write_step(w, colors, position, label, at, hosts))
            }
            Event::StepRetrying {
                host,
                attempt,
                attempts,
                message,
                ..
            } => {
                let colors = self.stdout_colors;
                self.stdout
                    .emit(|w| play::write_retry(w, colors, host, (*attempt, *attempts), message))
            }
            Event::ItemFinished {
                host,
                item,
                status,
                message,
                ..
            } => {
                let colors = self.stdout_colors;
                self.stdout
                    .emit(|w| play::write_item(w, colors, host, item, *status, message.as_deref()))
            }
            Event::StepFinished {
                host,
                status,
                ignored,
                message,
                ..
            } => {
                let colors = self.stdout_colors;
                self.stdout.emit(|w| {
                    play::write_status(w, colors, host, (*status, *ignored), message.as_deref())
                })
            }
            Event::FileDiff { host, diff, .. } => {
                let colors = self.stdout_colors;
                self.stdout
                    .emit(|w| super::diff::write_diff(w, colors, host, diff))
            }
            Event::PlayAborted { name, reason } => {
                let colors = self.stdout_colors;
                self.stdout
                    .emit(|w| play::write_aborted(w, colors, name, reason))
            }
            Event::SessionsReopened { limit, reopened } => self
                .stderr
                .emit(|w| notice::write_sessions_reopened(w, *limit, *reopened)),
            Event::RunStarted { .. } | Event::HostStarted { .. } | Event::HostFinished { .. } => {
                Ok(())
            }
        }
    }
}

/// Shows every event from `events` (a `crossbeam_channel::Receiver<Event>` works) until
/// it ends, then finishes with the wall time since this call. Stops at the first I/O
/// error other than a broken pipe.
pub fn report_events<O: Write, E: Write>(
    events: impl IntoIterator<Item = Event>,
    options: ReportOptions,
    stdout: O,
    stderr: E,
) -> io::Result<RunSummary> {
    report_events_saving(events, options, None, stdout, stderr)
}

/// [`report_events`], also saving each host's output in `outdir` when there is one
/// (`--outdir`).
pub fn report_events_saving<O: Write, E: Write>(
    events: impl IntoIterator<Item = Event>,
    options: ReportOptions,
    outdir: Option<OutDir>,
    stdout: O,
    stderr: E,
) -> io::Result<RunSummary> {
    let started = Instant::now();
    let mut reporter = Reporter::new(options, stdout, stderr);
    if let Some(outdir) = outdir {
        reporter = reporter.save_output(outdir);
    }
    for event in events {
        reporter.handle(&event)?;
    }
    reporter.finish(started.elapsed())
}
