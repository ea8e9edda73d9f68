"""The bias audit of risk scores and decisions (flags) by protected group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mohtasib._validation import binary_column, numeric_column
from mohtasib.engine import connect, resolve_engine
from mohtasib.errors import ConfigError
from mohtasib.fairness._counts import DECISION_COUNTS, decision_cells, score_cells
from mohtasib.fairness._inputs import DataArg, load, missing_attribute_warnings
from mohtasib.fairness._metrics import DECISION_METRICS
from mohtasib.fairness._result import DisparityAudit
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
    columns = [label, *attributes, *(c for c in (score, prediction) if c is not None)]
    frame, source, input_file, notes = load(data, columns)
    y = binary_column(frame[label], source=source, column=label, allow_missing=True)
    values = None
    if score is not None:
        low, high = score_range if score_range is not None else (None, None)
        values = numeric_column(frame[score], source=source, column=score, lower=low, upper=high)
    if prediction is not None:
        flags = binary_column(
            frame[prediction], source=source, column=prediction, allow_missing=False
        )
    else:
        assert values is not None and threshold is not None
        flags = (values >= threshold).astype(float)
    warnings = [*notes, *missing_attribute_warnings(frame, attributes)]
    unlabelled = int(np.isnan(y).sum())
    if unlabelled:
        warnings.append(
            f"{unlabelled} row(s) have no value for the label {label!r}; they count for the "
            "selection rate but are left out of every outcome-based rate"
        )
    engine_name = resolve_engine(engine)
    backend = connect(engine_name)
    cells = decision_cells(backend, frame, attributes=attributes, flagged=flags, label=y)
    groupings = groupings_for(attributes, intersections=intersections)
    tables = build_tables(
        cells,
        attributes=attributes,
        groupings=groupings,
        metrics=DECISION_METRICS,
        count_columns=DECISION_COUNTS,
        references=dict(reference or {}),
        min_denominator=min_denominator,
        confidence=confidence,
        source=source,
    )
    scores, calibration = [], []
    if values is not None:
        s_cells = score_cells(backend, frame, attributes=attributes, score=values, label=y)
        scores = auc_by_group(s_cells, groupings=groupings, confidence=confidence)
        calibration = calibration_by_group(s_cells, attributes=attributes, confidence=confidence)
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
        warnings=(*warnings, *tables.warnings),
        parameters=parameters,
        inputs=(input_file,),
        n_rows=len(frame),
        scores=tuple(scores),
        calibration=tuple(calibration),
    )


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
