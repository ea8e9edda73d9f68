"""The bias audit of risk scores and decisions (flags) by protected group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mohtasib._validation import binary_column, numeric_column
from mohtasib.engine import connect, resolve_engine
from mohtasib.errors import ConfigError
from mohtasib.fairness._counts import (
    DECISION_COUNTS,
    attribute_arrays,
    decision_cells,
    decision_counts,
    score_cells,
    score_counts,
)
from mohtasib.fairness._engine_table import prepare_decisions
from mohtasib.fairness._inputs import (
    DataArg,
    engine_table,
    is_engine_input,
    load,
    missing_attribute_warnings,
)
from mohtasib.fairness._metrics import DECISION_METRICS
from mohtasib.fairness._result import DisparityAudit, InputFile
from mohtasib.fairness._scores import auc_by_group, calibration_by_group
from mohtasib.fairness._tables import build_tables, groupings_for

__all__ = ["audit"]


def audit(
    data: DataArg,
    *,
    label: str,
    attributes: Sequence[str],
    score: str | None = None,
    threshold: float | None = None,
    prediction: str | None = None,
    intersections: bool = False,
    reference: Mapping[str, str] | None = None,
    min_denominator: int = 30,
    confidence: float = 0.95,
    score_range: tuple[float, float] | None = None,
    engine: str | None = None,
) -> DisparityAudit:
    """Audit group error and selection rates of a risk score or decision.

    Parameters
    ----------
    data
        A CSV/Parquet path, a pandas DataFrame or a :class:`~mohtasib.io.LoadedTable`;
        one row per person or decision.
    label
        Binary outcome column (0/1, true/false, yes/no, Y/N); may be missing:
        such rows count for the selection rate only and are reported.
    attributes
        Protected-attribute columns. Missing values form the group ``<missing>``.
    score, threshold
        A numeric score; a row is flagged when ``score >= threshold``. With a
        score, AUC per group and calibration by score bin are reported too.
    prediction
        A binary decision column, used instead of ``score >= threshold``.
    intersections
        Also report every pairwise intersection and the full cross of attributes.
    reference
        Reference group per attribute (default: the largest group, always printed).
    min_denominator
        Rates whose own denominator is below this are flagged ``low_precision``;
        below 10 they are suppressed.
    confidence
        Confidence level of every interval.
    score_range
        If given, scores outside ``[low, high]`` raise InputError.
    engine
        ``"duckdb"`` (default) or ``"spark"``; see :mod:`mohtasib.engine`.

    Returns
    -------
    DisparityAudit
        Rates per group with intervals, disparities against the reference with
        intervals and family-wide adjusted p-values, and warnings.
    """
    _check_options(attributes, score, threshold, prediction, min_denominator, confidence)
    engine_name = resolve_engine(engine)
    spec = _Spec(label, tuple(attributes), score, threshold, prediction, score_range)
    if is_engine_input(data, engine_name):
        counted = _count_in_engine(data, spec, engine_name)
    else:
        counted = _count_from_frame(data, spec, engine_name)
    groupings = groupings_for(attributes, intersections=intersections)
    tables = build_tables(
        counted.cells,
        attributes=attributes,
        groupings=groupings,
        metrics=DECISION_METRICS,
        count_columns=DECISION_COUNTS,
        references=dict(reference or {}),
        min_denominator=min_denominator,
        confidence=confidence,
        source=counted.input_file.source,
    )
    scores, calibration = [], []
    if counted.score_cells is not None:
        scores = auc_by_group(counted.score_cells, groupings=groupings, confidence=confidence)
        calibration = calibration_by_group(
            counted.score_cells, attributes=attributes, confidence=confidence
        )
    parameters = {
        "label": label,
        "score": score,
        "threshold": threshold,
        "prediction": prediction,
        "attributes": list(attributes),
        "intersections": intersections,
        "reference": dict(reference or {}),
        "min_denominator": min_denominator,
        "confidence": confidence,
        "engine": engine_name,
    }
    return DisparityAudit(
        kind="decisions",
        metrics=tuple(m.key for m in DECISION_METRICS),
        groups=tables.groups,
        disparities=tables.disparities,
        references=tables.references,
        family_size=tables.family_size,
        warnings=(*counted.warnings, *tables.warnings),
        parameters=parameters,
        inputs=(counted.input_file,),
        n_rows=counted.n_rows,
        scores=tuple(scores),
        calibration=tuple(calibration),
    )


@dataclass(frozen=True)
class _Spec:
    label: str
    attributes: tuple[str, ...]
    score: str | None
    threshold: float | None
    prediction: str | None
    score_range: tuple[float, float] | None

    @property
    def columns(self) -> list[str]:
        optional = (c for c in (self.score, self.prediction) if c is not None)
        return [self.label, *self.attributes, *optional]


@dataclass(frozen=True)
class _Counted:
    cells: pd.DataFrame
    score_cells: pd.DataFrame | None
    warnings: tuple[str, ...]
    input_file: InputFile
    n_rows: int


def _count_from_frame(data: DataArg, spec: _Spec, engine_name: str) -> _Counted:
    """Read into pandas, validate row by row (errors name the row), count in the engine."""
    frame, source, input_file, notes = load(data, spec.columns)
    y = binary_column(frame[spec.label], source=source, column=spec.label, allow_missing=True)
    values = None
    if spec.score is not None:
        low, high = spec.score_range if spec.score_range is not None else (None, None)
        values = numeric_column(
            frame[spec.score], source=source, column=spec.score, lower=low, upper=high
        )
    if spec.prediction is not None:
        flags = binary_column(
            frame[spec.prediction], source=source, column=spec.prediction, allow_missing=False
        )
    else:
        assert values is not None and spec.threshold is not None
        flags = (values >= spec.threshold).astype(float)
    arrays = attribute_arrays(frame, spec.attributes)
    warnings = [*notes, *missing_attribute_warnings(frame, spec.attributes, arrays)]
    unlabelled = int(np.isnan(y).sum())
    if unlabelled:
        warnings.append(
            f"{unlabelled} row(s) have no value for the label {spec.label!r}; they count for "
            "the selection rate but are left out of every outcome-based rate"
        )
    backend = connect(engine_name)
    cells = decision_cells(
        backend, frame, attributes=spec.attributes, flagged=flags, label=y, arrays=arrays
    )
    s_cells = None
    if values is not None:
        s_cells = score_cells(backend, frame, attributes=spec.attributes, score=values, label=y)
    return _Counted(cells, s_cells, tuple(warnings), input_file, len(frame))


def _count_in_engine(data: DataArg | Any, spec: _Spec, engine_name: str) -> _Counted:
    """Validate and count inside the engine; the rows never pass through pandas."""
    backend, table, input_file = engine_table(data, engine_name)
    prepared = prepare_decisions(
        table,
        source=input_file.source,
        label=spec.label,
        attributes=spec.attributes,
        score=spec.score,
        threshold=spec.threshold,
        prediction=spec.prediction,
        score_range=spec.score_range,
    )
    cells = decision_counts(backend, prepared.table, spec.attributes)
    s_cells = None
    if spec.score is not None:
        s_cells = score_counts(backend, prepared.table, spec.attributes)
    file = InputFile(input_file.source, input_file.sha256, prepared.n_rows)
    return _Counted(cells, s_cells, prepared.warnings, file, prepared.n_rows)


def _check_options(
    attributes: Sequence[str],
    score: str | None,
    threshold: float | None,
    prediction: str | None,
    min_denominator: int,
    confidence: float,
) -> None:
    if not attributes:
        raise ConfigError("no protected attribute given; want at least one (--attr)")
    if prediction is None and (score is None or threshold is None):
        raise ConfigError(
            "want either a prediction column (--prediction) or a score and a threshold "
            "(--score and --threshold)"
        )
    if threshold is not None and score is None:
        raise ConfigError("a threshold was given without a score column (--score)")
    if prediction is not None and threshold is not None:
        raise ConfigError("give a prediction column or a threshold, not both")
    if min_denominator < 1:
        raise ConfigError(f"got min_denominator {min_denominator}; want at least 1")
    if not 0 < confidence < 1:
        raise ConfigError(f"got confidence {confidence}; want a number between 0 and 1")
