//! Host name ranges: `web[01:20]`, `web[1:9:2]`, `db-[a:f]`, several in one name.
//!
//! A [`HostPattern`] is parsed once and knows how many names it yields *before*
//! any is built, so callers can refuse a huge expansion without allocating it.
//! Names come out with the leftmost range varying slowest, as in Ansible.

/// Most names one pattern, or one whole inventory, may expand to.
pub const MAX_HOSTS: usize = 100_000;

/// Most bytes the names built by one [`expand`] may take together.
pub const MAX_EXPANDED_BYTES: usize = 64 << 20;

/// What is wrong with a range in a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// `[` without a closing `]`.
    #[error("`[` is never closed; close the range with `]`")]
    Unclosed,
    /// `]` without an opening `[`.
    #[error("`]` has no opening `[`; write ranges as [START:END]")]
    UnmatchedClose,
    /// Not `START:END` or `START:END:STEP`, or an end is missing.
    #[error(
        "`[{body}]` is not a range; write [START:END] or [START:END:STEP], like [01:20] or [a:f]"
    )]
    Shape {
        /// The text between the brackets.
        body: String,
    },
    /// Start and end are not both numbers or both single letters of one case.
    #[error(
        "`[{body}]` mixes kinds; both ends must be numbers (like [1:9]) or single letters of the same case (like [a:f])"
    )]
    Mixed {
        /// The text between the brackets.
        body: String,
    },
    /// A number too large to count with.
    #[error("`[{body}]` has a number too large; ranges go up to {}", u64::MAX)]
    Overflow {
        /// The text between the brackets.
        body: String,
    },
    /// Start after end.
    #[error("`[{body}]` starts after it ends; write the smaller end first")]
    Reversed {
        /// The text between the brackets.
        body: String,
    },
    /// A step of zero or not a number.
    #[error("`[{body}]` has a bad step; the step must be a whole number of at least 1")]
    BadStep {
        /// The text between the brackets.
        body: String,
    },
    /// The expansion would exceed [`MAX_HOSTS`].
    #[error("it expands to more than {MAX_HOSTS} names; use smaller ranges")]
    TooMany,
    /// The names of the expansion would take more than [`MAX_EXPANDED_BYTES`].
    #[error("its names would take more than {} MiB; use shorter names or smaller ranges", MAX_EXPANDED_BYTES >> 20)]
    TooLarge,
}

/// One piece of a host name pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text copied as is.
    Literal(String),
    /// `[start:end:step]` over numbers, zero-padded to `width`.
    Numbers {
        start: u64,
        step: u64,
        count: u64,
        width: usize,
    },
    /// `[start:end:step]` over ASCII letters.
    Letters { start: u8, step: u64, count: u64 },
}

impl Part {
    /// How many values this part takes.
    fn count(&self) -> u64 {
        match self {
            Part::Literal(_) => 1,
            Part::Numbers { count, .. } => *count,
            Part::Letters { count, .. } => *count,
        }
    }

    /// Appends value number `index` (< `count`) to `out`.
    fn push(&self, index: u64, out: &mut String) {
        match self {
            Part::Literal(text) => out.push_str(text),
            Part::Numbers {
                start, step, width, ..
            } => {
                let value = start + index * step;
                out.push_str(&format!("{value:0width$}"));
            }
            Part::Letters { start, step, .. } => {
                // index < count, so the code stays between the range's two letters.
                let code = u64::from(*start) + index * step;
                out.push(char::from(u8::try_from(code).unwrap_or(b'?')));
            }
        }
    }
}

/// A host name that may contain ranges, parsed and ready to expand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    parts: Vec<Part>,
}

impl HostPattern {
    /// Parses `text`, checking every range in it.
    pub fn parse(text: &str) -> Result<HostPattern, RangeError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['[', ']']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
                Some(at) if rest[at..].starts_with(']') => return Err(RangeError::UnmatchedClose),
                Some(open) => {
                    if open > 0 {
                        parts.push(Part::Literal(rest[..open].to_owned()));
                    }
                    let after = &rest[open + 1..];
                    let close = after.find(']').ok_or(RangeError::Unclosed)?;
                    parts.push(parse_range(&after[..close])?);
                    rest = &after[close + 1..];
                }
            }
        }
        Ok(HostPattern { parts })
    }

    /// True if the pattern has at least one range.
    pub fn has_ranges(&self) -> bool {
        self.parts.iter().any(|p| !matches!(p, Part::Literal(_)))
    }

    /// How many names the pattern yields, or `None` if that does not fit a `usize`.
    pub fn count(&self) -> Option<usize> {
        let total = self
            .parts
            .iter()
            .try_fold(1u64, |acc, part| acc.checked_mul(part.count()))?;
        usize::try_from(total).ok()
    }

    /// The names, in order, built one at a time. Check [`HostPattern::count`] first:
    /// the iterator is lazy, but a huge pattern yields for a very long time.
    pub fn names(&self) -> Names<'_> {
        Names {
            parts: &self.parts,
            digits: vec![0; self.parts.len()],
            done: false,
        }
    }
}

/// Iterator over the names of a [`HostPattern`]: an odometer whose last wheel turns fastest.
#[derive(Debug)]
pub struct Names<'a> {
    parts: &'a [Part],
    digits: Vec<u64>,
    done: bool,
}

impl Iterator for Names<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        if self.done {
            return None;
        }
        let mut name = String::new();
        for (part, digit) in self.parts.iter().zip(&self.digits) {
            part.push(*digit, &mut name);
        }
        // Advance the odometer; when every wheel wraps, this was the last name.
        self.done = true;
        for (digit, part) in self.digits.iter_mut().zip(self.parts).rev() {
            *digit += 1;
            if *digit < part.count() {
                self.done = false;
                break;
            }
            *digit = 0;
        }
        Some(name)
    }
}

/// Expands `text` to every name it denotes, refusing more than [`MAX_HOSTS`] names, or
/// names that would take more than [`MAX_EXPANDED_BYTES`] together, before building any.
pub fn expand(text: &str) -> Result<Vec<String>, RangeError> {
    let pattern = HostPattern::parse(text)?;
    match pattern.count() {
        // No name is longer than the text: a range is always longer than its values.
        Some(count) if count <= MAX_HOSTS => match count.saturating_mul(text.len()) {
            bytes if bytes > MAX_EXPANDED_BYTES => Err(RangeError::TooLarge),
            _ => Ok(pattern.names().collect()),
        },
        _ => Err(RangeError::TooMany),
    }
}

/// Parses the text between `[` and `]`.
fn parse_range(body: &str) -> Result<Part, RangeError> {
    let shape = || RangeError::Shape {
        body: body.to_owned(),
    };
    let fields: Vec<&str> = body.split(':').collect();
    let (start, end, step) = match fields.as_slice() {
        [start, end] => (*start, *end, None),
        [start, end, step] => (*start, *end, Some(*step)),
        _ => return Err(shape()),
    };
    if start.is_empty() || end.is_empty() {
        return Err(shape());
    }
    let step = match step {
        None => 1,
        Some(text) => match parse_number(text) {
            Some(Ok(step)) if step > 0 => step,
            _ => {
                return Err(RangeError::BadStep {
                    body: body.to_owned(),
                });
            }
        },
    };
    match (parse_number(start), parse_number(end)) {
        (Some(start_value), Some(end_value)) => {
            let overflow = || RangeError::Overflow {
                body: body.to_owned(),
            };
            let start_value = start_value.map_err(|()| overflow())?;
            let end_value = end_value.map_err(|()| overflow())?;
            if start_value > end_value {
                return Err(RangeError::Reversed {
                    body: body.to_owned(),
                });
            }
            let count = ((end_value - start_value) / step)
                .checked_add(1)
                .ok_or_else(overflow)?;
            let width = if start.len() > 1 && start.starts_with('0') {
                start.len()
            } else {
                0
            };
            Ok(Part::Numbers {
                start: start_value,
                step,
                count,
                width,
            })
        }
        (None, None) => letters(body, start, end, step),
        _ => Err(RangeError::Mixed {
            body: body.to_owned(),
        }),
    }
}

/// `None` if `text` is not all ASCII digits; `Some(Err(()))` if it overflows `u64`.
fn parse_number(text: &str) -> Option<Result<u64, ()>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<u64>().map_err(|_| ()))
}

/// A letter range: both ends one ASCII letter of the same case.
fn letters(body: &str, start: &str, end: &str, step: u64) -> Result<Part, RangeError> {
    let mixed = || RangeError::Mixed {
        body: body.to_owned(),
    };
    let (&[first], &[last]) = (start.as_bytes(), end.as_bytes()) else {
        return Err(mixed());
    };
    let same_case = (first.is_ascii_lowercase() && last.is_ascii_lowercase())
        || (first.is_ascii_uppercase() && last.is_ascii_uppercase());
    if !same_case {
        return Err(mixed());
    }
    if first > last {
        return Err(RangeError::Reversed {
            body: body.to_owned(),
        });
    }
    Ok(Part::Letters {
        start: first,
        step,
        count: u64::from(last - first) / step + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        expand(text).expect("valid pattern")
    }

    #[test]
    fn plain_name_is_itself() {
        assert_eq!(names("web01.example.com"), ["web01.example.com"]);
        assert!(!HostPattern::parse("web").unwrap().has_ranges());
    }

    #[test]
    fn numbers_keep_zero_padding_of_the_start() {
        let list = names("web[01:12]");
        assert_eq!(list.len(), 12);
        assert_eq!(list[0], "web01");
        assert_eq!(list[11], "web12");
        assert_eq!(names("web[8:10]"), ["web8", "web9", "web10"]);
        assert_eq!(names("n[098:100]"), ["n098", "n099", "n100"]);
        assert_eq!(names("n[09:100]").last().map(String::as_str), Some("n100"));
    }

    #[test]
    fn stride_and_letters() {
        assert_eq!(
            names("web[1:9:2]"),
            ["web1", "web3", "web5", "web7", "web9"]
        );
        assert_eq!(names("web[1:8:3]"), ["web1", "web4", "web7"]);
        assert_eq!(names("db-[a:d]"), ["db-a", "db-b", "db-c", "db-d"]);
        assert_eq!(names("db-[A:E:2]"), ["db-A", "db-C", "db-E"]);
        assert_eq!(names("x[a:z:100]"), ["xa"]);
    }

    #[test]
    fn several_ranges_multiply_out_leftmost_slowest() {
        assert_eq!(
            names("r[1:2]-[a:b].lan"),
            ["r1-a.lan", "r1-b.lan", "r2-a.lan", "r2-b.lan"]
        );
        assert_eq!(
            HostPattern::parse("[1:10][1:10]").unwrap().count(),
            Some(100)
        );
    }

    #[test]
    fn bad_ranges_are_errors() {
        type Expected = fn(&RangeError) -> bool;
        let cases: [(&str, Expected); 10] = [
            ("web[5:1]", |e| matches!(e, RangeError::Reversed { .. })),
            ("web[1:]", |e| matches!(e, RangeError::Shape { .. })),
            ("web[:5]", |e| matches!(e, RangeError::Shape { .. })),
            ("web[a:5]", |e| matches!(e, RangeError::Mixed { .. })),
            ("web[a:Z]", |e| matches!(e, RangeError::Mixed { .. })),
            ("web[ab:c]", |e| matches!(e, RangeError::Mixed { .. })),
            ("web[1:5:0]", |e| matches!(e, RangeError::BadStep { .. })),
            ("web[1:5", |e| matches!(e, RangeError::Unclosed)),
            ("web1:5]", |e| matches!(e, RangeError::UnmatchedClose)),
            ("web[1:99999999999999999999]", |e| {
                matches!(e, RangeError::Overflow { .. })
            }),
        ];
        for (text, expected) in cases {
            let error = expand(text).expect_err(text);
            assert!(expected(&error), "{text}: {error:?}");
        }
        assert!(matches!(
            expand("w[1:2:x]"),
            Err(RangeError::BadStep { .. })
        ));
        assert!(matches!(
            expand("w[1:2:3:4]"),
            Err(RangeError::Shape { .. })
        ));
        assert!(matches!(expand("w[+1:2]"), Err(RangeError::Mixed { .. })));
    }

    #[test]
    fn limit_is_checked_before_expanding() {
        assert_eq!(names("h[1:100000]").len(), MAX_HOSTS);
        assert_eq!(expand("h[1:100001]"), Err(RangeError::TooMany));
        // Would be 10^40 names: refused at once, without building any.
        assert_eq!(
            expand("h[0:9999999999][0:9999999999][0:9999999999][0:9999999999]"),
            Err(RangeError::TooMany)
        );
        assert!(matches!(
            expand("h[0:18446744073709551615]"),
            Err(RangeError::Overflow { .. })
        ));
        // 100000 names of 8000 bytes each were built whole: 800 MB (found by fuzzing).
        let long = format!("{}[1:100000]", "a".repeat(8000));
        assert_eq!(expand(&long), Err(RangeError::TooLarge));
        let longest = format!(
            "{}[1:100000]",
            "a".repeat(MAX_EXPANDED_BYTES / MAX_HOSTS - 10)
        );
        assert_eq!(expand(&longest).map(|names| names.len()), Ok(MAX_HOSTS));
        let huge = HostPattern::parse("h[0:18446744073709551614][1:2]").unwrap();
        assert_eq!(huge.count(), None);
        assert_eq!(huge.names().nth(1).as_deref(), Some("h02"));
    }
}
