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
import functools
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from time import sleep
from types import TracebackType
from typing import Any

from mohtasib.errors import ConfigError, StorageError
from mohtasib.ledger._sqlstore import (
    FORMAT_VERSION,
    TILE_HEIGHT,
    TILE_WIDTH,
    SqlLedgerStore,
    insert_values,
    node_key,
    refuse_format,
    split_batch,
    statements,
    tile_rows,
)
from mohtasib.ledger._store import PreparedEntry, StoreConflict, StoredEntry
from mohtasib.ledger._tree import MemoryNodes, nodes_for_append, siblings_for_append

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
#: Entry rows per multi-row INSERT of :meth:`SqliteLedgerStore.append_rows` (6 parameters
#: each: 1,500, under SQLite's default limit of 32,766 host parameters since 3.32).
STATEMENT_ROWS = 250


@functools.lru_cache(maxsize=64)
def _insert_sql(rows: int) -> str:
    """The multi-row INSERT of ``rows`` entry rows (one text per size, cached)."""
    return insert_values("entries", rows, "?")


#: A job of the writer thread: one INSERT (SQL text and parameters) or a call.
_Job = tuple[str, list[object]] | Callable[[], object]


class _Inserter:
    """A writer thread that runs multi-row INSERTs on the connection while its caller works.

    The caller holds the store's lock (and the open transaction) throughout and does
    not use the connection while the thread runs; this thread executes the jobs it is
    handed, one at a time, in order: the INSERTs, then (:meth:`run`) the batch's last
    statements and its ``COMMIT``. The SQLite driver releases the GIL for the whole
    execution of one statement, so the caller's Python work (preparing the next rows,
    building receipts) runs beside it on another core. Each statement inserts one chunk
    of the caller's (or a part of it), its multi-row SQL text made once per row count.
    :meth:`submit` does not wait for the thread: it takes the GIL (to bind the
    parameters, and again when the statement returns) whenever the caller releases it,
    which the ledger's preparation does on every libsodium call (CFFI releases the
    GIL around foreign calls), and at the latest after CPython's switch interval.
    Waiting for the thread to take each statement measured slower: medians of
    35,664–44,714 against 38,714–52,167 appends/s, behind in 5 of 6 alternating sets
    of 4–6 runs (``bench/RESULTS.md``). The thread is always joined before the caller
    touches the connection again, an interrupt of the join included.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.cancelled = False  # the caller failed: skip what is queued (and the COMMIT)
        # A daemon: if its caller is a daemon thread stopped at interpreter exit, this one
        # must not keep the process alive (its transaction was never committed).
        self._thread = threading.Thread(
            target=self._run, name="mohtasib-sqlite-insert", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if self.error is None and not self.cancelled:
                try:
                    if callable(job):
                        job()
                    else:
                        self._db.execute(*job)
                except BaseException as exc:  # re-raised by submit, run, wait or close
                    self.error = exc

    def submit(self, rows: int, params: list[object]) -> None:
        """Queue one INSERT of ``rows`` entry rows (raise the error of an earlier one, if any)."""
        if self.error is not None:
            raise self.error
        self._jobs.put((_insert_sql(rows), params))

    def run(self, job: Callable[[], object]) -> None:
        """Queue ``job`` (a call on the connection) after the statements queued so far."""
        if self.error is not None:
            raise self.error
        self._jobs.put(job)

    def wait(self, event: threading.Event) -> None:
        """Wait until a job sets ``event``; raise the thread's error if one comes first."""
        while not event.wait(0.05):
            if self.error is not None:
                raise self.error
            if not self._thread.is_alive():
                raise RuntimeError("the SQLite writer thread stopped before its last job")

    def _join(self) -> None:
        """Wait until the thread has stopped, through interrupts (re-raised after it has).

        An interrupted join must not hand the connection back while the thread may
        still run a statement on it: the thread is told to skip what is queued, and
        joined again until it has finished the statement under way.
        """
        self._jobs.put(None)
        interrupted: BaseException | None = None
        while True:
            try:
                self._thread.join()
            except BaseException as exc:
                self.cancelled = True
                interrupted = interrupted or exc
            else:
                break
        if interrupted is not None:
            if self.error is not None and self.error is not interrupted:
                interrupted.add_note(
                    f"the SQLite writer thread also failed: {type(self.error).__name__}"
                )
            raise interrupted

    def stop(self) -> None:
        """Make sure the thread has stopped (skipping what is queued); raise nothing of its own.

        For a caller that is already failing: it must not roll back, or give the
        connection up, while the thread may still run a statement on it.
        """
        if self._thread.is_alive():
            self.cancelled = True
            self._join()

    def close(self) -> None:
        """Wait for every queued job; raise the first error one of them raised."""
        self._join()
        if self.error is not None:
            raise self.error

    def __enter__(self) -> _Inserter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
            return
        # The caller failed: skip queued jobs, finish the current one, roll back.
        self.cancelled = True
        self._join()
        if self.error is not None and exc is not None and exc is not self.error:
            exc.add_note(f"the SQLite writer thread also failed: {type(self.error).__name__}")


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

    def _tile_prefix_at(self, db: sqlite3.Connection, first: int) -> bytes:
        """The hashes of the partial tile that entries from ``first`` on extend.

        Runs in an open write transaction; StoreConflict when the log does not have
        exactly ``first`` entries.
        """
        (size,) = db.execute(self._sql["size"]).fetchone()
        if size != first:
            raise StoreConflict(f"store has {size} entries; batch expects {first}")
        if not first % TILE_WIDTH:
            return b""
        row = db.execute(self._sql["tile"], (first // TILE_WIDTH,)).fetchone()
        return b"" if row is None else bytes(row[0])

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Commit ``entries``, their tiles, ``nodes`` and the new size in one transaction."""
        sql = self._sql
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                prefix = self._tile_prefix_at(db, new_size - len(entries))
                rows, tiles, stored = split_batch(entries, nodes, new_size, prefix)
                db.executemany(sql["insert_entries"], map(_blobs, rows))
                db.executemany("INSERT OR REPLACE INTO tiles (id, hashes) VALUES (?, ?)", tiles)
                db.executemany(sql["insert_nodes"], stored)
                db.execute(sql["set_size"], (new_size,))
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def append_rows(
        self,
        first: int,
        count: int,
        chunks: Iterable[Sequence[PreparedEntry]],
        while_committing: Callable[[], object] | None = None,
    ) -> None:
        """Commit the ``count`` entries ``chunks`` yields, numbered from ``first``.

        Same transaction and stored rows as :meth:`append_batch` (entries, tiles, nodes
        of level 4 and above, size; StoreConflict when the stored size is not ``first``),
        but the entry rows are inserted while ``chunks`` is still being consumed: each
        chunk goes to a writer thread as it arrives, as multi-row INSERTs of at most
        :data:`STATEMENT_ROWS` rows, which SQLite executes with the GIL released, so the
        caller's generator prepares the next rows on the other core meanwhile. The older
        nodes the tree update reads (:func:`~mohtasib.ledger._tree.siblings_for_append`)
        are fetched first, so the perfect nodes (:func:`~mohtasib.ledger.nodes_for_append`)
        and tiles are hashed while the last rows are still being inserted (the caller
        yields the GIL once after the last chunk, so that the writer thread starts that
        INSERT at once instead of after CPython's switch interval). The writer thread
        then stores the tiles, nodes and size and runs ``COMMIT``, while this thread
        calls ``while_committing`` once those statements are done (the ledger builds its
        receipts there, beside the commit's write and sync; it must not use this store).
        Nothing is durable, or visible to another connection, before ``COMMIT``. Should
        ``while_committing`` raise, or this thread be interrupted, the writer thread skips
        ``COMMIT`` if it has not started it (the batch is rolled back) and is otherwise
        waited for (the batch is committed), as after a crash the caller cannot tell
        which; the error is raised once the writer thread has stopped. ValueError when
        ``chunks`` yields other than ``count`` entries (rolled back). ``chunks`` runs in
        the calling thread and must not use this store.
        """
        sql = self._sql
        width = STATEMENT_ROWS
        inserter: _Inserter | None = None
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                prefix = self._tile_prefix_at(db, first)
                siblings = MemoryNodes(
                    {key: self.node(*key) for key in siblings_for_append(first, count)}
                )
                hashes: list[bytes] = []
                with _Inserter(db) as inserter:
                    for rows in chunks:  # the caller prepares the next rows here
                        for at in range(0, len(rows), width):
                            part = rows[at : at + width]
                            inserter.submit(len(part), _flat(part, first + len(hashes), hashes))
                    if len(hashes) != count:
                        raise ValueError(f"got {len(hashes)} entries to append; want {count}")
                    sleep(0)  # let the writer thread take the GIL and start the last INSERT
                    nodes = nodes_for_append(first, hashes, siblings, min_level=TILE_HEIGHT)
                    tiles = tile_rows(first, prefix, hashes)
                    stored = [(node_key(lv, ix), value) for lv, ix, value in nodes]

                    committing = threading.Event()

                    def commit() -> None:
                        # Each step only while the caller has not failed: it then rolls
                        # back once this thread has stopped.
                        steps = (
                            lambda: db.executemany(
                                "INSERT OR REPLACE INTO tiles (id, hashes) VALUES (?, ?)", tiles
                            ),
                            lambda: db.executemany(sql["insert_nodes"], stored),
                            lambda: db.execute(sql["set_size"], (first + count,)),
                            committing.set,
                            lambda: db.execute("COMMIT"),
                        )
                        for step in steps:
                            if inserter.cancelled:
                                return
                            step()

                    inserter.run(commit)
                    if while_committing is not None:
                        # Wait (GIL released) until the writer thread is about to commit:
                        # COMMIT then runs without the GIL beside ``while_committing``.
                        inserter.wait(committing)
                        while_committing()
            except BaseException:
                try:
                    if inserter is not None:  # an interrupt may have cut its join short
                        inserter.stop()
                finally:  # the thread has stopped (stop raises only after it has)
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the connection."""
        with self._guard():
            self._db.close()


def _flat(rows: Sequence[PreparedEntry], first: int, hashes: list[bytes]) -> list[object]:
    """The parameters of a multi-row INSERT of ``rows`` from index ``first``; collect hashes.

    Leaf and body go as ``bytearray``: stored as the same BLOB, but the sqlite3 module
    binds a ``bytearray`` directly, while for ``bytes`` it first looks for an adapter
    (CPython's ``need_adapt``), which costs more than the copy, with the GIL held.
    """
    params: list[object] = []
    add = params.extend
    for index, (kind, leaf, body, retention_class, time, hashed) in enumerate(rows, first):
        add((index, kind, bytearray(leaf), None if body is None else bytearray(body),
             retention_class, time))  # fmt: skip
        hashes.append(hashed)
    return params


def _blobs(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """An entry row with its leaf and body as ``bytearray`` (see :func:`_flat`)."""
    index, kind, leaf, body, retention_class, time = row
    body = None if body is None else bytearray(body)
    return index, kind, bytearray(leaf), body, retention_class, time
