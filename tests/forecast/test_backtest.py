"""Scores worked by hand, and a backtest on generated events with a planted hotspot."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import InputError
from mohtasib.forecast import (
    Grid,
    GriddedEvents,
    NaiveCountForecaster,
    ProspectiveHotspotForecaster,
    backtest,
    rank_cells,
    read_events,
    score_origin,
)


def test_score_origin_matches_hand_computation() -> None:
    forecast = np.array([3.0, 2.0, 1.0, 0.5])
    observed = np.array([0, 2, 1, 1])
    s = score_origin(forecast, observed, coverages=[0.5], rng=np.random.default_rng(0))
    # top 2 cells hold 2 of 4 events; the best 2 cells hold 3; 1 cell suffices for 2 events.
    assert s.hit_rate[0.5] == 0.5
    assert s.pai[0.5] == pytest.approx(1.0)
    assert s.pei[0.5] == pytest.approx(2 / 3)
    assert s.pei_star[0.5] == pytest.approx(1 / 2)
    log_p = [
        y * math.log(m) - m - math.lgamma(y + 1) for m, y in zip(forecast, observed, strict=True)
    ]
    assert s.log_score == pytest.approx(sum(log_p) / 4)
    brier = [(1 - math.exp(-m) - (y > 0)) ** 2 for m, y in zip(forecast, observed, strict=True)]
    assert s.brier == pytest.approx(sum(brier) / 4)


def test_rank_cells_breaks_ties_reproducibly_by_seed() -> None:
    scores = np.array([1.0, 5.0, 1.0, 1.0])
    first = rank_cells(scores, np.random.default_rng(3))
    assert first[0] == 1
    assert first.tolist() == rank_cells(scores, np.random.default_rng(3)).tolist()


def _planted(seed: int = 1) -> GriddedEvents:
    """400 days of 10 events/day uniform on 10 x 10 cells, plus 3/day in cell 55 from day 397."""
    rng = np.random.default_rng(seed)
    grid = Grid("EPSG:32616", 0.0, 0.0, 100.0, 10, 10)
    n = rng.poisson(10 * 410)
    t = rng.uniform(0, 410, n)
    x, y = rng.uniform(0, 1000, n), rng.uniform(0, 1000, n)
    hot_t = rng.uniform(397, 410, rng.poisson(3 * 13))
    t = np.concatenate([t, hot_t])
    x = np.concatenate([x, np.full(hot_t.size, 550.0)])
    y = np.concatenate([y, np.full(hot_t.size, 550.0)])
    order = np.argsort(t)
    return GriddedEvents(grid.cell_of(x[order], y[order]), t[order], x[order], y[order], grid)


def test_backtest_recent_hotspot_prospective_at_least_matches_naive_at_one_percent() -> None:
    models = {"naive": NaiveCountForecaster(365), "prospective": ProspectiveHotspotForecaster(1, 8)}
    result = backtest(_planted(), models, test_start=400, test_days=3, train_days=365, n_boot=200)
    naive, prospective = result.model("naive"), result.model("prospective")
    assert len(result.origins) == 3
    # Designed so that both flag the planted cell (it is also the naive count's top cell).
    assert prospective.means[("hit_rate", 0.01)] >= naive.means[("hit_rate", 0.01)] > 0.05
    assert prospective.vs_baseline[0.01].difference >= 0
    assert naive.vs_baseline[0.01].difference == 0.0 and naive.vs_baseline[0.01].p_value == 1.0
    layout = result.to_dict()
    assert layout["origins"] == 3
    assert set(layout["models"][1]) >= {
        "name",
        "params",
        "hit_rate",
        "hit_rate_ci",
        "pai",
        "pei",
        "pei_star",
        "log_score",
        "brier",
        "vs_baseline",
    }
    assert set(layout["models"][1]["vs_baseline"]["0.05"]) == {"difference", "ci", "p_value"}


def test_backtest_calls_progress_once_per_origin() -> None:
    calls: list[tuple[int, int]] = []
    backtest(
        _planted(),
        {"naive": NaiveCountForecaster()},
        test_start=400,
        test_days=2,
        n_boot=10,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 2), (2, 2)]


def test_backtest_needs_the_baseline_and_enough_history() -> None:
    events = _planted()
    with pytest.raises(InputError, match="baseline"):
        backtest(events, {"other": NaiveCountForecaster()}, test_start=400, test_days=1)
    with pytest.raises(Exception, match="training window"):
        backtest(events, {"naive": NaiveCountForecaster()}, test_start=100, test_days=1)


def test_chicago_naive_count_one_origin_7_and_28_days(shared_data) -> None:  # type: ignore[no-untyped-def]
    path = shared_data / "crime" / "chicago-agg-assaults" / "chicago_aggravated_assaults.csv.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    events, _ = read_events(
        path,
        time_col="date",
        lon_col="longitude",
        lat_col="latitude",
        tz="America/Chicago",
        cell_size=150,
    )
    start = pd.Timestamp("2017-01-01", tz="America/Chicago").value / 86_400e9
    found = {}
    for days in (7, 28):
        result = backtest(
            events,
            {"naive": NaiveCountForecaster(365)},
            test_start=start,
            test_days=days,
            horizon_days=days,
            n_boot=10,
        )
        found[days] = result.model("naive").means[("hit_rate", 0.05)]
    # Measured here (mask: 15,817 cells that ever had an event); open_cp reported ~0.23 / ~0.25
    # for its own origin and cell set, which this test does not reproduce.
    assert found[7] == pytest.approx(0.1975, abs=0.002)
    assert found[28] == pytest.approx(0.2291, abs=0.002)


def test_block_indices_wrap_and_keep_blocks_together():
    import numpy as np

    from mohtasib.forecast._backtest import block_indices

    rows = block_indices(7, n_boot=200, block=3, rng=np.random.default_rng(1))
    assert rows.shape == (200, 7)
    assert rows.min() >= 0 and rows.max() <= 6
    # Within each block of three the indices are consecutive, modulo the number of origins.
    for row in rows:
        for start in (0, 3):
            assert (row[start + 1] - row[start]) % 7 == 1
            assert (row[start + 2] - row[start + 1]) % 7 == 1
    # Every origin can start a block (circular: the last origins are not under-weighted).
    assert set(rows[:, 0].tolist()) == set(range(7))


def test_block_length_one_is_the_ordinary_bootstrap():
    import numpy as np

    from mohtasib.forecast._backtest import block_indices

    rows = block_indices(5, n_boot=50, block=1, rng=np.random.default_rng(2))
    assert rows.shape == (50, 5)
    assert len({tuple(r) for r in rows}) > 40


def test_pei_star_is_fewest_cells_for_the_same_hits_over_cells_flagged() -> None:
    # 10 cells; the forecast flags cells 0-3 (k = 4 at 40 %), which hold 1 + 0 + 2 + 1 = 4 of
    # the 10 events. The observed counts sorted are 5, 2, 1, 1, 1, 0, ...: one cell (5)
    # already holds 4, so k_min = 1 and PEI* = 1 / 4; n_max over 4 cells = 9, so PEI = 4 / 9.
    forecast = np.array([10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
    observed = np.array([1, 0, 2, 1, 5, 0, 0, 1, 0, 0])
    s = score_origin(forecast, observed, coverages=[0.4], rng=np.random.default_rng(0))
    assert s.hit_rate[0.4] == pytest.approx(4 / 10)
    assert s.pai[0.4] == pytest.approx((4 / 10) / (4 / 10))
    assert s.pei[0.4] == pytest.approx(4 / 9)
    assert s.pei_star[0.4] == pytest.approx(1 / 4)
    # PEI* = PAI / PAI of the smallest set capturing the same events: (4/10)/(1/10) = 4.
    assert s.pei_star[0.4] == pytest.approx(s.pai[0.4] / ((4 / 10) / (1 / 10)))


class _CountingNaive(NaiveCountForecaster):
    def __init__(self) -> None:
        super().__init__(365)
        self.fits: list[float] = []

    def fit(self, events: GriddedEvents) -> _CountingNaive:
        self.fits.append(float(events.times[-1]))
        super().fit(events)
        return self


def test_refit_every_refits_only_when_due_and_forecasts_from_the_last_fit() -> None:
    events = _planted()
    every, weekly = _CountingNaive(), _CountingNaive()
    backtest(events, {"naive": every}, test_start=400, test_days=6, n_boot=10)
    result = backtest(
        events, {"naive": weekly}, test_start=400, test_days=6, n_boot=10, refit_every=3
    )
    assert len(every.fits) == 6
    assert len(weekly.fits) == 2  # origins 400 and 403
    assert result.refit_every_days == 3 and result.to_dict()["refit_every_days"] == 3
    with pytest.raises(InputError, match="refit_every"):
        backtest(events, {"naive": every}, test_start=400, test_days=1, refit_every=0)


def test_offsets_report_each_metric_range_over_grid_placements() -> None:
    events = _planted()
    models = {"naive": NaiveCountForecaster(365), "prospective": ProspectiveHotspotForecaster(1, 8)}
    result = backtest(
        events, models, test_start=400, test_days=3, n_boot=20, offsets=[(50.0, 50.0)]
    )
    for m in result.models:
        for key, mean in m.means.items():
            lo, hi = m.ranges[key]
            assert lo <= mean + 1e-12 and mean - 1e-12 <= hi
    layout = result.to_dict()
    assert layout["grid_offsets"] == [[50.0, 50.0]]
    ranges = layout["models"][1]["offset_range"]
    assert set(ranges) == {"hit_rate", "pai", "pei", "pei_star", "log_score", "brier"}
    # The planted events sit on one point, so both placements flag it at 1 %; the uniform
    # events are regrouped, so the broader coverages move with the placement.
    assert ranges["hit_rate"]["0.01"][0] == ranges["hit_rate"]["0.01"][1]
    assert any(lo < hi for lo, hi in result.model("naive").ranges.values())
    plain = backtest(events, models, test_start=400, test_days=3, n_boot=20)
    assert plain.to_dict()["models"][0]["offset_range"] is None


def test_backtest_json_counts_events_outside_the_study_area() -> None:
    events = _planted()
    moved = GriddedEvents(events.cells, events.times, events.x, events.y, events.grid, 7)
    result = backtest(moved, {"naive": NaiveCountForecaster()}, test_start=400, test_days=1)
    assert result.to_dict()["n_outside_study_area"] == 7


def test_findings_state_the_study_area_rule_refit_cadence_and_placement_ranges() -> None:
    from mohtasib.report._forecast_findings import forecast_findings

    models = {"naive": NaiveCountForecaster(365), "prospective": ProspectiveHotspotForecaster(1, 8)}
    result = backtest(
        _planted(),
        models,
        test_start=400,
        test_days=4,
        n_boot=20,
        refit_every=2,
        offsets=[(50.0, 50.0)],
    )
    text = " ".join(forecast_findings(result))
    assert "the cells where an event was ever recorded" in text
    assert "refitted only every 2 day(s)" in text
    lo, hi = result.model("prospective").ranges[("hit_rate", 0.05)]
    assert f"prospective {lo:.3f}–{hi:.3f}" in text and "2 placements" in text
