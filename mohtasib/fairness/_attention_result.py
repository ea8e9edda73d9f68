"""Typed, frozen results of the place-based attention audit, with ``to_dict()`` views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mohtasib._json import json_number, json_pair
from mohtasib.fairness._result import InputFile

__all__ = [
    "ATTENTION_SCHEMA_VERSION",
    "AttentionAudit",
    "GroupAttention",
    "IncomeBand",
    "LorenzCurve",
]

#: Version of the JSON layout written by :meth:`AttentionAudit.to_dict`.
ATTENTION_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class GroupAttention:
    """Attention received by one population group, attributed by residence.

    ``attention`` is the group's attributed attention ``Σ_a c_a · p_{g,a} / P_a``;
    ``per_1000`` is that over the group's population times 1,000 (the
    population-weighted exposure); ``ratio`` is ``per_1000`` over the reference
    group's, with a percentile bootstrap interval over areas (``ratio_ci``).
    """

    group: str
    population: float
    population_share: float
    attention: float
    attention_share: float
    per_1000: float | None
    ratio: float | None
    ratio_ci: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "group": self.group,
            "population": json_number(self.population),
            "population_share": json_number(self.population_share),
            "attention": json_number(self.attention),
            "attention_share": json_number(self.attention_share),
            "per_1000": json_number(self.per_1000),
            "ratio_to_reference": json_number(self.ratio),
            "ratio_ci": json_pair(self.ratio_ci),
        }


@dataclass(frozen=True)
class LorenzCurve:
    """Lorenz curve of attention per resident across areas, and its Gini coefficient.

    Areas are ordered by attention per resident, least first; point ``i`` is the
    cumulative share of residents and of attention in the first ``i`` areas
    (both start at 0 and end at 1). ``gini`` is 0 when every resident's area
    draws the same attention per resident and tends to 1 when one area draws it all.
    """

    population_share: tuple[float, ...]
    attention_share: tuple[float, ...]
    gini: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "population_share": [round(x, 6) for x in self.population_share],
            "attention_share": [round(y, 6) for y in self.attention_share],
            "gini": json_number(self.gini),
        }


@dataclass(frozen=True)
class IncomeBand:
    """Attention per 1,000 residents in one quantile band of the income column."""

    band: int
    low: float
    high: float
    areas: int
    population: float
    attention: float
    per_1000: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "band": self.band,
            "low": json_number(self.low),
            "high": json_number(self.high),
            "areas": self.areas,
            "population": json_number(self.population),
            "attention": json_number(self.attention),
            "per_1000": json_number(self.per_1000),
        }


@dataclass(frozen=True)
class AttentionAudit:
    """Result of :func:`mohtasib.fairness.audit_attention`.

    ``warnings`` counts what was left out (areas with no residents, prediction
    points outside every area); ``n_areas`` counts the areas with residents.
    """

    reference: str
    groups: tuple[GroupAttention, ...]
    lorenz: LorenzCurve
    income_bands: tuple[IncomeBand, ...]
    income_column: str | None
    total_attention: float
    n_areas: int
    n_boot: int
    confidence: float
    inputs: tuple[InputFile, ...]
    warnings: tuple[str, ...]
    kind: str = "attention"

    def by_group(self) -> dict[str, GroupAttention]:
        """The groups keyed by name."""
        return {g.group: g for g in self.groups}

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (``schema_version`` 1.0)."""
        return {
            "schema_version": ATTENTION_SCHEMA_VERSION,
            "kind": self.kind,
            "definition": (
                "per_1000 = sum_a count_a * pop_{g,a} / pop_a / sum_a pop_{g,a} * 1000 "
                "(population-weighted exposure); ratio_to_reference = per_1000 / reference's"
            ),
            "reference": self.reference,
            "total_attention": json_number(self.total_attention),
            "n_areas": self.n_areas,
            "bootstrap": {"n_boot": self.n_boot, "confidence": self.confidence, "over": "areas"},
            "groups": [g.to_dict() for g in self.groups],
            "lorenz": self.lorenz.to_dict(),
            "income_column": self.income_column,
            "income_bands": [b.to_dict() for b in self.income_bands],
            "inputs": [i.to_dict() for i in self.inputs],
            "warnings": list(self.warnings),
        }
