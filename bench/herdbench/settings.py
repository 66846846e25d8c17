"""Fixed settings of the benchmark: where things live and the numbers every tool shares."""

import ipaddress
import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / "work"
PLAYBOOK_DIR = BENCH_DIR / "playbooks"
VENV_BIN = WORK_DIR / "venv" / "bin"

USER = "herd_bench"
PORT = 2022
FORKS = 64
SSHD = "/usr/sbin/sshd"

# OpenSSH's sshd listens on at most 16 sockets per process (MAX_LISTEN_SOCKS).
ADDRESSES_PER_SSHD = 16

# Scenario 1 hosts: 127.0.1.1, 127.0.1.2, … (N=1000 ends at 127.0.4.232).
SHARED_FIRST = ipaddress.IPv4Address("127.0.1.1")
MAX_SHARED_HOSTS = 7000  # stays below ISOLATED_FIRST
# Scenarios 2-4 hosts: one sshd each, each with its own private /tmp.
ISOLATED_FIRST = ipaddress.IPv4Address("127.0.32.1")
ISOLATED_HOSTS = 200
# One extra sshd at LogLevel DEBUG1 that records which algorithms each tool negotiates.
PROBE_ADDRESS = ipaddress.IPv4Address("127.0.33.1")

KEX_ALGORITHM = "curve25519-sha256"

# Scenario 5 runs against the lab (lab/lab.sh up, started by whoever runs it; the harness never
# starts or stops it): a stock sshd bastion in front of 48 sshd hosts in a network namespace,
# reachable only through the bastion. $HERD_LAB names the lab folder (default: this checkout's lab/).
LAB_DIR = Path(os.environ.get("HERD_LAB") or REPO_DIR / "lab")
LAB_KEY = LAB_DIR / "state" / "keys" / "dave_ed25519"
LAB_KNOWN_HOSTS = LAB_DIR / "state" / "known_hosts"
BASTION = "herd_jump@127.0.0.30"
BASTION_NAME = "bastion"  # its name in scenario 5's herd inventory
BEHIND_USER = "herd_behind"
BEHIND_FIRST = ipaddress.IPv4Address("127.0.1.1")  # inside the lab's namespace, not the scenario 1 farm
BEHIND_ADDRESSES = 48
BASTION_HOSTS = 200


def herd_bin() -> str:
    """The herd binary under test: $HERD_BIN, else this checkout's release build."""
    return os.environ.get("HERD_BIN") or str(REPO_DIR / "target" / "release" / "herd")


def venv_tool(name: str) -> str:
    """A command installed in the benchmark's venv (ansible, ansible-playbook)."""
    return str(VENV_BIN / name)

# Scenario 6 ("scale") also runs against the lab, without a farm of its own: many inventory names
# on the lab's h1 (password auth), and the fault lab's silent endpoints (lab/faults.py).
SCALE_ADDRESS = "127.0.0.11"  # h1
SCALE_PORT = 22
SCALE_USER = "herd_alice"
SCALE_PASSWORD = "alice-lab-pw"  # the lab's own (lab/lab.sh); nothing secret
SCALE_SILENT = ("127.0.0.21", range(22001, 22051))  # accept TCP, never send a byte
SCALE_RUN_N = [1000, 5000]  # row 1: `true` on N names (the peer too, if its N=1000 run projects to <= 5 min)
SCALE_PEER_BUDGET = 330.0  # seconds a peer's projected run at the largest N may take
SCALE_HERD_ONLY_N = [10000]  # row 1: herd alone at these N too
SCALE_PLAY_N = 1000  # row 2: the 4-step playbook under `ulimit -n 1024`
SCALE_OPEN_FILES = 1024
SCALE_HEALTHY = 900  # row 3: healthy names, alone and with 100 silent ones
SCALE_SILENT_COPIES = 2  # each silent port twice: 100 names
SCALE_CONNECT_TIMEOUT = 5
SCALE_BUSY_N = 1000  # row 4: forks 256 against one sshd
SCALE_BUSY_FORKS = 256
SCALE_BUSY_REPS = 2
