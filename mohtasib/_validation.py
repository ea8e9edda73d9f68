"""Shared input checks: columns present, binary and numeric columns, missing values.

Every check raises :class:`~mohtasib.errors.InputError` naming the source, the
1-based data row (header not counted) and the column, and what was expected.
Checks are vectorised; only the first offending row is located, after the count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.errors import InputError

__all__ = [
    "BINARY_ENCODINGS",
    "binary_column",
    "binary_expr",
    "first_value",
    "numeric_column",
    "require_columns",
]

#: Encodings accepted for a binary column, lower-cased and stripped: value -> 0/1.
BINARY_ENCODINGS: dict[str, int] = {
    "0": 0,
    "1": 1,
    "0.0": 0,
    "1.0": 1,
    "false": 0,
    "true": 1,
    "f": 0,
    "t": 1,
    "n": 0,
    "y": 1,
    "no": 0,
    "yes": 1,
}


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, source: str) -> None:
    """Raise InputError if any of ``columns`` is absent from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:30]))
        more = " …" if len(frame.columns) > 30 else ""
        raise InputError(
            f"column not found; the file has: {have}{more}", source=source, column=missing[0]
        )


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def binary_column(
    series: pd.Series, *, source: str, column: str, allow_missing: bool
) -> np.ndarray:
    """Map a binary column to a float array of 0.0, 1.0 and NaN (missing).

    Accepted values are those in :data:`BINARY_ENCODINGS` (case-insensitive) and
    booleans. Anything else raises InputError at its first row. When
    ``allow_missing`` is false a missing value raises too.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        out = series.to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        out = series.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(out) & (out != 0) & (out != 1)
        if bad.any():
            row = _first_row(bad)
            raise InputError(
                f"got {float(out[row - 1])!r} in a binary column; want 0 or 1 "
                f"({int(bad.sum())} such rows)",
                source=source,
                row=row,
                column=column,
            )
    else:
        text = series.astype("string").str.strip().str.lower()
        mapped = text.map(BINARY_ENCODINGS)
        bad = (text.notna() & mapped.isna()).to_numpy()
        if bad.any():
            row = _first_row(bad)
            raise InputError(
                f"got {series.iloc[row - 1]!r} in a binary column; want one of "
                f"0/1, true/false, yes/no, Y/N ({int(bad.sum())} such rows)",
                source=source,
                row=row,
                column=column,
            )
        out = mapped.to_numpy(dtype=float, na_value=np.nan)
    if not allow_missing:
        missing = np.isnan(out)
        if missing.any():
            raise InputError(
                f"missing value in a column that must be complete ({int(missing.sum())} rows)",
                source=source,
                row=_first_row(missing),
                column=column,
            )
    return out


def numeric_column(
    series: pd.Series,
    *,
    source: str,
    column: str,
    lower: float | None = None,
    upper: float | None = None,
) -> np.ndarray:
    """Return a column as finite floats, raising InputError on text, NaN or out-of-range values."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    not_number = np.isnan(values) & series.notna().to_numpy()
    if not_number.any():
        row = _first_row(not_number)
        raise InputError(
            f"got {series.iloc[row - 1]!r}; want a number", source=source, row=row, column=column
        )
    bad = ~np.isfinite(values)
    if bad.any():
        row = _first_row(bad)
        raise InputError(
            f"got {float(values[row - 1])!r} ({int(bad.sum())} rows missing or not finite); "
            "want a finite number in every row",
            source=source,
            row=row,
            column=column,
        )
    for limit, sign, word in ((lower, -1.0, "at least"), (upper, 1.0, "at most")):
        if limit is not None:
            off = sign * (values - limit) > 0
            if off.any():
                row = _first_row(off)
                raise InputError(
                    f"got {float(values[row - 1])!r}; want {word} {limit} ({int(off.sum())} rows)",
                    source=source,
                    row=row,
                    column=column,
                )
    return values


def binary_expr(column: Any) -> Any:
    """Ibis expression mapping a binary column to int8 0/1, null for anything else.

    The engine-side twin of :func:`binary_column`: booleans cast, numbers 0/1
    kept, text matched against :data:`BINARY_ENCODINGS` after trimming and
    lower-casing. A non-null input that maps to null is a bad value.
    """
    import ibis

    kind = column.type()
    if kind.is_boolean():
        return column.cast("int8")
    if kind.is_numeric():
        return ibis.cases((column == 0, 0), (column == 1, 1), else_=ibis.null()).cast("int8")
    text = column.cast("string").strip().lower()
    return text.substitute(BINARY_ENCODINGS, else_=ibis.null()).cast("int8")


def first_value(table: Any, condition: Any, column: str) -> object:
    """One value of ``column`` from a row where ``condition`` holds (for error messages)."""
    rows = table.filter(condition).select(column).limit(1).execute()
    return rows.iloc[0, 0] if len(rows) else None
