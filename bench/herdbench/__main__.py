"""Command line of the benchmark: parse options, start the farm, run the scenarios, write the report.

Usually started by bench/run.sh, which installs the tools first; see bench/README.md.
"""

import argparse
import dataclasses
import json
import math
import signal
import sys
import time
from pathlib import Path

from . import farm, machine, measure, report, scenarios, settings
from .farm import Farm, Instance
from .hosts import addresses

FULL = {"n": [50, 200, 1000], "reps": 3, "play_hosts": 200, "put": (64, 20), "stream_mb": 1000}
QUICK = {"n": [50], "reps": 1, "put": (8, 5)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.sh", description="herd vs pssh, pdsh, clush and Ansible.")
    parser.add_argument("--quick", action="store_true",
                        help="N=50, one repetition, scenarios 1 and 3 (small); writes bench/work/RESULTS-quick.md")
    parser.add_argument("--n", type=counts, help="host counts for scenario 1 (default 50,200,1000)")
    parser.add_argument("--reps", type=int, help="repetitions of every run (default 3; --quick: 1)")
    parser.add_argument("--scenarios", type=counts, help="which scenarios to run (default 1,2,3,4; --quick: 1,3; "
                             "5, behind the lab's bastion, and 6, scale against the lab's h1, only when asked for: lab/lab.sh up first; "
                             "7, loop + notify + templated put on 200 hosts, only when asked for)")
    parser.add_argument("--teardown", action="store_true", help="only stop the sshd processes of an earlier run")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    args.n = args.n or preset["n"]
    args.reps = args.reps or preset["reps"]
    args.scenarios = args.scenarios or ([1, 3] if args.quick else [1, 2, 3, 4])
    args.put = preset["put"]
    if max(args.n) > settings.MAX_SHARED_HOSTS:
        parser.error(f"--n: at most {settings.MAX_SHARED_HOSTS} hosts")
    return args


def counts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("numbers must be positive")
    return values


def build_farms(args: argparse.Namespace) -> tuple[Farm, Farm, Farm]:
    """The shared farm for scenario 1, isolated hosts for 2-4, and the DEBUG1 probe."""
    shared_count = max(args.n) if 1 in args.scenarios else 0
    shared_addresses = addresses(settings.SHARED_FIRST, shared_count)
    per = settings.ADDRESSES_PER_SSHD
    shared = Farm("shared", [Instance(f"shared-{i:03d}", shared_addresses[i * per:(i + 1) * per])
                             for i in range(math.ceil(shared_count / per))])
    isolated_count = max([FULL["play_hosts"] if {2, 7} & set(args.scenarios) else 0,
                          args.put[1] if 3 in args.scenarios else 0,
                          1 if 4 in args.scenarios else 0])
    isolated = Farm("isolated", [Instance(f"isolated-{i + 1:03d}", [a], private_tmp=True)
                                 for i, a in enumerate(addresses(settings.ISOLATED_FIRST, isolated_count))])
    probe = Farm("probe", [Instance("probe", [str(settings.PROBE_ADDRESS)], log_level="DEBUG1")])
    return shared, isolated, probe


def run_scenarios(ctx: scenarios.Context, args: argparse.Namespace) -> list[scenarios.Result]:
    results = []
    if 1 in args.scenarios:
        results += scenarios.scenario_true(ctx, args.n)
    if 2 in args.scenarios:
        results += scenarios.scenario_play(ctx, FULL["play_hosts"])
    if 3 in args.scenarios:
        results += scenarios.scenario_put(ctx, *args.put)
    if 4 in args.scenarios:
        results += scenarios.scenario_stream(ctx, FULL["stream_mb"] * scenarios.MB)
    if 5 in args.scenarios:
        results += scenarios.scenario_bastion(ctx, settings.BASTION_HOSTS)
    if 6 in args.scenarios:
        results += scenarios.scenario_scale(ctx)
    if 7 in args.scenarios:
        results += scenarios.scenario_flow(ctx, FULL["play_hosts"])
    return results


def probe_variants(args: argparse.Namespace) -> list:
    """Every variant that connects in this run, once each, for the kex table."""
    wanted = []
    for number, variants in ((1, scenarios.S1_VARIANTS), (3, scenarios.S3_VARIANTS), (4, scenarios.S4_VARIANTS)):
        if number in args.scenarios:
            wanted += variants
    if {2, 7} & set(args.scenarios):
        wanted += [v for v in scenarios.S1_VARIANTS if v.tool in ("herd", "ansible")]
    return list(dict.fromkeys(wanted))


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.teardown:
        farm.teardown()
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    started, clock, load_before = time.strftime("%Y-%m-%d %H:%M %Z"), time.monotonic(), machine.load()
    tool_versions = machine.versions()  # now: the tree may change while the run goes on
    farm.teardown()  # whatever an earlier, interrupted run left
    farm.ensure_identity()
    shared, isolated, probe = build_farms(args)
    try:
        progress(f"starting {len(shared.instances)} + {len(isolated.instances)} + 1 sshd processes")
        for f in (shared, isolated, probe):
            f.start()
        measure.become_subreaper()  # only now: the sshd daemons above must not become our children
        ctx = scenarios.Context(shared, isolated, probe, args.reps, progress)
        kex = scenarios.probe_kex(ctx, probe_variants(args))
        results = run_scenarios(ctx, args)
    finally:
        farm.teardown()
    out = settings.WORK_DIR / "RESULTS-quick.md" if args.quick else settings.BENCH_DIR / "RESULTS.md"
    plot = out.with_name("results-quick-wall.png" if args.quick else "results-wall.png")
    description = {**machine.describe(), "load average at start": load_before, "load average at end": machine.load()}
    run = report.Run(["bench/run.sh", *argv], started, (time.monotonic() - clock) / 60, args.reps,
                     description, tool_versions, machine.cores(), kex, results, shared.cpu_method)
    if set(args.scenarios) <= {5, 6, 7}:  # their own sections of RESULTS.md; the rest of the file is left as it is
        for number, splice in ((5, report.splice_s5), (6, report.splice_s6), (7, report.splice_s7)):
            if number in args.scenarios:
                splice(run, out)
        suffix = "-".join(f"s{n}" for n in sorted(set(args.scenarios)))
        dump_json(run, settings.WORK_DIR / (f"results-{suffix}-quick.json" if args.quick else f"results-{suffix}.json"))
    else:
        report.write(run, out, plot)
        dump_json(run, settings.WORK_DIR / ("results-quick.json" if args.quick else "results.json"))
    progress(f"wrote {out}")
    return 0


def dump_json(run: report.Run, path: Path) -> None:
    """Every raw sample, for a closer look than the tables give."""
    path.write_text(json.dumps(dataclasses.asdict(run), indent=1, default=str))


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("bench: interrupted; its sshd processes are stopped", file=sys.stderr)
        sys.exit(130)
