"""The tabular engine: Ibis over DuckDB (default, embedded) or Apache Spark.

Aggregations are written once as Ibis expressions and run on whichever backend
:func:`connect` returns. Choose with the ``engine`` argument, the ``--engine``
flag or the ``MOHTASIB_ENGINE`` environment variable (``duckdb`` or ``spark``).
Spark runs in local mode unless ``MOHTASIB_SPARK_MASTER`` names a cluster.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from mohtasib.errors import ConfigError, MissingExtraError

__all__ = ["ENGINES", "connect", "execute", "resolve_engine"]

#: Engine names accepted by ``--engine``, ``MOHTASIB_ENGINE`` and :func:`connect`.
ENGINES = ("duckdb", "spark")

_SPARK: Any = None


def resolve_engine(engine: str | None = None) -> str:
    """Return the engine name from the argument, else ``MOHTASIB_ENGINE``, else ``duckdb``."""
    name = (engine or os.environ.get("MOHTASIB_ENGINE") or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ConfigError(f"got engine {name!r}; want one of {', '.join(ENGINES)}", key="engine")
    return name


def connect(engine: str | None = None) -> Any:
    """Return an Ibis backend for the named engine.

    DuckDB runs in process. Spark starts (once per process) a local session,
    ``local[*]`` by default or ``MOHTASIB_SPARK_MASTER``; it needs the ``spark``
    extra and a Java runtime.
    """
    import ibis

    name = resolve_engine(engine)
    if name == "duckdb":
        return ibis.duckdb.connect()
    return ibis.pyspark.connect(_spark_session())


def _spark_session() -> Any:
    global _SPARK  # noqa: PLW0603 - one Spark session per process, started lazily
    if _SPARK is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise MissingExtraError("the Spark engine", "spark") from None
        master = os.environ.get("MOHTASIB_SPARK_MASTER", "local[*]")
        _SPARK = (
            SparkSession.builder.master(master)
            .appName("mohtasib")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def execute(backend: Any, expression: Any) -> pd.DataFrame:
    """Run an Ibis expression on ``backend`` and return a pandas DataFrame."""
    result = backend.execute(expression)
    return pd.DataFrame(result)
