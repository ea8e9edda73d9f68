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
    path = _write(tmp_path, {"sections": {"weather": {}}})
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


def test_ledger_section_retention_grace_days(tmp_path):
    """A sweep run weeks after a period's end is late without grace and on time with it."""
    import runpy

    from tests.conftest import REPO

    build = runpy.run_path(str(REPO / "examples" / "ledger" / "build.py"))["build"]
    build(tmp_path, seed=7, n=60)

    def retention(**extra):
        body = {
            "db": "ledger.db",
            "keys": "keys",
            "start": "2025-01-01T00:00:00+05:00",
            "end": "2025-04-01T00:00:00+05:00",
            "retention_periods": {"standard": 30, "case_file": 365},
            **extra,
        }
        path = tmp_path / "audit.yaml"
        path.write_text(yaml.safe_dump({"sections": {"ledger": body}}), encoding="utf-8")
        doc = json.loads(run_audit(path, out_dir=tmp_path / "out").json_path.read_text("utf-8"))
        return doc["sections"]["ledger"]["result"]["retention"]

    strict, lenient = retention(), retention(retention_grace_days=365)
    assert strict["grace_days"] == 0 and lenient["grace_days"] == 365
    assert strict["deleted_late"] > 0 and lenient["deleted_late"] == 0


def test_ledger_section_without_a_zone_is_a_config_error(tmp_path):
    body = {"db": "ledger.db", "start": "2025-01-01", "end": "2025-02-01T00:00:00"}
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump({"sections": {"ledger": body}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="want a time with its zone"):
        run_audit(path, out_dir=tmp_path / "out")


# The privacy section ------------------------------------------------------------------------

_CNIC = "35202-1234567-1"
_PHONE = "0300-1234567"


def _privacy_files(tmp_path):
    notes = tmp_path / "notes.csv"
    pd.DataFrame(
        {"text": [f"Complainant CNIC {_CNIC}, Cell No. {_PHONE}.", "Patrol at 21:30 hrs."]}
    ).to_csv(notes, index=False)
    rows = tmp_path / "incidents.csv"
    pd.DataFrame(
        {
            "district": ["1"] * 6 + ["2"] * 3,
            "date": ["2024-01-05"] * 3 + ["2024-02-07"] * 3 + ["2024-01-09"] * 3,
            "offence": ["theft", "robbery", "theft"] * 3,
        }
    ).to_csv(rows, index=False)


def _privacy(**release):
    body = {
        "scan": {"data": "notes.csv", "column": "text"},
        "anonymity": {"data": "incidents.csv", "quasi_identifiers": ["district"],
                      "sensitive": "offence", "k": 4},
        "release": {"data": "incidents.csv", "by": ["district", "month"], "month_from": "date",
                    "epsilon": 1.0,
                    "keys_from_product": {"district": ["1", "2", "3"],
                                          "month": ["2024-01", "2024-02"]},
                    **release},
    }  # fmt: skip
    return {"title": "t", "sections": {"privacy": body}}


def test_privacy_section_runs_from_files_relative_to_the_config(tmp_path):
    _privacy_files(tmp_path)
    config = _write(tmp_path, _privacy(budget_per_run={"epsilon": 3.0}))
    run = run_audit(config, out_dir=tmp_path / "out")
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    result = doc["sections"]["privacy"]["result"]
    assert result["kind"] == "privacy"
    assert result["scan"]["totals"]["CNIC"] == 1
    assert result["scan"]["totals"]["PHONE_NUMBER"] == 1
    assert result["anonymity"]["k_anonymity"]["k"] == 3
    assert result["anonymity"]["k_anonymity"]["classes_below_k"] == 1
    assert "failing_classes" not in result["anonymity"]
    release = result["release"]
    assert release["cells"] == 6 and len(release["table"]) == 6
    assert "custodian_warnings" not in release
    assert release["budget_mode"] == "per_run"
    assert release["budget"]["remaining"]["epsilon"] == pytest.approx(2.0)
    assert {i["role"] for i in doc["inputs"]} == {"pii_scan", "anonymity_data", "dp_release_data"}
    assert (tmp_path / "out" / "privacy-budget.json").is_file()
    # A per-run budget is fresh each run: running again does not spend the earlier run's budget.
    again = json.loads(run_audit(config, out_dir=tmp_path / "out").json_path.read_text("utf-8"))
    assert again["sections"]["privacy"]["result"]["release"]["budget"]["spent_total"][
        "epsilon"
    ] == pytest.approx(1.0)
    text = run.html_path.read_text(encoding="utf-8") + json.dumps(doc)
    assert _CNIC not in text and _PHONE not in text


def test_privacy_budget_file_is_kept_across_runs_and_refuses_past_its_total(tmp_path):
    from mohtasib.errors import PolicyViolation
    from mohtasib.privacy import PrivacyBudget

    _privacy_files(tmp_path)
    PrivacyBudget(1.5).save(tmp_path / "budget.json")
    config = _write(tmp_path, _privacy(budget="budget.json"))
    run_audit(config, out_dir=tmp_path / "out")
    assert PrivacyBudget.load(tmp_path / "budget.json").remaining_epsilon == pytest.approx(0.5)
    with pytest.raises(PolicyViolation):
        run_audit(config, out_dir=tmp_path / "out")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "sections.privacy"),
        ({"scan": {"data": "notes.csv", "colum": "text"}}, "sections.privacy.scan.colum"),
        ({"anonymity": {"data": "x.csv"}}, "sections.privacy.anonymity.quasi_identifiers"),
        ({"release": {"data": "x.csv", "by": "d", "epsilon": 1, "keys": "k.csv"}},
         "sections.privacy.release.budget"),
        ({"release": {"data": "x.csv", "by": "d", "epsilon": 1, "budget": "b.json"}},
         "sections.privacy.release.keys"),
        ({"scan": "notes.csv"}, "sections.privacy.scan"),
    ],
)  # fmt: skip
def test_privacy_config_errors_name_the_key(tmp_path, body, key):
    config = _write(tmp_path, {"sections": {"privacy": body}})
    with pytest.raises(ConfigError) as exc:
        load_config(config)
    assert exc.value.key == key


def _events_csv(tmp_path):
    """GENERATED (SYNTHETIC) events: uniform over a 2 km square plus a planted hotspot."""
    import numpy as np

    rng = np.random.default_rng(3)
    n, hot = 1500, 500
    start = pd.Timestamp("2024-01-01", tz="UTC")
    days = np.sort(rng.uniform(0, 120, n + hot))
    lon = np.concatenate([rng.uniform(74.30, 74.32, n), rng.normal(74.305, 0.0004, hot)])
    lat = np.concatenate([rng.uniform(31.50, 31.52, n), rng.normal(31.505, 0.0004, hot)])
    order = rng.permutation(n + hot)
    frame = pd.DataFrame(
        {
            "when": [(start + pd.Timedelta(days=float(d))).isoformat() for d in days],
            "x": lon[order],
            "y": lat[order],
        }
    )
    frame.to_csv(tmp_path / "events.csv", index=False)


def _forecast(**extra):
    body = {
        "data": "events.csv",
        "time_col": "when",
        "lon_col": "x",
        "lat_col": "y",
        "cell_size": 250,
        "models": ["naive", "kde"],
        "train_days": 60,
        "test_start": "2024-03-15",
        "test_days": 28,
        "horizon_days": 7,
        "coverages": [0.05, 0.2],
        "n_boot": 50,
        "random_state": 1,
        "data_note": "GENERATED (SYNTHETIC) events for a test.",
    }
    body.update(extra)
    return {"title": "t", "sections": {"forecast": body}}


def test_forecast_section_runs_and_reports(tmp_path):
    _events_csv(tmp_path)
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(_forecast()), encoding="utf-8")
    run = run_audit(path, out_dir=tmp_path / "out")
    doc = json.loads(run.json_path.read_text(encoding="utf-8"))
    result = doc["sections"]["forecast"]["result"]
    assert result["origins"] == 4
    assert [m["name"] for m in result["models"]] == ["naive", "kde"]
    assert result["inputs"][0]["role"] == "events"
    assert len(result["inputs"][0]["sha256"]) == 64
    assert doc["inputs"][0]["section"] == "forecast"
    # 4 origins in blocks of round(4 ** (1/3)) = 2 make 2 blocks: no p below 2 / 2**2.
    assert result["min_p_value"] == pytest.approx(2 / 2**2)
    assert set(result["map"]["flagged"]) == {"naive", "kde"}
    html = run.html_path.read_text(encoding="utf-8")
    assert 'id="forecast-scores"' in html
    assert "GENERATED (SYNTHETIC)" in html


def test_forecast_keys_cover_the_backtest_arguments():
    import inspect

    from mohtasib import forecast

    keys = set(SECTION_KEYS["forecast"]["required"]) | set(SECTION_KEYS["forecast"]["optional"])
    params = set(inspect.signature(forecast.backtest).parameters)
    params -= {"events", "baseline", "progress", "map_coverage"}
    assert params <= keys, f"forecast: config cannot set {sorted(params - keys)}"
    read = set(inspect.signature(forecast.read_events).parameters) - {"data", "offset", "crs"}
    assert read <= keys, f"forecast: config cannot set {sorted(read - keys)}"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"models": ["naive", "crystal_ball"]}, "crystal_ball"),
        ({"models": "naive"}, "models"),
        ({"coverages": 0.05}, "coverages"),
    ],
)
def test_forecast_bad_values_are_config_errors(tmp_path, extra, message):
    _events_csv(tmp_path)
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(_forecast(**extra)), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        run_audit(path, out_dir=tmp_path / "out")
