//! `--shard I/N` as properties: for any host names and N, the N shards partition the
//! hosts (each host in exactly one shard, order kept), and adding hosts moves none of
//! the others; growing N by one moves hosts only into the new shard.

use std::collections::BTreeSet;

use herd::targets::Shard;
use proptest::prelude::*;

/// Host-name-like strings: inventory names, FQDNs, ranges' outputs, and some Unicode.
fn names() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set("[a-z][a-z0-9.-]{0,20}|\\PC{1,12}", 0..300)
        .prop_map(|set| set.into_iter().collect())
}

fn shards(count: u32) -> Vec<Shard> {
    (1..=count).map(|i| Shard::new(i, count).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn shards_partition_the_hosts(hosts in names(), count in 1u32..40) {
        let mut seen = BTreeSet::new();
        let mut total = 0;
        for shard in shards(count) {
            let share = shard.select(hosts.clone(), |name| name.as_str());
            // A share keeps the targets' order.
            let positions: Vec<usize> = share
                .iter()
                .map(|name| hosts.iter().position(|h| h == name).unwrap())
                .collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
            total += share.len();
            seen.extend(share);
        }
        prop_assert_eq!(total, hosts.len(), "a host is in two shards");
        prop_assert_eq!(seen, hosts.iter().cloned().collect::<BTreeSet<_>>());
    }

    #[test]
    fn adding_hosts_moves_only_the_new_ones(
        hosts in names(),
        added in names(),
        count in 1u32..40,
    ) {
        let more: Vec<String> = hosts
            .iter()
            .chain(added.iter().filter(|name| !hosts.contains(name)))
            .cloned()
            .collect();
        for shard in shards(count) {
            let before = shard.select(hosts.clone(), |name| name.as_str());
            let after = shard.select(more.clone(), |name| name.as_str());
            let old_after: Vec<&String> = after.iter().filter(|name| hosts.contains(name)).collect();
            prop_assert_eq!(before.iter().collect::<Vec<_>>(), old_after);
        }
    }

    #[test]
    fn one_more_shard_takes_hosts_only_from_the_others(hosts in names(), count in 1u32..60) {
        for name in &hosts {
            let (before, after) = (Shard::of(name, count), Shard::of(name, count + 1));
            prop_assert!(after == before || after == count + 1, "{name}: {before} -> {after}");
        }
    }

    #[test]
    fn i_of_n_parses_exactly_when_valid(i in 0u32..50, n in 0u32..50) {
        let parsed = format!("{i}/{n}").parse::<Shard>();
        prop_assert_eq!(parsed.is_ok(), 1 <= i && i <= n);
        if let Ok(shard) = parsed {
            prop_assert_eq!((shard.index(), shard.count()), (i, n));
            prop_assert_eq!(shard.to_string(), format!("{i}/{n}"));
        }
    }
}
