"""Turn the ``data`` argument of the audits into a validated pandas frame."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mohtasib._validation import require_columns
from mohtasib.engine import connect
from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.fairness._result import InputFile
from mohtasib.io import LoadedTable, read_table, sha256_file

__all__ = ["DataArg", "engine_table", "is_engine_input", "load", "missing_attribute_warnings"]

DataArg = str | Path | pd.DataFrame | LoadedTable


def load(data: DataArg, columns: Sequence[str]) -> tuple[pd.DataFrame, str, InputFile, list[str]]:
    """Return ``(frame, source, input_file, notes)`` holding at least ``columns``."""
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if list(columns).count(c) > 1})
        raise ConfigError(f"column {dupes[0]!r} is named for two roles; want distinct columns")
    if isinstance(data, str | Path):
        data = read_table(data, columns=columns)
    if isinstance(data, LoadedTable):
        frame, source, sha, notes = data.frame, data.source, data.sha256, list(data.notes)
    elif isinstance(data, pd.DataFrame):
        frame, source, sha, notes = data, "<DataFrame>", None, []
    else:
        raise ConfigError(
            f"got data of type {type(data).__name__}; want a file path, a pandas DataFrame "
            "or a LoadedTable"
        )
    require_columns(frame, columns, source=source)
    if frame.empty:
        raise InsufficientDataError(f"{source}: the table has no rows; nothing to audit")
    return frame, source, InputFile(source, sha, len(frame)), notes


def missing_attribute_warnings(
    frame: pd.DataFrame, attributes: Sequence[str], arrays: Mapping[str, Any] | None = None
) -> list[str]:
    """One warning per attribute with missing values: they form the group ``<missing>``.

    With ``arrays`` (Arrow arrays of the attributes) their null counts are used.
    """
    out = []
    for name in attributes:
        if arrays is not None:
            missing = int(arrays[name].null_count)
        else:
            missing = int(frame[name].isna().sum())
        if missing:
            out.append(
                f"{missing} row(s) have no value for {name!r}; they are kept as the group "
                "'<missing>'"
            )
    return out


def is_engine_input(data: object, engine_name: str) -> bool:
    """True for data the engine should read and check itself.

    An Ibis table (already in DuckDB, Spark or another backend), or a Parquet
    file when the engine is Spark: then the rows never pass through pandas.
    """
    import ibis.expr.types as ir

    if isinstance(data, ir.Table):
        return True
    return (
        engine_name == "spark"
        and isinstance(data, str | Path)
        and str(data).lower().endswith((".parquet", ".pq"))
    )


def engine_table(data: object, engine_name: str) -> tuple[Any, Any, InputFile]:
    """``(backend, table, input_file)`` for data that :func:`is_engine_input` accepts."""
    import ibis
    import ibis.expr.types as ir

    if isinstance(data, ir.Table):
        return ibis.get_backend(data), data, InputFile("<Ibis table>", None, 0)
    path = Path(str(data))
    if not path.is_file():
        raise InputError("file not found", source=str(data))
    backend = connect(engine_name)
    return backend, backend.read_parquet(str(path)), InputFile(str(data), sha256_file(path), 0)
