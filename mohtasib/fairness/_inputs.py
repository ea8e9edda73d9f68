"""Turn the ``data`` argument of the audits into a validated pandas frame."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mohtasib._validation import require_columns
from mohtasib.errors import ConfigError, InsufficientDataError
from mohtasib.fairness._result import InputFile
from mohtasib.io import LoadedTable, read_table

__all__ = ["DataArg", "load", "missing_attribute_warnings"]

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


def missing_attribute_warnings(frame: pd.DataFrame, attributes: Sequence[str]) -> list[str]:
    """One warning per attribute with missing values: they form the group ``<missing>``."""
    out = []
    for name in attributes:
        missing = int(frame[name].isna().sum())
        if missing:
            out.append(
                f"{missing} row(s) have no value for {name!r}; they are kept as the group "
                "'<missing>'"
            )
    return out
