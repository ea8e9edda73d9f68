"""Lum & Isaac's (2016) design on their Oakland drug records (read from ../shared, never copied).

The files carry no licence, so they stay in ../shared; these tests skip where it is absent.
Areas are identified by the coordinates of the cell centres (see
docs/how-to/simulate-feedback-loops.md): "West Oakland" is the box west of longitude
-122.268 between latitudes 37.795 and 37.835; the "International Blvd corridor" is the
cells within 800 m of the straight line from about (-122.2555, 37.7965) near Lake Merritt
to about (-122.1585, 37.7380) at the San Leandro line. Both are approximations drawn
from the street's and the neighbourhood's usual extent, not official boundaries.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mohtasib.feedback import (
    CellGrid,
    FeedbackSettings,
    read_cell_grid,
    read_cell_history,
    simulate_feedback,
)

FOLDER = "crime/oakland-drugs-lum-isaac"


def oakland_areas(grid: CellGrid) -> tuple[str, ...]:
    """Label each cell West Oakland, International Blvd corridor or rest of Oakland."""
    assert grid.centroids is not None
    lon, lat = grid.centroids[:, 0], grid.centroids[:, 1]
    west = (lon < -122.268) & (lat > 37.795) & (lat < 37.835)
    a, b = np.array([-122.2555, 37.7965]), np.array([-122.1585, 37.7380])
    k = np.cos(np.radians(37.77))  # degrees of longitude are shorter than of latitude
    p = np.column_stack([(lon - a[0]) * k, lat - a[1]])
    v = np.array([(b[0] - a[0]) * k, b[1] - a[1]])
    t = np.clip(p @ v / (v @ v), 0.0, 1.0)
    metres = np.hypot(*(p - t[:, None] * v).T) * 111_195.0
    corridor = (metres < 800.0) & ~west
    rest = np.where(corridor, "International Blvd corridor", "rest of Oakland")
    labels = np.where(west, "West Oakland", rest)
    return tuple(str(x) for x in labels)


@pytest.fixture
def oakland(shared_data: Path) -> tuple[Path, Path]:
    folder = shared_data / FOLDER
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent; the Lum & Isaac check needs the Oakland records")
    return folder / "oakland_grid.geojson", folder / "drug_crimes_with_bins.csv"


def _history(oakland: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    grid = read_cell_grid(oakland[0], id_property="bin_index")
    grid = dataclasses.replace(grid, groups=oakland_areas(grid))
    return read_cell_history(oakland[1], grid, date_col="OCCURRED", cell_col="bin",
                             date_format="%m/%d/%y")  # fmt: skip


def test_records_match_the_published_counts_and_urn_priors(oakland: tuple[Path, Path]) -> None:
    history = _history(oakland)
    assert history.grid.n_cells == 661
    assert history.counts.sum() == 11_545 - 28
    assert history.warnings == ("28 record(s) without a cell in column 'bin' not used",)
    totals = history.counts.sum(axis=0)
    index = history.grid.index()
    # Ensign et al.'s Oakland urn starts from the two busiest cells: 609 and 379 records.
    assert (totals[index["66"]], totals[index["79"]]) == (609, 379)
    assert sorted(totals, reverse=True)[:2] == [609, 379]


def test_lum_isaac_targets_concentrate_in_west_oakland_and_international_blvd(
    oakland: tuple[Path, Path],
) -> None:
    history = _history(oakland)
    settings = FeedbackSettings(model="etas", allocation="top-k", k=20, days=30, train_days=180,
                                discovery_rate=0.2, incidents="replay", runs=2,
                                mitigations=("none",), random_state=0)  # fmt: skip
    result = simulate_feedback(history, settings)
    groups = {g.group: g for g in result.outcome("none").groups}
    targeted = groups["West Oakland"].mean + groups["International Blvd corridor"].mean
    cells = groups["West Oakland"].n_cells + groups["International Blvd corridor"].n_cells
    assert cells / 661 < 0.25  # the two areas hold under a quarter of the cells
    assert targeted > 0.75  # and draw over three quarters of the patrols
    assert groups["West Oakland"].mean > groups["West Oakland"].true_share
