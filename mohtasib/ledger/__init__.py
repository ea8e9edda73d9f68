"""Verifiable access ledger: an RFC 9162 Merkle log of every use of surveillance data.

:mod:`mohtasib.ledger.verify` is the standalone verifier (standard library only)
that an outside auditor runs; the rest builds the log, its proofs and checkpoints.
"""

from __future__ import annotations

from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._tree import MemoryNodes, NodeReader, nodes_for_append, root_hash
from mohtasib.ledger.verify import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "MemoryNodes",
    "NodeReader",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "nodes_for_append",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]
