#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP relay on 127.0.0.1 that behaves like an access line.

    bench/link.py LISTEN_PORT TARGET_PORT UP_MBIT DOWN_MBIT RTT_MS

Every connection to LISTEN_PORT is relayed to 127.0.0.1:TARGET_PORT.
All connections share one uplink (client to server, UP_MBIT) and one
downlink (DOWN_MBIT), as on a home line: bytes leave in the order they
came at the line's rate, and arrive half the round trip later. What a
connection has in flight is bounded, so a sender feels the line's rate
as TCP would. Prints "listening" once ready, and the bytes that
crossed each way since the last report on SIGUSR1; stops on SIGTERM
or SIGINT, cutting every connection.
"""

import asyncio
import os
import signal
import sys

CHUNK = 64 * 1024
IN_FLIGHT = 8  # chunks queued a connection and way: 512 KiB


class Line:
    """One direction of the line, shared by every connection."""

    def __init__(self, mbit, one_way_s):
        self.bytes_per_s = mbit * 1e6 / 8
        self.one_way_s = one_way_s
        self.free_at = 0.0
        self.sent = 0

    def arrival(self, now, size):
        start = max(now, self.free_at)
        self.free_at = start + size / self.bytes_per_s
        self.sent += size
        return self.free_at + self.one_way_s


async def relay(reader, writer, line):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue(maxsize=IN_FLIGHT)

    async def deliver():
        broken = False
        while True:
            when, data = await queue.get()
            if data is None:
                break
            if broken:
                continue  # keep taking, so that the reader never waits on a dead peer
            wait = when - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                broken = True
        if not broken and writer.can_write_eof():
            writer.write_eof()

    delivering = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            await queue.put((line.arrival(loop.time(), len(data)), data))
    finally:
        await queue.put((0.0, None))
        await delivering


async def serve(listen_port, target_port, up, down):
    relays = set()  # asyncio holds its tasks weakly

    async def connected(client_reader, client_writer):
        relays.add(asyncio.current_task())
        try:
            await connect(client_reader, client_writer)
        finally:
            relays.discard(asyncio.current_task())

    async def connect(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(relay(client_reader, server_writer, up),
                                 relay(server_reader, client_writer, down))
        except (ConnectionError, OSError):
            pass
        finally:
            client_writer.close()
            server_writer.close()

    server = await asyncio.start_server(connected, "127.0.0.1", listen_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def report():
        print(f"line: {up.sent / 1048576:.1f} MiB up, {down.sent / 1048576:.1f} MiB down", flush=True)
        up.sent = down.sent = 0

    loop.add_signal_handler(signal.SIGUSR1, report)
    print("listening", flush=True)
    await stop.wait()
    # Cut the line: connections still open end as they would on a real
    # one, without each relay's teardown.
    os._exit(0)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    up_mbit, down_mbit, rtt_ms = (float(v) for v in sys.argv[3:])
    one_way = rtt_ms / 2000
    asyncio.run(serve(listen_port, target_port, Line(up_mbit, one_way), Line(down_mbit, one_way)))


if __name__ == "__main__":
    main()
