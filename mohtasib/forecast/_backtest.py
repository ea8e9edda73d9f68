"""Rolling-origin backtest: does a forecaster beat the naive count beyond its uncertainty.

Origins are ``test_start + i * horizon_days`` for every full horizon in the
test period. At each origin every model is refitted on the events of the
preceding ``train_days`` and scored (see :mod:`mohtasib.forecast._scoring`)
on the study-area cells against the events of the next ``horizon_days``.

Across origins each metric is summarised by its mean and a percentile
circular block bootstrap interval over origins (Künsch 1989, Annals of
Statistics 17:1217-1241; Politis & Romano 1992, "A circular block-resampling
procedure for stationary data"; block length ``round(K ** (1/3))`` for ``K`` origins, the order
Hall, Horowitz & Jing 1995 give for variance and interval estimation). Each
model's paired difference to the baseline (per origin, model minus baseline)
gets the same block-bootstrap interval and a two-sided sign-flip permutation
p-value in which whole blocks of consecutive origins flip together (Good 2005,
"Permutation, Parametric and Bootstrap Tests of Hypotheses", sec. 3.6.2).
Blocks absorb the dependence between neighbouring origins (shared training
data, nearby events); dependence at longer range is not modelled, so the
intervals may still be optimistic. Origins with no test event are skipped and
counted in the warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from mohtasib._json import json_number, json_pair
from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.forecast._events import GriddedEvents
from mohtasib.forecast._grid import Grid
from mohtasib.forecast._scoring import OriginScores, rank_cells, score_origin

__all__ = [
    "SCHEMA_VERSION",
    "Backtest",
    "Comparison",
    "FlaggedCells",
    "Forecaster",
    "ModelScores",
    "backtest",
]

#: Version of the JSON layout written by :meth:`Backtest.to_dict`.
SCHEMA_VERSION = "1.2"

_BY_COVERAGE = ("hit_rate", "pai", "pei", "pei_star")


class Forecaster(Protocol):
    """What the backtest needs of a model (scikit-learn style)."""

    def fit(self, events: GriddedEvents) -> Any:
        """Learn from the training events."""
        ...

    def predict(self, at: float, horizon: float) -> NDArray[np.float64]:
        """Expected events per cell in ``[at, at + horizon)``."""
        ...


@dataclass(frozen=True)
class Comparison:
    """Mean paired difference (model minus baseline) with interval and p-value."""

    difference: float
    ci: tuple[float, float]
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "difference": json_number(self.difference),
            "ci": json_pair(self.ci),
            "p_value": json_number(self.p_value),
        }


@dataclass(frozen=True)
class ModelScores:
    """One model's scores across origins: means and bootstrap intervals.

    ``means`` and ``cis`` are keyed by metric (``hit_rate``, ``pai``, ``pei``,
    ``pei_star`` by coverage too, e.g. ``("hit_rate", 0.05)``; ``("log_score",
    None)``, ``("brier", None)``). ``vs_baseline`` compares hit rates per coverage.
    """

    name: str
    params: Mapping[str, Any]
    means: Mapping[tuple[str, float | None], float]
    cis: Mapping[tuple[str, float | None], tuple[float, float]]
    vs_baseline: Mapping[float, Comparison]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (the issue's layout: ``hit_rate``, ``hit_rate_ci``, ...)."""
        out: dict[str, Any] = {"name": self.name, "params": dict(self.params)}
        for metric in _BY_COVERAGE:
            keys = sorted(c for m, c in self.means if m == metric and c is not None)
            out[metric] = {str(c): json_number(self.means[(metric, c)]) for c in keys}
            out[f"{metric}_ci"] = {str(c): json_pair(self.cis[(metric, c)]) for c in keys}
        for metric in ("log_score", "brier"):
            out[metric] = json_number(self.means[(metric, None)])
            out[f"{metric}_ci"] = json_pair(self.cis[(metric, None)])
        out["vs_baseline"] = {str(c): v.to_dict() for c, v in sorted(self.vs_baseline.items())}
        return out


@dataclass(frozen=True)
class FlaggedCells:
    """Which cells each model flagged at one origin, and where the test events fell.

    ``flagged`` holds, per model, the ids (:class:`Grid` cell ids) of the cells
    flagged at ``coverage``; ``event_cells`` the ids of the cells with at least one
    event in ``[origin, origin + horizon_days)``. Ties are broken by a generator
    seeded with the backtest's ``random_state`` (not the scoring stream).
    """

    origin: float
    coverage: float
    flagged: Mapping[str, tuple[int, ...]]
    event_cells: tuple[int, ...]

    @property
    def origin_date(self) -> str:
        """The origin as an ISO 8601 UTC date and time."""
        return _iso(self.origin)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "origin": self.origin_date,
            "coverage": self.coverage,
            "flagged": {k: list(v) for k, v in self.flagged.items()},
            "event_cells": list(self.event_cells),
        }


def _iso(day: float) -> str:
    """Days since 1970-01-01 UTC as ``YYYY-MM-DDTHH:MMZ``."""
    stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return stamp.strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class Backtest:
    """The result of :func:`backtest`.

    ``inputs`` and ``parameters`` are filled by callers that read a file (the
    audit job): the events file with its SHA-256, and the settings used.
    ``n_boot`` is the number of bootstrap resamples and sign flips;
    ``block_length`` the number of consecutive origins resampled (and flipped) together.
    """

    grid: Grid
    baseline: str
    origins: tuple[float, ...]
    horizon_days: float
    train_days: float
    coverages: tuple[float, ...]
    n_test_events: int
    models: tuple[ModelScores, ...]
    warnings: tuple[str, ...]
    kind: str = "forecast_backtest"
    n_boot: int = 1000
    block_length: int = 1
    map: FlaggedCells | None = None
    inputs: tuple[Mapping[str, Any], ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def model(self, name: str) -> ModelScores:
        """The scores of the model called ``name``."""
        return next(m for m in self.models if m.name == name)

    @property
    def origin_dates(self) -> tuple[str, ...]:
        """The origins scored, as ISO 8601 UTC times."""
        return tuple(_iso(o) for o in self.origins)

    @property
    def test_end_date(self) -> str | None:
        """The end of the last test window scored (excluded), as an ISO 8601 UTC time."""
        return _iso(self.origins[-1] + self.horizon_days) if self.origins else None

    @property
    def min_p_value(self) -> float:
        """The smallest p-value the sign-flip test can give with these origins.

        An exact sign-flip test over ``B`` blocks of origins cannot go below
        ``2 / 2**B``; the Monte Carlo version with ``n_boot`` flips cannot go
        below ``1 / (n_boot + 1)``. The larger of the two.
        """
        blocks = -(-len(self.origins) // max(self.block_length, 1))
        exact = 2.0 / 2.0**blocks if self.origins else 1.0
        return max(exact, 1.0 / (self.n_boot + 1.0))

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (``schema_version`` 1.1).

        1.1 adds ``n_boot``, ``min_p_value``, ``map``, ``inputs`` and ``parameters`` to 1.0;
        1.2 adds ``block_length``.
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "grid": self.grid.to_dict(),
            "origins": len(self.origins),
            "first_origin_day": self.origins[0] if self.origins else None,
            "horizon_days": self.horizon_days,
            "train_days": self.train_days,
            "coverages": list(self.coverages),
            "baseline": self.baseline,
            "n_test_events": self.n_test_events,
            "models": [m.to_dict() for m in self.models],
            "warnings": list(self.warnings),
            "n_boot": self.n_boot,
            "block_length": self.block_length,
            "min_p_value": json_number(self.min_p_value),
            "map": None if self.map is None else self.map.to_dict(),
            "inputs": [dict(i) for i in self.inputs],
            "parameters": dict(self.parameters),
        }


def _bootstrap_ci(values: NDArray[np.float64], idx: NDArray[np.int64]) -> tuple[float, float]:
    means = values[idx].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(lo), float(hi)


def block_indices(
    n: int, *, n_boot: int, block: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Circular block bootstrap resamples of ``range(n)``, one per row.

    Each row joins ``ceil(n / block)`` blocks of ``block`` consecutive indices,
    wrapping past the end, with random starts, and keeps the first ``n``
    (Politis & Romano 1992, the circular variant of Künsch's moving blocks, which
    weights every origin equally). ``block == 1`` is the ordinary bootstrap.
    """
    block = min(max(block, 1), n)
    count = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, count))
    rows = (starts[:, :, None] + np.arange(block)).reshape(n_boot, count * block) % n
    return rows[:, :n].astype(np.int64)


def _compare(
    diff: NDArray[np.float64],
    idx: NDArray[np.int64],
    rng: np.random.Generator,
    block: int,
) -> Comparison:
    observed = float(diff.mean())
    count = -(-diff.size // block)
    block_signs = rng.choice(np.array([-1.0, 1.0]), size=(idx.shape[0], count))
    signs = np.repeat(block_signs, block, axis=1)[:, : diff.size]
    flipped = np.abs((signs * diff).mean(axis=1))
    p = (1.0 + float(np.sum(flipped >= abs(observed) - 1e-12))) / (idx.shape[0] + 1.0)
    return Comparison(observed, _bootstrap_ci(diff, idx), p)


def _series(scores: Sequence[OriginScores], metric: str, c: float | None) -> NDArray[np.float64]:
    if c is None:
        return np.array([getattr(s, metric) for s in scores], dtype=np.float64)
    return np.array([getattr(s, metric)[c] for s in scores], dtype=np.float64)


def _summarise(
    name: str,
    params: Mapping[str, Any],
    scores: Sequence[OriginScores],
    base: Sequence[OriginScores],
    idx: NDArray[np.int64],
    rng: np.random.Generator,
    block: int,
) -> ModelScores:
    keys: list[tuple[str, float | None]] = [
        (m, c) for m in _BY_COVERAGE for c in scores[0].hit_rate
    ]
    keys += [("log_score", None), ("brier", None)]
    means = {k: float(_series(scores, *k).mean()) for k in keys}
    cis = {k: _bootstrap_ci(_series(scores, *k), idx) for k in keys}
    vs = {
        c: _compare(_series(scores, "hit_rate", c) - _series(base, "hit_rate", c), idx, rng, block)
        for c in scores[0].hit_rate
    }
    return ModelScores(name, params, means, cis, vs)


def _origins(
    events: GriddedEvents, test_start: float, test_days: float, horizon: float, train_days: float
) -> tuple[float, ...]:
    if not (test_days >= horizon > 0 and train_days > 0):
        raise InputError(
            f"got test_days={test_days}, horizon_days={horizon}, train_days={train_days}; "
            "want test_days >= horizon_days > 0 and train_days > 0"
        )
    if len(events) == 0 or test_start - train_days < events.times[0]:
        first = events.times[0] if len(events) else float("nan")
        raise InsufficientDataError(
            f"the training window starts on day {test_start - train_days:.1f} but the first "
            f"event is on day {first:.1f}; want train_days of data before test_start"
        )
    n = int((test_days + 1e-9) // horizon)
    return tuple(test_start + i * horizon for i in range(n))


def backtest(
    events: GriddedEvents,
    models: Mapping[str, Forecaster],
    *,
    test_start: float,
    test_days: float,
    horizon_days: float = 1.0,
    train_days: float = 365.0,
    coverages: Sequence[float] = (0.01, 0.05, 0.1, 0.2),
    baseline: str = "naive",
    n_boot: int = 1000,
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
    map_coverage: float | None = None,
    block_length: int | None = None,
) -> Backtest:
    """Score forecasters at rolling origins and compare each with the baseline.

    Parameters
    ----------
    events
        Gridded events (:func:`read_events`); the study area is the grid's mask.
    models
        Forecasters by name; must include ``baseline``.
    test_start, test_days
        The test period, in days since 1970-01-01 UTC.
    horizon_days
        Forecast horizon, which is also the step between origins.
    train_days
        Each fit sees the events of ``[origin - train_days, origin)``.
    coverages
        Shares of the study-area cells flagged, each in (0, 1].
    baseline
        The name of the model every other model is compared with.
    n_boot
        Bootstrap resamples and sign flips.
    block_length
        Consecutive origins resampled and sign-flipped together; default
        ``round(K ** (1/3))`` for ``K`` scored origins (1 gives the ordinary bootstrap).
    random_state
        Seeds tie-breaking in the ranking, the bootstrap and the sign flips.
    progress
        Called as ``progress(done, total)`` after each origin.
    map_coverage
        Coverage at which the cells flagged at the last scored origin are kept
        (:class:`FlaggedCells`, for a map); default the coverage nearest 0.05.

    Raises
    ------
    InputError
        Bad periods, coverages or block length, or no ``baseline`` among ``models``.
    InsufficientDataError
        Too little history for ``train_days``, or no test events at all.
    """
    if baseline not in models:
        raise InputError(f"got models {sorted(models)}; want the baseline {baseline!r} among them")
    if not coverages or not all(0 < c <= 1 for c in coverages):
        raise InputError(f"got coverages {list(coverages)}; want each in (0, 1]")
    if block_length is not None and block_length < 1:
        raise InputError(f"got block_length {block_length}; want a whole number of origins >= 1")
    origins = _origins(events, test_start, test_days, horizon_days, train_days)
    rng = np.random.default_rng(random_state)
    active = np.flatnonzero(events.grid.active)
    scores: dict[str, list[OriginScores]] = {name: [] for name in models}
    kept: list[float] = []
    last: dict[str, NDArray[np.float64]] = {}
    last_observed: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
    n_test = 0
    for i, at in enumerate(origins):
        test = events.between(at, at + horizon_days)
        observed = np.bincount(test.cells[test.cells >= 0], minlength=events.grid.n_cells)[active]
        if observed.sum() > 0:
            kept.append(at)
            n_test += int(observed.sum())
            train = events.between(at - train_days, at)
            for name, model in models.items():
                forecast = model.fit(train).predict(at, horizon_days)[active]
                last[name] = forecast
                scores[name].append(score_origin(forecast, observed, coverages=coverages, rng=rng))
            last_observed = observed
        if progress is not None:
            progress(i + 1, len(origins))
    if not kept:
        raise InsufficientDataError(f"none of the {len(origins)} test windows has an event")
    warnings = []
    if len(kept) < len(origins):
        warnings.append(f"{len(origins) - len(kept)} origin(s) without test events skipped")
    block = block_length if block_length is not None else max(1, round(len(kept) ** (1 / 3)))
    idx = block_indices(len(kept), n_boot=n_boot, block=block, rng=rng)
    summaries = tuple(
        _summarise(name, _params(model), scores[name], scores[baseline], idx, rng, block)
        for name, model in models.items()
    )
    if map_coverage is None:
        map_coverage = min(coverages, key=lambda c: abs(c - 0.05))
    map_rng = np.random.default_rng(random_state)
    k = max(1, round(map_coverage * active.size))
    flagged = FlaggedCells(
        kept[-1],
        map_coverage,
        {
            name: tuple(int(c) for c in np.sort(active[rank_cells(f, map_rng)[:k]]))
            for name, f in last.items()
        },
        tuple(int(c) for c in active[last_observed > 0]),
    )
    return Backtest(
        events.grid,
        baseline,
        tuple(kept),
        horizon_days,
        train_days,
        tuple(coverages),
        n_test,
        summaries,
        tuple(warnings),
        n_boot=n_boot,
        block_length=block,
        map=flagged,
    )


def _params(model: Forecaster) -> dict[str, Any]:
    get = getattr(model, "get_params", None)
    return dict(get()) if callable(get) else {}
