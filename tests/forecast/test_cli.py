"""``mohtasib forecast backtest`` and ``predict`` on a small generated (SYNTHETIC) CSV."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from mohtasib.cli._forecast import forecast
from mohtasib.errors import ConfigError, InputError


def _csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 3000
    times = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 420, n)), unit="D")
    frame = pd.DataFrame(
        {
            "date": times.strftime("%Y-%m-%d %H:%M"),
            "longitude": -87.65 + rng.normal(0, 0.01, n),
            "latitude": 41.85 + rng.normal(0, 0.01, n),
        }
    )
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    return path


def test_backtest_writes_json_layout(tmp_path: Path) -> None:
    args = [
        str(_csv(tmp_path)),
        "--tz",
        "America/Chicago",
        "--test-start",
        "2021-01-15",
        "--test-days",
        "3",
        "--models",
        "naive,kde",
        "--n-boot",
        "50",
        "--cell-size",
        "300",
    ]
    result = CliRunner().invoke(forecast, ["backtest", *args])
    assert result.exit_code == 0, result.output
    layout = json.loads(result.stdout)
    assert layout["origins"] == 3
    assert [m["name"] for m in layout["models"]] == ["naive", "kde"]
    assert set(layout["models"][1]["hit_rate"]) == {"0.01", "0.05", "0.1", "0.2"}


def test_backtest_naive_times_without_tz_is_an_input_error(tmp_path: Path) -> None:
    args = [str(_csv(tmp_path)), "--test-start", "2021-01-15", "--test-days", "1"]
    result = CliRunner().invoke(forecast, ["backtest", *args])
    assert isinstance(result.exception, InputError)


def _area(tmp_path: Path) -> Path:
    ring = [[-87.67, 41.83], [-87.63, 41.83], [-87.63, 41.87], [-87.67, 41.87], [-87.67, 41.83]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


_BASE = ["--tz", "America/Chicago", "--cell-size", "300"]


def test_backtest_study_area_offsets_refit_and_html(tmp_path: Path) -> None:
    events = str(_csv(tmp_path))
    args = [events, *_BASE, "--test-start", "2021-01-15", "--test-days", "4"]
    args += ["--models", "naive,kde-nn", "--n-boot", "30", "--study-area", str(_area(tmp_path))]
    args += ["--offsets", "2", "--refit-every", "2d"]
    result = CliRunner().invoke(forecast, ["backtest", *args])
    assert result.exit_code == 0, result.output
    layout = json.loads(result.stdout)
    assert layout["n_outside_study_area"] > 0
    assert any("outside the study area" in w for w in layout["warnings"])
    assert layout["grid_offsets"] == [[150.0, 150.0]]
    assert layout["refit_every_days"] == 2.0
    assert layout["models"][1]["offset_range"]["hit_rate"]["0.05"] is not None
    html = CliRunner().invoke(forecast, ["backtest", *args, "--format", "html"])
    assert html.exit_code == 0, html.output
    assert "<svg" in html.stdout and "grid " in html.stdout and "forecast-scores" in html.stdout


def test_predict_writes_csv_geojson_json_and_html(tmp_path: Path) -> None:
    events = str(_csv(tmp_path))
    args = [events, *_BASE, "--model", "kde", "--at", "2021-01-20", "--horizon", "7d"]
    csv = CliRunner().invoke(forecast, ["predict", *args, "--top", "5"])
    assert csv.exit_code == 0, csv.output
    rows = pd.read_csv(io.StringIO(csv.stdout))
    assert rows["flagged"].sum() == 5 and rows["rank"].tolist() == list(range(1, len(rows) + 1))
    assert rows["expected_events"].is_monotonic_decreasing
    out = tmp_path / "cells.geojson"
    geo = CliRunner().invoke(
        forecast, ["predict", *args, "--format", "geojson", "--flagged-only", "--out", str(out)]
    )
    assert geo.exit_code == 0, geo.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["properties"]["n_flagged"] == len(doc["features"]) == round(0.05 * len(rows))
    summary = json.loads(
        CliRunner().invoke(forecast, ["predict", *args, "--format", "json"]).stdout
    )
    assert summary["model"] == "kde" and summary["at"] == "2021-01-20T06:00Z"
    html = CliRunner().invoke(forecast, ["predict", *args, "--format", "html"])
    assert html.exit_code == 0, html.output
    assert "forecast-predict-cells" in html.stdout and "<svg" in html.stdout


def test_predict_unknown_model_is_a_config_error(tmp_path: Path) -> None:
    args = [str(_csv(tmp_path)), *_BASE, "--model", "oracle", "--at", "2021-01-20"]
    result = CliRunner().invoke(forecast, ["predict", *args])
    assert isinstance(result.exception, ConfigError)
