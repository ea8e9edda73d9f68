"""Grid geometry, cell ids and the events contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import InputError
from mohtasib.forecast import Grid, StudyArea, read_events, regrid, utm_crs


def test_utm_crs_chicago_is_zone_16_north() -> None:
    assert utm_crs(-87.6, 41.8) == "EPSG:32616"
    assert utm_crs(151.2, -33.9) == "EPSG:32756"


def test_cell_of_is_row_major_and_minus_one_outside() -> None:
    grid = Grid("EPSG:32616", 0.0, 0.0, 100.0, 3, 2)
    cells = grid.cell_of([50, 250, 150, -1, 350], [50, 150, 150, 0, 50])
    assert cells.tolist() == [0, 5, 4, -1, -1]


def test_centroids_are_cell_centres_in_id_order() -> None:
    grid = Grid("EPSG:32616", 10.0, 20.0, 100.0, 2, 2)
    assert grid.centroids().tolist() == [[60, 70], [160, 70], [60, 170], [160, 170]]


def test_from_events_masks_cells_with_events_and_offset_moves_lattice() -> None:
    lon, lat = [-87.70, -87.60], [41.80, 41.90]
    grid = Grid.from_events(lon, lat, cell_size=150)
    assert grid.crs == "EPSG:32616"
    assert grid.n_active == 2
    x, y = grid.project(lon, lat)
    assert grid.active[grid.cell_of(x, y)].all()
    shifted = Grid.from_events(lon, lat, cell_size=150, offset=(50, 75))
    assert (shifted.x0 - 50) % 150 == pytest.approx(0) and (shifted.y0 - 75) % 150 == pytest.approx(
        0
    )
    assert shifted.x0 != grid.x0


def test_grid_rejects_non_positive_cell_size() -> None:
    with pytest.raises(InputError, match="cell_size"):
        Grid("EPSG:32616", 0.0, 0.0, 0.0, 1, 1)


def _frame(**changes: list[object]) -> pd.DataFrame:
    data: dict[str, list[object]] = {
        "date": ["2020-01-01 10:00", "2020-01-02 11:30", "2020-01-02 11:30"],
        "longitude": [-87.62, -87.63, -87.63],
        "latitude": [41.88, 41.87, 41.87],
    }
    data.update(changes)
    return pd.DataFrame(data)


def _read(
    frame: pd.DataFrame, tz: str | None = "America/Chicago"
) -> tuple[object, tuple[str, ...]]:
    return read_events(
        frame, time_col="date", lon_col="longitude", lat_col="latitude", tz=tz, cell_size=150
    )


def test_read_events_converts_local_times_to_utc_days_and_counts_duplicates() -> None:
    events, warnings = read_events(
        _frame(),
        time_col="date",
        lon_col="longitude",
        lat_col="latitude",
        tz="America/Chicago",
        cell_size=150,
    )
    # 2020-01-01 10:00 CST = 16:00 UTC; 2020-01-01 is day 18262 since the epoch.
    assert events.times[0] == pytest.approx(18262 + 16 / 24)
    assert len(events) == 3
    assert np.all(events.cells >= 0)
    assert any("1 exact duplicate" in w for w in warnings)


def test_read_events_rejects_naive_times_without_tz() -> None:
    with pytest.raises(InputError, match="no time zone"):
        _read(_frame(), tz=None)


def test_read_events_names_row_of_unparseable_time() -> None:
    with pytest.raises(InputError) as info:
        _read(_frame(date=["2020-01-01 10:00", "yesterday", "2020-01-02 11:30"]))
    assert info.value.row == 2 and info.value.column == "date"


def test_read_events_names_row_of_missing_time() -> None:
    with pytest.raises(InputError, match="missing timestamp"):
        _read(_frame(date=["2020-01-01 10:00", None, "2020-01-02 11:30"]))


def test_read_events_reports_swapped_coordinates() -> None:
    # Sydney with the columns swapped; a swap is detectable only where |longitude| > 90.
    with pytest.raises(InputError, match="swapped") as info:
        _read(_frame(longitude=[-33.87, -33.88, -33.88], latitude=[151.21, 151.2, 151.2]))
    assert info.value.row == 1 and info.value.column == "latitude"


def test_read_events_rejects_longitude_out_of_range() -> None:
    with pytest.raises(InputError, match="longitude 200"):
        _read(_frame(longitude=[-87.62, 200.0, -87.63]))


# Study areas worked in degrees: with crs "EPSG:4326" projection is the identity.
SQUARE = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
HOLE = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]


def test_study_area_even_odd_rule_excludes_holes() -> None:
    area = StudyArea.from_rings([SQUARE, HOLE])
    inside = area.contains("EPSG:4326", [0.5, 1.5, 5.0, 3.5, 2.5], [0.5, 1.5, 1.0, 3.5, 1.5])
    assert inside.tolist() == [True, False, False, True, True]


def test_grid_with_study_area_masks_cells_whose_centre_is_inside() -> None:
    area = StudyArea.from_rings([SQUARE, HOLE])
    grid = Grid.from_xy([0.2], [0.2], crs="EPSG:4326", cell_size=1.0, study_area=area)
    # The lattice covers the polygon's box 0..4 (5 x 5 cells); the centres 0.5..3.5 of
    # the 4 x 4 cells are inside, except cell (1, 1), whose centre (1.5, 1.5) is in the hole.
    assert (grid.nx, grid.ny) == (5, 5)
    assert grid.n_active == 15
    assert not grid.active[1 * 5 + 1] and grid.active[0] and not grid.active[4]
    assert grid.to_dict()["study_area"] == "<polygon>"


def _square_geojson(path: Path, ring: list[list[float]]) -> Path:
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
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_read_events_counts_events_outside_the_study_area(tmp_path: Path) -> None:
    ring = [[-87.64, 41.86], [-87.61, 41.86], [-87.61, 41.89], [-87.64, 41.89], [-87.64, 41.86]]
    area = StudyArea.from_geojson(_square_geojson(tmp_path / "area.geojson", ring))
    frame = _frame(
        date=["2020-01-01 10:00", "2020-01-02 11:30", "2020-01-03 09:00"],
        longitude=[-87.62, -87.63, -87.70],
        latitude=[41.88, 41.87, 41.80],
    )
    events, warnings = read_events(
        frame,
        time_col="date",
        lon_col="longitude",
        lat_col="latitude",
        tz="America/Chicago",
        cell_size=150,
        study_area=area,
    )
    assert len(events) == 2 and events.n_outside == 1
    assert any("1 event(s) outside the study area" in w for w in warnings)
    assert events.grid.active[events.cells].all()
    # 0.03 degrees: 2.49 km east-west at 41.87 N, 3.33 km north-south, about 8.3 km^2,
    # so about 368 cells of 0.0225 km^2 have their centre inside.
    assert 340 < events.grid.n_active < 400


def test_study_area_rejects_points_and_bad_rings(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}],
    }
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="Polygon") as info:
        StudyArea.from_geojson(path)
    assert info.value.row == 1
    with pytest.raises(InputError, match="at least 4"):
        StudyArea.from_geojson(_square_geojson(tmp_path / "bad.geojson", [[0, 0], [1, 1]]))
    with pytest.raises(InputError, match=r"longitude -180\.\.180"):
        StudyArea.from_rings([[(0, 0), (200, 0), (0, 1), (0, 0)]])


def test_regrid_moves_the_lattice_and_keeps_the_events() -> None:
    events, _ = _read(_frame())
    moved = regrid(events, (75.0, 75.0))
    assert (moved.grid.x0 - 75.0) % 150 == pytest.approx(0)
    assert len(moved) == len(events) and moved.n_outside == 0
    assert moved.grid.active[moved.cells].all()
