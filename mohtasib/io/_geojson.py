"""GeoJSON reader (RFC 7946) for study areas and administrative boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mohtasib.errors import InputError

__all__ = ["read_geojson"]

_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def read_geojson(path: str | Path) -> list[dict[str, Any]]:
    """Read a GeoJSON FeatureCollection and return its features.

    Raises InputError when the file is missing, is not JSON, is not a
    FeatureCollection, or a feature lacks a valid geometry (the error names the
    1-based feature number as the row).
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason}); want GeoJSON", source=source) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"got type {got!r}; want a FeatureCollection", source=source)
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError("'features' is missing or not a list", source=source)
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in _GEOMETRY_TYPES:
            raise InputError(
                "feature has no valid geometry; want a GeoJSON geometry object",
                source=source,
                row=number,
                column="geometry",
            )
    return features
