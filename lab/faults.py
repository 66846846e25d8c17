#!/usr/bin/env python3
"""herd's fault lab: misbehaving network endpoints on loopback, next to the SSH lab.

Started by `lab/lab.sh up` (or `lab/lab.sh faults-up`); one process, Python standard
library only, listening on 127.0.0.21-24 only:

  127.0.0.20:22              nothing listens: connection refused
  127.0.0.21:22 and          accept TCP, never send a byte (an SSH handshake must time out)
  127.0.0.21:22001-22050
  127.0.0.22:22              send a garbage banner, then close
  127.0.0.23:2222            a flaky link to h2 (127.0.0.12:2222): each connection is cut
                             once CUT_AFTER bytes have passed in either direction
  127.0.0.24:30000-30999     1000 plain relays to h1 (127.0.0.11:22): 1000 distinct
                             host names with h1's key, for known_hosts tests

Usage: faults.py PIDFILE. The pid file is written once every listener is bound.
"""

import asyncio
import os
import resource
import sys

SILENT = [("127.0.0.21", 22)] + [("127.0.0.21", port) for port in range(22001, 22051)]
GARBAGE = ("127.0.0.22", 22)
GARBAGE_BANNER = b"HTTP/1.1 400 Bad Request\r\nServer: not-ssh\r\n\r\n\x00\xff\xfe garbage\r\n"
FLAKY = ("127.0.0.23", 2222)
FLAKY_UPSTREAM = ("127.0.0.12", 2222)
CUT_AFTER = 32 * 1024 * 1024
RELAYS = [("127.0.0.24", port) for port in range(30000, 31000)]
RELAY_UPSTREAM = ("127.0.0.11", 22)
CHUNK = 256 * 1024


async def silent(reader, writer):
    """Holds the connection open, reading and discarding, until the client leaves."""
    try:
        while await reader.read(CHUNK):
            pass
    finally:
        writer.close()


async def garbage(reader, writer):
    """Answers with something that is not an SSH banner, then hangs up."""
    writer.write(GARBAGE_BANNER)
    try:
        await writer.drain()
    finally:
        writer.close()


def relay_to(upstream, budget):
    """A handler that forwards to `upstream`; with a budget, it cuts the connection once
    that many bytes have passed in either direction."""

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        done = asyncio.Event()

        async def pump(reader, writer):
            moved = 0
            try:
                while not done.is_set():
                    data = await reader.read(CHUNK)
                    if not data:
                        break
                    moved += len(data)
                    if budget is not None and moved > budget:
                        break
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                done.set()

        tasks = [
            asyncio.create_task(pump(client_reader, server_writer)),
            asyncio.create_task(pump(server_reader, client_writer)),
        ]
        await done.wait()
        for writer in (client_writer, server_writer):
            # abort(): no graceful close, like a link that went away.
            writer.transport.abort()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return handle


async def main(pidfile):
    servers = []
    for address, port in SILENT:
        servers.append(await asyncio.start_server(silent, address, port))
    servers.append(await asyncio.start_server(garbage, *GARBAGE))
    servers.append(await asyncio.start_server(relay_to(FLAKY_UPSTREAM, CUT_AFTER), *FLAKY))
    plain = relay_to(RELAY_UPSTREAM, None)
    for address, port in RELAYS:
        servers.append(await asyncio.start_server(plain, address, port, backlog=256))
    with open(pidfile + ".new", "w") as out:
        out.write(f"{os.getpid()}\n")
    os.replace(pidfile + ".new", pidfile)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: faults.py PIDFILE")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    asyncio.run(main(sys.argv[1]))
