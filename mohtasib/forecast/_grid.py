"""Square grids of cells in a projected coordinate reference system.

A grid covers the events' bounding box with square cells of ``cell_size``
metres in a projected CRS (by default the UTM zone of the events' mean
longitude and latitude). Cell ids are stable and documented: row-major,
``cell = iy * nx + ix``, where ``ix = floor((x - x0) / cell_size)`` counts
columns eastwards from the origin ``(x0, y0)`` (the south-west corner) and
``iy`` counts rows northwards. A point outside the grid has cell ``-1``.

The ``offset`` moves the lattice by ``(dx, dy)`` metres, so that the same
events can be gridded at several placements (grid-placement sensitivity).

The study area is one of two things. Without a polygon, it is the cells that
ever had an event (the mask :meth:`Grid.from_events` builds). With a
:class:`StudyArea` polygon (GeoJSON, WGS 84), the lattice covers the polygon's
bounding box and a cell is in the study area when its **centre** lies inside
the polygon (even-odd rule over every ring, so holes are excluded); cells
without events count towards the area too. Events are then in the study area
when their cell is, whatever side of the boundary the point itself lies on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mohtasib.errors import InputError

__all__ = ["Grid", "StudyArea", "utm_crs"]


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


Ring = NDArray[np.float64]


def _ring(coords: Any, *, source: str, feature: int) -> Ring:
    try:
        ring = np.asarray(coords, dtype=np.float64)
    except (TypeError, ValueError):
        ring = np.zeros((0, 0))
    if ring.ndim != 2 or ring.shape[0] < 4 or ring.shape[1] < 2:
        raise InputError(
            "polygon ring is not a list of at least 4 [longitude, latitude] positions",
            source=source,
            row=feature,
            column="geometry",
        )
    ring = ring[:, :2]
    if (
        not np.all(np.isfinite(ring))
        or np.any(np.abs(ring[:, 0]) > 180)
        or np.any(np.abs(ring[:, 1]) > 90)
    ):
        raise InputError(
            "polygon has a position outside longitude -180..180, latitude -90..90",
            source=source,
            row=feature,
            column="geometry",
        )
    return ring


def _polygons(geometry: dict[str, Any], *, source: str, feature: int) -> list[list[Ring]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = list(coords) if isinstance(coords, list) else [None]
    elif kind == "GeometryCollection":
        return [
            p
            for g in geometry.get("geometries", [])
            for p in _polygons(g, source=source, feature=feature)
        ]
    else:
        raise InputError(
            f"got a {kind} geometry; want Polygon or MultiPolygon for a study area",
            source=source,
            row=feature,
            column="geometry",
        )
    out = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise InputError("polygon has no rings", source=source, row=feature, column="geometry")
        out.append([_ring(r, source=source, feature=feature) for r in polygon])
    return out


@dataclass(frozen=True, eq=False)
class StudyArea:
    """A study-area polygon: the rings of one or more polygons in WGS 84 degrees.

    Inside is decided by the even-odd (crossing-number) rule over every ring
    of every polygon (O'Rourke 1998, "Computational Geometry in C", 2nd ed.,
    sec. 7.4): a point is inside when a ray from it crosses the rings an odd
    number of times, so holes and non-overlapping parts of a MultiPolygon are
    handled alike. Rings are projected vertex by vertex and joined by straight
    lines in the grid's CRS (GeoJSON's straight lines in degrees differ by
    well under a metre over city-sized edges).

    Attributes
    ----------
    rings
        Each ring as an ``(n, 2)`` array of ``(longitude, latitude)``.
    source
        Where the polygon came from (a file path), for messages and the JSON.
    """

    rings: tuple[Ring, ...]
    source: str = "<polygon>"

    def __post_init__(self) -> None:
        if not self.rings:
            raise InputError("study area has no polygon", source=self.source)

    @classmethod
    def from_geojson(cls, path: str | Path) -> StudyArea:
        """Read the Polygon and MultiPolygon features of a GeoJSON FeatureCollection.

        Every feature must be a (Multi)Polygon (RFC 7946, WGS 84 longitude,
        latitude); the study area is their union. Raises :class:`InputError`
        naming the file and the 1-based feature number otherwise.
        """
        from mohtasib.io import read_geojson

        source = str(path)
        features = read_geojson(path)
        if not features:
            raise InputError("no features; want at least one Polygon", source=source)
        rings: list[Ring] = []
        for number, feature in enumerate(features, start=1):
            for polygon in _polygons(feature["geometry"], source=source, feature=number):
                rings.extend(polygon)
        return cls(tuple(rings), source)

    @classmethod
    def from_rings(cls, rings: Sequence[ArrayLike], source: str = "<polygon>") -> StudyArea:
        """A study area from rings of ``(longitude, latitude)`` positions (closed or not)."""
        return cls(
            tuple(_ring(np.asarray(r, dtype=float), source=source, feature=1) for r in rings),
            source,
        )

    def projected(self, crs: str) -> tuple[Ring, ...]:
        """The rings in ``crs`` metres."""
        out = []
        for ring in self.rings:
            x, y = _project(crs, ring[:, 0], ring[:, 1])
            out.append(np.column_stack((x, y)))
        return tuple(out)

    def contains(self, crs: str, x: ArrayLike, y: ArrayLike) -> NDArray[np.bool_]:
        """Whether each point (``crs`` metres) is inside, by the even-odd rule."""
        px = np.asarray(x, dtype=float).reshape(-1)
        py = np.asarray(y, dtype=float).reshape(-1)
        inside = np.zeros(px.shape, dtype=bool)
        order = np.argsort(py, kind="stable")
        ys = py[order]
        for ring in self.projected(crs):
            x1, y1 = ring[:, 0], ring[:, 1]
            x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
            lo = np.searchsorted(ys, np.minimum(y1, y2), side="left")
            hi = np.searchsorted(ys, np.maximum(y1, y2), side="left")
            for e in np.flatnonzero(hi > lo):
                # the points with min(y1, y2) <= y < max(y1, y2): the edge spans their height
                idx = order[lo[e] : hi[e]]
                a, b, c, d = x1[e], y1[e], x2[e], y2[e]
                inside[idx] ^= px[idx] < (c - a) * (py[idx] - b) / (d - b) + a
        return inside.reshape(np.shape(x))


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
        (cells whose centre is inside ``study_area``, or without one the cells
        that ever had an event). None means every cell.
    study_area
        The polygon the mask came from, or None.
    """

    crs: str
    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int
    offset: tuple[float, float] = (0.0, 0.0)
    mask: NDArray[np.bool_] | None = field(default=None, repr=False)
    study_area: StudyArea | None = field(default=None, repr=False)

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
    def study_area_label(self) -> str:
        """The polygon's source, or ``"(cells with an event)"`` without one."""
        return "(cells with an event)" if self.study_area is None else self.study_area.source

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
        study_area: StudyArea | None = None,
    ) -> Grid:
        """The grid of the events' study area (see the module docstring).

        Parameters
        ----------
        lon, lat
            WGS 84 degrees (validated by :func:`mohtasib.forecast.read_events`).
        cell_size
            Cell side in metres.
        offset
            Shift of the lattice in metres; the origin is the largest lattice
            point ``offset + k * cell_size`` at or below the minimum coordinate.
        crs
            Projected CRS; default the UTM zone of the mean longitude and latitude
            (of the polygon's vertices when there is a study area).
        study_area
            Restrict the study area to the cells whose centre lies inside this
            polygon; without one, the mask is the cells that had an event.
        """
        lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if lon_a.size == 0:
            raise InputError("got no events; want at least one to build a grid")
        if crs is None:
            if study_area is not None:
                vertices = np.concatenate(study_area.rings)
                crs = utm_crs(float(vertices[:, 0].mean()), float(vertices[:, 1].mean()))
            else:
                crs = utm_crs(float(lon_a.mean()), float(lat_a.mean()))
        x, y = _project(crs, lon_a, lat_a)
        return cls.from_xy(x, y, crs=crs, cell_size=cell_size, offset=offset, study_area=study_area)

    @classmethod
    def from_xy(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        *,
        crs: str,
        cell_size: float,
        offset: tuple[float, float] = (0.0, 0.0),
        study_area: StudyArea | None = None,
    ) -> Grid:
        """As :meth:`from_events`, from coordinates already projected to ``crs``.

        Without ``study_area`` the lattice covers the points and the mask is
        the cells holding at least one; with it, the lattice covers the
        polygon's bounding box and the mask is the cells whose centre is inside.
        """
        x_a, y_a = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if study_area is not None:
            vertices = np.concatenate(study_area.projected(crs))
            bx, by = vertices[:, 0], vertices[:, 1]
        else:
            if x_a.size == 0:
                raise InputError("got no events; want at least one to build a grid")
            bx, by = x_a, y_a
        if not cell_size > 0:
            raise InputError(f"got cell_size {cell_size}; want a positive number of metres")
        dx, dy = float(offset[0]), float(offset[1])
        x0 = math.floor((bx.min() - dx) / cell_size) * cell_size + dx
        y0 = math.floor((by.min() - dy) / cell_size) * cell_size + dy
        nx = math.floor((bx.max() - x0) / cell_size) + 1
        ny = math.floor((by.max() - y0) / cell_size) + 1
        bare = cls(crs, x0, y0, float(cell_size), nx, ny, (dx, dy))
        if study_area is not None:
            centres = bare.centroids()
            mask = study_area.contains(crs, centres[:, 0], centres[:, 1])
            if not mask.any():
                raise InputError(
                    f"no cell centre of {cell_size:g} m lies inside the study area; "
                    "want a polygon larger than a cell",
                    source=study_area.source,
                )
        else:
            mask = np.zeros(bare.n_cells, dtype=bool)
            mask[bare.cell_of(x_a, y_a)] = True
        return cls(crs, x0, y0, float(cell_size), nx, ny, (dx, dy), mask, study_area)

    def shifted(self, offset: tuple[float, float], x: ArrayLike, y: ArrayLike) -> Grid:
        """The same kind of grid (CRS, cell size, study area) with the lattice moved to ``offset``.

        ``x``, ``y`` are the events' projected coordinates, which define the
        lattice and mask when there is no study-area polygon.
        """
        return Grid.from_xy(
            x,
            y,
            crs=self.crs,
            cell_size=self.cell_size,
            offset=offset,
            study_area=self.study_area,
        )

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
            "study_area": None if self.study_area is None else self.study_area.source,
            "study_area_rule": (
                "cells whose centre lies inside the study-area polygon (even-odd rule)"
                if self.study_area is not None
                else "cells with at least one event"
            ),
        }

    def corners_lonlat(self, cells: ArrayLike) -> NDArray[np.float64]:
        """WGS 84 ``(len(cells), 5, 2)`` closed rings (lon, lat) of the cells' squares.

        Corners in order south-west, south-east, north-east, north-west and
        south-west again (counter-clockwise, as RFC 7946 wants exterior rings).
        """
        from pyproj import Transformer

        ids = np.asarray(cells, dtype=np.int64)
        ix, iy = ids % self.nx, ids // self.nx
        left, bottom = self.x0 + ix * self.cell_size, self.y0 + iy * self.cell_size
        size = self.cell_size
        xs = np.stack([left, left + size, left + size, left, left], axis=1)
        ys = np.stack([bottom, bottom, bottom + size, bottom + size, bottom], axis=1)
        back = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = back.transform(xs, ys)
        return np.stack([np.asarray(lon), np.asarray(lat)], axis=2)

    def lonlat(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """WGS 84 longitude and latitude of points in this grid's CRS."""
        from pyproj import Transformer

        back = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = back.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
