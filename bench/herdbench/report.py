"""RESULTS.md: the machine, the versions, the exact commands, the tables, the plot and the bars."""

from dataclasses import dataclass
from pathlib import Path

from . import bars, settings, stats, tools
from .plot import wall_against_n
from .scenarios import Result


@dataclass
class Run:
    """Everything one invocation of the harness measured, for the report."""

    argv: list[str]
    started: str
    minutes: float
    reps: int
    machine: dict[str, str]
    versions: dict[str, str]
    cores: int
    kex: dict[str, dict[str, str]]
    results: list[Result]
    sshd_cpu_method: str  # how the sshd farm's CPU was measured (Farm.cpu_method)


def write(run: Run, path: Path, plot_path: Path) -> None:
    plot_problem = wall_against_n(run.results, run.cores, plot_path)
    sections = [
        header(run),
        bar_section(bars.check_all(run.results, run.cores)),
        key_value("Machine", run.machine),
        key_value("Versions", run.versions),
        setup(run),
        kex_section(run.kex),
        scenario1(run, plot_path, plot_problem),
        scenario2(run.results),
        scenario3(run.results),
        scenario4(run.results),
        scenario5(run.results),
        scenario6(run.results),
        scenario7(run.results),
        commands(run.results),
        failures(run.results),
    ]
    path.write_text("\n".join(s for s in sections if s))


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (`<implicit>` is not an HTML tag, `|` no column)."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def header(run: Run) -> str:
    return (f"# herd benchmark results\n\n"
            f"Written by `{' '.join(run.argv)}` on {run.started} ({run.minutes:.0f} min, "
            f"{run.reps} repetition{'s' if run.reps > 1 else ''} of every run). How to run it and read this: "
            f"[bench/README.md](README.md). Times are medians with (min–max) over the repetitions; "
            f"MB = 10^6 bytes; CPU is client-side (the tool and all its child processes).\n")


def bar_section(checked: list[bars.Bar]) -> str:
    rows = [[b.verdict if b.verdict != "PASS" else "**PASS**", b.name, b.detail] for b in checked]
    return "## Bars\n\n" + table(["verdict", "bar", "measured"], rows)


def key_value(title: str, rows: dict[str, str]) -> str:
    return f"## {title}\n\n" + table(["", ""], [[k, v] for k, v in rows.items()])


def setup(run: Run) -> str:
    return f"""## Setup

- **Hosts**: OpenSSH sshd on loopback, port {settings.PORT}, user `{settings.USER}`, ed25519 key, one host key and
  one config template for all. Scenario 1 uses 127.0.1.1, 127.0.1.2, … ({settings.ADDRESSES_PER_SSHD} addresses per sshd
  process, sshd's limit). Scenarios 2-4 use 127.0.32.x, one sshd per address, each in its own mount namespace
  with a private tmpfs on /tmp, so every host's copy of a file is its own and is checked after each run.
  `MaxStartups 4000:100:4000`, `UsePAM no`; login shell bash.
- **Every tool**: fanout/forks {settings.FORKS}; host-key checking off (OpenSSH peers:
  `{' '.join(tools.HOST_KEY_OFF)}`; Ansible: the same via `--ssh-common-args` and
  `ANSIBLE_HOST_KEY_CHECKING=False`; herd: `--host-key-checking off`). Each OpenSSH-based peer runs twice:
  OpenSSH defaults, and `+kex` = `-o KexAlgorithms={settings.KEX_ALGORITHM}`. herd runs with its defaults.
- **Order**: all tools in the same run; every repetition runs each tool once, the order rotating by one
  each repetition. Ansible gets a fresh ControlPersist folder per run; ssh masters it leaves behind are
  ended after the run and their CPU is added to Ansible's.
- **Checks**: a run counts only if the tool reports success on every host (exit code, and per-host
  success lines for pssh and Ansible), the sshd farm logged at least one login per host, and, in
  scenarios 2-3, every host's file is right (sha256 of each copy; each host's fetched, templated file).
  A failed run is listed as failed; its time is not used.
- **Peak RSS** is the largest single process of the tool's tree, from GNU time (exact for herd: one process).
- **other load %**: the share of the machine's CPU that processes outside the benchmark (neither the
  tool nor the sshd farm) used during the run, median over the repetitions. Above a few percent, other
  work on the machine slowed the run down and the wall times are inflated.
"""


def kex_section(kex: dict[str, dict[str, str]]) -> str:
    if not kex:
        return ""
    rows = [[label, a.get("algorithm", "?"), a.get("host key algorithm", "?"), a.get("client->server cipher", "?")]
            for label, a in kex.items()]
    return ("## Negotiated algorithms\n\nRead from a probe sshd at LogLevel DEBUG1 (`kex: …` lines), one connection "
            "per tool and setting, before anything is timed.\n\n"
            + table(["tool", "kex", "host key", "cipher, MAC, compression"], rows))


def ratio(value: float, herd: float | None) -> str:
    return f"{value / herd:.2f}×" if herd else "–"


def herd_of(results: list[Result], scenario: str, case: str) -> Result | None:
    herd = bars.find(results, scenario, case, "herd")
    return herd if herd and herd.ok else None


def s1_rows(rows: list[Result]) -> list[list[str]]:
    herd = next((r for r in rows if r.variant.label == "herd" and r.ok), None)
    herd_wall = stats.wall(herd).median if herd else None
    herd_cpu = stats.cpu(herd).median if herd else None
    out = []
    for r in rows:
        if not r.ok:
            out.append([r.variant.tool, r.variant.setting, "**FAILED**", "see Failures"] + [""] * 7)
            continue
        w, c = stats.wall(r), stats.cpu(r)
        out.append([r.variant.tool, r.variant.setting, f"{r.hosts}/{r.hosts}", w.show(), c.show(),
                    f"{stats.cpu_per_host_ms(r):.2f}", f"{stats.peak_rss_mb(r):.1f}", f"{stats.sshd_per_host_ms(r):.2f}",
                    ratio(w.median, herd_wall), ratio(c.median, herd_cpu), f"{stats.other_load_pct(r):.0f}"])
    return out


def scenario1(run: Run, plot_path: Path, plot_problem: str | None) -> str:
    results = [r for r in run.results if r.scenario == "s1"]
    if not results:
        return ""
    head = ["tool", "ssh setting", "hosts ok", "wall s", "client CPU s", "CPU/host ms", "peak RSS MB",
            "sshd CPU/host ms", "wall ÷ herd", "CPU ÷ herd", "other load %"]
    parts = ["## Scenario 1: `true` on N hosts\n"]
    limit_rows = []
    for case in dict.fromkeys(r.case for r in results):
        rows = [r for r in results if r.case == case]
        parts.append(f"### {case}\n\n" + table(head, s1_rows(rows)))
        n = rows[0].hosts
        found = bars.machine_limit(run.results, n, run.cores)
        herd = herd_of(run.results, "s1", case)
        if found:
            limit, floor = found
            herd_text = f"{stats.wall(herd).median:.2f}" if herd else "failed"
            herd_ratio = f"{stats.wall(herd).median / limit:.2f}" if herd else "–"
            own = bars.own_floor(herd, run.cores) if herd else None
            limit_rows.append([str(n), f"{stats.sshd_per_host_ms(floor):.2f} ({floor.variant.label})",
                               f"{limit:.2f}", herd_text, herd_ratio,
                               f"{own:.2f}" if own else "–",
                               f"{stats.wall(herd).median / own:.2f}" if own else "–"])
    parts.append(
        "### Machine limit\n\nThe sshd side alone: CPU the sshd processes and every process they started "
        f"(for a connection: its sshd processes and the user's shell) used per host, measured with {run.sshd_cpu_method} "
        f"before and after each run, the least any tool caused, × N / {run.cores} cores. "
        "A client that cost nothing could not beat it. herd's own floor adds herd's client CPU to the "
        "sshd CPU under herd (the same cores run both): herd's wall over it is what start-up, the "
        "tail and idle cores cost.\n\n"
        + table(["N", "sshd CPU/host ms (under)", "limit s", "herd wall s", "herd ÷ limit",
                 "herd's own floor s", "herd ÷ own floor"], limit_rows))
    if plot_problem:
        parts.append(f"(No plot: {plot_problem}.)\n")
    else:
        parts.append(f"![wall time against N]({plot_path.name})\n")
    return "\n".join(parts)


def throughput_rows(rows: list[Result]) -> list[list[str]]:
    herd = next((r for r in rows if r.variant.label == "herd" and r.ok), None)
    herd_rate = stats.throughput(herd).median if herd else None
    out = []
    for r in rows:
        if not r.ok:
            out.append([r.variant.tool, r.variant.setting, "**FAILED**", "see Failures", "", "", "", "", ""])
            continue
        rate = stats.throughput(r)
        out.append([r.variant.tool, r.variant.setting, f"{r.hosts}/{r.hosts}", stats.wall(r).show(), rate.show(0),
                    stats.cpu(r).show(), f"{stats.peak_rss_mb(r):.1f}",
                    f"{herd_rate / rate.median:.2f}×" if herd_rate else "–", f"{stats.other_load_pct(r):.0f}"])
    return out


THROUGHPUT_HEAD = ["tool", "ssh setting", "hosts ok", "wall s", "MB/s", "client CPU s", "peak RSS MB",
                   "herd MB/s ÷ this", "other load %"]


def scenario2(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s2"]
    if not rows:
        return ""
    return (f"## Scenario 2: a 4-step playbook on {rows[0].hosts} hosts\n\n"
            "run, templated put, run, get: [playbooks/herd.yml](playbooks/herd.yml) vs "
            "[playbooks/ansible.yml](playbooks/ansible.yml) (pipelining on, no fact gathering, "
            "interpreter given in the inventory).\n\n"
            + playbook_table(rows))


S7_HEADING = "## Scenario 7: loop, notify and a templated put"


def scenario7(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s7"]
    if not rows:
        return ""
    return (f"{S7_HEADING} on {rows[0].hosts} hosts\n\n"
            "A 3-item `loop` (`mkdir`), a templated put that notifies a handler, and the handler (appends a "
            "line): [playbooks/flow-herd.yml](playbooks/flow-herd.yml) vs "
            "[playbooks/flow-ansible.yml](playbooks/flow-ansible.yml) (pipelining on, no fact gathering, "
            "interpreter given in the inventory), on the isolated hosts of scenario 2, cleaned before every run "
            "so the put changes the file and the handler runs on every host. Each run is checked on every "
            "host: the three folders, the config rendered for that host, the handler's line exactly once.\n\n"
            + playbook_table(rows))


def playbook_table(rows: list[Result]) -> str:
    """Scenarios 2 and 7: each tool's wall time, CPU and memory, and its wall time over herd's."""
    herd = next((r for r in rows if r.variant.tool == "herd" and r.ok), None)
    herd_wall = stats.wall(herd).median if herd else None
    out = []
    for r in rows:
        if r.skipped:
            out.append([r.variant.tool, r.variant.setting, f"skipped: {r.skipped}", "", "", "", "", ""])
        elif not r.ok:
            out.append([r.variant.tool, r.variant.setting, "**FAILED**", "see Failures", "", "", "", ""])
        else:
            w = stats.wall(r)
            out.append([r.variant.tool, r.variant.setting, f"{r.hosts}/{r.hosts}", w.show(), stats.cpu(r).show(),
                        f"{stats.peak_rss_mb(r):.1f}", ratio(w.median, herd_wall), f"{stats.other_load_pct(r):.0f}"])
    return table(["tool", "ssh setting", "hosts ok", "wall s", "client CPU s", "peak RSS MB", "wall ÷ herd",
                  "other load %"], out)


def scenario3(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s3"]
    if not rows:
        return ""
    return (f"## Scenario 3: put one file, {rows[0].case}\n\n"
            "MB/s is aggregate: file size × hosts / wall time. Every host's copy is checked by sha256.\n\n"
            + table(THROUGHPUT_HEAD, throughput_rows(rows)))


def scenario4(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s4"]
    if not rows:
        return ""
    return (f"## Scenario 4: {rows[0].case} of stdout from one host\n\n"
            "100-byte lines (`yes … | head -c`), the tool's stdout to /dev/null. `ssh` is the plain OpenSSH "
            "client (no per-line work): the ceiling for one connection.\n\n"
            + table(THROUGHPUT_HEAD, throughput_rows(rows)))


def commands(results: list[Result]) -> str:
    """Each variant's exact command, once per scenario (the first case's)."""
    parts = ["## Exact commands\n\nPaths are relative to the repository. Scenario 1 is shown for its first N; the "
             "other N differ only in the host file.\n"]
    for scenario in dict.fromkeys(r.scenario for r in results):
        rows = [r for r in results if r.scenario == scenario and r.command]
        first = rows[0].case if rows else ""
        lines = [f"# {r.variant.label}\n{r.command}" for r in rows if r.case == first]
        if lines:
            parts.append(f"{scenario.upper()} ({first}):\n\n```sh\n" + "\n".join(lines) + "\n```\n")
    return "\n".join(parts)


def failures(results: list[Result]) -> str:
    failed = [r for r in results if r.errors]
    if not failed:
        return ""
    lines = [f"- {r.scenario.upper()} {r.case} {r.variant.label}: {e}" for r in failed for e in r.errors]
    return ("## Failures\n\nEach run's output: bench/work/logs/SCENARIO/CASE/TOOL-rREP/.\n\n" + "\n".join(lines) + "\n")


S5_HEADING = "## Scenario 5: `true` on 200 hosts behind one bastion"


def scenario5(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s5"]
    if not rows:
        return ""
    out = []
    for r in rows:
        if r.skipped:
            out.append([r.variant.tool, f"skipped: {r.skipped}", "", "", "", "", ""])
            continue
        per_run = "; ".join(f"r{i + 1}: {ok} ok, {failed} failed, {s.wall:.2f} s"
                            for i, ((ok, failed), s) in enumerate(zip(r.tallies, r.samples)))
        oks = stats.Spread.of([ok for ok, _ in r.tallies])
        fails = stats.Spread.of([r.hosts - ok for ok, _ in r.tallies])
        out.append([r.variant.tool, f"{oks.show(0)}/{r.hosts}", fails.show(0), stats.wall(r).show(),
                    stats.cpu(r).show(), per_run, f"{stats.other_load_pct(r):.0f}"])
    return (f"{S5_HEADING}\n\n"
            f"The lab's bastion (`lab/lab.sh up`): a stock sshd at 127.0.0.30:22 (default `MaxStartups 10:30:100`, "
            f"user `herd_jump`) in front of {settings.BEHIND_ADDRESSES} sshd hosts at 127.0.1.1-{settings.BEHIND_ADDRESSES} "
            f"port 22 in a network namespace, reachable only through the bastion (user `{settings.BEHIND_USER}`, "
            "the lab's ed25519 key, host keys checked against the lab's known_hosts). 200 inventory names "
            f"b001…b200, name i on 127.0.1.((i-1) % {settings.BEHIND_ADDRESSES} + 1). `true` on each, forks/`-p` "
            f"{settings.FORKS}. herd: `proxy_jump=bastion` in its inventory, naming the inventory host `bastion` "
            "(herd_jump@127.0.0.30, same key), run on the group `behind` (`-g behind`: the 200, not the bastion). pssh: `-O ProxyJump=…`, so each host's ssh opens "
            "its own connection to the bastion; its `-O` options also go into a generated ssh_config given with "
            "`-x -F`, because the jump ssh that ProxyJump starts sees `-F` but not the `-O` options. "
            "Hosts ok/failed: herd's recap line, pssh's `[SUCCESS]`/`[FAILURE]` lines. Unlike scenarios 1-4, "
            "wall and CPU here are over every run, failed ones included (a run with lost hosts still took "
            "that long); there is no login count or sshd CPU (the lab's sshd is not the harness's).\n\n"
            + table(["tool", "hosts ok", "hosts failed", "wall s", "client CPU s", "each run", "other load %"], out))


def splice_s5(run: Run, path: Path) -> None:
    """Writes scenario 5's section into ``path`` (replacing an earlier one, else before the exact
    commands), leaving every other section as it was: a run of only scenario 5 has none of their data."""
    s5 = [r for r in run.results if r.scenario == "s5"]
    commands_text = "\n".join(f"# {r.variant.label}\n{r.command}" for r in s5 if r.command)
    bar = bars.s5(run.results)
    failed = [f"- {r.variant.label}: {e}" for r in s5 for e in r.errors]
    section = (scenario5(run.results)
               + f"\nWritten by `{' '.join(run.argv)}` on {run.started} ({run.minutes:.0f} min, {run.reps} "
               f"repetition{'s' if run.reps > 1 else ''}, tools alternating), against the lab's bastion; the sections "
               "above and below come from their own run (see the top of this file). "
               f"herd: {run.versions.get('herd', '?')}; pssh: {run.versions.get('pssh (parallel-ssh, parallel-scp)', '?')}; "
               f"load average {run.machine.get('load average at start', '?')} at start, "
               f"{run.machine.get('load average at end', '?')} at end.\n\n"
               + table(["verdict", "bar", "measured"],
                       [[bar.verdict if bar.verdict != "PASS" else "**PASS**", bar.name, bar.detail]])
               + (f"\nExact commands (paths relative to the repository):\n\n```sh\n{commands_text}\n```\n"
                  if commands_text else "")
               + ("\nRuns that did not reach every host (their logs: bench/work/logs/s5/):\n\n" + "\n".join(failed) + "\n"
                  if failed else ""))
    splice(path, S5_HEADING, section)


def splice(path: Path, heading: str, section: str) -> None:
    """Puts ``section`` into ``path`` in place of the one starting with ``heading``, else before the
    exact commands (else at the end), leaving every other section as it was."""
    text = path.read_text() if path.exists() else "# herd benchmark results\n\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    else:
        anchor = text.find("## Exact commands")
        text = (text[:anchor] + section + "\n" + text[anchor:]) if anchor >= 0 else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


S6_HEADING = "## Scenario 6: scale"


def scenario6(results: list[Result]) -> str:
    rows = [r for r in results if r.scenario == "s6"]
    if not rows:
        return ""
    out = []
    for r in rows:
        if r.skipped:
            out.append([r.case, r.variant.tool, f"skipped: {r.skipped}", "", "", "", "", "", ""])
            continue
        per_run = "; ".join(f"{ok} ok, {failed} failed, {s.wall:.2f} s" for (ok, failed), s in zip(r.tallies, r.samples))
        worst_ok = min((ok for ok, _ in r.tallies), default=0)
        status = f"{worst_ok}/{r.hosts}" + ("" if not r.errors else " **(not as expected: see below)**")
        out.append([r.case, r.variant.tool, status, stats.wall(r).show(), stats.cpu(r).show(),
                    f"{stats.peak_rss_mb(r):.1f}", per_run, f"{stats.other_load_pct(r):.0f}",
                    "; ".join(dict.fromkeys(n for n in r.notes if n))])
    extra = ""
    healthy = next((r for r in rows if r.case == f"{settings.SCALE_HEALTHY} healthy" and r.samples), None)
    mixed = next((r for r in rows if r.case.startswith(f"{settings.SCALE_HEALTHY} healthy +") and r.samples), None)
    if healthy and mixed:
        extra = (f"\nRow 3, extra wall time for the silent hosts: {stats.wall(mixed).median:.2f} s − "
                 f"{stats.wall(healthy).median:.2f} s = **{stats.wall(mixed).median - stats.wall(healthy).median:+.2f} s** "
                 f"(`--connect-timeout {settings.SCALE_CONNECT_TIMEOUT}`: the issue's bar is one timeout, "
                 f"{settings.SCALE_CONNECT_TIMEOUT} s, in total; a herd that held a fork per silent host paid "
                 f"about two).\n")
    silent_address, silent_ports = settings.SCALE_SILENT
    return (f"{S6_HEADING}\n\n"
            f"Issue 13's rows, against the lab (`lab/lab.sh up`, with its fault lab), not the harness's farm: every "
            f"healthy name is the lab's h1, one sshd at {settings.SCALE_ADDRESS}:{settings.SCALE_PORT} "
            f"(`MaxStartups 2000:100:2000`, PAM password auth, user `{settings.SCALE_USER}`), so N names are N full "
            "logins (TCP, key exchange, password, a session) on one server that shares this machine's cores with "
            "the client. herd: inventory entries with `password=`, `--known-hosts` a copy of the lab's known_hosts, "
            "`--ssh-config none`. pssh: `sshpass -e parallel-ssh -A` (the password given once; pssh hands it to "
            "every ssh through its askpass), host keys checked against the same copy, OpenSSH's default kex. "
            "Rows: (1) `true` on N names, forks/`-p` 64 (pssh at the largest N only if its smaller run projects "
            f"to ≤ {settings.SCALE_PEER_BUDGET:.0f} s); (2) `herd play` of [playbooks/scale.yml](playbooks/scale.yml) "
            f"(run true, put a small file, run cat of it, run true) on {settings.SCALE_PLAY_N} names under "
            f"`ulimit -n {settings.SCALE_OPEN_FILES}`, with the line herd prints about the sessions it held; "
            f"(3) {settings.SCALE_HEALTHY} healthy names alone, then with {settings.SCALE_SILENT_COPIES}× each of "
            f"the fault lab's silent endpoints {silent_address}:{silent_ports.start}-{silent_ports.stop - 1} (accept TCP, "
            f"never send a byte), `--connect-timeout {settings.SCALE_CONNECT_TIMEOUT}`, forks 64; (4) "
            f"{settings.SCALE_BUSY_N} names at forks/`-p` {settings.SCALE_BUSY_FORKS}, {settings.SCALE_BUSY_REPS} "
            "runs each, tools alternating. Hosts ok: the worst run (herd's recap line; pssh's `[SUCCESS]` lines); "
            "wall and CPU are medians (min–max) over every run, failed ones included. Client CPU: the tool and "
            "its children (pssh: every ssh, and sshpass). Peak RSS: GNU time `%M`, the largest single process "
            "(pssh: one process, not the sum of its ssh children). **other load %** here is everything on the "
            "machine but the tool, *including the lab's sshd serving the logins*, so it is no measure of foreign "
            "work; the idle-machine figures below are.\n\n"
            + table(["case", "tool", "hosts ok", "wall s", "client CPU s", "peak RSS MB", "each run",
                     "other load % (incl. lab sshd)", "herd's note"], out)
            + extra)


S6_LOAD_NOTE = (" The load average counts every runnable process, the lab sshd's login processes included (64-256 at a time here), so it rises with the run itself and says little about foreign work; the idle samples do.")


def splice_s6(run: Run, path: Path) -> None:
    """Writes scenario 6's section into ``path`` (replacing an earlier one, else before the exact
    commands), leaving every other section as it was."""
    from .scenarios import S6_IDLE_BUSY
    s6 = [r for r in run.results if r.scenario == "s6"]
    commands_text = "\n".join(f"# {r.case}, {r.variant.label}\n{r.command}" for r in s6 if r.command)
    failed = [f"- {r.case} {r.variant.label}: {e}" for r in s6 for e in r.errors]
    idle = ", ".join(f"{k} {v:.0f}%" for k, v in S6_IDLE_BUSY.items()) or "not measured"
    section = (scenario6(run.results)
               + f"\nWritten by `{' '.join(run.argv)}` on {run.started} ({run.minutes:.0f} min), against the lab; "
               "the sections above and below come from their own runs. "
               f"herd: {run.versions.get('herd', '?')}; pssh: {run.versions.get('pssh (parallel-ssh, parallel-scp)', '?')}; "
               f"{run.cores} cores. Machine load: load average {run.machine.get('load average at start', '?')} at start, "
               f"{run.machine.get('load average at end', '?')} at end; the machine's CPU busy over 5 s with nothing of "
               f"the benchmark running (foreign work, the lab's idle servers): {idle}.{S6_LOAD_NOTE}\n"
               + (f"\nExact commands (paths relative to the repository; one per case and tool, N differs only in "
                  f"the inventory):\n\n```sh\n{commands_text}\n```\n" if commands_text else "")
               + ("\nRuns not as expected (their logs: bench/work/logs/s6/):\n\n" + "\n".join(failed) + "\n"
                  if failed else ""))
    splice(path, S6_HEADING, section)


def splice_s7(run: Run, path: Path) -> None:
    """Writes scenario 7's section into ``path`` (replacing an earlier one), leaving the others as they were."""
    s7 = [r for r in run.results if r.scenario == "s7"]
    commands_text = "\n".join(f"# {r.variant.label}\n{r.command}" for r in s7 if r.command)
    bar = bars.s7(run.results)
    failed = [f"- {r.variant.label}: {e}" for r in s7 for e in r.errors]
    section = (scenario7(run.results)
               + f"\nWritten by `{' '.join(run.argv)}` on {run.started} ({run.minutes:.0f} min, {run.reps} "
               f"repetition{'s' if run.reps > 1 else ''}, tools alternating); the sections above and below come "
               f"from their own runs. herd: {run.versions.get('herd', '?')}; "
               f"Ansible: {run.versions.get('ansible-core', '?')}; {run.cores} cores; "
               f"load average {run.machine.get('load average at start', '?')} at start, "
               f"{run.machine.get('load average at end', '?')} at end.\n\n"
               + table(["verdict", "bar", "measured"],
                       [[bar.verdict if bar.verdict != "PASS" else "**PASS**", bar.name, bar.detail]])
               + (f"\nExact commands (paths relative to the repository):\n\n```sh\n{commands_text}\n```\n"
                  if commands_text else "")
               + ("\nFailed runs (their logs: bench/work/logs/s7/):\n\n" + "\n".join(failed) + "\n" if failed else ""))
    splice(path, S7_HEADING, section)
