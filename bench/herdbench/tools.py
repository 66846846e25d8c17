"""The tools under test: the exact command each runs per scenario, and how to tell it succeeded.

A ``Variant`` is a tool with one SSH setting: herd with its defaults, each OpenSSH-based
peer once with OpenSSH's defaults and once with ``-o KexAlgorithms=curve25519-sha256``.
Every OpenSSH-based tool gets the same options (``ssh_options``): host-key checking off,
the bench key, the bench port, batch mode. herd gets the same through its inventory and
``--host-key-checking off``. Every tool runs with fanout/forks 64.

A builder returns an ``Invocation``: argv, extra environment, and ``check``, which reads
the tool's exit code and output and returns what went wrong (None when every host succeeded).
"""

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import farm, settings
from .hosts import HostSet

KEX_OPTIONS = ["-o", f"KexAlgorithms={settings.KEX_ALGORITHM}"]
HOST_KEY_OFF = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]

Check = Callable[[int, str, str], str | None]
Tally = Callable[[int, str, str], tuple[int, int]]  # (hosts ok, hosts failed) from exit code, stdout, stderr


@dataclass(frozen=True)
class Variant:
    """A tool and its SSH setting."""

    tool: str
    kex: bool = False

    @property
    def label(self) -> str:
        return f"{self.tool} +kex" if self.kex else self.tool

    @property
    def setting(self) -> str:
        if self.kex:
            return f"-o KexAlgorithms={settings.KEX_ALGORITHM}"
        return "defaults"


HERD = Variant("herd")


def peers(*tools: str) -> list[Variant]:
    """Each OpenSSH-based tool twice: defaults, then curve25519-sha256 forced."""
    return [Variant(tool, kex) for tool in tools for kex in (False, True)]


@dataclass
class Invocation:
    """One command to run and how to judge its output."""

    argv: list[str]
    check: Check
    env: dict[str, str] = field(default_factory=dict)
    tally: Tally | None = None  # scenarios 5-6: how many hosts succeeded and failed, even in a failed run
    note: Callable[[int, str, str], str] | None = None  # scenario 6: a line of the tool's output to report

    def shell(self) -> str:
        """The command as one would type it (paths relative to the repo)."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        text = " ".join(shlex.quote(a) for a in self.argv)
        text = f"{env} {text}" if env else text
        return text.replace(str(settings.REPO_DIR) + "/", "")


def ssh_options(variant: Variant) -> list[str]:
    """The OpenSSH client options every OpenSSH-based peer gets."""
    options = HOST_KEY_OFF + ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                              "-o", f"IdentityFile={farm.CLIENT_KEY}", "-o", f"Port={settings.PORT}"]
    return options + (KEX_OPTIONS if variant.kex else [])


def exit_zero(rc: int, out: str, err: str) -> str | None:
    return None if rc == 0 else f"exit code {rc}: {last_line(err or out)}"


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


def counted(marker: str, expected: int) -> Check:
    """Exit code 0 and ``marker`` printed once per host."""
    def check(rc: int, out: str, err: str) -> str | None:
        found = out.count(marker)
        if rc != 0 or found != expected:
            return f"exit code {rc}, {found}/{expected} hosts reported {marker.strip()!r}: {last_line(err or out)}"
        return None
    return check


def herd_common(hosts: HostSet) -> list[str]:
    return ["-i", str(hosts.herd_inventory), "-g", "all", "--forks", str(settings.FORKS), "--host-key-checking", "off"]


def pssh_common(variant: Variant, hosts: HostSet) -> list[str]:
    return ["-h", str(hosts.address_file), "-l", settings.USER, "-p", str(settings.FORKS),
            "-x", shlex.join(ssh_options(variant))]


def clush_common(variant: Variant, hosts: HostSet) -> list[str]:
    return ["clush", "-f", str(settings.FORKS), "-S", "-l", settings.USER,
            "-o", shlex.join(ssh_options(variant)), "--hostfile", str(hosts.address_file)]


def ansible_env(control_dir: Path) -> dict[str, str]:
    """Ansible's settings: host-key checking off, pipelining on, a fresh ControlPersist dir."""
    return {
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir),
        "ANSIBLE_LOCAL_TEMP": str(settings.WORK_DIR / "ansible-local"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CONFIG": str(empty_ansible_cfg()),
    }


def empty_ansible_cfg() -> Path:
    """An empty ansible.cfg, so no ansible.cfg lying around changes Ansible's defaults."""
    path = settings.WORK_DIR / "ansible.cfg"
    if not path.exists():
        path.write_text("# empty on purpose: Ansible's defaults (see bench/herdbench/tools.py)\n")
    return path


def ansible_ssh_args(variant: Variant) -> list[str]:
    """Ansible's ansible_ssh_common_args: host-key checking off (+ the forced kex)."""
    return ["--ssh-common-args=" + shlex.join(HOST_KEY_OFF + (KEX_OPTIONS if variant.kex else []))]


def run_command(variant: Variant, hosts: HostSet, command: str, control_dir: Path) -> Invocation:
    """Scenario 1 (and the probe): run ``command`` on every host."""
    n = len(hosts)
    match variant.tool:
        case "herd":
            return Invocation([settings.herd_bin(), "run", *herd_common(hosts), "--cmd", command], check=exit_zero)
        case "pssh":
            return Invocation(["parallel-ssh", *pssh_common(variant, hosts), command], check=counted("[SUCCESS]", n))
        case "pdsh":
            return Invocation(["pdsh", "-R", "ssh", "-f", str(settings.FORKS), "-S", "-l", settings.USER,
                               "-w", "^" + str(hosts.address_file), command],
                              env={"PDSH_SSH_ARGS_APPEND": shlex.join(ssh_options(variant))}, check=exit_zero)
        case "clush":
            return Invocation([*clush_common(variant, hosts), command], check=exit_zero)
        case "ansible":
            return Invocation([settings.venv_tool("ansible"), "all", "-i", str(hosts.ansible_inventory),
                               "-m", "raw", "-a", command, "-f", str(settings.FORKS), *ansible_ssh_args(variant)],
                              env=ansible_env(control_dir), check=counted("| CHANGED | rc=0", n))
        case "ssh":
            (address,) = [a for _, a in hosts.hosts]
            return Invocation(["ssh", *ssh_options(variant), "-l", settings.USER, address, command], check=exit_zero)
    raise ValueError(f"no run command for {variant.tool}")


def put_file(variant: Variant, hosts: HostSet, local: Path, remote: str) -> Invocation:
    """Scenario 3: copy ``local`` to ``remote`` on every host."""
    match variant.tool:
        case "herd":
            return Invocation([settings.herd_bin(), "scp", *herd_common(hosts), "--action", "put",
                               "--local", str(local), "--remote", remote], check=exit_zero)
        case "pscp":
            return Invocation(["parallel-scp", *pssh_common(variant, hosts), str(local), remote],
                              check=counted("[SUCCESS]", len(hosts)))
        case "clush":
            return Invocation([*clush_common(variant, hosts), "--copy", str(local), "--dest", remote], check=exit_zero)
    raise ValueError(f"no put command for {variant.tool}")


PLAY_BOOKS = ("herd.yml", "ansible.yml")  # scenario 2: the 4-step playbook
FLOW_BOOKS = ("flow-herd.yml", "flow-ansible.yml")  # scenario 7: loop, notify, templated put


def play(variant: Variant, hosts: HostSet, playbooks: Path, control_dir: Path,
         books: tuple[str, str] = PLAY_BOOKS) -> Invocation:
    """Scenarios 2 and 7: herd's or Ansible's playbook of ``books`` (herd's, Ansible's) in folder
    ``playbooks``."""
    herd_book, ansible_book = books
    match variant.tool:
        case "herd":
            return Invocation([settings.herd_bin(), "play", "-i", str(hosts.herd_inventory),
                               "--forks", str(settings.FORKS), "--host-key-checking", "off",
                               str(playbooks / herd_book)], check=exit_zero)
        case "ansible":
            return Invocation([settings.venv_tool("ansible-playbook"), "-i", str(hosts.ansible_inventory),
                               "-f", str(settings.FORKS), *ansible_ssh_args(variant), str(playbooks / ansible_book)],
                              env=ansible_env(control_dir), check=exit_zero)
    raise ValueError(f"no playbook command for {variant.tool}")


# --- scenario 5: behind the lab's bastion ------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HERD_RECAP = re.compile(r"herd: (\d+) hosts?: (\d+) ok")


def herd_tally(rc: int, out: str, err: str) -> tuple[int, int]:
    """From herd's recap on stderr: `herd: 200 hosts: 190 ok, 10 unreachable in 3.1s`."""
    found = HERD_RECAP.findall(ANSI.sub("", err))
    if not found:
        return 0, 0
    total, ok = (int(x) for x in found[-1])
    return ok, total - ok


def pssh_tally(rc: int, out: str, err: str) -> tuple[int, int]:
    """pssh prints one `[SUCCESS]` or `[FAILURE]` line per host."""
    return out.count("[SUCCESS]"), out.count("[FAILURE]")


def all_of(tally: Tally, expected: int) -> Check:
    """Exit code 0 and every one of ``expected`` hosts counted ok by ``tally``."""
    def check(rc: int, out: str, err: str) -> str | None:
        ok, failed = tally(rc, out, err)
        if rc != 0 or ok != expected:
            return f"exit code {rc}, {ok}/{expected} hosts ok, {failed} failed: {last_line(err or out)}"
        return None
    return check


def bastion_run(variant: Variant, hosts: HostSet, command: str) -> Invocation:
    """Scenario 5: ``command`` on every host behind the lab's bastion, host keys checked against the
    lab's known_hosts. pssh's ssh gets the options as ``-O`` and, for the second ssh that ProxyJump
    starts (which sees ``-F`` but not ``-O``), the same in the generated ssh_config."""
    n = len(hosts)
    match variant.tool:
        case "herd":
            return Invocation([settings.herd_bin(), "run", "-i", str(hosts.herd_inventory), "-g", "behind",
                               "--forks", str(settings.FORKS), "--known-hosts", str(settings.LAB_KNOWN_HOSTS),
                               "--ssh-config", "none", "--cmd", command],
                              check=all_of(herd_tally, n), tally=herd_tally)
        case "pssh":
            options = [f"ProxyJump={settings.BASTION}", f"UserKnownHostsFile={settings.LAB_KNOWN_HOSTS}",
                       "StrictHostKeyChecking=yes", f"IdentityFile={settings.LAB_KEY}", "IdentitiesOnly=yes",
                       "BatchMode=yes"]
            return Invocation(["parallel-ssh", "-h", str(hosts.address_file), "-p", str(settings.FORKS), "-t", "60",
                               "-x", f"-F {hosts.ssh_config}", *[x for o in options for x in ("-O", o)],
                               "-l", settings.BEHIND_USER, command],
                              check=all_of(pssh_tally, n), tally=pssh_tally)
    raise ValueError(f"no bastion command for {variant.tool}")


# --- scenario 6: scale, against the lab's h1 ------------------------------------------------------

HERD_SESSIONS_NOTE = re.compile(r"herd: held at most \d+ SSH sessions[^\n]*")


def herd_sessions_note(rc: int, out: str, err: str) -> str:
    """The note herd prints when a playbook held fewer SSH sessions than it had hosts (or '')."""
    found = HERD_SESSIONS_NOTE.findall(ANSI.sub("", err))
    return found[-1] if found else ""


def scale_herd(hosts: HostSet, known_hosts: Path, forks: int, extra: list[str], command: list[str]) -> list[str]:
    group = ["-g", "scale"] if command == ["run"] else []  # play: the playbook names its hosts
    return [settings.herd_bin(), *command, "-i", str(hosts.herd_inventory), *group, "--forks", str(forks),
            "--known-hosts", str(known_hosts), "--ssh-config", "none", *extra]


def scale_run(variant: Variant, hosts: HostSet, known_hosts: Path, forks: int, expected: int,
              extra: list[str] = ()) -> Invocation:
    """Scenario 6: `true` on every name (password auth on the lab's h1), host keys checked against a
    copy of the lab's known_hosts. pssh gets the password once (`-A`) from sshpass (`-e`: $SSHPASS)."""
    match variant.tool:
        case "herd":
            return Invocation(scale_herd(hosts, known_hosts, forks, list(extra), ["run"]) + ["--cmd", "true"],
                              check=all_of(herd_tally, expected), tally=herd_tally)
        case "pssh":
            ssh = ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
                   "-o", "PubkeyAuthentication=no", "-o", "LogLevel=ERROR"]
            return Invocation(["sshpass", "-e", "parallel-ssh", "-A", "-h", str(hosts.address_file),
                               "-l", settings.SCALE_USER, "-p", str(forks), "-t", "120", "-x", shlex.join(ssh), "true"],
                              env={"SSHPASS": settings.SCALE_PASSWORD},
                              check=all_of(pssh_tally, expected), tally=pssh_tally)
    raise ValueError(f"no scale command for {variant.tool}")


def scale_play(hosts: HostSet, known_hosts: Path, playbook: Path, forks: int, open_files: int) -> Invocation:
    """Scenario 6: herd play under `ulimit -n open_files` (a shell sets it, then execs herd)."""
    herd = scale_herd(hosts, known_hosts, forks, [str(playbook)], ["play"])
    script = f"ulimit -n {open_files} && exec {shlex.join(herd)}"
    return Invocation(["sh", "-c", script], check=all_of(herd_tally, len(hosts)), tally=herd_tally,
                      note=herd_sessions_note)
