"""Definitions of the rates an audit reports, as numerator and denominator counts.

Counts per group (computed in the engine, see ``_counts.py``): ``n`` rows,
``flagged`` rows with a positive decision, and over rows with a known outcome
``tp``, ``fp``, ``fn``, ``tn`` (true/false positives/negatives).

========== ======================= ================ =====================================
key        name                    numerator        denominator
========== ======================= ================ =====================================
selection  selection (flag) rate   flagged          n (all rows of the group)
base_rate  base rate (prevalence)  tp + fn          tp + fp + fn + tn (known outcome)
tpr        true positive rate      tp               tp + fn
fpr        false positive rate     fp               fp + tn
fnr        false negative rate     fn               tp + fn
tnr        true negative rate      tn               fp + tn
ppv        positive predictive v.  tp               tp + fp
npv        negative predictive v.  tn               tn + fn
fdr        false discovery rate    fp               tp + fp
for        false omission rate     fn               tn + fn
========== ======================= ================ =====================================

The selection rate is the share *of the group* that is flagged, not the
group's share of all flags (which Aequitas reports as "Predicted Positive
Rate" and uses for its "Statistical Parity").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["DECISION_METRICS", "STOP_METRICS", "MetricDefinition"]


@dataclass(frozen=True)
class MetricDefinition:
    """A rate defined from count columns.

    ``adverse`` says which direction burdens the people in the group:
    ``"higher"`` (being flagged, searched, wrongly flagged), ``"lower"`` or
    ``"neither"``. Reports use it to word findings; the arithmetic ignores it.
    """

    key: str
    label: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    adverse: str

    def counts(self, frame: pd.DataFrame) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Numerator and denominator arrays (one entry per row) from a frame of count columns."""
        return _total(frame, self.numerator), _total(frame, self.denominator)


def _total(frame: pd.DataFrame, columns: tuple[str, ...]) -> NDArray[np.int64]:
    out = frame[columns[0]].to_numpy(dtype=np.int64, copy=True)
    for name in columns[1:]:
        out += frame[name].to_numpy(dtype=np.int64)
    return out


_KNOWN = ("tp", "fp", "fn", "tn")

#: The rates of a decisions audit (:func:`mohtasib.fairness.audit`), in report order.
DECISION_METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("selection_rate", "selection (flag) rate", ("flagged",), ("n",), "higher"),
    MetricDefinition("base_rate", "base rate (recorded outcome)", ("tp", "fn"), _KNOWN, "neither"),
    MetricDefinition("tpr", "true positive rate", ("tp",), ("tp", "fn"), "neither"),
    MetricDefinition("fpr", "false positive rate", ("fp",), ("fp", "tn"), "higher"),
    MetricDefinition("fnr", "false negative rate", ("fn",), ("tp", "fn"), "neither"),
    MetricDefinition("tnr", "true negative rate", ("tn",), ("fp", "tn"), "lower"),
    MetricDefinition("ppv", "positive predictive value", ("tp",), ("tp", "fp"), "lower"),
    MetricDefinition("npv", "negative predictive value", ("tn",), ("tn", "fn"), "neither"),
    MetricDefinition("fdr", "false discovery rate", ("fp",), ("tp", "fp"), "higher"),
    MetricDefinition("for", "false omission rate", ("fn",), ("tn", "fn"), "neither"),
)

#: The rates of a stops audit (:func:`mohtasib.fairness.audit_stops`), in report order.
STOP_METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("search_rate", "search rate (among stops)", ("searched",), ("n",), "higher"),
    MetricDefinition(
        "hit_rate", "hit rate (found among searched)", ("found",), ("searched",), "lower"
    ),
)
