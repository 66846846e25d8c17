"""The bars herd must clear, checked against the results of the same run.

Each check returns a ``Bar``: what was required, what was measured, and PASS, FAIL or
NOT MEASURED (a scenario that was not run, was skipped, or whose herd run failed).
"""

from dataclasses import dataclass

from . import stats
from .scenarios import Result


@dataclass(frozen=True)
class Bar:
    name: str
    verdict: str  # PASS, FAIL or NOT MEASURED
    detail: str


def judge(name: str, passed: bool, detail: str) -> Bar:
    return Bar(name, "PASS" if passed else "FAIL", detail)


def find(results: list[Result], scenario: str, case: str, label: str) -> Result | None:
    return next((r for r in results if r.scenario == scenario and r.case == case and r.variant.label == label), None)


def herd_in(results: list[Result], scenario: str) -> Result | None:
    """herd's result in a scenario with one case."""
    return next((r for r in results if r.scenario == scenario and r.variant.tool == "herd"), None)


def succeeded(results: list[Result], scenario: str, tool: str) -> list[Result]:
    """`tool`'s successful results in `scenario`, one per ssh setting."""
    return [r for r in results if r.scenario == scenario and r.variant.tool == tool and r.ok]


def machine_limit(results: list[Result], n: int, cores: int) -> tuple[float, Result] | None:
    """Scenario 1's floor at N: the least sshd CPU per host any tool caused, × N / cores."""
    rows = [r for r in results if r.scenario == "s1" and r.case == f"N={n}" and r.ok]
    if not rows:
        return None
    best = min(rows, key=stats.sshd_per_host_ms)
    return stats.sshd_per_host_ms(best) / 1000 * n / cores, best


def own_floor(herd: Result, cores: int) -> float:
    """What herd's own run could not beat: its sshd side's CPU and its own, × N / cores
    (client and servers share the cores), with nothing for start-up or the tail."""
    per_host_ms = stats.sshd_per_host_ms(herd) + stats.cpu_per_host_ms(herd)
    return per_host_ms / 1000 * herd.hosts / cores


def check_all(results: list[Result], cores: int) -> list[Bar]:
    return [*s1_n200(results, cores), *s1_n1000(results), s2(results), s3(results), s4(results),
            *([s5(results)] if any(r.scenario == "s5" for r in results) else []),
            *([s7(results)] if any(r.scenario == "s7" for r in results) else [])]


def missing(name: str, herd: Result | None) -> Bar:
    if herd is None:
        why = "scenario not run in this invocation"
    elif herd.skipped:
        why = herd.skipped
    else:
        why = "herd failed: " + "; ".join(herd.errors)
    return Bar(name, "NOT MEASURED", why)


def s1_n200(results: list[Result], cores: int) -> list[Bar]:
    names = ["S1 N=200: herd wall ≤ 1.25 × machine limit",
             "S1 N=200: herd faster than every peer, both settings",
             "S1 N=200: herd client CPU/host ≤ 1/3 of the best peer's"]
    herd = find(results, "s1", "N=200", "herd")
    if herd is None or not herd.ok:
        return [missing(name, herd) for name in names]
    peers = [r for r in results if r.scenario == "s1" and r.case == "N=200" and r.variant.tool != "herd"]
    ok_peers = [r for r in peers if r.ok]
    failed = [r.variant.label for r in peers if not r.ok]
    note = f"; peers that failed (not compared): {', '.join(failed)}" if failed else ""
    herd_wall = stats.wall(herd).median
    limit, floor = machine_limit(results, 200, cores)
    bars = [judge(names[0], herd_wall <= 1.25 * limit,
                  f"herd {herd_wall:.2f} s, limit {limit:.2f} s ({stats.sshd_per_host_ms(floor):.1f} ms sshd CPU/host "
                  f"under {floor.variant.label} × 200 / {cores} cores), ratio {herd_wall / limit:.2f}")]
    fastest = min(ok_peers, key=lambda r: stats.wall(r).median, default=None)
    if fastest is None:
        bars.append(Bar(names[1], "NOT MEASURED", "no peer succeeded" + note))
        bars.append(Bar(names[2], "NOT MEASURED", "no peer succeeded" + note))
        return bars
    peer_wall = stats.wall(fastest).median
    bars.append(judge(names[1], herd_wall < peer_wall,
                      f"herd {herd_wall:.2f} s, fastest peer {fastest.variant.label} {peer_wall:.2f} s{note}"))
    thriftiest = min(ok_peers, key=stats.cpu_per_host_ms)
    herd_cpu, peer_cpu = stats.cpu_per_host_ms(herd), stats.cpu_per_host_ms(thriftiest)
    bars.append(judge(names[2], herd_cpu <= peer_cpu / 3,
                      f"herd {herd_cpu:.2f} ms/host, best peer {thriftiest.variant.label} {peer_cpu:.2f} ms/host "
                      f"(herd uses {herd_cpu / peer_cpu:.2f}× of it){note}"))
    return bars


def s1_n1000(results: list[Result]) -> list[Bar]:
    names = ["S1 N=1000: herd completes every host",
             "S1 N=1000: herd wall ≤ 5.5 × its N=200 wall",
             "S1 N=1000: herd peak RSS ≤ 150 MB"]
    herd = find(results, "s1", "N=1000", "herd")
    if herd is None:
        return [missing(name, herd) for name in names]
    bars = [judge(names[0], herd.ok, "1000/1000 hosts" if herd.ok else "; ".join(herd.errors))]
    if not herd.ok:
        return bars + [missing(name, herd) for name in names[1:]]
    small = find(results, "s1", "N=200", "herd")
    wall = stats.wall(herd).median
    if small is None or not small.ok:
        bars.append(missing(names[1], small))
    else:
        ratio = wall / stats.wall(small).median
        bars.append(judge(names[1], ratio <= 5.5, f"{wall:.2f} s vs {stats.wall(small).median:.2f} s: {ratio:.2f}×"))
    rss = stats.peak_rss_mb(herd)
    bars.append(judge(names[2], rss <= 150, f"{rss:.1f} MB"))
    return bars


def s2(results: list[Result]) -> Bar:
    return ten_times_ansible(results, "s2", "S2: herd play ≥ 10× faster than ansible-playbook")


S7_NAME = "S7: herd play with loop, notify and a templated put ≥ 10× faster than ansible-playbook"


def s7(results: list[Result]) -> Bar:
    return ten_times_ansible(results, "s7", S7_NAME)


def ten_times_ansible(results: list[Result], scenario: str, name: str) -> Bar:
    """PASS: herd's median wall time is at most a tenth of the fastest ansible-playbook setting's."""
    herd = herd_in(results, scenario)
    if herd is None or not herd.ok:
        return missing(name, herd)
    ansible = succeeded(results, scenario, "ansible")
    if not ansible:
        return Bar(name, "NOT MEASURED", "ansible-playbook failed in both settings")
    fastest = min(ansible, key=lambda r: stats.wall(r).median)
    ratio = stats.wall(fastest).median / stats.wall(herd).median
    return judge(name, ratio >= 10, f"herd {stats.wall(herd).median:.2f} s, {fastest.variant.label} "
                                    f"{stats.wall(fastest).median:.2f} s: {ratio:.1f}× faster")


def s3(results: list[Result]) -> Bar:
    name = "S3: herd scp throughput ≥ parallel-scp's"
    herd = herd_in(results, "s3")
    if herd is None or not herd.ok:
        return missing(name, herd)
    pscp = succeeded(results, "s3", "pscp")
    if not pscp:
        return Bar(name, "NOT MEASURED", "parallel-scp failed in both settings")
    best = max(pscp, key=lambda r: stats.throughput(r).median)
    mine, theirs = stats.throughput(herd).median, stats.throughput(best).median
    return judge(name, mine >= theirs, f"herd {mine:.0f} MB/s, {best.variant.label} {theirs:.0f} MB/s")


def s4(results: list[Result]) -> Bar:
    name = "S4: ≥ 200 MB/s of stdout through herd, peak RSS ≤ 64 MB"
    herd = herd_in(results, "s4")
    if herd is None or not herd.ok:
        return missing(name, herd)
    rate, rss = stats.throughput(herd).median, stats.peak_rss_mb(herd)
    return judge(name, rate >= 200 and rss <= 64, f"{rate:.0f} MB/s, peak RSS {rss:.1f} MB")


S5_NAME = "S5: herd reaches all 200 hosts behind one bastion at --forks 64, and pssh's losses are reported"


def s5(results: list[Result]) -> Bar:
    """PASS: herd reached every host in every repetition, and pssh's per-run ok/failed counts were
    recorded (how many it lost is reported, not judged: the bar is herd's)."""
    herd = herd_in(results, "s5")
    if herd is None or herd.skipped:
        return missing(S5_NAME, herd)
    pssh = next((r for r in results if r.scenario == "s5" and r.variant.tool == "pssh"), None)
    herd_text = "herd " + ", ".join(f"{ok}/{herd.hosts}" for ok, _ in herd.tallies)
    if herd.samples:
        herd_text += f" ok in {stats.wall(herd).show()} s"
    if pssh is None or not pssh.tallies:
        return Bar(S5_NAME, "FAIL" if not herd.ok else "NOT MEASURED", herd_text + "; pssh not measured")
    lost = ", ".join(f"{failed} failed, {pssh.hosts - ok - failed} unreported" if pssh.hosts - ok - failed
                     else f"{failed}" for ok, failed in pssh.tallies)
    pssh_text = f"pssh lost {lost} of {pssh.hosts} per repetition in {stats.wall(pssh).show()} s"
    return judge(S5_NAME, herd.ok, f"{herd_text}; {pssh_text}")
