//! Live lines, as pdsh prints them: `NAME: line`, so `| dshbak -c` works.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::lines::lines;
use super::transfer::TransferText;

/// Writes every line of `data` as `host: line\n`, the line's bytes unchanged. A last
/// line without a newline gets one.
pub(crate) fn write_lines(
    w: &mut dyn Write,
    host: &str,
    style: Style,
    data: &[u8],
) -> io::Result<()> {
    for line in lines(data) {
        write!(w, "{}: ", host.style(style))?;
        w.write_all(line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `host: put ./a -> /tmp/a (1.2 MiB in 300ms, 4.0 MiB/s)`.
pub(crate) fn write_transfer(
    w: &mut dyn Write,
    host: &str,
    style: Style,
    transfer: &TransferText<'_>,
) -> io::Result<()> {
    writeln!(w, "{}: {transfer}", host.style(style))
}
