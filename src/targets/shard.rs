//! `--shard I/N`: a stable, disjoint share of the targets, so N controllers can split
//! one run between them without talking to each other.
//!
//! A host's shard depends on its inventory name and N only, never on the other hosts,
//! the inventory order, the machine or the process: every controller agrees, and
//! adding or removing hosts moves no other host. The name's UTF-8 bytes are hashed
//! with 64-bit FNV-1a, mixed with SplitMix64's finaliser, and the result is placed in
//! one of N buckets by Jump Consistent Hash (Lamping and Veach, 2014), which also moves
//! only about 1/(N+1) of the hosts, all into the new last shard, when N grows by one.
//! Shards are numbered from 1: `1/4` … `4/4`.

use std::fmt;
use std::str::FromStr;

/// The most shards herd splits a run into.
pub const MAX_SHARDS: u32 = 1_000_000;

/// One share of the targets: shard `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count`, 1-based; errors unless `1 <= index <= count <= MAX_SHARDS`.
    pub fn new(index: u32, count: u32) -> Result<Self, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the number of shards must be from 1 to {MAX_SHARDS}, not {count}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} does not exist: shards are numbered from 1 to {count} \
                 (a 0-based index such as $JOB_COMPLETION_INDEX needs +1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's number, from 1.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shards there are.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The shard (from 1) that the host called `name` falls in, out of `count` (at least 1).
    pub fn of(name: &str, count: u32) -> u32 {
        jump(mix(fnv1a64(name.as_bytes())), count.max(1)) + 1
    }

    /// Whether the host called `name` is in this shard.
    pub fn contains(self, name: &str) -> bool {
        Shard::of(name, self.count) == self.index
    }

    /// The items of `items` whose name is in this shard, in their order.
    pub fn select<T>(self, items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
        items
            .into_iter()
            .filter(|item| self.contains(name(item)))
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N`, e.g. `2/4`.
    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || format!("`{text}` is not a shard: write I/N, e.g. 2/4 (I from 1 to N)");
        let (index, count) = text.trim().split_once('/').ok_or_else(usage)?;
        let number = |part: &str| part.trim().parse::<u32>().map_err(|_| usage());
        Shard::new(number(index)?, number(count)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// SplitMix64's finaliser: spreads FNV's low-bit differences (`web01`, `web02`) over
/// the high bits Jump Consistent Hash reads.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Jump Consistent Hash: the bucket in `0..buckets` for `key`, as in the paper (its
/// floating-point steps are exact IEEE 754 operations, the same on every machine).
fn jump(mut key: u64, buckets: u32) -> u32 {
    let (mut bucket, mut next) = (-1i64, 0i64);
    while next < i64::from(buckets) {
        bucket = next;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        next = ((bucket + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    bucket as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn parses_i_of_n_from_one() {
        assert_eq!("2/4".parse::<Shard>(), Shard::new(2, 4));
        assert_eq!(
            " 1 / 1 ".parse::<Shard>().map(|s| s.to_string()),
            Ok("1/1".into())
        );
        for bad in [
            "0/4",
            "5/4",
            "1/0",
            "4",
            "a/b",
            "-1/4",
            "1/4/2",
            "",
            "1/2000000",
        ] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let error = "0/4".parse::<Shard>().unwrap_err();
        assert!(error.contains("from 1 to 4"), "{error}");
    }

    #[test]
    fn one_shard_holds_everything() {
        let all = Shard::new(1, 1).unwrap();
        assert!(
            ["", "a", "web01", "ü"]
                .iter()
                .all(|name| all.contains(name))
        );
    }

    /// Pinned: changing the hash would move hosts between controllers that run
    /// different herd versions.
    #[test]
    fn assignments_are_pinned() {
        let names = [
            "web01", "web02", "web03", "db01", "db02", "h1", "h2", "h3", "h4",
        ];
        let shards: Vec<u32> = names.iter().map(|name| Shard::of(name, 4)).collect();
        assert_eq!(shards, PINNED);
    }
    const PINNED: [u32; 9] = [3, 1, 4, 2, 2, 3, 2, 2, 2];

    #[test]
    fn spreads_numbered_names_evenly() {
        let mut sizes = [0usize; 8];
        for n in 0..8000 {
            sizes[Shard::of(&format!("web{n:05}"), 8) as usize - 1] += 1;
        }
        assert!(
            sizes.iter().all(|&size| (850..=1150).contains(&size)),
            "{sizes:?}"
        );
    }

    #[test]
    fn growing_n_moves_hosts_only_into_the_new_shard() {
        for n in 1..40 {
            for host in 0..500 {
                let name = format!("host-{host}");
                let (before, after) = (Shard::of(&name, n), Shard::of(&name, n + 1));
                assert!(
                    after == before || after == n + 1,
                    "{name}: {before} → {after}"
                );
            }
        }
    }
}
