//! Ansible's group subscripts in patterns: `web[0]`, `web[-1]`, `web[1:2]`, `web[1:]`.
//!
//! A subscript picks from the group's hosts in Ansible's order ([`ansible_order`]): the
//! group's own hosts, then its children's, level by level. It applies only where the
//! text before the brackets names a group; any other `name[…]` stays a host range.

use crate::inventory::Inventory;

/// What a subscript selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subscript {
    /// `[I]`: one host; a negative index counts from the end.
    Index(i64),
    /// `[S:E]` (both ends included), `[S:]` (to the last); Ansible also reads `[S-E]`.
    Slice(usize, Option<usize>),
}

/// `term` split as Ansible's `PATTERN_WITH_SUBSCRIPT` splits it, `NAME[-?I]` or
/// `NAME[S:E]`/`NAME[S:]`/`NAME[S-E]`; `None` if it has no such subscript.
pub(crate) fn split(term: &str) -> Option<(&str, Subscript)> {
    let inner = term.strip_suffix(']')?;
    let open = inner.rfind('[')?;
    let (name, text) = (&inner[..open], &inner[open + 1..]);
    if name.is_empty() {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some((start, end)) = text
        .split_once([':', '-'])
        .filter(|(start, _)| digits(start))
    {
        if !(end.is_empty() || digits(end)) {
            return None;
        }
        let start = start.parse().ok()?;
        let end = if end.is_empty() {
            None
        } else {
            Some(end.parse().ok()?)
        };
        return Some((name, Subscript::Slice(start, end)));
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !digits(unsigned) {
        return None;
    }
    Some((name, Subscript::Index(text.parse().ok()?)))
}

impl Subscript {
    /// The hosts it picks from `hosts`, as Python indexes and slices them; `None` when
    /// it picks none (an index out of range, a slice past the end).
    pub(crate) fn apply(self, hosts: &[usize]) -> Option<Vec<usize>> {
        let picked = match self {
            Subscript::Index(index) => {
                let at = if index < 0 {
                    hosts
                        .len()
                        .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                } else {
                    usize::try_from(index).ok()?
                };
                vec![*hosts.get(at)?]
            }
            // Ansible reads an end of 0 as "no end": the start alone.
            Subscript::Slice(start, Some(0)) => vec![*hosts.get(start)?],
            Subscript::Slice(start, end) => {
                let end = end.map_or(hosts.len(), |end| end.saturating_add(1).min(hosts.len()));
                hosts.get(start..end).unwrap_or_default().to_vec()
            }
        };
        (!picked.is_empty()).then_some(picked)
    }
}

/// The hosts of group `name` (positions in [`Inventory::hosts`]) in the order Ansible
/// lists them: the group's own hosts, then those of its children, then of their
/// children, each group and host once. (Below the children, Ansible's order of one
/// level depends on Python's set order; herd takes the groups in the order listed.)
pub(crate) fn ansible_order(inventory: &Inventory, name: &str) -> Vec<usize> {
    let mut groups = vec![name];
    let mut seen_groups = std::collections::HashSet::from([name]);
    let mut level = vec![name];
    while !level.is_empty() {
        let mut next = Vec::new();
        for group in level.iter().filter_map(|g| inventory.group(g)) {
            for child in &group.children {
                if seen_groups.insert(child.as_str()) {
                    groups.push(child);
                    next.push(child.as_str());
                }
            }
        }
        level = next;
    }
    let mut seen_hosts = vec![false; inventory.hosts().len()];
    let mut order = Vec::new();
    for group in groups.iter().filter_map(|g| inventory.group(g)) {
        for position in group
            .hosts
            .iter()
            .filter_map(|h| inventory.host_position(h))
        {
            if !std::mem::replace(&mut seen_hosts[position], true) {
                order.push(position);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_ansible() {
        assert_eq!(split("web[0]"), Some(("web", Subscript::Index(0))));
        assert_eq!(split("web[-1]"), Some(("web", Subscript::Index(-1))));
        assert_eq!(
            split("web[1:2]"),
            Some(("web", Subscript::Slice(1, Some(2))))
        );
        assert_eq!(split("web[1:]"), Some(("web", Subscript::Slice(1, None))));
        assert_eq!(
            split("web[1-3]"),
            Some(("web", Subscript::Slice(1, Some(3))))
        );
        assert_eq!(
            split("a[1:2]-b[3]"),
            Some(("a[1:2]-b", Subscript::Index(3)))
        );
        for no in [
            "web",
            "[0]",
            "web[a:c]",
            "web[:2]",
            "web[1:2:3]",
            "web[]",
            "web[0]x",
            "web[-1:2]",
        ] {
            assert_eq!(split(no), None, "{no}");
        }
    }

    #[test]
    fn applies_like_python() {
        let hosts = [10, 11, 12, 13];
        let pick = |s| Subscript::apply(s, &hosts);
        assert_eq!(pick(Subscript::Index(0)), Some(vec![10]));
        assert_eq!(pick(Subscript::Index(-1)), Some(vec![13]));
        assert_eq!(pick(Subscript::Index(-4)), Some(vec![10]));
        assert_eq!(pick(Subscript::Index(-5)), None);
        assert_eq!(pick(Subscript::Index(4)), None);
        assert_eq!(pick(Subscript::Slice(1, Some(2))), Some(vec![11, 12]));
        assert_eq!(pick(Subscript::Slice(2, None)), Some(vec![12, 13]));
        assert_eq!(pick(Subscript::Slice(2, Some(99))), Some(vec![12, 13]));
        assert_eq!(pick(Subscript::Slice(2, Some(0))), Some(vec![12]));
        assert_eq!(pick(Subscript::Slice(3, Some(1))), None);
        assert_eq!(pick(Subscript::Slice(9, None)), None);
    }
}
