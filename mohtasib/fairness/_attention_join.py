"""Points (predictions, recorded crime) read, checked and joined to the areas that contain them.

Coordinates are compared in WGS84 degrees. Areas or points in another
coordinate reference system are converted with pyproj when their CRS is named
(``areas_crs``, ``points_crs``), with a warning saying so; unnamed coordinates
outside the degree ranges are an error (a mismatched CRS is never joined
silently). The join is a shapely STRtree point-in-polygon query (Guttman 1984,
"R-trees"; Leutenegger, Lopez & Edgington 1997, "STR: a simple and efficient
algorithm for R-tree packing").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.errors import InputError
from mohtasib.fairness._result import InputFile
from mohtasib.io import read_table

__all__ = ["Points", "area_polygons", "join_points", "read_points"]

Features = Sequence[Mapping[str, Any]]
_WGS84 = ("EPSG:4326", "OGC:CRS84", "WGS84")


@dataclass(frozen=True)
class Points:
    """Checked points in WGS84 degrees, with a count each and, optionally, a day number."""

    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    day: np.ndarray | None  # integer days since the first date; None without a date column
    input: InputFile
    warnings: tuple[str, ...]


def read_points(
    data: str | Path | pd.DataFrame,
    *,
    count_column: str | None,
    date_column: str | None = None,
    crs: str | None = None,
    role: str = "prediction",
) -> Points:
    """Read ``lat``, ``lon``, an optional count and an optional date column; check every row.

    ``count_column`` None counts each row once (one recorded event per row).
    Raises InputError naming the file, row and column of the first missing,
    non-numeric or negative value, of an unreadable date, and for coordinates
    outside the WGS84 degree ranges when no ``crs`` is named.
    """
    wanted = ["lat", "lon", *(c for c in (count_column, date_column) if c)]
    if isinstance(data, pd.DataFrame):
        missing = [c for c in wanted if c not in data.columns]
        if missing:
            raise InputError(f"column(s) {missing} missing; want {wanted}", source="<frame>")
        frame, source, sha = data, "<frame>", None
    else:
        table = read_table(data, columns=wanted)
        frame, source, sha = table.frame, table.source, table.sha256
    lat = _numbers(frame, "lat", source, allow_negative=True)
    lon = _numbers(frame, "lon", source, allow_negative=True)
    count = np.ones(len(frame)) if count_column is None else _numbers(frame, count_column, source)
    warnings: list[str] = []
    lon, lat = _to_degrees(lon, lat, crs, source, f"{role} points", warnings)
    day = None if date_column is None else _days(frame, date_column, source)
    return Points(lon, lat, count, day, InputFile(source, sha, len(frame)), tuple(warnings))


def _numbers(
    frame: pd.DataFrame, column: str, source: str, *, allow_negative: bool = False
) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) if allow_negative else ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad))
        want = "a number" if allow_negative else "a number >= 0"
        raise InputError(
            f"got {frame[column].iloc[row]!r}; want {want} (missing values are not counted "
            "as zero)",
            source=source,
            row=row + 1,
            column=column,
        )
    return values


def _days(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    stamps = pd.to_datetime(frame[column], errors="coerce", format="mixed")
    bad = stamps.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"got {frame[column].iloc[row]!r}; want a date (YYYY-MM-DD)",
            source=source,
            row=row + 1,
            column=column,
        )
    days = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    day_numbers = days.dt.normalize().to_numpy("datetime64[D]").astype(np.int64)
    result: np.ndarray = day_numbers - day_numbers.min()
    return result


def _to_degrees(
    x: np.ndarray, y: np.ndarray, crs: str | None, source: str, what: str, warnings: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (lon, lat) in WGS84 degrees, converting from a named CRS with a warning."""
    if crs is not None and crs.upper() not in _WGS84:
        from pyproj import CRS, Transformer
        from pyproj.exceptions import CRSError

        try:
            transformer = Transformer.from_crs(
                CRS.from_user_input(crs), "EPSG:4326", always_xy=True
            )
        except CRSError as exc:
            raise InputError(
                f"got CRS {crs!r} ({exc}); want e.g. EPSG:26971", source=source
            ) from None
        x, y = transformer.transform(x, y)
        warnings.append(f"{what} converted from {crs} to WGS84 degrees (EPSG:4326) before the join")
    if x.size and ((np.abs(y) > 90).any() or (np.abs(x) > 180).any()):
        raise InputError(
            f"{what}: coordinates outside the WGS84 degree ranges (|lat| <= 90, |lon| <= 180); "
            "they look projected: name their CRS (e.g. EPSG:26971) so they can be converted",
            source=source,
        )
    return np.asarray(x, float), np.asarray(y, float)


def area_polygons(
    features: Features, *, crs: str | None, source: str | None, warnings: list[str]
) -> list[Any]:
    """The areas' shapely geometries in WGS84 degrees (converted from ``crs`` when named)."""
    import shapely
    from shapely.geometry import shape

    polygons = [shape(f["geometry"]) for f in features]
    if crs is not None and crs.upper() not in _WGS84:
        coords = shapely.get_coordinates(polygons)
        lon, lat = _to_degrees(
            coords[:, 0], coords[:, 1], crs, source or "<areas>", "areas", warnings
        )
        polygons = list(shapely.set_coordinates(np.array(polygons), np.column_stack([lon, lat])))
        return polygons
    bounds = shapely.total_bounds(polygons)
    if np.isfinite(bounds).all() and (
        max(abs(bounds[0]), abs(bounds[2])) > 180 or max(abs(bounds[1]), abs(bounds[3])) > 90
    ):
        raise InputError(
            "areas: coordinates outside the WGS84 degree ranges; they look projected: name "
            "their CRS (e.g. EPSG:26971) so they can be converted",
            source=source,
        )
    return polygons


def join_points(polygons: Sequence[Any], points: Points) -> np.ndarray:
    """Index of the area containing each point, -1 for points outside every area.

    A point on an edge shared by two areas goes to the first of them in file order.
    """
    import shapely

    tree = shapely.STRtree(polygons)
    point_idx, area_idx = tree.query(shapely.points(points.lon, points.lat), predicate="intersects")
    order = np.lexsort((area_idx, point_idx))
    point_idx, area_idx = point_idx[order], area_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    owner = np.full(len(points.count), -1, dtype=np.int64)
    owner[point_idx[first]] = area_idx[first]
    return owner
