"""Cells, recorded events per cell and day, and the true intensity layer.

The simulator works on a fixed list of cells (any shapes: a regular grid or the
661 rectangles of Lum & Isaac's Oakland grid) read from GeoJSON, and on records
that name their cell and date. Bad input raises :class:`~mohtasib.errors.InputError`
naming the file, 1-based data row and column; records without a cell are counted
in the warnings, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.errors import InputError, InsufficientDataError
from mohtasib.io import read_geojson, read_table

__all__ = ["CellGrid", "CellHistory", "read_cell_grid", "read_cell_history", "read_truth"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CellGrid:
    """The cells of a deployment, in a fixed order.

    Attributes
    ----------
    ids
        Each cell's identifier as text (e.g. Lum & Isaac's ``bin_index``).
    centroids
        ``(n_cells, 2)`` longitude and latitude of each cell's centre (WGS 84), or None.
    groups
        Each cell's area group (None where it has none), or None when no groups are given.
    source
        Where the cells came from.
    """

    ids: tuple[str, ...]
    centroids: FloatArray | None = field(default=None, repr=False)
    groups: tuple[str | None, ...] | None = None
    source: str = "<cells>"

    def __post_init__(self) -> None:
        n = len(self.ids)
        if n == 0:
            raise InputError("got no cells; want at least one", source=self.source)
        if len(set(self.ids)) != n:
            raise InputError("cell ids must be unique", source=self.source)
        if self.centroids is not None and self.centroids.shape != (n, 2):
            raise InputError(f"got centroids of shape {self.centroids.shape}; want ({n}, 2)")
        if self.groups is not None and len(self.groups) != n:
            raise InputError(f"got {len(self.groups)} groups; want one per cell ({n})")

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.ids)

    def index(self) -> dict[str, int]:
        """Map from cell id to position."""
        return {cell: i for i, cell in enumerate(self.ids)}

    def distances_m(self) -> FloatArray:
        """Pairwise centroid distances in metres (equirectangular on a sphere; city scale).

        Raises
        ------
        InputError
            The grid has no centroids.
        """
        if self.centroids is None:
            raise InputError("the cells have no coordinates; the kde model needs them")
        lon, lat = np.radians(self.centroids[:, 0]), np.radians(self.centroids[:, 1])
        x = 6_371_008.8 * lon * np.cos(lat.mean())
        y = 6_371_008.8 * lat
        return np.asarray(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]))


def _ring_centre(geometry: dict[str, Any]) -> tuple[float, float]:
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point":
        return float(coords[0]), float(coords[1])  # type: ignore[index]
    if geometry.get("type") == "MultiPolygon":
        coords = coords[0]  # type: ignore[index]
    ring = np.asarray(coords[0], dtype=np.float64)[:, :2]  # type: ignore[index]
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    return float(ring[:, 0].mean()), float(ring[:, 1].mean())


def read_cell_grid(
    path: str | Path, *, id_property: str, group_property: str | None = None
) -> CellGrid:
    """Read cells from a GeoJSON FeatureCollection of polygons (or points).

    The centre of a polygon is the mean of its outer ring's vertices (the centre of
    a rectangle). ``id_property`` names the property that identifies a cell (the value
    records use); ``group_property`` an optional area-group property.

    Raises
    ------
    InputError
        The file is not GeoJSON, a feature lacks the id property, or ids repeat.
    """
    source = str(path)
    features = read_geojson(path)
    ids, centres, groups = [], [], []
    for row, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        if props.get(id_property) is None:
            raise InputError(
                f"feature has no {id_property!r} property; want a cell id",
                source=source, row=row, column=id_property,
            )  # fmt: skip
        ids.append(str(props[id_property]))
        centres.append(_ring_centre(feature["geometry"]))
        if group_property is not None:
            value = props.get(group_property)
            groups.append(None if value is None else str(value))
    return CellGrid(
        tuple(ids),
        np.asarray(centres, dtype=np.float64),
        tuple(groups) if group_property is not None else None,
        source,
    )


@dataclass(frozen=True, eq=False)
class CellHistory:
    """Recorded events per day and cell, and the reported-only subset where known.

    Attributes
    ----------
    grid
        The cells (columns of the arrays).
    first_day
        ISO date of row 0.
    counts
        ``(n_days, n_cells)`` recorded events (reported + discovered), int64, >= 0.
    reported
        The same for events known to be reported by the public, or None when unknown.
    warnings
        Counted problems in the input (rows without a cell, and the like).
    source
        The file read.
    """

    grid: CellGrid
    first_day: str
    counts: IntArray = field(repr=False)
    reported: IntArray | None = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()
    source: str = "<records>"

    def __post_init__(self) -> None:
        if self.counts.ndim != 2 or self.counts.shape[1] != self.grid.n_cells:
            raise InputError(
                f"got counts of shape {self.counts.shape}; want (days, {self.grid.n_cells})"
            )
        if (self.counts < 0).any():
            raise InputError("got a negative count; want counts >= 0", source=self.source)
        if self.reported is not None and (
            self.reported.shape != self.counts.shape or (self.reported > self.counts).any()
        ):
            raise InputError("reported counts must have the counts' shape and not exceed them")

    @property
    def n_days(self) -> int:
        """Number of days covered."""
        return int(self.counts.shape[0])

    def daily_rate(self, *, reported_only: bool) -> FloatArray:
        """Mean records per day and cell over the whole history."""
        base = self.reported if reported_only and self.reported is not None else self.counts
        return np.asarray(base.sum(axis=0) / self.n_days, dtype=np.float64)


def _dates(raw: pd.Series, date_format: str | None, source: str, column: str) -> pd.Series:
    missing = raw.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise InputError(
            f"{int(missing.sum())} missing date(s); want a date for every record",
            source=source, row=row, column=column,
        )  # fmt: skip
    fmt = date_format or "ISO8601"
    parsed = pd.to_datetime(raw.astype(str).str.strip(), format=fmt, errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"unparseable date {raw.iloc[row - 1]!r}; want format {fmt}",
            source=source, row=row, column=column,
        )  # fmt: skip
    return parsed.dt.normalize()


def _cell_positions(
    raw: pd.Series, grid: CellGrid, source: str, column: str
) -> tuple[IntArray, int]:
    text = raw.map(lambda v: None if pd.isna(v) else _as_id(v))
    missing = text.isna().to_numpy()
    lookup = grid.index()
    pos = np.array([lookup.get(v, -1) if v is not None else -1 for v in text], dtype=np.int64)
    unknown = (pos < 0) & ~missing
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0]) + 1
        raise InputError(
            f"cell {text.iloc[row - 1]!r} is not in the grid ({grid.source}); "
            f"{int(unknown.sum())} record(s) name unknown cells",
            source=source, row=row, column=column,
        )  # fmt: skip
    return pos, int(missing.sum())


def _as_id(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _counts_column(frame: pd.DataFrame, column: str | None, source: str) -> IntArray:
    if column is None:
        return np.ones(len(frame), dtype=np.int64)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got count {frame[column].iloc[row - 1]!r}; want a whole number >= 0",
            source=source, row=row, column=column,
        )  # fmt: skip
    return values.astype(np.int64)


def read_cell_history(
    path: str | Path,
    grid: CellGrid,
    *,
    date_col: str = "date",
    cell_col: str = "cell",
    count_col: str | None = None,
    source_col: str | None = None,
    date_format: str | None = None,
) -> CellHistory:
    """Read records (one per row, or counts per row) into daily counts per cell.

    Parameters
    ----------
    path
        CSV or Parquet.
    grid
        The cells; every record's cell must be one of them.
    date_col, cell_col
        The date (day resolution) and cell-id columns.
    count_col
        Optional column of non-negative whole counts; default one record per row.
    source_col
        Optional column whose value ``reported`` marks records reported by the public
        (other values: found by police); enables the reported-only truth and training.
    date_format
        ``strftime`` format of the dates (``%m/%d/%y``); default ISO 8601.

    Raises
    ------
    InputError
        A column is missing, a date is missing or unparseable, a count is negative,
        missing or fractional, or a record names a cell not in the grid.
    InsufficientDataError
        No record has a cell.
    """
    columns = [c for c in (date_col, cell_col, count_col, source_col) if c is not None]
    table = read_table(path, columns=columns)
    frame, source = table.frame.reset_index(drop=True), table.source
    if frame.empty:
        raise InsufficientDataError(f"{source}: no records; want at least one row")
    days = _dates(frame[date_col], date_format, source, date_col)
    pos, n_missing = _cell_positions(frame[cell_col], grid, source, cell_col)
    weight = _counts_column(frame, count_col, source)
    keep = pos >= 0
    if not keep.any():
        raise InsufficientDataError(f"{source}: no record names a cell")
    first = days[keep].min()
    day_index = ((days - first).dt.days).to_numpy(dtype=np.int64)
    n_days = int(day_index[keep].max()) + 1
    shape = (n_days, grid.n_cells)
    counts = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, (day_index[keep], pos[keep]), weight[keep])
    reported = None
    if source_col is not None:
        is_rep = (frame[source_col].astype(str).str.strip().str.lower() == "reported").to_numpy()
        reported = np.zeros(shape, dtype=np.int64)
        sel = keep & is_rep
        np.add.at(reported, (day_index[sel], pos[sel]), weight[sel])
    warnings = tuple(table.notes)
    if n_missing:
        warnings += (f"{n_missing} record(s) without a cell in column {cell_col!r} not used",)
    return CellHistory(grid, first.date().isoformat(), counts, reported, warnings, source)


def read_truth(path: str | Path, grid: CellGrid, *, cell_col: str = "cell") -> FloatArray:
    """Read the true incident intensity: a ``rate`` (incidents per day) for every cell.

    Raises
    ------
    InputError
        A rate is missing, negative or not finite, a cell is unknown or repeated, or a
        grid cell has no rate.
    """
    table = read_table(path, columns=[cell_col, "rate"])
    frame, source = table.frame.reset_index(drop=True), table.source
    pos, n_missing = _cell_positions(frame[cell_col], grid, source, cell_col)
    if n_missing:
        row = int(np.flatnonzero(pos < 0)[0]) + 1
        raise InputError("missing cell id", source=source, row=row, column=cell_col)
    rate = pd.to_numeric(frame["rate"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(rate) | (rate < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got rate {frame['rate'].iloc[row - 1]!r}; want a number >= 0 (incidents per day)",
            source=source, row=row, column="rate",
        )  # fmt: skip
    seen = np.bincount(pos, minlength=grid.n_cells)
    if (seen > 1).any() or (seen == 0).any():
        which = grid.ids[int(np.flatnonzero(seen != 1)[0])]
        raise InputError(f"cell {which!r} has {seen[grid.index()[which]]} rates; want exactly 1",
                         source=source, column=cell_col)  # fmt: skip
    out = np.zeros(grid.n_cells)
    out[pos] = rate
    return out
