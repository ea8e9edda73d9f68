"""SQLite ledger store (the default): WAL journal, ``synchronous=FULL``, one transaction per batch.

With ``journal_mode=WAL`` and ``synchronous=FULL`` a committed transaction is
on disk when ``COMMIT`` returns (SQLite's "How To Corrupt" and WAL notes), so an
append acknowledged after :meth:`SqliteLedgerStore.append_batch` survives a
process or power failure.

Every ``sqlite3.Error`` (a database locked past the busy timeout, a corrupt file,
a full disk) leaves the store as a :class:`~mohtasib.errors.StorageError` naming the
file, so the CLI and the portal report it instead of a traceback.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from mohtasib.errors import ConfigError, StorageError
from mohtasib.ledger._store import StoreConflict, StoredEntry

__all__ = ["SqliteLedgerStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    size INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, size) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    leaf BLOB NOT NULL,
    body BLOB,
    retention_class TEXT,
    time TEXT
);
CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    size INTEGER NOT NULL,
    text TEXT NOT NULL
);
"""
_COLUMNS = "idx, kind, leaf, body, retention_class, time"
# Read hashes and leaves as BLOBs whatever their storage class: a row edited by hand
# (``leaf || x'00'`` yields TEXT) must reach the audit as bytes, not crash the reader.
_SELECT = "idx, kind, CAST(leaf AS BLOB), CAST(body AS BLOB), retention_class, time"


def _row(row: tuple[int, str, bytes, bytes | None, str | None, str | None]) -> StoredEntry:
    return StoredEntry(*row)


class SqliteLedgerStore:
    """A :class:`~mohtasib.ledger._store.LedgerStore` in one SQLite file.

    Parameters
    ----------
    path
        The database file; created with its tables when absent.
    busy_timeout
        Seconds to wait for another connection's write lock before giving up
        with :class:`~mohtasib.errors.StorageError` (``database is locked``).
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open SQLite ledger: {exc}", path=str(path)) from None
        self._lock = threading.RLock()
        try:
            with self._guard():
                self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                # Speed without weaker durability: a 64 MiB page cache keeps the upper levels
                # of the nodes and entries B-trees in memory, and checkpointing the WAL every
                # 4,000 pages (not SQLite's 1,000) moves fewer pages to the main file per append.
                self._db.execute("PRAGMA cache_size=-65536")
                self._db.execute("PRAGMA wal_autocheckpoint=4000")
                self._db.executescript(SCHEMA)
        except StorageError:
            self._db.close()
            raise

    @contextlib.contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        """Hold the connection's lock; turn any ``sqlite3.Error`` into StorageError."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise StorageError(f"{type(exc).__name__}: {exc}", database=str(self.path)) from exc

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Commit ``entries``, ``nodes`` and the new size in one transaction."""
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                (size,) = db.execute("SELECT size FROM meta WHERE id = 0").fetchone()
                if size != new_size - len(entries):
                    raise StoreConflict(
                        f"store has {size} entries; batch expects {new_size - len(entries)}"
                    )
                db.executemany(
                    f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (e.index, e.kind, e.leaf_data, e.body, e.retention_class, e.time)
                        for e in entries
                    ],
                )
                db.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
                db.execute("UPDATE meta SET size = ? WHERE id = 0", (new_size,))
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def size(self) -> int:
        """Number of committed entries."""
        with self._guard():
            (size,) = self._db.execute("SELECT size FROM meta WHERE id = 0").fetchone()
        return int(size)

    def node(self, level: int, index: int) -> bytes:
        """Stored perfect node; KeyError when absent."""
        with self._guard():
            row = self._db.execute(
                "SELECT CAST(hash AS BLOB) FROM nodes WHERE level = ? AND idx = ?", (level, index)
            ).fetchone()
        if row is None:
            raise KeyError((level, index))
        return bytes(row[0])

    def leaf_hashes(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """Stored level-0 nodes ``(index, hash)`` with ``start <= index < end``, in one query.

        Not part of the protocol: the outside audit uses it, when present, to read
        every stored leaf hash without one query per entry.
        """
        with self._guard():
            rows = self._db.execute(
                "SELECT idx, CAST(hash AS BLOB) FROM nodes "
                "WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx",
                (start, end),
            ).fetchall()
        return [(int(idx), bytes(value)) for idx, value in rows]

    def entry(self, index: int) -> StoredEntry:
        """Entry ``index``; KeyError when absent."""
        with self._guard():
            row = self._db.execute(
                f"SELECT {_SELECT} FROM entries WHERE idx = ?", (index,)
            ).fetchone()
        if row is None:
            raise KeyError(index)
        return _row(row)

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Stored entries in ``[start, end)``, in index order."""
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_SELECT} FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                (start, end),
            ).fetchall()
        return [_row(row) for row in rows]

    def delete_body(self, index: int) -> None:
        """Forget the sealed body of entry ``index`` (committed on return)."""
        with self._guard():
            self._db.execute("UPDATE entries SET body = NULL WHERE idx = ?", (index,))

    def save_checkpoint(self, size: int, text: str) -> None:
        """Keep a checkpoint text."""
        with self._guard():
            self._db.execute("INSERT INTO checkpoints (size, text) VALUES (?, ?)", (size, text))

    def checkpoints(self) -> list[tuple[int, str]]:
        """Saved checkpoints, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT size, text FROM checkpoints ORDER BY id").fetchall()
        return [(int(size), str(text)) for size, text in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._guard():
            self._db.close()
