//! File names: temp names for atomic replacement, and the check that a name listed by
//! a remote directory is one safe path segment.

use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher, Hasher};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest part of the original name kept in a temp name, so that with the
/// `.` + `.herd-XXXXXX` around it the result still fits NAME_MAX (255 bytes).
const KEPT_NAME_BYTES: usize = 200;

/// `.NAME.herd-XXXXXX`: hidden, recognisably ours, random enough that two writers
/// (threads, processes, hosts sharing a file system) do not pick the same name. The
/// file is then created exclusively, so a clash fails rather than overwrites.
pub(super) fn temp_name(name: &OsStr) -> OsString {
    let bytes = name.as_bytes();
    let mut keep = bytes.len().min(KEPT_NAME_BYTES);
    if let Ok(text) = std::str::from_utf8(bytes) {
        while !text.is_char_boundary(keep) {
            keep -= 1;
        }
    }
    let mut temp = Vec::with_capacity(keep + 14);
    temp.push(b'.');
    temp.extend_from_slice(&bytes[..keep]);
    temp.extend_from_slice(b".herd-");
    temp.extend_from_slice(random_suffix().as_bytes());
    OsString::from_vec(temp)
}

/// Whether `name` has the shape [`temp_name`] gives: `.` + a name + `.herd-` + six
/// letters or digits.
pub(super) fn is_temp_name(name: &OsStr) -> bool {
    const MARK: &[u8] = b".herd-";
    let bytes = name.as_bytes();
    let Some(head) = bytes.len().checked_sub(MARK.len() + SUFFIX_LEN) else {
        return false;
    };
    let (front, suffix) = bytes.split_at(head + MARK.len());
    bytes.starts_with(b".")
        && head > 1
        && front.ends_with(MARK)
        && suffix.iter().all(u8::is_ascii_alphanumeric)
}

/// How many random characters end a temp name.
const SUFFIX_LEN: usize = 6;

/// Six characters from [A-Za-z0-9], from std's randomly keyed hasher over a counter.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let mut value = hasher.finish();
    (0..SUFFIX_LEN)
        .map(|_| {
            let c = ALPHABET[(value % ALPHABET.len() as u64) as usize];
            value /= ALPHABET.len() as u64;
            c as char
        })
        .collect()
}

/// Whether `name` can be joined to a local directory without leaving it or hiding
/// something in the output: not empty, not `.` or `..`, and no `/`, NUL or control
/// character (a newline or an escape sequence in a name would also garble the report).
pub(super) fn is_safe_segment(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes != b"."
        && bytes != b".."
        && !bytes.iter().any(|&b| b == b'/' || b < 0x20 || b == 0x7f)
}

/// The name a fetched remote path is written under locally: its last component, if that
/// is one safe segment (see [`is_safe_segment`]).
pub(super) fn fetch_name(path: &Path) -> Option<OsString> {
    path.file_name()
        .filter(|name| is_safe_segment(name))
        .map(ToOwned::to_owned)
}

/// Why a remote path has no [`fetch_name`].
pub(super) const NO_FETCH_NAME: &str =
    "has no usable file name to copy to; name a file or directory";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_hidden_distinct_and_short_enough() {
        let a = temp_name(OsStr::new("app.conf"));
        let b = temp_name(OsStr::new("app.conf"));
        assert_ne!(a, b);
        let text = a.to_str().expect("utf-8");
        assert!(text.starts_with(".app.conf.herd-"), "{text}");
        assert_eq!(text.len(), ".app.conf.herd-".len() + 6);
        let long = "é".repeat(200);
        let temp = temp_name(OsStr::new(&long));
        assert!(temp.len() <= 255);
        assert!(temp.to_str().is_some(), "truncated on a character boundary");
    }

    #[test]
    fn temp_names_are_recognised() {
        for _ in 0..20 {
            assert!(is_temp_name(&temp_name(OsStr::new("app.conf"))));
        }
        assert!(is_temp_name(OsStr::new(".x.herd-aB3dE9")));
        for other in [
            "app.conf",
            ".x.herd-aB3dE",
            ".x.herd-aB3dE9z",
            "x.herd-aB3dE9",
            "..herd-aB3dE9",
            ".x.herd-aB3d.9",
            ".herd-aB3dE9",
        ] {
            assert!(!is_temp_name(OsStr::new(other)), "{other:?}");
        }
    }

    #[test]
    fn unsafe_segments_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/",
            "line\nbreak",
            "esc\x1b[31m",
            "del\x7f",
        ] {
            assert!(!is_safe_segment(OsStr::new(bad)), "{bad:?}");
        }
        assert!(!is_safe_segment(OsStr::from_bytes(b"nul\0byte")));
        for good in [
            "a",
            "...",
            "..a",
            ".hidden",
            "with space",
            "ünïcode",
            "a\\b",
        ] {
            assert!(is_safe_segment(OsStr::new(good)), "{good:?}");
        }
    }
}
