"""Cells of a differentially private release: the public key set and the exact counts.

A released table must list a key set fixed *before* looking at the data: every
district, every month, every category the release may contain. If the cells were
read off the data instead, a cell's mere presence would reveal that at least one
person falls in it, whatever noise the counts get. So the key set comes from a public
file (:func:`read_keys`) or from public lists of values per column
(:func:`keys_from_product`), and the exact counts are aligned to it: a key absent from
the data gets a count of 0 (then noise); a cell in the data that is not a key is dropped.

Exact counts are computed per cell in the engine (Ibis ``group_by``), DuckDB by default.
Cell values are compared as text (``2``, ``2.0`` and `` 2 `` are the same key).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.engine import connect, execute
from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.io import LoadedTable, read_table

__all__ = ["MONTH", "CellCounts", "align_to_keys", "count_cells", "keys_from_product", "read_keys"]

#: Name of the column derived by ``month_from`` (``YYYY-MM``).
MONTH = "month"
_N = "__mohtasib_n"


@dataclass(frozen=True)
class CellCounts:
    """Exact counts per cell (never published: the input to the noise).

    Attributes
    ----------
    frame
        The ``by`` columns as text plus the count column, one row per cell present.
    rows
        Number of input rows.
    source
        Where the data came from, for messages.
    """

    frame: pd.DataFrame
    rows: int
    source: str


def _text(value: Any) -> str | None:
    """Canonical text of one cell value; None when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value).strip()


def _canonical(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        out[name] = [_text(v) for v in frame[name].tolist()]
    return out


def keys_from_product(values: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Build a key set as the Cartesian product of public value lists.

    Parameters
    ----------
    values
        For each ``by`` column, every value it may take, from a public source (all
        police districts, all months of the period), e.g.
        ``{"district": ["1", "2"], "month": ["2019-01", "2019-02"]}``.

    Returns
    -------
    pandas.DataFrame
        One row per combination, columns in the order given, values as text.

    Raises
    ------
    ConfigError
        No columns, or a column with no values.
    """
    if not values:
        raise ConfigError("got no columns for the key product; want at least one")
    lists = {}
    for name, items in values.items():
        texts = list(dict.fromkeys(t for t in map(_text, items) if t is not None))
        if not texts:
            raise ConfigError(f"got no values for key column {name!r}; want at least one")
        lists[name] = texts
    rows = list(itertools.product(*lists.values()))
    return pd.DataFrame(rows, columns=list(lists))


def read_keys(keys: str | Path | pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """Read and check a public key set: one row per cell to release.

    Raises
    ------
    InputError
        The file is unreadable or lacks a ``by`` column.
    ConfigError
        The key set is empty, has a missing value or repeats a cell (a repeated cell
        would be released twice, spending the budget twice on it).
    """
    if isinstance(keys, pd.DataFrame):
        source, frame = "keys", keys
        missing = [c for c in by if c not in frame.columns]
        if missing:
            raise InputError("key column not found", source=source, column=missing[0])
    else:
        source = str(keys)
        frame = read_table(keys, columns=list(by)).frame
    frame = _canonical(frame[list(by)], by)
    if frame.empty:
        raise ConfigError("the key set has no rows; want one row per cell to release", path=source)
    holes = frame.isna().any(axis=1).to_numpy()
    if holes.any():
        raise ConfigError(
            f"key row {int(np.argmax(holes)) + 1} has a missing value; want every cell complete",
            path=source,
        )
    repeated = frame.duplicated()
    if repeated.any():
        cell = tuple(frame[repeated].iloc[0])
        raise ConfigError(
            f"the key set lists the cell {cell} more than once ({int(repeated.sum())} repeat(s)); "
            "want each cell once",
            path=source,
        )
    return frame.reset_index(drop=True)


def _as_table(data: Any, columns: Sequence[str]) -> tuple[Any, Any, str]:
    """Return (backend or None, Ibis table, source) for any accepted kind of data."""
    import ibis
    import ibis.expr.types as ir

    if isinstance(data, ir.Table):
        return None, data, "table"
    if isinstance(data, str | Path):
        data = read_table(data, columns=list(columns))
    if isinstance(data, LoadedTable):
        return connect, ibis.memtable(data.frame[list(columns)]), data.source
    if isinstance(data, pd.DataFrame):
        _check_columns(list(data.columns), columns, "data")
        return connect, ibis.memtable(data[list(columns)]), "data"
    raise InputError(
        f"got data of type {type(data).__name__}; want a CSV/Parquet path, a pandas "
        "DataFrame, a LoadedTable or an Ibis table"
    )


def _check_columns(have: Sequence[str], want: Sequence[str], source: str) -> None:
    for name in want:
        if name not in have:
            listed = ", ".join(map(str, list(have)[:30]))
            raise InputError(
                f"column not found; the data have: {listed}", source=source, column=name
            )


def _derive_month(table: Any, column: str, source: str) -> Any:
    value = table[column]
    kind = value.type()
    stamp = value if (kind.is_timestamp() or kind.is_date()) else value.try_cast("timestamp")
    bad = int((value.notnull() & stamp.isnull()).cast("int64").sum().execute())
    if bad:
        raise InputError(
            f"{bad} value(s) cannot be read as dates or timestamps; want e.g. 2019-05-31 14:05",
            source=source,
            column=column,
        )
    return table.mutate(**{MONTH: stamp.strftime("%Y-%m")})


def count_cells(
    data: Any, *, by: Sequence[str], engine: str | None = None, month_from: str | None = None
) -> CellCounts:
    """Count rows per cell of ``by`` in the engine.

    Parameters
    ----------
    data
        A CSV or Parquet path, a pandas DataFrame, a :class:`~mohtasib.io.LoadedTable`
        or an Ibis table (counted on its own backend).
    by
        The cell columns. ``month`` may be listed when ``month_from`` names a date or
        timestamp column it is derived from (``YYYY-MM``).
    engine
        ``duckdb`` or ``spark`` for data not already in an Ibis table.
    month_from
        A date/timestamp column (or text parseable as one) to derive ``month`` from.

    Raises
    ------
    InputError
        A column is missing or a date cannot be read.
    InsufficientDataError
        The data have no rows.
    """
    if not by:
        raise ConfigError("got no cell columns; want at least one in `by`")
    if len(set(by)) != len(by):
        raise ConfigError(f"got repeated cell columns {list(by)}; want each once")
    raw = [c for c in by if not (month_from and c == MONTH)]
    needed = [*raw, *([month_from] if month_from else [])]
    maker, table, source = _as_table(data, needed)
    _check_columns(list(table.columns), needed, source)
    if month_from:
        table = _derive_month(table, month_from, source)
    expr = table.group_by(list(by)).aggregate(**{_N: table.count()})
    frame = execute(maker(engine), expr) if maker is not None else expr.execute()
    rows = int(frame[_N].sum()) if len(frame) else 0
    if rows == 0:
        raise InsufficientDataError(f"{source}: the data have no rows; nothing to release")
    grouped = _canonical(frame, by).groupby(list(by), dropna=False)[_N].sum()
    return CellCounts(grouped.reset_index(), rows, source)


def align_to_keys(counts: CellCounts, keys: pd.DataFrame) -> tuple[np.ndarray[Any, Any], int, int]:
    """Exact counts in key order, and how much of the data fell outside the keys.

    Returns
    -------
    (counts, dropped_cells, dropped_rows)
        ``counts[i]`` is the exact count of ``keys.iloc[i]`` (0 when absent from the
        data); ``dropped_cells`` cells holding ``dropped_rows`` rows (a missing value
        in a ``by`` column included) are not in the key set and are not released.
    """
    by = list(keys.columns)
    merged = keys.merge(counts.frame, on=by, how="left", validate="one_to_one")
    exact = merged[_N].fillna(0).to_numpy(dtype=np.int64)
    inside = counts.frame.merge(keys, on=by, how="left", indicator=True)["_merge"] == "both"
    outside = counts.frame[~inside.to_numpy()]
    return exact, len(outside), int(outside[_N].sum())
