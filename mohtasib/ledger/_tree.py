"""Merkle-tree construction over stored perfect-subtree nodes (RFC 9162 §2.1).

The tree is kept as its *perfect nodes*: node ``(level, index)`` is the hash of
the perfect subtree of ``2**level`` leaves ``[index * 2**level, (index + 1) * 2**level)``;
level 0 holds the leaf hashes. Appending a leaf stores O(1) nodes amortised (the
leaf and each perfect subtree it completes); the root of any size and every proof
then need O(log n) node reads, never a rehash of the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from mohtasib.ledger.verify import EMPTY_ROOT, node_hash

__all__ = [
    "MemoryNodes",
    "NodeReader",
    "largest_power_of_two_below",
    "nodes_for_append",
    "range_hash",
    "root_hash",
]


class NodeReader(Protocol):
    """Read access to stored perfect nodes."""

    def node(self, level: int, index: int) -> bytes:
        """Hash of perfect node ``(level, index)``; KeyError if it is not stored."""
        ...


def largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (requires ``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, reader: NodeReader) -> bytes:
    """MTH of leaves ``[start, end)`` as RFC 9162 §2.1.1 defines it.

    Requires ``start < end`` and ``start`` aligned as in the RFC's recursion
    (a multiple of the largest power of two not exceeding ``end - start``).
    """
    width = end - start
    if width & (width - 1) == 0:
        level = width.bit_length() - 1
        return reader.node(level, start >> level)
    k = largest_power_of_two_below(width)
    return node_hash(range_hash(start, start + k, reader), range_hash(start + k, end, reader))


def root_hash(size: int, reader: NodeReader) -> bytes:
    """Root of the first ``size`` leaves (the empty tree's root when ``size == 0``)."""
    return EMPTY_ROOT if size == 0 else range_hash(0, size, reader)


class _Overlay:
    """Nodes being added in one batch, falling back to the stored nodes."""

    def __init__(self, reader: NodeReader) -> None:
        self.reader = reader
        self.new: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        found = self.new.get((level, index))
        return found if found is not None else self.reader.node(level, index)


def nodes_for_append(
    size: int, leaves: Iterable[bytes], reader: NodeReader
) -> list[tuple[int, int, bytes]]:
    """Perfect nodes ``(level, index, hash)`` created by appending ``leaves`` at ``size``.

    ``leaves`` are leaf hashes (already ``SHA-256(0x00 || data)``). The caller
    stores the returned nodes atomically with the new size.
    """
    overlay = _Overlay(reader)
    out: list[tuple[int, int, bytes]] = []
    index = size
    for leaf in leaves:
        overlay.new[(0, index)] = leaf
        out.append((0, index, leaf))
        level, j = 0, index
        while j & 1:
            parent = node_hash(overlay.node(level, j - 1), overlay.node(level, j))
            level, j = level + 1, j >> 1
            overlay.new[(level, j)] = parent
            out.append((level, j, parent))
        index += 1
    return out


class MemoryNodes:
    """Perfect nodes in a dict: the in-memory reader used by tests and batch builds."""

    def __init__(self, nodes: Mapping[tuple[int, int], bytes] | None = None) -> None:
        self.nodes: dict[tuple[int, int], bytes] = dict(nodes or {})
        self.size = sum(1 for level, _ in self.nodes if level == 0)

    def node(self, level: int, index: int) -> bytes:
        """Hash of perfect node ``(level, index)``."""
        return self.nodes[(level, index)]

    def append(self, leaves: Iterable[bytes]) -> None:
        """Append leaf hashes and store the nodes they complete."""
        added = nodes_for_append(self.size, list(leaves), self)
        for level, index, value in added:
            self.nodes[(level, index)] = value
        self.size += sum(1 for level, _, _ in added if level == 0)

    def root(self, size: int | None = None) -> bytes:
        """Root of the first ``size`` leaves (default: all)."""
        return root_hash(self.size if size is None else size, self)
