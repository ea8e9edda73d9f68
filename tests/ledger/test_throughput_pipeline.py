"""The pipelined SQLite append writes exactly what the serial append writes, or nothing.

A batch larger than ``Ledger.pipeline_rows`` is prepared slice by slice while the
store's writer thread inserts the slices before it (``SqliteLedgerStore.append_rows``).
With the randomness fixed (salts, nonces, the ephemeral sealing key), a log built that
way must be byte for byte the log built one ``append_batch`` per call; a failure in
the writer thread or in the preparation must leave nothing behind; and the helpers
it relies on (the fetched tree siblings, the fast receipts) must agree with the
plain computations.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import PrivateKey

from mohtasib.errors import StorageError, StoreConflict
from mohtasib.ledger import _log, _sealing, _sqlite
from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._log import Ledger, Receipt, _receipts
from mohtasib.ledger._policy import Decision, Policy
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sqlite import SqliteLedgerStore
from mohtasib.ledger._store import PreparedEntry, open_store
from mohtasib.ledger._tree import MemoryNodes, nodes_for_append, siblings_for_append
from mohtasib.ledger.verify import leaf_hash
from tests.ledger.conftest import PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
POLICY = Policy.from_dict(
    {
        "system": "psca-lahore-anpr",
        "purposes": ["investigation"],
        "actions": {"plate_search": ["fir"]},
    }
)
BATCHES = [3, 40, 17, 64, 1, 129, 33]  # unaligned starts, partial tiles, several slices


class _Stream:
    """A deterministic stand-in for ``os.urandom``: SHA-256 of a counter, concatenated."""

    def __init__(self) -> None:
        self.counter, self.buffer = 0, b""

    def urandom(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.counter += 1
            self.buffer += hashlib.sha256(str(self.counter).encode()).digest()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


def _fixed_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Salts, nonces and ephemeral keys from a deterministic stream (one per call)."""
    monkeypatch.setattr(_sealing, "os", types.SimpleNamespace(urandom=_Stream().urandom))
    monkeypatch.setattr(PrivateKey, "generate", lambda: PrivateKey(b"\x07" * 32))


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mohtasib-sqlite-insert"]


def _records(make_record: MakeRecord, count: int, tag: str) -> list[AccessRecord]:
    purposes = ["investigation", "curiosity"]  # the second is denied: a second leaf form
    return [make_record(outcome=f"{tag}-{i}", purpose=purposes[i % 3 == 0]) for i in range(count)]


def _build(
    path: Path, key: PrivateKey, make_record: MakeRecord, pipeline_rows: int
) -> list[list[Receipt]]:
    store = SqliteLedgerStore(path)
    ledger = Ledger(
        store,
        policy=POLICY,
        oversight_public_key=bytes(key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
    )
    ledger.pipeline_rows = pipeline_rows
    receipts = [
        ledger.append_many(_records(make_record, n, f"b{i}")) for i, n in enumerate(BATCHES)
    ]
    store.close()
    return receipts


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("entries", "tiles", "nodes", "meta", "format")
        }
    finally:
        db.close()


def test_pipelined_log_is_byte_identical_to_serial(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    monkeypatch.setattr(_sqlite, "STATEMENT_ROWS", 6)  # several INSERTs and a tail per slice
    _fixed_randomness(monkeypatch)
    serial = _build(tmp_path / "serial.db", oversight_key, make_record, 10**9)
    _fixed_randomness(monkeypatch)
    piped = _build(tmp_path / "piped.db", oversight_key, make_record, 10)
    assert piped == serial
    assert [r.index for batch in piped for r in batch] == list(range(sum(BATCHES)))
    assert any(not r.decision.allowed for batch in piped for r in batch)
    expected, got = _dump(tmp_path / "serial.db"), _dump(tmp_path / "piped.db")
    assert got == expected
    assert all(type(row[2]) is bytes and type(row[3]) is bytes for row in got["entries"])
    store = open_store(str(tmp_path / "piped.db"))
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    size = ledger.size()
    reference = MemoryNodes()
    reference.append(leaf_hash(e.leaf_data) for e in store.entries(0, size))
    assert ledger.root() == reference.root()
    assert audit_log(store, [(size, ledger.root())]).ok
    assert ledger.read_record(size - 1, oversight_key).outcome == f"b6-{BATCHES[-1] - 1}"
    store.close()


def test_writer_thread_failure_rolls_back_everything(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    ledger.pipeline_rows = 20
    ledger.append_many(_records(make_record, 5, "ok"))
    with store._guard() as db:  # a database that refuses one row in the middle of the batch
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN NEW.idx = 300 "
            "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )
    with pytest.raises(StorageError, match="refused by test"):
        ledger.append_many(_records(make_record, 600, "x"))
    assert not _writer_threads()  # the writer thread is gone
    assert ledger.size() == 5
    assert len(store.entries(0, 1000)) == 5
    with store._guard() as db:
        db.execute("DROP TRIGGER refuse")
    receipts = ledger.append_many(_records(make_record, 600, "y"))
    assert [r.index for r in receipts] == list(range(5, 605))
    assert audit_log(store, [(605, ledger.root())]).ok
    store.close()


def test_preparation_failure_mid_stream_stores_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    ledger = Ledger(
        store,
        oversight_public_key=bytes(oversight_key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
        sealing_process=False,  # sealed here (the helper's failures: test_sealhelper.py)
    )
    ledger.pipeline_rows = 50
    original = Ledger._seal_here
    calls = 0

    def failing(front: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("sealing failed in the third slice")
        return original(front)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "_seal_here", staticmethod(failing))
        with pytest.raises(RuntimeError, match="third slice"):
            ledger.append_many(_records(make_record, 400, "x"))
    assert calls == 3
    assert ledger.size() == 0 and store.entries(0, 1000) == []
    assert [r.index for r in ledger.append_many(_records(make_record, 120, "y"))] == list(
        range(120)
    )
    store.close()


def _prepared(
    tmp_path: Path, key: PrivateKey, make_record: MakeRecord, count: int
) -> tuple[SqliteLedgerStore, Ledger, list[PreparedEntry]]:
    """A new SQLite store, its ledger, and ``count`` prepared rows not yet appended."""
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    ledger = Ledger(store, oversight_public_key=bytes(key.public_key), pseudonym_key=PSEUDONYM_KEY)
    rows, _ = ledger._prepare(_records(make_record, count, "x"))
    return store, ledger, rows


def test_append_rows_checks_size_and_count(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store, _, rows = _prepared(tmp_path, oversight_key, make_record, 3)
    with pytest.raises(StoreConflict):
        store.append_rows(1, 3, [rows])
    with pytest.raises(ValueError, match="got 3 entries to append; want 4"):
        store.append_rows(0, 4, [rows])
    assert store.size() == 0 and store.entries(0, 10) == []
    store.append_rows(0, 3, [rows[:1], [], rows[1:]])
    assert [e.leaf_data for e in store.entries(0, 3)] == [row[1] for row in rows]
    store.close()


def test_append_rows_runs_while_committing_once_during_the_commit(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store, _, rows = _prepared(tmp_path, oversight_key, make_record, 40)
    traced: list[str] = []
    store._db.set_trace_callback(traced.append)  # statements, from either thread
    seen: list[tuple[bool, list[str]]] = []

    def during() -> None:
        seen.append((bool(_writer_threads()), list(traced)))

    store.append_rows(0, 40, [rows[:7], rows[7:]], during)
    store._db.set_trace_callback(None)
    assert len(seen) == 1
    alive, before = seen[0]
    assert alive  # called before the writer thread finished ...
    assert any(sql.startswith("UPDATE meta SET size") for sql in before)  # ... once the size
    assert [sql for sql in traced if sql == "COMMIT"] == ["COMMIT"]  # is set; one commit
    assert store.size() == 40 and not _writer_threads()
    store.close()


def test_append_rows_raises_an_error_of_while_committing_after_the_commit(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store, ledger, rows = _prepared(tmp_path, oversight_key, make_record, 20)

    def failing() -> None:  # fails once the commit is durable (another connection sees it)
        reader = sqlite3.connect(tmp_path / "ledger.db")
        try:
            for _ in range(1000):
                if reader.execute("SELECT size FROM meta").fetchone() == (20,):
                    break
                time.sleep(0.01)
        finally:
            reader.close()
        raise RuntimeError("receipts failed")

    with pytest.raises(RuntimeError, match="receipts failed"):
        store.append_rows(0, 20, [rows], failing)
    # The error is raised once the writer thread has stopped; the batch is in, whole.
    assert not _writer_threads()
    assert store.size() == 20
    assert [e.leaf_data for e in store.entries(0, 20)] == [row[1] for row in rows]
    reference = MemoryNodes()
    reference.append(row[5] for row in rows)
    assert ledger.root() == reference.root()
    assert audit_log(store, [(20, reference.root())]).ok
    store.close()


def test_append_rows_failing_before_the_commit_never_runs_while_committing(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store, _, rows = _prepared(tmp_path, oversight_key, make_record, 20)
    with store._guard() as db:  # the tiles of the batch are refused after every entry is in
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON tiles "
            "BEGIN SELECT RAISE(ABORT, 'tiles refused by test'); END"
        )
    called: list[int] = []
    with pytest.raises(StorageError, match="tiles refused by test"):
        store.append_rows(0, 20, [rows], lambda: called.append(1))
    assert called == [] and not _writer_threads()
    assert store.size() == 0 and store.entries(0, 30) == []
    store.close()


def test_an_interrupted_close_still_waits_for_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None, check_same_thread=False)
    inserter = _sqlite._Inserter(db)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    inserter.run(lambda: (started.set(), release.wait(10), ran.append("slow")))
    inserter.run(lambda: ran.append("queued after"))
    assert started.wait(10)
    real_join = inserter._thread.join
    joins: list[float | None] = []

    def interrupted_join(timeout: float | None = None) -> None:
        joins.append(timeout)
        if len(joins) == 1:  # Ctrl-C while the job is still running on the connection
            raise KeyboardInterrupt
        assert inserter._thread.is_alive()  # the job is still running: close() waits
        release.set()
        real_join(timeout)

    monkeypatch.setattr(inserter._thread, "join", interrupted_join)
    with pytest.raises(KeyboardInterrupt):
        inserter.close()
    assert not inserter._thread.is_alive()  # the connection is free again ...
    assert ran == ["slow"] and inserter.cancelled  # ... and the queued job was skipped
    assert len(joins) == 2
    db.close()


def test_append_rows_rolls_back_only_once_the_writer_thread_has_stopped(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    """A second Ctrl-C can cut the join short: the store still waits before rolling back."""
    store, _, rows = _prepared(tmp_path, oversight_key, make_record, 20)
    in_tiles = threading.Event()

    def slow_tiles(sql: str) -> None:  # the writer thread, starting its tiles statement
        if sql.startswith("INSERT OR REPLACE INTO tiles"):
            in_tiles.set()
            time.sleep(0.3)

    def interrupted_wait(self: _sqlite._Inserter, event: threading.Event) -> None:
        assert in_tiles.wait(10)
        raise KeyboardInterrupt

    def escaped_exit(self: _sqlite._Inserter, *exc_info: object) -> None:
        self.cancelled = True  # as if a second interrupt had cut the join short

    store._db.set_trace_callback(slow_tiles)
    monkeypatch.setattr(_sqlite._Inserter, "wait", interrupted_wait)
    monkeypatch.setattr(_sqlite._Inserter, "__exit__", escaped_exit)
    with pytest.raises(KeyboardInterrupt):
        store.append_rows(0, 20, [rows], lambda: None)
    assert not _writer_threads()  # stopped before the rollback and before returning
    store._db.set_trace_callback(None)
    monkeypatch.undo()
    assert store.size() == 0 and store.entries(0, 30) == []
    with store._guard() as db:
        assert db.execute("SELECT count(*) FROM tiles").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM nodes").fetchone() == (0,)
    store.append_rows(0, 20, [rows])  # the connection is usable again
    assert store.size() == 20
    store.close()


def test_ledger_whose_receipts_fail_keeps_a_whole_log(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    ledger.pipeline_rows = 20
    ledger.append_many(_records(make_record, 30, "a"))

    def failing(*args: object) -> list[Receipt]:
        raise MemoryError("no room for receipts")

    monkeypatch.setattr(_log, "_receipts", failing)
    with pytest.raises(MemoryError, match="no room for receipts"):
        ledger.append_many(_records(make_record, 50, "b"))
    monkeypatch.undo()
    assert not _writer_threads()
    # The caller cannot tell whether that batch went in (as after a crash); either way
    # the log is whole: its entries, tree and size agree, and it goes on.
    size = ledger.size()
    assert size in (30, 80) and len(store.entries(0, 1000)) == size
    reference = MemoryNodes()
    reference.append(leaf_hash(e.leaf_data) for e in store.entries(0, size))
    assert ledger.root() == reference.root()
    receipts = ledger.append_many(_records(make_record, 25, "c"))
    assert [r.index for r in receipts] == list(range(size, size + 25))
    assert audit_log(store, [(size + 25, ledger.root())]).ok
    store.close()


def test_concurrent_pipelined_batches_and_single_appends(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    ledger.pipeline_rows = 30
    got: dict[str, list[int]] = {}
    lock = threading.Lock()

    def many(n: int) -> None:
        receipts = ledger.append_many(_records(make_record, 70 + n, f"m{n}"))
        with lock:
            got[f"m{n}"] = [r.index for r in receipts]

    def one(n: int) -> None:
        for i in range(5):
            index = ledger.append(make_record(outcome=f"s{n}-{i}")).index
            with lock:
                got[f"s{n}-{i}"] = [index]

    threads = [threading.Thread(target=many, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=one, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(70 + n for n in range(4)) + 15
    assert sorted(i for indices in got.values() for i in indices) == list(range(total))
    for tag, indices in got.items():
        assert indices == list(range(indices[0], indices[0] + len(indices)))
        outcome = tag if tag.startswith("s") else f"{tag}-{len(indices) - 1}"
        assert ledger.read_record(indices[-1], oversight_key).outcome == outcome
    assert audit_log(store, [(total, ledger.root())]).ok
    store.close()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.integers(1, 700))
def test_siblings_for_append_are_exactly_the_nodes_read(size: int, count: int) -> None:
    tree = MemoryNodes()
    tree.append(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size))
    reads: list[tuple[int, int]] = []

    class Recording:
        def node(self, level: int, index: int) -> bytes:
            reads.append((level, index))
            return tree.node(level, index)

    leaves = [hashlib.sha256(b"new" + i.to_bytes(4, "big")).digest() for i in range(count)]
    every = nodes_for_append(size, leaves, Recording())
    assert reads == siblings_for_append(size, count)
    assert nodes_for_append(size, leaves, tree, min_level=4) == [n for n in every if n[0] >= 4]


def test_fast_receipts_equal_the_dataclass() -> None:
    decisions = [Decision(True, None, "ok"), Decision(False, "authority_type", "no")]
    hashes = [bytes([i]) * 32 for i in range(2)]
    fast = _receipts(7, hashes, decisions)
    assert fast == [Receipt(7, hashes[0], decisions[0]), Receipt(8, hashes[1], decisions[1])]
    assert [r.to_dict() for r in fast][1]["index"] == 8
    with pytest.raises(AttributeError):
        fast[0].index = 3  # type: ignore[misc]  # still frozen
    with pytest.raises(ValueError):
        _receipts(0, hashes, decisions[:1])


CHILD = """
import sys
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._store import open_store

store = open_store(sys.argv[1])
ledger = Ledger(store, oversight_public_key=bytes.fromhex(sys.argv[2]), pseudonym_key=b"k" * 32)
ledger.pipeline_rows = 40
record = AccessRecord.from_json(sys.argv[3])
while True:
    receipts = ledger.append_many([record] * 170)
    print("ack", receipts[-1].index, ledger.root(receipts[-1].index + 1).hex(), flush=True)
"""


def test_acknowledged_pipelined_batches_survive_sigkill(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    path = str(tmp_path / "ledger.db")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, path, bytes(oversight_key.public_key).hex(),
         make_record().canonical_json().decode()],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "error"},
    )  # fmt: skip
    assert child.stdout is not None
    acked: list[tuple[int, bytes]] = []
    for line in child.stdout:
        _, index, root = line.split()
        acked.append((int(index) + 1, bytes.fromhex(root)))
        if len(acked) >= 6:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    store = open_store(path)
    size = store.size()
    assert size >= acked[-1][0] and size % 170 == 0  # whole batches only
    assert audit_log(store, acked).ok
    store.close()
