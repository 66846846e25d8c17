#!/usr/bin/env python3
"""herd lab: an SSH server whose only key exchange is mlkem768x25519-sha256 (AsyncSSH).

OpenSSH 9.2 (Debian bookworm) has no ML-KEM, so this server is AsyncSSH, run from the venv that
`lab/lab.sh up` makes in lab/state/mlkem/venv (versions pinned in lab/mlkem-requirements.txt).
AsyncSSH offers ML-KEM through pyca/cryptography's ML-KEM (the OpenSSL its wheels bundle).

It binds ADDR:PORT as root, writes PIDFILE, then drops to the local user USER for good (groups,
gid, uid), so everything a client does runs as that real user, as with sshd:
  - exec requests run `/bin/sh -c COMMAND` in USER's home with a clean environment, stdout and
    stderr streamed as they come, stdin passed on, signal requests sent to the command's
    process group, and the exit status (or exit signal) returned;
  - a shell request runs /bin/sh;
  - the sftp subsystem is AsyncSSH's SFTPServer, not chrooted, starting in USER's home.
Authentication: password only (the password comes in the environment variable
HERD_MLKEM_PASSWORD). Host key: HOSTKEY (OpenSSH format).

Usage: mlkem_server.py ADDR PORT HOSTKEY USER PIDFILE
"""

import asyncio
import hmac
import os
import pwd
import resource
import signal
import sys

import asyncssh

KEX = ["mlkem768x25519-sha256"]
CHUNK = 64 * 1024
PASSWORD = os.environ.pop("HERD_MLKEM_PASSWORD", "")


class Server(asyncssh.SSHServer):
    def __init__(self, user):
        self._user = user

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return bool(PASSWORD) and username == self._user and hmac.compare_digest(
            password.encode(), PASSWORD.encode()
        )


def user_env(pw):
    return {
        "HOME": pw.pw_dir,
        "USER": pw.pw_name,
        "LOGNAME": pw.pw_name,
        "SHELL": "/bin/sh",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }


async def handle(process):
    pw = pwd.getpwuid(os.getuid())
    if process.command is not None:
        argv = ["/bin/sh", "-c", process.command]
    else:
        argv = ["/bin/sh"]
    env = user_env(pw)
    env.update({k: v for k, v in (process.env or {}).items() if isinstance(k, str) and isinstance(v, str)})
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=pw.pw_dir,
            env=env,
            start_new_session=True,  # its own process group, for signal requests
        )
    except OSError as exc:
        process.stderr.write(f"mlkem lab: cannot run the command: {exc}\n".encode())
        process.exit(127)
        return

    async def out(src, dst):
        while True:
            data = await src.read(CHUNK)
            if not data:
                break
            dst.write(data)
            await dst.drain()

    async def inp():
        try:
            while True:
                try:
                    data = await process.stdin.read(CHUNK)
                except asyncssh.SignalReceived as exc:
                    signum = getattr(signal, "SIG" + exc.signal, None)
                    if signum is not None:
                        try:
                            os.killpg(proc.pid, signum)
                        except ProcessLookupError:
                            pass
                    continue
                except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
                    continue
                if not data:
                    break
                proc.stdin.write(data)
                await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError, asyncssh.DisconnectError):
            pass
        finally:
            proc.stdin.close()

    stdin_task = asyncio.create_task(inp())
    try:
        await asyncio.gather(out(proc.stdout, process.stdout), out(proc.stderr, process.stderr))
        status = await proc.wait()
    finally:
        if proc.returncode is None:  # the client went away first: end the command, as sshd would
            try:
                os.killpg(proc.pid, signal.SIGHUP)
            except ProcessLookupError:
                pass
        stdin_task.cancel()
    if status >= 0:
        process.exit(status)
    else:
        name = signal.Signals(-status).name[3:]
        process.exit_with_signal(name, False, "", "")


def sftp_server(chan):
    return asyncssh.SFTPServer(chan)


async def serve(addr, port, hostkey, user, pidfile):
    pw = pwd.getpwnam(user)
    key = asyncssh.read_private_key(hostkey)
    await asyncssh.create_server(
        lambda: Server(user),
        addr,
        port,
        server_host_keys=[key],
        kex_algs=KEX,
        process_factory=handle,
        sftp_factory=sftp_server,
        encoding=None,
        line_editor=False,
        allow_scp=False,
        reuse_address=True,
        backlog=1024,
    )
    with open(pidfile + ".new", "w") as out:
        out.write(f"{os.getpid()}\n")
    os.replace(pidfile + ".new", pidfile)
    # Drop to the user for good: what clients do runs as that user, not as root.
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    os.chdir(pw.pw_dir)
    os.environ.clear()
    os.environ.update(user_env(pw))
    os.umask(0o022)
    print(f"mlkem lab: listening on {addr}:{port} as {user}, kex {KEX}", flush=True)
    await asyncio.Event().wait()


def main(argv):
    if len(argv) != 6:
        sys.exit("usage: mlkem_server.py ADDR PORT HOSTKEY USER PIDFILE")
    addr, port, hostkey, user, pidfile = argv[1:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    asyncio.run(serve(addr, int(port), hostkey, user, pidfile))


if __name__ == "__main__":
    main(sys.argv)
