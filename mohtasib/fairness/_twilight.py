"""Light and darkness at each stop: the data preparation of the veil-of-darkness test.

For each location (latitude and longitude rounded to 2 decimals) and date,
sunset and civil dusk (sun 6° below the horizon) are computed in local clock
time with ``astral``. A stop is inside the inter-twilight window when its clock
minute lies strictly between the location's earliest dusk and latest sunset,
and ambiguous when it falls between that day's sunset and dusk. The test itself
is in ``_veil.py``; methods and references are in that module's docstring
(Grogger & Ridgeway 2006; Pierson et al. 2020).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mohtasib.errors import ConfigError, InputError

__all__ = ["DarknessTable", "darkness_table", "veil_options"]

_TIME = r"^\s*(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$"


@dataclass(frozen=True)
class DarknessTable:
    """One row per stop: group label, clock minute, location and light at that minute.

    Columns: ``group``, ``has_time`` (date and time present), ``has_location``,
    ``minute``, ``loc``, ``in_window`` (inside the location's inter-twilight
    window), ``ambiguous`` (between sunset and dusk), ``is_dark`` (after dusk).
    """

    frame: pd.DataFrame
    per_row_location: bool


def veil_options(
    *,
    date: str | None,
    time: str | None,
    lat: str | None,
    lon: str | None,
    location: tuple[float, float] | None,
    timezone: str | None,
) -> zoneinfo.ZoneInfo | None:
    """Check the veil-of-darkness options; return the time zone, or None if not asked.

    The test runs when ``date`` and ``time`` are both given. It then needs a
    location (``lat`` and ``lon`` columns, or one fixed ``location``) and an
    IANA ``timezone`` in which the times are local clock times.
    """
    if (date is None) != (time is None):
        raise ConfigError("the veil-of-darkness test needs both a date and a time column")
    if (lat is None) != (lon is None):
        raise ConfigError("give both a latitude and a longitude column, or neither")
    if date is None:
        if lat is not None or location is not None or timezone is not None:
            raise ConfigError("a location or time zone was given without date and time columns")
        return None
    if lat is not None and location is not None:
        raise ConfigError("give latitude/longitude columns or a fixed location, not both")
    if lat is None and location is None:
        raise ConfigError(
            "the veil-of-darkness test needs a location: latitude and longitude columns "
            "or one fixed location=(lat, lon)"
        )
    if location is not None:
        _check_coordinates(*location)
    if timezone is None:
        raise ConfigError(
            "times were given without a time zone; want an IANA name such as "
            "'Asia/Karachi' (times are read as local clock times there)",
            key="timezone",
        )
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"got time zone {timezone!r}; want an IANA name such as 'Asia/Karachi'",
            key="timezone",
        ) from None


def _check_coordinates(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(
            f"got location ({lat}, {lon}); want latitude -90..90, longitude -180..180"
        )


def darkness_table(
    frame: pd.DataFrame,
    *,
    source: str,
    groups: pd.Series,
    date: str,
    time: str,
    lat: str | None,
    lon: str | None,
    location: tuple[float, float] | None,
    tz: zoneinfo.ZoneInfo,
) -> DarknessTable:
    """Parse dates, times and locations and mark each stop as light, dark or ambiguous.

    Raises InputError (naming the source, row and column) for a date, time or
    coordinate that cannot be read; missing values only exclude the row.
    """
    days = _dates(frame[date], source=source, column=date, tz=tz)
    minutes = _clock_minutes(frame[time], source=source, column=time, tz=tz)
    if lat is not None and lon is not None:
        lats = _coordinate(frame[lat], source=source, column=lat, limit=90)
        lons = _coordinate(frame[lon], source=source, column=lon, limit=180)
    else:
        assert location is not None
        lats = np.full(len(frame), float(location[0]))
        lons = np.full(len(frame), float(location[1]))
    out = pd.DataFrame(
        {
            "group": groups.to_numpy(),
            "has_time": days.notna().to_numpy() & ~np.isnan(minutes),
            "has_location": ~np.isnan(lats) & ~np.isnan(lons),
            "minute": minutes,
            "day": days.to_numpy(),
            "lat": np.round(lats, 2),
            "lon": np.round(lons, 2),
        }
    )
    usable = out["has_time"] & out["has_location"]
    for name in ("in_window", "ambiguous", "is_dark"):
        out[name] = False
    if usable.any():
        light = _light_at(out.loc[usable], tz)
        for name in light.columns:
            out.loc[light.index, name] = light[name].to_numpy(dtype=bool)
    out["loc"] = out["lat"].map("{:.2f}".format) + "," + out["lon"].map("{:.2f}".format)
    return DarknessTable(out.drop(columns=["day", "lat", "lon"]), lat is not None)


def _dates(series: pd.Series, *, source: str, column: str, tz: zoneinfo.ZoneInfo) -> pd.Series:
    """Local calendar dates (datetime64 at midnight); NaT where missing."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(tz).dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        local: pd.Series = series.dt.normalize()
        return local
    text = series.astype("string").str.strip()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = (text.notna() & parsed.isna()).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {series.iloc[row - 1]!r}; want a date as YYYY-MM-DD ({int(bad.sum())} such rows)",
            source=source,
            row=row,
            column=column,
        )
    return parsed.dt.normalize()


def _clock_minutes(
    series: pd.Series, *, source: str, column: str, tz: zoneinfo.ZoneInfo
) -> np.ndarray:
    """Minutes after local midnight (seconds dropped, as Pierson et al.); NaN where missing."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(tz).dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        clock: np.ndarray = (series.dt.hour * 60 + series.dt.minute).to_numpy(
            dtype=float, na_value=np.nan
        )
        return clock
    text = series.astype("string")
    parts = text.str.extract(_TIME).astype("Float64")
    hours, mins = parts[0], parts[1]
    ok = (hours.notna() & (hours <= 23) & (mins <= 59)).to_numpy(dtype=bool, na_value=False)
    bad = text.notna().to_numpy(dtype=bool) & ~ok
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {series.iloc[row - 1]!r}; want a 24-hour clock time HH:MM or HH:MM:SS "
            f"({int(bad.sum())} such rows)",
            source=source,
            row=row,
            column=column,
        )
    return (hours * 60 + mins).to_numpy(dtype=float, na_value=np.nan)


def _coordinate(series: pd.Series, *, source: str, column: str, limit: float) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (np.isnan(values) & series.notna().to_numpy()) | (np.abs(values) > limit)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {series.iloc[row - 1]!r}; want degrees between -{limit} and {limit} "
            f"({int(bad.sum())} such rows)",
            source=source,
            row=row,
            column=column,
        )
    return values


def _light_at(rows: pd.DataFrame, tz: zoneinfo.ZoneInfo) -> pd.DataFrame:
    """``in_window``, ``ambiguous`` and ``is_dark`` for rows with a time and a location."""
    keys = rows[["lat", "lon", "day"]].drop_duplicates()
    twilight = [_twilight(lat, lon, day, tz) for lat, lon, day in keys.itertuples(index=False)]
    keys = keys.assign(
        sunset=[s for s, _ in twilight],
        dusk=[d for _, d in twilight],
    )
    window = keys.groupby(["lat", "lon"]).agg(
        min_dusk=("dusk", "min"), max_sunset=("sunset", "max")
    )
    merged = (
        rows.reset_index()
        .merge(keys, on=["lat", "lon", "day"])
        .merge(window, left_on=["lat", "lon"], right_index=True)
    )
    m = merged["minute"]
    out = pd.DataFrame(
        {
            # NaN sunset or dusk (polar day or night) compares False: outside the window.
            "in_window": (m > merged["min_dusk"]) & (m < merged["max_sunset"])
            & merged["sunset"].notna() & merged["dusk"].notna(),
            "ambiguous": ~((m < merged["sunset"]) | (m > merged["dusk"])),
            "is_dark": m > merged["dusk"],
        }
    )  # fmt: skip
    out.index = pd.Index(merged["index"].to_numpy())
    return out


def _twilight(
    lat: float, lon: float, day: pd.Timestamp, tz: zoneinfo.ZoneInfo
) -> tuple[float, float]:
    """Local sunset and civil dusk as minutes after midnight, NaN if they do not occur."""
    from astral import Observer
    from astral.sun import dusk, sunset

    observer = Observer(latitude=float(lat), longitude=float(lon))
    date: dt.date = day.date()
    out = []
    for event in (sunset, dusk):
        try:
            when = event(observer, date, tzinfo=tz)
        except ValueError:  # the sun does not set, or dusk does not come, that day
            out.append(float("nan"))
            continue
        out.append(float(when.hour * 60 + when.minute) if when.date() == date else float("nan"))
    return out[0], out[1]
