"""Deployment-loop simulation: forecast, allocate patrols, discover, record, refit.

Will a forecaster with a given patrol rule lock onto some neighbourhoods, and which
mitigation stops it? :func:`simulate_feedback` runs the loop of Lum & Isaac (2016,
"To predict and serve?", *Significance* 13(5)) on a grid of cells over many seeded
runs and measures allocation against the true intensity; :func:`simulate_urn` is
the two-region urn of Ensign et al. (2018, "Runaway feedback loops in predictive
policing", FAT*) with their correction.
"""

from __future__ import annotations

from mohtasib.feedback._allocate import Mitigation, parse_mitigation
from mohtasib.feedback._etas_batch import BatchEtasFit, fit_etas_batch, predict_etas_batch
from mohtasib.feedback._inputs import (
    CellGrid,
    CellHistory,
    read_cell_grid,
    read_cell_history,
    read_truth,
)
from mohtasib.feedback._metrics import gini, hhi, jensen_shannon, shares, total_variation
from mohtasib.feedback._result import (
    DAILY_MEASURES,
    SCHEMA_VERSION,
    Band,
    FeedbackSimulation,
    GroupShare,
    MitigationOutcome,
)
from mohtasib.feedback._simulate import FeedbackSettings, simulate_feedback
from mohtasib.feedback._urn import UrnSimulation, simulate_urn

__all__ = [
    "DAILY_MEASURES",
    "SCHEMA_VERSION",
    "Band",
    "BatchEtasFit",
    "CellGrid",
    "CellHistory",
    "FeedbackSettings",
    "FeedbackSimulation",
    "GroupShare",
    "Mitigation",
    "MitigationOutcome",
    "UrnSimulation",
    "fit_etas_batch",
    "gini",
    "hhi",
    "jensen_shannon",
    "parse_mitigation",
    "predict_etas_batch",
    "read_cell_grid",
    "read_cell_history",
    "read_truth",
    "shares",
    "simulate_feedback",
    "simulate_urn",
    "total_variation",
]
