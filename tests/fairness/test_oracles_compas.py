"""The COMPAS audit checked against published numbers and two peer libraries.

Data: ProPublica's ``compas-scores-two-years.csv`` (7,214 people screened in
Broward County, 2013-14). The repository copy ``mohtasib/data/demo/compas.csv``
is used when present, else the shared data directory; the module is skipped
with a message when neither exists. A person is flagged when
``decile_score >= 5`` (ProPublica's "medium or high"); the label is
``two_year_recid``.

Peers: Aequitas 1.1 (``Group().get_crosstabs``) and Fairlearn 0.15
(``MetricFrame``). Every rate they share with mohtasib must agree to 1e-12,
except rates mohtasib suppresses (denominator below 10), which must be exactly
those with such a denominator.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mohtasib.fairness import SUPPRESS_BELOW, DisparityAudit, audit
from mohtasib.io import read_table

ROOT = Path(__file__).resolve().parents[2]
REPO_COPY = ROOT / "mohtasib" / "data" / "demo" / "compas.csv"
SHARED_COPY = (
    ROOT.parent
    / "shared"
    / "data"
    / "fairness"
    / "compas-propublica"
    / "compas-scores-two-years.csv"
)
COLUMNS = [
    "sex",
    "age_cat",
    "race",
    "decile_score",
    "score_text",
    "two_year_recid",
    "is_recid",
    "days_b_screening_arrest",
    "c_charge_degree",
]
ATTRIBUTES = ["race", "sex", "age_cat"]
THRESHOLD = 5

# mohtasib metric key -> Aequitas crosstab column holding the same rate.
AEQUITAS_RATES = {
    "tpr": "tpr",
    "tnr": "tnr",
    "fpr": "fpr",
    "fnr": "fnr",
    "ppv": "precision",
    "npv": "npv",
    "fdr": "fdr",
    "for": "for",
    "base_rate": "prev",
    "selection_rate": "pprev",
}
# mohtasib metric key -> Aequitas count column equal to the rate's denominator.
AEQUITAS_DENOMINATORS = {
    "selection_rate": "group_size",
    "base_rate": "group_size",
    "tpr": "group_label_pos",
    "fnr": "group_label_pos",
    "fpr": "group_label_neg",
    "tnr": "group_label_neg",
    "ppv": "pp",
    "fdr": "pp",
    "npv": "pn",
    "for": "pn",
}

PEER_WARNINGS = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning"),
]


def _peer_warnings(func):
    for mark in PEER_WARNINGS:
        func = mark(func)
    return func


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    for path in (REPO_COPY, SHARED_COPY):
        if path.is_file():
            return read_table(path, columns=COLUMNS).frame
    pytest.skip(f"COMPAS data not found at {REPO_COPY} or {SHARED_COPY}")


@pytest.fixture(scope="module")
def full_audit(compas: pd.DataFrame) -> dict[str, DisparityAudit]:
    """The audit of all rows, by the attribute or intersection to look up.

    race and sex are audited with their intersection; age_cat on its own, because
    the full three-way cross adds a dozen Boschloo tests (over 10 s) and nothing
    that these tests compare.
    """
    common = {"label": "two_year_recid", "score": "decile_score", "threshold": THRESHOLD}
    race_sex = audit(
        compas,
        attributes=["race", "sex"],
        intersections=True,
        reference={"race": "Caucasian"},
        **common,
    )
    age = audit(compas, attributes=["age_cat"], **common)
    return {"race": race_sex, "sex": race_sex, "race × sex": race_sex, "age_cat": age}


def _disparity(result: DisparityAudit, attribute: str, group: str, metric: str):
    (found,) = [
        d
        for d in result.disparities
        if (d.attribute, d.group, d.metric) == (attribute, group, metric)
    ]
    return found


def _rates(audits: dict[str, DisparityAudit], attribute: str) -> dict[str, object]:
    return {g.group: g for g in audits[attribute].groups if g.attribute == attribute}


def _assert_rate_agrees(rate, want: float, want_denominator: int) -> None:
    assert rate.denominator == want_denominator
    if want_denominator < SUPPRESS_BELOW:
        assert rate.value is None
        assert rate.flags in (("suppressed",), ("no_denominator",))
    else:
        assert rate.value is not None
        assert rate.value == pytest.approx(want, abs=1e-12)


# ---------------------------------------------------------------- published ratios


def test_compas_has_7214_rows(compas: pd.DataFrame) -> None:
    assert len(compas) == 7214


def test_compas_fpr_ratio_all_rows_matches_published_value(
    full_audit: dict[str, DisparityAudit],
) -> None:
    d = _disparity(full_audit["race"], "race", "African-American", "fpr")
    assert d.reference == "Caucasian"
    assert round(d.ratio, 4) == 1.9121
    assert d.ratio_method == "katz"
    assert [round(b, 4) for b in d.ratio_ci] == [1.7212, 2.1241]


def test_compas_fpr_ratio_on_propublica_filter_matches_published_value(
    compas: pd.DataFrame,
) -> None:
    keep = (
        (compas["days_b_screening_arrest"].abs() <= 30)
        & (compas["is_recid"] != -1)
        & (compas["c_charge_degree"] != "O")
        & (compas["score_text"] != "N/A")
    )
    filtered = compas[keep]
    assert len(filtered) == 6172
    result = audit(
        filtered,
        label="two_year_recid",
        attributes=["race"],
        score="decile_score",
        threshold=THRESHOLD,
        reference={"race": "Caucasian"},
    )
    d = _disparity(result, "race", "African-American", "fpr")
    assert round(d.ratio, 4) == 1.9232
    assert [round(b, 4) for b in d.ratio_ci] == [1.7081, 2.1655]


# ---------------------------------------------------------------- Aequitas


@pytest.fixture(scope="module")
def aequitas_crosstabs(compas: pd.DataFrame) -> pd.DataFrame:
    group_module = pytest.importorskip("aequitas.group")
    frame = pd.DataFrame(
        {
            "score": (compas["decile_score"] >= THRESHOLD).astype(int),
            "label_value": compas["two_year_recid"].astype(int),
            **{a: compas[a].astype(str) for a in ATTRIBUTES},
        }
    )
    crosstabs, _ = group_module.Group().get_crosstabs(frame)
    return crosstabs


@_peer_warnings
@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_compas_group_rates_agree_with_aequitas(
    full_audit: dict[str, DisparityAudit], aequitas_crosstabs: pd.DataFrame, attribute: str
) -> None:
    ours = _rates(full_audit, attribute)
    theirs = aequitas_crosstabs[aequitas_crosstabs["attribute_name"] == attribute]
    assert sorted(ours) == sorted(theirs["attribute_value"])
    for _, row in theirs.iterrows():
        group = ours[row["attribute_value"]]
        assert group.n == row["group_size"]
        for metric, column in AEQUITAS_RATES.items():
            _assert_rate_agrees(
                group.rates[metric], row[column], int(row[AEQUITAS_DENOMINATORS[metric]])
            )


def test_compas_suppression_is_exercised_by_a_small_group(
    full_audit: dict[str, DisparityAudit],
) -> None:
    # Native American: 18 people, 8 without recorded reoffence, so FPR is suppressed.
    group = _rates(full_audit, "race")["Native American"]
    assert group.rates["fpr"].denominator == 8
    assert group.rates["fpr"].value is None
    assert group.rates["tpr"].value is not None


@_peer_warnings
def test_compas_aequitas_ppr_is_share_of_flags_not_selection_rate(
    full_audit: dict[str, DisparityAudit], aequitas_crosstabs: pd.DataFrame
) -> None:
    # Aequitas's "Predicted Positive Rate" (ppr) is a group's share of all flags; its
    # "Statistical Parity" compares those shares. mohtasib's selection rate is the
    # share of the group that is flagged (Aequitas's pprev). They are different numbers.
    ours = _rates(full_audit, "race")
    theirs = aequitas_crosstabs[aequitas_crosstabs["attribute_name"] == "race"]
    total_flags = theirs["pp"].sum()
    for _, row in theirs.iterrows():
        selection = ours[row["attribute_value"]].rates["selection_rate"].value
        assert row["ppr"] == pytest.approx(row["pp"] / total_flags, abs=1e-12)
        assert abs(row["ppr"] - selection) > 0.05


# ---------------------------------------------------------------- Fairlearn


def _fairlearn_by_group(compas: pd.DataFrame, features: pd.Series | pd.DataFrame) -> pd.DataFrame:
    metrics = pytest.importorskip("fairlearn.metrics")
    from sklearn.metrics import precision_score

    frame = metrics.MetricFrame(
        metrics={
            "selection_rate": metrics.selection_rate,
            "tpr": metrics.true_positive_rate,
            "fpr": metrics.false_positive_rate,
            "fnr": metrics.false_negative_rate,
            "tnr": metrics.true_negative_rate,
            "ppv": partial(precision_score, zero_division=np.nan),
        },
        y_true=compas["two_year_recid"].astype(int),
        y_pred=(compas["decile_score"] >= THRESHOLD).astype(int),
        sensitive_features=features,
    )
    return frame.by_group


def _denominators(compas: pd.DataFrame, mask: pd.Series) -> dict[str, int]:
    """Each shared metric's denominator for the rows in ``mask``, counted directly."""
    y = compas.loc[mask, "two_year_recid"]
    flagged = compas.loc[mask, "decile_score"] >= THRESHOLD
    return {
        "selection_rate": int(mask.sum()),
        "tpr": int((y == 1).sum()),
        "fnr": int((y == 1).sum()),
        "fpr": int((y == 0).sum()),
        "tnr": int((y == 0).sum()),
        "ppv": int(flagged.sum()),
    }


@_peer_warnings
@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_compas_group_rates_agree_with_fairlearn(
    compas: pd.DataFrame, full_audit: dict[str, DisparityAudit], attribute: str
) -> None:
    by_group = _fairlearn_by_group(compas, compas[attribute])
    ours = _rates(full_audit, attribute)
    assert sorted(ours) == sorted(by_group.index)
    for group, row in by_group.iterrows():
        dens = _denominators(compas, compas[attribute] == group)
        for metric, value in row.items():
            _assert_rate_agrees(ours[group].rates[metric], value, dens[metric])


@_peer_warnings
def test_compas_intersection_rates_agree_with_fairlearn(
    compas: pd.DataFrame, full_audit: dict[str, DisparityAudit]
) -> None:
    by_group = _fairlearn_by_group(compas, compas[["race", "sex"]])
    ours = _rates(full_audit, "race × sex")
    assert sorted(ours) == sorted(f"{r} × {s}" for r, s in by_group.index)
    suppressed = 0
    for (race, sex), row in by_group.iterrows():
        group = ours[f"{race} × {sex}"]
        dens = _denominators(compas, (compas["race"] == race) & (compas["sex"] == sex))
        for metric, value in row.items():
            _assert_rate_agrees(group.rates[metric], value, dens[metric])
            suppressed += group.rates[metric].value is None
    assert suppressed > 0  # small intersections do occur, and are suppressed
