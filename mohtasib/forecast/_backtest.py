"""Rolling-origin backtest: does a forecaster beat the naive count beyond its uncertainty.

Origins are ``test_start + i * horizon_days`` for every full horizon in the
test period. At each origin every model is refitted on the events of the
preceding ``train_days`` and scored (see :mod:`mohtasib.forecast._scoring`)
on the study-area cells against the events of the next ``horizon_days``.
With ``refit_every`` days a model is refitted only when that long has passed
since its last fit and forecasts from its last fit in between, as a system
refitted weekly would; the events since that fit are then unseen (rolling-origin
evaluation with a refit cadence: Tashman 2000, "Out-of-sample tests of
forecasting accuracy", International Journal of Forecasting 16:437-450).

Grid-placement sensitivity: with ``offsets`` the whole backtest is repeated
with the lattice moved by each offset (same events, CRS, cell size and study
area rule), and each metric's mean over origins is reported as the range
(min, max) over all placements, next to the main placement's mean and
interval. The range shows how much the figures owe to where the cell edges
happen to fall (the modifiable areal unit problem: Openshaw 1984, "The
Modifiable Areal Unit Problem", CATMOG 38).

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

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from mohtasib._json import json_number, json_pair
from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.forecast._events import GriddedEvents, regrid
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
SCHEMA_VERSION = "1.3"

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
    ``ranges`` holds, per metric, the (min, max) of the mean over origins across
    grid placements (empty when the backtest had no ``offsets``).
    """

    name: str
    params: Mapping[str, Any]
    means: Mapping[tuple[str, float | None], float]
    cis: Mapping[tuple[str, float | None], tuple[float, float]]
    vs_baseline: Mapping[float, Comparison]
    ranges: Mapping[tuple[str, float | None], tuple[float, float]] = field(default_factory=dict)

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
        out["offset_range"] = self._ranges_dict() if self.ranges else None
        return out

    def _ranges_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for metric in _BY_COVERAGE:
            keys = sorted(c for m, c in self.ranges if m == metric and c is not None)
            out[metric] = {str(c): json_pair(self.ranges[(metric, c)]) for c in keys}
        for metric in ("log_score", "brier"):
            out[metric] = json_pair(self.ranges[(metric, None)])
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
    ``n_outside_study_area`` counts the events excluded for lying outside the
    study area; ``refit_every_days`` is the refit cadence (None: every origin);
    ``offsets`` the extra grid placements of the sensitivity ranges.
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
    n_outside_study_area: int = 0
    refit_every_days: float | None = None
    offsets: tuple[tuple[float, float], ...] = ()

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
        1.2 adds ``block_length``; 1.3 adds ``n_outside_study_area``,
        ``refit_every_days``, ``grid_offsets`` and each model's ``offset_range``.
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
            "n_outside_study_area": self.n_outside_study_area,
            "refit_every_days": self.refit_every_days,
            "grid_offsets": [list(o) for o in self.offsets],
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
    keys = _metric_keys(list(scores[0].hit_rate))
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


@dataclass
class _Run:
    """Scores of every model at every origin that had test events, on one grid."""

    scores: dict[str, list[OriginScores]]
    kept: list[float]
    last: dict[str, NDArray[np.float64]]
    last_observed: NDArray[np.int64]
    active: NDArray[np.int64]
    n_test: int


def _run(
    events: GriddedEvents,
    models: Mapping[str, Forecaster],
    origins: Sequence[float],
    *,
    horizon_days: float,
    train_days: float,
    coverages: Sequence[float],
    refit_every: float | None,
    rng: np.random.Generator,
    tick: Callable[[], None],
) -> _Run:
    active = np.flatnonzero(events.grid.active)
    run = _Run({name: [] for name in models}, [], {}, np.zeros(0, dtype=np.int64), active, 0)
    fitted_at: dict[str, float] = {}
    for at in origins:
        test = events.between(at, at + horizon_days)
        observed = np.bincount(test.cells[test.cells >= 0], minlength=events.grid.n_cells)[active]
        if observed.sum() > 0:
            run.kept.append(at)
            run.n_test += int(observed.sum())
            train = events.between(at - train_days, at)
            for name, model in models.items():
                last_fit = fitted_at.get(name)
                if last_fit is None or refit_every is None or at - last_fit >= refit_every - 1e-9:
                    model.fit(train)
                    fitted_at[name] = at
                forecast = model.predict(at, horizon_days)[active]
                run.last[name] = forecast
                run.scores[name].append(
                    score_origin(forecast, observed, coverages=coverages, rng=rng)
                )
            run.last_observed = observed
        tick()
    return run


def _metric_keys(coverages: Sequence[float]) -> list[tuple[str, float | None]]:
    keys: list[tuple[str, float | None]] = [(m, c) for m in _BY_COVERAGE for c in coverages]
    return [*keys, ("log_score", None), ("brier", None)]


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
    refit_every: float | None = None,
    offsets: Sequence[tuple[float, float]] = (),
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
        Called as ``progress(done, total)`` after each origin (of every placement).
    map_coverage
        Coverage at which the cells flagged at the last scored origin are kept
        (:class:`FlaggedCells`, for a map); default the coverage nearest 0.05.
    refit_every
        Days between refits (None: refit at every origin). Between refits a
        model forecasts from its last fit, without the events since.
    offsets
        Extra placements of the lattice, ``(dx, dy)`` in metres, for the
        grid-placement ranges (:attr:`ModelScores.ranges`); each repeats the
        whole backtest, so the run takes ``1 + len(offsets)`` times as long.

    Raises
    ------
    InputError
        Bad periods, coverages, block length or refit cadence, or no
        ``baseline`` among ``models``.
    InsufficientDataError
        Too little history for ``train_days``, or no test events at all.
    """
    if baseline not in models:
        raise InputError(f"got models {sorted(models)}; want the baseline {baseline!r} among them")
    if not coverages or not all(0 < c <= 1 for c in coverages):
        raise InputError(f"got coverages {list(coverages)}; want each in (0, 1]")
    if block_length is not None and block_length < 1:
        raise InputError(f"got block_length {block_length}; want a whole number of origins >= 1")
    if refit_every is not None and not refit_every > 0:
        raise InputError(f"got refit_every {refit_every}; want a positive number of days")
    origins = _origins(events, test_start, test_days, horizon_days, train_days)
    total = len(origins) * (1 + len(offsets))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    settings: dict[str, Any] = {
        "horizon_days": horizon_days,
        "train_days": train_days,
        "coverages": coverages,
        "refit_every": refit_every,
        "tick": tick,
    }
    rng = np.random.default_rng(random_state)
    run = _run(events, models, origins, rng=rng, **settings)
    if not run.kept:
        raise InsufficientDataError(f"none of the {len(origins)} test windows has an event")
    warnings = []
    if len(run.kept) < len(origins):
        warnings.append(f"{len(origins) - len(run.kept)} origin(s) without test events skipped")
    ranges = _placement_ranges(events, models, origins, run, offsets, random_state, settings)
    block = block_length if block_length is not None else max(1, round(len(run.kept) ** (1 / 3)))
    idx = block_indices(len(run.kept), n_boot=n_boot, block=block, rng=rng)
    summaries = tuple(
        _summarise(name, _params(model), run.scores[name], run.scores[baseline], idx, rng, block)
        for name, model in models.items()
    )
    if ranges:
        summaries = tuple(dataclasses.replace(m, ranges=ranges[m.name]) for m in summaries)
    if map_coverage is None:
        map_coverage = min(coverages, key=lambda c: abs(c - 0.05))
    map_rng = np.random.default_rng(random_state)
    active = run.active
    k = max(1, round(map_coverage * active.size))
    flagged = FlaggedCells(
        run.kept[-1],
        map_coverage,
        {
            name: tuple(int(c) for c in np.sort(active[rank_cells(f, map_rng)[:k]]))
            for name, f in run.last.items()
        },
        tuple(int(c) for c in active[run.last_observed > 0]),
    )
    return Backtest(
        events.grid,
        baseline,
        tuple(run.kept),
        horizon_days,
        train_days,
        tuple(coverages),
        run.n_test,
        summaries,
        tuple(warnings),
        n_boot=n_boot,
        block_length=block,
        map=flagged,
        n_outside_study_area=events.n_outside,
        refit_every_days=refit_every,
        offsets=tuple((float(dx), float(dy)) for dx, dy in offsets),
    )


def _placement_ranges(
    events: GriddedEvents,
    models: Mapping[str, Forecaster],
    origins: Sequence[float],
    main: _Run,
    offsets: Sequence[tuple[float, float]],
    random_state: int,
    settings: Mapping[str, Any],
) -> dict[str, dict[tuple[str, float | None], tuple[float, float]]]:
    """Per model and metric, (min, max) of the mean over origins across placements."""
    if not offsets:
        return {}
    keys = _metric_keys(settings["coverages"])
    runs = [main]
    for offset in offsets:
        moved = regrid(events, (float(offset[0]), float(offset[1])))
        rng = np.random.default_rng(random_state)
        runs.append(_run(moved, models, origins, rng=rng, **settings))
    out: dict[str, dict[tuple[str, float | None], tuple[float, float]]] = {}
    for name in models:
        per_key: dict[tuple[str, float | None], tuple[float, float]] = {}
        for key in keys:
            values = [float(np.nanmean(_series(r.scores[name], *key))) for r in runs if r.kept]
            per_key[key] = (min(values), max(values))
        out[name] = per_key
    return out


def _params(model: Forecaster) -> dict[str, Any]:
    get = getattr(model, "get_params", None)
    return dict(get()) if callable(get) else {}
