"""``mohtasib biometrics audit`` writes the JSON layout of the issue."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from mohtasib.cli._biometrics import biometrics
from mohtasib.errors import ConfigError


def _write(tmp_path):
    rng = np.random.default_rng(3)  # SYNTHETIC: 40 subjects, 2 samples each
    subjects = pd.DataFrame(
        {
            "subject_id": [f"s{i}" for i in range(40)],
            "sex": ["F", "M"] * 20,
            "age_band": ["young"] * 20 + ["old"] * 20,
        }
    )
    rows = []
    for i in range(40):
        for j in range(40):
            genuine = i == j
            rows.append(
                (f"s{i}/p", f"s{j}/r", f"s{i}", f"s{j}", rng.normal(0.8 if genuine else 0.3, 0.15))
            )
    comp = pd.DataFrame(
        rows, columns=["probe_id", "reference_id", "probe_subject", "reference_subject", "score"]
    )
    comp.to_csv(tmp_path / "c.csv", index=False)
    subjects.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "p.yaml").write_text("public_reporting: {value: true, evidence: url}\n")


def test_cli_audit_json_has_the_issue_keys(tmp_path):
    _write(tmp_path)
    args = [
        "audit",
        "--comparisons",
        str(tmp_path / "c.csv"),
        "--subjects",
        str(tmp_path / "s.csv"),
        "--group-by",
        "sex,age_band",
        "--threshold",
        "0.6",
        "--fmr-target",
        "1e-2",
        "--policy",
        str(tmp_path / "p.yaml"),
        "--bootstrap",
        "100",
    ]
    result = CliRunner().invoke(biometrics, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "schema_version",
        "threshold",
        "groups",
        "cross_group_fmr",
        "summary",
        "recommended_threshold",
        "warnings",
    } <= set(data)
    assert {
        "group",
        "n_subjects",
        "n_impostor",
        "n_genuine",
        "fmr",
        "fmr_ci",
        "fnmr",
        "fnmr_ci",
        "fta",
    } <= set(data["groups"][0])
    assert {
        "fmr_max_min_ratio",
        "fmr_max_min_ratio_ci",
        "fnmr_max_min_ratio",
        "inequity_rate",
        "garbe",
        "fdr",
    } <= set(data["summary"])
    assert len(data["cross_group_fmr"]) == 16
    assert {"probe_group", "reference_group", "fmr", "n"} <= set(data["cross_group_fmr"][0])
    assert [s["status"] for s in data["safeguards"] if s["key"] == "public_reporting"] == ["pass"]


def test_cli_bad_group_by_is_a_config_error(tmp_path):
    _write(tmp_path)
    args = [
        "audit",
        "--comparisons",
        str(tmp_path / "c.csv"),
        "--subjects",
        str(tmp_path / "s.csv"),
        "--group-by",
        ",",
        "--threshold",
        "0.6",
    ]
    result = CliRunner().invoke(biometrics, args)
    assert result.exit_code != 0
    assert "--group-by" in str(result.exception)


def test_cli_audit_html_is_one_self_contained_section(tmp_path):
    _write(tmp_path)
    out = tmp_path / "face.html"
    args = [
        "audit",
        "--comparisons",
        str(tmp_path / "c.csv"),
        "--subjects",
        str(tmp_path / "s.csv"),
        "--group-by",
        "sex,age_band",
        "--threshold",
        "0.6",
        "--fmr-target",
        "1e-2",
        "--bootstrap",
        "20",
        "--format",
        "html",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(biometrics, args)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Face-recognition audit" in html
    assert "<svg" in html  # heat map and DET curves inline
    assert 'src="http' not in html and 'href="http' not in html
    assert "F|old" in html or "old|F" in html
    assert "FMR: worst " in html and "the same two groups were the extremes in" in html


def _audit_args(tmp_path, comparisons, *extra):
    return [
        "audit",
        "--comparisons",
        str(comparisons),
        "--subjects",
        str(tmp_path / "s.csv"),
        "--group-by",
        "sex,age_band",
        "--threshold",
        "0.6",
        "--bootstrap",
        "50",
        *extra,
    ]


def test_cli_stream_gives_the_in_memory_rates_and_intervals(tmp_path):
    _write(tmp_path)
    pd.read_csv(tmp_path / "c.csv").to_parquet(tmp_path / "c.parquet", index=False)
    runner = CliRunner()
    memory = runner.invoke(biometrics, _audit_args(tmp_path, tmp_path / "c.parquet"))
    stream = runner.invoke(biometrics, _audit_args(tmp_path, tmp_path / "c.parquet", "--stream"))
    assert memory.exit_code == 0 and stream.exit_code == 0, stream.output
    a, b = json.loads(memory.output), json.loads(stream.output)
    assert "streamed" in b["parameters"] and "streamed" not in a["parameters"]
    for data in (a, b):
        for g in data["groups"]:
            g.pop("eer")
    assert a["groups"] == b["groups"] and a["summary"] == b["summary"]
    assert a["cross_group_fmr"] == b["cross_group_fmr"]


def test_cli_stream_needs_a_long_parquet_file(tmp_path):
    _write(tmp_path)
    result = CliRunner().invoke(biometrics, _audit_args(tmp_path, tmp_path / "c.csv", "--stream"))
    assert isinstance(result.exception, ConfigError) and result.exception.exit_code == 4
    assert "Parquet" in str(result.exception)
