"""Reports: self-contained HTML, schema-versioned JSON, findings in careful words."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from mohtasib import __version__, fairness
from mohtasib.report import (
    REPORT_SCHEMA_VERSION,
    AuditReport,
    ReportSection,
    findings,
    render_html,
    render_json,
    write_report,
)


def _synthetic(seed: int = 3, n: int = 4000, gap: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n, p=[0.6, 0.4])
    label = rng.random(n) < 0.4
    flag_rate = np.where(label, 0.6, 0.2) * np.where(group == "b", 1 + gap, 1.0)
    flagged = rng.random(n) < np.clip(flag_rate, 0, 1)
    return pd.DataFrame({"g": group, "y": label.astype(int), "p": flagged.astype(int)})


def _report(frame: pd.DataFrame) -> AuditReport:
    result = fairness.audit(frame, label="y", prediction="p", attributes=["g"])
    section = ReportSection("fairness", "Bias audit", result, "SYNTHETIC data for a test.")
    return AuditReport(
        title="Test audit", generated_at="2026-01-01T00:00:00+00:00", sections=(section,)
    )


def test_report_json_carries_schema_version_and_provenance():
    doc = json.loads(render_json(_report(_synthetic())))
    assert doc["schema_version"] == REPORT_SCHEMA_VERSION
    assert doc["mohtasib_version"] == __version__
    assert doc["sections"]["fairness"]["result"]["schema_version"] == "1.0"
    assert doc["inputs"] == [
        {"source": "<DataFrame>", "sha256": None, "rows": 4000, "section": "fairness"}
    ]


def test_report_html_has_no_external_reference():
    html = render_html(_report(_synthetic()))
    assert "<svg" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "SYNTHETIC data for a test." in html


def test_findings_report_a_clear_gap_with_its_interval():
    result = _report(_synthetic(gap=0.8)).sections[0].result
    words = findings(result)
    first = next(w for w in words if w.startswith("g = b: selection (flag) rate is"))
    assert "95% CI" in first
    assert "Holm-adjusted p" in first
    assert "family of" in first


def test_findings_without_a_gap_do_not_claim_equal_treatment():
    result = _report(_synthetic(gap=0.0)).sections[0].result
    text = " ".join(findings(result)).lower()
    assert "does not show that groups are treated alike" in text
    for word in ("fair", "unbiased", "safe"):
        assert f" {word} " not in text


def test_write_report_writes_both_files(tmp_path):
    html_path, json_path = write_report(_report(_synthetic()), tmp_path / "out")
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(json_path.read_text(encoding="utf-8"))["title"] == "Test audit"


def test_report_json_never_writes_nan():
    frame = _synthetic()
    frame.loc[frame["g"] == "b", "y"] = 1  # group b has no negatives: its FPR has no denominator
    text = render_json(_report(frame))
    assert "NaN" not in text
    groups = json.loads(text)["sections"]["fairness"]["result"]["groups"]
    b = next(g for g in groups if g["group"] == "b")
    assert b["fpr"] is None
    assert "fpr:no_denominator" in b["flags"]


def test_html_is_deterministic_for_the_same_result():
    a = render_html(_report(_synthetic(seed=1)))
    b = render_html(_report(_synthetic(seed=1)))
    assert a == b
