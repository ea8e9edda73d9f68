"""Count rows per finest cell in the engine (Ibis: DuckDB or Spark).

One ``GROUP BY`` over every protected attribute at once returns a small table
(one row per combination of attribute values that occurs); every grouping an
audit reports (each attribute, each intersection) is then a sum over those
cells, done in pandas. Missing attribute values become the group ``<missing>``
inside the engine, so no row is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.engine import execute

__all__ = [
    "DECISION_COUNTS",
    "FLAG",
    "LABEL",
    "SCORE",
    "attribute_arrays",
    "decision_cells",
    "decision_counts",
    "score_cells",
    "score_counts",
    "stop_cells",
]

#: Names of the prepared columns the engine groups: decision (0/1), outcome (0/1/null), score.
FLAG, LABEL, SCORE = "__mohtasib_flag", "__mohtasib_label", "__mohtasib_score"
_SEARCHED, _FOUND = "__mohtasib_searched", "__mohtasib_found"

#: Count columns returned by :func:`decision_cells`.
DECISION_COUNTS = ("n", "flagged", "missing", "tp", "fp", "fn", "tn")


def _attribute_frame(frame: pd.DataFrame, attributes: Sequence[str]) -> dict[str, Any]:
    """Attribute columns for the engine; whole-number floats read as integers first."""
    out: dict[str, Any] = {}
    for name in attributes:
        col = frame[name]
        if pd.api.types.is_float_dtype(col.dtype):
            values = col.dropna()
            if (values == np.round(values)).all():
                col = col.astype("Int64")
        out[name] = col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array
    return out


def attribute_arrays(frame: pd.DataFrame, attributes: Sequence[str]) -> dict[str, Any]:
    """Attribute columns as Arrow arrays with an explicit type.

    Text columns are converted once with a stated type, so the engine neither
    infers a type value by value nor converts the column a second time; other
    columns go through :func:`_attribute_frame` as before.
    """
    import pyarrow as pa

    out: dict[str, Any] = {}
    for name in attributes:
        col = frame[name]
        if pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype):
            try:
                out[name] = pa.array(col, type=pa.string(), from_pandas=True)
                continue
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                pass  # mixed Python objects: convert as before
        out[name] = pa.array(_attribute_frame(frame, [name])[name], from_pandas=True)
    return out


def _grouped(
    backend: Any,
    table: Any,
    attributes: Sequence[str],
    *,
    extra_keys: Sequence[str] = (),
    **aggregates: Any,
) -> pd.DataFrame:
    import ibis

    from mohtasib.fairness._tables import MISSING

    keys = [
        ibis.coalesce(table[a].cast("string"), ibis.literal(MISSING)).name(a) for a in attributes
    ]
    expr = table.group_by([*keys, *extra_keys]).aggregate(**aggregates)
    return execute(backend, expr)


def decision_cells(
    backend: Any,
    frame: pd.DataFrame,
    *,
    attributes: Sequence[str],
    flagged: np.ndarray,
    label: np.ndarray,
    arrays: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Counts per finest cell: n, flagged, missing (no label), tp, fp, fn, tn.

    ``flagged`` holds 0/1; ``label`` holds 0.0, 1.0 or NaN (missing outcome).
    ``arrays``: :func:`attribute_arrays` of ``frame``, if already computed.
    """
    import ibis
    import pyarrow as pa

    data = dict(arrays) if arrays is not None else attribute_arrays(frame, attributes)
    unknown = np.isnan(label)
    data[FLAG] = pa.array(flagged.astype(np.int8))
    # int8 with a validity mask: no pandas Int8 array, no type inference in Ibis.
    data[LABEL] = pa.array(np.where(unknown, 0, label).astype(np.int8), mask=unknown)
    return decision_counts(backend, ibis.memtable(pa.table(data)), attributes)


def decision_counts(backend: Any, table: Any, attributes: Sequence[str]) -> pd.DataFrame:
    """The GROUP BY of :func:`decision_cells` over an Ibis table.

    ``table`` holds the attribute columns, :data:`FLAG` (0/1) and :data:`LABEL`
    (0/1 or null); it may live in any Ibis backend (DuckDB, Spark).
    """
    f, y = table[FLAG], table[LABEL]

    def count(cond: Any) -> Any:
        return cond.cast("int64").sum()

    cells = _grouped(
        backend,
        table,
        attributes,
        n=table.count(),
        flagged=f.cast("int64").sum(),
        missing=count(y.isnull()),
        tp=count((f == 1) & (y == 1)),
        fp=count((f == 1) & (y == 0)),
        fn=count((f == 0) & (y == 1)),
        tn=count((f == 0) & (y == 0)),
    )
    return _as_counts(cells, DECISION_COUNTS)


def score_cells(
    backend: Any,
    frame: pd.DataFrame,
    *,
    attributes: Sequence[str],
    score: np.ndarray,
    label: np.ndarray,
) -> pd.DataFrame:
    """Counts of positive and negative outcomes per finest cell and distinct score value."""
    import ibis

    data = _attribute_frame(frame, attributes)
    data[SCORE] = score
    data[LABEL] = pd.Series(label).astype("Int8").array
    return score_counts(backend, ibis.memtable(pd.DataFrame(data, copy=False)), attributes)


def score_counts(backend: Any, table: Any, attributes: Sequence[str]) -> pd.DataFrame:
    """The GROUP BY of :func:`score_cells` over an Ibis table with :data:`SCORE` and :data:`LABEL`.

    Rows with a missing label are left out (they carry no outcome to rank).
    """
    known = table.filter(table[LABEL].notnull())
    y = known[LABEL]
    cells = _grouped(
        backend,
        known,
        attributes,
        extra_keys=[SCORE],
        positives=y.cast("int64").sum(),
        negatives=(1 - y).cast("int64").sum(),
    )
    cells = cells.rename(columns={SCORE: "score"})
    cells["score"] = cells["score"].astype(float)
    return _as_counts(cells, ("positives", "negatives"))


def stop_cells(
    backend: Any,
    frame: pd.DataFrame,
    *,
    attributes: Sequence[str],
    searched: np.ndarray,
    found: np.ndarray,
) -> pd.DataFrame:
    """Counts per finest cell: n (stops), searched, found (among searched)."""
    import ibis

    data = _attribute_frame(frame, attributes)
    data[_SEARCHED] = searched.astype(np.int8)
    data[_FOUND] = (found.astype(bool) & searched.astype(bool)).astype(np.int8)
    t = ibis.memtable(pd.DataFrame(data, copy=False))
    cells = _grouped(
        backend,
        t,
        attributes,
        n=t.count(),
        searched=t[_SEARCHED].cast("int64").sum(),
        found=t[_FOUND].cast("int64").sum(),
    )
    return _as_counts(cells, ("n", "searched", "found"))


def _as_counts(cells: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for name in columns:
        cells[name] = cells[name].fillna(0).astype(np.int64)
    return cells
