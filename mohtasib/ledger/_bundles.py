"""Proofs as portable JSON, signed checkpoints as published, and their verification.

A *proof bundle* is what ``mohtasib ledger prove`` prints and the HTTP API serves;
hashes are standard base64::

    {"type": "inclusion", "index": 5, "tree_size": 13,
     "leaf_hash": "<base64>", "proof": ["<base64>", ...]}
    {"type": "consistency", "size1": 8, "size2": 13, "proof": ["<base64>", ...]}

Verification uses only :mod:`mohtasib.ledger.verify` and the signed-note verifier:
a checkpoint note is opened with the log's verifier key, and the proof is checked
against the root it carries.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._note import NoteSigner, NoteVerifier, open_note, sign_note
from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._store import LedgerStore
from mohtasib.ledger._tree import root_hash
from mohtasib.ledger.verify import verify_consistency, verify_inclusion

__all__ = [
    "ConsistencyBundle",
    "InclusionBundle",
    "load_bundle",
    "open_checkpoint",
    "publish_checkpoint",
    "verify_bundle",
]

_SOURCE = "proof bundle"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"got {value!r}; want base64 text", source=_SOURCE, column=field)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InputError(f"got {value!r}; want base64", source=_SOURCE, column=field) from None


def _int(data: Mapping[str, Any], field: str) -> int:
    value = data.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"got {value!r}; want a count", source=_SOURCE, column=field)
    return value


def _tree_size(store: LedgerStore, size: int | None, field: str) -> int:
    current = store.size()
    if size is None:
        return current
    if not 0 <= size <= current:
        raise InputError(f"tree size {size} is outside 0..{current}", column=field)
    return size


def _hashes(data: Mapping[str, Any]) -> tuple[bytes, ...]:
    proof = data.get("proof")
    if not isinstance(proof, list):
        raise InputError(f"got {proof!r}; want a list", source=_SOURCE, column="proof")
    return tuple(_unb64(item, "proof") for item in proof)


@dataclasses.dataclass(frozen=True)
class InclusionBundle:
    """Inclusion proof of entry ``index`` in the tree of ``tree_size`` (RFC 9162 §2.1.3)."""

    index: int
    tree_size: int
    leaf_hash: bytes
    proof: tuple[bytes, ...]

    @classmethod
    def from_store(cls, store: LedgerStore, index: int, size: int | None = None) -> InclusionBundle:
        """Prove entry ``index`` in the tree of ``size`` entries (default: the whole log).

        Requires ``0 <= index < size <= store.size()`` (InputError otherwise).
        """
        tree_size = _tree_size(store, size, "size")
        if not 0 <= index < tree_size:
            raise InputError(f"index {index} is outside a tree of size {tree_size}", column="index")
        proof = inclusion_proof(index, tree_size, store)
        return cls(index, tree_size, store.node(0, index), tuple(proof))

    def to_dict(self) -> dict[str, Any]:
        """The bundle's JSON object (module docstring)."""
        return {
            "type": "inclusion",
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": _b64(self.leaf_hash),
            "proof": [_b64(h) for h in self.proof],
        }


@dataclasses.dataclass(frozen=True)
class ConsistencyBundle:
    """Consistency proof from the tree of ``size1`` to the tree of ``size2`` (RFC 9162 §2.1.4)."""

    size1: int
    size2: int
    proof: tuple[bytes, ...]

    @classmethod
    def from_store(
        cls, store: LedgerStore, size1: int, size2: int | None = None
    ) -> ConsistencyBundle:
        """Prove that the tree of ``size2`` (default: the whole log) extends that of ``size1``.

        Requires ``0 < size1 <= size2 <= store.size()`` (InputError otherwise).
        """
        end = _tree_size(store, size2, "size2")
        if not 0 < size1 <= end:
            raise InputError(f"want 0 < size1 <= size2; got {size1} and {end}", column="size1")
        return cls(size1, end, tuple(consistency_proof(size1, end, store)))

    def to_dict(self) -> dict[str, Any]:
        """The bundle's JSON object (module docstring)."""
        return {
            "type": "consistency",
            "size1": self.size1,
            "size2": self.size2,
            "proof": [_b64(h) for h in self.proof],
        }


def load_bundle(text: str | bytes) -> InclusionBundle | ConsistencyBundle:
    """Parse a bundle's JSON; InputError names the bad field."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not JSON: {exc}", source=_SOURCE) from None
    if not isinstance(data, dict):
        raise InputError(f"got {type(data).__name__}; want a JSON object", source=_SOURCE)
    kind = data.get("type")
    if kind == "inclusion":
        return InclusionBundle(
            _int(data, "index"),
            _int(data, "tree_size"),
            _unb64(data.get("leaf_hash"), "leaf_hash"),
            _hashes(data),
        )
    if kind == "consistency":
        return ConsistencyBundle(_int(data, "size1"), _int(data, "size2"), _hashes(data))
    raise InputError(
        f"got {kind!r}; want 'inclusion' or 'consistency'", source=_SOURCE, column="type"
    )


def open_checkpoint(note: str, verifier: NoteVerifier) -> Checkpoint:
    """Verify a checkpoint note's signature by the log and parse it.

    Raises VerificationError when the log did not sign it or its origin is not
    the log's key name.
    """
    text, _ = open_note(note, [verifier])
    checkpoint = Checkpoint.from_text(text)
    if checkpoint.origin != verifier.name:
        raise VerificationError(
            f"checkpoint origin is {checkpoint.origin!r}; want {verifier.name!r}"
        )
    return checkpoint


def _at_size(checkpoints: Sequence[Checkpoint], size: int) -> Checkpoint:
    for checkpoint in checkpoints:
        if checkpoint.size == size:
            return checkpoint
    sizes = sorted({c.size for c in checkpoints})
    raise VerificationError(f"the proof needs a checkpoint of size {size}; got sizes {sizes}")


def verify_bundle(
    bundle: InclusionBundle | ConsistencyBundle, checkpoints: Sequence[Checkpoint]
) -> None:
    """Verify a bundle against verified checkpoints of the sizes it names.

    An inclusion bundle needs a checkpoint of its ``tree_size``; a consistency
    bundle needs checkpoints of ``size1`` and ``size2``. Raises VerificationError
    (RootMismatch for a wrong root) when it does not verify.
    """
    if isinstance(bundle, InclusionBundle):
        head = _at_size(checkpoints, bundle.tree_size)
        verify_inclusion(
            bundle.leaf_hash,
            list(bundle.proof),
            index=bundle.index,
            tree_size=bundle.tree_size,
            root=head.root_hash,
        )
        return
    old, new = _at_size(checkpoints, bundle.size1), _at_size(checkpoints, bundle.size2)
    verify_consistency(
        list(bundle.proof),
        size1=bundle.size1,
        size2=bundle.size2,
        root1=old.root_hash,
        root2=new.root_hash,
    )


def publish_checkpoint(store: LedgerStore, signer: NoteSigner) -> str:
    """Sign a C2SP checkpoint note for the log's current size, store it and return it.

    The origin line is the signer's key name.
    """
    size = store.size()
    checkpoint = Checkpoint(signer.name, size, root_hash(size, store))
    note = sign_note(checkpoint.to_text(), [signer])
    store.save_checkpoint(size, note)
    return note
