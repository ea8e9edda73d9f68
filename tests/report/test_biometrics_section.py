"""The face-recognition section: tables, heat map, DET curves, advice, safeguards, careful words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mohtasib.biometrics import (
    BiometricAudit,
    audit_comparisons,
    comparisons_from_frame,
    subjects_from_frame,
)
from mohtasib.report import AuditReport, ReportSection, findings, render_html, section_html


def _synthetic(seed: int = 5, genuine: bool = True) -> BiometricAudit:
    """SYNTHETIC similarity scores: 2 groups x 30 subjects x 2 samples; group b matches more."""
    rng = np.random.default_rng(seed)
    subjects = pd.DataFrame(
        {"subject_id": [f"s{i}" for i in range(60)], "g": ["a"] * 30 + ["b"] * 30}
    )
    rows = []
    for i in range(60):
        for j in range(60):
            if i == j and not genuine:
                continue
            shift = 0.08 if (i >= 30 and j >= 30) else 0.0
            mean = 0.8 if i == j else 0.4 + shift
            rows.append((f"s{i}/1", f"s{j}/2", f"s{i}", f"s{j}", rng.normal(mean, 0.08)))
    frame = pd.DataFrame(
        rows, columns=["probe_id", "reference_id", "probe_subject", "reference_subject", "score"]
    )
    return audit_comparisons(
        comparisons_from_frame(frame),
        subjects_from_frame(subjects, group_by=["g"]),
        group_by=["g"],
        threshold=0.6,
        fmr_target=0.01,
        policy={"worst_group_fmr_target": 0.01, "two_person_blind_verification": True},
        n_bootstrap=200,
    )


def _section(result: BiometricAudit) -> ReportSection:
    return ReportSection("biometrics", "Face recognition", result, "SYNTHETIC scores for a test.")


@pytest.fixture(scope="module")
def with_genuine() -> BiometricAudit:
    return _synthetic()


@pytest.fixture(scope="module")
def impostor_only() -> BiometricAudit:
    return _synthetic(genuine=False)


def test_biometrics_section_has_tables_heat_map_and_det_curves(with_genuine):
    html = section_html(_section(with_genuine))
    for anchor in (
        'id="biometrics"',
        'id="biometrics-groups"',
        'id="biometrics-summary"',
        'id="biometrics-cross-group-fmr"',
        'id="biometrics-det"',
        'id="biometrics-threshold"',
        'id="biometrics-safeguards"',
    ):
        assert anchor in html, anchor
    assert html.count("<svg") == 2
    assert "SYNTHETIC scores for a test." in html
    assert "evidence missing" in html  # stated, but no evidence named


def test_biometrics_section_prints_the_results_numbers(with_genuine):
    html = section_html(_section(with_genuine))
    for g in with_genuine.groups:
        assert f"{g.fmr.errors} / {g.fmr.trials}" in html
        assert f"{g.fnmr.errors} / {g.fnmr.trials}" in html
    ratio = with_genuine.summary.values["fmr_max_min_ratio"]
    assert ratio is not None
    assert f"{ratio:.3g}" in html


def test_impostor_only_data_say_fnmr_is_not_estimable(impostor_only):
    html = section_html(_section(impostor_only))
    assert 'id="biometrics-det"' not in html
    assert "not estimable: no genuine pairs" in html
    words = " ".join(findings(impostor_only))
    assert "no genuine (mated) comparisons" in words
    assert "not zero" in words


def test_biometric_findings_state_data_threshold_and_ratio_interval(with_genuine):
    words = findings(with_genuine)
    assert "at the operating threshold 0.6" in words[0]
    ratio = next(w for w in words if w.startswith("FMR ranged from"))
    assert "times the best group's" in ratio
    assert "subject-bootstrap 95% interval" in ratio
    assert any(w.startswith("FNMR ranged from") for w in words)


def test_biometric_findings_never_certify(with_genuine, impostor_only):
    for result in (with_genuine, impostor_only):
        text = " ".join(findings(result)).lower()
        for word in ("fair", "unbiased", "safe"):
            assert not re.search(rf"\b{word}\b", text), word


def test_biometric_report_renders_whole_and_self_contained(with_genuine):
    report = AuditReport(
        title="t", generated_at="2026-01-01T00:00:00+00:00", sections=(_section(with_genuine),)
    )
    html = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert html == render_html(report)
    doc = report.to_dict()
    assert [i["role"] for i in doc["inputs"]] == ["comparisons", "subjects"]
    assert doc["sections"]["biometrics"]["result"]["kind"] == "biometrics"
