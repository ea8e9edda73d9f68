"""The audit configuration's forecast keys for the study area, grid offsets and refit cadence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mohtasib.audit._sections import RUNNERS


def test_audit_forecast_section_takes_study_area_offsets_and_refit(tmp_path: Path) -> None:
    # GENERATED (SYNTHETIC) events over a 2 km square; the polygon covers its western half.
    rng = np.random.default_rng(3)
    n = 1500
    start = pd.Timestamp("2024-01-01", tz="UTC")
    days = np.sort(rng.uniform(0, 120, n))
    frame = pd.DataFrame(
        {
            "when": [(start + pd.Timedelta(days=float(d))).isoformat() for d in days],
            "x": rng.uniform(74.30, 74.32, n),
            "y": rng.uniform(31.50, 31.52, n),
        }
    )
    frame.to_csv(tmp_path / "events.csv", index=False)
    ring = [[74.29, 31.49], [74.31, 31.49], [74.31, 31.53], [74.29, 31.53], [74.29, 31.49]]
    area = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}],
    }
    (tmp_path / "west.geojson").write_text(json.dumps(area), encoding="utf-8")
    body = {
        "data": "events.csv",
        "time_col": "when",
        "lon_col": "x",
        "lat_col": "y",
        "cell_size": 250,
        "models": ["naive", "kde-nn"],
        "train_days": 60,
        "test_start": "2024-03-15",
        "test_days": 28,
        "horizon_days": 7,
        "n_boot": 50,
        "study_area": "west.geojson",
        "offsets": 2,
        "refit_every": 14,
    }
    result = RUNNERS["forecast"](body, tmp_path, None)
    layout = result.to_dict()
    # About half the events lie east of 74.31 and are excluded, and counted.
    assert 500 < layout["n_outside_study_area"] < 1000
    assert layout["grid"]["study_area"].endswith("west.geojson")
    assert layout["grid_offsets"] == [[125.0, 125.0]]
    assert layout["refit_every_days"] == 14
    assert layout["models"][1]["name"] == "kde-nn"
    assert layout["models"][1]["offset_range"] is not None
