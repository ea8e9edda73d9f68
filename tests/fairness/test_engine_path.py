"""The in-engine path: Ibis tables (and Parquet on Spark) are checked and counted in the engine."""

from __future__ import annotations

import shutil

import ibis
import numpy as np
import pandas as pd
import pytest

from mohtasib import fairness
from mohtasib.errors import InputError
from tests.conftest import DEMO, require

KWARGS = {
    "label": "two_year_recid",
    "score": "decile_score",
    "threshold": 5,
    "attributes": ["race", "sex"],
    "intersections": True,
    "score_range": (1, 10),
}
COMPARED = ("groups", "disparities", "auc", "calibration", "references", "family_size")


@pytest.fixture(scope="module")
def compas_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "compas.parquet"
    pd.read_csv(DEMO / "compas.csv").to_parquet(path)
    return path


def _table(frame: pd.DataFrame, tmp_path):
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    return ibis.duckdb.connect().read_parquet(str(path))


def test_ibis_table_gives_the_same_audit_as_a_file(compas_parquet):
    table = ibis.duckdb.connect().read_parquet(str(compas_parquet))
    in_engine = fairness.audit(table, **KWARGS).to_dict()
    from_file = fairness.audit(DEMO / "compas.csv", **KWARGS).to_dict()
    for key in COMPARED:
        assert in_engine[key] == from_file[key], key
    assert in_engine["inputs"] == [{"source": "<Ibis table>", "sha256": None, "rows": 7214}]


def _frame(**overrides):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, 200),
            "s": rng.uniform(0, 1, 200),
            "g": rng.choice(["a", "b"], 200),
        }
    )
    for column, (row, value) in overrides.items():
        frame[column] = frame[column].astype(str)  # one type per column, as Parquet needs
        frame.loc[row, column] = value
    return frame


def test_engine_path_names_column_and_value_of_a_bad_label(tmp_path):
    table = _table(_frame(y=(5, "maybe")), tmp_path)
    with pytest.raises(InputError, match=r"column 'y'.*got 'maybe'.*1 such rows"):
        fairness.audit(table, label="y", score="s", threshold=0.5, attributes=["g"])


def test_engine_path_rejects_missing_scores(tmp_path):
    frame = _frame()
    frame.loc[3, "s"] = np.nan
    with pytest.raises(InputError, match=r"column 's'.*not finite.*1 such rows"):
        fairness.audit(
            _table(frame, tmp_path), label="y", score="s", threshold=0.5, attributes=["g"]
        )


def test_engine_path_checks_the_score_range(tmp_path):
    frame = _frame()
    frame.loc[7, "s"] = 3.0
    with pytest.raises(InputError, match=r"above 1.0"):
        fairness.audit(
            _table(frame, tmp_path),
            label="y",
            score="s",
            threshold=0.5,
            attributes=["g"],
            score_range=(0.0, 1.0),
        )


def test_engine_path_rejects_text_scores(tmp_path):
    frame = _frame()
    frame["s"] = frame["s"].astype(str)
    with pytest.raises(InputError, match="want numbers"):
        fairness.audit(
            _table(frame, tmp_path), label="y", score="s", threshold=0.5, attributes=["g"]
        )


def test_engine_path_names_a_missing_column(tmp_path):
    with pytest.raises(InputError, match=r"column 'race'.*column not found"):
        fairness.audit(_table(_frame(), tmp_path), label="y", prediction="y2", attributes=["race"])


def test_engine_path_keeps_missing_groups_and_labels(tmp_path):
    frame = _frame(g=(0, None))
    frame["y"] = frame["y"].astype("Int64")
    frame.loc[1, "y"] = pd.NA
    result = fairness.audit(
        _table(frame, tmp_path), label="y", score="s", threshold=0.5, attributes=["g"]
    )
    assert "<missing>" in {g.group for g in result.groups}
    assert any("1 row(s) have no value for 'g'" in w for w in result.warnings)
    assert any("1 row(s) have no value for the label 'y'" in w for w in result.warnings)
    assert result.n_rows == 200


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_reads_parquet_itself_and_agrees_with_duckdb(compas_parquet):
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:
        require("MOHTASIB_REQUIRE_SPARK", "no Java runtime: the Spark engine cannot start")
    on_spark = fairness.audit(compas_parquet, engine="spark", **KWARGS).to_dict()
    on_duckdb = fairness.audit(compas_parquet, engine="duckdb", **KWARGS).to_dict()
    assert on_spark["inputs"][0]["sha256"] == on_duckdb["inputs"][0]["sha256"]
    for key in COMPARED:
        assert on_spark[key] == on_duckdb[key], key
