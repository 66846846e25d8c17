//! Turns a stream of arbitrary byte chunks into chunks of whole lines.

/// A line longer than this is passed on in pieces rather than held in memory.
pub const MAX_PENDING_LINE: usize = 8 * 1024 * 1024;

/// Holds back an unfinished last line until its newline (or the end) arrives.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Takes the next chunk; returns every line completed by it (each ending in `\n`), if any.
    pub fn push(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        match chunk.iter().rposition(|&b| b == b'\n') {
            Some(last_newline) => {
                let (complete, rest) = chunk.split_at(last_newline + 1);
                let mut lines = std::mem::take(&mut self.pending);
                lines.extend_from_slice(complete);
                self.pending.extend_from_slice(rest);
                Some(lines)
            }
            None => {
                self.pending.extend_from_slice(chunk);
                (self.pending.len() > MAX_PENDING_LINE).then(|| std::mem::take(&mut self.pending))
            }
        }
    }

    /// The end of the stream: the unfinished last line, if there is one.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_lines_pass_and_the_tail_waits() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"a\nb"), Some(b"a\n".to_vec()));
        assert_eq!(s.push(b"c"), None);
        assert_eq!(s.push(b"d\ne\nf"), Some(b"bcd\ne\n".to_vec()));
        assert_eq!(s.finish(), Some(b"f".to_vec()));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn non_utf8_bytes_are_kept() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(&[0xff, 0xfe, b'\n']), Some(vec![0xff, 0xfe, b'\n']));
    }

    #[test]
    fn an_endless_line_is_passed_on_in_bounded_pieces() {
        let mut s = LineSplitter::default();
        let chunk = vec![b'x'; 1024 * 1024];
        let mut flushed = 0;
        for _ in 0..20 {
            if let Some(piece) = s.push(&chunk) {
                assert!(piece.len() <= MAX_PENDING_LINE + chunk.len());
                flushed += piece.len();
            }
        }
        flushed += s.finish().map_or(0, |p| p.len());
        assert_eq!(flushed, 20 * chunk.len());
    }
}
