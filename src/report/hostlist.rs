//! Folding host lists into ranges, as clush and pdsh show them:
//! `web01,web02,web03,db1` → `web[01-03],db1`.

use std::collections::HashMap;

use crate::event::HostName;

/// A name split around its last run of digits: `web01` is `web`, 1 written with 2
/// digits, and an empty suffix; `rack2-db` is `rack`, 2 with 1 digit, and `-db`.
struct Numbered<'a> {
    prefix: &'a str,
    number: u64,
    width: usize,
    suffix: &'a str,
}

impl<'a> Numbered<'a> {
    /// `None` for a name without digits, or with a number too long for a `u64`.
    fn parse(name: &'a str) -> Option<Self> {
        let end = name.rfind(|c: char| c.is_ascii_digit())? + 1;
        let start = name[..end]
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let digits = &name[start..end];
        Some(Numbered {
            prefix: &name[..start],
            number: digits.parse().ok()?,
            width: digits.len(),
            suffix: &name[end..],
        })
    }
}

/// A name that cannot fold, or names that differ only in one number of one width.
enum Fold<'a> {
    Plain(&'a str),
    Range {
        prefix: &'a str,
        width: usize,
        suffix: &'a str,
        numbers: Vec<u64>,
    },
}

/// `hosts` as one comma-separated list. Names that differ only in their last number,
/// written with the same number of digits, fold into `prefix[a-b,c]suffix` (so `web9`
/// and `web10` stay apart, and every name is spelled back exactly); folds appear in the
/// order of their first host, numbers inside a fold ascending, duplicates once.
pub(crate) fn compact(hosts: &[HostName]) -> String {
    let mut folds: Vec<Fold<'_>> = Vec::new();
    let mut by_key: HashMap<(&str, usize, &str), usize> = HashMap::new();
    for host in hosts {
        let Some(numbered) = Numbered::parse(host) else {
            folds.push(Fold::Plain(host));
            continue;
        };
        let key = (numbered.prefix, numbered.width, numbered.suffix);
        match by_key.get(&key).and_then(|&index| folds.get_mut(index)) {
            Some(Fold::Range { numbers, .. }) => numbers.push(numbered.number),
            _ => {
                by_key.insert(key, folds.len());
                folds.push(Fold::Range {
                    prefix: numbered.prefix,
                    width: numbered.width,
                    suffix: numbered.suffix,
                    numbers: vec![numbered.number],
                });
            }
        }
    }
    let parts: Vec<String> = folds.into_iter().map(render).collect();
    parts.join(",")
}

fn render(fold: Fold<'_>) -> String {
    match fold {
        Fold::Plain(name) => name.to_owned(),
        Fold::Range {
            prefix,
            width,
            suffix,
            mut numbers,
        } => {
            numbers.sort_unstable();
            numbers.dedup();
            if let [only] = numbers.as_slice() {
                return format!("{prefix}{only:0width$}{suffix}");
            }
            let ranges: Vec<String> = runs(&numbers)
                .into_iter()
                .map(|(first, last)| {
                    if first == last {
                        format!("{first:0width$}")
                    } else {
                        format!("{first:0width$}-{last:0width$}")
                    }
                })
                .collect();
            format!("{prefix}[{}]{suffix}", ranges.join(","))
        }
    }
}

/// Runs of consecutive numbers in sorted, de-duplicated `numbers`:
/// `[1, 2, 3, 5]` → `[(1, 3), (5, 5)]`.
fn runs(numbers: &[u64]) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &number in numbers {
        match runs.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(number) => *last = number,
            _ => runs.push((number, number)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::compact;
    use crate::event::HostName;

    fn list(names: &[&str]) -> String {
        let hosts: Vec<HostName> = names.iter().map(|&name| HostName::from(name)).collect();
        compact(&hosts)
    }

    #[test]
    fn folds_runs_of_numbers() {
        assert_eq!(list(&["web01", "web02", "web03"]), "web[01-03]");
        assert_eq!(list(&["web03", "web01", "web02", "web05"]), "web[01-03,05]");
        assert_eq!(list(&["web01", "db1", "web02"]), "web[01-02],db1");
        assert_eq!(list(&["rack1-db", "rack2-db"]), "rack[1-2]-db");
        assert_eq!(list(&["10.0.0.1", "10.0.0.2"]), "10.0.0.[1-2]");
    }

    #[test]
    fn keeps_what_cannot_fold() {
        assert_eq!(list(&[]), "");
        assert_eq!(list(&["web01"]), "web01");
        assert_eq!(list(&["alpha", "beta"]), "alpha,beta");
        assert_eq!(list(&["web9", "web10"]), "web9,web10");
        assert_eq!(list(&["web007", "web007"]), "web007");
        let huge = "n99999999999999999999999";
        assert_eq!(list(&[huge, "n1"]), format!("{huge},n1"));
        let top = format!("n{}", u64::MAX);
        let below = format!("n{}", u64::MAX - 1);
        assert_eq!(
            list(&[&top, &below]),
            format!("n[{}-{}]", u64::MAX - 1, u64::MAX)
        );
    }
}
