"""The command line: thin commands, JSON and HTML output, errors without tracebacks."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


def test_version_prints_package_version(runner):
    from mohtasib import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_fairness_audit_json_has_stable_keys(runner, demo_dir):
    args = [
        "fairness", "audit", str(demo_dir / "compas.csv"), "--label", "two_year_recid",
        "--score", "decile_score", "--threshold", "5", "--attr", "race",
        "--reference", "race=Caucasian",
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema_version"] == "1.0"
    assert {"groups", "disparities", "warnings"} <= doc.keys()
    fpr = next(
        d for d in doc["disparities"] if d["group"] == "African-American" and d["metric"] == "fpr"
    )
    assert fpr["reference"] == "Caucasian"
    assert round(fpr["ratio"], 4) == 1.9121
    assert [round(v, 4) for v in fpr["ratio_ci"]] == [1.7212, 2.1241]


def test_fairness_audit_html_is_self_contained(runner, demo_dir, tmp_path):
    out = tmp_path / "audit.html"
    args = [
        "fairness", "audit", str(demo_dir / "compas.csv"), "--label", "two_year_recid",
        "--score", "decile_score", "--threshold", "7", "--attr", "sex",
        "--format", "html", "--out", str(out),
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_missing_column_is_one_line_error_with_exit_code(runner, demo_dir):
    args = [
        "fairness", "audit", str(demo_dir / "compas.csv"), "--label", "no_such_column",
        "--score", "decile_score", "--threshold", "5", "--attr", "race",
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert "no_such_column" in result.output
    assert "compas.csv" in result.output


def test_non_binary_label_names_row_and_column(runner, tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"y": [0, 1, 2], "p": [0, 1, 1], "g": ["a", "b", "a"]}).to_csv(data, index=False)
    result = runner.invoke(
        cli, ["fairness", "audit", str(data), "--label", "y", "--prediction", "p", "--attr", "g"]
    )
    assert result.exit_code == 3
    assert "row 3" in result.output
    assert "'y'" in result.output


def test_conflicting_options_are_config_errors(runner, demo_dir):
    args = [
        "fairness", "audit", str(demo_dir / "compas.csv"), "--label", "two_year_recid",
        "--score", "decile_score", "--attr", "race",
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 4
    assert "threshold" in result.output


def test_bad_reference_pair_is_config_error(runner, demo_dir):
    args = [
        "fairness", "audit", str(demo_dir / "compas.csv"), "--label", "two_year_recid",
        "--score", "decile_score", "--threshold", "5", "--attr", "race",
        "--reference", "Caucasian",
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 4
    assert "ATTRIBUTE=VALUE" in result.output


def test_not_a_table_file_is_input_error(runner, tmp_path):
    data = tmp_path / "scores.xlsx"
    data.write_bytes(b"PK\x03\x04 not a csv")
    result = runner.invoke(
        cli, ["fairness", "audit", str(data), "--label", "y", "--prediction", "p", "--attr", "g"]
    )
    assert result.exit_code == 3
    assert "unsupported file type" in result.output


def test_fairness_stops_runs_on_bundled_nypd(runner, demo_dir):
    args = [
        "fairness", "stops", str(demo_dir / "nypd_sqf_2020.csv.gz"),
        "--group", "SUSPECT_RACE_DESCRIPTION", "--searched", "SEARCHED_FLAG",
        "--found", "WEAPON_FOUND_FLAG", "--found", "OTHER_CONTRABAND_FLAG",
        "--reference", "WHITE",
    ]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    black = next(g for g in doc["groups"] if g["group"] == "BLACK")
    assert black["search_rate_numerator"] == 2249
    assert black["search_rate_denominator"] == 5367
    assert "<missing>" in {g["group"] for g in doc["groups"]}


def test_demo_writes_report_files(runner, tmp_path):
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "report.html").stat().st_size > 10_000
    doc = json.loads((tmp_path / "demo" / "report.json").read_text(encoding="utf-8"))
    sections = {"fairness", "stops", "biometrics", "privacy", "forecast", "attention"}
    assert set(doc["sections"]) == sections
    face = doc["sections"]["biometrics"]["result"]
    assert {g["group"]: (g["fmr_errors"], g["fmr_trials"]) for g in face["groups"]}[
        "0-2|Female"
    ] == (167, 253)
    assert {i["section"] for i in doc["inputs"]} == sections
    assert all(len(i["sha256"]) == 64 for i in doc["inputs"])
    private = doc["sections"]["privacy"]["result"]
    assert private["scan"]["documents"] == 200
    assert private["release"]["cells"] == 22 * 12
    assert private["release"]["budget_mode"] == "per_run"
    assert (tmp_path / "demo" / "privacy-budget.json").is_file()
    backtest = doc["sections"]["forecast"]["result"]
    assert backtest["origins"] == 8
    assert [m["name"] for m in backtest["models"]] == ["naive", "kde", "etas"]
    assert backtest["baseline"] == "naive"
