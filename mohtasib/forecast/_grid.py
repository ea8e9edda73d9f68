"""Square grids of cells in a projected coordinate reference system.

A grid covers the events' bounding box with square cells of ``cell_size``
metres in a projected CRS (by default the UTM zone of the events' mean
longitude and latitude). Cell ids are stable and documented: row-major,
``cell = iy * nx + ix``, where ``ix = floor((x - x0) / cell_size)`` counts
columns eastwards from the origin ``(x0, y0)`` (the south-west corner) and
``iy`` counts rows northwards. A point outside the grid has cell ``-1``.

The ``offset`` moves the lattice by ``(dx, dy)`` metres, so that the same
events can be gridded at several placements (grid-placement sensitivity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mohtasib.errors import InputError

__all__ = ["Grid", "utm_crs"]


def utm_crs(lon: float, lat: float) -> str:
    """The WGS 84 / UTM zone CRS (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south) of a point.

    Requires -180 <= lon <= 180 and -90 <= lat <= 90. Zones are the standard
    6-degree bands, ``zone = floor((lon + 180) / 6) + 1`` (zone 60 at lon = 180).
    """
    zone = min(math.floor((lon + 180.0) / 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _project(
    crs: str, lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Grid:
    """A lattice of square cells, with an optional mask of cells in the study area.

    Attributes
    ----------
    crs
        Projected CRS of ``x``/``y`` (metres), e.g. ``"EPSG:32616"``.
    x0, y0
        South-west corner of cell 0, in CRS metres.
    cell_size
        Side of a cell in metres (> 0).
    nx, ny
        Number of columns (eastwards) and rows (northwards).
    offset
        The ``(dx, dy)`` shift in metres the lattice was built with.
    mask
        Boolean array of length ``n_cells``; True for cells in the study area
        (by default, cells that ever had an event). None means every cell.
    """

    crs: str
    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int
    offset: tuple[float, float] = (0.0, 0.0)
    mask: NDArray[np.bool_] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.cell_size > 0:
            raise InputError(f"got cell_size {self.cell_size}; want a positive number of metres")
        if self.nx < 1 or self.ny < 1:
            raise InputError(f"got a {self.nx} x {self.ny} grid; want at least one cell")
        if self.mask is not None and self.mask.shape != (self.n_cells,):
            raise InputError(f"got a mask of shape {self.mask.shape}; want ({self.n_cells},)")

    @property
    def n_cells(self) -> int:
        """Number of cells, ``nx * ny``."""
        return self.nx * self.ny

    @property
    def active(self) -> NDArray[np.bool_]:
        """The mask, or all True when there is none."""
        return np.ones(self.n_cells, dtype=bool) if self.mask is None else self.mask

    @property
    def n_active(self) -> int:
        """Number of cells in the study area (True in :attr:`active`)."""
        return int(self.active.sum())

    @classmethod
    def from_events(
        cls,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        cell_size: float,
        offset: tuple[float, float] = (0.0, 0.0),
        crs: str | None = None,
    ) -> Grid:
        """The grid covering the events, masked to the cells that had an event.

        Parameters
        ----------
        lon, lat
            WGS 84 degrees (validated by :func:`mohtasib.forecast.read_events`).
        cell_size
            Cell side in metres.
        offset
            Shift of the lattice in metres; the origin is the largest lattice
            point ``offset + k * cell_size`` at or below the events' minimum.
        crs
            Projected CRS; default the UTM zone of the mean longitude and latitude.
        """
        lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if lon_a.size == 0:
            raise InputError("got no events; want at least one to build a grid")
        crs = crs or utm_crs(float(lon_a.mean()), float(lat_a.mean()))
        x, y = _project(crs, lon_a, lat_a)
        dx, dy = float(offset[0]), float(offset[1])
        x0 = math.floor((x.min() - dx) / cell_size) * cell_size + dx
        y0 = math.floor((y.min() - dy) / cell_size) * cell_size + dy
        nx = math.floor((x.max() - x0) / cell_size) + 1
        ny = math.floor((y.max() - y0) / cell_size) + 1
        bare = cls(crs, x0, y0, float(cell_size), nx, ny, (dx, dy))
        mask = np.zeros(bare.n_cells, dtype=bool)
        mask[bare.cell_of(x, y)] = True
        return cls(crs, x0, y0, float(cell_size), nx, ny, (dx, dy), mask)

    def project(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project WGS 84 longitude/latitude to this grid's CRS (metres)."""
        return _project(self.crs, lon, lat)

    def cell_of(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Cell id ``iy * nx + ix`` of each point (CRS metres); -1 outside the grid."""
        ix = np.floor((np.asarray(x, dtype=float) - self.x0) / self.cell_size)
        iy = np.floor((np.asarray(y, dtype=float) - self.y0) / self.cell_size)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        cells = np.where(inside, iy * self.nx + ix, -1)
        return cells.astype(np.int64)

    def indices(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Column ``ix`` and row ``iy`` of every cell, in cell-id order."""
        ids = np.arange(self.n_cells, dtype=np.int64)
        return ids % self.nx, ids // self.nx

    def centroids(self) -> NDArray[np.float64]:
        """``(n_cells, 2)`` array of cell centres ``(x, y)`` in CRS metres, in cell-id order."""
        ix, iy = self.indices()
        half = self.cell_size / 2.0
        return np.column_stack(
            (self.x0 + ix * self.cell_size + half, self.y0 + iy * self.cell_size + half)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "crs": self.crs,
            "x0": self.x0,
            "y0": self.y0,
            "cell_size": self.cell_size,
            "nx": self.nx,
            "ny": self.ny,
            "n_cells": self.n_cells,
            "n_active": self.n_active,
            "offset": list(self.offset),
            "cell_id": "iy * nx + ix (row-major from the south-west corner)",
        }
