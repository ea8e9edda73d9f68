"""Place-based attention audit: hand-worked cases, invariants, bad input, The Markup's data."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mohtasib.errors import InputError
from mohtasib.fairness import audit_attention, lorenz_curve
from mohtasib.io import read_geojson

GROUPS = ["white_alone", "black_alone", "latino_alone", "asian_alone"]


def _square(x0: float, y0: float, **props: float) -> dict:
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }


def _two_areas(count_b: float = 10.0, count_a: float = 30.0) -> list[dict]:
    # Area 1: 100 of group a, 100 of b, 30 predictions; area 2: 200 of b, 10 predictions.
    return [_square(0, 0, a=100, b=100, count=count_a), _square(1, 0, a=0, b=200, count=count_b)]


def test_audit_attention_two_areas_known_answer():
    result = audit_attention(_two_areas(), population_columns=["a", "b"], n_boot=0)
    a, b = result.by_group()["a"], result.by_group()["b"]
    # a: 30 * 100/200 = 15 over 100 residents; b: 15 + 10 = 25 over 300 residents.
    assert result.reference == "b"
    assert a.per_1000 == pytest.approx(150.0)
    assert b.per_1000 == pytest.approx(1000 * 25 / 300)
    assert a.ratio == pytest.approx(150.0 / (1000 * 25 / 300))
    assert a.attention_share == pytest.approx(15 / 40)
    assert a.population_share == pytest.approx(0.25)
    # Per resident: area 2 draws 0.05, area 1 0.15; Lorenz (0, 0), (0.5, 0.25), (1, 1).
    assert result.lorenz.attention_share == pytest.approx((0.0, 0.25, 1.0))
    assert result.lorenz.gini == pytest.approx(0.25)


def test_lorenz_curve_equal_attention_has_zero_gini():
    curve = lorenz_curve(pd.Series([5.0, 10.0]).to_numpy(), pd.Series([50.0, 100.0]).to_numpy())
    assert curve.gini == pytest.approx(0.0)


def test_audit_attention_joins_points_and_counts_outside():
    points = pd.DataFrame(
        {"lat": [0.5, 0.5, 5.0], "lon": [0.5, 1.5, 5.0], "pred_count": [30, 10, 7]}
    )
    result = audit_attention(
        _two_areas(0, 0), predictions=points, population_columns=["a", "b"], n_boot=0
    )
    assert result.total_attention == 40
    assert result.by_group()["a"].per_1000 == pytest.approx(150.0)
    assert any("1 prediction point(s) with 7 prediction(s)" in w for w in result.warnings)


def test_audit_attention_bootstrap_interval_contains_estimate():
    features = [_square(i, 0, a=100 + 10 * i, b=50 + 30 * i, count=5 + 3 * i) for i in range(8)]
    group = audit_attention(features, population_columns=["a", "b"], reference="a").by_group()["b"]
    assert group.ratio_ci is not None
    assert group.ratio_ci[0] <= group.ratio <= group.ratio_ci[1]


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 1000), min_size=3, max_size=3).filter(lambda c: sum(c) > 0),
    scale=st.floats(0.01, 1000),
)
def test_audit_attention_ratios_invariant_to_scaling_counts(counts, scale):
    def run(factor: float):
        features = [
            _square(i, 0, a=10 + i, b=40 - 9 * i, count=c * factor) for i, c in enumerate(counts)
        ]
        return audit_attention(features, population_columns=["a", "b"], reference="a", n_boot=50)

    base, scaled = run(1.0).by_group()["b"], run(scale)
    assert scaled.by_group()["b"].ratio == pytest.approx(base.ratio)
    assert scaled.by_group()["b"].ratio_ci == pytest.approx(base.ratio_ci)
    assert scaled.lorenz.gini == pytest.approx(run(1.0).lorenz.gini)


def test_audit_attention_missing_population_column_names_it():
    with pytest.raises(InputError, match="'c' is missing") as info:
        audit_attention(_two_areas(), population_columns=["a", "c"])
    assert info.value.column == "c"


def test_audit_attention_rejects_negative_count():
    with pytest.raises(InputError, match="want >= 0"):
        audit_attention(_two_areas(count_b=-1), population_columns=["a", "b"])


def test_audit_attention_counts_zero_population_areas():
    features = [*_two_areas(), _square(5, 5, a=0, b=0, count=4)]
    result = audit_attention(features, population_columns=["a", "b"], n_boot=0)
    assert result.n_areas == 2
    assert any("1 area(s) with no residents and 4 prediction(s)" in w for w in result.warnings)


def test_audit_attention_income_bands():
    features = [_square(i, 0, a=100, b=100, count=10 * (4 - i), income=i) for i in range(4)]
    result = audit_attention(
        features, population_columns=["a", "b"], income_column="income", income_bands=2, n_boot=0
    )
    assert [b.per_1000 for b in result.income_bands] == pytest.approx([175.0, 75.0])


def test_audit_attention_markup_black_and_latino_exposure_exceeds_white(shared_data):
    """The Markup (2021): block groups with more Black and Latino residents drew more."""
    folder = shared_data / "crime" / "predpol-markup-audit" / "blockgroup_geojson"
    files = sorted(folder.glob("*-geojson-with-data.json"))
    assert len(files) == 39
    black, latino = {}, {}
    for file in files:
        result = audit_attention(
            read_geojson(file),
            population_columns=GROUPS,
            total_column="total_estimate",
            reference="white_alone",
            n_boot=0,
        )
        black[file.name] = result.by_group()["black_alone"].ratio
        latino[file.name] = result.by_group()["latino_alone"].ratio
    # Verified on commit 6cb1a66 of the-markup/investigation-prediction-bias: 31 of 39
    # departments have Black/White > 1 and 31 have Latino/White > 1; the rest are below 1.
    assert sum(r > 1 for r in black.values()) >= 30
    assert sum(r > 1 for r in latino.values()) >= 28
    assert black["elgin-geojson-with-data.json"] == pytest.approx(1.93, abs=0.01)
    assert black["boonecounty-geojson-with-data.json"] < 1  # a department where it does not agree
