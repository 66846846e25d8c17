//! Gathered output, as `clush -b` shows it: hosts with identical output, once.
//!
//! ```text
//! ---------------
//! web[01-02] (2)
//! ---------------
//! <output>
//! ```

use std::collections::HashMap;
use std::io::{self, Write};

use owo_colors::OwoColorize;

use crate::event::HostName;

use super::color::Palette;
use super::hostlist;

const RULE: &str = "---------------";

/// Each host's stdout and stderr, interleaved in arrival order, kept until the end.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    /// By the host's position in target order.
    outputs: Vec<Vec<u8>>,
}

impl Gathered {
    /// Appends `data` to the output of the host at `index`. A chunk that does not end in
    /// a newline (a stream's partial last line) gets one, so the other stream's next
    /// line starts on a line of its own.
    pub(crate) fn append(&mut self, index: usize, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.outputs.len() <= index {
            self.outputs.resize_with(index + 1, Vec::new);
        }
        if let Some(output) = self.outputs.get_mut(index) {
            output.extend_from_slice(data);
            if !data.ends_with(b"\n") {
                output.push(b'\n');
            }
        }
    }

    /// Writes one block per distinct output: the hosts that produced it, then the
    /// output itself. Blocks come in the target order of their first host; hosts with no
    /// output at all are left out (the recap still counts them).
    pub(crate) fn write_groups(
        &self,
        w: &mut dyn Write,
        hosts: &[HostName],
        palette: Palette,
    ) -> io::Result<()> {
        let mut groups: Vec<(Vec<HostName>, &[u8])> = Vec::new();
        let mut by_output: HashMap<&[u8], usize> = HashMap::new();
        for (host, output) in hosts.iter().zip(&self.outputs) {
            if output.is_empty() {
                continue;
            }
            let index = *by_output.entry(output.as_slice()).or_insert_with(|| {
                groups.push((Vec::new(), output.as_slice()));
                groups.len() - 1
            });
            if let Some((members, _)) = groups.get_mut(index) {
                members.push(host.clone());
            }
        }
        for (members, output) in groups {
            let heading = format!("{} ({})", hostlist::compact(&members), members.len());
            writeln!(w, "{RULE}\n{}\n{RULE}", heading.style(palette.heading()))?;
            w.write_all(output)?;
        }
        Ok(())
    }
}
