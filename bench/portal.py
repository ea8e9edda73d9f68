"""Portal load test on loopback: requests/s and p50/p99 latency of the public pages and proof API.

SYNTHETIC ledger, illustrative register (examples/register), SQLite. The server is
``uvicorn`` (one worker, the same app as ``mohtasib serve --demo``) in a subprocess;
the load comes from N concurrent keep-alive HTTP/1.1 connections driven by asyncio
in this process (a minimal client: an HTTP library cost four times the server's CPU
per request here), so client and server share the machine's cores. Two phases:

* closed loop: ``--requests`` requests from ``--clients`` clients, as fast as they go
  (the throughput ceiling);
* open loop: ``--rate`` requests/s for ``--seconds`` seconds (the issue's goal: p99
  under 200 ms at 200 requests/s on 2 cores), each request sent on schedule whether
  or not earlier ones have returned.

The mix, round-robin: ``/register``, a system page, ``/scorecards`` and
``/api/ledger/proofs/inclusion`` (a random index of the SYNTHETIC ledger); the peer
row is ``/static/portal.css`` from the same server: the framework's floor.

Usage::

    python bench/portal.py [--requests 10000] [--clients 50] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ACCESSES = 2000
PATHS = {
    "register": "/register",
    "system": "/register/lahore-safe-city-face-search",
    "scorecards": "/scorecards",
    "proof": "/api/ledger/proofs/inclusion?index={index}&size={size}",
    "static (peer floor)": "/static/portal.css",
}


def _serve(port: int, directory: str) -> None:
    """Child process: build the demo portal and serve it."""
    import uvicorn

    from mohtasib.server import create_app
    from mohtasib.server._demo import build_demo, load_demo_content

    demo = build_demo(
        Path(directory) / "portal", register_dir=REPO / "examples" / "register", accesses=ACCESSES
    )
    app = create_app(demo.settings)
    load_demo_content(app.state.portal, demo)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _url(name: str, rng: random.Random) -> str:
    return PATHS[name].format(index=rng.randrange(ACCESSES), size=ACCESSES)


def _summary(latencies: list[float], errors: int, wall: float) -> dict[str, float]:
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered
    return {
        "requests": len(ordered),
        "errors": errors,
        "requests_per_s": round(len(ordered) / wall, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


class _Connection:
    """One keep-alive HTTP/1.1 connection: a load generator far lighter than an HTTP library.

    The client shares the 2 cores with the server, so its own CPU cost matters: this
    one writes a fixed request line and reads the status line, the headers and exactly
    ``Content-Length`` bytes of body (the portal never sends chunked bodies here).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _closed_loop(port: int, total: int, clients: int) -> dict[str, object]:
    names = [n for n in PATHS if not n.startswith("static")]
    per: dict[str, list[float]] = {n: [] for n in names}
    errors = 0
    counter = iter(range(total))
    rng = random.Random(2025)

    async def worker() -> None:
        nonlocal errors
        connection = _Connection(port)
        try:
            for i in counter:
                name = names[i % len(names)]
                started = time.perf_counter()
                status = await connection.get(_url(name, rng))
                per[name].append(time.perf_counter() - started)
                errors += status != 200
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    everything = [x for values in per.values() for x in values]
    out: dict[str, object] = {"all": _summary(everything, errors, wall)}
    for name, values in per.items():
        out[name] = _summary(values, 0, wall)
    return out


async def _open_loop(port: int, rate: float, seconds: float) -> dict[str, object]:
    """Send on schedule; a request waits for a free connection of a pool of 200 (then late)."""
    names = list(PATHS)
    total = int(rate * seconds)
    per: dict[str, list[float]] = {n: [] for n in names}
    errors = 0
    rng = random.Random(2026)
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(200):
        pool.put_nowait(_Connection(port))

    async def one(i: int, due: float) -> None:
        nonlocal errors
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        connection = await pool.get()
        name = names[i % len(names)]
        try:
            status = await connection.get(_url(name, rng))
        finally:
            pool.put_nowait(connection)
        # latency from the scheduled time: a late send counts against the portal
        per[name].append(time.perf_counter() - due)
        errors += status != 200

    origin = time.perf_counter() + 0.5
    started = time.perf_counter()
    await asyncio.gather(*(one(i, origin + i / rate) for i in range(total)))
    wall = time.perf_counter() - started - 0.5
    while not pool.empty():
        pool.get_nowait().close()
    # "all" is the portal's own routes; the static peer row is reported on its own
    everything = [x for n, values in per.items() if not n.startswith("static") for x in values]
    out: dict[str, object] = {"all": _summary(everything, errors, wall)}
    for name, values in per.items():
        out[name] = _summary(values, 0, wall)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON here.")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(int(args.serve[0]), args.serve[1])
        return
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="mohtasib-bench-") as directory:
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), directory])
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/register", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the portal did not start")
                time.sleep(0.5)
            results: dict[str, object] = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "ledger_entries": ACCESSES,
                "load_before": os.getloadavg(),
            }
            cpu0, client0 = _cpu_seconds(server.pid), time.process_time()
            results["closed_loop"] = asyncio.run(_closed_loop(port, args.requests, args.clients))
            cpu1, client1 = _cpu_seconds(server.pid), time.process_time()
            results["closed_loop_server_cpu_s"] = round(cpu1 - cpu0, 2)
            results["closed_loop_client_cpu_s"] = round(client1 - client0, 2)
            results["load_between"] = os.getloadavg()
            results["open_loop"] = asyncio.run(_open_loop(port, args.rate, args.seconds))
            results["open_loop_rate"] = args.rate
            results["open_loop_server_cpu_s"] = round(_cpu_seconds(server.pid) - cpu1, 2)
            results["load_after"] = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = json.dumps(results, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
