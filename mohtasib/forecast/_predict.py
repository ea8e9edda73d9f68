"""One forecast for publication: the expected events per cell and the flagged cells.

What a police data unit would publish (or an oversight body would ask to see):
for a forecast origin ``at`` and a horizon, each study-area cell's expected
number of recorded events in ``[at, at + horizon)`` under one model fitted on
the preceding ``train_days``, its rank, and whether it is flagged (the top
``top_share`` of study-area cells, or the top ``top`` cells). Ties in the
ranking are broken at random with ``random_state``, as in the backtest.
Cells are written with their WGS 84 centre and, for GeoJSON (RFC 7946), their
square outline in WGS 84.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib._json import json_number
from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.forecast._backtest import Forecaster, _params
from mohtasib.forecast._events import GriddedEvents
from mohtasib.forecast._grid import Grid
from mohtasib.forecast._scoring import rank_cells

__all__ = ["PREDICTION_SCHEMA_VERSION", "Prediction", "predict"]

#: Version of the JSON layout written by :meth:`Prediction.to_dict`.
PREDICTION_SCHEMA_VERSION = "1.0"


def _iso(day: float) -> str:
    stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return stamp.strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True, eq=False)
class Prediction:
    """One model's forecast on the study-area cells, ranked, with the flagged cells.

    Attributes
    ----------
    grid
        The grid (cell ids as documented in :class:`Grid`).
    model, params
        The model's name and hyperparameters.
    at, horizon_days, train_days
        Forecast origin (days since 1970-01-01 UTC), horizon and training window.
    cells
        Ids of the study-area cells, from highest to lowest forecast.
    intensity
        Expected recorded events in each of ``cells`` in ``[at, at + horizon)``.
    flagged
        True for the cells flagged (the first ``n_flagged`` of ``cells``).
    n_training_events
        Events the model was fitted on.
    warnings
        Counted notes (events outside the study area, events after ``at`` unused).
    parameters
        The settings used, as shown in the HTML report.
    """

    grid: Grid
    model: str
    params: Mapping[str, Any]
    at: float
    horizon_days: float
    train_days: float
    cells: NDArray[np.int64]
    intensity: NDArray[np.float64]
    flagged: NDArray[np.bool_]
    n_training_events: int
    warnings: tuple[str, ...] = ()
    n_outside_study_area: int = 0
    parameters: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[Mapping[str, Any], ...] = ()
    kind: str = "forecast_predict"

    @property
    def at_date(self) -> str:
        """The origin as an ISO 8601 UTC time."""
        return _iso(self.at)

    @property
    def n_flagged(self) -> int:
        """Number of flagged cells."""
        return int(self.flagged.sum())

    @property
    def flagged_share(self) -> float:
        """Flagged cells as a share of the study-area cells."""
        return self.n_flagged / self.cells.size

    @property
    def expected_total(self) -> float:
        """Expected recorded events over the whole study area."""
        return float(self.intensity.sum())

    @property
    def expected_flagged(self) -> float:
        """Expected recorded events in the flagged cells."""
        return float(self.intensity[self.flagged].sum())

    def to_frame(self, *, flagged_only: bool = False) -> pd.DataFrame:
        """One row per cell: ``rank, cell, ix, iy, lon, lat, expected_events, flagged``.

        ``lon``/``lat`` are the WGS 84 coordinates of the cell centre; rows are
        in rank order (1 = highest forecast).
        """
        keep = self.flagged if flagged_only else np.ones(self.cells.size, dtype=bool)
        cells = self.cells[keep]
        centres = self.grid.centroids()[cells]
        lon, lat = self.grid.lonlat(centres[:, 0], centres[:, 1])
        return pd.DataFrame(
            {
                "rank": np.flatnonzero(keep) + 1,
                "cell": cells,
                "ix": cells % self.grid.nx,
                "iy": cells // self.grid.nx,
                "lon": np.round(lon, 6),
                "lat": np.round(lat, 6),
                "expected_events": self.intensity[keep],
                "flagged": self.flagged[keep],
            }
        )

    def to_geojson(self, *, flagged_only: bool = False) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (RFC 7946) of the cells' squares in WGS 84.

        Each feature's properties are the columns of :meth:`to_frame`; the
        collection's ``properties`` (a foreign member) hold the forecast's summary.
        """
        keep = np.flatnonzero(self.flagged if flagged_only else np.ones(self.cells.size, bool))
        cells = self.cells[keep]
        rings = np.round(self.grid.corners_lonlat(cells), 7).tolist()
        features = [
            {
                "type": "Feature",
                "id": int(cell),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "rank": int(i) + 1,
                    "cell": int(cell),
                    "ix": int(cell) % self.grid.nx,
                    "iy": int(cell) // self.grid.nx,
                    "expected_events": float(self.intensity[i]),
                    "flagged": bool(self.flagged[i]),
                },
            }
            for i, cell, ring in zip(keep, cells, rings, strict=True)
        ]
        return {
            "type": "FeatureCollection",
            "properties": self.summary(),
            "features": features,
        }

    def summary(self) -> dict[str, Any]:
        """The forecast's settings and totals (no per-cell rows)."""
        return {
            "schema_version": PREDICTION_SCHEMA_VERSION,
            "kind": self.kind,
            "model": self.model,
            "params": dict(self.params),
            "at": self.at_date,
            "horizon_days": self.horizon_days,
            "train_days": self.train_days,
            "n_training_events": self.n_training_events,
            "n_cells": int(self.cells.size),
            "n_flagged": self.n_flagged,
            "flagged_share": json_number(self.flagged_share),
            "expected_events_total": json_number(self.expected_total),
            "expected_events_flagged": json_number(self.expected_flagged),
            "n_outside_study_area": self.n_outside_study_area,
            "grid": self.grid.to_dict(),
            "warnings": list(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON view: :meth:`summary` plus the flagged cells (rank order)."""
        out = self.summary()
        frame = self.to_frame(flagged_only=True)
        out["flagged_cells"] = [
            {
                "rank": int(r),
                "cell": int(c),
                "lon": float(lo),
                "lat": float(la),
                "expected_events": float(e),
            }
            for r, c, lo, la, e in zip(
                frame["rank"],
                frame["cell"],
                frame["lon"],
                frame["lat"],
                frame["expected_events"],
                strict=True,
            )
        ]
        out["parameters"] = dict(self.parameters)
        out["inputs"] = [dict(i) for i in self.inputs]
        return out


def predict(
    events: GriddedEvents,
    model: Forecaster,
    *,
    name: str,
    at: float,
    horizon_days: float,
    train_days: float = 365.0,
    top_share: float | None = 0.05,
    top: int | None = None,
    random_state: int = 0,
) -> Prediction:
    """Fit ``model`` on ``[at - train_days, at)`` and forecast ``[at, at + horizon_days)``.

    Parameters
    ----------
    events
        Gridded events (:func:`read_events`); the study area is the grid's mask.
    model, name
        The forecaster (scikit-learn style) and the name to report it under.
    at, horizon_days, train_days
        Origin in days since 1970-01-01 UTC, horizon and training window in days.
    top_share, top
        Flag the top ``round(top_share * A)`` (at least 1) of the ``A``
        study-area cells, or, when ``top`` is given, the top ``top`` cells.
    random_state
        Seeds the tie-breaking of the ranking.

    Raises
    ------
    InputError
        Bad horizon, window, share or count.
    InsufficientDataError
        No training event in the window.
    """
    if not (horizon_days > 0 and train_days > 0):
        raise InputError(f"got horizon_days={horizon_days}, train_days={train_days}; want both > 0")
    active = np.flatnonzero(events.grid.active)
    if top is not None:
        if top < 1:
            raise InputError(f"got top={top}; want at least one cell")
        k = min(int(top), active.size)
    else:
        if top_share is None or not 0 < top_share <= 1:
            raise InputError(f"got top_share={top_share}; want a share in (0, 1]")
        k = max(1, round(top_share * active.size))
    train = events.between(at - train_days, at)
    if len(train) == 0:
        raise InsufficientDataError(
            f"no event in the {train_days:g} days before {_iso(at)}; want training events"
        )
    warnings = []
    n_after = len(events) - int(np.searchsorted(events.times, at, side="left"))
    if n_after:
        warnings.append(f"{n_after} event(s) at or after the origin {_iso(at)} not used")
    surface = model.fit(train).predict(at, horizon_days)[active]
    order = rank_cells(surface, np.random.default_rng(random_state))
    flagged = np.zeros(active.size, dtype=bool)
    flagged[:k] = True
    return Prediction(
        events.grid,
        name,
        _params(model),
        at,
        horizon_days,
        train_days,
        active[order],
        surface[order],
        flagged,
        len(train),
        tuple(warnings),
        events.n_outside,
    )
