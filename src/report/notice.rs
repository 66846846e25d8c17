//! One-off messages outside a run: warnings, the top-level error, and documents such as
//! `herd inventory --list`. Everything herd prints goes through `report`.

use std::io::{self, Write};

/// Prints `herd: warning: MESSAGE` on stderr.
pub fn warning(message: &str) {
    // Nothing useful can be done when stderr itself is gone.
    let _ = writeln!(io::stderr().lock(), "herd: warning: {message}");
}

/// Prints `herd: MESSAGE` on stderr: something the user should know that is no problem.
pub fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "herd: {message}");
}

/// Prints `herd: error: MESSAGE` on stderr.
pub fn error(message: &str) {
    let _ = writeln!(io::stderr().lock(), "herd: error: {message}");
}

/// Prints a document (JSON, a tree, a plan) on stdout, ending it with a newline.
/// A closed pipe (`| head`) is not an error.
pub fn print_document(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let result = out
        .write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The note that a playbook run held fewer SSH sessions than it had hosts.
pub(crate) fn write_sessions_reopened(
    w: &mut dyn Write,
    limit: usize,
    reopened: usize,
) -> io::Result<()> {
    writeln!(
        w,
        "herd: held at most {limit} SSH sessions at once (open-files limit and memory); \
         {reopened} host connections were made again for later steps"
    )
}
