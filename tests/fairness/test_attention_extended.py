"""Attention audit: day bootstrap, recorded crime, CRS checks, bad input, The Markup's statistic.

Small areas and points here are SYNTHETIC (hand-made squares and counts).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError
from mohtasib.fairness import audit_attention
from mohtasib.fairness._attention_boot import block_day_weights
from mohtasib.fairness._attention_markup import targeting_composition
from mohtasib.io import read_geojson

GROUPS = ["white_alone", "black_alone", "latino_alone", "asian_alone"]
PUBLISHED = Path(__file__).parent / "data" / "markup_top_decile_published.csv"


def _square(x0: float, y0: float, **props: float) -> dict:
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }


def _areas() -> list[dict]:
    return [_square(0, 0, a=100, b=100), _square(1, 0, a=0, b=200), _square(2, 0, a=50, b=0)]


def _dated_points(days: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for day in pd.date_range("2020-01-01", periods=days):
        for lon, rate in ((0.5, 3), (1.5, 1), (2.5, 2)):
            rows.append({"lat": 0.5, "lon": lon, "pred_count": rng.poisson(rate), "date": day})
    return pd.DataFrame(rows)


def test_block_day_weights_draw_every_day_count_once_per_resample():
    weights = block_day_weights(10, 50, 3, np.random.default_rng(0))
    assert weights.shape == (50, 10)
    assert (weights.sum(axis=1) == 10).all()


def test_audit_attention_day_bootstrap_interval_contains_estimate():
    result = audit_attention(
        _areas(),
        predictions=_dated_points(),
        prediction_date_column="date",
        population_columns=["a", "b"],
        reference="b",
        block_length=5,
        n_boot=300,
    )
    group = result.by_group()["a"]
    assert result.n_days == 30 and result.block_length == 5
    assert group.ratio_ci_days is not None
    assert group.ratio_ci_days[0] <= group.ratio <= group.ratio_ci_days[1]
    assert result.to_dict()["bootstrap"]["over"] == "areas; days in moving blocks"


def test_audit_attention_without_dates_has_no_day_interval():
    result = audit_attention(_areas(), predictions=_dated_points(), population_columns=["a", "b"])
    assert result.n_days is None
    assert result.by_group()["a"].ratio_ci_days is None


def test_audit_attention_crime_known_answer():
    areas = [_square(0, 0, a=100, b=100, count=30), _square(1, 0, a=0, b=200, count=10)]
    crime = pd.DataFrame({"lat": [0.5, 0.5, 0.5, 0.5], "lon": [0.5, 0.5, 1.5, 9.0]})
    result = audit_attention(
        areas, crime=crime, population_columns=["a", "b"], reference="b", n_boot=0
    )
    a, b = result.by_group()["a"], result.by_group()["b"]
    # Crime: area 1 has 2 (1 to a, 1 to b), area 2 has 1 (to b); a: 1 of 3.
    assert result.total_crime == 3
    assert a.crime_share == pytest.approx(1 / 3)
    # Attention: a 15, b 25; per crime a 15/1, b 25/2.
    assert a.per_crime_ratio == pytest.approx(15 / (25 / 2))
    assert b.per_crime_ratio == pytest.approx(1.0)
    assert any("1 recorded-crime point(s) with 1 recorded crime(s)" in w for w in result.warnings)


def test_audit_attention_projected_points_without_crs_are_an_error():
    points = pd.DataFrame({"lat": [1_900_000.0], "lon": [350_000.0], "pred_count": [1]})
    with pytest.raises(InputError, match="look projected"):
        audit_attention(_areas(), predictions=points, population_columns=["a", "b"])


def test_audit_attention_projected_areas_without_crs_are_an_error():
    areas = [_square(350_000, 1_900_000, a=1, b=1, count=1)]
    points = pd.DataFrame({"lat": [0.5], "lon": [0.5], "pred_count": [1]})
    with pytest.raises(InputError, match="areas: coordinates outside"):
        audit_attention(areas, predictions=points, population_columns=["a", "b"])


def test_audit_attention_converts_named_points_crs_with_warning():
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32631", always_xy=True)
    x, y = to_utm.transform([0.5, 1.5], [0.5, 0.5])
    points = pd.DataFrame({"lat": y, "lon": x, "pred_count": [30, 10]})
    result = audit_attention(
        _areas(), predictions=points, points_crs="EPSG:32631", population_columns=["a", "b"]
    )
    assert result.total_attention == 40
    assert any("converted from EPSG:32631" in w for w in result.warnings)


@pytest.mark.parametrize("value", [None, -3, "many"])
def test_audit_attention_bad_point_count_names_row_and_column(value):
    points = pd.DataFrame({"lat": [0.5, 0.5], "lon": [0.5, 1.5], "pred_count": [2, value]})
    with pytest.raises(InputError) as info:
        audit_attention(_areas(), predictions=points, population_columns=["a", "b"])
    assert (info.value.row, info.value.column) == (2, "pred_count")


def test_audit_attention_missing_area_count_is_an_error():
    areas = [_square(0, 0, a=1, b=1, count=None)]
    with pytest.raises(InputError, match="want a number"):
        audit_attention(areas, population_columns=["a", "b"])


def test_audit_attention_unreadable_date_names_row():
    points = _dated_points(2).astype({"date": object})
    points.loc[3, "date"] = "not a date"
    with pytest.raises(InputError, match="want a date") as info:
        audit_attention(
            _areas(), predictions=points, prediction_date_column="date", population_columns=["a"]
        )
    assert info.value.row == 4


def test_audit_attention_rejects_bad_parameters():
    with pytest.raises(ConfigError, match="block_length"):
        audit_attention(_areas(), population_columns=["a"], block_length=0, count_property="a")


def test_targeting_composition_follows_the_markup_windows():
    # 20 areas: window round(0.05 * 20) = 1, so the 2 most-predicted areas are "most targeted".
    count = np.arange(20, dtype=float)
    pop = np.column_stack([np.where(count >= 18, 10.0, 0.0), np.where(count >= 18, 0.0, 10.0)])
    shares = targeting_composition(count, pop.sum(axis=1), pop)
    assert shares["most_targeted"] == pytest.approx([1.0, 0.0])
    assert shares["jurisdiction"] == pytest.approx([0.1, 0.9])
    assert shares["top_decile"] == pytest.approx([1.0, 0.0])  # counts above the 90th percentile


def test_markup_top_decile_replication(shared_data):
    """Our top-decile composition equals The Markup's published one in 23 of 38 departments."""
    folder = shared_data / "crime" / "predpol-markup-audit" / "blockgroup_geojson"
    published = pd.read_csv(PUBLISHED, comment="#", index_col="department")
    agree = []
    for department, theirs in published.iterrows():
        result = audit_attention(
            read_geojson(folder / f"{department}-geojson-with-data.json"),
            population_columns=GROUPS,
            total_column="total_estimate",
            n_boot=0,
        )
        ours = [result.by_group()[g].top_decile_share for g in GROUPS]
        agree.append(np.allclose(ours, theirs[GROUPS].to_numpy(float), atol=1e-6))
    assert len(agree) == 38
    assert sum(agree) == 23
    assert dict(zip(published.index, agree, strict=True))["elgin"]


def test_audit_attention_json_is_strict(tmp_path):
    result = audit_attention(_areas(), population_columns=["a", "b"], count_property="a")
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["schema_version"] == "1.1"


def test_audit_attention_income_per_bands_a_share_and_leaves_zero_denominators_out():
    features = [
        _square(i, 0, a=100, b=100, count=10 * (i + 1), poor=i, households=4 if i < 3 else 0)
        for i in range(4)
    ]
    result = audit_attention(
        features,
        population_columns=["a", "b"],
        income_column="poor",
        income_per="households",
        income_bands=3,
        n_boot=0,
    )
    # Shares 0, 0.25, 0.5 in three bands; the fourth area has no households and no band.
    assert [b.areas for b in result.income_bands] == [1, 1, 1]
    assert result.income_bands[-1].high == pytest.approx(0.5)
    assert result.income_column == "poor / households"
