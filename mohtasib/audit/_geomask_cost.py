"""The cost of geomasking to hotspot accuracy, measured with the forecast backtest.

Publishing donut-masked incident points (:class:`mohtasib.privacy.DonutGeomasker`)
protects the people at the true addresses, but a hotspot map built from the masked
points may flag the wrong cells. :func:`geomask_cost` measures both sides on the same
data:

* **accuracy**: the same forecaster (the naive count of past events and a kernel model,
  :class:`mohtasib.forecast.KdeForecaster`) is backtested twice at the same rolling
  origins (:func:`mohtasib.forecast.backtest`): trained on the original points and
  trained on the masked points, both scored against where the test events *truly*
  happened. The change in hit rate and PAI at the chosen coverage is the paired
  per-origin difference (masked minus original) with the backtest's circular block
  bootstrap interval and sign-flip p-value (Künsch 1989; Politis & Romano 1992; Good
  2005, sec. 3.6.2). PAI is ``hit rate / (k / A)`` with the same ``k`` flagged cells of
  the same ``A`` study-area cells for both forecasts (Chainey, Tompson & Uhlig 2008),
  so its difference and interval are the hit-rate ones times ``A / k``.
* **protection**: the spatial k-anonymity of the masked points (how many original
  events lie within the mask's maximum displacement of each masked point; Allshouse et
  al. 2010) and the displacement actually applied (Hampton et al. 2010).

The masked points are gridded on the original points' grid (same CRS, lattice and study
area: the cells that had an original event), so that only the training data differ.
A study-area polygon is not supported here: masked points would be excluded differently
from the original ones.

References
----------
Hampton, K. H., et al. (2010). Mapping health data: improved privacy protection with
donut method geomasking. Am J Epidemiol 172(9), 1062-1069.
Allshouse, W. B., et al. (2010). Geomasking sensitive health data and privacy
protection: an evaluation using an E911 database. Geocarto Int 25(6), 443-452.
Chainey, S., Tompson, L., & Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21, 4-28.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib._json import json_number, json_pair
from mohtasib.errors import ConfigError, InputError
from mohtasib.forecast import (
    Backtest,
    Forecaster,
    GriddedEvents,
    KdeForecaster,
    NaiveCountForecaster,
    backtest,
    read_events,
)
from mohtasib.io import read_table
from mohtasib.privacy import DonutGeomasker, SpatialKAnonymity, spatial_k_anonymity

__all__ = ["GEOMASK_COST_MODELS", "GeomaskCost", "MaskCost", "ModelCost", "geomask_cost"]

#: The forecasters :func:`geomask_cost` can compare, by name (``window`` in days).
GEOMASK_COST_MODELS: Mapping[str, Callable[[float], Forecaster]] = {
    "naive": lambda window: NaiveCountForecaster(window_days=window),
    "kde": lambda window: KdeForecaster(window_days=window),
}


class _MaskedTraining:
    """A forecaster fitted on the masked events of the training window it is given.

    The backtest hands it the original events between two times; it fits the wrapped
    model on the masked events of the same rows (masking moves points, not times, and
    both event sets are sorted the same way), so the forecast is scored against the
    true test events while learning only from masked ones.
    """

    def __init__(self, model: Forecaster, masked: GriddedEvents) -> None:
        self.model = model
        self.masked = masked

    def get_params(self) -> dict[str, Any]:
        """The wrapped model's parameters (for the backtest's JSON)."""
        get = getattr(self.model, "get_params", None)
        return dict(get()) if callable(get) else {}

    def fit(self, events: GriddedEvents) -> _MaskedTraining:
        """Fit the wrapped model on the masked rows matching ``events``."""
        lo = (
            int(np.searchsorted(self.masked.times, events.times[0], side="left"))
            if len(events)
            else 0
        )
        hi = lo + len(events)
        m = self.masked
        rows = GriddedEvents(m.cells[lo:hi], m.times[lo:hi], m.x[lo:hi], m.y[lo:hi], m.grid)
        self.model.fit(rows)
        return self

    def predict(self, at: float, horizon: float) -> NDArray[np.float64]:
        """The wrapped model's forecast."""
        return self.model.predict(at, horizon)


@dataclass(frozen=True)
class ModelCost:
    """One forecaster's accuracy on original and on masked training points.

    Attributes
    ----------
    model
        The forecaster's name (a key of :data:`GEOMASK_COST_MODELS`).
    hit_rate, hit_rate_masked
        Mean hit rate over origins at the coverage, trained on original / masked points.
    hit_rate_ci, hit_rate_masked_ci
        Their 95 % block-bootstrap intervals.
    hit_rate_change, hit_rate_change_ci, p_value
        Mean paired change (masked minus original), its interval and sign-flip p-value.
    pai, pai_masked, pai_ci, pai_masked_ci
        The same for the predictive accuracy index.
    pai_change, pai_change_ci
        The change in PAI (the hit-rate change times ``A / k``).
    """

    model: str
    hit_rate: float
    hit_rate_ci: tuple[float, float]
    hit_rate_masked: float
    hit_rate_masked_ci: tuple[float, float]
    hit_rate_change: float
    hit_rate_change_ci: tuple[float, float]
    p_value: float
    pai: float
    pai_ci: tuple[float, float]
    pai_masked: float
    pai_masked_ci: tuple[float, float]
    pai_change: float
    pai_change_ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                out[f.name] = json_pair(value)
            elif isinstance(value, float):
                out[f.name] = json_number(value)
            else:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class MaskCost:
    """One donut mask: its protection and its cost to each forecaster."""

    min_distance_m: float
    max_distance_m: float
    anonymity: SpatialKAnonymity
    models: tuple[ModelCost, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "min_distance_m": self.min_distance_m,
            "max_distance_m": self.max_distance_m,
            "spatial_k_anonymity": self.anonymity.to_dict(),
            "models": [m.to_dict() for m in self.models],
        }


@dataclass(frozen=True)
class GeomaskCost:
    """The result of :func:`geomask_cost`.

    Attributes
    ----------
    n_events
        Events read and gridded.
    cell_size_m, n_cells
        The grid's cell side and its number of study-area cells ``A``.
    coverage, flagged_cells
        The area share flagged and the number of cells ``k`` it flags.
    origins, horizon_days, train_days
        The backtest's scored origins, horizon and training window.
    n_boot, random_state
        Bootstrap resamples; the seed of the masks and of the backtest.
    masks
        One :class:`MaskCost` per donut mask, in the order given.
    warnings
        The events reader's counted warnings and the backtest's.
    """

    n_events: int
    cell_size_m: float
    n_cells: int
    coverage: float
    flagged_cells: int
    origins: int
    horizon_days: float
    train_days: float
    n_boot: int
    random_state: int
    masks: tuple[MaskCost, ...]
    warnings: tuple[str, ...]
    kind: str = "geomask_cost"

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout."""
        return {
            "kind": self.kind,
            "schema_version": "1.0",
            "n_events": self.n_events,
            "cell_size_m": self.cell_size_m,
            "n_cells": self.n_cells,
            "coverage": self.coverage,
            "flagged_cells": self.flagged_cells,
            "origins": self.origins,
            "horizon_days": self.horizon_days,
            "train_days": self.train_days,
            "n_boot": self.n_boot,
            "random_state": self.random_state,
            "masks": [m.to_dict() for m in self.masks],
            "warnings": list(self.warnings),
        }

    def table(self) -> str:
        """A plain-text table: one row per mask and model."""
        lines = [
            f"{self.n_events:,} events, {self.n_cells:,} cells of {self.cell_size_m:g} m, "
            f"coverage {self.coverage:g} ({self.flagged_cells} cells), {self.origins} origins "
            f"of {self.horizon_days:g} days; change = masked minus original, 95 % interval",
            f"{'mask (m)':<12}{'k min/med':>11}{'<k':>7} {'model':<7}{'hit rate':>9}"
            f"{'masked':>8}{'change [95% CI]':>26}{'PAI':>7}{'masked':>8}{'change [95% CI]':>24}",
        ]
        for mask in self.masks:
            a = mask.anonymity
            for m in mask.models:
                lines.append(
                    f"{f'{mask.min_distance_m:g}-{mask.max_distance_m:g}':<12}"
                    f"{f'{a.k_min}/{a.k_median:g}':>11}{a.below_k:>7} {m.model:<7}"
                    f"{m.hit_rate:>9.3f}{m.hit_rate_masked:>8.3f}"
                    f"{_change(m.hit_rate_change, m.hit_rate_change_ci, 3):>26}"
                    f"{m.pai:>7.2f}{m.pai_masked:>8.2f}"
                    f"{_change(m.pai_change, m.pai_change_ci, 2):>24}"
                )
        return "\n".join(lines) + "\n"


def _change(value: float, ci: tuple[float, float], digits: int) -> str:
    return f"{value:+.{digits}f} [{ci[0]:+.{digits}f}, {ci[1]:+.{digits}f}]"


def _masked_events(
    frame: pd.DataFrame, original: GriddedEvents, *, time_col: str, lon_col: str, lat_col: str,
    tz: str | None, cell_size: float,
) -> GriddedEvents:  # fmt: skip
    masked, _ = read_events(
        frame,
        time_col=time_col,
        lon_col=lon_col,
        lat_col=lat_col,
        tz=tz,
        cell_size=cell_size,
        crs=original.grid.crs,
    )
    if len(masked) != len(original) or not np.array_equal(masked.times, original.times):
        raise InputError(  # masking moves points only; a mismatch is a bug, not bad input
            "the masked events do not line up with the original ones (count or times differ)"
        )
    return GriddedEvents(
        original.grid.cell_of(masked.x, masked.y), masked.times, masked.x, masked.y, original.grid
    )


def geomask_cost(
    points: str | Path | pd.DataFrame,
    *,
    test_start: float,
    masks: Sequence[tuple[float, float]] = ((0.0, 100.0), (50.0, 250.0), (100.0, 500.0)),
    models: Sequence[str] = ("naive", "kde"),
    time_col: str = "date",
    lon_col: str = "longitude",
    lat_col: str = "latitude",
    tz: str | None = None,
    cell_size: float = 150.0,
    coverage: float = 0.05,
    test_days: float = 182.0,
    horizon_days: float = 7.0,
    train_days: float = 365.0,
    k: int = 5,
    n_boot: int = 1000,
    random_state: int = 0,
) -> GeomaskCost:
    """Backtest forecasters on original and on donut-masked points; report the change.

    Parameters
    ----------
    points
        Incident points: a CSV/Parquet path or a frame with a timestamp and WGS 84
        longitude and latitude columns (the forecast events contract).
    test_start
        First day of the test period, in days since 1970-01-01 UTC.
    masks
        ``(min_distance_m, max_distance_m)`` of each donut mask to try.
    models
        Forecasters to compare (keys of :data:`GEOMASK_COST_MODELS`).
    time_col, lon_col, lat_col, tz
        The columns, and the IANA zone of naive timestamps (as for
        :func:`mohtasib.forecast.read_events`).
    cell_size
        Grid cell side in metres.
    coverage
        Area share flagged as hotspots, in (0, 1).
    test_days, horizon_days, train_days
        The rolling-origin backtest's test period, forecast horizon and training window.
    k
        Spatial k-anonymity target (masked points with fewer events within the maximum
        displacement are counted).
    n_boot
        Bootstrap resamples and sign flips.
    random_state
        Seed of the masks (mask ``i`` uses ``random_state + i``) and of the backtest.

    Raises
    ------
    ConfigError
        An unknown model, a mask with ``not 0 <= min < max``, a coverage outside (0, 1),
        or no masks.
    InputError
        The points break the events contract (see :func:`mohtasib.forecast.read_events`).
    InsufficientDataError
        Less than ``train_days`` of events before ``test_start``.
    """
    unknown = [m for m in models if m not in GEOMASK_COST_MODELS]
    if unknown or not models:
        raise ConfigError(
            f"got models {list(models)}; want one or more of {sorted(GEOMASK_COST_MODELS)}",
            key="models",
        )
    if not masks:
        raise ConfigError("got no masks; want at least one (min_m, max_m) pair", key="masks")
    for lo, hi in masks:
        if not 0.0 <= lo < hi:
            raise ConfigError(f"got mask {lo:g}-{hi:g} m; want 0 <= min < max", key="masks")
    if not 0.0 < coverage < 1.0:
        raise ConfigError(f"got coverage {coverage}; want a share in (0, 1)", key="coverage")
    if isinstance(points, pd.DataFrame):
        frame = points.loc[:, [c for c in (time_col, lon_col, lat_col) if c in points.columns]]
    else:
        frame = read_table(points, columns=[time_col, lon_col, lat_col]).frame
    frame = frame.reset_index(drop=True)
    original, warnings = read_events(
        frame, time_col=time_col, lon_col=lon_col, lat_col=lat_col, tz=tz, cell_size=cell_size
    )
    masked_frames = [
        DonutGeomasker(lo, hi, lon=lon_col, lat=lat_col, random_state=random_state + i)
        .fit_transform(frame)
        for i, (lo, hi) in enumerate(masks)
    ]  # fmt: skip
    masked_events = [
        _masked_events(
            f, original, time_col=time_col, lon_col=lon_col, lat_col=lat_col, tz=tz,
            cell_size=cell_size,
        )
        for f in masked_frames
    ]  # fmt: skip
    labels = [f"masked {lo:g}-{hi:g} m" for lo, hi in masks]
    runs: dict[str, Backtest] = {}
    for name in models:
        make = GEOMASK_COST_MODELS[name]
        candidates: dict[str, Forecaster] = {name: make(train_days)}
        for label, events in zip(labels, masked_events, strict=True):
            candidates[f"{name} {label}"] = _MaskedTraining(make(train_days), events)
        runs[name] = backtest(
            original,
            candidates,
            baseline=name,
            test_start=test_start,
            test_days=test_days,
            horizon_days=horizon_days,
            train_days=train_days,
            coverages=(coverage,),
            n_boot=n_boot,
            random_state=random_state,
        )
    first = runs[models[0]]
    n_cells = original.grid.n_active
    flagged = max(1, round(coverage * n_cells))
    scale = n_cells / flagged
    out: list[MaskCost] = []
    for (lo, hi), label, masked in zip(masks, labels, masked_frames, strict=True):
        costs = []
        for name in models:
            run = runs[name]
            base, alt = run.model(name), run.model(f"{name} {label}")
            cmp = alt.vs_baseline[coverage]
            hit, pai = ("hit_rate", coverage), ("pai", coverage)
            costs.append(
                ModelCost(
                    model=name,
                    hit_rate=base.means[hit],
                    hit_rate_ci=base.cis[hit],
                    hit_rate_masked=alt.means[hit],
                    hit_rate_masked_ci=alt.cis[hit],
                    hit_rate_change=cmp.difference,
                    hit_rate_change_ci=cmp.ci,
                    p_value=cmp.p_value,
                    pai=base.means[pai],
                    pai_ci=base.cis[pai],
                    pai_masked=alt.means[pai],
                    pai_masked_ci=alt.cis[pai],
                    pai_change=cmp.difference * scale,
                    pai_change_ci=(cmp.ci[0] * scale, cmp.ci[1] * scale),
                )
            )
        anonymity = spatial_k_anonymity(frame, masked, radius_m=hi, k=k, lon=lon_col, lat=lat_col)
        out.append(MaskCost(float(lo), float(hi), anonymity, tuple(costs)))
    return GeomaskCost(
        n_events=len(original),
        cell_size_m=float(cell_size),
        n_cells=n_cells,
        coverage=coverage,
        flagged_cells=flagged,
        origins=len(first.origins),
        horizon_days=horizon_days,
        train_days=train_days,
        n_boot=n_boot,
        random_state=random_state,
        masks=tuple(out),
        warnings=tuple(warnings) + first.warnings,
    )
