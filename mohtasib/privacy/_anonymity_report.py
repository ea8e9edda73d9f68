"""Typed, frozen results of an anonymity check, with ``to_dict()`` views.

Failing classes are aggregates (quasi-identifier values and counts), never
record ids or sensitive values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mohtasib.privacy._risk import ReidentificationRisk

__all__ = ["ANONYMITY_SCHEMA_VERSION", "AnonymityReport", "EquivalenceClass"]

#: Version of the JSON layout written by :meth:`AnonymityReport.to_dict`.
ANONYMITY_SCHEMA_VERSION = "1.0"


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class EquivalenceClass:
    """One equivalence class that fails a target, as an aggregate.

    ``values`` maps each quasi-identifier to the class's value (as text);
    ``fails`` names the targets missed (``k``, ``l``, ``t``).
    """

    values: Mapping[str, str]
    size: int
    distinct_l: int | None
    entropy_l: float | None
    emd: float | None
    fails: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "values": dict(self.values),
            "size": self.size,
            "distinct_l": self.distinct_l,
            "entropy_l": _num(self.entropy_l),
            "emd": _num(self.emd),
            "fails": list(self.fails),
        }


@dataclass(frozen=True)
class AnonymityReport:
    """k-anonymity, l-diversity, t-closeness and re-identification risk of one table.

    Attributes
    ----------
    k_achieved
        Smallest class size (the table is ``k_achieved``-anonymous).
    classes_below_k, records_below_k
        Classes smaller than the target ``k`` and the records in them.
    l_distinct, l_entropy
        Smallest distinct l and smallest entropy l over classes (None without
        a sensitive column).
    t_achieved, t_distance
        Largest EMD over classes and the ground distance used (``ordered`` or ``equal``).
    failing_classes
        Up to ``max_classes_listed`` failing classes, smallest first;
        ``failing_classes_total`` counts them all.
    """

    n_records: int
    n_classes: int
    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    k: int
    l: int | None  # noqa: E741 - the standard name of the l-diversity parameter
    t: float | None
    k_achieved: int
    classes_below_k: int
    records_below_k: int
    l_distinct: int | None
    l_entropy: float | None
    classes_below_l: int | None
    records_below_l: int | None
    t_achieved: float | None
    t_distance: str | None
    classes_above_t: int | None
    records_above_t: int | None
    risk: ReidentificationRisk
    failing_classes: tuple[EquivalenceClass, ...]
    failing_classes_total: int
    warnings: tuple[str, ...] = ()
    source: str | None = None

    @property
    def satisfies_k(self) -> bool:
        """Whether every class has at least ``k`` records."""
        return self.k_achieved >= self.k

    @property
    def satisfies_l(self) -> bool | None:
        """Whether every class has at least ``l`` distinct sensitive values (None: not asked)."""
        return None if self.l is None or self.l_distinct is None else self.l_distinct >= self.l

    @property
    def satisfies_t(self) -> bool | None:
        """Whether every class is within EMD ``t`` of the table (None: not asked)."""
        return None if self.t is None or self.t_achieved is None else self.t_achieved <= self.t

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (stable keys; no record ids, no sensitive values)."""
        return {
            "schema_version": ANONYMITY_SCHEMA_VERSION,
            "kind": "anonymity",
            "source": self.source,
            "n_records": self.n_records,
            "n_classes": self.n_classes,
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive": self.sensitive,
            "targets": {"k": self.k, "l": self.l, "t": self.t},
            "k_anonymity": {
                "k": self.k_achieved,
                "satisfied": self.satisfies_k,
                "classes_below_k": self.classes_below_k,
                "records_below_k": self.records_below_k,
            },
            "l_diversity": {
                "distinct_l": self.l_distinct,
                "entropy_l": _num(self.l_entropy),
                "satisfied": self.satisfies_l,
                "classes_below_l": self.classes_below_l,
                "records_below_l": self.records_below_l,
            },
            "t_closeness": {
                "t": _num(self.t_achieved),
                "distance": self.t_distance,
                "satisfied": self.satisfies_t,
                "classes_above_t": self.classes_above_t,
                "records_above_t": self.records_above_t,
            },
            "risk": self.risk.to_dict(),
            "failing_classes": [c.to_dict() for c in self.failing_classes],
            "failing_classes_total": self.failing_classes_total,
            "warnings": list(self.warnings),
        }
