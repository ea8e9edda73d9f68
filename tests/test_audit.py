"""The main job: audit configurations are checked key by key and produce a report."""

from __future__ import annotations

import json
import shutil

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
    with pytest.raises(ConfigError, match="want one of fairness, stops"):
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

    from mohtasib import fairness

    for section, func in (("fairness", fairness.audit), ("stops", fairness.audit_stops)):
        keys = set(SECTION_KEYS[section]["required"]) | set(SECTION_KEYS[section]["optional"])
        params = set(inspect.signature(func).parameters) - {"engine"}
        assert params <= keys, f"{section}: config cannot set {sorted(params - keys)}"
