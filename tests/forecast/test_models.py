"""Each forecaster's surface against a small case worked by hand (5 x 5 cells of 100 m)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mohtasib.errors import InputError
from mohtasib.forecast import (
    Grid,
    GriddedEvents,
    KdeForecaster,
    NaiveCountForecaster,
    ProspectiveHotspotForecaster,
    RetrospectiveHotspotForecaster,
)

GRID = Grid("EPSG:32616", 0.0, 0.0, 100.0, 5, 5)


def _events(points: list[tuple[float, float, float]]) -> GriddedEvents:
    t, x, y = (np.array(v, dtype=float) for v in zip(*sorted(points), strict=True))
    return GriddedEvents(GRID.cell_of(x, y), t, x, y, GRID)


def test_naive_count_is_window_count_times_horizon_over_window() -> None:
    events = _events([(1, 250, 250), (5, 250, 250), (8, 50, 50), (12, 50, 50)])
    surface = NaiveCountForecaster(window_days=10).fit(events).predict(10.0, 2.0)
    assert surface[12] == pytest.approx(2 * 2 / 10)
    assert surface[0] == pytest.approx(1 * 2 / 10)  # the event on day 12 is in the future
    assert surface.sum() == pytest.approx(3 * 2 / 10)


def test_retrospective_quartic_weights_neighbours_by_distance() -> None:
    events = _events([(5, 250, 250)])
    model = RetrospectiveHotspotForecaster(kernel="quartic", bandwidth_m=150, window_days=10)
    surface = model.fit(events).predict(10.0, 1.0)
    side, diagonal = (1 - (100 / 150) ** 2) ** 2, (1 - (math.hypot(100, 100) / 150) ** 2) ** 2
    assert surface[7] / surface[12] == pytest.approx(side)
    assert surface[6] / surface[12] == pytest.approx(diagonal)
    assert surface[2] == 0.0  # 200 m away: beyond the bandwidth
    assert surface.sum() == pytest.approx(1 / 10)


def test_retrospective_gaussian_kernel() -> None:
    model = RetrospectiveHotspotForecaster(kernel="gaussian", bandwidth_m=100, window_days=10)
    surface = model.fit(_events([(5, 250, 250)])).predict(10.0, 1.0)
    assert surface[13] / surface[12] == pytest.approx(math.exp(-0.5))
    assert surface[14] / surface[12] == pytest.approx(math.exp(-2.0))


def test_prospective_bowers_weights_by_cell_band_and_week_band() -> None:
    # cell 12 at 3 days before (week band 0); cell 0 at 10 days before (week band 1).
    events = _events([(97, 250, 250), (90, 50, 50)])
    model = ProspectiveHotspotForecaster(bandwidth_cells=1, bandwidth_weeks=2)
    surface = model.fit(events).predict(100.0, 1.0)
    raw_12, raw_6, raw_0 = 1.0, 1 / 2 + 1 / 2 * 1 / 2, 1 / 2
    assert surface[6] / surface[12] == pytest.approx(raw_6 / raw_12)
    assert surface[0] / surface[12] == pytest.approx(raw_0 / raw_12)
    assert surface[24] == 0.0
    assert surface.sum() == pytest.approx(2 / 14)


def test_kde_is_decayed_gaussian_density_times_cell_area_and_horizon() -> None:
    tau, h = 5.0, 100.0
    surface = (
        KdeForecaster(bandwidth_m=h, decay_days=tau)
        .fit(_events([(5, 250, 250)]))
        .predict(10.0, 2.0)
    )
    centre = math.exp(-1.0) / tau / (2 * math.pi * h * h) * 100.0**2 * 2.0
    assert surface[12] == pytest.approx(centre)
    assert surface[13] == pytest.approx(centre * math.exp(-0.5))


def test_predict_before_fit_is_an_error() -> None:
    with pytest.raises(InputError, match="not fitted"):
        NaiveCountForecaster().predict(0.0, 1.0)


def test_bad_hyperparameters_are_errors() -> None:
    with pytest.raises(InputError, match="kernel"):
        RetrospectiveHotspotForecaster(kernel="box")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="window_days"):
        NaiveCountForecaster(window_days=0)
