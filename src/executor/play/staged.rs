//! `put` and `get` under `become`: the bytes travel as the login user (SFTP, or the
//! exec-channel copy) through a private temporary directory on the host, and only the
//! last move happens as the become user through `sudo`.
//!
//! A put uploads to `$TMPDIR/.herd-become-XXXXXX/content` (mode 0700 directory), then
//! the become user copies it, from its standard input (the login user's shell reads
//! the file, so the become user needs no access to it), to a temporary file in the
//! destination's directory, checks its SHA-256, gives it its mode, owner and group
//! (those of the file it replaces, unless the step says otherwise), and renames it into
//! place: readers see the old file or the new one, never a part. For a get the become
//! user `cat`s the file and the login user's shell writes it into the private directory
//! (so the become user needs no access to it), fetched from there. The private
//! directory is removed whatever happened; a killed run's leftovers (private
//! directories, temporary files in a destination directory) are removed by a later
//! run once an hour old.

use std::path::Path;

use crate::executor::privilege::Shell;
use crate::shell::quote;
use crate::ssh::Transport;

use super::outcome::Io;
use super::remote::{self, Attributes, PRIVATE};

/// What a become `put` installs.
pub(super) struct Install<'a> {
    /// The local file to send.
    pub(super) local: &'a Path,
    /// Its SHA-256, which the copy on the host must have before it is moved into place.
    pub(super) sha256: &'a str,
    /// Mode (always set), owner and group of the installed file.
    pub(super) attributes: Attributes<'a>,
}

/// Installs `file` at the remote path `target` as `shell`'s become user.
pub(super) fn put(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    file: &Install<'_>,
    target: &str,
) -> Result<(), String> {
    let script = install_script(target, file)?;
    let dir = remote::private_dir(transport, io)?;
    let upload = format!("{dir}/content");
    let result = transport
        .put(file.local, &upload, &mut |_| {})
        .map_err(|error| format!("uploading to a private temporary directory: {error}"))
        .and_then(|()| {
            let what = "moving the file into place through sudo";
            remote::run_fed(transport, shell, io, (&script, &upload), what)
        });
    finish(transport, io, &dir, result)
}

/// Fetches the remote file `src`, read as `shell`'s become user, into the local
/// directory `local_dir` as `name`; returns the bytes copied.
pub(super) fn get(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    src: &str,
    (local_dir, name): (&Path, &str),
) -> Result<u64, String> {
    let cat = format!("cat -- {}", word(src)?);
    let dir = remote::private_dir(transport, io)?;
    let copy = format!("{dir}/{name}");
    let mut bytes = 0;
    let result = remote::run_into(
        transport,
        shell,
        io,
        (&cat, &copy),
        "reading the file through sudo",
    )
    .and_then(|()| {
        transport
            .get(&copy, local_dir, &mut |file| bytes += file.bytes)
            .map_err(|error| format!("fetching from a private temporary directory: {error}"))
    });
    finish(transport, io, &dir, result).map(|()| bytes)
}

/// Removes the private directory, then gives the copy's own result (or, when only the
/// removal failed, that failure).
fn finish(
    transport: &mut dyn Transport,
    io: &Io<'_>,
    dir: &str,
    result: Result<(), String>,
) -> Result<(), String> {
    let removed = remote::remove_private_dir(transport, io, dir);
    result.and(removed)
}

/// The script the become user runs with the file's bytes on its standard input: a temp
/// file beside `target`, the bytes checked, attributes set, renamed into place; the
/// temp file removed on any failure.
fn install_script(target: &str, file: &Install<'_>) -> Result<String, String> {
    let dest = word(target)?;
    let dir = word(parent(target))?;
    let attributes = file.attributes.commands("\"$t\"")?;
    let sha256 = word(file.sha256)?;
    Ok(format!(
        r#"dest={dest}
find {dir} -maxdepth 1 -type f -name '{PRIVATE}*' -mmin +60 -exec rm -f -- {{}} + 2>/dev/null
t=$(mktemp {dir}/{PRIVATE}XXXXXX) || exit
trap 'rm -f -- "$t"' EXIT
trap 'exit 143' HUP INT TERM
cat >"$t" || exit
sum=$( (sha256sum || shasum -a 256) <"$t" 2>/dev/null)
if [ "${{sum%% *}}" != {sha256} ]; then
  echo "the copy on the host does not have the SHA-256 of what was sent" >&2
  exit 1
fi
if [ -e "$dest" ]; then
  chown -- "$(stat -c %u:%g -- "$dest" 2>/dev/null || stat -f %u:%g -- "$dest")" "$t" 2>/dev/null
fi
{attributes}mv -f -- "$t" "$dest""#
    ))
}

/// The directory part of a remote path (`.` when it has none).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(at) => &path[..at],
        None => ".",
    }
}

/// `text` as one shell word.
fn word(text: &str) -> Result<String, String> {
    quote(text).ok_or_else(|| "the path holds a NUL byte".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Mode;

    #[test]
    fn the_temp_file_sits_beside_the_destination() {
        assert_eq!(parent("/etc/app.conf"), "/etc");
        assert_eq!(parent("/app.conf"), "/");
        assert_eq!(parent("app.conf"), ".");
        assert_eq!(parent("a b/c"), "a b");
    }

    #[test]
    fn the_install_script_checks_then_renames_in_the_destination_directory() {
        let file = Install {
            local: Path::new("x"),
            sha256: "ab12",
            attributes: Attributes {
                mode: Mode::parse("0640"),
                owner: Some("root"),
                group: None,
            },
        };
        let script = install_script("/etc/my app.conf", &file).unwrap();
        assert!(script.starts_with("dest='/etc/my app.conf'\n"), "{script}");
        assert!(script.contains("t=$(mktemp /etc/.herd-become-XXXXXX) || exit\n"));
        assert!(script.contains(r#"[ "${sum%% *}" != ab12 ]"#), "{script}");
        let (checked, renamed) = (
            script.find("!= ab12").unwrap(),
            script.find("mv -f -- \"$t\" \"$dest\"").unwrap(),
        );
        let (chmod, chown) = (
            script.find("chmod 0640 -- \"$t\"").unwrap(),
            script.find("chown -- root \"$t\"").unwrap(),
        );
        assert!(
            checked < chmod && chmod < chown && chown < renamed,
            "{script}"
        );
        assert!(script.ends_with("mv -f -- \"$t\" \"$dest\""), "{script}");
    }
}
