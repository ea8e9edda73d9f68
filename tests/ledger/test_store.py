"""Every LedgerStore (memory, SQLite, PostgreSQL) keeps entries, nodes and checkpoints alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from mohtasib.errors import ConfigError
from mohtasib.ledger._memory import MemoryLedgerStore
from mohtasib.ledger._sqlite import SqliteLedgerStore
from mohtasib.ledger._store import LedgerStore, StoreConflict, StoredEntry, open_store
from mohtasib.ledger._tree import MemoryNodes, nodes_for_append, root_hash
from mohtasib.ledger.verify import leaf_hash


def _entries(start: int, count: int) -> list[StoredEntry]:
    return [
        StoredEntry(
            i, "access", f"leaf {i}".encode(), b"body", "standard", "2025-01-05T10:00:00+05:00"
        )
        for i in range(start, start + count)
    ]


def _append(store: LedgerStore, count: int) -> list[StoredEntry]:
    size = store.size()
    rows = _entries(size, count)
    nodes = nodes_for_append(size, [leaf_hash(r.leaf_data) for r in rows], store)
    store.append_batch(rows, nodes, size + count)
    return rows


def test_store_appends_and_reads_back(store: LedgerStore) -> None:
    rows = _append(store, 5) + _append(store, 6)
    assert store.size() == 11
    assert store.entry(3) == rows[3]
    assert store.entries(2, 9) == rows[2:9]
    reference = MemoryNodes()
    reference.append(leaf_hash(r.leaf_data) for r in rows)
    assert root_hash(11, store) == reference.root()
    assert store.node(3, 0) == reference.node(3, 0)


def test_store_missing_node_and_entry_raise_key_error(store: LedgerStore) -> None:
    _append(store, 3)
    with pytest.raises(KeyError):
        store.node(1, 1)
    with pytest.raises(KeyError):
        store.entry(3)


def test_store_rejects_batch_built_for_another_size(store: LedgerStore) -> None:
    _append(store, 2)
    with pytest.raises(StoreConflict, match="store has 2 entries"):
        store.append_batch(_entries(1, 1), [], 2)
    assert store.size() == 2


def test_store_batch_is_atomic(store: LedgerStore) -> None:
    _append(store, 2)
    duplicate_node = [(0, 0, b"\x00" * 32)]  # node (0, 0) exists: the insert fails
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        store.append_batch(_entries(2, 1), duplicate_node, 3)
    assert store.size() == 2
    assert store.entries(0, 10) == _entries(0, 2)


def test_store_delete_body_keeps_leaf(store: LedgerStore) -> None:
    rows = _append(store, 3)
    store.delete_body(1)
    assert store.entry(1).body is None
    assert store.entry(1).leaf_data == rows[1].leaf_data
    assert store.entry(2).body == b"body"


def test_store_keeps_checkpoints_in_order(store: LedgerStore) -> None:
    store.save_checkpoint(1, "log\n1\nAAA=\n")
    store.save_checkpoint(5, "log\n5\nBBB=\n")
    assert store.checkpoints() == [(1, "log\n1\nAAA=\n"), (5, "log\n5\nBBB=\n")]


def test_store_survives_reopen(store_target: tuple[str, str]) -> None:
    backend, target = store_target
    if backend == "memory":
        pytest.skip("the memory store is not durable by design")
    first = open_store(target)
    rows = _append(first, 4)
    first.save_checkpoint(4, "cp")
    first.close()
    again = open_store(target)
    assert again.size() == 4
    assert again.entries(0, 4) == rows
    assert again.checkpoints() == [(4, "cp")]
    again.close()


def test_open_store_dispatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store("memory:"), MemoryLedgerStore)
    sqlite = open_store(tmp_path / "a.db")
    assert isinstance(sqlite, SqliteLedgerStore)
    sqlite.close()
    monkeypatch.setenv("MOHTASIB_DATABASE_URL", f"sqlite://{tmp_path / 'b.db'}")
    env = open_store()
    assert isinstance(env, SqliteLedgerStore) and env.path == tmp_path / "b.db"
    env.close()
    monkeypatch.delenv("MOHTASIB_DATABASE_URL")
    with pytest.raises(ConfigError, match="MOHTASIB_DATABASE_URL"):
        open_store()


def test_sqlite_store_uses_wal_and_full_sync(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "l.db")
    db = store._db  # checking the pragmas the durability claim rests on
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
