"""SQLite ledger store (the default): WAL journal, ``synchronous=FULL``, one transaction per batch.

With ``journal_mode=WAL`` and ``synchronous=FULL`` a committed transaction is
on disk when ``COMMIT`` returns (SQLite's "How To Corrupt" and WAL notes), so an
append acknowledged after :meth:`SqliteLedgerStore.append_batch` survives a
process or power failure. Tables and queries are storage format 2
(:mod:`mohtasib.ledger._sqlstore`); a database of another format is refused.

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
from mohtasib.ledger._sqlstore import (
    FORMAT_VERSION,
    TILE_WIDTH,
    SqlLedgerStore,
    refuse_format,
    split_batch,
    statements,
)
from mohtasib.ledger._store import StoreConflict, StoredEntry

__all__ = ["SqliteLedgerStore"]

SCHEMA = f"""
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
CREATE TABLE IF NOT EXISTS tiles (
    id INTEGER PRIMARY KEY,
    hashes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    size INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS format (version INTEGER NOT NULL);
INSERT INTO format (version) SELECT {FORMAT_VERSION} WHERE NOT EXISTS (SELECT 1 FROM format);
"""
# Read hashes and leaves as BLOBs whatever their storage class: a row edited by hand
# (``leaf || x'00'`` yields TEXT) must reach the audit as bytes, not crash the reader.
_SQL = statements("", "?", "CAST({} AS BLOB)")


class SqliteLedgerStore(SqlLedgerStore):
    """A :class:`~mohtasib.ledger._store.LedgerStore` in one SQLite file.

    Parameters
    ----------
    path
        The database file; created with its tables when absent.
    busy_timeout
        Seconds to wait for another connection's write lock before giving up
        with :class:`~mohtasib.errors.StorageError` (``database is locked``).
    """

    _sql = _SQL

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
                # of the B-trees in memory, and checkpointing the WAL every 4,000 pages (not
                # SQLite's 1,000) moves fewer pages to the main file per append.
                self._db.execute("PRAGMA cache_size=-65536")
                self._db.execute("PRAGMA wal_autocheckpoint=4000")
                self._check_format()
                self._db.executescript(SCHEMA)
        except StorageError:
            self._db.close()
            raise

    def _check_format(self) -> None:
        tables = {
            name
            for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "format" in tables:
            row = self._db.execute("SELECT max(version) FROM format").fetchone()
            found = FORMAT_VERSION if row is None or row[0] is None else int(row[0])
        else:
            found = 1 if "entries" in tables else FORMAT_VERSION
        if found != FORMAT_VERSION:
            raise refuse_format(found, str(self.path))

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
        """Commit ``entries``, their tiles, ``nodes`` and the new size in one transaction."""
        sql = self._sql
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                (size,) = db.execute(sql["size"]).fetchone()
                first = new_size - len(entries)
                if size != first:
                    raise StoreConflict(f"store has {size} entries; batch expects {first}")
                prefix = b""
                if first % TILE_WIDTH:
                    row = db.execute(sql["tile"], (first // TILE_WIDTH,)).fetchone()
                    prefix = b"" if row is None else bytes(row[0])
                rows, tiles, stored = split_batch(entries, nodes, new_size, prefix)
                db.executemany(sql["insert_entries"], rows)
                db.executemany("INSERT OR REPLACE INTO tiles (id, hashes) VALUES (?, ?)", tiles)
                db.executemany(sql["insert_nodes"], stored)
                db.execute(sql["set_size"], (new_size,))
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._guard():
            self._db.close()
