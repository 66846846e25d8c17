//! How a run is shown: the output mode, colour and progress.

use std::io::{self, IsTerminal};

use anstream::{AutoStream, ColorChoice};

/// Which view of the run the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputMode {
    /// `NAME: line` as lines arrive, stdout to stdout and stderr to stderr (pdsh style).
    #[default]
    Live,
    /// Nothing until the end, then hosts with identical output grouped (`-b`, `--gather`).
    Gather,
    /// JSON Lines on stdout, one object per event (`--output json`).
    Json,
}

/// Output mode plus the terminal decisions, made once by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// Which view to show.
    pub mode: OutputMode,
    /// Colour host names on stdout.
    pub color: bool,
    /// Colour host names and the recap on stderr.
    pub color_stderr: bool,
    /// Show a progress bar on stderr. Honoured in [`OutputMode::Gather`] only: in the
    /// other modes lines or JSON already show progress, and a bar would tear them.
    pub progress: bool,
}

impl ReportOptions {
    /// Decides from the real terminal: colour on a stream only when anstream would (it is
    /// a terminal, `NO_COLOR` is unset or empty, `CLICOLOR=0` is not set, or
    /// `CLICOLOR_FORCE` forces it); never colour in JSON mode; a progress bar in gather
    /// mode only when stderr is a terminal.
    pub fn detect(mode: OutputMode) -> Self {
        let colors = mode != OutputMode::Json;
        ReportOptions {
            mode,
            color: colors && AutoStream::choice(&io::stdout()) != ColorChoice::Never,
            color_stderr: colors && AutoStream::choice(&io::stderr()) != ColorChoice::Never,
            progress: mode == OutputMode::Gather && io::stderr().is_terminal(),
        }
    }

    /// No colour and no progress bar, whatever the terminal (`--color never`, tests).
    pub fn plain(mode: OutputMode) -> Self {
        ReportOptions {
            mode,
            color: false,
            color_stderr: false,
            progress: false,
        }
    }
}
