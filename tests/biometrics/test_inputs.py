"""Bad input: clear errors naming file, row and column, or counted warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mohtasib.biometrics import (
    audit_comparisons,
    comparisons_from_frame,
    evaluate_policy,
    read_score_matrix,
    subjects_from_frame,
)
from mohtasib.errors import InputError


def _frame(**over):
    data = {
        "probe_id": ["a1", "a2", "b1", "a1"],
        "reference_id": ["a2", "b1", "b2", "b2"],
        "probe_subject": ["A", "A", "B", "A"],
        "reference_subject": ["A", "B", "B", "B"],
        "score": [0.9, 0.2, 0.8, 0.7],
    }
    data.update(over)
    return pd.DataFrame(data)


SUBJECTS = pd.DataFrame({"subject_id": ["A", "B"], "sex": ["F", "M"]})


def test_comparisons_reject_nan_score_naming_row_and_column():
    with pytest.raises(InputError, match="row 2, column 'score'"):
        comparisons_from_frame(_frame(score=[0.9, np.nan, 0.8, 0.7]), source="c.csv")


def test_comparisons_drop_infinite_scores_when_asked_and_count_them():
    comp = comparisons_from_frame(_frame(score=[0.9, np.inf, 0.8, 0.7]), on_nonfinite="drop")
    assert comp.n == 3
    assert comp.warnings == ("1 comparisons with a NaN or infinite score were dropped",)


def test_comparisons_reject_self_comparison():
    with pytest.raises(InputError, match="compared with itself"):
        comparisons_from_frame(_frame(reference_id=["a1", "b1", "b2", "b2"]))


def test_comparisons_reject_duplicate_pairs_in_either_order_when_symmetric():
    frame = _frame(probe_id=["a1", "a2", "b1", "a2"], reference_id=["a2", "b1", "b2", "a1"])
    comparisons_from_frame(frame)  # ordered: a2 vs a1 is another comparison
    with pytest.raises(InputError, match="duplicate comparison"):
        comparisons_from_frame(frame, symmetric=True)


def test_comparisons_reject_mixed_conventions():
    frame = _frame(higher_is_similar=[True, True, False, True])
    with pytest.raises(InputError, match="mixed similarity and distance"):
        comparisons_from_frame(frame)


def test_unknown_subject_names_comparisons_row():
    comp = comparisons_from_frame(_frame(), source="c.csv")
    table = subjects_from_frame(SUBJECTS.iloc[:1], group_by=["sex"], source="s.csv")
    with pytest.raises(InputError, match=r"file c.csv, row 2, column 'reference_subject'"):
        audit_comparisons(comp, table, group_by=["sex"], threshold=0.5)


def test_group_without_genuine_pairs_has_fnmr_not_estimable_never_zero():
    frame = _frame(reference_subject=["A", "B", "A", "B"])  # B has no genuine pair
    comp = comparisons_from_frame(frame)
    table = subjects_from_frame(SUBJECTS, group_by=["sex"])
    result = audit_comparisons(comp, table, group_by=["sex"], threshold=0.5, n_bootstrap=50)
    m = next(g for g in result.groups if g.group == "M")
    assert m.fnmr.value is None and m.fnmr.trials == 0
    assert m.to_dict()["fnmr"] is None
    assert any("'M' has no genuine" in w for w in result.warnings)


def test_swapped_convention_is_warned():
    comp = comparisons_from_frame(_frame(score=[0.1, 0.9, 0.2, 0.8]))
    table = subjects_from_frame(SUBJECTS, group_by=["sex"])
    result = audit_comparisons(comp, table, group_by=["sex"], threshold=0.5, n_bootstrap=0)
    assert any("less similar than impostor" in w for w in result.warnings)


def test_score_matrix_rejects_nan_cell(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(",X,Y\nX,0.9,0.1\nY,,0.8\n")
    with pytest.raises(InputError, match="row 2, column 'X'"):
        read_score_matrix(path)


def test_policy_table_verdicts():
    checks = evaluate_policy(
        {
            "worst_group_fmr_target": {"value": 0.01},
            "candidate_list_cap": 20,
            "two_person_blind_verification": {"value": True, "evidence": "SOP 4.2"},
            "retest_interval_months": {"value": 36, "evidence": "plan"},
        },
        worst_group_fmr=0.05,
    )
    status = {c.key: c.status for c in checks}
    assert status["worst_group_fmr_target"] == "fail"
    assert status["candidate_list_cap"] == "evidence missing"
    assert status["two_person_blind_verification"] == "pass"
    assert status["retest_interval_months"] == "fail"
    assert status["public_reporting"] == "fail"
