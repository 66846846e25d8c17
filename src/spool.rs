//! herd's own standard input, for `--stdin`: read once, by a thread of its own, into an
//! unlinked temporary file that every host's command reads at its own pace. Memory stays
//! bounded whatever the input's size (a 1 GB input sits on disk, not in memory), a slow
//! host never holds up a fast one, and nothing is read from herd's stdin without
//! `--stdin`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};
use std::thread;

/// How much is read (from herd's stdin) or handed out (to a host) at a time.
const CHUNK: usize = 256 * 1024;

/// The input being spooled; share it with [`Arc`], read it with [`Spool::reader`].
pub struct Spool {
    file: File,
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone)]
struct State {
    /// Bytes written to `file` so far.
    length: u64,
    /// The input ended (or failed): `length` is final.
    finished: bool,
    /// Why reading the input failed, if it did.
    failed: Option<String>,
}

impl fmt::Debug for Spool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock().clone();
        f.debug_struct("Spool")
            .field("length", &state.length)
            .field("finished", &state.finished)
            .finish()
    }
}

impl Spool {
    /// Starts copying `input` into a temporary file on a thread of its own.
    pub fn start(input: impl Read + Send + 'static) -> io::Result<Arc<Spool>> {
        let spool = Arc::new(Spool {
            file: tempfile::tempfile()?,
            state: Mutex::new(State::default()),
        });
        let writer = Arc::clone(&spool);
        thread::Builder::new()
            .name("herd-stdin".into())
            .stack_size(128 * 1024)
            .spawn(move || writer.fill(input))?;
        Ok(spool)
    }

    /// A spool of a whole, existing file (no copy is made): for sending a local file as a
    /// command's standard input.
    pub fn of_file(file: File) -> io::Result<Arc<Spool>> {
        let length = file.metadata()?.len();
        Ok(Arc::new(Spool {
            file,
            state: Mutex::new(State {
                length,
                finished: true,
                failed: None,
            }),
        }))
    }

    /// A reader from the start of the input.
    pub fn reader(self: &Arc<Self>) -> SpoolReader {
        SpoolReader {
            spool: Arc::clone(self),
            position: 0,
            buffer: Vec::new(),
            start: 0,
        }
    }

    /// Why reading herd's stdin failed, once it did.
    pub fn failure(&self) -> Option<String> {
        self.lock().failed.clone()
    }

    fn fill(&self, mut input: impl Read) {
        let mut buffer = vec![0u8; CHUNK];
        loop {
            match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(count) => {
                    let at = self.lock().length;
                    if let Err(error) = self.file.write_all_at(&buffer[..count], at) {
                        self.lock().failed = Some(format!("cannot spool stdin: {error}"));
                        break;
                    }
                    self.lock().length += count as u64;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.lock().failed = Some(format!("cannot read stdin: {error}"));
                    break;
                }
            }
        }
        self.lock().finished = true;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a reader has for its host right now.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// These bytes are next.
    Data(&'a [u8]),
    /// Nothing yet: herd's stdin has not given more so far.
    Waiting,
    /// The input is over.
    End,
}

/// One host's position in a [`Spool`]. Never blocks.
#[derive(Debug)]
pub struct SpoolReader {
    spool: Arc<Spool>,
    position: u64,
    buffer: Vec<u8>,
    start: usize,
}

impl SpoolReader {
    /// The next bytes, without waiting; the same bytes until [`consume`](Self::consume)d.
    pub fn chunk(&mut self) -> Chunk<'_> {
        if self.start >= self.buffer.len() {
            let state = self.spool.lock().clone();
            if self.position >= state.length {
                return if state.finished {
                    Chunk::End
                } else {
                    Chunk::Waiting
                };
            }
            let want = (state.length - self.position).min(CHUNK as u64) as usize;
            self.buffer.resize(want, 0);
            self.start = 0;
            match self
                .spool
                .file
                .read_exact_at(&mut self.buffer, self.position)
            {
                Ok(()) => self.position += want as u64,
                Err(_) => {
                    self.buffer.clear();
                    return Chunk::End;
                }
            }
        }
        Chunk::Data(&self.buffer[self.start..])
    }

    /// Marks `count` bytes of the last [`chunk`](Self::chunk) as sent.
    pub fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.buffer.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn drain(reader: &mut SpoolReader) -> Vec<u8> {
        let mut out = Vec::new();
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            let taken = match reader.chunk() {
                Chunk::End => return out,
                Chunk::Waiting => {
                    assert!(Instant::now() < give_up, "the spool never ended");
                    thread::sleep(Duration::from_millis(1));
                    0
                }
                Chunk::Data(bytes) => {
                    let take = bytes.len().min(1000);
                    out.extend_from_slice(&bytes[..take]);
                    take
                }
            };
            reader.consume(taken);
        }
    }

    #[test]
    fn every_reader_gets_every_byte_at_its_own_pace() {
        let input: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let spool = Spool::start(io::Cursor::new(input.clone())).unwrap();
        let mut first = spool.reader();
        let mut second = spool.reader();
        assert_eq!(drain(&mut first), input);
        assert_eq!(drain(&mut second), input);
        assert_eq!(spool.failure(), None);
    }

    #[test]
    fn waits_for_input_that_has_not_come_yet() {
        let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let spool = Spool::start(reader).unwrap();
        let mut host = spool.reader();
        assert_eq!(host.chunk(), Chunk::Waiting);
        std::io::Write::write_all(&mut writer, b"late").unwrap();
        drop(writer);
        assert_eq!(drain(&mut host), b"late");
    }
}
