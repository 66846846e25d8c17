"""Run one command and measure it: wall time, client CPU, peak RSS.

CPU is the tool's own plus every descendant's, from ``os.wait4`` (which includes the
children the tool reaped). A descendant that outlives the tool (Ansible's ControlPersist
ssh masters) is reparented to this process, which ``become_subreaper`` makes a child
subreaper: after the tool exits, ``run`` ends such leftovers and adds their CPU too.
Peak RSS is the largest single process of the tree, as GNU time reports it. It cannot come
from this process's own ``wait4``: Linux carries the peak RSS of a process over ``exec``, so
every child forked from this Python process would report at least the harness's own size.
GNU time is small, so what it forks starts small and its ``%M`` is the tool's.
"""

import ctypes
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .farm import children_of

PR_SET_CHILD_SUBREAPER = 36


def machine_busy_seconds() -> float:
    """CPU seconds the machine's cores have spent running processes since boot (/proc/stat), plus
    steal (a hypervisor running something else). Interrupt time is left out: the kernel does not
    charge it to processes either, and loopback traffic makes plenty of it."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = fields[:8]
    return (user + nice + system + steal) / os.sysconf("SC_CLK_TCK")


def become_subreaper() -> None:
    """Makes orphaned descendants of this process its children (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


@dataclass
class Sample:
    """One measured run of one command."""

    wall: float
    cpu: float
    maxrss_kb: int
    returncode: int | None
    timed_out: bool


@dataclass
class Usage:
    """CPU seconds and peak RSS gathered from reaped processes."""

    cpu: float = 0.0
    maxrss_kb: int = 0

    def add(self, rusage) -> None:
        self.cpu += rusage.ru_utime + rusage.ru_stime
        self.maxrss_kb = max(self.maxrss_kb, rusage.ru_maxrss)


TIME = "/usr/bin/time"


def run(argv: list[str], env: dict[str, str], stdout: Path | None, stderr: Path,
        timeout: float, cwd: Path) -> Sample:
    """Runs argv to completion (killing its process group after ``timeout`` s) and measures it.

    stdout goes to the file ``stdout``, or to /dev/null when it is None.
    """
    usage = Usage()
    timed_out = threading.Event()
    peak_file = stderr.with_name("peak-rss-kb")
    argv = [TIME, "--quiet", "--format=%M", f"--output={peak_file}", "--", *argv]
    with open(stdout or os.devnull, "wb") as out, open(stderr, "wb") as err:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
        except OSError as error:  # e.g. the binary is missing: a failed run, like exit 127 from a shell
            err.write(f"cannot start {argv[0]}: {error.strerror}\n".encode())
            return Sample(0.0, 0.0, 0, 127, False)
        timer = threading.Timer(timeout, _expire, (proc.pid, timed_out))
        timer.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - start
        except BaseException:  # Ctrl-C or SIGTERM: take the tool down with us
            _expire(proc.pid, timed_out)
            raise
        finally:
            timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    usage.add(rusage)
    usage.maxrss_kb = peak_kb(peak_file)  # not the rusage's: see the module's docstring
    reap_leftovers(usage)
    return Sample(wall, usage.cpu, usage.maxrss_kb, proc.returncode, timed_out.is_set())


def peak_kb(path: Path) -> int:
    """The peak RSS GNU time wrote (0 if it wrote none: the tool was killed or never started)."""
    try:
        return int(path.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return 0


def _expire(pid: int, flag: threading.Event) -> None:
    flag.set()
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def reap_leftovers(usage: Usage, grace: float = 5.0) -> None:
    """Ends the descendants that outlived the tool (SIGTERM, then SIGKILL) and adds their usage."""
    me = {os.getpid()}
    deadline = time.monotonic() + grace
    while leftovers := children_of(me):
        sig = signal.SIGTERM if time.monotonic() < deadline else signal.SIGKILL
        for pid in leftovers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        while True:
            try:
                pid, _, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            usage.add(rusage)
