//! Property tests: range expansion matches its formula, and no input makes the
//! inventory parser, the renderers or target selection panic or show a secret.

use std::collections::BTreeSet;

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
    let shown = [
        show::list_json(&inventory, true),
        show::graph(&inventory),
        debug,
    ];
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

/// An inventory as data: ungrouped hosts, then groups with their hosts and children.
/// Children always have a higher index than their parent, so there is no cycle.
#[derive(Debug, Clone)]
struct Model {
    ungrouped: Vec<String>,
    groups: Vec<ModelGroup>,
}

#[derive(Debug, Clone)]
struct ModelGroup {
    hosts: Vec<String>,
    children: Vec<usize>,
}

const GROUPS: usize = 6;

fn group_name(index: usize) -> String {
    format!("g{index}")
}

/// Host names `h0`…`h11`, some written as a one-name range to exercise expansion.
fn host_name() -> impl Strategy<Value = String> {
    (0usize..12).prop_map(|i| format!("h{i}"))
}

fn model() -> impl Strategy<Value = Model> {
    let group = |index: usize| {
        (
            prop::collection::vec(host_name(), 0..5),
            prop::collection::vec(index + 1..GROUPS + 1, 0..3),
        )
            .prop_map(|(hosts, children)| ModelGroup {
                hosts,
                children: children.into_iter().filter(|&c| c < GROUPS).collect(),
            })
    };
    (
        prop::collection::vec(host_name(), 0..3),
        (0..GROUPS).map(group).collect::<Vec<_>>(),
    )
        .prop_map(|(ungrouped, groups)| Model { ungrouped, groups })
}

impl Model {
    /// The model as INI text: ungrouped hosts, every group's host section, then the
    /// children sections, so groups are defined in index order.
    fn render(&self) -> String {
        let mut text: String = self.ungrouped.iter().map(|h| format!("{h}\n")).collect();
        for (index, group) in self.groups.iter().enumerate() {
            text += &format!("[{}]\n", group_name(index));
            for host in &group.hosts {
                // `h7` as `h[7:7]`: the same one name, through the range expander.
                let (prefix, number) = host.split_at(1);
                text += &format!("{prefix}[{number}:{number}]\n");
            }
        }
        for (index, group) in self.groups.iter().enumerate() {
            if !group.children.is_empty() {
                text += &format!("[{}:children]\n", group_name(index));
                for &child in &group.children {
                    text += &format!("{}\n", group_name(child));
                }
            }
        }
        text
    }

    /// Every host once, in order of first appearance.
    fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        for host in self
            .ungrouped
            .iter()
            .chain(self.groups.iter().flat_map(|g| &g.hosts))
        {
            if !hosts.contains(host) {
                hosts.push(host.clone());
            }
        }
        hosts
    }

    /// Group `index` and every group below it.
    fn descendants(&self, index: usize) -> Vec<usize> {
        let mut found = vec![index];
        let mut next = 0;
        while let Some(&group) = found.get(next) {
            for &child in &self.groups[group].children {
                if !found.contains(&child) {
                    found.push(child);
                }
            }
            next += 1;
        }
        found
    }

    /// The hosts of group `index` and its descendants.
    fn members(&self, index: usize) -> BTreeSet<String> {
        self.descendants(index)
            .into_iter()
            .flat_map(|g| self.groups[g].hosts.iter().cloned())
            .collect()
    }

    /// The sorted group names of `host`, `all` and `ungrouped` included as the parser does.
    fn groups_of(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = (0..self.groups.len())
            .filter(|&g| self.members(g).contains(host))
            .map(group_name)
            .collect();
        if names.is_empty() {
            names.push("ungrouped".to_owned());
        }
        names.push("all".to_owned());
        names.sort();
        names
    }
}

/// `items` without repeats, first occurrence kept.
fn first_occurrences<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// One pattern term: `(operator, name)` with operator `""`, `"&"` or `"!"`.
fn pattern_terms() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let name = prop_oneof![
        (0..GROUPS).prop_map(group_name),
        host_name(),
        Just("all".to_owned()),
    ];
    prop::collection::vec((prop::sample::select(vec!["", "&", "!"]), name), 1..6)
}

proptest! {
    #[test]
    fn rendered_inventory_parses_back_to_the_same_groups_and_hosts(model in model()) {
        let text = model.render();
        let inventory = Inventory::parse("model.ini", &text).expect("a rendered model is valid");
        let names: Vec<String> = inventory.hosts().iter().map(|h| h.name.clone()).collect();
        prop_assert_eq!(&names, &model.hosts());
        for (index, group) in model.groups.iter().enumerate() {
            let parsed = inventory.group(&group_name(index)).expect("every group is defined");
            prop_assert_eq!(&parsed.hosts, &first_occurrences(&group.hosts));
            let children: Vec<String> =
                first_occurrences(&group.children).into_iter().map(group_name).collect();
            prop_assert_eq!(&parsed.children, &children);
            let members: BTreeSet<String> = inventory
                .group_hosts(&parsed.name)
                .expect("defined")
                .iter()
                .map(|h| h.name.clone())
                .collect();
            prop_assert_eq!(members, model.members(index));
        }
        for host in inventory.hosts() {
            prop_assert_eq!(&host.groups, &model.groups_of(&host.name));
        }
        let ungrouped: Vec<String> = names
            .iter()
            .filter(|h| model.groups_of(h) == ["all", "ungrouped"])
            .cloned()
            .collect();
        prop_assert_eq!(&inventory.group("ungrouped").expect("implicit").hosts, &ungrouped);
    }

    #[test]
    fn patterns_resolve_like_set_operations(model in model(), terms in pattern_terms()) {
        let inventory = Inventory::parse("model.ini", &model.render()).expect("valid");
        let every: BTreeSet<String> = model.hosts().into_iter().collect();
        // What each term stands for; a term that matches nothing makes the pattern an error.
        let set_of = |name: &str| -> BTreeSet<String> {
            match name {
                "all" => every.clone(),
                group if group.starts_with('g') => {
                    model.members(group[1..].parse().expect("g<N>"))
                }
                host => every.iter().filter(|h| *h == host).cloned().collect(),
            }
        };
        let pattern = terms
            .iter()
            .map(|(op, name)| format!("{op}{name}"))
            .collect::<Vec<_>>()
            .join(":");
        let result = targets::resolve_pattern(&inventory, &pattern);
        if terms.iter().any(|(_, name)| set_of(name).is_empty()) {
            prop_assert!(result.is_err(), "{} should fail", pattern);
            return Ok(());
        }
        let plain: Vec<&String> = terms.iter().filter(|(op, _)| op.is_empty()).map(|(_, n)| n).collect();
        let mut expected: BTreeSet<String> = if plain.is_empty() {
            every.clone()
        } else {
            plain.iter().flat_map(|name| set_of(name)).collect()
        };
        for (op, name) in &terms {
            match *op {
                "&" => expected = expected.intersection(&set_of(name)).cloned().collect(),
                "!" => expected = expected.difference(&set_of(name)).cloned().collect(),
                _ => {}
            }
        }
        let hosts = result.map_err(|e| TestCaseError::fail(format!("{pattern}: {e}")))?;
        let got: Vec<String> = hosts.iter().map(|h| h.name.clone()).collect();
        let in_order: Vec<String> = model.hosts().into_iter().filter(|h| expected.contains(h)).collect();
        prop_assert_eq!(got, in_order, "pattern {}", pattern);
    }
}
