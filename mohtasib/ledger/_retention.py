"""Retention: forget a record's body when its retention period ends, keep every proof valid.

The sweep never edits a leaf. It appends a *tombstone* entry whose leaf commits
to "tombstone of entry i, deleted at t" (index and leaf hash of i, and the sweep's
time ``now``, also kept in the entry's ``time`` column), then deletes entry i's
sealed body. The tree only grows, so every inclusion and consistency proof issued
before the sweep still verifies (RFC 9162 §2.1), while the personal details
become unreadable even to the oversight body: the salt of the commitment goes
with the body.

Tombstones are committed before bodies are deleted, so a crash in between
leaves a tombstoned body that the next sweep deletes — never a body deleted
without a tombstone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from mohtasib.errors import InputError
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._sealing import parse_leaf, tombstone_leaf
from mohtasib.ledger._store import StoredEntry

__all__ = ["RetentionSweep", "retention_sweep"]

_PAGE = 10_000


@dataclasses.dataclass(frozen=True)
class RetentionSweep:
    """What one sweep did: entries tombstoned, bodies deleted, classes with no period."""

    tombstoned: tuple[int, ...]
    bodies_deleted: tuple[int, ...]
    unknown_classes: tuple[str, ...]

    def to_dict(self) -> dict[str, list[int] | list[str]]:
        """The sweep as a plain dict."""
        return {k: list(v) for k, v in dataclasses.asdict(self).items()}


def _expired(
    row: StoredEntry, now: dt.datetime, periods: Mapping[str, dt.timedelta], unknown: set[str]
) -> bool:
    if row.kind != "access" or row.retention_class is None or row.time is None:
        return False
    period = periods.get(row.retention_class)
    if period is None:
        unknown.add(row.retention_class)
        return False
    return dt.datetime.fromisoformat(row.time) + period <= now


def retention_sweep(
    ledger: Ledger, *, now: dt.datetime, periods: Mapping[str, dt.timedelta]
) -> RetentionSweep:
    """Tombstone and forget every access record past its retention period.

    Parameters
    ----------
    ledger
        The ledger to sweep.
    now
        The current time (timezone-aware): the deletion time each new tombstone commits to.
    periods
        Retention period per retention class; records of a class absent here are
        kept and the class is reported in ``unknown_classes``.
    """
    if now.utcoffset() is None:
        raise InputError("now must be timezone-aware", column="now")
    size = ledger.size()
    tombstoned: set[int] = set()
    expired: list[StoredEntry] = []
    unknown: set[str] = set()
    for start in range(0, size, _PAGE):
        for row in ledger.store.entries(start, min(size, start + _PAGE)):
            if row.kind == "tombstone":
                view = parse_leaf(row.leaf_data)
                assert view.tombstone_of is not None
                tombstoned.add(view.tombstone_of)
            elif _expired(row, now, periods, unknown):
                expired.append(row)
    new = [row for row in expired if row.index not in tombstoned]
    deleted_at = now.isoformat()
    ledger.append_entries(
        [
            StoredEntry(
                0,
                "tombstone",
                tombstone_leaf(row.index, row.leaf_data, deleted_at),
                time=deleted_at,
            )
            for row in new
        ]
    )
    deleted = [row.index for row in expired if row.body is not None]
    for index in deleted:
        ledger.store.delete_body(index)
    return RetentionSweep(tuple(row.index for row in new), tuple(deleted), tuple(sorted(unknown)))
