"""The main job: audit configurations are checked key by key and produce a report."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml

from mohtasib.audit import SECTION_KEYS, load_config, run_audit
from mohtasib.errors import ConfigError, InputError
from tests.conftest import DEMO


def _write(tmp_path, config):
    shutil.copy(DEMO / "compas.csv", tmp_path / "compas.csv")
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _fairness(**extra):
    body = {
        "data": "compas.csv",
        "label": "two_year_recid",
        "score": "decile_score",
        "threshold": 5,
        "attributes": ["race"],
    }
    body.update(extra)
    return {"title": "t", "sections": {"fairness": body}}


def test_run_audit_writes_report_with_config_hash(tmp_path):
    path = _write(tmp_path, _fairness(data_note="Real data: COMPAS (ProPublica)."))
    run = run_audit(path, out_dir=tmp_path / "out")
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    assert len(doc["config"]["sha256"]) == 64
    assert doc["config"]["content"]["sections"]["fairness"]["label"] == "two_year_recid"
    assert doc["sections"]["fairness"]["data_note"] == "Real data: COMPAS (ProPublica)."
    assert len(run.report_sha256) == 64


def test_unknown_key_is_named(tmp_path):
    path = _write(tmp_path, _fairness(lable="x"))
    with pytest.raises(ConfigError, match=r"sections\.fairness\.lable"):
        load_config(path)


def test_missing_required_key_is_named(tmp_path):
    config = _fairness()
    del config["sections"]["fairness"]["label"]
    with pytest.raises(ConfigError, match=r"sections\.fairness\.label.*required"):
        load_config(_write(tmp_path, config))


def test_unknown_section_lists_the_known_ones(tmp_path):
    path = _write(tmp_path, {"sections": {"forecast": {}}})
    with pytest.raises(ConfigError, match="want one of fairness, stops, biometrics"):
        load_config(path)


def test_not_yaml_is_config_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("sections: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_missing_data_file_is_input_error(tmp_path):
    path = _write(tmp_path, _fairness(data="absent.csv"))
    with pytest.raises(InputError, match="file not found"):
        run_audit(path, out_dir=tmp_path / "out")


def test_section_keys_cover_every_audit_argument():
    import inspect

    from mohtasib import biometrics, fairness

    for section, func in (("fairness", fairness.audit), ("stops", fairness.audit_stops)):
        keys = set(SECTION_KEYS[section]["required"]) | set(SECTION_KEYS[section]["optional"])
        params = set(inspect.signature(func).parameters) - {"engine"}
        assert params <= keys, f"{section}: config cannot set {sorted(params - keys)}"
    keys = set(SECTION_KEYS["biometrics"]["required"]) | set(SECTION_KEYS["biometrics"]["optional"])
    # The data arguments are the file keys of the same names; the matrix reader's path is
    # `comparisons` with `matrix: true`.
    params = set(inspect.signature(biometrics.audit_comparisons).parameters)
    params |= set(inspect.signature(biometrics.read_score_matrix).parameters) - {"path"}
    assert params <= keys, f"biometrics: config cannot set {sorted(params - keys)}"


def _biometrics(tmp_path, **extra):
    for name in ("fairface540_dlib_comparisons.csv.gz", "fairface540_subjects.csv.gz"):
        shutil.copy(DEMO / name, tmp_path / name)
    body = {
        "comparisons": "fairface540_dlib_comparisons.csv.gz",
        "subjects": "fairface540_subjects.csv.gz",
        "group_by": ["age_band"],
        "threshold": 0.6,
        "higher_is_similar": False,
        "symmetric": True,
        "n_bootstrap": 0,
    }
    body.update(extra)
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump({"sections": {"biometrics": body}}), encoding="utf-8")
    return path


def test_biometrics_section_runs_from_files_relative_to_the_config(tmp_path):
    run = run_audit(_biometrics(tmp_path, policy={"deletion_period_days": 30}), out_dir=tmp_path)
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    result = doc["sections"]["biometrics"]["result"]
    assert result["kind"] == "biometrics"
    assert doc["sections"]["biometrics"]["title"] == "Face recognition: error rates by group"
    assert {i["section"] for i in doc["inputs"]} == {"biometrics"}
    assert result["groups"][0]["group"] == "0-2"
    assert all(g["fnmr"] is None for g in result["groups"])
    assert [s["status"] for s in result["safeguards"] if s["key"] == "deletion_period_days"] == [
        "evidence missing"
    ]


def test_biometrics_unknown_inline_safeguard_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"sections\.biometrics.*policy\.warrant"):
        run_audit(_biometrics(tmp_path, policy={"warrant": True}), out_dir=tmp_path)


def test_biometrics_sentinel_without_matrix_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="sentinel: applies only with matrix"):
        run_audit(_biometrics(tmp_path, sentinel=-1), out_dir=tmp_path)


def test_biometrics_flag_must_be_boolean(tmp_path):
    with pytest.raises(ConfigError, match="higher_is_similar: got 'no'"):
        run_audit(_biometrics(tmp_path, higher_is_similar="no"), out_dir=tmp_path)


def test_biometrics_matrix_layout_with_sentinel(tmp_path):
    ids = ["A", "B", "C"]
    scores = pd.DataFrame(
        [[0.9, 0.2, -1.0], [0.3, 0.8, -1.0], [0.1, 0.4, -1.0]], index=ids, columns=ids
    )
    scores.to_csv(tmp_path / "matrix.csv")
    pd.DataFrame({"subject_id": ids, "site": ["x", "x", "y"]}).to_csv(
        tmp_path / "subjects.csv", index=False
    )
    body = {
        "comparisons": "matrix.csv",
        "matrix": True,
        "sentinel": -1.0,
        "subjects": "subjects.csv",
        "group_by": "site",
        "threshold": 0.5,
        "n_bootstrap": 0,
    }
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump({"sections": {"biometrics": body}}), encoding="utf-8")
    result = run_audit(path, out_dir=tmp_path).report.sections[0].result
    assert result.kind == "biometrics"
    assert any("3 cells equal to the sentinel" in w for w in result.warnings)
    x = next(g for g in result.groups if g.group == "x")
    assert (x.fmr.errors, x.fmr.trials, x.fnmr.errors, x.fnmr.trials) == (0, 2, 0, 2)


def test_ledger_section_runs_on_a_ledger_built_in_tmp_path(tmp_path):
    import runpy

    from tests.conftest import REPO

    build = runpy.run_path(str(REPO / "examples" / "ledger" / "build.py"))["build"]
    build(tmp_path, seed=7, n=60)
    body = {
        "db": "ledger.db",
        "keys": "keys",
        "checkpoint": "checkpoint.note",
        "start": "2025-01-01T00:00:00+05:00",
        "end": "2025-04-01T00:00:00+05:00",
        "retention_periods": {"standard": 30, "case_file": 365},
        "data_note": "SYNTHETIC ledger.",
    }
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump({"sections": {"ledger": body}}), encoding="utf-8")
    run = run_audit(path, out_dir=tmp_path / "out")
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    result = doc["sections"]["ledger"]["result"]
    assert result["kind"] == "ledger" and result["accesses"] == 60
    assert result["bodies_opened"] and result["checkpoint"]["consistent"]
    assert result["allowed"] + result["denied"] == 60
    assert {i["role"] for i in doc["inputs"]} == {"ledger", "checkpoint"}
    assert "recorded as denied under rule" in run.html_path.read_text(encoding="utf-8")


def test_ledger_section_without_a_zone_is_a_config_error(tmp_path):
    body = {"db": "ledger.db", "start": "2025-01-01", "end": "2025-02-01T00:00:00"}
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump({"sections": {"ledger": body}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="want a time with its zone"):
        run_audit(path, out_dir=tmp_path / "out")
