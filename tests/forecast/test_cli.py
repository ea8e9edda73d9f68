"""``mohtasib forecast backtest`` on a small generated CSV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from mohtasib.cli._forecast import forecast
from mohtasib.errors import InputError


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
