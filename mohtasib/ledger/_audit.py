"""Outside audit of a stored log against the checkpoints an auditor holds.

The auditor trusts nothing the server computed: it reads the stored entries in
index order, recomputes every RFC 9162 leaf hash and the whole tree in memory
(:class:`~mohtasib.ledger.MemoryNodes`), and compares the root at each
checkpoint's size with the checkpoint's root. It reports

* ``missing_entry`` — a gap in the indices (a deleted entry);
* ``unexpected_entry`` — more entries than the log's recorded size (an inserted entry);
* ``malformed_leaf`` — leaf data of neither versioned kind;
* ``leaf_mismatch`` — a recomputed leaf hash differs from the one stored at
  append time (a modified, inserted or reordered entry: the first index that differs);
* ``root_mismatch`` — a checkpoint's root is not the recomputed root at its size;
* ``truncated`` — a checkpoint is larger than the stored log;
* ``forged_checkpoint`` — a signed checkpoint whose signature does not verify;
* ``fork`` — two checkpoints of one size with different roots;
* ``rollback`` — a checkpoint smaller than one seen before it;
* ``tombstone_mismatch`` / ``body_without_tombstone`` — retention not done by the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from mohtasib.errors import InputError, MohtasibError
from mohtasib.ledger._bounds import check_size_bounds
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._note import Verifier, open_note
from mohtasib.ledger._sealing import LeafView, parse_leaf
from mohtasib.ledger._store import LedgerStore, StoredEntry
from mohtasib.ledger._tree import MemoryNodes
from mohtasib.ledger.verify import leaf_hash

__all__ = ["AuditFinding", "LogAuditResult", "audit_log"]

_PAGE = 10_000


@dataclasses.dataclass(frozen=True)
class AuditFinding:
    """One problem found: its kind, the entry index and checkpoint number (0-based) concerned."""

    kind: str
    message: str
    index: int | None = None
    checkpoint: int | None = None


@dataclasses.dataclass(frozen=True)
class LogAuditResult:
    """Outcome of :func:`audit_log`: the recomputed size and root and every finding."""

    size: int
    root: bytes
    checkpoints_checked: int
    findings: tuple[AuditFinding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    @property
    def first_bad_index(self) -> int | None:
        """Smallest entry index named by a finding, if any."""
        indices = [f.index for f in self.findings if f.index is not None]
        return min(indices) if indices else None

    def to_dict(self) -> dict[str, object]:
        """Plain-data view (root in hex)."""
        return {
            "size": self.size,
            "root": self.root.hex(),
            "checkpoints_checked": self.checkpoints_checked,
            "ok": self.ok,
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }


class _Work:
    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self.rows: list[StoredEntry] = []
        self.tree = MemoryNodes()
        self.findings: list[AuditFinding] = []

    def add(
        self, kind: str, message: str, *, index: int | None = None, cp: int | None = None
    ) -> None:
        self.findings.append(AuditFinding(kind, message, index, cp))


def _read_entries(work: _Work) -> None:
    recorded = work.store.size()
    start = 0
    while True:
        page = work.store.entries(start, start + _PAGE)
        if not page:
            break
        work.rows.extend(page)
        start = page[-1].index + 1
    for position, row in enumerate(work.rows):
        if row.index != position:
            work.add("missing_entry", f"entry {position} is missing", index=position)
            break
    if len(work.rows) > recorded:
        work.add(
            "unexpected_entry",
            f"{len(work.rows)} entries stored but the log records size {recorded}",
            index=recorded,
        )
    work.tree.append(leaf_hash(row.leaf_data) for row in work.rows)


def _check_leaves(work: _Work) -> None:
    views: list[LeafView | None] = []
    for position, row in enumerate(work.rows):
        try:
            views.append(parse_leaf(row.leaf_data))
        except MohtasibError as exc:
            views.append(None)
            work.add("malformed_leaf", f"entry {position}: {exc}", index=position)
    tombstoned = set()
    for position, view in enumerate(views):
        if view is None or view.kind != "tombstone":
            continue
        target = view.tombstone_of
        assert target is not None
        if target >= position or work.tree.node(0, target) != view.tombstoned_leaf_hash:
            work.add(
                "tombstone_mismatch",
                f"entry {position} tombstones {target} wrongly",
                index=position,
            )
        tombstoned.add(target)
    for position, row in enumerate(work.rows):
        if row.kind == "access" and row.body is None and position not in tombstoned:
            work.add(
                "body_without_tombstone",
                f"entry {position} lost its body with no tombstone",
                index=position,
            )


def _locate(work: _Work, start: int, end: int) -> int | None:
    """First position in [start, end) whose recomputed leaf differs from the stored leaf node."""
    stop = min(end, len(work.rows))
    bulk = getattr(work.store, "leaf_hashes", None)  # one query per page where offered
    if bulk is None:
        for position in range(start, stop):
            try:
                stored = work.store.node(0, position)
            except KeyError:
                return position
            if stored != work.tree.node(0, position):
                return position
        return None
    for page in range(start, stop, _PAGE):
        expected = page
        for position, stored in bulk(page, min(stop, page + _PAGE)):
            if position != expected or stored != work.tree.node(0, position):
                return expected
            expected += 1
        if expected != min(stop, page + _PAGE):
            return expected
    return None


def _opened(
    number: int,
    checkpoint: tuple[int, bytes] | str,
    verifiers: Sequence[Verifier] | None,
    work: _Work,
) -> tuple[int, bytes] | None:
    if not isinstance(checkpoint, str):
        return checkpoint
    if not verifiers:
        raise InputError("signed checkpoints need verifiers", column="verifiers")
    try:
        text, _ = open_note(checkpoint, verifiers)
        parsed = Checkpoint.from_text(text)
        check_size_bounds(checkpoint, parsed.size, verifiers)  # retired keys' bounds
    except MohtasibError as exc:
        work.add("forged_checkpoint", f"checkpoint {number}: {exc}", cp=number)
        return None
    return parsed.size, parsed.root_hash


def _check_checkpoint(work: _Work, number: int, size: int, root: bytes, good: int) -> bool:
    if size > len(work.rows):
        work.add(
            "truncated",
            f"checkpoint {number} has size {size}; the log holds {len(work.rows)} entries",
            index=len(work.rows),
            cp=number,
        )
        return False
    if work.tree.root(size) == root:
        return True
    where = _locate(work, good, size)
    detail = (
        f"entry {where} differs" if where is not None else f"an entry in [{good}, {size}) differs"
    )
    work.add(
        "root_mismatch",
        f"checkpoint {number} (size {size}) root {root.hex()} is not the log's; {detail}",
        index=where if where is not None else good,
        cp=number,
    )
    return False


def _check_history(work: _Work, heads: list[tuple[int, int, bytes]]) -> None:
    seen: dict[int, tuple[int, bytes]] = {}
    largest: tuple[int, int] | None = None
    for number, size, root in heads:
        earlier = seen.get(size)
        if earlier is not None and earlier[1] != root:
            work.add(
                "fork",
                f"checkpoints {earlier[0]} and {number} both have size {size} and different roots",
                cp=number,
            )
        seen.setdefault(size, (number, root))
        if largest is not None and size < largest[1]:
            work.add(
                "rollback",
                f"checkpoint {number} (size {size}) follows checkpoint "
                f"{largest[0]} (size {largest[1]})",
                cp=number,
            )
        if largest is None or size > largest[1]:
            largest = (number, size)


def audit_log(
    store: LedgerStore,
    checkpoints: Iterable[tuple[int, bytes] | str],
    *,
    verifiers: Sequence[Verifier] | None = None,
) -> LogAuditResult:
    """Recompute the log from its stored entries and check it against checkpoints.

    Parameters
    ----------
    store
        The store to audit (read only).
    checkpoints
        In the order the auditor received them: ``(size, root)`` pairs, or signed
        C2SP checkpoint notes (then ``verifiers`` are required).
    verifiers
        Note verifiers of the log's key (:class:`~mohtasib.ledger.NoteVerifier`).
    """
    work = _Work(store)
    _read_entries(work)
    _check_leaves(work)
    if not any(f.kind == "missing_entry" for f in work.findings):
        where = _locate(work, 0, len(work.rows))
        if where is not None:
            work.add(
                "leaf_mismatch", f"entry {where} differs from its leaf at append time", index=where
            )
    heads, good = [], 0
    for number, checkpoint in enumerate(checkpoints):
        head = _opened(number, checkpoint, verifiers, work)
        if head is None:
            continue
        heads.append((number, *head))
        if _check_checkpoint(work, number, head[0], head[1], good):
            good = max(good, head[0])
    _check_history(work, heads)
    return LogAuditResult(len(work.rows), work.tree.root(), len(heads), tuple(work.findings))
