"""Every LedgerStore (memory, SQLite, PostgreSQL) keeps entries, nodes and checkpoints alike."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mohtasib.errors import ConfigError, StorageError
from mohtasib.ledger._memory import MemoryLedgerStore
from mohtasib.ledger._sqlite import SqliteLedgerStore
from mohtasib.ledger._sqlstore import node_key
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
    _append(store, 16)  # completes the stored node (4, 0)
    rows = _entries(16, 3)
    nodes = nodes_for_append(16, [leaf_hash(r.leaf_data) for r in rows], store)
    before = [store.node(0, i) for i in range(16)]
    duplicate = [*nodes, (4, 0, b"\x00" * 32)]  # node (4, 0) exists: the last insert fails
    with pytest.raises((StorageError, StoreConflict)):
        store.append_batch(rows, duplicate, 19)
    assert store.size() == 16
    assert store.entries(0, 30) == _entries(0, 16)
    assert [store.node(0, i) for i in range(16)] == before
    with pytest.raises(KeyError):
        store.node(0, 16)  # the batch's tile row went with it
    store.append_batch(rows, nodes, 19)  # and the store takes the right batch afterwards
    assert store.size() == 19


@pytest.mark.parametrize("batches", [[1] * 40, [3, 17, 5, 16, 1, 33], [40]])
def test_store_nodes_match_a_recomputed_tree(store: LedgerStore, batches: list[int]) -> None:
    rows = [row for count in batches for row in _append(store, count)]
    reference = MemoryNodes()
    reference.append(leaf_hash(r.leaf_data) for r in rows)
    for (level, index), value in reference.nodes.items():
        assert store.node(level, index) == value, (level, index)
    for size in range(1, len(rows) + 1):
        assert root_hash(size, store) == reference.root(size)


def _count(path: str, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_sqlite_layout_keeps_tiles_and_upper_nodes_only(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.db")
    store = SqliteLedgerStore(path)
    _append(store, 37)
    _append(store, 27)  # 64 leaves: tiles 0-3, nodes of levels 4 to 6 (4 + 2 + 1)
    assert _count(path, "tiles") == 4
    assert _count(path, "nodes") == 7
    with sqlite3.connect(path) as db:
        keys = sorted(k for (k,) in db.execute("SELECT id FROM nodes"))
        tile = db.execute("SELECT hashes FROM tiles WHERE id = 2").fetchone()[0]
    assert keys == sorted(node_key(level, i) for level in (4, 5, 6) for i in range(64 >> level))
    assert tile == b"".join(store.node(0, i) for i in range(32, 48))
    store.close()


OLD_SQLITE_SCHEMA = """
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL);
INSERT INTO meta VALUES (0, 0);
CREATE TABLE entries (idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, leaf BLOB NOT NULL,
    body BLOB, retention_class TEXT, time TEXT);
CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE checkpoints (id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL,
    text TEXT NOT NULL);
"""


def test_format_1_database_is_refused(store_target: tuple[str, str]) -> None:
    backend, target = store_target
    if backend == "memory":
        pytest.skip("the memory store has no stored format")
    if backend == "sqlite":
        with sqlite3.connect(target) as db:
            db.executescript(OLD_SQLITE_SCHEMA)
    else:
        import psycopg

        with psycopg.connect(target, autocommit=True) as db:
            for statement in OLD_SQLITE_SCHEMA.split(";")[:-1]:
                sql = statement.replace(" WITHOUT ROWID", "").replace("BLOB", "BYTEA")
                sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
                for table in ("meta", "entries", "nodes", "checkpoints"):
                    sql = sql.replace(f"TABLE {table} ", f"TABLE ledger_{table} ")
                    sql = sql.replace(f"INTO {table} ", f"INTO ledger_{table} ")
                db.execute(sql)
    with pytest.raises(StorageError, match="storage format 1 found; this release reads format 2"):
        open_store(target)


def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    SqliteLedgerStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE format SET version = 3")
    with pytest.raises(StorageError, match="storage format 3 found") as caught:
        SqliteLedgerStore(path)
    assert caught.value.database == str(path)


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
