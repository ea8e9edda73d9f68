"""Ledger benchmark: durable appends/s, proof latency, outside-audit time, physical limits.

SYNTHETIC records only. Usage::

    python bench/ledger.py                       # the issue's sizes (slow)
    python bench/ledger.py --proof-log 1000000 --audit-log 200000 --no-postgres

Durable means SQLite in WAL mode with synchronous=FULL (the ledger's default) and
PostgreSQL with synchronous_commit=on and fsync on (unlike the test fixture).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from nacl.public import PrivateKey

from mohtasib.ledger import (
    AccessRecord,
    Fir,
    Ledger,
    Policy,
    _native,
    _sealhelper,
    audit_log,
    inclusion_proof,
    nodes_for_append,
    open_store,
    pseudonymise,
    root_hash,
)
from mohtasib.ledger._sqlite import SqliteLedgerStore
from mohtasib.ledger._sqlstore import TILE_HEIGHT, TILE_WIDTH, node_key

PKT = dt.timezone(dt.timedelta(hours=5))
POLICY = Policy.from_dict(
    {
        "system": "psca-lahore-anpr",
        "purposes": ["investigation"],
        "actions": {"plate_search": ["fir"]},
    }
)
KEY = PrivateKey.generate()


def records(n: int, *, varied: bool = False) -> list[AccessRecord]:
    """``n`` SYNTHETIC accesses: one officer, case and time, or (``varied``) many.

    The varied records have 500 requesters, a new FIR object every 10 records, a
    distinct time each (to the microsecond) and 4 outcomes, so the canonical-JSON
    prefix cache (``AccessRecord.canonical_json``) almost never hits.
    """
    fir = Fir("123/2025", "Civil Lines", "Lahore")
    when = dt.datetime(2025, 1, 5, 10, 0, tzinfo=PKT)
    if not varied:
        return [
            AccessRecord("INSP-1234", "investigating_officer", when, "psca-lahore-anpr",
                         "plate_search", pseudonymise(f"LEA-{i}", b"k" * 32), fir,
                         "investigation", None, "no_match", "standard")
            for i in range(n)
        ]  # fmt: skip
    firs = [Fir(f"{i}/2025", f"Station {i % 37}", "Lahore") for i in range(n // 10 + 1)]
    return [
        AccessRecord(f"INSP-{i % 500:04d}", "investigating_officer",
                     when + dt.timedelta(seconds=i, microseconds=i % 997), "psca-lahore-anpr",
                     "plate_search", pseudonymise(f"LEA-{i}", b"k" * 32), firs[i // 10],
                     "investigation", None, ("no_match", "match", "partial", "error")[i % 4],
                     "standard")
        for i in range(n)
    ]  # fmt: skip


def ledger(target: str, *, sealing_process: bool | None = None) -> Ledger:
    return Ledger(open_store(target), policy=POLICY, oversight_public_key=bytes(KEY.public_key),
                  pseudonym_key=b"k" * 32, sealing_process=sealing_process)  # fmt: skip


def helper_cpu_seconds() -> float:
    """CPU seconds the sealing helper process has used (Linux ``/proc``; 0 without one)."""
    helper = _sealhelper.running()
    if helper is None:
        return 0.0
    try:
        with open(f"/proc/{helper._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def appends_per_second(
    target: str,
    batch: int,
    total: int,
    writers: int = 1,
    *,
    varied: bool = False,
    sealing_process: bool | None = None,
    native: bool = True,
) -> tuple[float, float]:
    """Durable appends/s in wall time and per CPU second of this process (all its threads).

    ``writers`` threads each append ``total / writers`` records in batches of ``batch``:
    with two, one prepares (policy, JSON, sealing, hashing) while the other's batch is
    written and synced, since SQLite and libpq release the GIL there. On SQLite a batch
    above ``Ledger.pipeline_rows`` (250) is itself pipelined: its slices are inserted by
    the store's writer thread while the next slice is prepared, and sealed on a second
    core unless ``sealing_process`` is False: by the C loop on a thread of this process
    where the extension is built (``native``), else by the sealing helper process (started
    before the timing, as it is in a long-running process). ``native=False`` runs as if
    the extension were not built (``MOHTASIB_NATIVE=0``: JSON, sealing and tree hashing
    in Python). "Per CPU
    second" counts the CPU time of this process and of the helper together. Garbage is
    collected before the clock starts (the records just built would otherwise trigger a
    full collection inside the timing); the collector stays on while the appends run.
    """
    saved = os.environ.get(_native.ENV)
    if native:
        os.environ.pop(_native.ENV, None)
    else:
        os.environ[_native.ENV] = "0"
    try:
        return _appends_per_second(target, batch, total, writers, varied, sealing_process)
    finally:
        if saved is None:
            os.environ.pop(_native.ENV, None)
        else:
            os.environ[_native.ENV] = saved


def _appends_per_second(
    target: str,
    batch: int,
    total: int,
    writers: int,
    varied: bool,
    sealing_process: bool | None,
) -> tuple[float, float]:
    log = ledger(target, sealing_process=sealing_process)
    recs = records(total, varied=varied)
    share = total // writers

    def work(part: list[AccessRecord]) -> None:
        for i in range(0, len(part), batch):
            log.append_many(part[i : i + batch])

    threads = [threading.Thread(target=work, args=(recs[w * share : (w + 1) * share],))
               for w in range(writers)]  # fmt: skip
    # The records are input, built before the clock starts: collect now, so that a full
    # collection of them (tens of milliseconds) does not land inside the timed appends.
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time() + helper_cpu_seconds()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    cpu = time.process_time() + helper_cpu_seconds() - cpu
    assert log.size() == share * writers
    log.store.close()
    return share * writers / wall, share * writers / cpu


def durable_commits_per_second(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, v BLOB)")
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?, ?)", (i, b"x" * 32))
        db.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    db.close()
    return rate


def raw_insert_rows_per_second(path: Path, n: int, *, entry_shaped: bool = False) -> float:
    """Rows/s of bare executemany in durable 1,000-row transactions (the physical limit).

    ``entry_shaped`` uses the ledger's entries row (six columns, a 60-byte leaf and a
    ~480-byte body) instead of the issue's three-column row.
    """
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    if entry_shaped:
        db.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, kind TEXT, leaf BLOB, body BLOB, "
                   "rc TEXT, time TEXT)")  # fmt: skip
        rows: list[tuple[object, ...]] = [
            (i, "access", os.urandom(60), os.urandom(480), "standard", "2025-01-05T10:00:00+05:00")
            for i in range(n)
        ]
    else:
        db.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, leaf BLOB, body BLOB)")
        rows = [(i, os.urandom(70), os.urandom(500)) for i in range(n)]
    marks = ", ".join("?" * len(rows[0]))
    start = time.perf_counter()
    for i in range(0, n, 1000):
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO t VALUES ({marks})", rows[i : i + 1000])
        db.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    db.close()
    return rate


def proof_latency(path: Path, size: int, samples: int) -> tuple[float, float, float, float]:
    """Build a ``size``-leaf tree's tiles and nodes directly.

    Returns (build s, median µs, p99 µs, median CPU µs of one proof).

    Writes storage format 2 as the store does (leaf hashes in tiles of 16, nodes of
    level 4 and above), without entry rows: proofs read only tiles and nodes.
    """
    store = SqliteLedgerStore(path)
    import hashlib

    start, chunk = time.perf_counter(), 100_000  # a multiple of TILE_WIDTH: no partial tile
    for first in range(0, size, chunk):
        leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest()
                  for i in range(first, min(size, first + chunk))]  # fmt: skip
        nodes = nodes_for_append(first, leaves, store)
        joined = b"".join(leaves)
        tiles = [(first // TILE_WIDTH + i, joined[at : at + 32 * TILE_WIDTH])
                 for i, at in enumerate(range(0, len(joined), 32 * TILE_WIDTH))]  # fmt: skip
        stored = [(node_key(lv, ix), h) for lv, ix, h in nodes if lv >= TILE_HEIGHT]
        with store._lock:  # the bench writes the tables directly
            store._db.execute("BEGIN")
            store._db.executemany("INSERT INTO tiles VALUES (?, ?)", tiles)
            store._db.executemany("INSERT INTO nodes VALUES (?, ?)", stored)
            store._db.execute("UPDATE meta SET size = ?", (first + len(leaves),))
            store._db.execute("COMMIT")
    build = time.perf_counter() - start
    root_hash(size, store)
    step = max(1, size // samples)
    times, cpus = [], []
    for index in range(0, size, step):
        t0, c0 = time.perf_counter(), time.process_time()
        inclusion_proof(index, size, store)
        times.append((time.perf_counter() - t0) * 1e6)
        cpus.append((time.process_time() - c0) * 1e6)
    store.close()
    times.sort()
    return build, statistics.median(times), times[int(len(times) * 0.99)], statistics.median(cpus)


def audit_seconds(path: Path, size: int) -> tuple[float, float, float]:
    """Build a ``size``-entry log with durable batches of 1,000.

    Returns (build s, audit s wall, audit s CPU of this process).
    """
    log = ledger(str(path))
    start = time.perf_counter()
    for first in range(0, size, 10_000):
        recs = records(min(10_000, size - first))
        for i in range(0, len(recs), 1000):
            log.append_many(recs[i : i + 1000])
    build = time.perf_counter() - start
    head = (size, log.root())
    log.store.close()
    store = open_store(str(path))
    start, cpu = time.perf_counter(), time.process_time()
    result = audit_log(store, [head])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert result.ok, result.findings
    store.close()
    return build, elapsed, cpu


def start_postgres(base: Path) -> tuple[str, list[str], str, Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.ledger.conftest import _free_port, _pg_binary

    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise SystemExit("PostgreSQL binaries not found; use --no-postgres")
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run([*prefix, initdb, "-D", str(data), "-U", "mohtasib", "-A", "trust"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base}"  # fsync on: durable
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                    options, "start"], check=True, capture_output=True)  # fmt: skip
    return f"postgresql://mohtasib@127.0.0.1:{port}/postgres", prefix, pg_ctl, data


def append_figures(args: argparse.Namespace, base: Path) -> None:
    """Print the physical limits, then appends/s on SQLite and (unless --no-postgres) PostgreSQL."""
    helper = _sealhelper.start()
    ready = helper is not None and helper.wait_ready()
    print(f"sealing helper process: {'ready' if ready else 'not used'} "
          f"({_sealhelper.usable_cpus()} usable CPUs)")  # fmt: skip
    versions = _native.versions()
    print("C extension (mohtasib.ledger._fast): "
          + (f"built (libsodium {versions['libsodium']}, {versions['openssl']})" if versions
             else "not built; every line below runs in Python"))  # fmt: skip
    print(f"durable SQLite commits/s (1 row, synchronous=FULL): "
          f"{durable_commits_per_second(base / 'c.db', 300):,.0f}")  # fmt: skip
    print(f"raw SQLite executemany rows/s (1,000-row batches): "
          f"{raw_insert_rows_per_second(base / 'r.db', 100_000):,.0f}")  # fmt: skip
    shaped = raw_insert_rows_per_second(base / "r6.db", 100_000, entry_shaped=True)
    print(f"raw SQLite executemany rows/s, entries-shaped rows (1,000-row batches): "
          f"{shaped:,.0f}")  # fmt: skip
    runs = [(1, 1), (100, 1), (1000, 1), (1000, 2)]
    for batch, writers in runs:
        total = min(args.appends, 500) if batch == 1 else args.appends
        wall, cpu = appends_per_second(str(base / f"a{batch}-{writers}.db"), batch, total, writers)
        print(f"SQLite appends/s, batch {batch}, {writers} writer(s): {wall:,.0f} "
              f"(per CPU second {cpu:,.0f}; {total:,} records)")  # fmt: skip
    wall, cpu = appends_per_second(str(base / "v.db"), 1000, args.appends, varied=True)
    print(f"SQLite appends/s, batch 1000, 1 writer, varied records: {wall:,.0f} "
          f"(per CPU second {cpu:,.0f}; {args.appends:,} records)")  # fmt: skip
    wall, cpu = appends_per_second(str(base / "h.db"), 1000, args.appends, sealing_process=False)
    print(f"SQLite appends/s, batch 1000, 1 writer, sealed in the committing thread: {wall:,.0f} "
          f"(per CPU second {cpu:,.0f}; {args.appends:,} records)")  # fmt: skip
    if versions:
        wall, cpu = appends_per_second(str(base / "py.db"), 1000, args.appends, native=False)
        print(f"SQLite appends/s, batch 1000, 1 writer, without the C extension (helper process): "
              f"{wall:,.0f} (per CPU second {cpu:,.0f}; {args.appends:,} records)")  # fmt: skip
    if args.repeat > 1:
        paired_goal_runs(args, base)
    if not args.no_postgres:
        pg = Path(tempfile.mkdtemp(prefix="mohtasib-bench-pg-"))
        url, prefix, pg_ctl, data = start_postgres(pg)
        try:
            for batch, writers in runs:
                total = min(args.appends, 500) if batch == 1 else args.appends
                wall, cpu = appends_per_second(url, batch, total, writers)
                print(f"PostgreSQL appends/s, batch {batch}, {writers} writer(s): {wall:,.0f} "
                      f"(per CPU second of this process {cpu:,.0f}; "
                      f"{total:,} records)")  # fmt: skip
                import psycopg

                with psycopg.connect(url, autocommit=True) as conn:
                    for table in ("entries", "tiles", "nodes", "meta", "checkpoints", "format"):
                        conn.execute(f"DROP TABLE ledger_{table}")
        finally:
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                           capture_output=True, check=False)  # fmt: skip
            shutil.rmtree(pg, ignore_errors=True)


def paired_goal_runs(args: argparse.Namespace, base: Path) -> None:
    """The goal's line (SQLite, batch 1,000, one writer) ``--repeat`` times, alternating with
    the same line without the C extension (Python, sealing in the helper process; where the
    extension is not built: with and without the helper): median and range, pairs won.

    On a shared VM one run swings by a third; the median of alternating runs is the
    figure to compare with the goal, and the pairs show which variant is ahead.
    """
    variants: list[tuple[str, dict[str, bool | None]]]
    if _native.versions():
        variants = [("with the C extension (the default)", {"native": True}),
                    ("without it (Python, helper process)", {"native": False})]  # fmt: skip
    else:
        variants = [("with the sealing helper", {"sealing_process": None}),
                    ("without it", {"sealing_process": False})]  # fmt: skip
    results: list[list[float]] = [[], []]
    for i in range(args.repeat):
        for k, (_, options) in enumerate(variants):
            path = base / f"g{i}-{k}.db"
            rate = appends_per_second(str(path), 1000, args.appends, **options)[0]  # type: ignore[arg-type]
            results[k].append(rate)
            path.unlink()
    for (name, _), values in zip(variants, results, strict=True):
        above = sum(v >= 50_000 for v in values)
        print(f"SQLite appends/s, batch 1000, 1 writer, {name}, {args.repeat} alternating "
              f"runs: median {statistics.median(values):,.0f} (range {min(values):,.0f}–"
              f"{max(values):,.0f}; {above} at or above 50,000)")  # fmt: skip
    ahead = sum(a > b for a, b in zip(*results, strict=True))
    print(f"  pairs in which the first was ahead: {ahead} of {args.repeat}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=20_000, help="records per batch size")
    parser.add_argument("--proof-log", type=int, default=10_000_000)
    parser.add_argument("--proof-samples", type=int, default=10_000)
    parser.add_argument("--audit-log", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--skip-appends", action="store_true", help="proof and audit only")
    parser.add_argument(
        "--repeat", type=int, default=10, help="alternating runs of the goal's line, ± helper"
    )
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="mohtasib-bench-"))
    try:
        if not args.skip_appends:
            append_figures(args, base)
        build, median, p99, cpu = proof_latency(base / "p.db", args.proof_log, args.proof_samples)
        print(f"nodes table for {args.proof_log:,} leaves built in {build:,.1f} s")
        print(f"inclusion proof, {args.proof_log:,}-entry log: median {median:,.0f} µs, "
              f"p99 {p99:,.0f} µs; median CPU {cpu:,.0f} µs")  # fmt: skip
        build, seconds, cpu_s = audit_seconds(base / "audit.db", args.audit_log)
        print(f"{args.audit_log:,}-entry log appended in {build:,.1f} s; "
              f"full outside audit: {seconds:,.1f} s ({cpu_s:,.1f} s CPU)")  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
