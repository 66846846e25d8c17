//! The one-line description of a completed file transfer.

use std::fmt;
use std::time::Duration;

use crate::event::Direction;

use super::units;

/// `put ./test.py -> /tmp/test.py (1.2 MiB in 300ms, 4.0 MiB/s)`; without timing,
/// `put ./test.py -> /tmp/test.py (1.2 MiB)`, which is the same on every host that got
/// the same file, so gathered output can group it.
pub(crate) struct TransferText<'a> {
    /// put or get.
    pub(crate) direction: Direction,
    /// Where the bytes came from.
    pub(crate) source: &'a str,
    /// Where they were written.
    pub(crate) destination: &'a str,
    /// How many bytes.
    pub(crate) bytes: u64,
    /// How long it took, or `None` to leave timing out.
    pub(crate) elapsed: Option<Duration>,
}

impl fmt::Display for TransferText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.direction {
            Direction::Put => "put",
            Direction::Get => "get",
        };
        write!(
            f,
            "{verb} {} -> {} ({}",
            self.source,
            self.destination,
            units::bytes(self.bytes)
        )?;
        if let Some(elapsed) = self.elapsed {
            write!(f, " in {}", units::duration(elapsed))?;
            if let Some(rate) = units::rate(self.bytes, elapsed) {
                write!(f, ", {rate}")?;
            }
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(elapsed: Option<Duration>) -> String {
        TransferText {
            direction: Direction::Put,
            source: "./test.py",
            destination: "/tmp/test.py",
            bytes: 1_258_291,
            elapsed,
        }
        .to_string()
    }

    #[test]
    fn with_and_without_timing() {
        assert_eq!(
            text(Some(Duration::from_millis(300))),
            "put ./test.py -> /tmp/test.py (1.2 MiB in 300ms, 4.0 MiB/s)"
        );
        assert_eq!(
            text(Some(Duration::ZERO)),
            "put ./test.py -> /tmp/test.py (1.2 MiB in 0ms)"
        );
        assert_eq!(text(None), "put ./test.py -> /tmp/test.py (1.2 MiB)");
    }
}
