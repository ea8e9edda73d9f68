"""Place-based attention audit: whose neighbourhoods draw a forecaster's predictions.

Attention (predictions, patrols) is counted per area and attributed to the
groups living there in proportion to their share of the area's residents. The
per-group summary is the population-weighted exposure

    E_g = 1000 · Σ_a c_a · p_{g,a} / P_a  ÷  Σ_a p_{g,a},

the attention per 1,000 residents of the area the average member of group ``g``
lives in. This follows the block-group comparison of The Markup's methodology
(Sankin, Mehrotra, Mattu, Cameron & Gilbert 2021, "Crime Prediction Software
Promised to Be Free of Biases. New Data Shows It Perpetuates Them", The Markup /
Gizmodo, methodology section), which joined 5.9 million PredPol predictions to
census block groups and compared their demographics; the exposure statistic is
mohtasib's summary of that comparison, not a number The Markup published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.errors import InputError
from mohtasib.fairness._attention_result import (
    AttentionAudit,
    GroupAttention,
    IncomeBand,
    LorenzCurve,
)
from mohtasib.fairness._result import InputFile
from mohtasib.io import read_geojson, read_table, sha256_file

__all__ = ["audit_attention", "lorenz_curve"]

Features = Sequence[Mapping[str, Any]]


def audit_attention(
    areas: str | Path | Features,
    *,
    predictions: str | Path | pd.DataFrame | None = None,
    count_property: str = "count",
    prediction_count_column: str = "pred_count",
    population_columns: Sequence[str],
    total_column: str | None = None,
    reference: str | None = None,
    income_column: str | None = None,
    income_bands: int = 4,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> AttentionAudit:
    """Compare each group's share of place-based attention with its share of residents.

    Parameters
    ----------
    areas
        A GeoJSON FeatureCollection path, or its features, one per area
        (e.g. census block groups) with population properties.
    predictions
        Optional points (CSV/Parquet path or frame) with ``lat``, ``lon`` (WGS84
        degrees) and ``prediction_count_column``; each point's count goes to the
        area containing it (shapely STRtree point-in-polygon join). When None,
        each area's ``count_property`` is its attention.
    count_property
        Areas' property holding their attention count (used without ``predictions``).
    prediction_count_column
        Column of ``predictions`` holding each point's count.
    population_columns
        Residents per group, one property per group (e.g. ``white_alone``).
    total_column
        Residents of all groups (e.g. ``total_estimate``); default: the sum of
        ``population_columns``. Shares are of this total.
    reference
        Group the ratios compare with; default: the group with most residents.
    income_column
        Optional numeric property; attention is also summarised by its
        ``income_bands`` quantile bands over areas.
    income_bands
        Number of quantile bands (fewer when income values tie).
    n_boot, confidence, random_state
        Percentile bootstrap over areas (Efron & Tibshirani 1993, ch. 13) for the ratios.

    Returns
    -------
    AttentionAudit
        Per-group exposure and ratios, the Lorenz curve and Gini of attention
        per resident across areas, and the income bands.

    Raises
    ------
    InputError
        A population, count or income property is missing, negative or not a
        number (the error names it and the feature); a prediction file lacks a column.
    """
    features, inputs = _features(areas)
    frame = _area_table(features, population_columns, total_column, income_column, inputs)
    warnings: list[str] = []
    if predictions is None:
        frame["count"] = _property(features, count_property, inputs[0].source if inputs else None)
    else:
        counts, joined_input, outside = _join_points(features, predictions, prediction_count_column)
        frame["count"] = counts
        inputs = (*inputs, joined_input)
        if outside[0]:
            warnings.append(
                f"{outside[0]} prediction point(s) with {outside[1]:g} prediction(s) "
                "fall outside every area and are not counted"
            )
    empty = frame["total"] <= 0
    if empty.any():
        warnings.append(
            f"{int(empty.sum())} area(s) with no residents and {frame.loc[empty, 'count'].sum():g} "
            "prediction(s) are left out of the per-resident figures (never divided by)"
        )
    frame = frame.loc[~empty].reset_index(drop=True)
    if frame.empty:
        raise InputError("no area has residents; want at least one with population > 0")
    groups = _groups(frame, population_columns, reference, n_boot, confidence, random_state)
    return AttentionAudit(
        reference=reference or _largest(frame, population_columns),
        groups=groups,
        lorenz=lorenz_curve(frame["count"].to_numpy(float), frame["total"].to_numpy(float)),
        income_bands=_income_bands(frame, income_bands) if income_column else (),
        income_column=income_column,
        total_attention=float(frame["count"].sum()),
        n_areas=len(frame),
        n_boot=n_boot,
        confidence=confidence,
        inputs=inputs,
        warnings=tuple(warnings),
    )


def _features(areas: str | Path | Features) -> tuple[Features, tuple[InputFile, ...]]:
    if isinstance(areas, str | Path):
        features = read_geojson(areas)
        return features, (InputFile(str(areas), sha256_file(areas), len(features)),)
    return areas, ()


def _property(features: Features, name: str, source: str | None) -> np.ndarray:
    """One numeric, non-negative property of every feature."""
    values = np.empty(len(features))
    for row, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        if name not in props:
            raise InputError(f"property {name!r} is missing", source=source, row=row, column=name)
        value = props[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise InputError(f"got {value!r}; want a number", source=source, row=row, column=name)
        if value < 0:
            raise InputError(f"got {value!r}; want >= 0", source=source, row=row, column=name)
        values[row - 1] = value
    return values


def _area_table(
    features: Features,
    population_columns: Sequence[str],
    total_column: str | None,
    income_column: str | None,
    inputs: tuple[InputFile, ...],
) -> pd.DataFrame:
    if not population_columns:
        raise InputError("no population columns given; want at least one group")
    source = inputs[0].source if inputs else None
    frame = pd.DataFrame({g: _property(features, g, source) for g in population_columns})
    if total_column is None:
        frame["total"] = frame[list(population_columns)].sum(axis=1)
    else:
        frame["total"] = _property(features, total_column, source)
    if income_column is not None:
        frame["income"] = _income(features, income_column, source)
    return frame


def _income(features: Features, name: str, source: str | None) -> np.ndarray:
    """The income property; missing (null) values become NaN and leave the area unbanded."""
    values = np.full(len(features), np.nan)
    for row, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        if name not in props:
            raise InputError(f"property {name!r} is missing", source=source, row=row, column=name)
        value = props[name]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(
                    f"got {value!r}; want a number", source=source, row=row, column=name
                )
            values[row - 1] = value
    return values


def _join_points(
    features: Features, predictions: str | Path | pd.DataFrame, count_column: str
) -> tuple[np.ndarray, InputFile, tuple[int, float]]:
    """Sum point counts per containing area; return the sums and (points, count) outside."""
    import shapely
    from shapely.geometry import shape

    if isinstance(predictions, pd.DataFrame):
        frame, source, sha = predictions, "<frame>", None
    else:
        table = read_table(predictions, columns=["lat", "lon", count_column])
        frame, source, sha = table.frame, table.source, table.sha256
    counts = pd.to_numeric(frame[count_column], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(counts) | (counts < 0) | ~np.isfinite(lat) | ~np.isfinite(lon)
    if bad.any():
        row = int(np.argmax(bad)) + 1
        raise InputError(
            "missing, non-numeric or negative value; want lat, lon and a count >= 0",
            source=source,
            row=row,
        )
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise InputError(
            "coordinates outside WGS84 degree ranges; want lat/lon in degrees "
            "(reproject projected coordinates first)",
            source=source,
        )
    polygons = [shape(f["geometry"]) for f in features]
    tree = shapely.STRtree(polygons)
    points = shapely.points(lon, lat)
    # 'intersects' keeps points on a shared edge; each point goes to its first area only.
    point_idx, area_idx = tree.query(points, predicate="intersects")
    first = np.unique(point_idx, return_index=True)[1]
    point_idx, area_idx = point_idx[first], area_idx[first]
    sums = np.bincount(area_idx, weights=counts[point_idx], minlength=len(polygons))
    inside = np.zeros(len(points), dtype=bool)
    inside[point_idx] = True
    outside = (int((~inside).sum()), float(counts[~inside].sum()))
    return sums, InputFile(source, sha, len(frame)), outside


def _largest(frame: pd.DataFrame, population_columns: Sequence[str]) -> str:
    totals = frame[list(population_columns)].sum()
    return str(totals.idxmax())


def _groups(
    frame: pd.DataFrame,
    population_columns: Sequence[str],
    reference: str | None,
    n_boot: int,
    confidence: float,
    random_state: int | None,
) -> tuple[GroupAttention, ...]:
    cols = list(population_columns)
    if reference is None:
        reference = _largest(frame, cols)
    elif reference not in cols:
        raise InputError(f"got reference {reference!r}; want one of {cols}", column=reference)
    pop = frame[cols].to_numpy(float)  # areas × groups
    count = frame["count"].to_numpy(float)
    total = frame["total"].to_numpy(float)
    attributed = count[:, None] * pop / total[:, None]
    per_1000 = _exposure(attributed.sum(axis=0), pop.sum(axis=0))
    ref = cols.index(reference)
    boot = _bootstrap_ratios(attributed, pop, ref, n_boot, random_state)
    alpha = (1 - confidence) / 2
    out = []
    for j, group in enumerate(cols):
        ratio = per_1000[j] / per_1000[ref] if per_1000[ref] > 0 else np.nan
        col = boot[:, j][np.isfinite(boot[:, j])]
        ci = (
            (float(np.quantile(col, alpha)), float(np.quantile(col, 1 - alpha)))
            if col.size
            else None
        )
        out.append(
            GroupAttention(
                group=group,
                population=float(pop[:, j].sum()),
                population_share=float(pop[:, j].sum() / total.sum()),
                attention=float(attributed[:, j].sum()),
                attention_share=float(attributed[:, j].sum() / count.sum())
                if count.sum()
                else np.nan,
                per_1000=None if np.isnan(per_1000[j]) else float(per_1000[j]),
                ratio=None if not np.isfinite(ratio) else float(ratio),
                ratio_ci=ci if np.isfinite(ratio) else None,
            )
        )
    return tuple(out)


def _exposure(attention: np.ndarray, population: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(population > 0, 1000.0 * attention / population, np.nan)


def _bootstrap_ratios(
    attributed: np.ndarray, pop: np.ndarray, ref: int, n_boot: int, random_state: int | None
) -> np.ndarray:
    """Ratios of exposure to the reference's, recomputed on areas resampled with replacement."""
    if n_boot <= 0:
        return np.empty((0, pop.shape[1]))
    n = len(pop)
    rng = np.random.default_rng(random_state)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    exposure = _exposure(weights @ attributed, weights @ pop)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios: np.ndarray = exposure / exposure[:, [ref]]
    return ratios


def lorenz_curve(attention: np.ndarray, population: np.ndarray) -> LorenzCurve:
    """Lorenz curve and Gini of attention per resident across areas (Lorenz 1905; Gini 1912).

    Requires ``population > 0`` for every area. Areas are sorted by
    ``attention / population``; the Gini is ``1 − Σ_i (X_i − X_{i−1})(Y_i + Y_{i−1})``
    over the cumulative resident shares ``X`` and attention shares ``Y`` (the
    trapezoid form of one minus twice the area under the curve), None when there is no attention.
    """
    order = np.argsort(attention / population, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(population[order]) / population.sum()])
    total = attention.sum()
    if total <= 0:
        return LorenzCurve(tuple(x.tolist()), tuple(np.zeros_like(x).tolist()), None)
    y = np.concatenate([[0.0], np.cumsum(attention[order]) / total])
    gini = 1.0 - float(np.sum(np.diff(x) * (y[1:] + y[:-1])))
    return LorenzCurve(tuple(x.tolist()), tuple(y.tolist()), gini)


def _income_bands(frame: pd.DataFrame, bands: int) -> tuple[IncomeBand, ...]:
    """Attention per 1,000 residents in quantile bands of income over areas (1 = lowest)."""
    known = frame.dropna(subset=["income"])
    if known.empty:
        return ()
    labels = pd.qcut(known["income"], q=bands, labels=False, duplicates="drop")
    out = []
    for band, part in known.groupby(labels.to_numpy(dtype=int)):
        population, attention = float(part["total"].sum()), float(part["count"].sum())
        out.append(
            IncomeBand(
                band=int(band) + 1,  # type: ignore[call-overload]
                low=float(part["income"].min()),
                high=float(part["income"].max()),
                areas=len(part),
                population=population,
                attention=attention,
                per_1000=1000.0 * attention / population if population > 0 else None,
            )
        )
    return tuple(out)
