#!/usr/bin/env python3
"""herd lab: a TCP relay from the main network namespace into the lab's own namespace.

Started by `lab/lab.sh up`. It binds its listening socket in the namespace it starts in (the
host's), then joins the network namespace NETNS (setns(2) through libc: Python 3.11 has no
os.setns), so every connection it opens to TARGET is made inside that namespace. That is how
the bastion (inside `herd-lab-behind`) is reachable at 127.0.0.30:22 while the hosts behind it
are not. Python standard library only; one process, asyncio.

Usage: nsrelay.py LISTEN_ADDR LISTEN_PORT NETNS_FILE TARGET_ADDR TARGET_PORT PIDFILE
The pid file is written once the listener is bound and the namespace joined.
"""

import asyncio
import ctypes
import os
import resource
import socket
import sys

CLONE_NEWNET = 0x40000000
CHUNK = 256 * 1024


def enter_netns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def relay_to(target):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*target)
        except OSError:
            client_writer.transport.abort()
            return

        async def pump(reader, writer):
            try:
                while True:
                    data = await reader.read(CHUNK)
                    if not data:
                        break
                    writer.write(data)
                    await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()  # pass the half-close on, as a plain TCP path would
            except OSError:
                writer.transport.abort()

        await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))
        for writer in (client_writer, server_writer):
            writer.close()

    return handle


async def serve(sock, target, pidfile):
    server = await asyncio.start_server(relay_to(target), sock=sock)
    with open(pidfile + ".new", "w") as out:
        out.write(f"{os.getpid()}\n")
    os.replace(pidfile + ".new", pidfile)
    await server.serve_forever()


def main(argv):
    if len(argv) != 7:
        sys.exit("usage: nsrelay.py LISTEN_ADDR LISTEN_PORT NETNS_FILE TARGET_ADDR TARGET_PORT PIDFILE")
    listen_addr, listen_port, netns, target_addr, target_port, pidfile = argv[1:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((listen_addr, int(listen_port)))
    sock.listen(1024)
    sock.setblocking(False)
    enter_netns(netns)  # before any thread exists: the whole process moves; the listener stays
    asyncio.run(serve(sock, (target_addr, int(target_port)), pidfile))


if __name__ == "__main__":
    main(sys.argv)
