"""Geomasking: displacement bounds, seeds, snapping and spatial k-anonymity.

Points here are SYNTHETIC, except the Chicago test (skipped when the data are absent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError
from mohtasib.privacy import (
    CentroidSnapper,
    DonutGeomasker,
    GridSnapper,
    displacement_m,
    spatial_k_anonymity,
)


def _points(n: int = 2000, seed: int = 0, lat: float = 31.52) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"lon": 74.33 + rng.normal(0, 0.02, n), "lat": lat + rng.normal(0, 0.02, n)}
    )


@pytest.mark.parametrize("lat", [0.0, 31.52, 60.0, -33.9])
def test_donut_displacement_within_bounds_for_every_point(lat):
    data = _points(lat=lat)
    masked = DonutGeomasker(50, 250, random_state=1).fit_transform(data)
    moved = displacement_m(data.lon.to_numpy(), data.lat.to_numpy(), masked.lon, masked.lat)
    assert moved.min() >= 50 - 1e-6 and moved.max() <= 250 + 1e-6
    assert 100 < np.median(moved) < 220  # uniform over the annulus's area: median ≈ 182 m


def test_donut_same_seed_same_output_other_seed_differs():
    data = _points()
    a = DonutGeomasker(random_state=7).fit_transform(data)
    b = DonutGeomasker(random_state=7).fit_transform(data)
    c = DonutGeomasker(random_state=8).fit_transform(data)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.lon, c.lon)


def test_donut_rejects_min_not_below_max():
    with pytest.raises(ConfigError):
        DonutGeomasker(300, 200).fit(_points(5))


def test_donut_rejects_bad_coordinates():
    bad = pd.DataFrame({"lon": [74.3, 200.0], "lat": [31.5, 31.5]})
    with pytest.raises(InputError) as info:
        DonutGeomasker(random_state=0).fit_transform(bad)
    assert info.value.column == "lon" and info.value.row == 2


def test_grid_snapper_moves_points_at_most_half_a_cell_diagonal():
    data = _points()
    snapped = GridSnapper(500).fit_transform(data)
    moved = displacement_m(data.lon.to_numpy(), data.lat.to_numpy(), snapped.lon, snapped.lat)
    assert moved.max() <= 500 * np.sqrt(2) / 2 * 1.01
    assert len(set(zip(snapped.lon, snapped.lat, strict=True))) < len(data) / 5


def test_centroid_snapper_picks_nearest_centroid():
    centroids = pd.DataFrame({"lon": [74.30, 74.40], "lat": [31.50, 31.50]})
    data = pd.DataFrame({"lon": [74.31, 74.39], "lat": [31.51, 31.49]})
    snapped = CentroidSnapper(centroids).fit_transform(data)
    assert list(snapped.lon) == [74.30, 74.40]


def test_spatial_k_anonymity_counts_events_in_region():
    data = _points(3000)
    masked = DonutGeomasker(50, 250, random_state=3).fit_transform(data)
    r = spatial_k_anonymity(data, masked, radius_m=250, k=5)
    assert r.n == 3000 and r.k_min >= 0 and r.k_median > 1
    assert 50 - 1e-6 <= r.displacement.min_m <= r.displacement.median_m <= r.displacement.max_m
    assert r.displacement.max_m <= 250 + 1e-6
    assert r.to_dict()["displacement"]["n"] == 3000


def test_spatial_k_anonymity_rejects_unequal_tables():
    with pytest.raises(ConfigError, match="equal"):
        spatial_k_anonymity(_points(10), _points(9), radius_m=100)


def test_geomask_chicago_assaults(shared_data):
    path = shared_data / "crime" / "chicago-agg-assaults" / "chicago_aggravated_assaults.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    data = pd.read_csv(path, nrows=20_000).rename(columns={"longitude": "lon", "latitude": "lat"})
    data = data.dropna(subset=["lon", "lat"])
    masked = DonutGeomasker(100, 400, random_state=0).fit_transform(data)
    r = spatial_k_anonymity(data, masked, radius_m=400, k=5)
    assert r.displacement.min_m >= 100 - 1e-6 and r.displacement.max_m <= 400 + 1e-6
