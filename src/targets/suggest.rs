//! "Did you mean …?": the closest existing name by edit distance.

/// The candidate closest to `name` by Levenshtein distance, if it is close enough
/// to be a likely typo (at most a third of the name's length, and at least 1);
/// the first in `candidates` wins ties.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name: Vec<char> = name.chars().collect();
    let limit = (name.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let bound = best.map_or(limit, |(d, _)| d - 1);
        let length = candidate.chars().count();
        if length.abs_diff(name.len()) > bound {
            continue;
        }
        let distance = levenshtein(&name, candidate);
        if distance <= bound && distance > 0 {
            best = Some((distance, candidate));
            if distance == 1 {
                break;
            }
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance (insertions, deletions, substitutions) between `a` and `b`.
fn levenshtein(a: &[char], b: &str) -> usize {
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current = vec![0; a.len() + 1];
    for (j, cb) in b.chars().enumerate() {
        current[0] = j + 1;
        for (i, &ca) in a.iter().enumerate() {
            let substitute = previous[i] + usize::from(ca != cb);
            current[i + 1] = substitute.min(previous[i + 1] + 1).min(current[i] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[a.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        let names = ["web01", "web02", "db01", "web_clusters"];
        assert_eq!(closest("web1", names), Some("web01"));
        assert_eq!(closest("web03", names), Some("web01"));
        assert_eq!(closest("web_cluster", names), Some("web_clusters"));
        assert_eq!(closest("mail", names), None);
        assert_eq!(closest("", names), None);
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| levenshtein(&a.chars().collect::<Vec<_>>(), b);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("same", "same"), 0);
    }
}
