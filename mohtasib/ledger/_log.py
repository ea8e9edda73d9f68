"""The ledger facade: check each access against policy, seal it, append it, prove it.

Appends are acknowledged only after the store has committed them durably.
Concurrent :meth:`Ledger.append` and :meth:`Ledger.append_many` callers in one
process are *group committed*: the first caller to reach the store becomes the
leader and commits everything queued so far in one transaction, so many threads
share one durable commit. A batch from :meth:`Ledger.append_many` is checked,
serialised, sealed and hashed by its own caller before it queues (nothing there
depends on its index), so one batch is prepared while another is being written;
single appends are prepared by the leader, all together under one sealing key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable, Sequence

from nacl.public import PrivateKey, PublicKey

from mohtasib.errors import InputError
from mohtasib.ledger._policy import Decision, Policy, evaluate
from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._records import AccessRecord, pseudonymise
from mohtasib.ledger._sealing import BodySealer, access_leaf, open_body, parse_leaf
from mohtasib.ledger._store import LedgerStore, StoredEntry
from mohtasib.ledger._tree import nodes_for_append, root_hash
from mohtasib.ledger.verify import leaf_hash

__all__ = ["Ledger", "Receipt"]

_NO_POLICY = Decision(True, None, "no access policy is configured for this ledger")
_NO_DECISION = Decision(True, None, "")


@dataclasses.dataclass(frozen=True)
class Receipt:
    """Acknowledgement of a committed append: its index, leaf hash and policy decision."""

    index: int
    leaf_hash: bytes
    decision: Decision

    def to_dict(self) -> dict[str, object]:
        """The receipt as a plain dict (leaf hash in hex)."""
        return {
            "index": self.index,
            "leaf_hash": self.leaf_hash.hex(),
            "decision": self.decision.to_dict(),
        }


#: One access ready to store (all but its index): kind, leaf data, sealed body,
#: retention class, stored time, leaf hash, policy decision.
_Row = tuple[str, bytes, bytes | None, str | None, str | None, bytes, Decision]


class _Pending:
    def __init__(self, rows: list[_Row] | None, record: AccessRecord | None = None) -> None:
        self.rows, self.record = rows, record
        self.receipts: list[Receipt] | None = None
        self.error: BaseException | None = None


class Ledger:
    """An append-only, verifiable log of accesses to surveillance data (RFC 9162 tree).

    Parameters
    ----------
    store
        Where entries and nodes live (:func:`~mohtasib.ledger.open_store`).
    policy
        One :class:`Policy` or several (one per system); None records every access
        as allowed with the reason "no access policy". An access to a system with
        no policy is denied with rule ``unknown_system``.
    oversight_public_key
        The oversight body's X25519 public key (32 bytes); record bodies are sealed to it.
    pseudonym_key
        Key of :meth:`pseudonymise` (HMAC-SHA256), at least 16 bytes.
    """

    def __init__(
        self,
        store: LedgerStore,
        *,
        policy: Policy | Iterable[Policy] | None = None,
        oversight_public_key: bytes | PublicKey,
        pseudonym_key: bytes,
    ) -> None:
        self.store = store
        policies = [policy] if isinstance(policy, Policy) else list(policy or [])
        self.policies = {p.system: p for p in policies}
        self._has_policy = policy is not None
        self._public_key = (
            oversight_public_key
            if isinstance(oversight_public_key, PublicKey)
            else PublicKey(oversight_public_key)
        )
        self._pseudonym_key = pseudonym_key
        self._commit_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []

    def pseudonymise(self, value: str) -> str:
        """Pseudonym of a plate, CNIC or face-probe id under this ledger's key."""
        return pseudonymise(value, self._pseudonym_key)

    def decide(self, record: AccessRecord) -> Decision:
        """The policy decision for ``record`` (see :func:`~mohtasib.ledger.evaluate`)."""
        if not self._has_policy:
            return _NO_POLICY
        policy = self.policies.get(record.system)
        if policy is None:
            return Decision(False, "unknown_system", f"no policy for system {record.system!r}")
        return evaluate(record, policy)

    def append(self, record: AccessRecord) -> Receipt:
        """Append one access; return once it is durably committed (group commit).

        The record is prepared by whichever caller commits the group, all queued
        records together under one ephemeral sealing key (see :mod:`~mohtasib.ledger._sealing`).
        """
        if not isinstance(record, AccessRecord):
            raise InputError(f"got {type(record).__name__}; want an AccessRecord")
        return self._group_commit(_Pending(None, record))[0]

    def append_many(self, records: Iterable[AccessRecord]) -> list[Receipt]:
        """Append records in one transaction; return their receipts after the commit.

        Concurrent calls are group committed with each other and with :meth:`append`.
        """
        batch = list(records)
        return self._group_commit(_Pending(self._prepare(batch))) if batch else []

    def _prepare(self, records: Sequence[AccessRecord]) -> list[_Row]:
        """Check, serialise, seal and hash each record: everything but its index.

        Runs before the commit lock is taken, so one caller prepares while another's
        batch is being written and synced (the database drivers release the GIL there).
        """
        for record in records:
            if not isinstance(record, AccessRecord):
                raise InputError(f"got {type(record).__name__}; want an AccessRecord")
        sealer = BodySealer(self._public_key)  # one ephemeral key per batch (see _sealing)
        times = [record.time.isoformat() for record in records]
        digests, bodies = sealer.seal_many(
            [record.canonical_json(t) for record, t in zip(records, times, strict=True)]
        )
        decide, sha256 = self.decide, hashlib.sha256
        rows: list[_Row] = []
        for record, time, digest, body in zip(records, times, digests, bodies, strict=True):
            decision = decide(record)
            leaf = access_leaf(digest, allowed=decision.allowed, rule=decision.rule)
            hashed = sha256(b"\x00" + leaf).digest()  # leaf_hash(leaf), RFC 9162 §2.1.1
            rows.append(("access", leaf, body, record.retention_class, time, hashed, decision))
        return rows

    def _group_commit(self, pending: _Pending) -> list[Receipt]:
        """Queue a batch; the first caller to get the lock commits every queued batch."""
        with self._queue_lock:
            self._queue.append(pending)
        with self._commit_lock:
            if pending.receipts is None and pending.error is None:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    singles = [p for p in batch if p.rows is None]
                    if singles:
                        records = [p.record for p in singles if p.record is not None]
                        for p, row in zip(singles, self._prepare(records), strict=True):
                            p.rows = [row]
                    receipts = self._store_rows([row for p in batch for row in p.rows or []])
                except BaseException as exc:
                    for p in batch:
                        p.error = exc
                else:
                    at = 0
                    for p in batch:
                        count = len(p.rows or [])
                        p.receipts, at = receipts[at : at + count], at + count
        if pending.error is not None:
            raise pending.error
        assert pending.receipts is not None
        return pending.receipts

    def _store_rows(self, rows: Sequence[_Row]) -> list[Receipt]:
        """Number the rows from the stored size and commit them; call with the commit lock."""
        size = self.store.size()
        entries = [
            StoredEntry(index, kind, leaf, body, retention_class, time)
            for index, (kind, leaf, body, retention_class, time, _, _) in enumerate(rows, size)
        ]
        hashes = [row[5] for row in rows]
        nodes = nodes_for_append(size, hashes, self.store)
        self.store.append_batch(entries, nodes, size + len(rows))
        return [Receipt(size + i, row[5], row[6]) for i, row in enumerate(rows)]

    def append_entries(self, rows: Sequence[StoredEntry]) -> list[bytes]:
        """Append pre-built entries (tombstones); return their leaf hashes after the commit."""
        prepared: list[_Row] = [
            (row.kind, row.leaf_data, row.body, row.retention_class, row.time,
             leaf_hash(row.leaf_data), _NO_DECISION)
            for row in rows
        ]  # fmt: skip
        if not prepared:
            return []
        with self._commit_lock:
            return [receipt.leaf_hash for receipt in self._store_rows(prepared)]

    def size(self) -> int:
        """Number of entries in the log."""
        return self.store.size()

    def _size(self, size: int | None) -> int:
        current = self.store.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InputError(f"tree size {size} is outside 0..{current}", column="size")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root of the tree of ``size`` entries (default: all)."""
        return root_hash(self._size(size), self.store)

    def leaf_hash(self, index: int) -> bytes:
        """Leaf hash of entry ``index`` (the stored level-0 node)."""
        return self.store.node(0, index)

    def prove_inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of entry ``index`` in the tree of ``size`` (RFC 9162 §2.1.3.1)."""
        tree_size = self._size(size)
        if not 0 <= index < tree_size:
            raise InputError(f"index {index} is outside a tree of size {tree_size}", column="index")
        return inclusion_proof(index, tree_size, self.store)

    def prove_consistency(self, size1: int, size2: int) -> list[bytes]:
        """Consistency proof from ``size1`` to ``size2`` (RFC 9162 §2.1.4.1); ``0 < size1``."""
        if not 0 < size1 <= self._size(size2):
            raise InputError(f"want 0 < size1 <= size2; got {size1} and {size2}", column="size1")
        return consistency_proof(size1, size2, self.store)

    def read_record(self, index: int, private_key: bytes | PrivateKey) -> AccessRecord:
        """Decrypt entry ``index`` for the oversight body and check it against its leaf.

        Raises InputError for a tombstone or a body deleted by retention, and
        VerificationError when the body does not match the public leaf.
        """
        row = self.store.entry(index)
        if row.kind != "access" or row.body is None:
            raise InputError(
                f"entry {index} has no record body ({row.kind}; a tombstone or deleted at "
                "retention)"
            )
        view = parse_leaf(row.leaf_data)
        assert view.commitment is not None
        return AccessRecord.from_json(open_body(row.body, private_key, view.commitment))
