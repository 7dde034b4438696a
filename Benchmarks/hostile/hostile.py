#!/usr/bin/env python3
"""One hostile-load run against one server on loopback, bounded in connections and time.

    hostile.py --kind tls|http --port PORT --attack none|slowloris|half|oversized|garbage
               [--seconds 20] [--connections 2000] [--path /GETPATH] [--pids PID,...]

While the attack runs, a well-behaved client makes one complete exchange after another (a new
connection each: for tls a full TLS handshake and an HTTP/1.0 request through it, for http a GET of
--path) and the latency of each is recorded. Prints one JSON line: the attack, the client's p50/p99
(ms), how many of its exchanges failed or timed out, how many attack connections were open at the
end, and the server's CPU seconds (utime+stime of --pids, /proc/PID/stat fields 14 and 15).

Attacks:
  slowloris  --connections connections, each sending one byte every 3 s (a ClientHello for tls, a
             request head for http); a connection the server closes is opened again.
  half       --connections connections that stop halfway: a whole ClientHello and nothing more
             (tls), or a request head announcing a body that never comes (http); reopened when closed.
  oversized  50 loops, each sending 1 MiB: a TLS record header claiming the maximum length followed
             by garbage (tls), or a request with a 1 MiB header line (http).
  garbage    50 loops, each sending 1 to 4 KiB of random bytes, then closing.
"""
import argparse
import asyncio
import json
import os
import random
import ssl
import statistics
import time

CLIENT_TIMEOUT = 5.0


def client_hello() -> bytes:
    """A real ClientHello from Python's ssl, with status_request (what half-handshakes send)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="hostile.test")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14, 15 of the whole line
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


class Attack:
    def __init__(self, args):
        self.args = args
        self.open = 0
        self.opened = 0
        self.stop = False
        self.hello = client_hello()
        self.head = (f"GET {args.path} HTTP/1.1\r\nHost: hostile.test\r\n" + "X-Slow: " + "a" * 4000).encode()

    async def connect(self):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.args.port), 5)
        self.open += 1
        self.opened += 1
        return reader, writer

    def closed(self, writer):
        self.open -= 1
        writer.close()

    async def reconnecting(self, talk, pause: float):
        """Until the run stops: opens a connection and has `talk(reader, writer)` use it, then closes
        it and opens the next; waits `pause` s after a connection that could not be opened."""
        while not self.stop:
            try:
                reader, writer = await self.connect()
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(pause)
                continue
            try:
                await talk(reader, writer)
            except (OSError, asyncio.TimeoutError, ConnectionError):
                pass
            finally:
                self.closed(writer)

    async def slow_connection(self, payload: bytes, interval: float, then_wait: bool):
        """Keeps one connection open: `payload` one byte every `interval` s (or all at once and
        then nothing when `then_wait`), reopening it when the server closes it."""
        async def talk(reader, writer):
            if then_wait:
                writer.write(payload)
                await writer.drain()
                # Read whatever the server sends (its hello) and wait for it to give up.
                while not self.stop:
                    try:
                        data = await asyncio.wait_for(reader.read(65536), 1.0)
                    except asyncio.TimeoutError:
                        continue
                    if not data:
                        break
            else:
                index = 0
                while not self.stop:
                    writer.write(payload[index % len(payload):index % len(payload) + 1])
                    await writer.drain()
                    index += 1
                    try:
                        data = await asyncio.wait_for(reader.read(65536), interval)
                        if not data:
                            break
                    except asyncio.TimeoutError:
                        pass
        await self.reconnecting(talk, 0.5)

    async def flood(self, make_payload, close_after: bool):
        """Sends `make_payload()` on one connection after another; unless `close_after`, waits up to
        2 s for the server's answer before the next."""
        async def talk(reader, writer):
            writer.write(make_payload())
            await asyncio.wait_for(writer.drain(), 5)
            if not close_after:
                try:
                    await asyncio.wait_for(reader.read(65536), 2)
                except asyncio.TimeoutError:
                    pass
        await self.reconnecting(talk, 0.1)

    def tasks(self):
        kind, attack, count = self.args.kind, self.args.attack, self.args.connections
        if attack == "none":
            return []
        if attack == "slowloris":
            payload = self.hello if kind == "tls" else self.head
            return [self.slow_connection(payload, 3.0, False) for _ in range(count)]
        if attack == "half":
            payload = self.hello if kind == "tls" else (
                f"POST {self.args.path} HTTP/1.1\r\nHost: hostile.test\r\nContent-Type: application/ocsp-request\r\n"
                "Content-Length: 1000\r\n\r\n0").encode()
            return [self.slow_connection(payload, 3.0, True) for _ in range(count)]
        if attack == "oversized":
            if kind == "tls":
                big = lambda: b"\x16\x03\x01\xff\xff" + os.urandom(1 << 20)
            else:
                big = lambda: (f"GET {self.args.path} HTTP/1.1\r\nHost: hostile.test\r\nX-Big: ").encode() + b"a" * (1 << 20) + b"\r\n\r\n"
            return [self.flood(big, False) for _ in range(50)]
        if attack == "garbage":
            return [self.flood(lambda: os.urandom(random.randint(1024, 4096)), True) for _ in range(50)]
        raise SystemExit(f"unknown attack {attack}")


async def well_behaved(args, results):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = f"GET {args.path} HTTP/1.0\r\nHost: hostile.test\r\n\r\n".encode()
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            async def exchange():
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", args.port, ssl=context if args.kind == "tls" else None,
                    server_hostname="hostile.test" if args.kind == "tls" else None)
                writer.write(request)
                await writer.drain()
                data = b""
                while True:
                    chunk = await reader.read(65536)
                    if not chunk:
                        break
                    data += chunk
                writer.close()
                return data
            data = await asyncio.wait_for(exchange(), CLIENT_TIMEOUT)
            if data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n", 1)[0]:
                results["latencies"].append((time.monotonic() - started) * 1000)
            else:
                results["failed"] += 1
        except (OSError, asyncio.TimeoutError, ssl.SSLError, ConnectionError):
            results["failed"] += 1
        await asyncio.sleep(max(0, 0.05 - (time.monotonic() - started)))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["tls", "http"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--attack", default="none")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--path", default="/")
    parser.add_argument("--pids", default="")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    pids = [int(p) for p in args.pids.split(",") if p]

    attack = Attack(args)
    attackers = [asyncio.ensure_future(task) for task in attack.tasks()]
    # Let the attack build up before measuring (slowloris ramps its connections).
    await asyncio.sleep(5 if attackers else 0)
    results = {"latencies": [], "failed": 0}
    cpu_before = cpu_seconds(pids)
    await well_behaved(args, results)
    cpu_after = cpu_seconds(pids)
    open_at_end = attack.open
    attack.stop = True
    for task in attackers:
        task.cancel()
    await asyncio.gather(*attackers, return_exceptions=True)
    latencies = sorted(results["latencies"])

    def percentile(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    print(json.dumps({
        "label": args.label, "attack": args.attack, "ok": len(latencies), "failed": results["failed"],
        "p50_ms": percentile(50), "p99_ms": percentile(99),
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "attack_connections_open_at_end": open_at_end, "attack_connections_opened": attack.opened,
        "server_cpu_s": round(cpu_after - cpu_before, 2),
    }), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
