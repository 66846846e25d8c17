//! `--outdir DIR`: each host's remote stdout in `DIR/NAME.out` and stderr in
//! `DIR/NAME.err` (pssh's `-o`/`-e`), written as the output arrives, beside whatever
//! view the terminal shows.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::event::{Event, HostName, Stream};

/// Writes the output events of a run into per-host files.
///
/// A host's two files are created (emptied when they exist) when it starts, so every
/// host that ran has both, even when it printed nothing; each `Output` event's bytes are
/// appended unchanged (no `NAME: ` prefix) and reach the file before the next event is
/// handled. A file that cannot be written is reported once, as a warning, and that
/// host's files are then left alone: the run and the terminal view go on.
pub struct OutDir {
    dir: PathBuf,
    file_name: fn(&str) -> String,
    files: HashMap<HostName, Option<HostFiles>>,
}

struct HostFiles {
    out: File,
    err: File,
}

impl OutDir {
    /// Writes into `dir`, which must exist. `file_name` maps a host name to one safe path
    /// segment (the same mapping `get` uses for its per-host folders), so no host name
    /// can write outside `dir`.
    pub fn new(dir: &Path, file_name: fn(&str) -> String) -> Self {
        OutDir {
            dir: dir.to_path_buf(),
            file_name,
            files: HashMap::new(),
        }
    }

    /// `DIR/NAME.out` (or `.err` for stderr) for `host`.
    pub fn path(&self, host: &str, stream: Stream) -> PathBuf {
        let suffix = match stream {
            Stream::Stdout => "out",
            Stream::Stderr => "err",
        };
        self.dir
            .join(format!("{}.{suffix}", (self.file_name)(host)))
    }

    /// Takes one event: a host's start creates its files, its output is appended.
    pub fn handle(&mut self, event: &Event) {
        match event {
            Event::HostStarted { host } => {
                self.files(host);
            }
            Event::Output { host, stream, data } => {
                let result = match self.files(host) {
                    Some(files) => match stream {
                        Stream::Stdout => files.out.write_all(data),
                        Stream::Stderr => files.err.write_all(data),
                    },
                    None => return,
                };
                if let Err(error) = result {
                    let path = self.path(host, *stream);
                    super::warning(&format!(
                        "--outdir: cannot write {}: {error}; {host}'s output files are left as they are",
                        path.display()
                    ));
                    self.files.insert(host.clone(), None);
                }
            }
            _ => {}
        }
    }

    /// The open files of `host`, created on first use; `None` once they have failed.
    fn files(&mut self, host: &HostName) -> Option<&mut HostFiles> {
        if !self.files.contains_key(host) {
            let opened = self.create(host);
            if let Err((path, error)) = &opened {
                super::warning(&format!(
                    "--outdir: cannot create {}: {error}; {host}'s output is not saved",
                    path.display()
                ));
            }
            self.files.insert(host.clone(), opened.ok());
        }
        self.files.get_mut(host).and_then(Option::as_mut)
    }

    fn create(&self, host: &str) -> Result<HostFiles, (PathBuf, io::Error)> {
        let open = |stream| {
            let path = self.path(host, stream);
            File::create(&path).map_err(|error| (path, error))
        };
        Ok(HostFiles {
            out: open(Stream::Stdout)?,
            err: open(Stream::Stderr)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::OutDir;
    use crate::event::{Event, HostName, Stream};

    fn host(name: &str) -> HostName {
        name.into()
    }

    fn safe(name: &str) -> String {
        name.replace('/', "%2F")
    }

    #[test]
    fn each_stream_goes_to_its_own_file_as_it_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let mut outdir = OutDir::new(dir.path(), safe);
        outdir.handle(&Event::HostStarted { host: host("h1") });
        outdir.handle(&Event::HostStarted { host: host("h2") });
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(read("h1.out"), b"");
        assert_eq!(read("h2.err"), b"");
        let output = |name: &str, stream, data: &[u8]| Event::Output {
            host: host(name),
            stream,
            data: data.to_vec(),
        };
        outdir.handle(&output("h1", Stream::Stdout, b"one\n"));
        // Written before the next event: a reader sees it while the run goes on.
        assert_eq!(read("h1.out"), b"one\n");
        outdir.handle(&output("h1", Stream::Stderr, b"oops\n"));
        outdir.handle(&output("h1", Stream::Stdout, b"\xff two\n"));
        outdir.handle(&output("h3", Stream::Stdout, b"no start event\n"));
        assert_eq!(read("h1.out"), b"one\n\xff two\n");
        assert_eq!(read("h1.err"), b"oops\n");
        assert_eq!(read("h2.out"), b"");
        assert_eq!(read("h3.out"), b"no start event\n");
    }

    #[test]
    fn host_names_cannot_leave_the_folder_and_old_files_are_emptied() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("h1.out"), "from an earlier run\n").unwrap();
        let mut outdir = OutDir::new(dir.path(), safe);
        outdir.handle(&Event::HostStarted { host: host("h1") });
        outdir.handle(&Event::HostStarted { host: host("../x") });
        assert_eq!(std::fs::read(dir.path().join("h1.out")).unwrap(), b"");
        assert!(dir.path().join("..%2Fx.out").exists());
        assert_eq!(
            outdir.path("a/b", Stream::Stderr),
            dir.path().join("a%2Fb.err")
        );
    }

    #[test]
    fn a_folder_that_went_away_does_not_stop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let mut outdir = OutDir::new(&gone, safe);
        outdir.handle(&Event::HostStarted { host: host("h1") });
        outdir.handle(&Event::Output {
            host: host("h1"),
            stream: Stream::Stdout,
            data: b"x\n".to_vec(),
        });
        assert!(!gone.exists());
    }
}
