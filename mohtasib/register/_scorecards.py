"""City scorecards: what the register and the access ledger say about each city's systems.

A scorecard is computed from the **public view** of each system card (so a
restricted or oversight-only field can never reach it) and, where the oversight
body has them, from the ledger statistics of each system's access log (the JSON
of :class:`mohtasib.ledger.LedgerStatistics`, e.g. from ``mohtasib ledger
stats --format json``). Per system it shows cameras installed against cameras
working, the impact level, accesses by legal-authority type, accesses denied by
rule, retention compliance, audits done with their dates and results, incidents
and complaints. Anything a card or a ledger does not report is listed in
``not_reported`` — never shown as zero.

The register package does not read ledgers itself (domain packages stay
independent); the command line and the portal pass the statistics in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mohtasib.errors import InputError
from mohtasib.register._cards import SystemCard, public_view

__all__ = ["CityScorecard", "SystemScore", "city_scorecards", "city_slug"]

#: Keys a ledger-statistics mapping must carry (the layout of LedgerStatistics.to_dict()).
_LEDGER_KEYS = ("start", "end", "accesses", "allowed", "denied", "denied_by_rule", "by_authority")


@dataclass(frozen=True)
class SystemScore:
    """One system's line on its city's scorecard (public fields only).

    ``ledger`` holds the period, access counts, denials by rule, accesses by
    legal-authority type, retention compliance and the checkpoint check, taken
    from the system's ledger statistics; None when none were given.
    ``not_reported`` names every figure the card or the ledger did not give.
    """

    system_id: str
    name: str
    name_ur: str
    city: str
    capability_type: str
    status: str
    illustrative: bool
    cameras_installed: int | None
    cameras_working: int | None
    cameras_as_of: str | None
    cameras_source: str | None
    impact_level: str | None
    audits: tuple[Mapping[str, str], ...]
    incidents: int
    complaints: Mapping[str, Any] | None
    ledger_log_id: str | None
    ledger: Mapping[str, Any] | None
    not_reported: tuple[str, ...]

    @property
    def working_share(self) -> float | None:
        """Cameras working as a share of cameras installed; None when either is missing or 0."""
        if self.cameras_installed and self.cameras_working is not None:
            return self.cameras_working / self.cameras_installed
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view."""
        return {
            "system_id": self.system_id,
            "name": self.name,
            "name_ur": self.name_ur,
            "city": self.city,
            "capability_type": self.capability_type,
            "status": self.status,
            "illustrative": self.illustrative,
            "cameras": {
                "installed": self.cameras_installed,
                "working": self.cameras_working,
                "working_share": self.working_share,
                "as_of": self.cameras_as_of,
                "source": self.cameras_source,
            },
            "impact_level": self.impact_level,
            "audits": [dict(a) for a in self.audits],
            "incidents": self.incidents,
            "complaints": None if self.complaints is None else dict(self.complaints),
            "ledger_log_id": self.ledger_log_id,
            "ledger": None if self.ledger is None else dict(self.ledger),
            "not_reported": list(self.not_reported),
        }


def city_slug(city: str) -> str:
    """The city's name as a path segment: lower case, runs of other characters as one ``-``.

    Used for the page per city of the static export (``city-<slug>.html``) and the
    portal (``/scorecards/<slug>``); letters of any script are kept (``Lahore`` →
    ``lahore``, ``Dera Ismail Khan`` → ``dera-ismail-khan``); ``unnamed`` when nothing is left.
    """
    slug = "-".join("".join(c if c.isalnum() else " " for c in city.lower()).split())
    return slug or "unnamed"


@dataclass(frozen=True)
class CityScorecard:
    """The scorecard of one city: its systems and their totals.

    Camera totals add up only the systems that report both figures
    (``cameras_systems_counted`` of them); access totals add up only the
    systems whose ledger statistics were given (``ledgers_counted``).
    """

    city: str
    systems: tuple[SystemScore, ...]

    @property
    def cameras_systems_counted(self) -> int:
        """Systems that report both cameras installed and cameras working."""
        return sum(s.working_share is not None for s in self.systems)

    @property
    def cameras_installed(self) -> int | None:
        """Cameras installed over the systems counted; None when none report both figures."""
        counted = [s for s in self.systems if s.working_share is not None]
        return sum(s.cameras_installed or 0 for s in counted) if counted else None

    @property
    def cameras_working(self) -> int | None:
        """Cameras working over the systems counted; None when none report both figures."""
        counted = [s for s in self.systems if s.working_share is not None]
        return sum(s.cameras_working or 0 for s in counted) if counted else None

    @property
    def ledgers_counted(self) -> int:
        """Systems whose ledger statistics were given."""
        return sum(s.ledger is not None for s in self.systems)

    def _ledger_total(self, key: str) -> int | None:
        ledgers = [s.ledger for s in self.systems if s.ledger is not None]
        return sum(int(ledger[key]) for ledger in ledgers) if ledgers else None

    def _ledger_counter(self, key: str) -> dict[str, int]:
        total: Counter[str] = Counter()
        for system in self.systems:
            if system.ledger is not None:
                total.update(system.ledger[key])
        return dict(sorted(total.items()))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view with the city's totals and one entry per system."""
        installed, working = self.cameras_installed, self.cameras_working
        judged = [
            s.ledger["retention"]["compliant"]
            for s in self.systems
            if s.ledger is not None and s.ledger.get("retention") is not None
        ]
        return {
            "city": self.city,
            "systems": [s.to_dict() for s in self.systems],
            "totals": {
                "systems": len(self.systems),
                "cameras_installed": installed,
                "cameras_working": working,
                "working_share": working / installed if installed and working is not None else None,
                "cameras_systems_counted": self.cameras_systems_counted,
                "ledgers_counted": self.ledgers_counted,
                "accesses": self._ledger_total("accesses"),
                "denied": self._ledger_total("denied"),
                "denied_by_rule": self._ledger_counter("denied_by_rule"),
                "by_authority": self._ledger_counter("by_authority"),
                "retention_compliant_systems": sum(judged),
                "retention_judged_systems": len(judged),
                "audits": sum(len(s.audits) for s in self.systems),
            },
        }


def _ledger_summary(stats: Mapping[str, Any], source: str) -> dict[str, Any]:
    missing = [k for k in _LEDGER_KEYS if k not in stats]
    if missing:
        raise InputError(
            f"ledger statistics lack {', '.join(missing)}; want the JSON of "
            "`mohtasib ledger stats --format json` (LedgerStatistics.to_dict())",
            source=source,
        )
    retention = stats.get("retention")
    checkpoint = stats.get("checkpoint")
    return {
        "start": stats["start"],
        "end": stats["end"],
        "accesses": int(stats["accesses"]),
        "allowed": int(stats["allowed"]),
        "denied": int(stats["denied"]),
        "denied_by_rule": {str(k): int(v) for k, v in dict(stats["denied_by_rule"]).items()},
        "by_authority": {str(k): int(v) for k, v in dict(stats["by_authority"]).items()},
        "bodies_opened": bool(stats.get("bodies_opened", bool(stats["by_authority"]))),
        "retention": None
        if retention is None
        else {
            "compliant": bool(retention["compliant"]),
            "past_retention": int(retention["past_retention"]),
            "bodies_kept": int(retention["bodies_kept"]),
            "not_tombstoned": int(retention["not_tombstoned"]),
            "deleted_late": retention.get("deleted_late"),
            "period_days": retention.get("period_days"),
        },
        "checkpoint": None
        if checkpoint is None
        else {"size": checkpoint.get("size"), "consistent": bool(checkpoint.get("consistent"))},
    }


def _score(card: SystemCard, ledger: Mapping[str, Any] | None) -> SystemScore:
    view = public_view(card)
    summary = view["public_summary"]
    cameras = view.get("deployment", {}).get("cameras", {})
    risk = view.get("risk_and_impact", {})
    log_id = view.get("technical", {}).get("ledger", {}).get("log_id")
    level = risk.get("impact_level") or risk.get("impact_assessment", {}).get("level")
    audits = tuple(
        {k: str(a[k]) for k in ("kind", "date", "by", "result") if k in a}
        for a in risk.get("assessments", [])
    )
    figures = {
        "cameras installed": cameras.get("installed"),
        "cameras working": cameras.get("working"),
        "impact level": level,
        "complaints": risk.get("complaints"),
        "ledger statistics": ledger,
    }
    return SystemScore(
        system_id=card.system_id,
        name=summary["name"]["en"],
        name_ur=summary["name"]["ur"],
        city=summary["city"],
        capability_type=summary["capability_type"],
        status=view["record"]["status"],
        illustrative=bool(summary.get("illustrative", False)),
        cameras_installed=cameras.get("installed"),
        cameras_working=cameras.get("working"),
        cameras_as_of=cameras.get("as_of"),
        cameras_source=cameras.get("source"),
        impact_level=level,
        audits=audits,
        incidents=len(risk.get("incidents", [])),
        complaints=risk.get("complaints"),
        ledger_log_id=log_id,
        ledger=ledger,
        not_reported=tuple(name for name, value in figures.items() if value is None),
    )


def city_scorecards(
    cards: Sequence[SystemCard],
    *,
    ledger_statistics: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[CityScorecard]:
    """Scorecards per city, from system cards and (optionally) their ledgers' statistics.

    Parameters
    ----------
    cards
        Validated system cards (:func:`~mohtasib.register.load_card`); only their
        public views are read.
    ledger_statistics
        Ledger statistics per log, keyed by the card's ``technical.ledger.log_id``
        or by its system id: the mapping of ``LedgerStatistics.to_dict()``.

    Returns
    -------
    list of CityScorecard
        One per city, sorted by city; systems sorted by id.

    Raises
    ------
    InputError
        Two cards with the same system id; statistics for a log no card names
        (they would otherwise be silently left out); statistics missing a field.
    """
    counts = Counter(card.system_id for card in cards)
    duplicated = sorted(k for k, n in counts.items() if n > 1)
    if duplicated:
        raise InputError(f"system id(s) given by more than one card: {', '.join(duplicated)}")
    given = dict(ledger_statistics or {})
    by_city: dict[str, list[SystemScore]] = {}
    for card in sorted(cards, key=lambda c: c.system_id):
        log_id = public_view(card).get("technical", {}).get("ledger", {}).get("log_id")
        key = log_id if log_id in given else card.system_id
        stats = given.pop(key, None)
        summary = None if stats is None else _ledger_summary(stats, f"ledger statistics {key!r}")
        score = _score(card, summary)
        by_city.setdefault(score.city, []).append(score)
    if given:
        raise InputError(
            "ledger statistics for log(s) no card names: "
            + ", ".join(sorted(given))
            + "; key them by the card's technical.ledger.log_id or its system id"
        )
    return [CityScorecard(city, tuple(systems)) for city, systems in sorted(by_city.items())]
