"""SYNTHETIC cells and records for the simulator tests (seeded; no real place or person)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

N_SIDE = 6
SIZE = 0.005  # degrees


def write_grid(path: Path, *, groups: bool = True) -> Path:
    """A 6 x 6 grid of square cells near Lahore (SYNTHETIC), ids ``c0``..``c35``."""
    features = []
    for i in range(N_SIDE * N_SIDE):
        x0, y0 = 74.30 + (i % N_SIDE) * SIZE, 31.50 + (i // N_SIDE) * SIZE
        ring = [[x0, y0], [x0 + SIZE, y0], [x0 + SIZE, y0 + SIZE], [x0, y0 + SIZE], [x0, y0]]
        props = {"cell": f"c{i}", "zone": "north" if i >= 18 else "south"} if groups else {
            "cell": f"c{i}"}  # fmt: skip
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def true_rates() -> np.ndarray:
    """SYNTHETIC truth: mildly uneven, 0.05..0.3 incidents a day per cell."""
    return np.linspace(0.05, 0.3, N_SIDE * N_SIDE)


def write_records(path: Path, *, days: int = 120, seed: int = 0) -> Path:
    """SYNTHETIC records: Poisson(truth) per day and cell, half of them 'reported'."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2024-01-01")
    for day in range(days):
        counts = rng.poisson(true_rates())
        for cell in np.flatnonzero(counts):
            for _ in range(counts[cell]):
                source = "reported" if rng.random() < 0.5 else "patrol"
                rows.append(((start + pd.Timedelta(days=day)).date().isoformat(), f"c{cell}",
                             source))  # fmt: skip
    pd.DataFrame(rows, columns=["date", "cell", "source"]).to_csv(path, index=False)
    return path


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    return write_grid(tmp_path / "cells.geojson")


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    return write_records(tmp_path / "records.csv")
