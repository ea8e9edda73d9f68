"""Storage of the log behind one protocol: entries, perfect nodes, checkpoints.

Interfaces on top, implementations below (as trillian's ``storage/``):
:class:`~mohtasib.ledger._memory.MemoryLedgerStore` for tests,
:class:`~mohtasib.ledger._sqlite.SqliteLedgerStore` (the default) and
:class:`~mohtasib.ledger._postgres.PostgresLedgerStore`. :func:`open_store`
picks one from a URL or path.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from mohtasib.errors import ConfigError, StorageError, StoreConflict

__all__ = ["LedgerStore", "StorageError", "StoreConflict", "StoredEntry", "open_store"]

#: Environment variable naming the ledger database (``postgresql://…`` or a SQLite path).
DATABASE_URL_ENV = "MOHTASIB_DATABASE_URL"


@dataclasses.dataclass
class StoredEntry:
    """One stored entry (a plain record: stores build thousands of them per batch).

    ``leaf_data`` is public (its RFC 9162 leaf hash is in the tree); ``body`` is
    the sealed record (None for tombstones and after retention); ``retention_class``
    and ``time`` are the server-side facts the retention sweep needs (never in a leaf).
    """

    index: int
    kind: str
    leaf_data: bytes
    body: bytes | None = None
    retention_class: str | None = None
    time: str | None = None


#: One entry ready to store, all but its index: kind, leaf data, sealed body, retention
#: class, stored time, and the leaf hash (``SHA-256(0x00 || leaf data)``, RFC 9162 §2.1.1).
PreparedEntry = tuple[str, bytes, bytes | None, str | None, str | None, bytes]


class LedgerStore(Protocol):
    """Durable storage of one log.

    ``append_batch`` is atomic and durable: when it returns, the entries, the
    nodes and the new size are committed together, or none of them is. Every
    method raises :class:`~mohtasib.errors.StorageError` when the database fails
    (locked, corrupt, unreachable), never the driver's own exception.

    A store may also offer ``append_rows(first, count, chunks, while_committing)``, the
    same commit fed from an iterator of :data:`PreparedEntry` lists while they are still
    being prepared, calling ``while_committing()`` once the commit is under way
    (:meth:`~mohtasib.ledger._sqlite.SqliteLedgerStore.append_rows`); the ledger streams
    large batches to it and uses :meth:`append_batch` otherwise.
    """

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Commit ``entries`` (indices ``new_size - len(entries) ..``) and ``nodes``.

        ``nodes`` are what :func:`~mohtasib.ledger.nodes_for_append` returns for the
        batch, its level-0 nodes the entries' leaf hashes; a store keeps what it needs
        to answer :meth:`node` (the SQL stores: leaf hashes in tiles and the nodes of
        level 4 and above). Raises StoreConflict when the stored size is not
        ``new_size - len(entries)``.
        """
        ...

    def size(self) -> int:
        """Number of committed entries."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """Perfect node ``(level, index)`` of the committed tree; KeyError when absent."""
        ...

    def entry(self, index: int) -> StoredEntry:
        """Entry ``index``; KeyError when absent."""
        ...

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Stored entries with ``start <= index < end``, in index order."""
        ...

    def delete_body(self, index: int) -> None:
        """Delete the sealed body of entry ``index`` (retention); durable on return."""
        ...

    def save_checkpoint(self, size: int, text: str) -> None:
        """Keep a signed checkpoint text for tree size ``size``."""
        ...

    def checkpoints(self) -> list[tuple[int, str]]:
        """Every saved checkpoint ``(size, text)``, oldest first."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def open_store(url_or_path: str | os.PathLike[str] | None = None) -> LedgerStore:
    """Open the store named by a URL or path.

    ``postgresql://…`` (or ``postgres://…``) opens PostgreSQL, ``memory:`` an
    in-memory store, ``sqlite:///path`` or a plain path a SQLite file. None reads
    ``MOHTASIB_DATABASE_URL`` (ConfigError when it is unset).
    """
    if url_or_path is None:
        url_or_path = os.environ.get(DATABASE_URL_ENV)
        if not url_or_path:
            raise ConfigError(f"{DATABASE_URL_ENV} is not set", key=DATABASE_URL_ENV)
    text = os.fspath(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        from mohtasib.ledger._postgres import PostgresLedgerStore

        return PostgresLedgerStore(text)
    if text == "memory:":
        from mohtasib.ledger._memory import MemoryLedgerStore

        return MemoryLedgerStore()
    from mohtasib.ledger._sqlite import SqliteLedgerStore

    return SqliteLedgerStore(Path(text.removeprefix("sqlite://")))
