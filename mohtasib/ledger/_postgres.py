"""PostgreSQL ledger store (psycopg 3), chosen by ``MOHTASIB_DATABASE_URL=postgresql://…``.

One transaction per batch; the size row is locked (``SELECT … FOR UPDATE``) so
two writers cannot both append at one size. With PostgreSQL's default
``synchronous_commit = on`` a commit is flushed to the WAL before it returns.
Tables (``ledger_*``) and queries are storage format 2, the SQLite store's
(:mod:`mohtasib.ledger._sqlstore`); a database of another format is refused.

Every ``psycopg.Error`` (connection refused, a dropped connection, a failed
statement) leaves the store as a :class:`~mohtasib.errors.StorageError` naming the
host and database (never the password). A dropped connection is reopened on the
next call, so the store recovers once the server is back.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg

from mohtasib.errors import StorageError
from mohtasib.ledger._sqlstore import (
    FORMAT_VERSION,
    TILE_WIDTH,
    SqlLedgerStore,
    refuse_format,
    split_batch,
    statements,
)
from mohtasib.ledger._store import StoreConflict, StoredEntry

__all__ = ["PostgresLedgerStore"]

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ledger_meta (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        size BIGINT NOT NULL)""",
    "INSERT INTO ledger_meta (id, size) VALUES (0, 0) ON CONFLICT (id) DO NOTHING",
    """CREATE TABLE IF NOT EXISTS ledger_entries (
        idx BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        leaf BYTEA NOT NULL,
        body BYTEA,
        retention_class TEXT,
        time TEXT)""",
    """CREATE TABLE IF NOT EXISTS ledger_tiles (
        id BIGINT PRIMARY KEY,
        hashes BYTEA NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_nodes (
        id BIGINT PRIMARY KEY,
        hash BYTEA NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
        id BIGSERIAL PRIMARY KEY,
        size BIGINT NOT NULL,
        text TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS ledger_format (version INTEGER NOT NULL)",
    f"""INSERT INTO ledger_format (version) SELECT {FORMAT_VERSION}
        WHERE NOT EXISTS (SELECT 1 FROM ledger_format)""",
]
_SQL = statements("ledger_", "%s", "{}")


def _describe(url: str) -> str:
    """``host:port/database`` of a libpq URL, without user or password."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"
    except ValueError:
        return "postgresql://(unparsable URL)"


class PostgresLedgerStore(SqlLedgerStore):
    """A :class:`~mohtasib.ledger._store.LedgerStore` in PostgreSQL tables ``ledger_*``.

    Parameters
    ----------
    url
        A libpq connection URL, ``postgresql://user@host:port/db``.
    connect_timeout
        Seconds to wait for the server when (re)connecting.
    """

    _sql = _SQL

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self.database = _describe(url)
        self._url, self._timeout = url, connect_timeout
        self._lock = threading.RLock()
        self._open = True
        self._db = self._connect()
        try:
            with self._guard(), self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(727001)")
                self._check_format()
                for statement in SCHEMA:
                    self._db.execute(statement)
        except StorageError:
            self._db.close()
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout)
        except psycopg.Error as exc:
            raise StorageError(
                f"cannot connect to PostgreSQL: {exc}", database=self.database
            ) from None

    def _check_format(self) -> None:
        row = self._db.execute(
            "SELECT to_regclass('ledger_entries') IS NOT NULL, "
            "to_regclass('ledger_format') IS NOT NULL"
        ).fetchone()
        has_entries, has_format = (False, False) if row is None else (bool(row[0]), bool(row[1]))
        found = FORMAT_VERSION
        if has_format:
            version = self._db.execute("SELECT max(version) FROM ledger_format").fetchone()
            if version is not None and version[0] is not None:
                found = int(version[0])
        elif has_entries:
            found = 1
        if found != FORMAT_VERSION:
            raise refuse_format(found, self.database)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[psycopg.Connection[Any]]:
        """Hold the connection's lock; turn any ``psycopg.Error`` into StorageError.

        A connection found closed (dropped by the server or the network) is reopened
        first; the failed call itself is not retried, its transaction rolled back.
        """
        with self._lock:
            if not self._open:
                raise StorageError("the ledger store is closed", database=self.database)
            if self._db.closed:
                self._db = self._connect()
            try:
                yield self._db
            except psycopg.Error as exc:
                raise StorageError(f"{type(exc).__name__}: {exc}", database=self.database) from exc

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Commit ``entries``, their tiles, ``nodes`` and the new size in one transaction."""
        sql = self._sql
        with self._guard() as db, db.transaction(), db.cursor() as cur:
            cur.execute("SELECT size FROM ledger_meta WHERE id = 0 FOR UPDATE")
            row = cur.fetchone()
            size = -1 if row is None else int(row[0])
            first = new_size - len(entries)
            if size != first:
                raise StoreConflict(f"store has {size} entries; batch expects {first}")
            prefix = b""
            if first % TILE_WIDTH:
                cur.execute(sql["tile"], (first // TILE_WIDTH,))
                found = cur.fetchone()
                prefix = b"" if found is None else bytes(found[0])
            rows, tiles, stored = split_batch(entries, nodes, new_size, prefix)
            if prefix and tiles:
                cur.execute("DELETE FROM ledger_tiles WHERE id = %s", (tiles[0][0],))
            with cur.copy(
                "COPY ledger_entries (idx, kind, leaf, body, retention_class, time) FROM STDIN"
            ) as copy:
                for entry in rows:
                    copy.write_row(entry)
            with cur.copy("COPY ledger_tiles (id, hashes) FROM STDIN") as copy:
                for tile in tiles:
                    copy.write_row(tile)
            with cur.copy("COPY ledger_nodes (id, hash) FROM STDIN") as copy:
                for node in stored:
                    copy.write_row(node)
            cur.execute(sql["set_size"], (new_size,))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._open = False
            self._db.close()
