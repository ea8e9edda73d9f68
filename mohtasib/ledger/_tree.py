"""Merkle-tree construction over stored perfect-subtree nodes (RFC 9162 §2.1).

The tree is kept as its *perfect nodes*: node ``(level, index)`` is the hash of
the perfect subtree of ``2**level`` leaves ``[index * 2**level, (index + 1) * 2**level)``;
level 0 holds the leaf hashes. Appending a leaf stores O(1) nodes amortised (the
leaf and each perfect subtree it completes); the root of any size and every proof
then need O(log n) node reads, never a rehash of the tree.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from mohtasib.ledger import _native
from mohtasib.ledger.verify import EMPTY_ROOT, node_hash

__all__ = [
    "MemoryNodes",
    "NodeReader",
    "largest_power_of_two_below",
    "nodes_for_append",
    "perfect_hash",
    "range_hash",
    "root_hash",
    "siblings_for_append",
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


def _parents(nodes: list[bytes]) -> list[bytes]:
    """``node_hash(left, right)`` of each complete pair of ``nodes``; an unpaired last waits.

    By the ledger's C extension where it is built (:func:`~mohtasib.ledger._native.hash_pairs`,
    the interpreter lock released), else in Python; the same hashes either way.
    """
    if _native.available():
        with contextlib.suppress(TypeError):  # a node that is not bytes (a reader's bytearray)
            return _native.hash_pairs(nodes)
    sha256 = hashlib.sha256
    pairs = iter(nodes)
    return [
        sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
    ]


def nodes_for_append(
    size: int, leaves: Iterable[bytes], reader: NodeReader, *, min_level: int = 0
) -> list[tuple[int, int, bytes]]:
    """Perfect nodes ``(level, index, hash)`` created by appending ``leaves`` at ``size``.

    ``leaves`` are leaf hashes (already ``SHA-256(0x00 || data)``), returned first as
    the level-0 nodes, then each higher level in index order. The caller stores the
    returned nodes atomically with the new size. The batch is built one level at a
    time: only left siblings older than this batch are read from ``reader`` (at most
    one per level), every other parent is hashed from the level below in one pass.
    Nodes below ``min_level`` are hashed but not returned (a store that keeps the
    lower levels in tiles asks for ``min_level=4``).
    """
    current = list(leaves)
    out: list[tuple[int, int, bytes]] = []
    level, start = 0, size
    while current:
        if level >= min_level:
            out.extend(zip(itertools.repeat(level), range(start, start + len(current)), current))
        if start & 1:  # the first new node is a right child: fetch its older left sibling
            current.insert(0, reader.node(level, start - 1))
            start -= 1
        current = _parents(current)
        level, start = level + 1, start >> 1
    return out


def siblings_for_append(size: int, count: int) -> list[tuple[int, int]]:
    """The stored nodes ``(level, index)`` that :func:`nodes_for_append` reads.

    Appending ``count`` leaves at ``size`` creates the level-``L`` nodes with indices
    ``size >> L`` to ``(size + count) >> L`` (exclusive); when the first of them is a
    right child (``size >> L`` odd) its older left sibling is read. A store can fetch
    these few nodes before it hashes the batch, and hash it without the database.
    """
    end = size + count
    return [
        (level, (size >> level) - 1)
        for level in range(end.bit_length())
        if (size >> level) & 1 and (end >> level) > (size >> level)
    ]


def perfect_hash(leaves: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree from its ``2**k`` leaf hashes (RFC 9162 §2.1.1)."""
    level = list(leaves)
    while len(level) > 1:
        level = _parents(level)
    return level[0]


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
