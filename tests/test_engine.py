"""The engine: DuckDB by default, the same Ibis expressions on Spark local mode."""

from __future__ import annotations

import shutil

import pytest

from mohtasib import engine, fairness
from mohtasib.errors import ConfigError
from tests.conftest import DEMO, require


def test_resolve_engine_defaults_to_duckdb(monkeypatch):
    monkeypatch.delenv("MOHTASIB_ENGINE", raising=False)
    assert engine.resolve_engine() == "duckdb"


def test_resolve_engine_reads_environment(monkeypatch):
    monkeypatch.setenv("MOHTASIB_ENGINE", "Spark")
    assert engine.resolve_engine() == "spark"
    assert engine.resolve_engine("duckdb") == "duckdb"


def test_unknown_engine_is_config_error(monkeypatch):
    monkeypatch.delenv("MOHTASIB_ENGINE", raising=False)
    with pytest.raises(ConfigError, match="want one of duckdb, spark"):
        engine.resolve_engine("postgres")


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_engine_gives_the_same_audit_as_duckdb():
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:
        require("MOHTASIB_REQUIRE_SPARK", "no Java runtime: the Spark engine cannot start")
    kwargs = {
        "label": "two_year_recid",
        "score": "decile_score",
        "threshold": 5,
        "attributes": ["race", "sex"],
        "intersections": True,
    }
    on_duckdb = fairness.audit(DEMO / "compas.csv", engine="duckdb", **kwargs).to_dict()
    on_spark = fairness.audit(DEMO / "compas.csv", engine="spark", **kwargs).to_dict()
    assert on_spark["parameters"]["engine"] == "spark"
    for key in ("groups", "disparities", "references", "family_size", "auc", "calibration"):
        assert on_spark[key] == on_duckdb[key], key
