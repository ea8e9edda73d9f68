"""The standalone verifier against published and generated golden vectors (RFC 9162 §2.1).

* ``vectors/rfc6962-reference.json``: the RFC 6962 reference tree and the proofs
  published in transparency-dev/merkle (source and commit inside the file).
* ``vectors/merkle-proofs-64.json``: every inclusion and consistency proof up to
  64 leaves, written once by ``vectors/generate_merkle_vectors.py``.

Every stored proof must verify, be rebuilt byte for byte by ``_proofs.py``, and
every mutation of it must be rejected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mohtasib.errors import RootMismatch, VerificationError
from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._tree import MemoryNodes
from mohtasib.ledger.verify import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.vectors import generate_merkle_vectors

VECTORS = Path(__file__).with_name("vectors")
FULL_ROOT = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@cache
def reference() -> Any:
    return _load("rfc6962-reference.json")


@cache
def golden() -> Any:
    return _load("merkle-proofs-64.json")


def _hashes(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- the RFC 6962 reference tree -------------------------------------------------


def test_reference_tree_root_of_every_prefix_matches_published_roots():
    ref = reference()
    tree = MemoryNodes()
    tree.append(leaf_hash(bytes.fromhex(h)) for h in ref["leaves"])
    assert tree.root().hex() == FULL_ROOT == ref["roots"]["8"]
    for size, root in ref["roots"].items():
        assert tree.root(int(size)).hex() == root


def test_reference_leaf_and_node_hashes_follow_rfc9162_prefixes():
    # RFC 9162 §2.1.1: the empty tree is SHA-256(""); leaf 0 of the reference tree is "".
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == reference()["roots"]["1"]
    first_two = node_hash(leaf_hash(b""), leaf_hash(b"\x00"))
    assert first_two.hex() == reference()["roots"]["2"]


@pytest.mark.parametrize(
    "case", reference()["inclusion"], ids=lambda c: f"{c['index']}-{c['size']}"
)
def test_published_inclusion_proof_is_rebuilt_and_verifies(case):
    ref = reference()
    tree = MemoryNodes()
    tree.append(leaf_hash(bytes.fromhex(h)) for h in ref["leaves"])
    proof = _hashes(case["proof"])
    assert inclusion_proof(case["index"], case["size"], tree) == proof
    leaf = leaf_hash(bytes.fromhex(ref["leaves"][case["index"]]))
    root = bytes.fromhex(ref["roots"][str(case["size"])])
    verify_inclusion(leaf, proof, index=case["index"], tree_size=case["size"], root=root)


@pytest.mark.parametrize(
    "case", reference()["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}"
)
def test_published_consistency_proof_is_rebuilt_and_verifies(case):
    ref = reference()
    tree = MemoryNodes()
    tree.append(leaf_hash(bytes.fromhex(h)) for h in ref["leaves"])
    proof = _hashes(case["proof"])
    assert consistency_proof(case["size1"], case["size2"], tree) == proof
    root1 = bytes.fromhex(ref["roots"][str(case["size1"])])
    root2 = bytes.fromhex(ref["roots"][str(case["size2"])])
    verify_consistency(proof, size1=case["size1"], size2=case["size2"], root1=root1, root2=root2)


# --- the 64-leaf golden file --------------------------------------------------------


def test_golden_file_is_rebuilt_byte_for_byte_by_proofs_module():
    stored = (VECTORS / "merkle-proofs-64.json").read_text(encoding="utf-8")
    assert generate_merkle_vectors.build() == stored


def test_golden_file_covers_every_index_and_size_pair():
    data = golden()
    assert data["roots"][8] == FULL_ROOT
    assert {(i, n) for i, n, _ in data["inclusion"]} == {
        (i, n) for n in range(1, 65) for i in range(n)
    }
    assert {(a, b) for a, b, _ in data["consistency"]} == {
        (a, b) for b in range(1, 65) for a in range(1, b + 1)
    }


def _root_of(size: int, default: bytes) -> bytes:
    """The golden root of a tree of ``size`` leaves (``default`` outside 1..64)."""
    roots = golden()["roots"]
    return bytes.fromhex(roots[size]) if 1 <= size < len(roots) else default


def _inclusion_mutants(
    leaf: bytes, proof: list[bytes], index: int, size: int, root: bytes
) -> list[tuple[str, Callable[[], None]]]:
    # A tree size travels with its root in a checkpoint, so "size +-1" pairs the
    # proof with the root of that size. With the root left unchanged, size +-1 is
    # often accepted, and must be: see test_tree_size_is_only_bound_by_the_root.
    def call(leaf_=leaf, proof_=proof, index_=index, size_=size, root_=root) -> Callable[[], None]:
        return lambda: verify_inclusion(leaf_, proof_, index=index_, tree_size=size_, root=root_)

    out = [
        ("index-1", call(index_=index - 1)),
        ("index+1", call(index_=index + 1)),
        ("size-1", call(size_=size - 1, root_=_root_of(size - 1, root))),
        ("size+1", call(size_=size + 1, root_=_root_of(size + 1, root))),
        ("size*2", call(size_=size * 2)),
        ("size/2", call(size_=size // 2)),
        ("index^2", call(index_=index ^ 2)),
        ("extended", call(proof_=[*proof, root])),
        ("wrong root", call(root_=_flip(root, 0))),
        ("wrong leaf", call(leaf_=_flip(leaf, 255))),
    ]
    if proof:
        out.append(("truncated", call(proof_=proof[:-1])))
    for n, element in enumerate(proof):
        for bit in (0, 131, 255):
            mutated = [*proof[:n], _flip(element, bit), *proof[n + 1 :]]
            out.append((f"proof[{n}] bit {bit}", call(proof_=mutated)))
    return out


def _accepted(mutants: list[tuple[str, Callable[[], None]]]) -> list[str]:
    accepted = []
    for name, attempt in mutants:
        try:
            attempt()
        except VerificationError:
            continue
        accepted.append(name)
    return accepted


@pytest.mark.parametrize("size", range(1, 65))
def test_golden_inclusion_proofs_verify_and_every_mutation_is_rejected(size):
    data = golden()
    root = bytes.fromhex(data["roots"][size])
    failures = []
    for index, tree_size, hexes in data["inclusion"]:
        if tree_size != size:
            continue
        leaf, proof = leaf_hash(bytes.fromhex(data["leaves"][index])), _hashes(hexes)
        verify_inclusion(leaf, proof, index=index, tree_size=size, root=root)
        accepted = _accepted(_inclusion_mutants(leaf, proof, index, size, root))
        failures += [f"({index}, {size}): {name}" for name in accepted]
    assert not failures, f"mutated inclusion proofs accepted: {failures}"


def _consistency_mutants(
    proof: list[bytes], size1: int, size2: int, root1: bytes, root2: bytes
) -> list[tuple[str, Callable[[], None]]]:
    def call(p=proof, s1=size1, s2=size2, r1=root1, r2=root2) -> Callable[[], None]:
        return lambda: verify_consistency(p, size1=s1, size2=s2, root1=r1, root2=r2)

    out = [
        ("size1-1", call(s1=size1 - 1)),
        ("size1+1", call(s1=size1 + 1)),
        ("size2-1", call(s2=size2 - 1, r2=_root_of(size2 - 1, root2))),
        ("size2+1", call(s2=size2 + 1, r2=_root_of(size2 + 1, root2))),
        ("size2*2", call(s2=size2 * 2)),
        ("size2/2", call(s2=size2 // 2)),
        ("extended", call(p=[*proof, root2])),
        ("wrong root1", call(r1=_flip(root1, 7))),
        ("wrong root2", call(r2=_flip(root2, 7))),
    ]
    if proof:
        out.append(("truncated", call(p=proof[:-1])))
        out.append(("prepended root1", call(p=[root1, *proof])))
        out.append(("swapped roots", call(r1=root2, r2=root1)))
    for n, element in enumerate(proof):
        for bit in (0, 131, 255):
            mutated = [*proof[:n], _flip(element, bit), *proof[n + 1 :]]
            out.append((f"proof[{n}] bit {bit}", call(p=mutated)))
    return out


@pytest.mark.parametrize("size2", range(1, 65))
def test_golden_consistency_proofs_verify_and_every_mutation_is_rejected(size2):
    data = golden()
    root2 = bytes.fromhex(data["roots"][size2])
    failures = []
    for size1, tree_size, hexes in data["consistency"]:
        if tree_size != size2:
            continue
        root1, proof = bytes.fromhex(data["roots"][size1]), _hashes(hexes)
        verify_consistency(proof, size1=size1, size2=size2, root1=root1, root2=root2)
        mutants = _consistency_mutants(proof, size1, size2, root1, root2)
        failures += [f"({size1}, {size2}): {name}" for name in _accepted(mutants)]
    assert not failures, f"mutated consistency proofs accepted: {failures}"


def test_wrong_root_raises_root_mismatch_with_both_roots():
    data = golden()
    index, size, hexes = data["inclusion"][100]
    leaf = leaf_hash(bytes.fromhex(data["leaves"][index]))
    root = bytes.fromhex(data["roots"][size])
    wrong = _flip(root, 3)
    with pytest.raises(RootMismatch) as caught:
        verify_inclusion(leaf, _hashes(hexes), index=index, tree_size=size, root=wrong)
    assert caught.value.expected == wrong
    assert caught.value.calculated == root


def test_consistency_proof_with_wrong_second_root_raises_root_mismatch():
    data = golden()
    root5, root13 = bytes.fromhex(data["roots"][5]), bytes.fromhex(data["roots"][13])
    proof = _hashes(next(p for a, b, p in data["consistency"] if (a, b) == (5, 13)))
    with pytest.raises(RootMismatch) as caught:
        verify_consistency(proof, size1=5, size2=13, root1=root5, root2=_flip(root13, 9))
    assert caught.value.calculated == root13


def test_tree_size_is_only_bound_by_the_root():
    # RFC 9162 verification uses the size only for the shape of the path: the
    # path of leaf 0 in a tree of 3 (two right siblings) has the same shape in a
    # tree of 4, so the same proof and root "verify" for size 4. Nothing is
    # forged: the root of size 3 is not the root of size 4, and a checkpoint
    # signs size and root together, which is why callers must take both from
    # one verified checkpoint.
    data = golden()
    leaf = leaf_hash(bytes.fromhex(data["leaves"][0]))
    proof = _hashes(next(p for i, n, p in data["inclusion"] if (i, n) == (0, 3)))
    root3 = bytes.fromhex(data["roots"][3])
    verify_inclusion(leaf, proof, index=0, tree_size=4, root=root3)
    with pytest.raises(RootMismatch):
        verify_inclusion(leaf, proof, index=0, tree_size=4, root=_root_of(4, root3))


# --- conventions -------------------------------------------------------------------


def _roots(*sizes: int) -> list[bytes]:
    return [bytes.fromhex(golden()["roots"][s]) for s in sizes]


def test_consistency_of_equal_sizes_needs_empty_proof_and_equal_roots():
    (root,) = _roots(9)
    verify_consistency([], size1=9, size2=9, root1=root, root2=root)
    with pytest.raises(VerificationError, match="empty consistency proof"):
        verify_consistency([root], size1=9, size2=9, root1=root, root2=root)
    with pytest.raises(RootMismatch, match="fork"):
        verify_consistency([], size1=9, size2=9, root1=root, root2=_flip(root, 0))


def test_consistency_rejects_size1_larger_than_size2():
    root8, root9 = _roots(8, 9)
    with pytest.raises(VerificationError, match="rollback"):
        verify_consistency([], size1=9, size2=8, root1=root9, root2=root8)


@pytest.mark.parametrize("size2", [0, 1, 7])
def test_consistency_from_size_zero_always_fails(size2):
    (root2,) = _roots(size2)
    with pytest.raises(VerificationError, match="non-empty first tree"):
        verify_consistency([], size1=0, size2=size2, root1=EMPTY_ROOT, root2=root2)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_hashes_that_are_not_32_bytes_are_rejected(length):
    bad = b"\x01" * length
    root1, root2 = _roots(3, 4)
    leaf = leaf_hash(b"")
    good_proof = inclusion_proof(0, 1, MemoryNodes({(0, 0): leaf}))
    with pytest.raises(VerificationError, match="32-byte"):
        verify_inclusion(bad, good_proof, index=0, tree_size=1, root=leaf)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_inclusion(leaf, good_proof, index=0, tree_size=1, root=bad)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_inclusion(leaf, [bad], index=0, tree_size=2, root=root1)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_consistency([bad], size1=3, size2=4, root1=root1, root2=root2)
    with pytest.raises(VerificationError, match="32-byte"):
        verify_consistency([], size1=3, size2=3, root1=bad, root2=bad)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 1), (-1, 4), (4, 4)])
def test_inclusion_index_outside_tree_is_rejected(index, size):
    with pytest.raises(VerificationError, match="outside"):
        root_from_inclusion_proof(leaf_hash(b""), [], index=index, tree_size=size)
