"""Invariants of RFC 9162 proofs over random trees, checked with Hypothesis.

For any tree, every inclusion proof and every consistency proof built by
``_proofs.py`` verifies with the standalone verifier, and flipping any single bit
of the leaf, of one proof element or of a root makes verification fail.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mohtasib.errors import VerificationError
from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._tree import MemoryNodes
from mohtasib.ledger.verify import leaf_hash, verify_consistency, verify_inclusion

FAST = settings(max_examples=60, deadline=None)

leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=70)
bits = st.integers(0, 255)


def _tree(data: list[bytes]) -> MemoryNodes:
    tree = MemoryNodes()
    tree.append(leaf_hash(d) for d in data)
    return tree


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@FAST
@given(leaf_lists)
def test_every_inclusion_proof_verifies(data):
    tree = _tree(data)
    for size in {1, len(data), max(1, len(data) // 2)}:
        root = tree.root(size)
        for index in range(size):
            proof = inclusion_proof(index, size, tree)
            verify_inclusion(leaf_hash(data[index]), proof, index=index, tree_size=size, root=root)


@FAST
@given(leaf_lists)
def test_every_consistency_proof_verifies(data):
    tree = _tree(data)
    size2 = len(data)
    for size1 in range(1, size2 + 1):
        proof = consistency_proof(size1, size2, tree)
        verify_consistency(
            proof, size1=size1, size2=size2, root1=tree.root(size1), root2=tree.root(size2)
        )


@FAST
@given(leaf_lists, st.data(), bits)
def test_inclusion_rejects_any_single_bit_change(data, draw, bit):
    tree = _tree(data)
    size = len(data)
    index = draw.draw(st.integers(0, size - 1), label="index")
    leaf, root = leaf_hash(data[index]), tree.root(size)
    proof = inclusion_proof(index, size, tree)

    def check(leaf_: bytes, proof_: list[bytes], root_: bytes) -> None:
        verify_inclusion(leaf_, proof_, index=index, tree_size=size, root=root_)

    with pytest.raises(VerificationError):
        check(_flip(leaf, bit), proof, root)
    with pytest.raises(VerificationError):
        check(leaf, proof, _flip(root, bit))
    for n in range(len(proof)):
        mutated = [*proof[:n], _flip(proof[n], bit), *proof[n + 1 :]]
        with pytest.raises(VerificationError):
            check(leaf, mutated, root)


@FAST
@given(st.lists(st.binary(max_size=12), min_size=2, max_size=70), st.data(), bits)
def test_consistency_rejects_any_single_bit_change(data, draw, bit):
    tree = _tree(data)
    size2 = len(data)
    size1 = draw.draw(st.integers(1, size2 - 1), label="size1")
    root1, root2 = tree.root(size1), tree.root(size2)
    proof = consistency_proof(size1, size2, tree)

    def check(proof_: list[bytes], root1_: bytes, root2_: bytes) -> None:
        verify_consistency(proof_, size1=size1, size2=size2, root1=root1_, root2=root2_)

    with pytest.raises(VerificationError):
        check(proof, _flip(root1, bit), root2)
    with pytest.raises(VerificationError):
        check(proof, root1, _flip(root2, bit))
    for n in range(len(proof)):
        mutated = [*proof[:n], _flip(proof[n], bit), *proof[n + 1 :]]
        with pytest.raises(VerificationError):
            check(mutated, root1, root2)


@FAST
@given(leaf_lists, st.data())
def test_changing_any_leaf_changes_the_root(data, draw):
    # A modified record changes its leaf, which no stored proof then covers.
    index = draw.draw(st.integers(0, len(data) - 1), label="index")
    changed = [*data[:index], data[index] + b"\x00", *data[index + 1 :]]
    assert _tree(changed).root() != _tree(data).root()
