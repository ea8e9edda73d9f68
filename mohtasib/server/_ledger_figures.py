"""Per-system ledger figures for the portal's city scorecards, kept up to date as the log grows.

The portal keeps one ledger for all its systems. A leaf records only an access's
policy decision (allowed, or denied under a rule); which system was accessed, and
under which legal authority, is inside the sealed record body. So the portal
attributes an access to a system by opening its body with the oversight body's
private key, when ``oversight.key`` is in the server's key directory, checking each
body against its leaf's commitment exactly as :func:`mohtasib.ledger.ledger_statistics`
does (same counting rules: accesses, allowed, denied by rule, by legal-authority
type and by action, per system).

What cannot be attributed is counted apart, never guessed: an access whose body is
gone (deleted by retention; its tombstone removes it from its system once the
tombstone is read), whose body does not open against its leaf (a finding,
``body_mismatches``), or whose body was sealed to an oversight key whose private half
is not on this server (``sealed_elsewhere``: after a rotation to a key the oversight
body keeps offline, which :meth:`mohtasib.ledger.KeyringOpener.holds_key_for` tells
from the rotation history in ``keyring.json``; not a finding). A body that opens with
a key here but does not match its leaf stays a mismatch whatever the history says.
Without the oversight key nothing is attributed and the scorecards show the register's
figures only. Retention is judged per system against the period its card publishes
(``technical.retention.period_days``): an access whose record body is still stored
after that period is a finding, and so is a deletion later than the end of that
period. A tombstone commits to its deletion time and to the index of the entry it
deletes, but neither leaf names the system: that is only in the sealed body, which
the deletion removed. So a deletion is attributed to its system when a portal of this
database opened the body before the deletion, and counted apart otherwise
(``deletions.unattributed``: a record appended and swept while no portal was reading
cannot be attributed; ``mohtasib ledger stats --periods`` judges it for the whole log).
What was read is kept in the portal database (``portal_record_systems``: the entry's
index, its system and its committed access time, nothing else), so a restarted portal
still attributes deletions of records read before it stopped; ``started``
(``attributable_since``) is when the first portal of that database began reading. The
stored ``retention_class`` column is not used: it is not committed by any leaf and
names a class, not a system. No checkpoint is checked.

The figures are computed when the portal opens and then incrementally: before the
scorecards are served, entries appended since (by ``/requests/new``, ``POST
/api/ledger/entries`` or any other writer of the same database) are read and added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from mohtasib.errors import MohtasibError
from mohtasib.ledger import AccessRecord, BodyNotOpened, KeyringOpener, LeafView, parse_leaf
from mohtasib.ledger._sealing import BodyOpener
from mohtasib.ledger._store import LedgerStore
from mohtasib.server._db import PortalDB

__all__ = ["LedgerFigures", "SystemCounts"]

_PAGE = 10_000


@dataclasses.dataclass
class SystemCounts:
    """Counts of one system's accesses (or of the unattributed ones)."""

    decisions: Counter[str | None] = dataclasses.field(default_factory=Counter)
    authority: Counter[str] = dataclasses.field(default_factory=Counter)
    action: Counter[str] = dataclasses.field(default_factory=Counter)
    first: str | None = None
    last: str | None = None

    def add(self, rule: str | None, authority: str | None, action: str | None, n: int) -> None:
        """Count ``n`` (1 or -1) accesses with this decision, authority and action."""
        for counter, key in ((self.authority, authority), (self.action, action)):
            if key is not None:
                counter[key] += n
                if counter[key] == 0:
                    del counter[key]
        self.decisions[rule] += n
        if self.decisions[rule] == 0:
            del self.decisions[rule]

    def statistics(self, as_of: str, retention: dict[str, Any] | None = None) -> dict[str, Any]:
        """The layout of :meth:`mohtasib.ledger.LedgerStatistics.to_dict` (what it can fill)."""
        denied = {str(r): n for r, n in sorted(self.decisions.items(), key=str) if r}
        return {
            "kind": "ledger",
            "start": self.first,
            "end": as_of,
            "accesses": sum(self.decisions.values()),
            "allowed": self.decisions[None],
            "denied": sum(denied.values()),
            "denied_by_rule": denied,
            "bodies_opened": True,
            "by_action": dict(sorted(self.action.items())),
            "by_authority": dict(sorted(self.authority.items())),
            "retention": retention,
            "checkpoint": None,
        }


class LedgerFigures:
    """Per-system access counts of one store, updated incrementally (module docstring).

    Parameters
    ----------
    store
        The portal's ledger store (read only).
    private_key
        The oversight body's X25519 private key; None: nothing can be attributed. The
        portal replaces :attr:`opener` with a :class:`~mohtasib.ledger.KeyringOpener`
        over every oversight private key on the server.
    memory
        The portal database, where what was read is kept (``portal_record_systems``);
        None: in this object only, lost when the process ends.
    """

    def __init__(
        self, store: LedgerStore, private_key: bytes | None, memory: PortalDB | None = None
    ) -> None:
        self.store = store
        self.opener: BodyOpener | None = None if private_key is None else BodyOpener(private_key)
        self.memory = memory
        self.size = 0
        self.systems: dict[str, SystemCounts] = {}
        self.unattributed = SystemCounts()
        self.body_missing = self.body_mismatches = self.malformed = 0
        #: Bodies sealed to an oversight key whose private half is not on this server.
        self.sealed_elsewhere = 0
        self.as_of = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        #: Since when deletions can be attributed (bodies read before their deletion).
        self.started = (
            self.as_of if memory is None else memory.figures_state("attributable_since", self.as_of)
        )
        #: Entries up to this index were already kept in ``memory`` when this object began.
        self._kept = -1 if memory is None else memory.last_remembered_record()
        #: Attributed deletions, per system: (the access's time, its tombstone's deletion time).
        self.deletions: dict[str, list[tuple[dt.datetime, str | None]]] = {}
        #: Tombstones of entries whose system this server never read.
        self.deletions_unattributed = 0
        #: Attributed access entries: index -> (system, rule, authority, action, time).
        self._seen: dict[int, tuple[str, str | None, str, str, dt.datetime]] = {}
        self._lock = threading.Lock()

    @property
    def can_attribute(self) -> bool:
        """Whether the oversight key is on the server."""
        return self.opener is not None

    def update(self) -> bool:
        """Read the entries appended since the last update; True when there were any."""
        with self._lock:
            size = self.store.size()
            if size <= self.size:
                return False
            for first in range(self.size, size, _PAGE):
                self._add_page(self.store.entries(first, min(size, first + _PAGE)))
            self.size = size
            self.as_of = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            return True

    def _add_page(self, rows: Any) -> None:
        """Add one page of entries; keep what was opened in ``memory`` (one transaction)."""
        views: list[tuple[int, LeafView | None, bytes | None]] = []
        for row in rows:
            try:
                views.append((row.index, parse_leaf(row.leaf_data), row.body))
            except MohtasibError:
                views.append((row.index, None, None))
        kept: dict[int, tuple[str, str]] = {}
        if self.memory is not None:  # tombstones of entries not read by this process
            wanted = [
                view.tombstone_of
                for _, view, _ in views
                if view is not None
                and view.tombstone_of is not None
                and view.tombstone_of not in self._seen
            ]
            kept = self.memory.remembered_records(wanted) if wanted else {}
        opened: list[tuple[int, str, str]] = []
        for index, view, body in views:
            if view is None:
                self.malformed += 1
            elif view.tombstone_of is not None:
                self._tombstone(view, kept)
            else:
                record = self._access(index, view, body)
                if record is not None and index > self._kept:
                    opened.append((index, record.system, record.time.isoformat()))
        if self.memory is not None and opened:
            self.memory.remember_records(opened)

    def _tombstone(self, view: LeafView, kept: Mapping[int, tuple[str, str]]) -> None:
        assert view.tombstone_of is not None
        seen = self._seen.pop(view.tombstone_of, None)
        if seen is not None:  # its body is gone: no longer attributable as an access
            system, rule, authority, action, accessed = seen
            self.systems[system].add(rule, authority, action, -1)
            self.unattributed.add(rule, None, None, 1)
            self.body_missing += 1
            # ... but its deletion is: the body was read before it was deleted.
            self.deletions.setdefault(system, []).append((accessed, view.deleted_at))
        elif view.tombstone_of in kept:  # read by an earlier run, before the deletion
            # (the access itself was counted unattributed, body missing, when read now)
            system, when = kept[view.tombstone_of]
            accessed = dt.datetime.fromisoformat(when)
            self.deletions.setdefault(system, []).append((accessed, view.deleted_at))
        else:
            self.deletions_unattributed += 1

    def _access(self, index: int, view: LeafView, body: bytes | None) -> AccessRecord | None:
        rule = None if view.allowed else view.rule
        record = None
        if self.opener is not None and body is not None and view.commitment is not None:
            try:
                record = AccessRecord.from_json(self.opener.open(body, view.commitment))
            except BodyNotOpened:
                if self._sealed_elsewhere(index):
                    self.sealed_elsewhere += 1
                else:
                    self.body_mismatches += 1
            except MohtasibError:
                self.body_mismatches += 1
        elif self.opener is not None:
            self.body_missing += 1
        if record is None:
            self.unattributed.add(rule, None, None, 1)
            return None
        kind = "none" if record.legal_authority is None else record.legal_authority.kind
        counts = self.systems.setdefault(record.system, SystemCounts())
        counts.add(rule, kind, record.action, 1)
        when = record.time.isoformat()
        counts.first = when if counts.first is None else min(counts.first, when)
        counts.last = when if counts.last is None else max(counts.last, when)
        self._seen[index] = (record.system, rule, kind, record.action, record.time)
        return record

    def _sealed_elsewhere(self, index: int) -> bool:
        """Whether a body no key here opens was sealed to a key this server does not hold.

        Only a :class:`~mohtasib.ledger.KeyringOpener` knows the rotation history; a
        body that opened with a key here but does not match its leaf is a finding
        whatever the history says (the test of ``mohtasib ledger stats``).
        """
        return isinstance(self.opener, KeyringOpener) and self.opener.holds_key_for(index) is False

    def touch(self) -> None:
        """Move ``as_of`` to now (retention is judged as of that time)."""
        with self._lock:
            self.as_of = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    def retention(self, periods: Mapping[str, float]) -> dict[str, dict[str, Any]]:
        """Per system with a period: bodies kept past it and deletions after it, as of ``as_of``.

        The layout of :class:`mohtasib.ledger.RetentionCompliance` (grace 0), per
        system. ``bodies_kept`` and ``not_tombstoned`` are the same count here (an
        attributed access still has its body, hence no tombstone). Of the deletions
        attributed to the system (module docstring), ``deleted_late`` counts those
        whose tombstone's committed deletion time is after the access's committed
        time plus the card's period; ``max_delay_days`` and ``mean_delay_days``
        summarise the delays (negative: deleted before the period ended);
        ``deletion_time_unknown`` counts tombstones of version 1, which carry no time.
        """
        now = dt.datetime.fromisoformat(self.as_of)
        kept: Counter[str] = Counter()
        with self._lock:
            for system, _, _, _, when in self._seen.values():
                days = periods.get(system)
                if days is not None and now - when > dt.timedelta(days=days):
                    kept[system] += 1
            deletions = {system: list(done) for system, done in self.deletions.items()}
        out = {}
        for system, days in periods.items():
            period = dt.timedelta(days=days)
            done = deletions.get(system, [])
            delays = [dt.datetime.fromisoformat(at) - (when + period) for when, at in done if at]
            late = sum(delay > dt.timedelta(0) for delay in delays)
            due = sum(when + period <= now for when, _ in done)
            day = dt.timedelta(days=1)
            out[system] = {
                "as_of": self.as_of,
                "period_days": days,
                "compliant": kept[system] == 0 and late == 0,
                "past_retention": kept[system] + due,
                "bodies_kept": kept[system],
                "not_tombstoned": kept[system],
                "tombstoned": len(done),
                "deleted_late": late,
                "max_delay_days": max(delays) / day if delays else None,
                "mean_delay_days": sum(delays, dt.timedelta(0)) / len(delays) / day
                if delays
                else None,
                "deletion_time_unknown": len(done) - len(delays),
                "grace_days": 0.0,
            }
        return out

    def statistics(
        self, systems: set[str], periods: Mapping[str, float] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Statistics per system in ``systems`` (those of the register); {} without the key.

        A registered system with no recorded access gets zero counts: the portal's
        ledger is where its accesses would be. ``periods`` (days per system, from the
        cards) adds each system's retention judgement (:meth:`retention`).
        """
        if self.opener is None:
            return {}
        empty = SystemCounts()
        judged = self.retention(periods or {})
        return {
            name: self.systems.get(name, empty).statistics(self.as_of, judged.get(name))
            for name in sorted(systems)
        }

    def coverage(self, systems: set[str]) -> dict[str, Any]:
        """What the figures cover and what could not be attributed to a registered system."""
        outside = {
            name: sum(c.decisions.values())
            for name, c in sorted(self.systems.items())
            if name not in systems and c.decisions
        }
        left = self.unattributed
        return {
            "as_of": self.as_of,
            "log_size": self.size,
            "bodies_opened": self.opener is not None,
            "attributed": sum(sum(c.decisions.values()) for c in self.systems.values()),
            "unattributed": {
                "accesses": sum(left.decisions.values()),
                "denied_by_rule": {
                    str(r): n for r, n in sorted(left.decisions.items(), key=str) if r
                },
                "body_missing": self.body_missing,
                "body_mismatches": self.body_mismatches,
                "sealed_elsewhere": self.sealed_elsewhere,
            },
            "malformed_leaves": self.malformed,
            "unregistered_systems": outside,
            "deletions": {
                "attributed": sum(len(done) for done in self.deletions.values()),
                "unattributed": self.deletions_unattributed,
                "attributable_since": self.started,
            },
        }
