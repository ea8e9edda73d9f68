"""Inclusion and consistency proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) from stored nodes.

Proofs are built here and verified in :mod:`mohtasib.ledger.verify`, which an
outside auditor can run without the rest of mohtasib (build and verify are kept
apart, as in transparency-dev/merkle's ``proof`` package).
"""

from __future__ import annotations

from mohtasib.ledger._tree import NodeReader, largest_power_of_two_below, range_hash

__all__ = ["consistency_proof", "inclusion_proof"]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """Audit path PATH(index, D[0:size]) (RFC 9162 §2.1.3.1).

    Requires ``0 <= index < size``. Reads O(log size) stored nodes.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    proof: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if m < k:
            proof.append(range_hash(start + k, end, reader))
            end = start + k
        else:
            proof.append(range_hash(start, start + k, reader))
            start, m = start + k, m - k
    proof.reverse()
    return proof


def consistency_proof(size1: int, size2: int, reader: NodeReader) -> list[bytes]:
    """PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1).

    Requires ``0 < size1 <= size2``; empty when the sizes are equal.
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"want 0 < size1 <= size2; got {size1} and {size2}")
    proof: list[bytes] = []
    start, end, m, complete = 0, size2, size1, True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            proof.append(range_hash(start + k, end, reader))
            end = start + k
        else:
            proof.append(range_hash(start, start + k, reader))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(range_hash(start, end, reader))
    proof.reverse()
    return proof
