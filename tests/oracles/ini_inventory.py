"""Ansible's answers for many INI inventories in one run (tests/inventory_oracle.rs).

Reads a JSON list of cases, {"path": INI, "patterns": [PATTERN, ...]}, from the file
named by argv[1], and prints one JSON list with, per case, either {"error": TEXT} (the
inventory does not parse) or what `ansible-inventory -i PATH --list --export` and
`ansible -i PATH PATTERN --list-hosts` would say: {"hostvars": {HOST: VARS} (merged, as
--list prints them), "groups": {GROUP: {"hosts": [...], "children": [...], "vars":
{...}}}, "all_children": [...], "selected": {PATTERN: [HOST, ...] or {"error": TEXT}}}.
Ansible itself computes every answer: its InventoryManager, VariableManager and the
JSON encoder ansible-inventory uses; this script only loops, so Ansible starts once.
"""

import json
import sys

from ansible import constants as C
from ansible._internal._json._profiles import _inventory_legacy
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display
from ansible.vars.manager import VariableManager


def without_internal(variables):
    return {k: v for k, v in variables.items() if k not in C.INTERNAL_STATIC_VARS}


def answer(loader, case):
    try:
        inventory = InventoryManager(loader=loader, sources=[case["path"]])
    except Exception as error:  # the inventory does not parse
        return {"error": str(error)}
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = {}
    for host in inventory.get_hosts("all"):
        merged = without_internal(variables.get_vars(host=host, include_hostvars=False, stage="all"))
        if merged:
            hostvars[host.name] = merged
    groups = {}
    for name, group in inventory.groups.items():
        own = without_internal(group.get_vars())
        if group.priority != 1:
            own["ansible_group_priority"] = group.priority
        groups[name] = {
            "hosts": [h.name for h in group.hosts] if name != "all" else [],
            "children": [g.name for g in group.child_groups],
            "vars": own,
        }
    selected = {}
    for pattern in case["patterns"]:
        inventory.clear_pattern_cache()
        try:
            selected[pattern] = [h.name for h in inventory.get_hosts(pattern)]
        except Exception as error:
            selected[pattern] = {"error": str(error)}
    return {
        "hostvars": hostvars,
        "groups": groups,
        "all_children": groups["all"]["children"],
        "selected": selected,
    }


def main():
    Display().verbosity = 0
    with open(sys.argv[1]) as cases_file:
        cases = json.load(cases_file)
    answers = [answer(DataLoader(), case) for case in cases]
    print(json.dumps(answers, cls=_inventory_legacy.Encoder, sort_keys=True))


main()
