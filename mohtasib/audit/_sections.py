"""Runners of the fairness, stops, biometrics, ledger, forecast and attention sections."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mohtasib import biometrics, fairness, forecast, ledger
from mohtasib.biometrics import BiometricAudit
from mohtasib.errors import ConfigError
from mohtasib.fairness import DisparityAudit
from mohtasib.io import sha256_file
from mohtasib.ledger import LedgerStatistics
from mohtasib.report import SectionResult

__all__ = ["FORECASTERS", "RUNNERS", "Runner", "config_path"]


def config_path(base: Path, body: Mapping[str, Any], key: str) -> Path:
    """A file named by ``key``, relative to the configuration's folder."""
    return base / str(body[key])


def _flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{key}: got {value!r}; want true or false")
    return value


def _run_fairness(body: Mapping[str, Any], base: Path, engine: str | None) -> DisparityAudit:
    score_range = body.get("score_range")
    return fairness.audit(
        config_path(base, body, "data"),
        label=body["label"],
        attributes=list(body["attributes"]),
        score=body.get("score"),
        threshold=body.get("threshold"),
        prediction=body.get("prediction"),
        intersections=bool(body.get("intersections", False)),
        reference={str(k): str(v) for k, v in (body.get("reference") or {}).items()},
        min_denominator=int(body.get("min_denominator", 30)),
        confidence=float(body.get("confidence", 0.95)),
        score_range=tuple(score_range) if score_range else None,
        engine=engine,
    )


def _run_stops(body: Mapping[str, Any], base: Path, engine: str | None) -> DisparityAudit:
    found = body["found"]
    location = body.get("location")
    return fairness.audit_stops(
        config_path(base, body, "data"),
        group=body["group"],
        searched=body["searched"],
        found=[found] if isinstance(found, str) else list(found),
        date=body.get("date"),
        time=body.get("time"),
        lat=body.get("lat"),
        lon=body.get("lon"),
        location=(float(location[0]), float(location[1])) if location else None,
        timezone=body.get("timezone"),
        reference=body.get("reference"),
        veil_group=body.get("veil_group"),
        min_denominator=int(body.get("min_denominator", 30)),
        confidence=float(body.get("confidence", 0.95)),
        engine=engine,
    )


def _policy(body: Mapping[str, Any], base: Path) -> Path | dict[str, Any] | None:
    """``policy``: a YAML file (relative to the configuration) or the safeguards inline."""
    policy = body.get("policy")
    if policy is None:
        return None
    if isinstance(policy, str):
        return base / policy
    if not isinstance(policy, dict):
        raise ValueError(f"policy: got {policy!r}; want a file name or a mapping of safeguards")
    for key in policy:
        if key not in biometrics.SAFEGUARDS:
            raise ValueError(
                f"policy.{key}: unknown safeguard; want one of {', '.join(biometrics.SAFEGUARDS)}"
            )
    return dict(policy)


def _run_biometrics(body: Mapping[str, Any], base: Path, engine: str | None) -> BiometricAudit:
    # engine is unused: score sweeps are NumPy kernels, not Ibis aggregations (DESIGN.md).
    del engine
    group_by = body["group_by"]
    higher = _flag(body, "higher_is_similar", True)
    source = config_path(base, body, "comparisons")
    comparisons: Path | biometrics.Comparisons = source
    if _flag(body, "matrix", False):
        sentinel = body.get("sentinel")
        comparisons = biometrics.read_score_matrix(
            source,
            higher_is_similar=higher,
            sentinel=None if sentinel is None else float(sentinel),
        )
    elif "sentinel" in body:
        raise ValueError("sentinel: applies only with matrix: true")
    fmr_target = body.get("fmr_target")
    random_state = body.get("random_state", 0)
    return biometrics.audit_comparisons(
        comparisons,
        config_path(base, body, "subjects"),
        group_by=[group_by] if isinstance(group_by, str) else [str(g) for g in group_by],
        threshold=float(body["threshold"]),
        higher_is_similar=higher,
        symmetric=_flag(body, "symmetric", False),
        fmr_target=None if fmr_target is None else float(fmr_target),
        samples=config_path(base, body, "samples") if body.get("samples") else None,
        policy=_policy(body, base),
        alpha=float(body.get("alpha", 0.5)),
        confidence=float(body.get("confidence", 0.95)),
        n_bootstrap=int(body.get("n_bootstrap", 1000)),
        random_state=None if random_state is None else int(random_state),
        det_points=int(body.get("det_points", 200)),
    )


def _when(body: Mapping[str, Any], key: str) -> dt.datetime:
    """``start``/``end``: an ISO 8601 time with its zone, or a date (midnight UTC)."""
    value = body[key]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.utcoffset() is None:
        raise ValueError(f"{key}: got {value.isoformat()}; want a time with its zone (+05:00)")
    return value


def _run_ledger(body: Mapping[str, Any], base: Path, engine: str | None) -> LedgerStatistics:
    del engine  # the ledger is read from its own store, not through a tabular engine
    db = str(body["db"])
    days = body.get("retention_periods")
    if days is not None and not isinstance(days, dict):
        raise ValueError(f"retention_periods: got {days!r}; want a mapping of class to days")
    file = {
        k: base / str(body[k]) if k in body else None for k in ("keys", "private_key", "checkpoint")
    }
    vkey = body.get("vkey")
    return ledger.period_statistics(
        db if db.startswith(("postgresql://", "postgres://")) else base / db,
        start=_when(body, "start"),
        end=_when(body, "end"),
        vkey=base / str(vkey) if vkey and (base / str(vkey)).is_file() else vkey,
        retention_days=None if days is None else {str(k): float(v) for k, v in days.items()},
        retention_grace_days=float(body.get("retention_grace_days", 0.0)),
        keys=file["keys"], private_key=file["private_key"],
        checkpoint=base / str(body["checkpoint"]) if "checkpoint" in body else None,
    )  # fmt: skip


#: Forecasters the forecast section can run, by name; ``window`` is ``train_days``.
FORECASTERS: dict[str, Callable[[float], forecast.Forecaster]] = {
    "naive": lambda window: forecast.NaiveCountForecaster(window_days=window),
    "retrospective": lambda window: forecast.RetrospectiveHotspotForecaster(window_days=window),
    "prospective": lambda window: forecast.ProspectiveHotspotForecaster(),
    "kde": lambda window: forecast.KdeForecaster(window_days=window),
    "kde-nn": lambda window: forecast.KdeForecaster(
        window_days=window, bandwidth="nearest_neighbour"
    ),
    "etas": lambda window: forecast.GridEtasForecaster(),
    "sepp": lambda window: forecast.SeppForecaster(window_days=window),
}


def _day(body: Mapping[str, Any], key: str, tz: str | None) -> float:
    """``test_start``: a date or time, local to ``tz`` when naive; days since the epoch."""
    import pandas as pd

    stamp = pd.Timestamp(str(body[key]))
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return float(stamp.value) / 86_400e9


def _run_forecast(body: Mapping[str, Any], base: Path, engine: str | None) -> forecast.Backtest:
    del engine  # events are gridded with NumPy, not aggregated through Ibis
    path = config_path(base, body, "data")
    names = body.get("models", ["naive", "retrospective", "prospective", "kde"])
    if isinstance(names, str) or not isinstance(names, list) or not names:
        raise ValueError(f"models: got {names!r}; want a list of {', '.join(FORECASTERS)}")
    names = [str(n) for n in names]
    unknown = sorted(set(names) - set(FORECASTERS))
    if unknown:
        raise ValueError(f"models: got unknown {unknown}; want some of {', '.join(FORECASTERS)}")
    if "naive" not in names:
        names.insert(0, "naive")
    tz = body.get("tz")
    train_days = float(body.get("train_days", 365))
    coverages = body.get("coverages", [0.01, 0.05, 0.1, 0.2])
    if not isinstance(coverages, list):
        raise ValueError(f"coverages: got {coverages!r}; want a list of shares in (0, 1]")
    events, warnings = forecast.read_events(
        path,
        time_col=str(body.get("time_col", "date")),
        lon_col=str(body.get("lon_col", "longitude")),
        lat_col=str(body.get("lat_col", "latitude")),
        tz=None if tz is None else str(tz),
        cell_size=float(body.get("cell_size", 150)),
        study_area=forecast.StudyArea.from_geojson(config_path(base, body, "study_area"))
        if body.get("study_area")
        else None,
    )
    placements = int(body.get("offsets", 1))
    if placements < 1:
        raise ConfigError(
            f"sections.forecast.offsets: got {placements}; want a number of grid placements >= 1"
        )
    step = float(body.get("cell_size", 150)) / placements
    result = forecast.backtest(
        events,
        {name: FORECASTERS[name](train_days) for name in names},
        test_start=_day(body, "test_start", None if tz is None else str(tz)),
        test_days=float(body.get("test_days", 90)),
        horizon_days=float(body.get("horizon_days", 1)),
        train_days=train_days,
        coverages=[float(c) for c in coverages],
        n_boot=int(body.get("n_boot", 1000)),
        block_length=int(body["block_length"]) if body.get("block_length") is not None else None,
        random_state=int(body.get("random_state", 0)),
        refit_every=float(body["refit_every"]) if body.get("refit_every") is not None else None,
        offsets=[(i * step, i * step) for i in range(1, placements)],
    )
    parameters = {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in body.items()
        if k not in ("data", "title", "data_note")
    }
    return dataclasses.replace(
        result,
        warnings=tuple(warnings) + result.warnings,
        inputs=({"source": str(path), "role": "events", "sha256": sha256_file(path)},),
        parameters=parameters,
    )


def _run_attention(
    body: Mapping[str, Any], base: Path, engine: str | None
) -> fairness.AttentionAudit:
    del engine  # areas are GeoJSON and points are joined with shapely, not through Ibis
    columns = body["population_columns"]
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    files = {
        k: config_path(base, body, k) if body.get(k) else None for k in ("predictions", "crime")
    }
    seed = body.get("random_state", 0)
    return fairness.audit_attention(
        config_path(base, body, "areas"),
        predictions=files["predictions"],
        crime=files["crime"],
        count_property=str(body.get("count_property", "count")),
        prediction_count_column=str(body.get("prediction_count_column", "pred_count")),
        prediction_date_column=body.get("date_column"),
        crime_count_column=body.get("crime_count_column"),
        areas_crs=body.get("areas_crs"),
        points_crs=body.get("points_crs"),
        population_columns=[str(c) for c in columns],
        total_column=body.get("total_column"),
        reference=body.get("reference"),
        income_column=body.get("income_column"),
        income_per=body.get("income_per"),
        income_bands=int(body.get("income_bands", 4)),
        n_boot=int(body.get("n_boot", 1000)),
        block_length=int(body.get("block_length", 7)),
        confidence=float(body.get("confidence", 0.95)),
        random_state=None if seed is None else int(seed),
    )


Runner = Callable[[Mapping[str, Any], Path, str | None], SectionResult]

RUNNERS: dict[str, Runner] = {
    "fairness": _run_fairness,
    "stops": _run_stops,
    "biometrics": _run_biometrics,
    "ledger": _run_ledger,
    "forecast": _run_forecast,
    "attention": _run_attention,
}
