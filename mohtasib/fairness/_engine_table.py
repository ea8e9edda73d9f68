"""Validate and prepare a decisions table inside the engine, without loading it into pandas.

Used when :func:`mohtasib.fairness.audit` is given an Ibis table (from DuckDB,
Spark or any Ibis backend) or a Parquet file to be read by Spark: the checks of
the data contract run as one aggregate query, and the prepared table (flag,
label, score columns) is grouped in the engine. Errors name the source and the
column and quote one offending value with the count of such rows; row numbers
are not stated because a distributed table has no row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mohtasib._validation import binary_expr, first_value
from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.fairness._counts import FLAG, LABEL, SCORE

__all__ = ["PreparedTable", "prepare_decisions"]


@dataclass(frozen=True)
class PreparedTable:
    """An Ibis table with the prepared FLAG/LABEL/SCORE columns, and what the checks found."""

    table: Any
    n_rows: int
    warnings: tuple[str, ...]


def _check_columns(table: Any, columns: Sequence[str], source: str) -> None:
    for name in columns:
        if name not in table.columns:
            have = ", ".join(list(table.columns)[:30])
            raise InputError(f"column not found; the table has: {have}", source=source, column=name)


def prepare_decisions(
    table: Any,
    *,
    source: str,
    label: str,
    attributes: Sequence[str],
    score: str | None,
    threshold: float | None,
    prediction: str | None,
    score_range: tuple[float, float] | None,
) -> PreparedTable:
    """Check the data contract of a decisions table in the engine and prepare it for counting."""
    _check_columns(table, [label, *attributes, *(c for c in (score, prediction) if c)], source)
    y = binary_expr(table[label])
    checks: dict[str, Any] = {
        "n": table.count(),
        "label_bad": (table[label].notnull() & y.isnull()).cast("int64").sum(),
        "label_missing": table[label].isnull().cast("int64").sum(),
    }
    for i, name in enumerate(attributes):
        checks[f"attr_missing_{i}"] = table[name].isnull().cast("int64").sum()
    mutations: dict[str, Any] = {LABEL: y}
    if score is not None:
        value = _numeric(table, score, source)
        bad = value.isnull() | value.isnan() | value.isinf()
        checks["score_bad"] = bad.cast("int64").sum()
        if score_range is not None:
            checks["score_low"] = (value < score_range[0]).cast("int64").sum()
            checks["score_high"] = (value > score_range[1]).cast("int64").sum()
        mutations[SCORE] = value
        if threshold is not None:
            mutations[FLAG] = (value >= threshold).cast("int8")
    if prediction is not None:
        p = binary_expr(table[prediction])
        checks["prediction_bad"] = p.isnull().cast("int64").sum()
        mutations[FLAG] = p
    found = table.aggregate(**checks).execute().iloc[0].to_dict()
    _raise_on_bad(
        table,
        found,
        source=source,
        label=label,
        score=score,
        prediction=prediction,
        score_range=score_range,
    )
    n = int(found["n"])
    if n == 0:
        raise InsufficientDataError(f"{source}: the table has no rows; nothing to audit")
    warnings = [
        f"{int(found[f'attr_missing_{i}'])} row(s) have no value for {name!r}; they are kept "
        "as the group '<missing>'"
        for i, name in enumerate(attributes)
        if int(found[f"attr_missing_{i}"])
    ]
    if int(found["label_missing"]):
        warnings.append(
            f"{int(found['label_missing'])} row(s) have no value for the label {label!r}; they "
            "count for the selection rate but are left out of every outcome-based rate"
        )
    keep = [*attributes, *mutations]
    prepared = table.mutate(**{k: v.name(k) for k, v in mutations.items()}).select(keep)
    return PreparedTable(prepared, n, tuple(warnings))


def _numeric(table: Any, column: str, source: str) -> Any:
    kind = table[column].type()
    if not kind.is_numeric():
        raise InputError(f"got values of type {kind}; want numbers", source=source, column=column)
    return table[column].cast("float64")


def _raise_on_bad(
    table: Any,
    found: dict[str, Any],
    *,
    source: str,
    label: str,
    score: str | None,
    prediction: str | None,
    score_range: tuple[float, float] | None,
) -> None:
    binary = "want one of 0/1, true/false, yes/no, Y/N"
    low, high = score_range if score_range is not None else (None, None)
    problems = [
        ("label_bad", label, f"in a binary column; {binary}"),
        ("prediction_bad", prediction, f"missing or not binary; {binary} in every row"),
        ("score_bad", score, "missing or not finite; want a finite number in every row"),
        ("score_low", score, f"below {low}; want at least {low}"),
        ("score_high", score, f"above {high}; want at most {high}"),
    ]
    for key, column, words in problems:
        count = int(found.get(key) or 0)
        if count and column is not None:
            shown = ""
            if key == "label_bad":
                bad = binary_expr(table[label]).isnull() & table[label].notnull()
                shown = f"got {first_value(table, bad, label)!r} "
            raise InputError(f"{shown}{words} ({count} such rows)", source=source, column=column)
