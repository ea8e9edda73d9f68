"""In-memory ledger store: the fake beside the real stores, for tests."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from mohtasib.ledger._store import StoreConflict, StoredEntry

__all__ = ["MemoryLedgerStore"]


class MemoryLedgerStore:
    """A :class:`~mohtasib.ledger._store.LedgerStore` held in dicts (not durable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: dict[int, StoredEntry] = {}
        self.nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0
        self._checkpoints: list[tuple[int, str]] = []

    def append_batch(
        self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], new_size: int
    ) -> None:
        """Add ``entries`` and ``nodes`` at once (see the protocol)."""
        with self._lock:
            if self._size != new_size - len(entries):
                raise StoreConflict(
                    f"store has {self._size} entries; batch expects {new_size - len(entries)}"
                )
            clash = [n[:2] for n in nodes if n[:2] in self.nodes]
            if clash or any(entry.index in self.rows for entry in entries):
                raise StoreConflict(f"batch overwrites stored nodes {clash[:3]} or entries")
            for entry in entries:
                self.rows[entry.index] = entry
            for level, index, value in nodes:
                self.nodes[(level, index)] = value
            self._size = new_size

    def size(self) -> int:
        """Number of committed entries."""
        return self._size

    def node(self, level: int, index: int) -> bytes:
        """Stored perfect node; KeyError when absent."""
        return self.nodes[(level, index)]

    def entry(self, index: int) -> StoredEntry:
        """Entry ``index``; KeyError when absent."""
        return self.rows[index]

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Stored entries in ``[start, end)``, in index order."""
        with self._lock:
            return [self.rows[i] for i in sorted(self.rows) if start <= i < end]

    def delete_body(self, index: int) -> None:
        """Forget the sealed body of entry ``index``."""
        with self._lock:
            self.rows[index] = dataclasses.replace(self.rows[index], body=None)

    def save_checkpoint(self, size: int, text: str) -> None:
        """Keep a checkpoint text."""
        with self._lock:
            self._checkpoints.append((size, text))

    def checkpoints(self) -> list[tuple[int, str]]:
        """Saved checkpoints, oldest first."""
        return list(self._checkpoints)

    def close(self) -> None:
        """Nothing to release."""
