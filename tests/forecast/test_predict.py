"""One forecast for publication: ranking, flagged cells, CSV and GeoJSON views."""

from __future__ import annotations

import numpy as np
import pytest

from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.forecast import Grid, GriddedEvents, NaiveCountForecaster, predict

GRID = Grid.from_xy(
    [448_000.0, 448_450.0], [4_636_000.0, 4_636_450.0], crs="EPSG:32616", cell_size=150.0
)


def _events() -> GriddedEvents:
    # Cell (0, 0) gets 3 events, cell (3, 3) 1 event, 3 of them before day 10; one on day 12.
    t = np.array([1.0, 2.0, 5.0, 12.0])
    x = np.array([448_010.0, 448_020.0, 448_460.0, 448_030.0])
    y = np.array([4_636_010.0, 4_636_020.0, 4_636_460.0, 4_636_030.0])
    return GriddedEvents(GRID.cell_of(x, y), t, x, y, GRID)


def test_predict_ranks_cells_and_flags_the_top_share() -> None:
    result = predict(
        _events(), NaiveCountForecaster(10), name="naive", at=10.0, horizon_days=5.0, top=1
    )
    # Naive: n_j * horizon / window = 2 * 5 / 10 in cell 0 and 1 * 5 / 10 in cell 15.
    assert result.cells[:2].tolist() == [0, 15]
    assert result.intensity[:2].tolist() == pytest.approx([1.0, 0.5])
    assert result.flagged.tolist() == [True, False]
    assert result.expected_total == pytest.approx(1.5)
    assert result.expected_flagged == pytest.approx(1.0)
    assert any("1 event(s) at or after the origin" in w for w in result.warnings)
    frame = result.to_frame()
    assert frame.columns.tolist() == [
        "rank",
        "cell",
        "ix",
        "iy",
        "lon",
        "lat",
        "expected_events",
        "flagged",
    ]
    assert frame["rank"].tolist() == [1, 2] and frame["iy"].tolist() == [0, 3]
    layout = result.to_dict()
    assert layout["n_flagged"] == 1 and layout["flagged_cells"][0]["cell"] == 0


def test_predict_geojson_cells_are_wgs84_squares_around_the_centre() -> None:
    result = predict(_events(), NaiveCountForecaster(10), name="naive", at=10.0, horizon_days=1.0)
    doc = result.to_geojson()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    first = doc["features"][0]
    ring = np.array(first["geometry"]["coordinates"][0])
    assert ring.shape == (5, 2) and ring[0].tolist() == ring[-1].tolist()
    frame = result.to_frame()
    assert ring[:4, 0].mean() == pytest.approx(frame["lon"].iloc[0], abs=1e-6)
    assert ring[:4, 1].mean() == pytest.approx(frame["lat"].iloc[0], abs=1e-6)
    # Back in UTM (to 2 cm: positions are rounded to 1e-7 degrees) the ring is the 150 m
    # square of cell 0, whose corner is the grid's origin (the lattice point at or below
    # the smallest coordinate: 447,900, 4,635,900).
    x, y = GRID.project(ring[:, 0], ring[:, 1])
    x0, y0 = GRID.x0, GRID.y0
    assert (x0, y0) == (447_900.0, 4_635_900.0)
    assert x.tolist() == pytest.approx([x0, x0 + 150, x0 + 150, x0, x0], abs=0.02)
    assert y.tolist() == pytest.approx([y0, y0, y0 + 150, y0 + 150, y0], abs=0.02)
    assert first["properties"]["flagged"] is True  # round(0.05 * 2) = 0 -> at least one cell
    flagged = result.to_geojson(flagged_only=True)
    assert len(flagged["features"]) == 1


def test_predict_bad_requests_are_errors() -> None:
    model = NaiveCountForecaster(10)
    with pytest.raises(InputError, match="top_share"):
        predict(_events(), model, name="naive", at=10.0, horizon_days=1.0, top_share=1.5)
    with pytest.raises(InputError, match="top=0"):
        predict(_events(), model, name="naive", at=10.0, horizon_days=1.0, top=0)
    with pytest.raises(InsufficientDataError, match="no event"):
        predict(_events(), model, name="naive", at=0.5, horizon_days=1.0)
