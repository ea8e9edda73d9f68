"""Ledger statistics for an audit period: aggregates only, never a requester, target or record.

:func:`ledger_statistics` reads a stored log once and counts, for the access
entries whose time falls in ``[start, end)``:

* from the public leaves, which carry each access's policy decision: accesses
  recorded as allowed, and as denied under each rule;
* when the oversight body's private key is given, from the opened record bodies
  (each checked against its leaf's commitment): accesses by action, by system and
  by type of legal authority (``fir``, ``warrant``, ``court_order`` or ``none``).

Which entries are "in the period" depends on what can be read. Without the private
key it is the server's stored ``time`` column, written at append time but not
committed by the leaf. With the key it is the time inside each opened record, which
the leaf commits to; a stored time that disagrees with it is counted
(``time_mismatches``), and entries whose body is gone (retention) fall back to the
stored time and are counted as ``not_opened``.

Retention compliance is judged as of ``end``: an access whose stored time plus its
class's retention period is at or before ``end`` should have been tombstoned and its
body deleted; a body still present is a finding, and so is a deletion later than the
end of the period (plus an optional grace) by the deletion time its tombstone commits
to. The checkpoint check is the outside audit (:func:`~mohtasib.ledger.audit_log`) of
the whole log against the one checkpoint the report names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from nacl.public import PrivateKey

from mohtasib.errors import InputError, MohtasibError
from mohtasib.ledger._audit import AuditFinding, audit_log
from mohtasib.ledger._bundles import open_checkpoint
from mohtasib.ledger._keyring import KeyringOpener, open_checkpoint_any
from mohtasib.ledger._note import NoteVerifier
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sealing import BodyNotOpened, BodyOpener, LeafView, parse_leaf
from mohtasib.ledger._store import LedgerStore, StoredEntry

__all__ = ["CheckpointCheck", "LedgerStatistics", "RetentionCompliance", "ledger_statistics"]

_PAGE = 10_000


@dataclasses.dataclass(frozen=True)
class RetentionCompliance:
    """Retention as of ``as_of``: accesses past their period, and what became of their bodies.

    ``bodies_kept`` (past the period, body still stored) and ``not_tombstoned``
    (past the period, no tombstone in the log) are findings; ``unknown_classes``
    are retention classes with no period given, whose entries were not judged.

    Each tombstone commits to the time its retention sweep ran (the deletion time).
    The delay of a tombstoned access is that time minus the end of its period;
    ``deleted_late`` counts delays longer than ``grace_days`` (also a finding), and
    ``max_delay_days`` / ``mean_delay_days`` summarise the delays (negative: deleted
    early; None when no tombstone has a time). ``deletion_time_unknown`` counts
    tombstones of version 1, which carry no time.
    """

    as_of: str
    periods_days: Mapping[str, float]
    past_retention: int
    tombstoned: int
    bodies_deleted: int
    bodies_kept: int
    not_tombstoned: int
    tombstones: int
    unknown_classes: tuple[str, ...]
    deleted_late: int = 0
    max_delay_days: float | None = None
    mean_delay_days: float | None = None
    deletion_time_unknown: int = 0
    grace_days: float = 0.0

    @property
    def compliant(self) -> bool:
        """True when every access past its period is tombstoned, its body deleted, none late."""
        return self.bodies_kept == 0 and self.not_tombstoned == 0 and self.deleted_late == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view."""
        return {
            **dataclasses.asdict(self),
            "periods_days": dict(self.periods_days),
            "unknown_classes": list(self.unknown_classes),
            "compliant": self.compliant,
        }


@dataclasses.dataclass(frozen=True)
class CheckpointCheck:
    """The outside audit of the log against one checkpoint.

    ``size`` and ``root`` are None when the checkpoint's signature did not verify.
    ``consistent`` is True when the log recomputed from its stored entries has the
    checkpoint's root at its size and no finding was made; ``findings`` say which
    entry and what kind of problem otherwise. ``entries_after`` counts entries
    appended after the checkpoint, which it does not cover.
    """

    origin: str | None
    size: int | None
    root: bytes | None
    consistent: bool
    findings: tuple[AuditFinding, ...]
    entries_after: int

    @property
    def first_bad_index(self) -> int | None:
        """Smallest entry index named by a finding, if any."""
        indices = [f.index for f in self.findings if f.index is not None]
        return min(indices) if indices else None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view (root in hex)."""
        return {
            "origin": self.origin,
            "size": self.size,
            "root": None if self.root is None else self.root.hex(),
            "consistent": self.consistent,
            "first_bad_index": self.first_bad_index,
            "entries_after": self.entries_after,
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }


@dataclasses.dataclass(frozen=True)
class LedgerStatistics:
    """Counts of recorded accesses in ``[start, end)`` (module docstring), aggregates only.

    ``by_action``, ``by_system`` and ``by_authority`` are empty unless the bodies
    were opened (``bodies_opened``). ``body_mismatches`` counts bodies that did not
    open or did not match their leaf's commitment (except, with a keyring, bodies
    the rotation history says were sealed to a key not held here: those are only
    ``not_opened``), ``malformed_leaves`` leaves of neither kind; both are findings.
    """

    start: str
    end: str
    log_size: int
    accesses: int
    allowed: int
    denied: int
    denied_by_rule: Mapping[str, int]
    bodies_opened: bool
    by_action: Mapping[str, int]
    by_system: Mapping[str, int]
    by_authority: Mapping[str, int]
    not_opened: int
    body_mismatches: int
    time_mismatches: int
    malformed_leaves: int
    retention: RetentionCompliance | None
    checkpoint: CheckpointCheck | None
    inputs: tuple[Mapping[str, Any], ...] = ()
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    kind: str = "ledger"

    @property
    def time_source(self) -> str:
        """Where the period's times came from (module docstring)."""
        if self.bodies_opened:
            return "the opened records (committed by their leaves)"
        return "the server's stored time column (not committed by the leaves)"

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view; ``kind`` is ``ledger``."""
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "log_size": self.log_size,
            "accesses": self.accesses,
            "allowed": self.allowed,
            "denied": self.denied,
            "denied_by_rule": dict(self.denied_by_rule),
            "bodies_opened": self.bodies_opened,
            "time_source": self.time_source,
            "by_action": dict(self.by_action),
            "by_system": dict(self.by_system),
            "by_authority": dict(self.by_authority),
            "not_opened": self.not_opened,
            "body_mismatches": self.body_mismatches,
            "time_mismatches": self.time_mismatches,
            "malformed_leaves": self.malformed_leaves,
            "retention": None if self.retention is None else self.retention.to_dict(),
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_dict(),
            "inputs": [dict(i) for i in self.inputs],
            "parameters": dict(self.parameters),
        }


class _Tally:
    def __init__(self, start: dt.datetime, end: dt.datetime, opener: BodyOpener | None) -> None:
        self.start, self.end, self.opener = start, end, opener
        self.decisions: Counter[str | None] = Counter()
        self.action: Counter[str] = Counter()
        self.system: Counter[str] = Counter()
        self.authority: Counter[str] = Counter()
        self.not_opened = self.body_mismatches = self.time_mismatches = self.malformed = 0

    def _opened(self, row: StoredEntry, commitment: bytes) -> AccessRecord | None:
        if self.opener is None or row.body is None:
            return None
        try:
            return AccessRecord.from_json(self.opener.open(row.body, commitment))
        except BodyNotOpened:
            if (
                isinstance(self.opener, KeyringOpener)
                and self.opener.holds_key_for(row.index) is False
            ):
                return None  # sealed to a key this server does not hold (after a rotation)
            self.body_mismatches += 1
            return None
        except MohtasibError:
            self.body_mismatches += 1
            return None

    def add(self, row: StoredEntry, view: LeafView) -> None:
        assert view.commitment is not None
        record = self._opened(row, view.commitment)
        stored = None if row.time is None else dt.datetime.fromisoformat(row.time)
        when = record.time if record is not None else stored
        if record is not None and stored is not None and stored != record.time:
            self.time_mismatches += 1
        if when is None or not self.start <= when < self.end:
            return
        self.decisions[None if view.allowed else view.rule] += 1
        if record is None:
            self.not_opened += self.opener is not None
            return
        self.action[record.action] += 1
        self.system[record.system] += 1
        authority = record.legal_authority
        self.authority["none" if authority is None else authority.kind] += 1


#: What retention needs of an access entry: index, retention class, stored time, body present.
_Kept = tuple[int, str | None, str | None, bool]


def _retention(
    rows: list[_Kept],
    tombstoned: Mapping[int, str | None],
    as_of: dt.datetime,
    periods: Mapping[str, dt.timedelta],
    grace: dt.timedelta,
) -> RetentionCompliance:
    past = deleted = kept = missing = late = unknown_time = 0
    delays: list[dt.timedelta] = []
    unknown: set[str] = set()
    for index, retention_class, time, has_body in rows:
        if retention_class is None or time is None:
            continue
        period = periods.get(retention_class)
        if period is None:
            unknown.add(retention_class)
            continue
        due = dt.datetime.fromisoformat(time) + period
        if due > as_of:
            continue
        past += 1
        deleted += not has_body
        kept += has_body
        if index not in tombstoned:
            missing += 1
            continue
        deleted_at = tombstoned[index]
        if deleted_at is None:
            unknown_time += 1
            continue
        delay = dt.datetime.fromisoformat(deleted_at) - due
        delays.append(delay)
        late += delay > grace
    day = dt.timedelta(days=1)
    return RetentionCompliance(
        as_of=as_of.isoformat(),
        periods_days={k: v / day for k, v in sorted(periods.items())},
        past_retention=past,
        tombstoned=past - missing,
        bodies_deleted=deleted,
        bodies_kept=kept,
        not_tombstoned=missing,
        tombstones=len(tombstoned),
        unknown_classes=tuple(sorted(unknown)),
        deleted_late=late,
        max_delay_days=max(delays) / day if delays else None,
        mean_delay_days=sum(delays, dt.timedelta(0)) / len(delays) / day if delays else None,
        deletion_time_unknown=unknown_time,
        grace_days=grace / day,
    )


def _check(
    store: LedgerStore,
    checkpoint: str | tuple[int, bytes],
    verifier: NoteVerifier | Sequence[NoteVerifier] | None,
    log_size: int,
) -> CheckpointCheck:
    origin = None
    if isinstance(checkpoint, str):
        if verifier is None:
            raise InputError("a signed checkpoint needs the log's verifier key", column="verifier")
        try:
            if isinstance(verifier, NoteVerifier):
                parsed = open_checkpoint(checkpoint, verifier)
            else:  # a log's current and retired keys (after a rotation)
                parsed = open_checkpoint_any(checkpoint, verifier)
        except MohtasibError as exc:
            finding = AuditFinding("forged_checkpoint", f"checkpoint 0: {exc}", None, 0)
            return CheckpointCheck(None, None, None, False, (finding,), 0)
        origin, head = parsed.origin, (parsed.size, parsed.root_hash)
    else:
        head = checkpoint
    result = audit_log(store, [head])
    after = max(0, log_size - head[0])
    return CheckpointCheck(origin, head[0], head[1], result.ok, result.findings, after)


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InputError(f"got {value!r}; want a timezone-aware datetime", column=name)
    return value


def ledger_statistics(
    store: LedgerStore,
    *,
    start: dt.datetime,
    end: dt.datetime,
    private_key: bytes | PrivateKey | BodyOpener | None = None,
    checkpoint: str | tuple[int, bytes] | None = None,
    verifier: NoteVerifier | Sequence[NoteVerifier] | None = None,
    retention_periods: Mapping[str, dt.timedelta] | None = None,
    retention_grace: dt.timedelta = dt.timedelta(0),
) -> LedgerStatistics:
    """Count the accesses recorded in ``[start, end)``; judge retention; check a checkpoint.

    Parameters
    ----------
    store
        The log to read (read only).
    start, end
        The audit period, timezone-aware; requires ``start < end``.
    private_key
        The oversight body's X25519 private key, or an opener over several
        (:class:`~mohtasib.ledger.KeyringOpener`, for a log whose oversight key was
        rotated); when given, bodies are opened and counted by action, system and
        legal-authority type. With a keyring opener, a body that the rotation
        history says was sealed to a key not held here counts as not opened; any
        other body that does not open is a mismatch (a finding).
    checkpoint
        A signed C2SP checkpoint note (then ``verifier`` is required) or a
        ``(size, root)`` pair; the log is audited against it.
    verifier
        The log's note verifier (:class:`~mohtasib.ledger.NoteVerifier`), or its
        current and retired verifiers (any of them may have signed ``checkpoint``).
    retention_periods
        Retention period per retention class; when given, retention compliance is
        judged as of ``end``.
    retention_grace
        How long after the end of its period a body may be deleted before the
        deletion counts as late (default: none).
    """
    start, end = _aware(start, "start"), _aware(end, "end")
    if not start < end:
        raise InputError(f"start {start.isoformat()} is not before end {end.isoformat()}")
    opener = (
        private_key
        if private_key is None or isinstance(private_key, BodyOpener)
        else BodyOpener(private_key)
    )
    tally = _Tally(start, end, opener)
    size = store.size()
    accesses: list[_Kept] = []
    tombstoned: dict[int, str | None] = {}
    for first in range(0, size, _PAGE):
        for row in store.entries(first, min(size, first + _PAGE)):
            try:
                view = parse_leaf(row.leaf_data)
            except MohtasibError:
                tally.malformed += 1  # the checkpoint check names the entry
                continue
            if view.tombstone_of is not None:
                tombstoned.setdefault(view.tombstone_of, view.deleted_at)
            else:
                tally.add(row, view)
                accesses.append((row.index, row.retention_class, row.time, row.body is not None))
    denied = {str(rule): n for rule, n in sorted(tally.decisions.items(), key=str) if rule}
    return LedgerStatistics(
        start=start.isoformat(),
        end=end.isoformat(),
        log_size=size,
        accesses=sum(tally.decisions.values()),
        allowed=tally.decisions[None],
        denied=sum(denied.values()),
        denied_by_rule=denied,
        bodies_opened=private_key is not None,
        by_action=dict(sorted(tally.action.items())),
        by_system=dict(sorted(tally.system.items())),
        by_authority=dict(sorted(tally.authority.items())),
        not_opened=tally.not_opened,
        body_mismatches=tally.body_mismatches,
        time_mismatches=tally.time_mismatches,
        malformed_leaves=tally.malformed,
        retention=None
        if retention_periods is None
        else _retention(accesses, tombstoned, end, retention_periods, retention_grace),
        checkpoint=None if checkpoint is None else _check(store, checkpoint, verifier, size),
    )
