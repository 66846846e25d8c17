//! `herd recap FILE…`: one recap and exit code from the JSON Lines of several runs.

use super::CommandError;
use crate::cli::args::{OutputFormat, RecapArgs};
use crate::report::{self, MergedRuns, OutputMode, ReportOptions};

/// Reads every stream (`-` is stdin), merges them (see [`MergedRuns`]) and prints the
/// recap on stdout; the exit code follows the same rules as a run's (and is at least 4
/// when a stream did not finish). A stream that is
/// not herd's JSON Lines stops everything with its file:line, before anything is printed.
pub fn recap(args: RecapArgs) -> Result<i32, CommandError> {
    let mut merged = MergedRuns::default();
    for file in &args.files {
        merged
            .read_path(file)
            .map_err(|error| CommandError::Usage(error.to_string()))?;
    }
    for warning in merged.warnings() {
        report::warning(&warning);
    }
    let json = args.output == OutputFormat::Json;
    let mode = if json {
        OutputMode::Json
    } else {
        OutputMode::Live
    };
    let summary = merged.print(json, ReportOptions::detect(mode).color)?;
    Ok(merged.exit_code(&summary))
}
