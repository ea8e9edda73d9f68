"""Every runnable example in examples/ audits cleanly and says what its data are.

The Pakistan example runs on SYNTHETIC data with planted effects; its tests
check that the audit recovers them (each 95% interval covers the planted
value) and that the committed files are what the generator writes.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mohtasib.audit import run_audit
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
# An example with a build.py (the ledger) needs its files built first: it has its own test.
# examples/register/ holds system cards, not audit configs: tests/register/ checks them.
CONFIGS = sorted(
    p
    for p in EXAMPLES.rglob("*.yaml")
    if not (p.parent / "build.py").exists() and "register" not in p.relative_to(EXAMPLES).parts
)
LEDGER = EXAMPLES / "ledger"
PAKISTAN = EXAMPLES / "pakistan"
GENERATED = ("vehicle_stops_synthetic.csv.gz", "risk_flags_synthetic.csv")

# The planted values, as documented in examples/pakistan/generate.py and SYNTHETIC.md.
PLANTED_SEARCH_RATIO = 1.5
PLANTED_HIT_RATIO = 0.20 / 0.30
PLANTED_FPR_RATIO = 2.0
PLANTED_VEIL_COEF = -math.log(2.0)
PLANTED_GROUP = "Khyber Pakhtunkhwa"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Run an example once per module; return its report.json as a dict."""
    done: dict[Path, dict] = {}

    def run(config: Path) -> dict:
        if config not in done:
            out = tmp_path_factory.mktemp(config.stem)
            # Always DuckDB, whatever MOHTASIB_ENGINE says: the Spark engine has its own tests.
            audit = run_audit(config, out_dir=out, engine="duckdb")
            assert audit.html_path.is_file()
            done[config] = json.loads(audit.json_path.read_text(encoding="utf-8"))
        return done[config]

    return run


def _disparity(section: dict, metric: str, group: str) -> dict:
    rows = [
        d for d in section["result"]["disparities"] if (d["metric"], d["group"]) == (metric, group)
    ]
    assert len(rows) == 1, f"want one {metric} row for {group!r}, got {len(rows)}"
    return rows[0]


def test_examples_exist():
    names = {p.relative_to(EXAMPLES).as_posix() for p in CONFIGS}
    assert {"compas-risk-scores.yaml", "nypd-stops-2020.yaml", "pakistan/audit.yaml"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_runs_and_reports_every_section(config, report):
    sections = yaml.safe_load(config.read_text(encoding="utf-8"))["sections"]
    doc = report(config)
    assert set(doc["sections"]) == set(sections)
    for name, body in sections.items():
        section = doc["sections"][name]
        assert section["data_note"] == " ".join(body["data_note"].split())
        assert section["result"]["n_rows"] > 1000
        assert section["result"]["disparities"], f"{name}: no disparities reported"


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_is_described_in_the_readme(config):
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert config.relative_to(REPO).as_posix() in readme


def test_ledger_example_builds_and_reports_its_planted_findings(tmp_path):
    import shutil

    shutil.copy(LEDGER / "audit.yaml", tmp_path / "audit.yaml")
    subprocess.run([sys.executable, str(LEDGER / "build.py"), str(tmp_path)], check=True)
    run = run_audit(tmp_path / "audit.yaml", out_dir=tmp_path / "out")
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    result = doc["sections"]["ledger"]["result"]
    assert "SYNTHETIC" in doc["sections"]["ledger"]["data_note"]
    assert result["accesses"] == 240 and result["denied"] > 0
    assert result["checkpoint"]["consistent"]
    assert result["retention"]["bodies_kept"] > 0  # planted: the sweep ran on 2025-02-15
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert (LEDGER / "audit.yaml").relative_to(REPO).as_posix() in readme


def test_compas_example_finds_the_published_false_positive_gap(report):
    fairness = report(EXAMPLES / "compas-risk-scores.yaml")["sections"]["fairness"]
    assert "ProPublica" in fairness["data_note"]
    row = _disparity(fairness, "fpr", "African-American")
    # ProPublica (2016): 44.9% against 23.5% at the "medium or high" cut (score >= 5).
    assert row["reference"] == "Caucasian"
    assert row["ratio"] == pytest.approx(0.449 / 0.235, rel=0.01)
    assert row["ratio_ci"][0] > 1.5


def test_nypd_example_runs_the_veil_of_darkness(report):
    result = report(EXAMPLES / "nypd-stops-2020.yaml")["sections"]["stops"]["result"]
    assert result["n_rows"] == 9544
    assert result["references"] == {"SUSPECT_RACE_DESCRIPTION": "WHITE"}
    veil = result["veil_of_darkness"]
    assert veil["group"] == "BLACK"
    assert veil["n_used"] > 500
    assert veil["ci"][0] < veil["coef"] < veil["ci"][1]


def test_pakistan_data_notes_say_synthetic_and_name_the_seed(report):
    doc = report(PAKISTAN / "audit.yaml")
    for section in doc["sections"].values():
        assert section["data_note"].startswith(
            "SYNTHETIC data generated by examples/pakistan/generate.py (seed "
        )
    assert "SYNTHETIC" in doc["title"]


def test_pakistan_planted_search_and_hit_ratios_are_recovered(report):
    stops = report(PAKISTAN / "audit.yaml")["sections"]["stops"]
    for metric, planted in (("search_rate", PLANTED_SEARCH_RATIO), ("hit_rate", PLANTED_HIT_RATIO)):
        row = _disparity(stops, metric, PLANTED_GROUP)
        assert row["reference"] == "Punjab"
        low, high = row["ratio_ci"]
        assert low < planted < high, f"{metric}: {planted} outside [{low}, {high}]"
        assert not low < 1 < high, f"{metric}: interval [{low}, {high}] covers 1"


def test_pakistan_missing_province_is_reported_not_dropped(report):
    result = report(PAKISTAN / "audit.yaml")["sections"]["stops"]["result"]
    missing = [g for g in result["groups"] if g["group"] == "<missing>"]
    assert len(missing) == 1
    assert 0.01 < missing[0]["share"] < 0.03
    assert any("'driver_cnic_province'" in w for w in result["warnings"])


def test_pakistan_planted_veil_of_darkness_is_recovered(report):
    veil = report(PAKISTAN / "audit.yaml")["sections"]["stops"]["result"]["veil_of_darkness"]
    assert (veil["group"], veil["reference"]) == (PLANTED_GROUP, "Punjab")
    assert veil["ci"][0] < PLANTED_VEIL_COEF < veil["ci"][1]
    assert veil["ci"][1] < 0


def test_pakistan_planted_false_positive_gap_is_recovered(report):
    fairness = report(PAKISTAN / "audit.yaml")["sections"]["fairness"]
    fpr = _disparity(fairness, "fpr", PLANTED_GROUP)
    assert fpr["ratio_ci"][0] > 1
    assert fpr["ratio_ci"][0] < PLANTED_FPR_RATIO < fpr["ratio_ci"][1]
    tpr = _disparity(fairness, "tpr", PLANTED_GROUP)
    assert tpr["ratio_ci"][0] < 1 < tpr["ratio_ci"][1]


def test_pakistan_generator_reproduces_the_committed_files(tmp_path):
    note = yaml.safe_load((PAKISTAN / "audit.yaml").read_text(encoding="utf-8"))
    seeds = {
        re.search(r"\(seed (\d+)\)", body["data_note"]).group(1)
        for body in note["sections"].values()
    }
    assert len(seeds) == 1
    subprocess.run(
        [
            sys.executable,
            str(PAKISTAN / "generate.py"),
            "--seed",
            seeds.pop(),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for name in GENERATED:
        # Compare the CSV text: gzip output may differ between zlib builds (e.g. zlib-ng).
        assert _text(tmp_path / name) == _text(PAKISTAN / name), f"{name} differs"


def _text(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def test_pakistan_files_are_marked_synthetic():
    sidecar = (PAKISTAN / "SYNTHETIC.md").read_text(encoding="utf-8")
    assert sidecar.startswith("# SYNTHETIC")
    for name in GENERATED:
        assert "synthetic" in name
        assert name in sidecar
