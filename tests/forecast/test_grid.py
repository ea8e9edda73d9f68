"""Grid geometry, cell ids and the events contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import InputError
from mohtasib.forecast import Grid, read_events, utm_crs


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
