"""``mohtasib forecast backtest`` and ``mohtasib forecast predict``."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mohtasib import forecast as lib
from mohtasib.audit._sections import FORECASTERS
from mohtasib.cli._options import CONTEXT_SETTINGS, emit, format_options
from mohtasib.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["forecast"]

_NOTE = (
    "Events as supplied by the user ({source}); mohtasib did not verify their provenance. "
    "If they are generated (synthetic), say so wherever these results are shown."
)


def _factories(window: float) -> dict[str, Callable[[], lib.Forecaster]]:
    """Each model name to a maker of a fresh forecaster (the audit configuration's table)."""
    return {name: functools.partial(make, window) for name, make in FORECASTERS.items()}


def _days(text: str, option: str) -> float:
    units = {"d": 1.0, "w": 7.0, "h": 1.0 / 24.0}
    try:
        if text[-1:] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise ConfigError(
            f"got {text!r} for {option}; want a duration such as 1d, 8h or 1w"
        ) from None


def _floats(text: str, option: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"got {text!r} for {option}; want comma-separated numbers") from None


def _day_number(text: str, tz: str | None, option: str = "--test-start") -> float:
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise ConfigError(
            f"got {text!r} for {option}; want a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)"
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return float(stamp.value) / 86_400e9


def _event_options(func: F) -> F:
    """The events file's columns, the grid and the study area, shared by both commands."""
    options = [
        click.option(
            "--cell-size", type=float, default=150.0, show_default=True, help="Cell side (m)."
        ),
        click.option("--time-col", default="date", show_default=True, help="Timestamp column."),
        click.option("--lon-col", default="longitude", show_default=True, help="Longitude column."),
        click.option("--lat-col", default="latitude", show_default=True, help="Latitude column."),
        click.option("--tz", default=None, help="IANA zone of naive timestamps (America/Chicago)."),
        click.option(
            "--study-area",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="GeoJSON (Multi)Polygon: study area = cells whose centre lies inside; "
            "events in other cells are excluded and counted. Default: cells with an event.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _read(
    events: Path,
    *,
    cell_size: float,
    time_col: str,
    lon_col: str,
    lat_col: str,
    tz: str | None,
    study_area: Path | None,
) -> tuple[lib.GriddedEvents, tuple[str, ...]]:
    area = None if study_area is None else lib.StudyArea.from_geojson(study_area)
    return lib.read_events(
        events,
        time_col=time_col,
        lon_col=lon_col,
        lat_col=lat_col,
        tz=tz,
        cell_size=cell_size,
        study_area=area,
    )


@click.group(context_settings=CONTEXT_SETTINGS)
def forecast() -> None:
    """Crime forecasts: does a hotspot model beat a naive count of past crime."""


@forecast.command("backtest")
@click.argument("events", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--models",
    default="naive,retrospective,prospective,kde",
    show_default=True,
    help="Comma-separated model names (see the how-to for the list).",
)
@click.option("--train-days", type=float, default=365.0, show_default=True, help="Training window.")
@click.option("--test-start", required=True, help="First day of the test period (YYYY-MM-DD).")
@click.option("--test-days", type=float, default=90.0, show_default=True, help="Test period.")
@click.option("--horizon", default="1d", show_default=True, help="Forecast horizon: 8h, 1d, 1w.")
@click.option(
    "--coverage", default="0.01,0.05,0.1,0.2", show_default=True, help="Area shares flagged."
)
@_event_options
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random state.")
@click.option(
    "--refit-every",
    default=None,
    help="Refit each model only this often (1w, 28d); in between it forecasts from its last "
    "fit. Default: refit at every origin.",
)
@click.option(
    "--offsets",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Grid placements: N moves the lattice by 0, 1/N, ..., (N-1)/N of a cell (diagonally) "
    "and reports each metric's min-max over placements. 1: no sensitivity run.",
)
@format_options
def backtest_command(
    events: Path,
    cell_size: float,
    models: str,
    train_days: float,
    test_start: str,
    test_days: float,
    horizon: str,
    coverage: str,
    time_col: str,
    lon_col: str,
    lat_col: str,
    tz: str | None,
    study_area: Path | None,
    n_boot: int,
    seed: int,
    refit_every: str | None,
    offsets: int,
    fmt: str,
    out: Path | None,
) -> None:
    """Rolling-origin backtest of forecasters against the naive count.

    EVENTS is a CSV or Parquet file with one row per event (time, longitude, latitude).
    """
    factories = _factories(train_days)
    names = [name.strip() for name in models.split(",") if name.strip()]
    unknown = sorted(set(names) - set(factories))
    if unknown:
        raise ConfigError(f"got unknown model(s) {unknown} for --models; want {sorted(factories)}")
    if "naive" not in names:
        names.insert(0, "naive")
    gridded, warnings = _read(
        events,
        cell_size=cell_size,
        time_col=time_col,
        lon_col=lon_col,
        lat_col=lat_col,
        tz=tz,
        study_area=study_area,
    )
    horizon_days = _days(horizon, "--horizon")
    shifts = [(i * cell_size / offsets, i * cell_size / offsets) for i in range(1, offsets)]
    length = int((test_days + 1e-9) // horizon_days) * offsets
    with click.progressbar(length=length, label="origins", file=sys.stderr) as bar:
        result = lib.backtest(
            gridded,
            {name: factories[name]() for name in names},
            test_start=_day_number(test_start, tz),
            test_days=test_days,
            horizon_days=horizon_days,
            train_days=train_days,
            coverages=_floats(coverage, "--coverage"),
            n_boot=n_boot,
            random_state=seed,
            progress=lambda done, _total: bar.update(1),
            refit_every=None if refit_every is None else _days(refit_every, "--refit-every"),
            offsets=shifts,
        )
    result = _with_warnings(result, warnings)
    emit(result, fmt=fmt, out=out, title="Forecast backtest", data_note=_NOTE.format(source=events))


@forecast.command("predict")
@click.argument("events", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "model_name", default="naive", show_default=True, help="Model name.")
@click.option(
    "--at", required=True, help="Forecast origin (YYYY-MM-DD or YYYY-MM-DDTHH:MM, local to --tz)."
)
@click.option("--horizon", default="1d", show_default=True, help="Forecast horizon: 8h, 1d, 1w.")
@click.option("--train-days", type=float, default=365.0, show_default=True, help="Training window.")
@click.option(
    "--top-share",
    type=float,
    default=0.05,
    show_default=True,
    help="Flag this share of the study-area cells (highest forecast first).",
)
@click.option(
    "--top", type=click.IntRange(min=1), default=None, help="Flag this many cells instead."
)
@_event_options
@click.option("--seed", type=int, default=0, show_default=True, help="Random state (ties).")
@click.option("--flagged-only", is_flag=True, help="CSV/GeoJSON: write only the flagged cells.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "json", "html"]),
    default="csv",
    show_default=True,
    help="csv: one row per cell; geojson: cell squares in WGS 84; json: summary and flagged "
    "cells; html: a self-contained report.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def predict_command(
    events: Path,
    model_name: str,
    at: str,
    horizon: str,
    train_days: float,
    top_share: float,
    top: int | None,
    cell_size: float,
    time_col: str,
    lon_col: str,
    lat_col: str,
    tz: str | None,
    study_area: Path | None,
    seed: int,
    flagged_only: bool,
    fmt: str,
    out: Path | None,
) -> None:
    """One forecast: expected events per cell and the flagged cells, to publish.

    EVENTS is a CSV or Parquet file with one row per event (time, longitude, latitude).
    """
    factories = _factories(train_days)
    if model_name not in factories:
        raise ConfigError(f"got unknown model {model_name!r} for --model; want {sorted(factories)}")
    gridded, warnings = _read(
        events,
        cell_size=cell_size,
        time_col=time_col,
        lon_col=lon_col,
        lat_col=lat_col,
        tz=tz,
        study_area=study_area,
    )
    result = lib.predict(
        gridded,
        factories[model_name](),
        name=model_name,
        at=_day_number(at, tz, "--at"),
        horizon_days=_days(horizon, "--horizon"),
        train_days=train_days,
        top_share=top_share,
        top=top,
        random_state=seed,
    )
    parameters = {
        "events": str(events),
        "cell_size": cell_size,
        "study_area": None if study_area is None else str(study_area),
        "at": at,
        "tz": tz,
        "horizon": horizon,
        "train_days": train_days,
        "top_share": None if top is not None else top_share,
        "top": top,
        "seed": seed,
    }
    result = dataclasses.replace(result, warnings=warnings + result.warnings, parameters=parameters)
    if fmt == "csv":
        text = result.to_frame(flagged_only=flagged_only).to_csv(index=False)
    elif fmt == "geojson":
        text = json.dumps(result.to_geojson(flagged_only=flagged_only), allow_nan=False) + "\n"
    elif fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        from mohtasib.report._forecast_findings import prediction_report_html

        text = prediction_report_html(
            result, title="Forecast", data_note=_NOTE.format(source=events)
        )
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


def _with_warnings(result: lib.Backtest, warnings: tuple[str, ...]) -> lib.Backtest:
    return dataclasses.replace(result, warnings=warnings + result.warnings)
