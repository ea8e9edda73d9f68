"""The forecast section: table with intervals, baseline highlighted, plot, map, careful words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mohtasib.forecast import (
    Backtest,
    KdeForecaster,
    NaiveCountForecaster,
    backtest,
    read_events,
)
from mohtasib.report import AuditReport, ReportSection, findings, render_html, section_html
from mohtasib.report._forecast_findings import coverage_label


@pytest.fixture(scope="module")
def result() -> Backtest:
    """A backtest on GENERATED (SYNTHETIC) events with a planted hotspot."""
    rng = np.random.default_rng(7)
    n, hot = 1200, 400
    days = np.sort(rng.uniform(0, 100, n + hot))
    frame = pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
            "longitude": np.concatenate(
                [rng.uniform(74.30, 74.32, n), rng.normal(74.305, 0.0004, hot)]
            )[rng.permutation(n + hot)],
            "latitude": np.concatenate(
                [rng.uniform(31.50, 31.52, n), rng.normal(31.505, 0.0004, hot)]
            )[rng.permutation(n + hot)],
        }
    )
    events, _ = read_events(
        frame, time_col="date", lon_col="longitude", lat_col="latitude", cell_size=250
    )
    start = pd.Timestamp("2024-03-01", tz="UTC").value / 86_400e9
    return backtest(
        events,
        {
            "naive": NaiveCountForecaster(window_days=50),
            "kde": KdeForecaster(window_days=50),
        },
        test_start=start,
        test_days=35,
        horizon_days=7,
        train_days=50,
        coverages=(0.05, 0.2),
        n_boot=100,
    )


def _section(result: Backtest) -> ReportSection:
    return ReportSection("forecast", "Forecasts", result, "GENERATED (SYNTHETIC) events.")


def test_findings_state_rates_intervals_and_the_test_s_limits(result):
    text = " ".join(findings(result))
    kde, naive = result.model("kde"), result.model("naive")
    assert (
        f"At 5 % of the area, model kde's hit rate was {kde.means[('hit_rate', 0.05)]:.3f}" in text
    )
    assert f"against the naive count's {naive.means[('hit_rate', 0.05)]:.3f}" in text
    assert "p = " in text
    # 5 origins in blocks of round(5 ** (1/3)) = 2 make 3 blocks: no p below 2 / 2**3.
    assert f"With 5 origins the smallest possible p is {2 / 2**3:.3g}" in text
    assert "share most of their training data" in text
    assert "optimistic" in text
    for word in ("works", "accurate", "predicts crime."):
        assert word not in text
    assert "do not show that any model predicts crime" in text


def test_min_p_value_is_the_larger_of_exact_and_monte_carlo(result):
    assert result.block_length == 2
    assert result.min_p_value == pytest.approx(max(2 / 2**3, 1 / 101))


def test_section_html_has_table_with_intervals_baseline_plot_and_map(result):
    html = section_html(_section(result))
    assert 'id="forecast-scores"' in html
    assert 'id="forecast-vs-baseline"' in html
    assert re.search(r'<tr class="baseline"><td class="text">naive \(baseline\)', html)
    ci = result.model("kde").cis[("hit_rate", 0.05)]
    assert f"[{ci[0]:.3f}, {ci[1]:.3f}]" in html
    assert html.count("<svg") == 2
    assert 'id="forecast-map"' in html
    assert "GENERATED (SYNTHETIC)" in html


def test_map_outlines_the_study_area(result, monkeypatch):
    """The map draws the study area's outline (a contour around the active cells)."""
    from matplotlib.axes import Axes

    from mohtasib.report._plots import flagged_cells_svg

    calls = []
    original = Axes.contour

    def spy(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "contour", spy)
    svg = flagged_cells_svg(result.grid, result.map, title="map")
    assert "study area (outlined)" in svg
    assert len(calls) == len(result.map.flagged)
    assert (calls[0].reshape(-1) > 0.5).tolist() == result.grid.active.tolist()


def test_map_keeps_the_flagged_cells_of_the_last_origin(result):
    assert result.map is not None
    assert result.map.origin == result.origins[-1]
    k = max(1, round(0.05 * result.grid.n_active))
    assert all(len(v) == k for v in result.map.flagged.values())
    assert all(result.grid.active[c] for c in result.map.event_cells)


def test_whole_report_renders_and_loads_nothing(result):
    report = AuditReport("t", "2026-01-01T00:00:00+00:00", (_section(result),))
    html = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert report.to_dict()["sections"]["forecast"]["result"]["schema_version"] == "1.3"


def test_coverage_label():
    assert coverage_label(0.05) == "5 %"
    assert coverage_label(0.01) == "1 %"
    assert coverage_label(0.125) == "12.5 %"
