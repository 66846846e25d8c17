//! Property tests: range expansion matches its formula, and no input makes the
//! inventory parser, the renderers or target selection panic or show a secret.

use herd::inventory::{Inventory, range, show};
use herd::targets;
use proptest::prelude::*;

const SECRET: &str = "s3cr3tZ";

proptest! {
    #[test]
    fn number_ranges_follow_the_formula(
        prefix in "[a-z.-]{0,6}",
        suffix in "[a-z.-]{0,6}",
        start in 0u64..5000,
        length in 0u64..400,
        stride in 1u64..40,
        zeros in 0usize..4,
    ) {
        let end = start + length;
        let start_text = format!("{}{start}", "0".repeat(zeros));
        let width = if start_text.len() > 1 && start_text.starts_with('0') { start_text.len() } else { 0 };
        let pattern = format!("{prefix}[{start_text}:{end}:{stride}]{suffix}");
        let names = range::expand(&pattern).expect("valid range");
        let count = usize::try_from(length / stride + 1).expect("small");
        prop_assert_eq!(names.len(), count);
        for (index, name) in (0u64..).zip(&names) {
            let expected = format!("{prefix}{:0width$}{suffix}", start + index * stride);
            prop_assert_eq!(name, &expected);
        }
    }

    #[test]
    fn letter_ranges_follow_the_formula(first in 0u8..26, span in 0u8..26, stride in 1u64..30, upper: bool) {
        let base = if upper { b'A' } else { b'a' };
        let last = (first + span).min(25);
        let pattern = format!("n[{}:{}:{stride}]", char::from(base + first), char::from(base + last));
        let names = range::expand(&pattern).expect("valid range");
        let count = u64::from(last - first) / stride + 1;
        prop_assert_eq!(names.len() as u64, count);
        for (index, name) in (0u64..).zip(&names) {
            let code = u64::from(base + first) + index * stride;
            prop_assert_eq!(name, &format!("n{}", char::from(u8::try_from(code).expect("ascii"))));
        }
    }

    #[test]
    fn several_ranges_multiply(a in 1u64..30, b in 1u64..30) {
        let names = range::expand(&format!("h[1:{a}]x[1:{b}]")).expect("valid range");
        prop_assert_eq!(names.len() as u64, a * b);
    }

    #[test]
    fn range_expander_never_panics(text in "\\PC{0,40}") {
        let _ = range::expand(&text);
    }

    #[test]
    fn range_like_text_never_panics(text in "[a-z0-9\\[\\]:]{0,24}") {
        if let Ok(names) = range::expand(&text) {
            prop_assert!(names.len() <= range::MAX_HOSTS);
        }
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        check_inventory(&text)?;
    }

    #[test]
    fn parser_never_panics_or_leaks_on_inventory_like_text(
        lines in prop::collection::vec(prop::sample::select(LINES.to_vec()), 0..30)
    ) {
        check_inventory(&lines.join("\n").replace("SECRET", SECRET))?;
    }

    #[test]
    fn patterns_never_panic(pattern in "[a-z0-9\\[\\]:,&!*?@ -]{0,30}") {
        let inventory = Inventory::parse("t.ini", "[web]\nweb[01:03]\n[db]\ndb-[a:b]\n").expect("valid");
        if let Ok(hosts) = targets::resolve_pattern(&inventory, &pattern) {
            prop_assert!(hosts.len() <= inventory.hosts().len());
        }
        let patterns = [pattern];
        let _ = targets::select(&inventory, &patterns, &patterns);
    }
}

/// Lines, good and bad, that inventories are made of. `SECRET` marks a secret value.
const LINES: [&str; 37] = [
    "",
    "# comment",
    "; comment",
    "[web]",
    "[db]",
    "[db:vars]",
    "[web:children]",
    "[prod:children]",
    "[all:vars]",
    "[x:bad]",
    "[unclosed",
    "web[01:03]",
    "web[3:1]",
    "web[1:",
    "db-[a:c] port=22",
    "web01 port=2222",
    "web01 port=x",
    "web01 user=u # trailing",
    "web01 password=SECRET",
    "db-a ansible_ssh_pass='SECRET",
    "db-b become_pass=\"SECRET\" port=2",
    "password = SECRET",
    "ansible_password=\"SECRET\" extra",
    "become_password = 'SECRET",
    "key_passphrase=SECRET",
    "web",
    "db",
    "prod",
    "nope",
    "user = bob",
    "=x",
    "novalue",
    "h[1:3000]",
    "lonely password_env=PASS",
    "[web:password=SECRET]",
    "[password=SECRET]",
    "web01 password = SECRET",
];

/// Parses `text`; whatever the outcome, nothing panics and no secret is shown.
fn check_inventory(text: &str) -> Result<(), TestCaseError> {
    let inventory = match Inventory::parse("t.ini", text) {
        Ok(inventory) => inventory,
        Err(error) => {
            let message = error.to_string();
            prop_assert!(!message.contains(SECRET), "{}", message);
            prop_assert!(message.starts_with("t.ini:"), "{}", message);
            return Ok(());
        }
    };
    let hosts = inventory.hosts();
    prop_assert_eq!(
        inventory.group_hosts("all").map(|h| h.len()),
        Some(hosts.len())
    );
    let debug = format!("{inventory:?}");
    let shown = [show::list_json(&inventory), show::graph(&inventory), debug];
    for text in &shown {
        prop_assert!(!text.contains(SECRET));
    }
    for host in hosts {
        prop_assert_eq!(
            inventory.host(&host.name).map(|h| &h.name),
            Some(&host.name)
        );
        let vars = show::host_vars_json(&inventory, &host.name).unwrap_or_default();
        prop_assert!(!vars.contains(SECRET));
        match host.connection(&|_| None) {
            Ok(spec) => {
                let debug = format!("{spec:?}");
                prop_assert!(!debug.contains(SECRET));
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.contains(SECRET));
            }
        }
    }
    Ok(())
}
