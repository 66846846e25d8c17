//! Second pass: whole-file checks on a [`Draft`], then the final [`Inventory`].
//!
//! Checks `[g:vars]` groups are defined, children exist, children have no cycle;
//! then computes group depths, `ungrouped`, `all`'s children, each host's groups and
//! its merged vars. Every walk over the group graph is iterative, so a deeply nested
//! (or hostile) inventory cannot overflow the stack, and the work and the hosts' data
//! are counted against the limits of [`budget`](super::budget) before they are done.

use std::collections::{BTreeSet, HashSet};

use super::budget::{self, Budget};
use super::error::{InventoryError, Problem};
use super::parse::{ALL_INDEX, Draft, GROUP_PRIORITY, UNGROUPED_INDEX, group_priority};
use super::{ALL, Group, Host, Inventory, Vars, vars};
use crate::secret::SecretVars;

/// Child group indices of each group, with the line of each entry.
type Children = Vec<Vec<(usize, usize)>>;

/// Checks the draft as a whole and builds the inventory.
pub(super) fn resolve(draft: Draft) -> Result<Inventory, InventoryError> {
    check_vars_groups(&draft)?;
    let (children, listed_under_all) = child_indices(&draft)?;
    let topo = topological_order(&draft, &children)?;
    let mut steps = Budget::group_steps(&draft.limits);
    let graph = Graph::new(&draft, &children, &topo, &mut steps)?;
    let mut host_data = Budget::host_data(&draft.limits);
    let hosts: Vec<Host> = (0..draft.hosts.len())
        .map(|h| {
            graph
                .host(&draft, h, &mut steps, &mut host_data)
                .map_err(|problem| {
                    let host = &draft.hosts[h];
                    draft.error(host.line, &host.name, problem)
                })
        })
        .collect::<Result<_, _>>()?;
    let groups = graph.groups(&draft, &children, &listed_under_all);
    Ok(Inventory {
        password_files: Vec::new(),
        source: draft.source,
        host_index: hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.name.clone(), i))
            .collect(),
        hosts,
        group_index: groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.clone(), i))
            .collect(),
        groups,
        has_passwords: draft.has_passwords,
    })
}

/// Every `[g:vars]` must be for a group defined by `[g]` or `[g:children]` somewhere.
fn check_vars_groups(draft: &Draft) -> Result<(), InventoryError> {
    match draft
        .vars_headers
        .iter()
        .find(|(group, _)| draft.groups[*group].defined_at.is_none())
    {
        Some(&(group, line)) => {
            let name = &draft.groups[group].name;
            Err(draft.error(
                line,
                &format!("[{name}:vars]"),
                Problem::UndefinedVarsGroup {
                    group: name.clone(),
                },
            ))
        }
        None => Ok(()),
    }
}

/// Resolves child names to indices (each once per parent), each parent's children in
/// the order Ansible adds them (see [`added_at`]); an undefined child is an error at its
/// entry, the first such entry in the file. `[all:children]` adds no edge (every group
/// is in `all`): its groups come back apart, in that order, for `all`'s list of children.
fn child_indices(draft: &Draft) -> Result<(Children, Vec<usize>), InventoryError> {
    let mut unknown: Option<(&str, usize)> = None;
    let first_header = first_headers(draft);
    let mut children: Children = draft
        .groups
        .iter()
        .map(|group| {
            let mut seen = HashSet::new();
            let mut entries = Vec::new();
            for (name, line) in &group.children {
                let known = draft.group_index.get(name).copied();
                let Some(child) = known.filter(|&c| draft.groups[c].defined_at.is_some()) else {
                    if unknown.is_none_or(|(_, first)| *line < first) {
                        unknown = Some((name, *line));
                    }
                    continue;
                };
                if seen.insert(child) {
                    entries.push((child, *line));
                }
            }
            entries.sort_by_key(|&(child, line)| added_at(draft, &first_header, child, line));
            entries
        })
        .collect();
    if let Some((child, line)) = unknown {
        return Err(draft.error(
            line,
            child,
            Problem::UnknownChild {
                child: child.to_owned(),
            },
        ));
    }
    let under_all = std::mem::take(&mut children[ALL_INDEX]);
    Ok((
        children,
        under_all.into_iter().map(|(child, _)| child).collect(),
    ))
}

/// The line of each group's first header of any kind (`[g]`, `[g:children]`,
/// `[g:vars]`): where Ansible creates the group.
fn first_headers(draft: &Draft) -> Vec<Option<usize>> {
    let mut first: Vec<Option<usize>> = draft.groups.iter().map(|g| g.defined_at).collect();
    for &(group, line) in &draft.vars_headers {
        first[group] = Some(first[group].map_or(line, |known| known.min(line)));
    }
    first
}

/// When Ansible adds `child` (listed at `line`) to its parent: at that line if the child
/// exists by then, else when its definition (`[child]`/`[child:children]`) comes.
fn added_at(draft: &Draft, first_header: &[Option<usize>], child: usize, line: usize) -> usize {
    match first_header[child] {
        Some(created) if created < line => line,
        _ => draft.groups[child].defined_at.unwrap_or(line),
    }
}

/// Groups ordered so every parent comes before its children; a cycle is an error at
/// the children entry that closes it.
fn topological_order(draft: &Draft, children: &Children) -> Result<Vec<usize>, InventoryError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; children.len()];
    let mut finished = Vec::with_capacity(children.len());
    for root in 0..children.len() {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::Open;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let Some(&(child, line)) = children[node].get(*next) else {
                mark[node] = Mark::Done;
                finished.push(node);
                stack.pop();
                continue;
            };
            *next += 1;
            match mark[child] {
                Mark::New => {
                    mark[child] = Mark::Open;
                    stack.push((child, 0));
                }
                Mark::Open => {
                    let start = stack.iter().position(|&(g, _)| g == child).unwrap_or(0);
                    let cycle: Vec<&str> = stack[start..]
                        .iter()
                        .map(|&(g, _)| draft.groups[g].name.as_str())
                        .chain([draft.groups[child].name.as_str()])
                        .collect();
                    return Err(draft.error(
                        line,
                        &draft.groups[child].name,
                        Problem::Cycle {
                            cycle: cycle.join(" → "),
                        },
                    ));
                }
                Mark::Done => {}
            }
        }
    }
    finished.reverse();
    Ok(finished)
}

/// The checked group graph and what follows from it.
struct Graph {
    /// Depth of each group: 0 for `all`, else 1 + the deepest parent's depth.
    depth: Vec<usize>,
    /// Each group with every ancestor (not `all`), as indices.
    lineage: Vec<BTreeSet<usize>>,
    /// Whether any group lists the group as a child.
    has_parent: Vec<bool>,
    /// What each group adds to each of its hosts: its name and its vars, in estimated bytes.
    cost: Vec<usize>,
    /// Each group's `ansible_group_priority` (1 if not given): between groups of one
    /// depth, the higher priority's vars win, then the later name's.
    priority: Vec<i64>,
}

impl Graph {
    /// The graph of the draft's groups; an ancestry too costly to work out is an error
    /// at the children entry where `steps` ran out.
    fn new(
        draft: &Draft,
        children: &Children,
        topo: &[usize],
        steps: &mut Budget,
    ) -> Result<Graph, InventoryError> {
        let count = draft.groups.len();
        let mut depth = vec![1; count];
        depth[ALL_INDEX] = 0;
        let mut lineage: Vec<BTreeSet<usize>> = (0..count).map(|g| BTreeSet::from([g])).collect();
        let mut has_parent = vec![false; count];
        for &parent in topo {
            for &(child, line) in &children[parent] {
                steps
                    .spend(lineage[parent].len())
                    .map_err(|problem| draft.error(line, &draft.groups[child].name, problem))?;
                depth[child] = depth[child].max(depth[parent] + 1);
                has_parent[child] = true;
                let inherited = lineage[parent].clone();
                lineage[child].extend(inherited);
            }
        }
        let cost = draft
            .groups
            .iter()
            .map(|group| {
                draft
                    .vars_files
                    .group_layers(&[group.name.as_str()])
                    .map(budget::vars_cost)
                    .fold(
                        budget::entry_cost(group.name.len())
                            .saturating_add(budget::vars_cost(&group.vars)),
                        usize::saturating_add,
                    )
            })
            .collect();
        let priority = draft
            .groups
            .iter()
            .map(|group| {
                group
                    .vars
                    .get(GROUP_PRIORITY)
                    .and_then(group_priority)
                    .unwrap_or(1)
            })
            .collect();
        Ok(Graph {
            priority,
            depth,
            lineage,
            has_parent,
            cost,
        })
    }

    /// Draft host `index` with its groups and merged vars; the work of finding its groups
    /// is taken from `steps`, and the size of the result from `host_data`, first.
    fn host(
        &self,
        draft: &Draft,
        index: usize,
        steps: &mut Budget,
        host_data: &mut Budget,
    ) -> Result<Host, Problem> {
        let draft_host = &draft.hosts[index];
        let mut member = BTreeSet::new();
        for &group in &draft_host.groups {
            steps.spend(self.lineage[group].len())?;
            member.extend(self.lineage[group].iter().copied());
        }
        if member.is_empty() {
            member.insert(UNGROUPED_INDEX);
        }
        let mut ordered: Vec<usize> = member.iter().copied().collect();
        let rank = |g: usize| (self.depth[g], self.priority[g], &draft.groups[g].name);
        ordered.sort_by(|&a, &b| rank(a).cmp(&rank(b)));
        let names: Vec<&str> = ordered
            .iter()
            .map(|&g| draft.groups[g].name.as_str())
            .collect();
        let host_files = draft.vars_files.host_layers(&draft_host.name);
        let size = member
            .iter()
            .chain([&ALL_INDEX])
            .map(|&g| self.cost[g])
            .chain([
                budget::entry_cost(draft_host.name.len()),
                // Twice: in the merged vars and in the host's own.
                budget::vars_cost(&draft_host.vars).saturating_mul(2),
            ])
            .chain(
                host_files
                    .clone()
                    .map(budget::vars_cost)
                    .map(|cost| cost.saturating_mul(2)),
            )
            .fold(0, usize::saturating_add);
        host_data.spend(size)?;
        // Ansible's order (VARIABLE_PRECEDENCE, then host vars): the inventory's vars of
        // `all`, then of the host's groups; the vars files of `all` (the inventory's, then
        // the playbook's), then of the host's groups (likewise); the host's own vars, then
        // its vars files.
        let files = &draft.vars_files;
        let mut merged = Vars::new();
        for &g in std::iter::once(&ALL_INDEX).chain(&ordered) {
            // A group's `ansible_group_priority` orders groups; it is not a var of its hosts.
            for (key, value) in &draft.groups[g].vars {
                if key != GROUP_PRIORITY {
                    vars::insert(&mut merged, key, value);
                }
            }
        }
        let mut own = Vars::new();
        for layer in [&draft_host.vars].into_iter().chain(host_files) {
            for (key, value) in layer {
                vars::insert(&mut own, key, value);
            }
        }
        let layers = files
            .group_layers(&[ALL])
            .chain(files.group_layers(&names))
            .chain([&own]);
        for layer in layers {
            for (key, value) in layer {
                vars::insert(&mut merged, key, value);
            }
        }
        member.insert(ALL_INDEX);
        let mut groups: Vec<String> = member
            .iter()
            .map(|&g| draft.groups[g].name.clone())
            .collect();
        groups.sort();
        Ok(Host {
            name: draft_host.name.clone(),
            vars: merged,
            own_vars: own,
            groups,
            vault_vars: SecretVars::default(),
        })
    }

    /// The final groups: `all`, `ungrouped`, then by definition line.
    fn groups(&self, draft: &Draft, children: &Children, listed_under_all: &[usize]) -> Vec<Group> {
        let mut order: Vec<usize> = (0..draft.groups.len()).collect();
        order.sort_by_key(|&g| draft.groups[g].defined_at);
        let group_name = |g: usize| draft.groups[g].name.clone();
        let host_name = |h: usize| draft.hosts[h].name.clone();
        order
            .iter()
            .map(|&g| {
                let (hosts, child_names) = match g {
                    // `all` holds no host directly. Its children, in Ansible's order:
                    // `ungrouped`, the groups `[all:children]` lists, then every other
                    // group without a parent, in the order the file first names them.
                    ALL_INDEX => {
                        let mut taken = vec![false; draft.groups.len()];
                        taken[ALL_INDEX] = true;
                        let mut listed = Vec::new();
                        let others = (0..draft.groups.len()).filter(|&c| !self.has_parent[c]);
                        for c in [UNGROUPED_INDEX]
                            .into_iter()
                            .chain(listed_under_all.iter().copied())
                            .chain(others)
                        {
                            if draft.groups[c].defined_at.is_some() && !taken[c] {
                                taken[c] = true;
                                listed.push(c);
                            }
                        }
                        (Vec::new(), listed.into_iter().map(group_name).collect())
                    }
                    // `ungrouped` holds the hosts no ordinary group lists.
                    UNGROUPED_INDEX => (
                        (0..draft.hosts.len())
                            .filter(|&h| draft.hosts[h].groups.is_empty())
                            .map(host_name)
                            .collect(),
                        Vec::new(),
                    ),
                    _ => (
                        draft.groups[g]
                            .hosts
                            .iter()
                            .copied()
                            .map(host_name)
                            .collect(),
                        children[g].iter().map(|&(c, _)| group_name(c)).collect(),
                    ),
                };
                Group {
                    name: group_name(g),
                    hosts,
                    children: child_names,
                    vars: group_vars(draft, g),
                    vault_vars: SecretVars::default(),
                }
            })
            .collect()
    }
}

/// Group `g`'s own vars: its inventory vars, then its `group_vars/` files (the
/// inventory's, then the playbook's), as `ansible-inventory --export` shows a group's vars.
fn group_vars(draft: &Draft, g: usize) -> Vars {
    let mut merged = draft.groups[g].vars.clone();
    for layer in draft
        .vars_files
        .group_layers(&[draft.groups[g].name.as_str()])
    {
        for (key, value) in layer {
            vars::insert(&mut merged, key, value);
        }
    }
    merged
}
