"""Point events (time, place) read, validated and assigned to grid cells.

The events contract: one row per event with a timestamp column and WGS 84
longitude and latitude columns. Timestamps must parse (ISO 8601) and carry a
time zone, or the caller names one (``tz``) in which naive times are local.
Coordinates must lie in range; a latitude beyond +-90 with a longitude within
+-90 is reported as swapped columns. Any failure is an :class:`InputError`
naming the file, the 1-based data row and the column. Exact duplicate events
(same time and place) are kept and counted in the warnings: a duplicate may be
two victims of one incident, and dropping it is the analyst's decision.

With a study-area polygon, events whose cell is not in the study area (its
centre outside the polygon; see :mod:`mohtasib.forecast._grid`) are excluded,
and their number is kept (:attr:`GriddedEvents.n_outside`) and reported in the
warnings and the backtest JSON, never dropped silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.errors import InputError
from mohtasib.forecast._grid import Grid, StudyArea
from mohtasib.io import read_table

__all__ = ["GriddedEvents", "read_events", "regrid"]

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class GriddedEvents:
    """Events sorted by time, with their projected coordinates and cells.

    Attributes
    ----------
    cells
        int64 cell id of each event (see :class:`Grid`).
    times
        float64 days since 1970-01-01 00:00 UTC.
    x, y
        Projected coordinates in the grid's CRS (metres).
    grid
        The grid the cells refer to.
    n_outside
        Events read but excluded because their cell is outside the study area.
    """

    cells: NDArray[np.int64]
    times: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    grid: Grid
    n_outside: int = 0

    def __post_init__(self) -> None:
        n = self.times.size
        if not all(a.shape == (n,) for a in (self.cells, self.x, self.y)):
            raise InputError("cells, times, x and y must be 1-D arrays of one length")
        if n > 1 and bool(np.any(np.diff(self.times) < 0)):
            raise InputError("events must be sorted by time (read_events sorts them)")

    def __len__(self) -> int:
        return int(self.times.size)

    def between(self, start: float, end: float) -> GriddedEvents:
        """The events with ``start <= time < end`` (days since the epoch)."""
        lo, hi = np.searchsorted(self.times, [start, end], side="left")
        return GriddedEvents(
            self.cells[lo:hi], self.times[lo:hi], self.x[lo:hi], self.y[lo:hi], self.grid
        )


def _first_bad(bad: NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(bad)[0]) + 1


def _parse_times(
    raw: pd.Series, *, tz: str | None, source: str, column: str
) -> tuple[NDArray[np.float64], list[str]]:
    missing = raw.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"{int(missing.sum())} missing timestamp(s); want a time for every event",
            source=source,
            row=_first_bad(missing),
            column=column,
        )
    try:
        parsed = pd.to_datetime(raw.astype(str), format="ISO8601", errors="coerce", utc=False)
    except (ValueError, TypeError):  # mixed offsets and the like
        parsed = pd.to_datetime(raw.astype(str), format="ISO8601", errors="coerce", utc=True)
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype) and parsed.dtype == object:
        parsed = pd.to_datetime(raw.astype(str), format="ISO8601", errors="coerce", utc=True)
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = _first_bad(bad)
        raise InputError(
            f"unparseable timestamp {raw.iloc[row - 1]!r}; "
            "want ISO 8601 (YYYY-MM-DD HH:MM[:SS][+HH:MM])",
            source=source,
            row=row,
            column=column,
        )
    warnings: list[str] = []
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype):
        if tz is None:
            raise InputError(
                f"timestamps have no time zone (first: {raw.iloc[0]!r}); name the zone they are "
                "local to (tz='America/Chicago', --tz) or give offsets",
                source=source,
                row=1,
                column=column,
            )
        strict = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        parsed = parsed.dt.tz_localize(
            tz, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
        )
        n_dst = int(strict.isna().sum())
        if n_dst:
            warnings.append(
                f"{n_dst} local time(s) fell in a daylight-saving change in {tz}: ambiguous "
                "times read as daylight time, nonexistent ones moved forward to the next valid time"
            )
    ns = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
    return ns.astype(np.int64) / _NS_PER_DAY, warnings


def _check_coordinates(
    lon: NDArray[np.float64], lat: NDArray[np.float64], *, source: str, lon_col: str, lat_col: str
) -> None:
    for values, column in ((lon, lon_col), (lat, lat_col)):
        missing = ~np.isfinite(values)
        if missing.any():
            raise InputError(
                f"{int(missing.sum())} missing or non-numeric coordinate(s); "
                "want a number for every event",
                source=source,
                row=_first_bad(missing),
                column=column,
            )
    bad_lat = np.abs(lat) > 90
    if bad_lat.any():
        row = _first_bad(bad_lat)
        swapped = abs(lon[row - 1]) <= 90
        hint = " (longitude and latitude look swapped)" if swapped else ""
        raise InputError(
            f"got latitude {lat[row - 1]}; want -90..90{hint}",
            source=source,
            row=row,
            column=lat_col,
        )
    bad_lon = np.abs(lon) > 180
    if bad_lon.any():
        row = _first_bad(bad_lon)
        raise InputError(
            f"got longitude {lon[row - 1]}; want -180..180", source=source, row=row, column=lon_col
        )


def _numeric(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def read_events(
    data: str | Path | pd.DataFrame,
    *,
    time_col: str,
    lon_col: str,
    lat_col: str,
    tz: str | None = None,
    cell_size: float,
    offset: tuple[float, float] = (0.0, 0.0),
    crs: str | None = None,
    study_area: StudyArea | None = None,
) -> tuple[GriddedEvents, tuple[str, ...]]:
    """Read events, validate them against the events contract and grid them.

    Parameters
    ----------
    data
        A CSV/Parquet path (read with :func:`mohtasib.io.read_table`) or a frame.
    time_col, lon_col, lat_col
        The timestamp, WGS 84 longitude and latitude columns.
    tz
        IANA zone of naive timestamps (``"America/Chicago"``); required when
        the timestamps carry no offset.
    cell_size, offset, crs
        Passed to :meth:`Grid.from_events`.
    study_area
        Optional polygon; the study area is then the cells whose centre lies
        inside it, and events in other cells are excluded and counted.

    Returns
    -------
    events, warnings
        The events sorted by time on a grid masked to the study area (the
        cells that had an event, or those inside ``study_area``), and the
        counted warnings (duplicates, daylight-saving times, events outside).

    Raises
    ------
    InputError
        A column is missing; a timestamp is missing, unparseable or naive
        without ``tz``; a coordinate is missing, out of range or swapped; every
        event lies outside ``study_area``.
    """
    columns: Sequence[str] = [time_col, lon_col, lat_col]
    if isinstance(data, pd.DataFrame):
        source = "<frame>"
        missing = [c for c in columns if c not in data.columns]
        if missing:
            raise InputError(
                f"missing column(s) {missing}; have {list(data.columns)}", source=source
            )
        frame = data.loc[:, list(columns)].reset_index(drop=True)
    else:
        table = read_table(data, columns=columns)
        frame, source = table.frame.reset_index(drop=True), table.source
    if frame.empty:
        raise InputError("no events; want at least one row", source=source)
    lon, lat = _numeric(frame, lon_col), _numeric(frame, lat_col)
    _check_coordinates(lon, lat, source=source, lon_col=lon_col, lat_col=lat_col)
    times, warnings = _parse_times(frame[time_col], tz=tz, source=source, column=time_col)
    n_dup = int(pd.DataFrame({"t": times, "x": lon, "y": lat}).duplicated().sum())
    if n_dup:
        warnings.append(f"{n_dup} exact duplicate event(s) (same time and place) kept")
    grid = Grid.from_events(
        lon, lat, cell_size=cell_size, offset=offset, crs=crs, study_area=study_area
    )
    order = np.argsort(times, kind="stable")
    x, y = grid.project(lon[order], lat[order])
    events = _inside(x, y, times[order], grid)
    if events.n_outside:
        warnings.append(
            f"{events.n_outside} event(s) outside the study area {grid.study_area_label} "
            "excluded (their cell's centre lies outside the polygon)"
        )
    if len(events) == 0:
        raise InputError(
            f"all {events.n_outside} events lie outside the study area; "
            "want events inside the polygon (check the file and the coordinate columns)",
            source=source,
        )
    return events, tuple(warnings)


def _inside(
    x: NDArray[np.float64], y: NDArray[np.float64], times: NDArray[np.float64], grid: Grid
) -> GriddedEvents:
    cells = grid.cell_of(x, y)
    keep = cells >= 0
    keep[keep] = grid.active[cells[keep]]
    n_out = int((~keep).sum())
    return GriddedEvents(cells[keep], times[keep], x[keep], y[keep], grid, n_out)


def regrid(events: GriddedEvents, offset: tuple[float, float]) -> GriddedEvents:
    """The same events on the same kind of grid with the lattice moved to ``offset`` metres.

    The CRS, cell size and study area are kept; the mask is rebuilt by the
    same rule (cells with an event, or cell centres inside the polygon), so
    with a polygon a few boundary events may change sides: their number is
    in ``n_outside``, added to the events already excluded.
    """
    grid = events.grid.shifted(offset, events.x, events.y)
    moved = _inside(events.x, events.y, events.times, grid)
    return dataclasses.replace(moved, n_outside=moved.n_outside + events.n_outside)
