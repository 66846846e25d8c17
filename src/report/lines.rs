//! Splitting an output chunk into lines.

/// The lines of `data`, each without its `\n`. A last piece without a newline is a line
/// too (a command's final partial line); empty `data` has no lines. A `\r` before the
/// `\n` stays part of the line, as do any bytes that are not UTF-8.
pub(crate) fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    (!data.is_empty())
        .then(|| body.split(|&byte| byte == b'\n'))
        .into_iter()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::lines;

    fn split(data: &[u8]) -> Vec<&[u8]> {
        lines(data).collect()
    }

    #[test]
    fn whole_and_partial_lines() {
        assert_eq!(split(b""), Vec::<&[u8]>::new());
        assert_eq!(split(b"\n"), vec![b"".as_slice()]);
        assert_eq!(split(b"a\nb\n"), vec![b"a".as_slice(), b"b"]);
        assert_eq!(split(b"a\nb"), vec![b"a".as_slice(), b"b"]);
        assert_eq!(split(b"a\n\n"), vec![b"a".as_slice(), b""]);
        assert_eq!(split(b"a\r\n\xff"), vec![b"a\r".as_slice(), b"\xff"]);
    }
}
