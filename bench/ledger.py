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
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nacl.public import PrivateKey

from mohtasib.ledger import (
    AccessRecord,
    Fir,
    Ledger,
    Policy,
    audit_log,
    inclusion_proof,
    nodes_for_append,
    open_store,
    pseudonymise,
    root_hash,
)
from mohtasib.ledger._sqlite import SqliteLedgerStore

PKT = dt.timezone(dt.timedelta(hours=5))
POLICY = Policy.from_dict(
    {
        "system": "psca-lahore-anpr",
        "purposes": ["investigation"],
        "actions": {"plate_search": ["fir"]},
    }
)
KEY = PrivateKey.generate()


def records(n: int) -> list[AccessRecord]:
    fir = Fir("123/2025", "Civil Lines", "Lahore")
    when = dt.datetime(2025, 1, 5, 10, 0, tzinfo=PKT)
    return [
        AccessRecord("INSP-1234", "investigating_officer", when, "psca-lahore-anpr",
                     "plate_search", pseudonymise(f"LEA-{i}", b"k" * 32), fir,
                     "investigation", None, "no_match", "standard")
        for i in range(n)
    ]  # fmt: skip


def ledger(target: str) -> Ledger:
    return Ledger(open_store(target), policy=POLICY, oversight_public_key=bytes(KEY.public_key),
                  pseudonym_key=b"k" * 32)  # fmt: skip


def appends_per_second(target: str, batch: int, total: int) -> float:
    log = ledger(target)
    recs = records(total)
    start = time.perf_counter()
    for i in range(0, total, batch):
        log.append_many(recs[i : i + batch])
    rate = total / (time.perf_counter() - start)
    log.store.close()
    return rate


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


def raw_insert_rows_per_second(path: Path, n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, leaf BLOB, body BLOB)")
    rows = [(i, os.urandom(70), os.urandom(500)) for i in range(n)]
    start = time.perf_counter()
    for i in range(0, n, 1000):
        db.execute("BEGIN")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows[i : i + 1000])
        db.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    db.close()
    return rate


def proof_latency(path: Path, size: int, samples: int) -> tuple[float, float, float]:
    """Build a ``size``-leaf nodes table directly; return (build s, median µs, p99 µs)."""
    store = SqliteLedgerStore(path)
    import hashlib

    start, chunk = time.perf_counter(), 100_000
    for first in range(0, size, chunk):
        leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest()
                  for i in range(first, min(size, first + chunk))]  # fmt: skip
        nodes = nodes_for_append(first, leaves, store)
        with store._lock:  # the bench writes the nodes table directly
            store._db.execute("BEGIN")
            store._db.executemany("INSERT INTO nodes VALUES (?, ?, ?)", nodes)
            store._db.execute("UPDATE meta SET size = ?", (first + len(leaves),))
            store._db.execute("COMMIT")
    build = time.perf_counter() - start
    root_hash(size, store)
    step = max(1, size // samples)
    times = []
    for index in range(0, size, step):
        t0 = time.perf_counter()
        inclusion_proof(index, size, store)
        times.append((time.perf_counter() - t0) * 1e6)
    store.close()
    times.sort()
    return build, statistics.median(times), times[int(len(times) * 0.99)]


def audit_seconds(path: Path, size: int) -> tuple[float, float]:
    """Build a ``size``-entry log with durable batches of 1,000; return (build s, audit s)."""
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
    start = time.perf_counter()
    result = audit_log(store, [head])
    elapsed = time.perf_counter() - start
    assert result.ok, result.findings
    store.close()
    return build, elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=20_000, help="records per batch size")
    parser.add_argument("--proof-log", type=int, default=10_000_000)
    parser.add_argument("--proof-samples", type=int, default=10_000)
    parser.add_argument("--audit-log", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="mohtasib-bench-"))
    try:
        print(f"durable SQLite commits/s (1 row, synchronous=FULL): "
              f"{durable_commits_per_second(base / 'c.db', 300):,.0f}")  # fmt: skip
        print(f"raw SQLite executemany rows/s (1,000-row batches): "
              f"{raw_insert_rows_per_second(base / 'r.db', 100_000):,.0f}")  # fmt: skip
        for batch in (1, 100, 1000):
            total = min(args.appends, 500) if batch == 1 else args.appends
            rate = appends_per_second(str(base / f"a{batch}.db"), batch, total)
            print(f"SQLite appends/s, batch {batch}: {rate:,.0f} ({total:,} records)")
        if not args.no_postgres:
            pg = Path(tempfile.mkdtemp(prefix="mohtasib-bench-pg-"))
            url, prefix, pg_ctl, data = start_postgres(pg)
            try:
                for batch in (1, 100, 1000):
                    total = min(args.appends, 500) if batch == 1 else args.appends
                    rate = appends_per_second(url, batch, total)
                    print(f"PostgreSQL appends/s, batch {batch}: {rate:,.0f} ({total:,} records)")
                    import psycopg

                    with psycopg.connect(url, autocommit=True) as conn:
                        for table in ("entries", "nodes", "meta", "checkpoints"):
                            conn.execute(f"DROP TABLE ledger_{table}")
            finally:
                subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                               capture_output=True, check=False)  # fmt: skip
                shutil.rmtree(pg, ignore_errors=True)
        build, median, p99 = proof_latency(base / "p.db", args.proof_log, args.proof_samples)
        print(f"nodes table for {args.proof_log:,} leaves built in {build:,.1f} s")
        print(f"inclusion proof, {args.proof_log:,}-entry log: median {median:,.0f} µs, "
              f"p99 {p99:,.0f} µs")  # fmt: skip
        build, seconds = audit_seconds(base / "audit.db", args.audit_log)
        print(f"{args.audit_log:,}-entry log appended in {build:,.1f} s; "
              f"full outside audit: {seconds:,.1f} s")  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
