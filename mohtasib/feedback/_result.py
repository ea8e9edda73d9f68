"""Typed results of a deployment-loop simulation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DAILY_MEASURES",
    "SCHEMA_VERSION",
    "Band",
    "FeedbackSimulation",
    "GroupShare",
    "MitigationOutcome",
]

#: Version of :meth:`FeedbackSimulation.to_dict`'s layout.
SCHEMA_VERSION = "1.0"

FloatArray = NDArray[np.float64]

#: Daily measures, in report order, with their labels. "Patrols so far" is the share of
#: all patrols from day 1 to that day in each cell (one day's k patrols alone are too few
#: to compare with a share over many cells).
DAILY_MEASURES = {
    "runaway": "share of the forecast on its top cell (runaway indicator)",
    "tv": "total-variation distance, patrols so far vs true share",
    "js": "Jensen-Shannon distance (bits), patrols so far vs true share",
    "forecast_tv": "total-variation distance, forecast vs true share",
    "gini": "Gini coefficient of patrols so far across cells",
    "hhi": "Herfindahl-Hirschman index of patrols so far",
}


@dataclass(frozen=True)
class Band:
    """Mean over runs with the 5th and 95th percentiles over runs, per day (or per cell)."""

    mean: FloatArray = field(repr=False)
    low: FloatArray = field(repr=False)
    high: FloatArray = field(repr=False)

    @classmethod
    def over_runs(cls, values: FloatArray) -> Band:
        """Summarise ``values`` of shape ``(n_runs, ...)`` over axis 0."""
        low, high = np.percentile(values, [5.0, 95.0], axis=0)
        return cls(values.mean(axis=0), np.asarray(low), np.asarray(high))

    def to_dict(self, step: int = 1) -> dict[str, list[float | None]]:
        """Return every ``step``-th value of mean, low and high as lists (None where undefined).

        A value is undefined (``nan``) on a day when every forecast was zero.
        """
        return {
            name: [None if np.isnan(v) else float(v) for v in values[::step]]
            for name, values in (("mean", self.mean), ("low", self.low), ("high", self.high))
        }


@dataclass(frozen=True)
class GroupShare:
    """Share of patrols over the whole simulation received by one area group.

    Attributes
    ----------
    group
        The group label (``"(no group)"`` for cells without one).
    n_cells
        Cells in the group.
    true_share
        The group's share of the true intensity.
    mean, low, high
        Mean allocation share over runs and its 5–95 % band over runs.
    daily
        The group's share of each day's patrols: a :class:`Band` over runs per day.
    """

    group: str
    n_cells: int
    true_share: float
    mean: float
    low: float
    high: float
    daily: Band = field(repr=False)

    def to_dict(self, step: int = 1) -> dict[str, Any]:
        """Return the JSON view (the daily share every ``step``-th day)."""
        out = {k: v for k, v in vars(self).items() if k != "daily"}
        return out | {"daily": self.daily.to_dict(step)}


@dataclass(frozen=True)
class MitigationOutcome:
    """What one mitigation produced over all runs.

    Attributes
    ----------
    mitigation
        Its label (``none``, ``ensign``, ``reported-only``, ``explore:0.1``).
    daily
        Per measure in :data:`DAILY_MEASURES`: a :class:`Band` over runs per day.
    cell_share
        Each cell's share of all patrols over the simulation: a :class:`Band` over runs.
    final_cell_share
        Each cell's share of patrols on the last day: a :class:`Band` over runs.
    groups
        Allocation share by area group (empty without groups).
    discovered_share
        Mean over runs of the share of recorded events that patrols discovered.
    etas_iterations
        Mean EM iterations per daily refit (0 for other models).
    """

    mitigation: str
    daily: dict[str, Band] = field(repr=False)
    cell_share: Band = field(repr=False)
    final_cell_share: Band = field(repr=False)
    groups: tuple[GroupShare, ...]
    discovered_share: float
    etas_iterations: float

    def final(self, measure: str) -> tuple[float, float, float]:
        """Mean, low and high of a daily measure on the last day."""
        band = self.daily[measure]
        return float(band.mean[-1]), float(band.low[-1]), float(band.high[-1])


def _plain_final(values: tuple[float, float, float]) -> dict[str, float | None]:
    """Mean, low and high as a dict, None where undefined (``nan``)."""
    keys = ("mean", "low", "high")
    return {k: None if np.isnan(v) else v for k, v in zip(keys, values, strict=True)}


@dataclass(frozen=True)
class FeedbackSimulation:
    """A deployment-loop simulation: forecast, allocate, discover, record, refit.

    Attributes
    ----------
    settings
        The simulation's parameters (model, allocation, k, days, rates, runs, seed...).
    cell_ids
        The cells, in the order of every per-cell array.
    true_share
        Each cell's share of the true intensity.
    truth_source
        Where the true intensity came from, in words.
    outcomes
        One :class:`MitigationOutcome` per mitigation, in the order asked.
    inputs
        Input files with role and SHA-256 (as dicts).
    warnings
        Counted input problems and notes on assumptions.
    """

    settings: dict[str, Any]
    cell_ids: tuple[str, ...]
    true_share: FloatArray = field(repr=False)
    truth_source: str
    outcomes: tuple[MitigationOutcome, ...]
    inputs: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()

    kind = "feedback_simulation"

    def outcome(self, mitigation: str) -> MitigationOutcome:
        """The outcome of one mitigation by label.

        Raises
        ------
        KeyError
            No such mitigation was simulated.
        """
        for o in self.outcomes:
            if o.mitigation == mitigation:
                return o
        raise KeyError(mitigation)

    def top_cells(self, mitigation: str, n: int = 20) -> list[tuple[str, float]]:
        """The ``n`` cells with the largest mean share of patrols, with that share."""
        share = self.outcome(mitigation).cell_share.mean
        order = np.argsort(-share, kind="stable")[:n]
        return [(self.cell_ids[i], float(share[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (daily curves every ``days // 100``-th day)."""
        days = int(self.settings["days"])
        step = max(1, days // 100)
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "settings": dict(self.settings),
            "truth_source": self.truth_source,
            "inputs": [dict(i) for i in self.inputs],
            "warnings": list(self.warnings),
            "measures": dict(DAILY_MEASURES),
            "days": list(range(1, days + 1, step)),
            "outcomes": [self._outcome_dict(o, step) for o in self.outcomes],
        }

    def _outcome_dict(self, o: MitigationOutcome, step: int) -> dict[str, Any]:
        return {
            "mitigation": o.mitigation,
            "final": {m: _plain_final(o.final(m)) for m in DAILY_MEASURES},
            "daily": {m: b.to_dict(step) for m, b in o.daily.items()},
            "top_cells": [
                {"cell": c, "mean_share": s, "true_share": float(self.true_share[i])}
                for c, s in self.top_cells(o.mitigation)
                for i in [self.cell_ids.index(c)]
            ],
            "groups": [g.to_dict(step) for g in o.groups],
            "discovered_share": o.discovered_share,
            "etas_iterations": o.etas_iterations,
        }
