//! The in-memory copy of a known_hosts file, and appending to it safely.
//!
//! Appends are serialized across threads by the caller's `Mutex` and across processes
//! by `flock(LOCK_EX)` on the file itself. Under the lock the file's new tail (lines
//! other processes added) is read first, so a key another process just accepted is
//! seen, and each new line goes out in a single `write()` on an `O_APPEND` descriptor.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::entry::{self, Entry};

/// What has been read of the file so far.
#[derive(Debug)]
pub(super) struct Store {
    /// Every usable line, in file order.
    pub(super) entries: Vec<Entry>,
    /// How many bytes of the file have been read.
    bytes: u64,
    /// How many lines those bytes hold (a last line without '\n' counts).
    lines: usize,
    /// Whether those bytes end with '\n' (or are empty).
    complete: bool,
}

impl Store {
    /// A store of an empty file.
    pub(super) fn empty() -> Store {
        Store {
            entries: Vec::new(),
            bytes: 0,
            lines: 0,
            complete: true,
        }
    }

    /// Reads the whole file; a missing file is an empty store.
    pub(super) fn load(path: &Path) -> io::Result<Store> {
        let mut store = Store::empty();
        match fs::read(path) {
            Ok(data) => store.ingest(&data),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        Ok(store)
    }

    /// Adds the lines in `data`, which follows what was read so far.
    fn ingest(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let body = data.strip_suffix(b"\n").unwrap_or(data);
        for text in body.split(|&b| b == b'\n') {
            self.lines += 1;
            if let Some(entry) = std::str::from_utf8(text)
                .ok()
                .and_then(|text| entry::parse(self.lines, text))
            {
                self.entries.push(entry);
            }
        }
        self.bytes += data.len() as u64;
        self.complete = data.ends_with(b"\n");
    }

    /// Reads what other processes appended since the last read (the whole file again
    /// if it shrank or ended mid-line, i.e. someone else rewrote it).
    fn refresh(&mut self, file: &mut File) -> io::Result<()> {
        let length = file.metadata()?.len();
        if length < self.bytes || !self.complete {
            *self = Store::empty();
        }
        file.seek(SeekFrom::Start(self.bytes))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        self.ingest(&tail);
        Ok(())
    }
}

/// The known_hosts file opened for appending, holding the inter-process lock until
/// dropped (closing the descriptor releases the `flock`).
pub(super) struct Locked {
    file: File,
}

impl Locked {
    /// Opens (creating `~/.ssh` 0700 and the file 0600 if missing) and locks the file,
    /// then brings `store` up to date with what other processes wrote.
    pub(super) fn open(path: &Path, store: &mut Store) -> io::Result<Locked> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            if !dir.exists() {
                DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
            }
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        lock_exclusive(&file)?;
        store.refresh(&mut file)?;
        Ok(Locked { file })
    }

    /// Appends `name key_type base64(key)` as one line in one `write()`, and records it
    /// in `store` (so its line number is known).
    pub(super) fn append(&mut self, store: &mut Store, name: &str, key: &[u8]) -> io::Result<()> {
        let key_type = entry::key_type_of(key).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the server's host key is malformed",
            )
        })?;
        let separator = if store.complete { "" } else { "\n" };
        let line = format!("{name} {key_type} {}\n", STANDARD.encode(key));
        let text = format!("{separator}{line}");
        let written = self.file.write(text.as_bytes())?;
        if written != text.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short write ({written} of {} bytes)", text.len()),
            ));
        }
        store.bytes += separator.len() as u64;
        store.complete = true;
        store.ingest(line.as_bytes());
        Ok(())
    }
}

fn lock_exclusive(file: &File) -> io::Result<()> {
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIKb4NpKOLh3ezV0NtjzBg1AbHhu3m+6elwXl4M8HVK3z";

    #[test]
    fn counts_lines_including_comments_and_a_missing_final_newline() {
        let mut store = Store::empty();
        store.ingest(format!("# c\n\nh1 ssh-ed25519 {KEY}\nh2 ssh-ed25519 {KEY}").as_bytes());
        let lines: Vec<usize> = store.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(!store.complete);
    }

    #[test]
    fn appends_after_a_line_without_newline_and_sees_other_writers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/known_hosts");
        let mut store = Store::load(&path).expect("missing file is empty");
        assert!(store.entries.is_empty());
        let key = STANDARD.decode(KEY).expect("base64");
        Locked::open(&path, &mut store)
            .and_then(|mut locked| locked.append(&mut store, "h1", &key))
            .expect("append");
        // Another process appends a line without a final newline.
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("h2 ssh-ed25519 {KEY}").as_bytes()))
            .expect("other writer");
        Locked::open(&path, &mut store)
            .and_then(|mut locked| locked.append(&mut store, "[h3]:2222", &key))
            .expect("append");
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            format!("h1 ssh-ed25519 {KEY}\nh2 ssh-ed25519 {KEY}\n[h3]:2222 ssh-ed25519 {KEY}\n")
        );
        let lines: Vec<usize> = store.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3]);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = fs::metadata(dir.path().join("sub"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
