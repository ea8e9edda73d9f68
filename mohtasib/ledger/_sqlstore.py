"""What the SQLite and PostgreSQL stores share: the storage format, its queries, its reads.

Storage format 2 (this module) keeps one log in six tables (PostgreSQL prefixes
each name with ``ledger_``):

* ``entries (idx, kind, leaf, body, retention_class, time)`` — one row per entry;
* ``tiles (id, hashes)`` — the leaf hashes (level-0 nodes), 16 to a row: row ``id``
  holds the leaf hashes of entries ``16 * id .. 16 * id + 15`` concatenated, the
  last row partial until it fills, in the manner of the C2SP ``tlog-tiles`` level-0
  tiles (c2sp.org/tlog-tiles) with a height of 4;
* ``nodes (id, hash)`` — the perfect nodes of level 4 and above only, under the
  single integer key ``level << 40 | index``;
* ``meta (id, size)`` and ``checkpoints (id, size, text)``;
* ``format (version)`` — the storage format, 2.

A perfect node below level 4 spans at most 16 leaves inside one tile, so it is
hashed on demand from that tile (at most 15 hashes); proofs still read O(log n)
rows. Against format 1 (a ``nodes (level, idx, hash)`` row for every perfect node,
leaves included) an append writes about 1.2 rows per entry instead of 3.

Format 1 databases are refused with :class:`~mohtasib.errors.StorageError` naming
both versions: re-create the log, or keep serving it with the release that wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from mohtasib.errors import StorageError
from mohtasib.ledger._store import StoreConflict, StoredEntry
from mohtasib.ledger._tree import perfect_hash

__all__ = [
    "FORMAT_VERSION",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "SqlLedgerStore",
    "insert_values",
    "node_key",
    "refuse_format",
    "split_batch",
    "statements",
    "tile_rows",
]

#: The storage format this release reads and writes.
FORMAT_VERSION = 2
#: Levels kept in a tile rather than as node rows: nodes of level < 4 are hashed from tiles.
TILE_HEIGHT = 4
#: Leaf hashes per tile row.
TILE_WIDTH = 1 << TILE_HEIGHT
_HASH = 32
_TILE_BYTES = TILE_WIDTH * _HASH


def node_key(level: int, index: int) -> int:
    """Integer key of stored node ``(level, index)``: ``level << 40 | index``."""
    return (level << 40) | index


def split_batch(
    entries: Sequence[StoredEntry],
    nodes: Sequence[tuple[int, int, bytes]],
    new_size: int,
    prefix: bytes,
) -> tuple[list[tuple[Any, ...]], list[tuple[int, bytes]], list[tuple[int, bytes]]]:
    """Rows of one batch: entry tuples, tile rows ``(id, hashes)``, node rows ``(key, hash)``.

    ``nodes`` are the batch's perfect nodes as
    :func:`~mohtasib.ledger.nodes_for_append` returns them; its level-0 nodes must
    be exactly the leaf hashes of ``entries`` in order (StoreConflict otherwise).
    ``prefix`` is the stored partial tile the batch continues (empty when the batch
    starts a tile). Nodes of levels 1 to 3 are not stored (hashed from tiles).
    """
    first = new_size - len(entries)
    leaves = [(index, value) for level, index, value in nodes if level == 0]
    if [index for index, _ in leaves] != list(range(first, new_size)) or any(
        e.index != first + i for i, e in enumerate(entries)
    ):
        raise StoreConflict(f"batch of {len(entries)} entries at {first} has other leaf nodes")
    if len(prefix) != (first % TILE_WIDTH) * _HASH:
        raise StorageError(
            f"tile {first // TILE_WIDTH} holds {len(prefix) // _HASH} leaf hashes; "
            f"the log's size {first} needs {first % TILE_WIDTH}"
        )
    tiles = tile_rows(first, prefix, [value for _, value in leaves])
    stored = [(node_key(lv, ix), value) for lv, ix, value in nodes if lv >= TILE_HEIGHT]
    rows = [(e.index, e.kind, e.leaf_data, e.body, e.retention_class, e.time) for e in entries]
    return rows, tiles, stored


def tile_rows(first: int, prefix: bytes, leaf_hashes: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """Tile rows ``(id, hashes)`` holding ``leaf_hashes`` appended at index ``first``.

    ``prefix`` is the stored partial tile they continue (its ``first % 16`` hashes).
    """
    hashes = prefix + b"".join(leaf_hashes)
    tile = first // TILE_WIDTH
    return [
        (tile + i, hashes[at : at + _TILE_BYTES])
        for i, at in enumerate(range(0, len(hashes), _TILE_BYTES))
    ]


def insert_values(table: str, rows: int, param: str) -> str:
    """One ``INSERT`` of ``rows`` entry rows (a multi-row ``VALUES`` list) into ``table``.

    A store binds all the rows at once and the database inserts them in one statement
    execution, which the SQLite driver runs with the GIL released throughout.
    """
    row = "(" + ", ".join([param] * 6) + ")"
    return (
        f"INSERT INTO {table} (idx, kind, leaf, body, retention_class, time) VALUES "
        + ", ".join([row] * rows)
    )


def statements(prefix: str, param: str, blob: str) -> dict[str, str]:
    """The shared queries for table-name ``prefix``, placeholder ``param`` and BLOB reader."""
    e, t, n, m, c = (
        f"{prefix}{name}" for name in ("entries", "tiles", "nodes", "meta", "checkpoints")
    )
    p = param
    columns = f"idx, kind, {blob.format('leaf')}, {blob.format('body')}, retention_class, time"
    return {
        "size": f"SELECT size FROM {m} WHERE id = 0",
        "set_size": f"UPDATE {m} SET size = {p} WHERE id = 0",
        "node": f"SELECT {blob.format('hash')} FROM {n} WHERE id = {p}",
        "tile": f"SELECT {blob.format('hashes')} FROM {t} WHERE id = {p}",
        "tiles": f"SELECT id, {blob.format('hashes')} FROM {t} WHERE id >= {p} AND id < {p} "
        "ORDER BY id",
        "entry": f"SELECT {columns} FROM {e} WHERE idx = {p}",
        "entries": f"SELECT {columns} FROM {e} WHERE idx >= {p} AND idx < {p} ORDER BY idx",
        "delete_body": f"UPDATE {e} SET body = NULL WHERE idx = {p}",
        "save_checkpoint": f"INSERT INTO {c} (size, text) VALUES ({p}, {p})",
        "checkpoints": f"SELECT size, text FROM {c} ORDER BY id",
        "insert_entries": f"INSERT INTO {e} (idx, kind, leaf, body, retention_class, time) "
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
        "insert_nodes": f"INSERT INTO {n} (id, hash) VALUES ({p}, {p})",
    }


def _entry(row: tuple[Any, ...]) -> StoredEntry:
    idx, kind, leaf, body, retention_class, time = row
    return StoredEntry(
        int(idx), kind, bytes(leaf), None if body is None else bytes(body), retention_class, time
    )


class SqlLedgerStore:
    """Reads of storage format 2 shared by the SQLite and PostgreSQL stores.

    A subclass sets ``_sql`` (from :func:`statements`), opens the connection and
    provides ``_guard`` (hold the connection's lock and turn the driver's errors
    into StorageError) and ``append_batch``.
    """

    _sql: dict[str, str]
    _guard: Callable[[], AbstractContextManager[Any]]

    def _one(self, name: str, *params: object) -> Any:
        with self._guard() as db:
            return db.execute(self._sql[name], params).fetchone()

    def _all(self, name: str, *params: object) -> list[Any]:
        with self._guard() as db:
            return list(db.execute(self._sql[name], params).fetchall())

    def _run(self, name: str, *params: object) -> None:
        with self._guard() as db:
            db.execute(self._sql[name], params)

    def size(self) -> int:
        """Number of committed entries."""
        row = self._one("size")
        return 0 if row is None else int(row[0])

    _full_tile: tuple[int, bytes] | None = None

    def _tile(self, tile: int) -> bytes:
        """Leaf hashes of tile ``tile``; the last complete tile read is kept in memory.

        A complete tile never changes (the log only grows; only the last, partial
        tile is rewritten by an append), so an inclusion proof, which asks for up to
        four nodes of one tile, reads it once.
        """
        cached = self._full_tile
        if cached is not None and cached[0] == tile:
            return cached[1]
        row = self._one("tile", tile)
        hashes = b"" if row is None else bytes(row[0])
        if len(hashes) == _TILE_BYTES:
            self._full_tile = (tile, hashes)
        return hashes

    def node(self, level: int, index: int) -> bytes:
        """Perfect node ``(level, index)``, stored or hashed from its tile; KeyError if absent."""
        if level >= TILE_HEIGHT:
            row = self._one("node", node_key(level, index))
            if row is None:
                raise KeyError((level, index))
            return bytes(row[0])
        first = index << level
        hashes = self._tile(first // TILE_WIDTH)
        at = (first % TILE_WIDTH) * _HASH
        span = hashes[at : at + (_HASH << level)]
        if len(span) != _HASH << level:
            raise KeyError((level, index))
        return perfect_hash([span[i : i + _HASH] for i in range(0, len(span), _HASH)])

    def leaf_hashes(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """Stored leaf hashes ``(index, hash)`` with ``start <= index < end``, in index order.

        The outside audit reads them page by page to locate a changed entry.
        """
        if start >= end:
            return []
        out: list[tuple[int, bytes]] = []
        for tile, raw in self._all("tiles", start // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            hashes = bytes(raw)
            base = int(tile) * TILE_WIDTH
            for offset in range(0, len(hashes) - _HASH + 1, _HASH):
                index = base + offset // _HASH
                if start <= index < end:
                    out.append((index, hashes[offset : offset + _HASH]))
        return out

    def entry(self, index: int) -> StoredEntry:
        """Entry ``index``; KeyError when absent."""
        row = self._one("entry", index)
        if row is None:
            raise KeyError(index)
        return _entry(row)

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Stored entries in ``[start, end)``, in index order."""
        return [_entry(row) for row in self._all("entries", start, end)]

    def delete_body(self, index: int) -> None:
        """Forget the sealed body of entry ``index`` (committed on return)."""
        self._run("delete_body", index)

    def save_checkpoint(self, size: int, text: str) -> None:
        """Keep a checkpoint text."""
        self._run("save_checkpoint", size, text)

    def checkpoints(self) -> list[tuple[int, str]]:
        """Saved checkpoints, oldest first."""
        return [(int(size), str(text)) for size, text in self._all("checkpoints")]


def refuse_format(found: int, database: str) -> StorageError:
    """The error for a database of another storage format."""
    return StorageError(
        f"ledger storage format {found} found; this release reads format {FORMAT_VERSION} only "
        "(format 1 kept every tree node as a row and is not migrated: re-create the log, "
        "or serve it with the release that wrote it)",
        database=database,
    )
