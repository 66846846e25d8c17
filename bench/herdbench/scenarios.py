"""The seven scenarios: which tools, which hosts, how many repetitions, and what counts as success.

Every scenario runs all its variants in the same run, once per repetition, rotating the
order each repetition so no tool always goes first. Each run is checked three ways: the
tool's own verdict (``Invocation.check``), the number of logins the sshd farm accepted,
and, where the scenario leaves files behind, the files themselves. A run that fails any
check is recorded as failed with the reason, and its time is never reported.
"""

import hashlib
import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import measure, settings, tools
from .farm import Farm, negotiated
from .hosts import HostSet
from .measure import Sample
from .tools import HERD, Invocation, Variant

MB = 1_000_000
PUT_REMOTE = "/tmp/herd_bench_put.bin"
PLAY_REMOTE_DIR = "/tmp/herd_bench_play"
FLOW_REMOTE_DIR = "/tmp/herd_bench_flow"
FLOW_FOLDERS = ("conf", "data", "logs")
STREAM_LINE = "x" * 99  # with its newline, 100-byte lines


@dataclass
class Result:
    """All runs of one variant in one case of one scenario."""

    scenario: str
    case: str
    variant: Variant
    hosts: int
    command: str
    payload_bytes: int = 0
    samples: list[Sample] = field(default_factory=list)
    sshd_cpu: list[float] = field(default_factory=list)
    other_load: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str = ""
    tallies: list[tuple[int, int]] = field(default_factory=list)  # scenarios 5-6: (hosts ok, failed) per run
    notes: list[str] = field(default_factory=list)  # scenario 6: a line of the tool's output, per run

    @property
    def ok(self) -> bool:
        return not self.errors and not self.skipped and bool(self.samples)


@dataclass
class Context:
    """What every scenario needs: the farms, repetitions, and where logs go."""

    shared: Farm
    isolated: Farm
    probe: Farm
    reps: int
    progress: Callable[[str], None]
    run_counter: itertools.count = field(default_factory=itertools.count)

    def run_dir(self, scenario: str, case: str, variant: Variant, rep: int) -> Path:
        path = settings.WORK_DIR / "logs" / scenario / case.replace(" ", "_") / f"{variant.label.replace(' ', '')}-r{rep + 1}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def control_dir(self) -> Path:
        """A fresh, short ControlPath folder so Ansible never reuses a previous run's masters."""
        path = settings.WORK_DIR / "cp" / str(next(self.run_counter))
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Case:
    """One table row group: the variants, their hosts and how to build, prepare and verify a run."""

    scenario: str
    name: str
    hosts: HostSet
    farm: "Farm | LabBastion"
    variants: list[Variant]
    build: Callable[[Variant, Path], Invocation]
    timeout: float
    capture_stdout: bool = True
    payload_bytes: int = 0
    prepare: Callable[[Path], None] = lambda run_dir: None
    verify: Callable[[Path], str | None] = lambda run_dir: None


def rotated(variants: list[Variant], rep: int) -> list[Variant]:
    k = rep % len(variants)
    return variants[k:] + variants[:k]


def measure_case(ctx: Context, case: Case) -> list[Result]:
    """Runs every variant of ``case`` ctx.reps times, alternating, and checks each run."""
    results = {v: Result(case.scenario, case.name, v, len(case.hosts), "", case.payload_bytes) for v in case.variants}
    for rep in range(ctx.reps):
        for variant in rotated(case.variants, rep):
            run_dir = ctx.run_dir(case.scenario, case.name, variant, rep)
            case.prepare(run_dir)
            invocation = case.build(variant, run_dir)
            sample, sshd_cpu, other_load, error = measure_once(case, invocation, run_dir)
            result = results[variant]
            result.command = result.command or invocation.shell()
            result.samples.append(sample)
            result.sshd_cpu.append(sshd_cpu)
            result.other_load.append(other_load)
            if error:
                result.errors.append(f"rep {rep + 1}: {error}")
            if invocation.tally:
                result.tallies.append(tally(invocation, sample, run_dir))
            if invocation.note:
                result.notes.append(note(invocation, sample, run_dir))
            ctx.progress(f"{case.scenario} {case.name} rep {rep + 1}/{ctx.reps} {variant.label:12} "
                         f"{sample.wall:7.2f}s cpu {sample.cpu:6.2f}s {'ok' if not error else 'FAILED: ' + error}")
    return list(results.values())


def tally(invocation: Invocation, sample: Sample, run_dir: Path) -> tuple[int, int]:
    """(hosts ok, hosts failed) of one run, from the tool's output."""
    out = (run_dir / "stdout").read_text(errors="replace") if (run_dir / "stdout").exists() else ""
    err = (run_dir / "stderr").read_text(errors="replace")
    return invocation.tally(sample.returncode if sample.returncode is not None else -1, out, err)


def note(invocation: Invocation, sample: Sample, run_dir: Path) -> str:
    """The line of the tool's output ``invocation.note`` picks (scenario 6: herd's sessions note)."""
    out = (run_dir / "stdout").read_text(errors="replace") if (run_dir / "stdout").exists() else ""
    err = (run_dir / "stderr").read_text(errors="replace")
    return invocation.note(sample.returncode if sample.returncode is not None else -1, out, err)


def measure_once(case: Case, invocation: Invocation, run_dir: Path) -> tuple[Sample, float, float, str | None]:
    """One measured run: the sample, the sshd CPU it caused, the share of the machine other
    processes used meanwhile (0-1), and what failed (or None)."""
    marks = case.farm.log_marks()
    sshd_before = case.farm.cpu_seconds()
    busy_before, clock = measure.machine_busy_seconds(), time.monotonic()
    stdout = run_dir / "stdout" if case.capture_stdout else None
    sample = measure.run(invocation.argv, tool_env(invocation), stdout, run_dir / "stderr", case.timeout, run_dir)
    idle = case.farm.wait_idle()
    sshd_cpu = case.farm.cpu_seconds() - sshd_before
    elsewhere = measure.machine_busy_seconds() - busy_before - sample.cpu - sshd_cpu
    other_load = max(0.0, elsewhere) / ((time.monotonic() - clock) * len(os.sched_getaffinity(0)))
    out = stdout.read_text(errors="replace") if stdout else ""
    err = (run_dir / "stderr").read_text(errors="replace")
    logins = case.farm.accepted_since(marks)
    if sample.timed_out:
        error = f"timed out after {case.timeout:.0f}s"
    else:
        error = invocation.check(sample.returncode, out, err)
    if not error and logins is not None and logins < len(case.hosts):
        error = f"the sshd farm accepted {logins} logins for {len(case.hosts)} hosts"
    if not error:
        error = case.verify(run_dir)
    if not error and not idle:
        error = "sshd connection processes still running 20s after the tool exited"
    return sample, sshd_cpu, other_load, error


def tool_env(invocation: Invocation) -> dict[str, str]:
    """The harness's environment, a fixed locale, and the tool's own settings."""
    return {**os.environ, "LC_ALL": "C.UTF-8", **invocation.env}


# --- probe: which algorithms each variant negotiates --------------------------------------


def probe_kex(ctx: Context, variants: list[Variant]) -> dict[str, dict[str, str]]:
    """Runs each variant once against the DEBUG1 probe sshd and reads what it negotiated.

    This also warms every tool up (page cache, Python bytecode) before anything is timed.
    """
    hosts = HostSet.of("probe", settings.PROBE_ADDRESS, 1).write()
    found = {}
    for variant in variants:
        tool = "pssh" if variant.tool == "pscp" else variant.tool
        invocation = tools.run_command(Variant(tool, variant.kex), hosts, "true", ctx.control_dir())
        run_dir = ctx.run_dir("probe", "kex", variant, 0)
        marks = ctx.probe.log_marks()
        sample = measure.run(invocation.argv, tool_env(invocation), run_dir / "stdout", run_dir / "stderr", 120, run_dir)
        ctx.probe.wait_idle()
        algorithms = negotiated(ctx.probe.log_since(marks))
        if sample.returncode != 0 or not algorithms:
            algorithms = {"algorithm": f"(probe failed: exit {sample.returncode}, see {run_dir})"}
        found[variant.label] = algorithms
        ctx.progress(f"probe {variant.label:12} {algorithms.get('algorithm', '?')}")
    return found


# --- scenario 1: `true` on N hosts ------------------------------------------------------------


S1_VARIANTS = [HERD] + tools.peers("pssh", "pdsh", "clush", "ansible")


def scenario_true(ctx: Context, counts: list[int]) -> list[Result]:
    """Scenario 1: `true` on each N hosts of the shared farm."""
    results = []
    for n in counts:
        hosts = HostSet.of(f"shared-{n}", settings.SHARED_FIRST, n).write()
        case = Case("s1", f"N={n}", hosts, ctx.shared, S1_VARIANTS,
                    build=lambda v, run_dir, hosts=hosts: tools.run_command(v, hosts, "true", ctx.control_dir()),
                    timeout=max(120.0, 0.6 * n))
        results += measure_case(ctx, case)
    return results


# --- scenario 2: a 4-step playbook ------------------------------------------------------------


def herd_play_available() -> bool:
    try:
        return subprocess.run([settings.herd_bin(), "play", "--help"], capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def scenario_play(ctx: Context, n: int) -> list[Result]:
    """Scenario 2: herd play vs ansible-playbook on n isolated hosts."""
    hosts = HostSet.of(f"isolated-{n}", settings.ISOLATED_FIRST, n).write()
    return playbook_case(ctx, "s2", hosts, PLAY_REMOTE_DIR, tools.PLAY_BOOKS,
                         verify=lambda run_dir: verify_fetched(run_dir / "playbooks" / "fetched", hosts.names))


def playbook_case(ctx: Context, scenario: str, hosts: HostSet, remote_dir: str, books: tuple[str, str],
                  verify: Callable[[Path], str | None]) -> list[Result]:
    """Scenarios 2 and 7: herd's and Ansible's playbooks of ``books`` on the isolated ``hosts``,
    each run on a clean slate (``remote_dir`` removed on every host) with a fresh copy of the
    playbooks for fetched/ to land beside; herd is skipped, and says so, if this build has no play."""
    n = len(hosts)
    variants = tools.peers("ansible")
    skipped = []
    if herd_play_available():
        variants = [HERD] + variants
    else:
        skipped = [Result(scenario, f"N={n}", HERD, n, "", skipped="herd play not available in this build")]

    def prepare(run_dir: Path) -> None:
        for _, address in hosts.hosts:
            shutil.rmtree(ctx.isolated.private_path(address, remote_dir), ignore_errors=True)
        shutil.copytree(settings.PLAYBOOK_DIR, run_dir / "playbooks")

    case = Case(scenario, f"N={n}", hosts, ctx.isolated, variants,
                build=lambda v, run_dir: tools.play(v, hosts, run_dir / "playbooks", ctx.control_dir(), books),
                timeout=900.0, prepare=prepare, verify=verify)
    return skipped + measure_case(ctx, case)


def verify_fetched(folder: Path, names: list[str]) -> str | None:
    """Every host's app.conf came back, rendered for that host."""
    seen = set()
    for path in folder.rglob("app.conf*"):
        first = path.read_text(errors="replace").split("\n", 1)[0]
        seen.add(first.split(" for ", 1)[-1].split(",", 1)[0])
    missing = [name for name in names if name not in seen]
    if missing:
        return f"{len(missing)}/{len(names)} hosts' fetched app.conf missing or wrong (first: {missing[0]})"
    return None


# --- scenario 7: loop, notify and a templated put ------------------------------------------------


def scenario_flow(ctx: Context, n: int) -> list[Result]:
    """Scenario 7: herd play vs ansible-playbook on n isolated hosts, with a loop, a templated put
    that notifies a handler, and the handler; every run starts on clean hosts, so the handler runs."""
    hosts = HostSet.of(f"isolated-{n}", settings.ISOLATED_FIRST, n).write()
    return playbook_case(ctx, "s7", hosts, FLOW_REMOTE_DIR, tools.FLOW_BOOKS,
                         verify=lambda run_dir: verify_flow(
                             [(name, ctx.isolated.private_path(address, FLOW_REMOTE_DIR)) for name, address in hosts.hosts]))


def verify_flow(hosts: list[tuple[str, Path]]) -> str | None:
    """On every host: the looped folders, the config rendered for that host, and the handler's
    line written exactly once."""
    for name, folder in hosts:
        missing = [f for f in FLOW_FOLDERS if not (folder / f).is_dir()]
        if missing:
            return f"{name}: folder {FLOW_REMOTE_DIR}/{missing[0]} missing (the loop did not run every item)"
        conf = folder / "conf" / "app.conf"
        first = conf.read_text(errors="replace").split("\n", 1)[0] if conf.is_file() else ""
        if f"for {name}," not in first:
            return f"{name}: {FLOW_REMOTE_DIR}/conf/app.conf missing or not rendered for it"
        restarts = folder / "restarts"
        if not restarts.is_file() or restarts.read_text() != "restarted\n":
            return f"{name}: the handler did not run exactly once ({FLOW_REMOTE_DIR}/restarts)"
    return None


# --- scenario 3: put one file to many hosts --------------------------------------------------


S3_VARIANTS = [HERD] + tools.peers("pscp", "clush")


def payload(size: int) -> tuple[Path, str]:
    """A file of ``size`` random bytes (made once) and its sha256."""
    path = settings.WORK_DIR / "put" / f"payload-{size // MB}MB.bin"
    if not path.exists() or path.stat().st_size != size:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            for _ in range(size // MB):
                f.write(os.urandom(MB))
    return path, sha256(path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def scenario_put(ctx: Context, size_mb: int, n: int) -> list[Result]:
    """Scenario 3: one size_mb file to n isolated hosts; each host's copy is checked."""
    hosts = HostSet.of(f"isolated-{n}", settings.ISOLATED_FIRST, n).write()
    local, digest = payload(size_mb * MB)
    copies = [ctx.isolated.private_path(address, PUT_REMOTE) for _, address in hosts.hosts]

    def prepare(run_dir: Path) -> None:
        for copy in copies:
            copy.unlink(missing_ok=True)

    def verify(run_dir: Path) -> str | None:
        bad = [c for c in copies if not c.exists() or sha256(c) != digest]
        return f"{len(bad)}/{n} hosts' copies missing or corrupt" if bad else None

    case = Case("s3", f"{size_mb} MB to {n} hosts", hosts, ctx.isolated, S3_VARIANTS,
                build=lambda v, run_dir: tools.put_file(v, hosts, local, PUT_REMOTE),
                timeout=600.0, payload_bytes=size_mb * MB * n, prepare=prepare, verify=verify)
    return measure_case(ctx, case)


# --- scenario 4: 1 GB of stdout from one host -------------------------------------------------


S4_VARIANTS = [HERD, Variant("ssh"), Variant("pdsh")]


def scenario_stream(ctx: Context, total_bytes: int) -> list[Result]:
    """Scenario 4: total_bytes of 100-byte lines from one host, stdout to /dev/null."""
    hosts = HostSet.of("isolated-1", settings.ISOLATED_FIRST, 1).write()
    command = f"yes {STREAM_LINE} | head -c {total_bytes}"
    case = Case("s4", f"{total_bytes // MB} MB", hosts, ctx.isolated, S4_VARIANTS,
                build=lambda v, run_dir: tools.run_command(v, hosts, command, ctx.control_dir()),
                timeout=600.0, capture_stdout=False, payload_bytes=total_bytes)
    return measure_case(ctx, case)


# --- scenario 5: 200 hosts behind one bastion --------------------------------------------------


class LabBastion:
    """Scenario 5's hosts: the lab's (lab/lab.sh), not a farm of the harness's own. Its sshd logs and
    CPU are not the harness's to read, so there is no login count and no sshd CPU: success is what
    the tool reports per host."""

    cpu_method = "not measured (the lab's sshd processes)"

    def log_marks(self) -> None:
        return None

    def cpu_seconds(self) -> float:
        return 0.0

    def wait_idle(self) -> bool:
        return True

    def accepted_since(self, marks: None) -> None:
        return None


S5_VARIANTS = [HERD, Variant("pssh")]


def lab_problem() -> str | None:
    """Why scenario 5 cannot run (the lab is not up), or None."""
    for path in (settings.LAB_KEY, settings.LAB_KNOWN_HOSTS, settings.LAB_DIR / "bastion.ini"):
        if not path.exists():
            return f"the lab is not up ({path} missing: start it with lab/lab.sh up, or set HERD_LAB)"
    return None


def scenario_bastion(ctx: Context, n: int) -> list[Result]:
    """Scenario 5: `true` on n inventory names (b001…) spread over the lab's 48 hosts behind its
    bastion (stock sshd, MaxStartups 10:30:100), herd and pssh with ProxyJump at forks 64."""
    case_name = f"N={n} via bastion"
    problem = lab_problem()
    if problem:
        return [Result("s5", case_name, v, n, "", skipped=problem) for v in S5_VARIANTS]
    hosts = HostSet.behind(n).write_bastion()
    case = Case("s5", case_name, hosts, LabBastion(), S5_VARIANTS,
                build=lambda v, run_dir: tools.bastion_run(v, hosts, "true"), timeout=600.0)
    return measure_case(ctx, case)


# --- scenario 6: scale, against the lab's h1 ------------------------------------------------------


class LabHosts(LabBastion):
    """Scenario 6's hosts: the lab's h1 and the fault lab, not the harness's; no login count, no sshd CPU."""


S6_PSSH = Variant("pssh")

# The machine's busy share with nothing of the benchmark running, sampled before and after scenario 6
# (its "other load %" cannot tell foreign work from the lab's sshd, which serves every login).
S6_IDLE_BUSY: dict[str, float] = {}


def idle_busy_pct(seconds: float = 5.0) -> float:
    """The share of the machine's CPU busy over ``seconds`` while the harness itself sleeps."""
    before, clock = measure.machine_busy_seconds(), time.monotonic()
    time.sleep(seconds)
    used = measure.machine_busy_seconds() - before
    return 100 * used / ((time.monotonic() - clock) * len(os.sched_getaffinity(0)))


def scale_known_hosts() -> Path:
    """A copy of the lab's known_hosts (herd adds keys it has not seen: the lab's file stays as it is)."""
    path = settings.WORK_DIR / "s6-known_hosts"
    shutil.copyfile(settings.LAB_KNOWN_HOSTS, path)
    return path


def scale_problem() -> str | None:
    """Why scenario 6 cannot run (the lab or its fault lab is not up), or None."""
    for path in (settings.LAB_KNOWN_HOSTS, settings.LAB_DIR / "inventory.ini", settings.LAB_DIR / "faults.ini"):
        if not path.exists():
            return f"the lab is not up ({path} missing: start it with lab/lab.sh up, or set HERD_LAB)"
    return None


def tallied(tally, ok: int, failed: int):
    """A check: exactly ``ok`` hosts ok and ``failed`` failed, whatever the exit code (row 3 expects failures)."""
    def check(rc: int, out: str, err: str) -> str | None:
        got = tally(rc, out, err)
        return None if got == (ok, failed) else f"exit code {rc}, {got[0]} ok, {got[1]} failed; expected {ok} ok, {failed} failed"
    return check


def scenario_scale(ctx: Context) -> list[Result]:
    """Scenario 6: the rows of issue 13 against the lab's h1 (password auth) and the fault lab.

    1. `true` on N names (settings.SCALE_RUN_N), herd vs pssh (pssh at the largest N only if its
       smaller run projects, linearly, to within settings.SCALE_PEER_BUDGET); forks 64.
    2. herd play, 4 steps, on 1000 names under `ulimit -n 1024`.
    3. 900 healthy names alone, then with 100 silent endpoints, `--connect-timeout 5`, forks 64.
    4. 1000 names at forks 256, herd vs pssh, settings.SCALE_BUSY_REPS repetitions each.
    """
    problem = scale_problem()
    if problem:
        return [Result("s6", "scale", v, 0, "", skipped=problem) for v in (HERD, S6_PSSH)]
    known = scale_known_hosts()
    S6_IDLE_BUSY["before"] = idle_busy_pct()
    once = replace(ctx, reps=1)
    results: list[Result] = []
    forks = settings.FORKS

    def run_case(name: str, hosts: HostSet, variants: list[Variant], forks: int, timeout: float,
                 context: Context = once, extra: list[str] = (), check=None) -> list[Result]:
        def build(v: Variant, run_dir: Path) -> Invocation:
            invocation = tools.scale_run(v, hosts, known, forks, len(hosts), list(extra))
            if check:
                invocation.check = check
            return invocation
        return measure_case(context, Case("s6", name, hosts, LabHosts(), variants, build=build, timeout=timeout))

    # Row 1: ad hoc at scale, smallest N first: the peer's run there decides whether it runs the largest.
    peer_wall = None
    for n in sorted(settings.SCALE_RUN_N):
        hosts = HostSet.scale(f"scale-{n}", n).write_scale()
        variants = [HERD]
        if peer_wall is None or n == min(settings.SCALE_RUN_N):
            variants.append(S6_PSSH)
        elif peer_wall * n / min(settings.SCALE_RUN_N) <= settings.SCALE_PEER_BUDGET:
            variants.append(S6_PSSH)
        else:
            projected = peer_wall * n / min(settings.SCALE_RUN_N)
            results.append(Result("s6", f"run N={n}", S6_PSSH, n, "",
                                  skipped=f"not run: its N={min(settings.SCALE_RUN_N)} run projects to "
                                          f"{projected:.0f} s here (budget {settings.SCALE_PEER_BUDGET:.0f} s)"))
        found = run_case(f"run N={n}", hosts, variants, forks, timeout=settings.SCALE_PEER_BUDGET * 1.5)
        results += found
        if n == min(settings.SCALE_RUN_N):
            pssh = next((r for r in found if r.variant == S6_PSSH and r.samples), None)
            peer_wall = pssh.samples[0].wall if pssh and pssh.ok else float("inf")
    for n in settings.SCALE_HERD_ONLY_N:
        hosts = HostSet.scale(f"scale-{n}", n).write_scale()
        results += run_case(f"run N={n}", hosts, [HERD], forks, timeout=900.0)

    # Row 2: the playbook under a low open-files limit.
    n = settings.SCALE_PLAY_N
    hosts = HostSet.scale(f"scale-{n}", n).write_scale()
    playbook = settings.PLAYBOOK_DIR / "scale.yml"
    case = Case("s6", f"play N={n} ulimit -n {settings.SCALE_OPEN_FILES}", hosts, LabHosts(), [HERD],
                build=lambda v, run_dir: tools.scale_play(hosts, known, playbook, forks, settings.SCALE_OPEN_FILES),
                timeout=900.0)
    results += measure_case(once, case)

    # Row 3: silent hosts among healthy ones.
    healthy = HostSet.scale(f"scale-{settings.SCALE_HEALTHY}", settings.SCALE_HEALTHY).write_scale()
    mixed = HostSet.scale(f"scale-{settings.SCALE_HEALTHY}-silent", settings.SCALE_HEALTHY,
                          settings.SCALE_SILENT_COPIES).write_scale()
    silent = len(mixed) - len(healthy)
    timeout_flag = ["--connect-timeout", str(settings.SCALE_CONNECT_TIMEOUT)]
    results += run_case(f"{len(healthy)} healthy", healthy, [HERD], forks, 600.0, extra=timeout_flag)
    results += run_case(f"{len(healthy)} healthy + {silent} silent", mixed, [HERD], forks, 600.0, extra=timeout_flag,
                        check=tallied(tools.herd_tally, len(healthy), silent))

    # Row 4: many forks against one busy sshd.
    n = settings.SCALE_BUSY_N
    hosts = HostSet.scale(f"scale-{n}", n).write_scale()
    results += run_case(f"forks {settings.SCALE_BUSY_FORKS} N={n}", hosts, [HERD, S6_PSSH], settings.SCALE_BUSY_FORKS,
                        600.0, context=replace(ctx, reps=settings.SCALE_BUSY_REPS))
    S6_IDLE_BUSY["after"] = idle_busy_pct()
    return results
