"""CPU accounting of an sshd farm: a cgroup (v2) holding the listening sshd processes.

Every process sshd forks for a connection inherits the group, however it ends: the
monitor, the user's session process and the user's shell. Summing the listeners'
utime+stime+cutime+cstime from /proc misses part of that: the session side of a
connection never reaches the listener's cutime (a command burning 2 s of CPU adds 0.02 s
to it), which undercounted the sshd side of scenario 1 by about a quarter.

Where no cgroup v2 hierarchy is writable, ``CpuGroup.create`` returns None and the farm
falls back to the /proc sums; the report says which was used.
"""

from pathlib import Path

PREFIX = "herd-bench-"


def cgroup2_root() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (``/sys/fs/cgroup`` or, on hybrid systems,
    ``/sys/fs/cgroup/unified``), or None."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        dash = fields.index("-")
        if fields[dash + 1] == "cgroup2":
            return Path(fields[4])
    return None


class CpuGroup:
    """One cgroup; the CPU its processes and all their descendants used, in seconds."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, name: str) -> "CpuGroup | None":
        root = cgroup2_root()
        if root is None:
            return None
        path = root / (PREFIX + name)
        try:
            path.mkdir(exist_ok=True)
            (path / "cpu.stat").read_text()
        except OSError:
            return None
        return cls(path)

    def add(self, pid: int) -> None:
        """Moves pid (and so every process it forks from now on) into the group."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def cpu_seconds(self) -> float:
        for line in (self.path / "cpu.stat").read_text().splitlines():
            key, value = line.split()
            if key == "usage_usec":
                return int(value) / 1e6
        raise RuntimeError(f"{self.path}/cpu.stat has no usage_usec")


def remove_all() -> None:
    """Removes the empty groups of earlier runs (call after their sshd processes ended)."""
    root = cgroup2_root()
    if root is None:
        return
    for path in root.glob(PREFIX + "*"):
        try:
            path.rmdir()
        except OSError:
            pass  # processes still inside: a later teardown removes it
