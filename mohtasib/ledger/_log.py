"""The ledger facade: check each access against policy, seal it, append it, prove it.

Appends are acknowledged only after the store has committed them durably.
Concurrent :meth:`Ledger.append` and :meth:`Ledger.append_many` callers in one
process are *group committed*: the first caller to reach the store becomes the
leader and commits everything queued so far in one transaction, so many threads
share one durable commit. A batch from :meth:`Ledger.append_many` is checked,
serialised, sealed and hashed by its own caller before it queues (nothing there
depends on its index), so one batch is prepared while another is being written;
single appends are prepared by the leader, all together under one sealing key.

A batch larger than :attr:`Ledger.pipeline_rows` on a store with ``append_rows``
(SQLite) is instead prepared by the leader in slices while the store inserts the
slices before it from a writer thread (:meth:`SqliteLedgerStore.append_rows
<mohtasib.ledger._sqlite.SqliteLedgerStore.append_rows>`), and, where the process may
use two CPUs, each slice is sealed and hashed on a second core while the leader
serialises the next: by the C extension on a thread of this process where it is built
(:mod:`~mohtasib.ledger._native`), else by the sealing helper process
(:mod:`~mohtasib.ledger._sealhelper`). A software pipeline over two cores whose output
is the same entries, committed in the same single transaction.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence

from nacl.public import PrivateKey, PublicKey

from mohtasib.errors import InputError
from mohtasib.ledger import _native, _sealhelper
from mohtasib.ledger._policy import Decision, Policy, evaluate
from mohtasib.ledger._proofs import consistency_proof, inclusion_proof
from mohtasib.ledger._records import AccessRecord, canonical_documents, pseudonymise
from mohtasib.ledger._sealing import ACCESS_PREFIX, BodySealer, access_leaf, open_body, parse_leaf
from mohtasib.ledger._sealworker import FRESH_SIZE, MAC_SIZE, leaves_and_hashes
from mohtasib.ledger._store import LedgerStore, PreparedEntry, StoredEntry
from mohtasib.ledger._tree import nodes_for_append, root_hash
from mohtasib.ledger.verify import leaf_hash

__all__ = ["Ledger", "Receipt"]

_NO_POLICY = Decision(True, None, "no access policy is configured for this ledger")


@dataclasses.dataclass(frozen=True, slots=True)
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


_new_object = object.__new__
# The slots' own setters (member descriptors): they skip the frozen dataclass's __setattr__.
_set_index, _set_leaf_hash, _set_decision = (
    vars(Receipt)[name].__set__ for name in ("index", "leaf_hash", "decision")
)


def _receipts(first: int, hashes: Sequence[bytes], decisions: Sequence[Decision]) -> list[Receipt]:
    """``Receipt(first + i, hashes[i], decisions[i])`` for each leaf hash.

    Equal to calling the frozen dataclass's ``__init__`` (which sets each field through
    ``object.__setattr__``), in half the time: each slot is set by its own
    descriptor. A receipt has slots, not a ``__dict__``: one object for the garbage
    collector to track instead of two, a thousand fewer per batch of 1,000.
    """
    out: list[Receipt] = []
    add = out.append
    indices = range(first, first + len(hashes))
    for index, hashed, decision in zip(indices, hashes, decisions, strict=True):
        receipt = _new_object(Receipt)
        _set_index(receipt, index)
        _set_leaf_hash(receipt, hashed)
        _set_decision(receipt, decision)
        add(receipt)
    return out


#: Records in the first slices of a pipelined batch: small, so that the store starts
#: inserting (and the helper sealing) soon after the batch starts; then ``pipeline_rows``.
FIRST_SLICES = (32, 96)


def _cut_slices(records: Sequence[AccessRecord], step: int) -> list[Sequence[AccessRecord]]:
    """``records`` in slices: :data:`FIRST_SLICES` (capped at ``step``), then ``step`` each."""
    parts: list[Sequence[AccessRecord]] = []
    at = 0
    sizes = itertools.chain((min(size, step) for size in FIRST_SLICES), itertools.repeat(step))
    for size in sizes:
        if at >= len(records):
            return parts
        parts.append(records[at : at + size])
        at += size
    return parts


def _check_records(records: Sequence[object]) -> None:
    for record in records:
        if not isinstance(record, AccessRecord):
            raise InputError(f"got {type(record).__name__}; want an AccessRecord")


class _Pending:
    """One caller's records in the commit queue; ``rows`` None until they are prepared."""

    def __init__(
        self,
        records: list[AccessRecord],
        prepared: tuple[list[PreparedEntry], list[Decision]] | None = None,
        key: PublicKey | None = None,
    ) -> None:
        self.records = records
        self.key = key  # the oversight key ``prepared`` was sealed to
        self.rows: list[PreparedEntry] | None = None
        self.decisions: list[Decision] = []
        if prepared is not None:
            self.rows, self.decisions = prepared
        self.receipts: list[Receipt] | None = None
        self.error: BaseException | None = None


def sealed_body(store: LedgerStore, index: int) -> tuple[bytes, bytes]:
    """Entry ``index``'s sealed body and the commitment its leaf makes to it.

    InputError for a tombstone or a body deleted at retention.
    """
    row = store.entry(index)
    if row.kind != "access" or row.body is None:
        raise InputError(
            f"entry {index} has no record body ({row.kind}; a tombstone or deleted at retention)"
        )
    view = parse_leaf(row.leaf_data)
    assert view.commitment is not None
    return row.body, view.commitment


@dataclasses.dataclass
class _Front:
    """One slice serialised, decided and given its randomness; not yet sealed."""

    sealer: BodySealer
    times: list[str]
    documents: list[bytes]
    decisions: list[Decision]
    tails: list[bytes]  # the distinct decision lines of the slice
    index: list[int]  # each record's decision line in ``tails``
    classes: list[str]  # retention classes
    fresh: bytes  # salts and nonces, 56 bytes per record
    sequence: int | None = None  # the sealing helper's number for this slice, once sent

    def leaf_sizes(self) -> list[int]:
        """The length of each record's leaf data (version line, commitment, decision)."""
        head = len(ACCESS_PREFIX) + 32
        sizes = [head + len(tail) for tail in self.tails]
        return [sizes[i] for i in self.index]

    def body_sizes(self) -> list[int]:
        """The length of each record's sealed body (fixed by its document's length)."""
        extra = len(self.sealer.prefix) + FRESH_SIZE + MAC_SIZE
        return [extra + len(document) for document in self.documents]

    def rows(
        self, leaves: list[bytes], bodies: list[bytes], hashes: list[bytes]
    ) -> list[PreparedEntry]:
        """The prepared entries of the slice from its leaves, bodies and leaf hashes."""
        kinds = itertools.repeat("access", len(leaves))
        return list(zip(kinds, leaves, bodies, self.classes, self.times, hashes, strict=True))


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
    sealing_process
        Whether the slices of a batch larger than :attr:`pipeline_rows` may be sealed
        on a second core: on a thread running the C extension where it is built
        (:mod:`~mohtasib.ledger._native`), else in a helper process
        (:mod:`~mohtasib.ledger._sealhelper`). None (the default) or True does so where
        the process may use two or more CPUs (for the helper also: a Python interpreter
        to run, ``MOHTASIB_SEALING_PROCESS`` not ``0``); False seals them in the
        appending thread. The stored entries are the same either way.
    """

    def __init__(
        self,
        store: LedgerStore,
        *,
        policy: Policy | Iterable[Policy] | None = None,
        oversight_public_key: bytes | PublicKey,
        pseudonym_key: bytes,
        sealing_process: bool | None = None,
    ) -> None:
        self.store = store
        self.sealing_process = sealing_process
        policies = [policy] if isinstance(policy, Policy) else list(policy or [])
        self.policies = {p.system: p for p in policies}
        self._has_policy = policy is not None
        self._public_key = (
            oversight_public_key
            if isinstance(oversight_public_key, PublicKey)
            else PublicKey(oversight_public_key)
        )
        self._pseudonym_key = pseudonym_key
        self._commit_lock = threading.RLock()  # re-entered inside paused()
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the commit lock: no append commits until the block ends (a key rotation).

        An oversight key rotation reads :meth:`size`, records it and calls
        :meth:`set_oversight_public_key` inside, so every entry below the recorded size is
        sealed to the old key and every single append from it on to the new one.
        """
        with self._commit_lock:
            yield

    def set_oversight_public_key(self, public_key: bytes | PublicKey) -> None:
        """Seal batches prepared from now on to ``public_key`` (an oversight key rotation).

        Taken under the commit lock, so every group committed after this returns seals its
        records to the new key; a batch of :meth:`append_many` prepared before, under the old
        key, is sealed again when it commits (:meth:`paused`).
        """
        key = public_key if isinstance(public_key, PublicKey) else PublicKey(public_key)
        with self._commit_lock:
            self._public_key = key

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
        return self._group_commit(_Pending([record]))[0]

    def append_many(self, records: Iterable[AccessRecord]) -> list[Receipt]:
        """Append records in one transaction; return their receipts after the commit.

        Concurrent calls are group committed with each other and with :meth:`append`.
        A batch of more than :attr:`pipeline_rows` records on a store with
        ``append_rows`` is prepared by the committing caller in slices (two small ones,
        :data:`FIRST_SLICES`, then slices of that size), each slice inserted by the
        store's writer thread while the next is prepared, and sealed on a second core
        where the process may use one (module docstring); any other batch is prepared
        here before it queues.
        """
        batch = list(records)
        if not batch:
            return []
        _check_records(batch)
        if len(batch) > self.pipeline_rows and hasattr(self.store, "append_rows"):
            return self._group_commit(_Pending(batch))
        key = self._public_key
        return self._group_commit(_Pending(batch, self._prepare(batch, BodySealer(key)), key))

    #: Records per slice of a pipelined batch after its first two (:data:`FIRST_SLICES`),
    #: and the largest batch that is not pipelined.
    pipeline_rows = 250

    def _prepare(
        self, records: Sequence[AccessRecord], sealer: BodySealer | None = None
    ) -> tuple[list[PreparedEntry], list[Decision]]:
        """Decide, serialise, seal and hash each record: everything but its index.

        Returns the entries (kind, leaf, sealed body, retention class, time, leaf hash)
        and the policy decisions; the callers have checked that every record is an
        :class:`AccessRecord`. A batch of :meth:`append_many` is prepared before the
        commit lock is taken, so one caller prepares while another's batch is being
        written and synced (the database drivers release the GIL there); single
        appends and the slices of a pipelined batch are prepared by the leader.
        ``sealer`` defaults to a new one for the current oversight key (one ephemeral
        key per batch, see :mod:`~mohtasib.ledger._sealing`).
        """
        front = self._front(records, sealer or BodySealer(self._public_key))
        return self._seal_here(front), front.decisions

    def _front(self, records: Sequence[AccessRecord], sealer: BodySealer) -> _Front:
        """The part of :meth:`_prepare` before sealing: times, JSON, decisions, randomness."""
        times, documents = canonical_documents(records)
        decide = self.decide
        decisions = [decide(record) for record in records]
        # The leaf is ACCESS_PREFIX + commitment + the decision lines (access_leaf), the
        # decision part built once per distinct (allowed, rule) of the slice: every denial
        # is its own Decision object (its reason names the record's values).
        slots: dict[tuple[bool, str | None], int] = {}
        tails: list[bytes] = []
        index: list[int] = []
        for decision in decisions:
            key = (decision.allowed, decision.rule)
            slot = slots.get(key)
            if slot is None:
                slot = slots[key] = len(tails)
                line = access_leaf(b"", allowed=decision.allowed, rule=decision.rule)
                tails.append(line[len(ACCESS_PREFIX) :])
            index.append(slot)
        classes = [record.retention_class for record in records]
        return _Front(
            sealer, times, documents, decisions, tails, index, classes, sealer.draw(len(records))
        )

    @staticmethod
    def _seal_here(front: _Front) -> list[PreparedEntry]:
        """Seal and hash ``front`` in this thread (what the sealing helper would return).

        By the C loop where it is built (:mod:`~mohtasib.ledger._native`), else in Python.
        """
        sealer = front.sealer
        if _native.available():
            hashes, leaves, bodies = _native.seal_slice(
                sealer.shared_key, sealer.prefix, ACCESS_PREFIX, front.fresh,
                front.documents, front.tails, front.index,
            )  # fmt: skip
            return front.rows(leaves, bodies, hashes)
        digests, bodies = sealer.seal_many(front.documents, front.fresh)
        leaves, hashes = leaves_and_hashes(ACCESS_PREFIX, digests, front.tails, front.index)
        return front.rows(leaves, bodies, hashes)

    def _sealed_slices(
        self, records: Sequence[AccessRecord], sealer: BodySealer
    ) -> Generator[tuple[list[PreparedEntry], list[Decision]], None, None]:
        """:meth:`_prepare` of each slice of ``records``, sealed on a second core when it can.

        With a sealing thread (:class:`~mohtasib.ledger._native.SealThread`, where the C
        extension is built) or else the sealing helper process
        (:mod:`~mohtasib.ledger._sealhelper`), slice ``k + 1`` is serialised and sent
        before slice ``k`` is collected, so one slice is sealed while this thread prepares
        the next and the store inserts the one before. Should either fail, the slices it
        holds are sealed here from the same randomness: the entries are the same either
        way. Closed early (the store or a later slice failed), the answers still in
        flight are read and dropped, so the helper is left ready for the next batch.
        """
        parts = _cut_slices(records, self.pipeline_rows)
        borrowed: contextlib.AbstractContextManager[
            _sealhelper.SealHelper | _native.SealThread | None
        ]
        if self.sealing_process is False:
            borrowed = contextlib.nullcontext(None)
        elif _native.available():
            borrowed = _native.borrow()
        else:
            borrowed = _sealhelper.borrow()
        with borrowed as helper:
            sent: collections.deque[_Front] = collections.deque()
            try:
                for part in parts:
                    front = self._front(part, sealer)
                    if helper is not None and not helper.failed:
                        with contextlib.suppress(_sealhelper.HelperFailed):
                            front.sequence = helper.submit(
                                sealer.shared_key, sealer.prefix, ACCESS_PREFIX, front.fresh,
                                front.documents, front.tails, front.index,
                            )  # fmt: skip
                    sent.append(front)
                    if len(sent) > 1 or helper is None or helper.failed:
                        yield self._collect(helper, sent.popleft())
                while sent:
                    yield self._collect(helper, sent.popleft())
            finally:  # closed early: read (and drop) the answers still on their way
                while sent and helper is not None and not helper.failed:
                    front = sent.popleft()
                    if front.sequence is not None:
                        with contextlib.suppress(_sealhelper.HelperFailed):
                            helper.collect(front.sequence, front.leaf_sizes(), front.body_sizes())

    def _collect(
        self, helper: _sealhelper.SealHelper | _native.SealThread | None, front: _Front
    ) -> tuple[list[PreparedEntry], list[Decision]]:
        """The rows of ``front``: the helper's answer, or sealed here without a helper."""
        if helper is not None and not helper.failed and front.sequence is not None:
            try:
                hashes, leaves, bodies = helper.collect(
                    front.sequence, front.leaf_sizes(), front.body_sizes()
                )
            except _sealhelper.HelperFailed:
                pass
            else:
                return front.rows(leaves, bodies, hashes), front.decisions
        return self._seal_here(front), front.decisions

    def _group_commit(self, pending: _Pending) -> list[Receipt]:
        """Queue a batch; the first caller to get the lock commits every queued batch."""
        with self._queue_lock:
            self._queue.append(pending)
        with self._commit_lock:
            if pending.receipts is None and pending.error is None:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    self._commit(batch)
                except BaseException as exc:
                    for p in batch:
                        p.error = exc
        if pending.error is not None:
            raise pending.error
        assert pending.receipts is not None
        return pending.receipts

    def _commit(self, batch: list[_Pending]) -> None:
        """Prepare what the queued callers left unprepared, store it all, set each receipt.

        Call with the commit lock. Single appends (and small unprepared batches) are
        prepared together under one sealing key; a large unprepared batch is streamed
        to the store's ``append_rows`` slice by slice (see :meth:`append_many`), its
        first slice prepared before the store opens the transaction, and the receipts
        built while the store's writer thread commits.
        """
        streams = hasattr(self.store, "append_rows")
        for p in batch:  # sealed before an oversight key rotation: seal again to the new key
            if p.rows is not None and p.key is not None and p.key is not self._public_key:
                p.rows, p.decisions = None, []
        small = [
            p
            for p in batch
            if p.rows is None and (len(p.records) <= self.pipeline_rows or not streams)
        ]
        if small:
            rows, decisions = self._prepare([r for p in small for r in p.records])
            at = 0
            for p in small:
                count = len(p.records)
                p.rows, p.decisions = rows[at : at + count], decisions[at : at + count]
                at += count
        size = self.store.size()
        receipts: list[list[Receipt]] = []
        if any(p.rows is None for p in batch):
            count = sum(len(p.records) for p in batch)
            hashes: list[list[bytes]] = []
            chunks = self._slices(batch, hashes)

            def build_receipts() -> None:  # while the store commits (GIL released)
                at = size
                for p, mine in zip(batch, hashes, strict=True):
                    receipts.append(_receipts(at, mine, p.decisions))
                    at += len(mine)

            try:
                # The first slice is prepared (and the next sent to the sealing helper)
                # before the store opens its transaction and reads the tree's frontier.
                head = next(chunks)
                self.store.append_rows(  # type: ignore[attr-defined]
                    size, count, itertools.chain([head], chunks), build_receipts
                )
            finally:  # on a failure: at once, so an abandoned batch returns the sealing helper
                chunks.close()
            if len(receipts) != len(batch):  # a store that did not call while_committing
                receipts.clear()
                build_receipts()
        else:
            self._store_rows(size, [row for p in batch for row in p.rows or []])
            at = size
            for p in batch:
                receipts.append(_receipts(at, [row[5] for row in p.rows or []], p.decisions))
                at += len(p.rows or [])
        for p, mine in zip(batch, receipts, strict=True):  # committed: acknowledge
            p.receipts = mine

    def _slices(
        self, batch: list[_Pending], hashes: list[list[bytes]]
    ) -> Generator[Sequence[PreparedEntry], None, None]:
        """The queued rows in order, preparing each unprepared batch slice by slice.

        Each batch is sealed under one ephemeral key, drawn for the oversight key
        current when its first slice is prepared. The leaf hashes of each batch are
        added to ``hashes`` (one list per batch) as its rows are yielded; the caller
        builds the receipts from them while the store commits, and hands them out only
        after the commit.
        """
        for p in batch:
            mine: list[bytes] = []
            hashes.append(mine)
            if p.rows is None:
                p.decisions = []
                sealer = BodySealer(self._public_key)
                with contextlib.closing(self._sealed_slices(p.records, sealer)) as slices:
                    for rows, decisions in slices:
                        mine.extend([row[5] for row in rows])
                        p.decisions.extend(decisions)
                        yield rows
            else:
                mine.extend([row[5] for row in p.rows])
                yield p.rows

    def _store_rows(self, size: int, rows: Sequence[PreparedEntry]) -> None:
        """Commit ``rows`` at ``size`` through ``append_batch``; call with the commit lock."""
        entries = [
            StoredEntry(index, kind, leaf, body, retention_class, time)
            for index, (kind, leaf, body, retention_class, time, _) in enumerate(rows, size)
        ]
        nodes = nodes_for_append(size, [row[5] for row in rows], self.store)
        self.store.append_batch(entries, nodes, size + len(rows))

    def append_entries(self, rows: Sequence[StoredEntry]) -> list[bytes]:
        """Append pre-built entries (tombstones); return their leaf hashes after the commit."""
        prepared: list[PreparedEntry] = [
            (row.kind, row.leaf_data, row.body, row.retention_class, row.time,
             leaf_hash(row.leaf_data))
            for row in rows
        ]  # fmt: skip
        if not prepared:
            return []
        with self._commit_lock:
            self._store_rows(self.store.size(), prepared)
        return [row[5] for row in prepared]

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
        body, commitment = sealed_body(self.store, index)
        return AccessRecord.from_json(open_body(body, private_key, commitment))
