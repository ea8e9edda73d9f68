"""``mohtasib forecast backtest``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from mohtasib import forecast as lib
from mohtasib.cli._options import CONTEXT_SETTINGS, emit, json_options
from mohtasib.errors import ConfigError

__all__ = ["forecast"]

_NOTE = (
    "Events as supplied by the user ({source}); mohtasib did not verify their provenance. "
    "If they are generated (synthetic), say so wherever these results are shown."
)


def _factories(window: float) -> dict[str, Callable[[], lib.Forecaster]]:
    out: dict[str, Callable[[], lib.Forecaster]] = {
        "naive": lambda: lib.NaiveCountForecaster(window_days=window),
        "retrospective": lambda: lib.RetrospectiveHotspotForecaster(window_days=window),
        "prospective": lib.ProspectiveHotspotForecaster,
        "kde": lambda: lib.KdeForecaster(window_days=window),
    }
    etas = getattr(lib, "GridEtasForecaster", None)
    if etas is not None:
        out["etas"] = etas
    return out


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


def _day_number(text: str, tz: str | None) -> float:
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise ConfigError(f"got {text!r} for --test-start; want a date (YYYY-MM-DD)") from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return float(stamp.value) / 86_400e9


@click.group(context_settings=CONTEXT_SETTINGS)
def forecast() -> None:
    """Crime forecasts: does a hotspot model beat a naive count of past crime."""


@forecast.command("backtest")
@click.argument("events", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cell-size", type=float, default=150.0, show_default=True, help="Cell side (m).")
@click.option(
    "--models",
    default="naive,retrospective,prospective,kde",
    show_default=True,
    help="Comma-separated: naive, retrospective, prospective, kde (etas when available).",
)
@click.option("--train-days", type=float, default=365.0, show_default=True, help="Training window.")
@click.option("--test-start", required=True, help="First day of the test period (YYYY-MM-DD).")
@click.option("--test-days", type=float, default=90.0, show_default=True, help="Test period.")
@click.option("--horizon", default="1d", show_default=True, help="Forecast horizon: 8h, 1d, 1w.")
@click.option(
    "--coverage", default="0.01,0.05,0.1,0.2", show_default=True, help="Area shares flagged."
)
@click.option("--time-col", default="date", show_default=True, help="Timestamp column.")
@click.option("--lon-col", default="longitude", show_default=True, help="Longitude column.")
@click.option("--lat-col", default="latitude", show_default=True, help="Latitude column.")
@click.option("--tz", default=None, help="IANA zone of naive timestamps (America/Chicago).")
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random state.")
@json_options
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
    n_boot: int,
    seed: int,
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
    gridded, warnings = lib.read_events(
        events, time_col=time_col, lon_col=lon_col, lat_col=lat_col, tz=tz, cell_size=cell_size
    )
    horizon_days = _days(horizon, "--horizon")
    with click.progressbar(
        length=int(test_days // horizon_days), label="origins", file=sys.stderr
    ) as bar:
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
        )
    result = _with_warnings(result, warnings)
    emit(result, fmt=fmt, out=out, title="Forecast backtest", data_note=_NOTE.format(source=events))


def _with_warnings(result: lib.Backtest, warnings: tuple[str, ...]) -> lib.Backtest:
    import dataclasses

    return dataclasses.replace(result, warnings=warnings + result.warnings)
