//! Fuzzes target selection over a fixed inventory: Ansible-style patterns
//! (`resolve_pattern`), `-h`/`-g` selection (`select`) and the host range expander.
//!
//! The input is split at the first NUL byte: the first part is the pattern and the `-h`
//! value, the second the `-g` value. Whatever the input, selection returns hosts of the
//! inventory (each once, in inventory order) or an error, and never panics or hangs.

#![no_main]

use std::sync::LazyLock;

use herd::inventory::range::MAX_EXPANDED_BYTES;
use herd::inventory::{Host, HostPattern, Inventory, MAX_HOSTS, RangeError, range};
use herd::targets;
use herd_fuzz::cpu_limited;
use libfuzzer_sys::fuzz_target;

/// A few groups, nested, with number and letter ranges, one host in two groups and one
/// ungrouped host: every kind of term has something to match.
const INVENTORY: &str = "\
bastion
[web]
web[01:12]
[web_eu]
web-eu-[a:f]
[db]
db[1:9:2]
web01
[eu:children]
web_eu
db
[prod:children]
eu
web
[empty]
";

/// [`INVENTORY`], parsed once.
static FIXED: LazyLock<Inventory> = LazyLock::new(|| {
    Inventory::parse("fixed.ini", INVENTORY).expect("the fixed inventory is valid")
});

/// Checks that `hosts` are distinct hosts of `inventory`, in inventory order.
fn check_order(inventory: &Inventory, hosts: &[&Host]) {
    let positions: Vec<usize> = hosts
        .iter()
        .map(|host| {
            inventory
                .hosts()
                .iter()
                .position(|h| h.name == host.name)
                .expect("a selected host is in the inventory")
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

fuzz_target!(|data: &[u8]| cpu_limited(|| check(data)));

/// Selects hosts of the fixed inventory by the pattern and the `-h`/`-g` values in `data`,
/// and expands it as a host range.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (first, second) = text.split_once('\0').unwrap_or((&text, ""));
    let inventory = &*FIXED;

    if let Ok(hosts) = targets::resolve_pattern(inventory, first) {
        check_order(inventory, &hosts);
    }
    if let Ok(hosts) = targets::select(inventory, &[first.to_owned()], &[second.to_owned()]) {
        check_order(inventory, &hosts);
    }

    if let Ok(pattern) = HostPattern::parse(first) {
        let count = pattern.count();
        // Walk a bounded prefix of a huge expansion: the iterator must stay lazy.
        let walked = pattern.names().take(1_000).count();
        if let Some(count) = count {
            assert_eq!(walked, count.min(1_000));
        }
        match range::expand(first) {
            Ok(names) => assert_eq!(Some(names.len()), count),
            Err(RangeError::TooLarge) => {
                assert!(count.is_some_and(|count| count * first.len() > MAX_EXPANDED_BYTES));
            }
            Err(error) => {
                assert_eq!(error, RangeError::TooMany);
                assert!(count.is_none_or(|count| count > MAX_HOSTS));
            }
        }
    }
}
