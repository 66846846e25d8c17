//! Fuzzes the INI inventory parser and everything that renders a parsed inventory.
//!
//! Any input (invalid UTF-8 is converted lossily) must parse or fail with an error,
//! never panic, and stay bounded in time and memory; a parsed inventory must render
//! (`--list`, `--graph`) and resolve each host's connection settings without panicking.

#![no_main]

use herd::inventory::{Inventory, MAX_HOSTS, show};
use herd_fuzz::cpu_limited;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cpu_limited(|| check(data)));

/// Parses `data` as an inventory and, if it is valid, renders it and resolves each host.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(inventory) = Inventory::parse("fuzz.ini", &text) else {
        return;
    };
    assert!(inventory.hosts().len() <= MAX_HOSTS);
    assert_eq!(
        inventory.group_hosts("all").map(|hosts| hosts.len()),
        Some(inventory.hosts().len())
    );
    let _ = show::list_json(&inventory);
    let _ = show::graph(&inventory);
    for host in inventory.hosts() {
        let _ = host.connection(&|_| None);
    }
}
