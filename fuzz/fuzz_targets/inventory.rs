//! Fuzzes the INI inventory parser and everything that renders a parsed inventory.
//!
//! Any input (invalid UTF-8 is converted lossily) must parse or fail with an error,
//! never panic, and stay bounded in time and memory; a parsed inventory must render
//! (`--list`, `--graph`) and resolve each host's connection settings without panicking.
//!
//! The inventory is parsed within limits a hundredth of herd's own (1000 hosts, 1.28 MiB
//! of host data, 50000 group steps): the same code reaches each limit, but an input that
//! multiplies out as far as it may costs milliseconds, not a second (at herd's own
//! limits, the inputs libFuzzer favours expand to 100000 hosts, and the target ran at
//! about 13 inputs a second).

#![no_main]

use herd::inventory::{Inventory, Limits, MAX_GROUP_STEPS, MAX_HOST_DATA, MAX_HOSTS, show};
use herd_fuzz::cpu_limited;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cpu_limited(|| check(data)));

/// herd's own limits, each divided by 100.
const LIMITS: Limits = Limits {
    max_hosts: MAX_HOSTS / 100,
    max_host_data: MAX_HOST_DATA / 100,
    max_group_steps: MAX_GROUP_STEPS / 100,
};

/// Parses `data` as an inventory and, if it is valid, renders it and resolves each host.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(inventory) = Inventory::parse_within("fuzz.ini", &text, LIMITS) else {
        return;
    };
    assert!(inventory.hosts().len() <= LIMITS.max_hosts);
    assert_eq!(
        inventory.group_hosts("all").map(|hosts| hosts.len()),
        Some(inventory.hosts().len())
    );
    let _ = show::list_json(&inventory, false);
    let _ = show::list_json(&inventory, true);
    let _ = show::graph(&inventory);
    for host in inventory.hosts() {
        let _ = host.connection(&|_| None);
    }
}
