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
ATTENTION_SCHEMA_VERSION = "1.1"


@dataclass(frozen=True)
class GroupAttention:
    """Attention received by one population group, attributed by residence.

    ``attention`` is the group's attributed attention ``Σ_a c_a · p_{g,a} / P_a``;
    ``per_1000`` is that over the group's population times 1,000 (the
    population-weighted exposure); ``ratio`` is ``per_1000`` over the reference
    group's, with a percentile bootstrap interval over areas (``ratio_ci``) and,
    where predictions carry dates, over days in moving blocks (``ratio_ci_days``).
    ``attention_share_ci`` is the bootstrap interval over areas of ``attention_share``.

    With recorded crime: ``crime_share`` is the group's share of recorded crime,
    attributed by residence like attention; ``per_crime_ratio`` is the group's
    attention per recorded crime over the reference group's, with a bootstrap
    interval over areas (``per_crime_ratio_ci``).

    ``most_targeted_share``, ``least_targeted_share`` and ``top_decile_share``
    are the group's share of the residents of the most-targeted 5 %, the
    least-targeted 5 % and the top decile of areas by attention, The Markup's
    comparison (:mod:`mohtasib.fairness._attention_markup`); compare them with
    ``population_share``, the group's share in all areas.
    """

    group: str
    population: float
    population_share: float
    attention: float
    attention_share: float
    per_1000: float | None
    ratio: float | None
    ratio_ci: tuple[float, float] | None
    attention_share_ci: tuple[float, float] | None = None
    ratio_ci_days: tuple[float, float] | None = None
    crime_share: float | None = None
    per_crime_ratio: float | None = None
    per_crime_ratio_ci: tuple[float, float] | None = None
    most_targeted_share: float | None = None
    least_targeted_share: float | None = None
    top_decile_share: float | None = None

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
            "attention_share_ci": json_pair(self.attention_share_ci),
            "ratio_ci_days": json_pair(self.ratio_ci_days),
            "crime_share": json_number(self.crime_share),
            "per_crime_ratio_to_reference": json_number(self.per_crime_ratio),
            "per_crime_ratio_ci": json_pair(self.per_crime_ratio_ci),
            "most_targeted_share": json_number(self.most_targeted_share),
            "least_targeted_share": json_number(self.least_targeted_share),
            "top_decile_share": json_number(self.top_decile_share),
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
    points outside every area) and what was converted (a CRS); ``n_areas`` counts
    the areas with residents. ``n_days`` is the number of calendar days spanned
    by dated predictions (None without dates) and ``block_length`` the days per
    block of the day bootstrap; ``total_crime`` is the recorded crime in areas
    with residents (None when no crime events were given).
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
    n_days: int | None = None
    block_length: int | None = None
    total_crime: float | None = None
    kind: str = "attention"

    @property
    def parameters(self) -> dict[str, Any]:
        """The interval settings, as other results' ``parameters`` (read by the report)."""
        return {
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "block_length_days": self.block_length,
        }

    def by_group(self) -> dict[str, GroupAttention]:
        """The groups keyed by name."""
        return {g.group: g for g in self.groups}

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (``schema_version`` 1.1: 1.0 plus days and crime)."""
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
            "bootstrap": {
                "n_boot": self.n_boot,
                "confidence": self.confidence,
                "over": "areas" if self.n_days is None else "areas; days in moving blocks",
                "n_days": self.n_days,
                "block_length_days": self.block_length,
            },
            "total_crime": json_number(self.total_crime),
            "groups": [g.to_dict() for g in self.groups],
            "lorenz": self.lorenz.to_dict(),
            "income_column": self.income_column,
            "income_bands": [b.to_dict() for b in self.income_bands],
            "inputs": [i.to_dict() for i in self.inputs],
            "warnings": list(self.warnings),
        }
