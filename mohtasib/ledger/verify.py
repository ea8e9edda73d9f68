"""Standalone verifier of Merkle-tree proofs, exactly as RFC 9162 (Certificate Transparency v2).

This module is the part of mohtasib an outside auditor needs to trust. It imports
only the Python standard library and :mod:`mohtasib.errors`, so it can be read in
one sitting and copied next to a set of checkpoints and proofs.

* Leaf hash ``SHA-256(0x00 || data)``, node hash ``SHA-256(0x01 || left || right)``,
  the empty tree's root ``SHA-256("")`` (RFC 9162 §2.1.1).
* :func:`verify_inclusion`: RFC 9162 §2.1.3.2.
* :func:`verify_consistency`: RFC 9162 §2.1.4.2, with mohtasib's conventions:
  ``size1 == size2`` requires an empty proof and equal roots; ``size1 > size2``
  and ``size1 == 0`` fail here (a witness accepts a first checkpoint explicitly,
  trust on first use); a missing or extra proof element fails.

Every failure raises :class:`~mohtasib.errors.VerificationError`; a wrong root
raises :class:`~mohtasib.errors.RootMismatch` carrying both roots.
"""

from __future__ import annotations

import hashlib

from mohtasib.errors import RootMismatch, VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32
#: Root of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior-node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _check_hashes(what: str, hashes: list[bytes]) -> None:
    for position, value in enumerate(hashes):
        if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
            size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
            raise VerificationError(
                f"{what} element {position} is {size}; want a {HASH_SIZE}-byte hash"
            )


def root_from_inclusion_proof(
    leaf: bytes, proof: list[bytes], *, index: int, tree_size: int
) -> bytes:
    """Recompute the root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4).

    Requires ``0 <= index < tree_size``. Raises VerificationError when the proof
    has the wrong number of elements for that index and size.
    """
    _check_hashes("leaf hash", [leaf])
    _check_hashes("proof", proof)
    if not 0 <= index < tree_size:
        raise VerificationError(f"index {index} is outside a tree of size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof has more elements than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is missing elements for this index and size")
    return r


def verify_inclusion(
    leaf_hash: bytes, proof: list[bytes], *, index: int, tree_size: int, root: bytes
) -> None:
    """Check that ``leaf_hash`` is entry ``index`` of the tree of ``tree_size`` with ``root``.

    Requires ``0 <= index < tree_size``. Raises RootMismatch when the proof
    leads to another root, VerificationError for a malformed proof.
    """
    _check_hashes("root", [root])
    calculated = root_from_inclusion_proof(leaf_hash, proof, index=index, tree_size=tree_size)
    if calculated != root:
        raise RootMismatch(
            f"inclusion proof leads to root {calculated.hex()}; expected {root.hex()}",
            expected=root,
            calculated=calculated,
        )


def _same_tree(proof: list[bytes], *, size1: int, size2: int, root1: bytes, root2: bytes) -> bool:
    """Check the sizes; True when both trees have one size (and so must be one tree)."""
    if size1 <= 0:
        raise VerificationError(
            f"size1 is {size1}; a consistency proof needs a non-empty first tree"
        )
    if size1 > size2:
        raise VerificationError(f"size1 {size1} is larger than size2 {size2}: a rollback")
    if size1 == size2:
        if proof:
            raise VerificationError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise RootMismatch(
                f"two trees of size {size1} have different roots {root1.hex()} and "
                f"{root2.hex()}: a fork",
                expected=root1,
                calculated=root2,
            )
        return True
    return False


def verify_consistency(
    proof: list[bytes], *, size1: int, size2: int, root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    RFC 9162 §2.1.4.2. Requires ``0 < size1 <= size2``. Raises RootMismatch when
    either recomputed root differs, VerificationError for anything else.
    """
    _check_hashes("root", [root1, root2])
    _check_hashes("proof", proof)
    if _same_tree(proof, size1=size1, size2=size2, root1=root1, root2=root2):
        return
    if not proof:
        raise VerificationError("consistency proof is empty; want at least one hash")
    nodes = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise VerificationError("consistency proof has more elements than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is missing elements")
    if fr != root1:
        raise RootMismatch(
            f"consistency proof leads to first root {fr.hex()}; expected {root1.hex()}",
            expected=root1,
            calculated=fr,
        )
    if sr != root2:
        raise RootMismatch(
            f"consistency proof leads to second root {sr.hex()}; expected {root2.hex()}",
            expected=root2,
            calculated=sr,
        )
