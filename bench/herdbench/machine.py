"""What the results were measured on: the machine and every tool's version."""

import os
import platform
import subprocess

from . import settings


def cpu_model() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cores() -> int:
    """Cores this process may run on (what the machine limit divides by)."""
    return len(os.sched_getaffinity(0))


def memory_gib() -> float:
    with open("/proc/meminfo") as f:
        kib = int(f.readline().split()[1])
    return kib / (1 << 20)


def describe() -> dict[str, str]:
    """CPU model, cores, memory, kernel and OS, as table rows."""
    return {
        "CPU": cpu_model(),
        "cores": str(cores()),
        "memory": f"{memory_gib():.0f} GiB",
        "kernel": platform.release(),
        "OS": os_name(),
    }


def load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every number."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def os_name() -> str:
    try:
        with open("/etc/os-release") as f:
            fields = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        return fields.get("PRETTY_NAME", "").strip('"')
    except OSError:
        return platform.system()


def first_line(argv: list[str]) -> str:
    """The first non-empty line a --version style command prints (stdout or stderr)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except OSError as error:
        return f"unavailable ({error.strerror})"
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[0] if lines else "unknown"


def herd_revision() -> str:
    """The git revision herd was built from (+dirty when files outside bench/ have changes)."""
    rev = first_line(["git", "-C", str(settings.REPO_DIR), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(settings.REPO_DIR), "status", "--porcelain", "--untracked-files=no",
                            "--", ".", ":!bench"], capture_output=True, text=True).stdout.strip()
    return rev + ("+dirty" if dirty else "")


def versions() -> dict[str, str]:
    """Every tool's version, as table rows."""
    herd = settings.herd_bin()
    return {
        "herd": f"{first_line([herd, '--version'])} (git {herd_revision()}, binary {herd.replace(str(settings.REPO_DIR) + '/', '')})",
        "OpenSSH (client and sshd)": first_line(["ssh", "-V"]),
        "pssh (parallel-ssh, parallel-scp)": first_line(["parallel-ssh", "--version"]),
        "pdsh": first_line(["pdsh", "-V"]),
        "ClusterShell (clush)": first_line(["clush", "--version"]),
        "ansible-core": first_line([settings.venv_tool("ansible"), "--version"]),
        "Python (harness, Ansible)": platform.python_version(),
    }
