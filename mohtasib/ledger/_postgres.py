"""PostgreSQL ledger store (psycopg 3), chosen by ``MOHTASIB_DATABASE_URL=postgresql://…``.

One transaction per batch; the size row is locked (``SELECT … FOR UPDATE``) so
two writers cannot both append at one size. With PostgreSQL's default
``synchronous_commit = on`` a commit is flushed to the WAL before it returns.

Every ``psycopg.Error`` (connection refused, a dropped connection, a failed
statement) leaves the store as a :class:`~mohtasib.errors.StorageError` naming the
host and database (never the password).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import psycopg

from mohtasib.errors import StorageError
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
    """CREATE TABLE IF NOT EXISTS ledger_nodes (
        level SMALLINT NOT NULL,
        idx BIGINT NOT NULL,
        hash BYTEA NOT NULL,
        PRIMARY KEY (level, idx))""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
        id BIGSERIAL PRIMARY KEY,
        size BIGINT NOT NULL,
        text TEXT NOT NULL)""",
]
_COLUMNS = "idx, kind, leaf, body, retention_class, time"


def _row(row: tuple[int, str, bytes, bytes | None, str | None, str | None]) -> StoredEntry:
    idx, kind, leaf, body, retention_class, time = row
    return StoredEntry(
        int(idx), kind, bytes(leaf), None if body is None else bytes(body), retention_class, time
    )


def _describe(url: str) -> str:
    """``host:port/database`` of a libpq URL, without user or password."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"
    except ValueError:
        return "postgresql://(unparsable URL)"


class PostgresLedgerStore:
    """A :class:`~mohtasib.ledger._store.LedgerStore` in PostgreSQL tables ``ledger_*``.

    Parameters
    ----------
    url
        A libpq connection URL, ``postgresql://user@host:port/db``.
    """

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self.database = _describe(url)
        self._lock = threading.RLock()
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.Error as exc:
            raise StorageError(
                f"cannot connect to PostgreSQL: {exc}", database=self.database
            ) from None
        try:
            with self._guard(), self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(727001)")
                for statement in SCHEMA:
                    self._db.execute(statement)
        except StorageError:
            self._db.close()
            raise

    @contextlib.contextmanager
    def _guard(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """Hold the connection's lock; turn any ``psycopg.Error`` into StorageError."""
        with self._lock:
            try:
                yield self._db
            except psycopg.Error as exc:
                raise StorageError(f"{type(exc).__name__}: {exc}", database=self.database) from exc

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Commit ``entries``, ``nodes`` and the new size in one transaction."""
        with self._guard(), self._db.transaction(), self._db.cursor() as cur:
            cur.execute("SELECT size FROM ledger_meta WHERE id = 0 FOR UPDATE")
            row = cur.fetchone()
            size = -1 if row is None else int(row[0])
            if size != new_size - len(entries):
                raise StoreConflict(
                    f"store has {size} entries; batch expects {new_size - len(entries)}"
                )
            with cur.copy(f"COPY ledger_entries ({_COLUMNS}) FROM STDIN") as copy:
                for e in entries:
                    copy.write_row(
                        (e.index, e.kind, e.leaf_data, e.body, e.retention_class, e.time)
                    )
            with cur.copy("COPY ledger_nodes (level, idx, hash) FROM STDIN") as copy:
                for node in nodes:
                    copy.write_row(node)
            cur.execute("UPDATE ledger_meta SET size = %s WHERE id = 0", (new_size,))

    def size(self) -> int:
        """Number of committed entries."""
        with self._guard():
            row = self._db.execute("SELECT size FROM ledger_meta WHERE id = 0").fetchone()
        return 0 if row is None else int(row[0])

    def node(self, level: int, index: int) -> bytes:
        """Stored perfect node; KeyError when absent."""
        with self._guard():
            row = self._db.execute(
                "SELECT hash FROM ledger_nodes WHERE level = %s AND idx = %s", (level, index)
            ).fetchone()
        if row is None:
            raise KeyError((level, index))
        return bytes(row[0])

    def entry(self, index: int) -> StoredEntry:
        """Entry ``index``; KeyError when absent."""
        with self._guard():
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM ledger_entries WHERE idx = %s", (index,)
            ).fetchone()
        if row is None:
            raise KeyError(index)
        return _row(row)

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Stored entries in ``[start, end)``, in index order."""
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM ledger_entries WHERE idx >= %s AND idx < %s ORDER BY idx",
                (start, end),
            ).fetchall()
        return [_row(row) for row in rows]

    def delete_body(self, index: int) -> None:
        """Forget the sealed body of entry ``index`` (committed on return)."""
        with self._guard():
            self._db.execute("UPDATE ledger_entries SET body = NULL WHERE idx = %s", (index,))

    def save_checkpoint(self, size: int, text: str) -> None:
        """Keep a checkpoint text."""
        with self._guard():
            self._db.execute(
                "INSERT INTO ledger_checkpoints (size, text) VALUES (%s, %s)", (size, text)
            )

    def checkpoints(self) -> list[tuple[int, str]]:
        """Saved checkpoints, oldest first."""
        with self._guard():
            rows = self._db.execute(
                "SELECT size, text FROM ledger_checkpoints ORDER BY id"
            ).fetchall()
        return [(int(size), str(text)) for size, text in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._guard():
            self._db.close()
