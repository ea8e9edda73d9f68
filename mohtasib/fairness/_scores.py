"""Score diagnostics per group: AUC with an interval, and calibration by score bin.

* AUC is the Mann-Whitney probability that a randomly chosen positive scores
  above a randomly chosen negative (ties count one half), computed exactly from
  counts per distinct score; its interval is Hanley & McNeil (1982),
  Radiology 143:29-36, eq. 2 (normal approximation).
* Calibration: the observed outcome rate in each score bin with a Wilson
  interval. Scores with at most 20 distinct values are binned by value;
  otherwise by deciles of the pooled score distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mohtasib.fairness._intervals import proportion_interval
from mohtasib.fairness._result import CalibrationBin, GroupScoreSummary
from mohtasib.fairness._tables import grouping_name

__all__ = ["auc_by_group", "calibration_by_group", "hanley_mcneil_interval"]

_MAX_VALUE_BINS = 20


def hanley_mcneil_interval(
    auc: float, positives: int, negatives: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Hanley & McNeil (1982) normal interval for an AUC, clipped to [0, 1]."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)) / (
        positives * negatives
    )
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * float(np.sqrt(max(var, 0.0)))
    return max(0.0, auc - half), min(1.0, auc + half)


def _auc(scores: pd.DataFrame) -> tuple[float, int, int]:
    by_score = scores.groupby("score", sort=True)[["positives", "negatives"]].sum()
    pos, neg = by_score["positives"].to_numpy(), by_score["negatives"].to_numpy()
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan"), n_pos, n_neg
    below = np.concatenate(([0], np.cumsum(neg)[:-1]))
    wins = float(np.sum(pos * below) + 0.5 * np.sum(pos * neg))
    return wins / (n_pos * n_neg), n_pos, n_neg


def auc_by_group(
    cells: pd.DataFrame,
    *,
    groupings: Sequence[tuple[str, ...]],
    confidence: float = 0.95,
) -> list[GroupScoreSummary]:
    """AUC per group for every grouping, from counts per cell and score value."""
    out = []
    for grouping in groupings:
        for key, part in cells.groupby(list(grouping), observed=True, sort=True):
            label = " × ".join(map(str, key if isinstance(key, tuple) else (key,)))
            auc, n_pos, n_neg = _auc(part)
            ci = (
                hanley_mcneil_interval(auc, n_pos, n_neg, confidence=confidence)
                if not math.isnan(auc)
                else None
            )
            out.append(
                GroupScoreSummary(
                    grouping_name(grouping),
                    label,
                    None if math.isnan(auc) else auc,
                    ci,
                    n_pos,
                    n_neg,
                )
            )
    return out


def _bins(cells: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    values = np.sort(cells["score"].unique())
    if len(values) <= _MAX_VALUE_BINS:
        labels = [f"{v:g}" for v in values]
        return pd.Series(np.searchsorted(values, cells["score"]), index=cells.index), labels
    weights = cells["positives"] + cells["negatives"]
    order = np.argsort(cells["score"].to_numpy())
    cum = np.cumsum(weights.to_numpy()[order]) / weights.sum()
    edges = np.unique(np.interp(np.linspace(0, 1, 11)[1:-1], cum, cells["score"].to_numpy()[order]))
    index = np.searchsorted(edges, cells["score"].to_numpy(), side="right")
    bounds = [-np.inf, *edges, np.inf]
    labels = [f"({bounds[i]:.4g}, {bounds[i + 1]:.4g}]" for i in range(len(bounds) - 1)]
    return pd.Series(index, index=cells.index), labels


def calibration_by_group(
    cells: pd.DataFrame, *, attributes: Sequence[str], confidence: float = 0.95
) -> list[CalibrationBin]:
    """Observed outcome rate by score bin for each group of each attribute."""
    bin_index, labels = _bins(cells)
    frame = cells.assign(
        bin=bin_index,
        total=cells["positives"] + cells["negatives"],
        weighted=cells["score"] * (cells["positives"] + cells["negatives"]),
    )
    out = []
    for attribute in attributes:
        summed = frame.groupby([attribute, "bin"], sort=True)[
            ["positives", "total", "weighted"]
        ].sum()
        lo, hi = proportion_interval(summed["positives"], summed["total"], confidence=confidence)
        keys = summed.index.to_list()
        positives, totals, weighted = (
            summed[c].to_numpy() for c in ("positives", "total", "weighted")
        )
        for i, (group, bin_no) in enumerate(keys):
            n = int(totals[i])
            out.append(
                CalibrationBin(
                    attribute,
                    str(group),
                    labels[int(bin_no)],
                    float(weighted[i] / n),
                    n,
                    float(positives[i] / n),
                    (float(lo[i]), float(hi[i])),
                )
            )
    return out
