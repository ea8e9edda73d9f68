"""Behaviour of :func:`mohtasib.fairness.audit` on small generated tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError
from mohtasib.fairness import MISSING, SUPPRESS_BELOW, DisparityAudit, audit

METRICS = ("selection_rate", "base_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for")


def _people(group: str, n: int, *, seed: int, sex: tuple[str, ...] = ("F", "M")) -> pd.DataFrame:
    """``n`` rows of one group: a label, a score in [0, 1] and a flag (score >= 0.5)."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(size=n)
    label = (rng.uniform(size=n) < 0.2 + 0.6 * score).astype(int)
    return pd.DataFrame(
        {
            "race": group,
            "sex": [sex[i % len(sex)] for i in range(n)],
            "y": label,
            "score": score,
            "flag": (score >= 0.5).astype(int),
        }
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    """Groups of 120 (B), 80 (A) and 40 (C) rows."""
    return pd.concat(
        [_people("A", 80, seed=1), _people("B", 120, seed=2), _people("C", 40, seed=3)],
        ignore_index=True,
    )


def _group(result: DisparityAudit, attribute: str, group: str):
    (found,) = [g for g in result.groups if (g.attribute, g.group) == (attribute, group)]
    return found


def _run(data: pd.DataFrame, **options) -> DisparityAudit:
    options = {"label": "y", "attributes": ["race"], "prediction": "flag", **options}
    return audit(data, **options)


# ---------------------------------------------------------------- missing values


def test_audit_missing_attribute_values_form_the_missing_group(frame: pd.DataFrame) -> None:
    frame["race"] = frame["race"].astype(object)
    frame.loc[:11, "race"] = None  # 12 rows of group A lose their attribute
    result = _run(frame)
    missing = _group(result, "race", MISSING)
    assert missing.n == 12
    assert missing.share == pytest.approx(12 / 240)
    assert "missing_attribute" in missing.flags
    assert _group(result, "race", "A").n == 68
    assert sum(g.n for g in result.groups if g.attribute == "race") == 240
    assert any("12 row(s) have no value for 'race'" in w for w in result.warnings)


def test_audit_missing_group_is_never_the_default_reference(frame: pd.DataFrame) -> None:
    frame["race"] = frame["race"].astype(object)
    frame.loc[:199, "race"] = None  # 200 missing, larger than any real group
    assert _run(frame).references["race"] == "C"


def test_audit_missing_labels_are_left_out_of_outcome_rates_only(frame: pd.DataFrame) -> None:
    frame["y"] = frame["y"].astype(float)
    a_rows = frame.index[frame["race"] == "A"][:5]
    frame.loc[a_rows, "y"] = np.nan
    result = _run(frame)
    group = _group(result, "race", "A")
    assert group.missing == 5
    assert group.rates["selection_rate"].denominator == 80
    assert group.rates["selection_rate"].numerator == int(
        frame.loc[frame.race == "A", "flag"].sum()
    )
    assert group.rates["base_rate"].denominator == 75
    rates = group.rates
    assert rates["tpr"].denominator + rates["fpr"].denominator == 75
    assert rates["ppv"].denominator + rates["npv"].denominator == 75
    assert any("5 row(s) have no value for the label 'y'" in w for w in result.warnings)
    assert _group(result, "race", "B").missing == 0


# ---------------------------------------------------------------- small numbers


def test_audit_suppresses_rates_below_ten_and_flags_low_precision(frame: pd.DataFrame) -> None:
    small = _people("D", SUPPRESS_BELOW - 1, seed=4)
    borderline = _people("E", SUPPRESS_BELOW, seed=5)
    result = _run(pd.concat([frame, small, borderline], ignore_index=True), min_denominator=50)
    for g in (g for g in result.groups if g.attribute == "race"):
        for metric, rate in g.rates.items():
            if rate.denominator == 0:
                assert (rate.value, rate.flags) == (None, ("no_denominator",)), (g.group, metric)
            elif rate.denominator < SUPPRESS_BELOW:
                assert (rate.value, rate.ci, rate.flags) == (None, None, ("suppressed",))
            elif rate.denominator < 50:
                assert rate.value is not None and rate.flags == ("low_precision",)
            else:
                assert rate.value is not None and rate.flags == ()
    d_group = _group(result, "race", "D")
    assert d_group.rates["selection_rate"].value is None
    assert _group(result, "race", "E").rates["selection_rate"].flags == ("low_precision",)
    assert any("fewer than 10 rows" in w for w in result.warnings)


def test_audit_comparisons_with_a_suppressed_rate_are_suppressed(frame: pd.DataFrame) -> None:
    result = _run(pd.concat([frame, _people("D", 6, seed=4)], ignore_index=True))
    for d in result.disparities:
        if d.group == "D":
            assert d.flags == ("suppressed",)
            assert (d.ratio, d.p_value, d.p_holm, d.p_bh) == (None, None, None, None)


def test_audit_family_size_counts_the_non_null_p_values(frame: pd.DataFrame) -> None:
    result = _run(pd.concat([frame, _people("D", 6, seed=4)], ignore_index=True))
    p_values = [d.p_value for d in result.disparities]
    assert result.family_size == sum(p is not None for p in p_values)
    assert 0 < result.family_size < len(p_values)
    assert result.to_dict()["family_size"] == result.family_size
    for d in result.disparities:
        assert (d.p_value is None) == (d.p_holm is None) == (d.p_bh is None)
        if d.p_value is not None:
            assert d.p_value <= d.p_bh <= d.p_holm <= 1


# ---------------------------------------------------------------- reference groups


def test_audit_reference_defaults_to_the_largest_group(frame: pd.DataFrame) -> None:
    result = _run(frame)
    assert result.references == {"race": "B"}
    assert {d.reference for d in result.disparities} == {"B"}
    assert "B" not in {d.group for d in result.disparities}


def test_audit_reference_tie_is_broken_by_label(frame: pd.DataFrame) -> None:
    tied = pd.concat([_people("Z", 120, seed=9), frame], ignore_index=True)
    assert _run(tied).references["race"] == "B"


def test_audit_stated_reference_is_used_and_reported(frame: pd.DataFrame) -> None:
    result = _run(frame, reference={"race": "C"})
    assert result.references == {"race": "C"}
    assert {d.reference for d in result.disparities} == {"C"}
    assert result.to_dict()["references"] == {"race": "C"}


def test_audit_every_grouping_has_a_reference(frame: pd.DataFrame) -> None:
    result = _run(frame, attributes=["race", "sex"], intersections=True)
    groupings = {g.attribute for g in result.groups}
    assert set(result.references) == groupings == {"race", "sex", "race × sex"}


def test_audit_stated_reference_that_does_not_occur_raises(frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'Q' does not occur") as info:
        _run(frame, reference={"race": "Q"})
    assert info.value.column == "race"
    assert "A, B, C" in str(info.value)


# ---------------------------------------------------------------- options and input errors


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prediction": None}, "want either a prediction column"),
        ({"prediction": None, "score": "score"}, "want either a prediction column"),
        ({"prediction": None, "threshold": 0.5}, "want either a prediction column"),
        ({"threshold": 0.5}, "threshold was given without a score"),
        ({"threshold": 0.5, "score": "score"}, "not both"),
        ({"attributes": []}, "no protected attribute"),
        ({"min_denominator": 0}, "min_denominator"),
        ({"confidence": 1.0}, "confidence"),
        ({"label": "race"}, "named for two roles"),
    ],
)
def test_audit_rejects_inconsistent_options(
    frame: pd.DataFrame, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _run(frame, **options)


def test_audit_non_binary_label_raises_naming_column_and_row(frame: pd.DataFrame) -> None:
    frame.loc[6, "y"] = 2
    with pytest.raises(InputError, match="binary column") as info:
        _run(frame)
    assert (info.value.column, info.value.row, info.value.source) == ("y", 7, "<DataFrame>")
    assert "got 2.0" in str(info.value)


def test_audit_nan_score_raises_naming_column_and_row(frame: pd.DataFrame) -> None:
    frame.loc[3, "score"] = np.nan
    with pytest.raises(InputError, match="finite number") as info:
        _run(frame, prediction=None, score="score", threshold=0.5)
    assert (info.value.column, info.value.row) == ("score", 4)
    assert "got nan" in str(info.value)


def test_audit_score_outside_score_range_raises_naming_column_and_row(
    frame: pd.DataFrame,
) -> None:
    frame.loc[10, "score"] = 1.5
    with pytest.raises(InputError, match="want at most 1") as info:
        _run(frame, prediction=None, score="score", threshold=0.5, score_range=(0, 1))
    assert (info.value.column, info.value.row) == ("score", 11)
    assert "got 1.5;" in str(info.value)
    # Without a stated range the same score is accepted.
    assert _run(frame, prediction=None, score="score", threshold=0.5).n_rows == 240


def test_audit_missing_prediction_raises(frame: pd.DataFrame) -> None:
    frame["flag"] = frame["flag"].astype(float)
    frame.loc[2, "flag"] = np.nan
    with pytest.raises(InputError, match="must be complete") as info:
        _run(frame)
    assert (info.value.column, info.value.row) == ("flag", 3)


def test_audit_score_and_threshold_equal_the_prediction_they_imply(frame: pd.DataFrame) -> None:
    by_flag = _run(frame).to_dict()
    by_score = _run(frame, prediction=None, score="score", threshold=0.5).to_dict()
    assert by_flag["groups"] == by_score["groups"]
    assert by_flag["disparities"] == by_score["disparities"]


# ---------------------------------------------------------------- JSON layout


GROUP_KEYS = {"attribute", "group", "n", "share", "missing", "flags"} | {
    f"{m}{suffix}" for m in METRICS for suffix in ("", "_ci", "_numerator", "_denominator")
}
DISPARITY_KEYS = {
    "attribute",
    "group",
    "reference",
    "metric",
    "ratio",
    "ratio_ci",
    "ratio_method",
    "difference",
    "difference_ci",
    "p_value",
    "test",
    "p_holm",
    "p_bh",
    "n_to_detect_ratio_1_25",
    "flags",
}


def test_audit_to_dict_has_the_documented_keys(frame: pd.DataFrame) -> None:
    out = _run(frame).to_dict()
    assert out["metrics"] == list(METRICS)
    assert out["groups"] and out["disparities"]
    for row in out["groups"]:
        assert set(row) == GROUP_KEYS
    for row in out["disparities"]:
        assert set(row) == DISPARITY_KEYS
    # Each non-reference group is compared with the reference on every metric.
    assert {(d["group"], d["metric"]) for d in out["disparities"]} == {
        (g, m) for g in ("A", "C") for m in METRICS
    }


def test_audit_to_dict_intervals_are_pairs_around_the_value(frame: pd.DataFrame) -> None:
    for row in _run(frame).to_dict()["groups"]:
        for m in METRICS:
            lo, hi = row[f"{m}_ci"]
            assert lo <= row[m] <= hi
            assert row[m] == pytest.approx(row[f"{m}_numerator"] / row[f"{m}_denominator"])


# ---------------------------------------------------------------- intersections


def test_audit_intersections_add_crossed_groups_with_shrunk_rates(frame: pd.DataFrame) -> None:
    result = _run(frame, attributes=["race", "sex"], intersections=True)
    out = result.to_dict()
    crossed = [g for g in out["groups"] if g["attribute"] == "race × sex"]
    assert sorted(g["group"] for g in crossed) == [f"{r} × {s}" for r in "ABC" for s in "FM"]
    for row in crossed:
        assert set(row) == GROUP_KEYS | {f"{m}_shrunk" for m in METRICS}
    for row in out["groups"]:
        if row["attribute"] != "race × sex":
            assert not any(key.endswith("_shrunk") for key in row)
    assert sum(g["n"] for g in crossed) == 240


def test_audit_without_intersections_reports_marginals_only(frame: pd.DataFrame) -> None:
    result = _run(frame, attributes=["race", "sex"])
    assert {g.attribute for g in result.groups} == {"race", "sex"}
