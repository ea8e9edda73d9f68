"""Place-based attention audit: whose neighbourhoods draw a forecaster's predictions.

Attention (predictions, patrols) is counted per area and attributed to the
groups living there in proportion to their share of the area's residents. The
per-group summary is the population-weighted exposure

    E_g = 1000 · Σ_a c_a · p_{g,a} / P_a  ÷  Σ_a p_{g,a},

the attention per 1,000 residents of the area the average member of group ``g``
lives in. This follows the block-group comparison of The Markup's methodology
(Sankin, Mehrotra, Mattu & Gilbertson 2021, "Crime Prediction Software
Promised to Be Free of Biases. New Data Shows It Perpetuates Them", The Markup /
Gizmodo, methodology section), which joined 5.9 million PredPol predictions to
census block groups and compared their demographics; the exposure statistic is
mohtasib's summary of that comparison, not a number The Markup published (their
own statistic is in :mod:`mohtasib.fairness._attention_markup`).

With recorded crime the same attribution gives each group's share of recorded
crime, and the ratio of attention per recorded crime to the reference group's:
whether attention follows recorded crime or goes beyond it. Recorded crime is
itself shaped by where police look (Lum & Isaac 2016, "To predict and serve?",
*Significance* 13(5)), so it is a second benchmark, not the truth.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.errors import ConfigError, InputError
from mohtasib.fairness._attention_boot import (
    area_weights,
    block_day_weights,
    percentile_interval,
    ratio_to_reference,
)
from mohtasib.fairness._attention_join import (
    Points,
    area_polygons,
    join_points,
    read_points,
)
from mohtasib.fairness._attention_lorenz import income_bands as _income_bands
from mohtasib.fairness._attention_lorenz import lorenz_curve
from mohtasib.fairness._attention_markup import targeting_composition
from mohtasib.fairness._attention_result import (
    AttentionAudit,
    GroupAttention,
)
from mohtasib.fairness._result import InputFile
from mohtasib.io import read_geojson, sha256_file

__all__ = ["audit_attention", "lorenz_curve"]

Features = Sequence[Mapping[str, Any]]
_UNITS = {"prediction": "prediction", "recorded-crime": "recorded crime"}


def audit_attention(
    areas: str | Path | Features,
    *,
    predictions: str | Path | pd.DataFrame | None = None,
    count_property: str = "count",
    prediction_count_column: str = "pred_count",
    prediction_date_column: str | None = None,
    crime: str | Path | pd.DataFrame | None = None,
    crime_count_column: str | None = None,
    areas_crs: str | None = None,
    points_crs: str | None = None,
    population_columns: Sequence[str],
    total_column: str | None = None,
    reference: str | None = None,
    income_column: str | None = None,
    income_per: str | None = None,
    income_bands: int = 4,
    n_boot: int = 1000,
    block_length: int = 7,
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
        Optional points (CSV/Parquet path or frame) with ``lat``, ``lon`` and
        ``prediction_count_column``; each point's count goes to the area
        containing it (shapely STRtree point-in-polygon join). When None, each
        area's ``count_property`` is its attention.
    count_property
        Areas' property holding their attention count (used without ``predictions``).
    prediction_count_column
        Column of ``predictions`` holding each point's count.
    prediction_date_column
        Optional date column of ``predictions``; when given, the ratios also get
        a moving-block bootstrap interval over days (Künsch 1989).
    crime
        Optional recorded-crime events (CSV/Parquet path or frame) with ``lat``,
        ``lon``; joined to the areas like the predictions, each group's share of
        recorded crime and its attention per recorded crime are reported.
    crime_count_column
        Column of ``crime`` with a count per row; default: each row is one event.
    areas_crs, points_crs
        CRS of the areas' and of the points' coordinates (e.g. ``EPSG:26971``)
        when they are not WGS84 degrees; they are converted with a warning.
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
    income_per
        Optional property dividing ``income_column`` per area, so that bands are
        of a share (e.g. ``eligible_for_frl`` per ``total_estimate_household``:
        the share of households eligible for free or reduced-price school meals,
        The Markup's income measure); areas where it is 0 are left unbanded.
    income_bands
        Number of quantile bands (fewer when income values tie).
    n_boot, confidence, random_state
        Percentile bootstrap over areas (Efron & Tibshirani 1993, ch. 13) for
        the ratios and shares, and over days where dates exist.
    block_length
        Consecutive days per block of the day bootstrap (1: day-level resampling).

    Returns
    -------
    AttentionAudit
        Per-group exposure and ratios, the Lorenz curve and Gini of attention
        per resident across areas, the income bands, and the recorded-crime comparison.

    Raises
    ------
    InputError
        A population, count or income property is missing, negative or not a
        number (the error names it and the feature); a point file lacks a column
        or has a missing, negative or non-numeric value; coordinates look
        projected and no CRS was named.
    ConfigError
        ``n_boot`` is negative, ``block_length`` below 1 or ``confidence`` outside (0, 1).
    """
    _check_parameters(n_boot, block_length, confidence)
    features, inputs = _features(areas)
    source = inputs[0].source if inputs else None
    frame = _area_table(features, population_columns, total_column, income_column, inputs)
    if income_per is not None and income_column is not None:
        per = _income(features, income_per, source)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["income"] = np.where(per > 0, frame["income"].to_numpy(float) / per, np.nan)
    warnings: list[str] = []
    polygons = (
        area_polygons(features, crs=areas_crs, source=source, warnings=warnings)
        if predictions is not None or crime is not None
        else []
    )
    days: np.ndarray | None = None
    if predictions is None:
        frame["count"] = _property(features, count_property, source)
    else:
        points = read_points(
            predictions,
            count_column=prediction_count_column,
            date_column=prediction_date_column,
            crs=points_crs,
        )
        frame["count"], days = _tally(polygons, points, "prediction", warnings)
        inputs = (*inputs, points.input)
    if crime is not None:
        events = read_points(crime, count_column=crime_count_column, crs=points_crs, role="crime")
        frame["crime"], _ = _tally(polygons, events, "recorded-crime", warnings)
        inputs = (*inputs, events.input)
    cols = list(population_columns)
    targeting = targeting_composition(
        frame["count"].to_numpy(float), frame["total"].to_numpy(float), frame[cols].to_numpy(float)
    )
    empty = (frame["total"] <= 0).to_numpy()
    if empty.any():
        crime_note = (
            f" and {frame.loc[empty, 'crime'].sum():g} recorded crime(s)"
            if crime is not None
            else ""
        )
        warnings.append(
            f"{int(empty.sum())} area(s) with no residents and {frame.loc[empty, 'count'].sum():g} "
            f"prediction(s){crime_note} are left out of the per-resident figures (never divided by)"
        )
    frame = frame.loc[~empty].reset_index(drop=True)
    if days is not None:
        days = days[:, ~empty]
    if frame.empty:
        raise InputError(
            "no area has residents; want at least one with population > 0", source=source
        )
    reference = _reference(frame, population_columns, reference)
    groups = _groups(
        frame, population_columns, reference, days, n_boot, block_length, confidence, random_state
    )
    groups = tuple(
        dataclasses.replace(
            g,
            most_targeted_share=_finite(targeting["most_targeted"][j]),
            least_targeted_share=_finite(targeting["least_targeted"][j]),
            top_decile_share=_finite(targeting["top_decile"][j]),
        )
        for j, g in enumerate(groups)
    )
    return AttentionAudit(
        reference=reference,
        groups=groups,
        lorenz=lorenz_curve(frame["count"].to_numpy(float), frame["total"].to_numpy(float)),
        income_bands=_income_bands(frame, income_bands) if income_column else (),
        income_column=income_column if income_per is None else f"{income_column} / {income_per}",
        total_attention=float(frame["count"].sum()),
        n_areas=len(frame),
        n_boot=n_boot,
        confidence=confidence,
        inputs=inputs,
        warnings=tuple(warnings),
        n_days=None if days is None else int(days.shape[0]),
        block_length=None if days is None else min(block_length, int(days.shape[0])),
        total_crime=float(frame["crime"].sum()) if crime is not None else None,
    )


def _check_parameters(n_boot: int, block_length: int, confidence: float) -> None:
    if n_boot < 0:
        raise ConfigError(f"got n_boot {n_boot}; want >= 0")
    if block_length < 1:
        raise ConfigError(f"got block_length {block_length}; want >= 1 day")
    if not 0 < confidence < 1:
        raise ConfigError(f"got confidence {confidence}; want a level in (0, 1)")


def _tally(
    polygons: Sequence[Any], points: Points, what: str, warnings: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Counts per area and, for dated points, a days × areas matrix; outside points are counted."""
    warnings.extend(points.warnings)
    owner = join_points(polygons, points)
    inside = owner >= 0
    if (~inside).any():
        warnings.append(
            f"{int((~inside).sum())} {what} point(s) with {points.count[~inside].sum():g} "
            f"{_UNITS[what]}(s) fall outside every area and are not counted"
        )
    sums = np.bincount(owner[inside], weights=points.count[inside], minlength=len(polygons))
    if points.day is None:
        return sums, None
    n_days = int(points.day.max()) + 1 if points.day.size else 1
    flat = points.day[inside] * len(polygons) + owner[inside]
    matrix = np.bincount(flat, weights=points.count[inside], minlength=n_days * len(polygons))
    return sums, matrix.reshape(n_days, len(polygons))


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


def _largest(frame: pd.DataFrame, population_columns: Sequence[str]) -> str:
    totals = frame[list(population_columns)].sum()
    return str(totals.idxmax())


def _reference(
    frame: pd.DataFrame, population_columns: Sequence[str], reference: str | None
) -> str:
    cols = list(population_columns)
    if reference is None:
        return _largest(frame, cols)
    if reference not in cols:
        raise InputError(f"got reference {reference!r}; want one of {cols}", column=reference)
    return reference


def _groups(
    frame: pd.DataFrame,
    population_columns: Sequence[str],
    reference: str,
    days: np.ndarray | None,
    n_boot: int,
    block_length: int,
    confidence: float,
    random_state: int | None,
) -> tuple[GroupAttention, ...]:
    cols = list(population_columns)
    ref = cols.index(reference)
    pop = frame[cols].to_numpy(float)  # areas × groups
    count = frame["count"].to_numpy(float)
    resident_share = pop / frame["total"].to_numpy(float)[:, None]
    attributed = count[:, None] * resident_share
    crime = frame["crime"].to_numpy(float)[:, None] * resident_share if "crime" in frame else None
    rng = np.random.default_rng(random_state)
    boot = _area_bootstrap(attributed, pop, crime, ref, area_weights(len(pop), n_boot, rng))
    day_ratios = None
    if days is not None and n_boot:
        weights = block_day_weights(days.shape[0], n_boot, block_length, rng)
        day_ratios = ratio_to_reference(weights @ (days @ resident_share), pop.sum(axis=0), ref)
    point = _area_bootstrap(attributed, pop, crime, ref, np.ones((1, len(pop))))
    total_count, total_crime = count.sum(), None if crime is None else crime.sum()
    out = []
    for j, group in enumerate(cols):
        ratio = point["ratio"][0, j]
        per_crime = None if crime is None else point["per_crime"][0, j]
        out.append(
            GroupAttention(
                group=group,
                population=float(pop[:, j].sum()),
                population_share=float(pop[:, j].sum() / frame["total"].sum()),
                attention=float(attributed[:, j].sum()),
                attention_share=float(attributed[:, j].sum() / total_count)
                if total_count
                else np.nan,
                per_1000=_finite(1000.0 * attributed[:, j].sum() / pop[:, j].sum())
                if pop[:, j].sum() > 0
                else None,
                ratio=_finite(ratio),
                ratio_ci=_ci(boot["ratio"][:, j], confidence, ratio),
                attention_share_ci=percentile_interval(boot["share"][:, j], confidence)
                if n_boot
                else None,
                ratio_ci_days=None
                if day_ratios is None
                else _ci(day_ratios[:, j], confidence, ratio),
                crime_share=None
                if crime is None or not total_crime
                else float(crime[:, j].sum() / total_crime),
                per_crime_ratio=None if per_crime is None else _finite(per_crime),
                per_crime_ratio_ci=None
                if crime is None
                else _ci(boot["per_crime"][:, j], confidence, per_crime),
            )
        )
    # The reference's ratios are 1 by definition; an interval [1, 1] would say nothing.
    out[ref] = dataclasses.replace(
        out[ref], ratio_ci=None, ratio_ci_days=None, per_crime_ratio_ci=None
    )
    return tuple(out)


def _area_bootstrap(
    attributed: np.ndarray, pop: np.ndarray, crime: np.ndarray | None, ref: int, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """Ratios and shares with areas weighted by ``weights`` (one row per resample)."""
    attention = weights @ attributed
    with np.errstate(invalid="ignore", divide="ignore"):
        share = attention / attention.sum(axis=1, keepdims=True)
    out = {"ratio": ratio_to_reference(attention, weights @ pop, ref), "share": share}
    if crime is not None:
        out["per_crime"] = ratio_to_reference(attention, weights @ crime, ref)
    return out


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _ci(
    values: np.ndarray, confidence: float, estimate: float | None
) -> tuple[float, float] | None:
    if estimate is None or not np.isfinite(estimate):
        return None
    return percentile_interval(values, confidence)
