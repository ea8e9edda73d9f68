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


def test_prospective_week_band_is_floor_of_age_in_weeks() -> None:
    # Bowers, Johnson & Pease (2004) and open_cp: an event exactly 7 days old is in band 1
    # (weight 1/2), one 6.5 days old in band 0 (weight 1); one at the forecast time is not used.
    model = ProspectiveHotspotForecaster(bandwidth_cells=0, bandwidth_weeks=2)
    surface = model.fit(_events([(93.0, 50, 50), (93.5, 250, 250), (100.0, 450, 450)]))
    values = surface.predict(100.0, 1.0)
    assert values[0] / values[12] == pytest.approx(1 / 2)
    assert values[24] == 0.0


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


def test_kde_nearest_neighbour_bandwidth_matches_hand_computation() -> None:
    # Events at A (250, 250), B (250, 400), C (550, 250): with k = 1 the bandwidths are
    # h_A = |AB| = 150, h_B = |BA| = 150, h_C = |CA| = 300 (Silverman 1986, sec. 2.6).
    tau = 5.0
    points = [(5.0, 250.0, 250.0), (6.0, 250.0, 400.0), (7.0, 550.0, 250.0)]
    model = KdeForecaster(decay_days=tau, bandwidth="nearest_neighbour", k_neighbours=1)
    events = _events(points)
    assert model.bandwidths(events).tolist() == pytest.approx([150.0, 150.0, 300.0])
    surface = model.fit(events).predict(10.0, 2.0)
    expected = np.zeros(25)
    for t, x, y in points:
        h = {250.0: 150.0, 550.0: 300.0}[x]
        for cell in range(25):
            cx, cy = 50.0 + 100.0 * (cell % 5), 50.0 + 100.0 * (cell // 5)
            d2 = (cx - x) ** 2 + (cy - y) ** 2
            if d2 <= 9 * h * h:
                density = math.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
                expected[cell] += math.exp(-(10.0 - t) / tau) / tau * density * 100.0**2 * 2.0
    assert surface == pytest.approx(expected)


def test_kde_nearest_neighbour_bandwidth_is_clipped() -> None:
    # Two duplicates (distance 0) take the floor; a lone far event takes the cap.
    events = _events([(5.0, 250.0, 250.0), (6.0, 250.0, 250.0), (7.0, 450.0, 450.0)])
    model = KdeForecaster(
        bandwidth="nearest_neighbour", k_neighbours=1, min_bandwidth_m=60, max_bandwidth_m=200
    )
    assert model.bandwidths(events).tolist() == pytest.approx([60.0, 60.0, 200.0])
    few = KdeForecaster(bandwidth="nearest_neighbour", k_neighbours=5, max_bandwidth_m=700)
    assert few.bandwidths(events).tolist() == [700.0, 700.0, 700.0]


def test_kde_bad_bandwidth_options_are_errors() -> None:
    with pytest.raises(InputError, match="bandwidth="):
        KdeForecaster(bandwidth="adaptive")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="k_neighbours"):
        KdeForecaster(k_neighbours=0)
    with pytest.raises(InputError, match="max_bandwidth_m"):
        KdeForecaster(min_bandwidth_m=500, max_bandwidth_m=100)
