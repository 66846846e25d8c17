//! SSH wire fields (RFC 4251, section 5): big-endian `uint32` numbers and
//! length-prefixed `string`s, as key blobs, certificates, key files and KEXINIT hold them.

/// Fields read in order from bytes; a read past the end (or a length that runs past
/// it) is `None`.
pub(super) struct Fields<'a>(pub(super) &'a [u8]);

impl<'a> Fields<'a> {
    /// The next `uint32`.
    pub(super) fn number(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    /// The next `string`'s contents.
    pub(super) fn string(&mut self) -> Option<&'a [u8]> {
        let mut after_length = Fields(self.0);
        let length = usize::try_from(after_length.number()?).ok()?;
        if after_length.0.len() < length {
            return None;
        }
        let (field, rest) = after_length.0.split_at(length);
        self.0 = rest;
        Some(field)
    }

    /// What is left unread.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.0
    }
}

/// Appends `bytes` to `out` as a `string`.
pub(super) fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_read_back_and_a_short_field_is_none() {
        let mut bytes = Vec::new();
        put_string(&mut bytes, b"ssh-ed25519");
        bytes.extend_from_slice(&7u32.to_be_bytes());
        put_string(&mut bytes, b"");
        let mut fields = Fields(&bytes);
        assert_eq!(fields.string(), Some(&b"ssh-ed25519"[..]));
        assert_eq!(fields.number(), Some(7));
        assert_eq!(fields.string(), Some(&b""[..]));
        assert_eq!(fields.rest(), b"");
        assert_eq!(fields.number(), None);
        // A length past the end reads nothing and leaves the bytes as they were.
        let mut short = Fields(&[0, 0, 0, 9, b'x']);
        assert_eq!(short.string(), None);
        assert_eq!(short.rest(), &[0, 0, 0, 9, b'x']);
    }
}
