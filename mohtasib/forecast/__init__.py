"""Crime-forecast models on grids and an honest rolling-origin backtest.

Does a hotspot forecast beat a naive count of past crime? Events are gridded
(:class:`Grid`, :func:`read_events`); forecasters follow scikit-learn
conventions (``fit(events)`` then ``predict(at, horizon)``).
"""

from __future__ import annotations

from mohtasib.forecast._backtest import (
    SCHEMA_VERSION,
    Backtest,
    Comparison,
    FlaggedCells,
    Forecaster,
    ModelScores,
    backtest,
)
from mohtasib.forecast._etas import EtasParameters, GridEtasForecaster, fit_grid_etas
from mohtasib.forecast._events import GriddedEvents, read_events, regrid
from mohtasib.forecast._grid import Grid, StudyArea, utm_crs
from mohtasib.forecast._models import (
    KdeForecaster,
    NaiveCountForecaster,
    ProspectiveHotspotForecaster,
    RetrospectiveHotspotForecaster,
)
from mohtasib.forecast._predict import PREDICTION_SCHEMA_VERSION, Prediction, predict
from mohtasib.forecast._scoring import OriginScores, rank_cells, score_origin
from mohtasib.forecast._sepp import SeppForecaster, SeppParameters

__all__ = [
    "PREDICTION_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "Backtest",
    "Comparison",
    "EtasParameters",
    "FlaggedCells",
    "Forecaster",
    "Grid",
    "GridEtasForecaster",
    "GriddedEvents",
    "KdeForecaster",
    "ModelScores",
    "NaiveCountForecaster",
    "OriginScores",
    "Prediction",
    "ProspectiveHotspotForecaster",
    "RetrospectiveHotspotForecaster",
    "SeppForecaster",
    "SeppParameters",
    "StudyArea",
    "backtest",
    "fit_grid_etas",
    "predict",
    "rank_cells",
    "read_events",
    "regrid",
    "score_origin",
    "utm_crs",
]
