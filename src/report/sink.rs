//! One terminal stream, buffered, flushed once per event, and quiet after a broken pipe.

use std::io::{self, BufWriter, ErrorKind, Write};

/// A buffered writer for stdout or stderr.
///
/// Each [`Sink::emit`] writes a whole event into the buffer and flushes it, so lines show
/// as they arrive but a multi-line event costs one write. When the reader goes away
/// (`herd … | head`), the write fails with `BrokenPipe`: the sink then closes and drops
/// everything after it, so the run and its summary carry on.
pub(crate) struct Sink<W: Write> {
    out: BufWriter<W>,
    closed: bool,
}

impl<W: Write> Sink<W> {
    /// Wraps `inner` in a buffer.
    pub(crate) fn new(inner: W) -> Self {
        Sink {
            out: BufWriter::new(inner),
            closed: false,
        }
    }

    /// Runs `write` against the buffer and flushes it. A broken pipe closes the sink and
    /// is not an error; any other I/O error is returned.
    pub(crate) fn emit(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match write(&mut self.out).and_then(|()| self.out.flush()) {
            Err(error) if error.kind() == ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            result => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away after `room` bytes.
    struct ClosedAfter {
        room: usize,
        written: Vec<u8>,
        attempts: usize,
    }

    impl Write for ClosedAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.attempts += 1;
            if self.written.len() + buf.len() > self.room {
                return Err(io::Error::from(ErrorKind::BrokenPipe));
            }
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn flushes_each_event() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out);
        sink.emit(|w| w.write_all(b"one\n")).unwrap();
        assert_eq!(sink.out.get_ref().as_slice(), b"one\n");
    }

    #[test]
    fn broken_pipe_closes_quietly() {
        let mut reader = ClosedAfter {
            room: 4,
            written: Vec::new(),
            attempts: 0,
        };
        let mut sink = Sink::new(&mut reader);
        sink.emit(|w| w.write_all(b"one\n")).unwrap();
        sink.emit(|w| w.write_all(b"two\n")).unwrap();
        assert!(sink.closed);
        sink.emit(|w| w.write_all(b"three\n")).unwrap();
        let attempts = sink.out.get_ref().attempts;
        assert_eq!(attempts, 2, "nothing is written once closed");
        drop(sink);
        assert_eq!(reader.written, b"one\n");
    }

    #[test]
    fn other_errors_are_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(ErrorKind::StorageFull))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut sink = Sink::new(Full);
        let error = sink.emit(|w| w.write_all(b"x\n")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::StorageFull);
    }
}
