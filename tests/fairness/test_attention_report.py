"""Attention audit in reports: the HTML section, ``--format html`` and the audit-config section.

The areas here are SYNTHETIC (hand-made squares with invented residents and counts).
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from mohtasib.audit import run_audit
from mohtasib.cli._fairness import fairness
from mohtasib.errors import InputError
from mohtasib.fairness import audit_attention
from mohtasib.report import ReportSection, section_html
from mohtasib.report._attention_findings import ATTENTION_LIMITS, attention_findings


def _square(x0: float, **props: float) -> dict:
    ring = [[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": props}  # fmt: skip


def _write_areas(path):
    features = [
        _square(i, a=100 + 20 * i, b=150 - 15 * i, count=5 + 4 * i, income=i) for i in range(8)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def test_attention_findings_end_with_gini_and_never_promise_an_outcome():
    features = [_square(i, a=100 + 20 * i, b=150 - 15 * i, count=5 + 4 * i) for i in range(8)]
    result = audit_attention(features, population_columns=["a", "b"], reference="a", n_boot=200)
    sentences = attention_findings(result)
    assert any(s.startswith("b: ") and "times the reference a" in s for s in sentences)
    text = " ".join(sentences + list(ATTENTION_LIMITS)).lower()
    assert "unbiased" not in text and " fair " not in text


def test_attention_section_html_has_tables_figures_and_limits():
    features = [
        _square(i, a=100 + 20 * i, b=150 - 15 * i, count=5 + 4 * i, income=i) for i in range(8)
    ]
    result = audit_attention(
        features, population_columns=["a", "b"], income_column="income", n_boot=100
    )
    html = section_html(ReportSection("attention", "Attention", result, "SYNTHETIC areas"))
    for anchor in ('id="attention-groups"', 'id="attention-targeting"', 'id="attention-income"'):
        assert anchor in html
    assert html.count("<svg") == 3
    assert "What this cannot show" in html and "http://" not in html.replace("http://www.w3", "")


def test_attention_command_writes_html(tmp_path):
    areas = tmp_path / "areas.geojson"
    _write_areas(areas)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        fairness,
        ["attention", "--areas", str(areas), "--population-columns", "a,b", "--format", "html",
         "--out", str(out), "--n-boot", "50", "--data-note", "SYNTHETIC areas"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "SYNTHETIC areas" in text and 'id="attention-groups"' in text


def test_attention_command_raises_input_error_naming_row_and_column(tmp_path):
    areas = tmp_path / "areas.geojson"
    _write_areas(areas)
    result = CliRunner().invoke(
        fairness, ["attention", "--areas", str(areas), "--population-columns", "a,missing"]
    )
    # The top-level group turns an InputError into exit code 3 and a one-line message.
    assert isinstance(result.exception, InputError)
    assert (result.exception.row, result.exception.column) == (1, "missing")


def test_audit_config_attention_section(tmp_path):
    _write_areas(tmp_path / "areas.geojson")
    config = tmp_path / "audit.yaml"
    config.write_text(
        "sections:\n  attention:\n    areas: areas.geojson\n    population_columns: [a, b]\n"
        "    income_column: income\n    n_boot: 50\n    data_note: SYNTHETIC areas\n"
    )
    run = run_audit(config, out_dir=tmp_path / "out")
    section = json.loads(run.json_path.read_text())["sections"]["attention"]
    assert section["result"]["kind"] == "attention"
    assert len(section["result"]["groups"]) == 2
    assert 'id="attention-groups"' in run.html_path.read_text()
