"""``mohtasib fairness audit``, ``mohtasib fairness stops`` and ``mohtasib fairness attention``."""

from __future__ import annotations

from pathlib import Path

import click

from mohtasib import fairness as lib
from mohtasib.cli._options import (
    CONTEXT_SETTINGS,
    emit,
    engine_option,
    format_options,
    parse_pairs,
)
from mohtasib.errors import ConfigError

__all__ = ["fairness"]

_NOTE = (
    "Data as supplied by the user ({source}); mohtasib did not verify its provenance. "
    "If it is generated (synthetic), say so wherever these results are shown."
)


@click.group(context_settings=CONTEXT_SETTINGS)
def fairness() -> None:
    """Bias audits: who is flagged, stopped, searched or wrongly flagged."""


@fairness.command("audit")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", required=True, help="Binary outcome column (may have missing values).")
@click.option("--score", default=None, help="Numeric score column.")
@click.option("--threshold", type=float, default=None, help="Flag rows with score >= threshold.")
@click.option("--prediction", default=None, help="Binary decision column (instead of a threshold).")
@click.option("--attr", "attrs", multiple=True, required=True, help="Protected attribute (repeat).")
@click.option("--intersections", is_flag=True, help="Also audit pairwise and full intersections.")
@click.option(
    "--reference",
    multiple=True,
    help="Reference group as ATTRIBUTE=VALUE (repeat). Default: largest.",
)
@click.option(
    "--min-denominator",
    type=int,
    default=30,
    show_default=True,
    help="Flag rates with a smaller denominator as low precision (below 10: suppressed).",
)
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Interval level.")
@click.option(
    "--score-range",
    default=None,
    help="LOW,HIGH: scores outside this range are an input error.",
)
@engine_option
@format_options
def audit_command(
    data: Path,
    label: str,
    score: str | None,
    threshold: float | None,
    prediction: str | None,
    attrs: tuple[str, ...],
    intersections: bool,
    reference: tuple[str, ...],
    min_denominator: int,
    confidence: float,
    score_range: str | None,
    engine: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Group rates, disparities with intervals and corrected p-values for a risk score.

    DATA is a CSV or Parquet file with one row per person or decision.
    """
    result = lib.audit(
        data,
        label=label,
        attributes=list(attrs),
        score=score,
        threshold=threshold,
        prediction=prediction,
        intersections=intersections,
        reference=parse_pairs(reference, option="--reference"),
        min_denominator=min_denominator,
        confidence=confidence,
        score_range=_range(score_range),
        engine=engine,
    )
    emit(result, fmt=fmt, out=out, title="Bias audit", data_note=_NOTE.format(source=data))


def _range(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"got {text!r} for --score-range; want LOW,HIGH") from None
    return low, high


def _location(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"got {text!r} for --location; want LAT,LON in degrees") from None
    return lat, lon


@fairness.command("stops")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group", required=True, help="Column with the stopped person's group.")
@click.option("--searched", required=True, help="Binary column: was the person searched.")
@click.option(
    "--found", multiple=True, required=True, help="Binary column: was something found (repeat)."
)
@click.option("--date", "date_col", default=None, help="Date column (for the veil of darkness).")
@click.option("--time", "time_col", default=None, help="Local clock-time column.")
@click.option("--lat", default=None, help="Latitude column (WGS84).")
@click.option("--lon", default=None, help="Longitude column (WGS84).")
@click.option("--location", default=None, help="LAT,LON for all stops when there are no columns.")
@click.option("--timezone", default=None, help="IANA time zone of the clock times.")
@click.option("--reference", default=None, help="Reference group. Default: the largest.")
@click.option("--veil-group", default=None, help="Group compared in the veil-of-darkness test.")
@click.option("--min-denominator", type=int, default=30, show_default=True, help="See audit.")
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Interval level.")
@engine_option
@format_options
def stops_command(
    data: Path,
    group: str,
    searched: str,
    found: tuple[str, ...],
    date_col: str | None,
    time_col: str | None,
    lat: str | None,
    lon: str | None,
    location: str | None,
    timezone: str | None,
    reference: str | None,
    veil_group: str | None,
    min_denominator: int,
    confidence: float,
    engine: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Search-rate and hit-rate disparities, and the veil-of-darkness test.

    DATA is a CSV or Parquet file with one row per stop.
    """
    result = lib.audit_stops(
        data,
        group=group,
        searched=searched,
        found=list(found),
        date=date_col,
        time=time_col,
        lat=lat,
        lon=lon,
        location=_location(location),
        timezone=timezone,
        reference=reference,
        veil_group=veil_group,
        min_denominator=min_denominator,
        confidence=confidence,
        engine=engine,
    )
    emit(
        result, fmt=fmt, out=out, title="Stop-and-search audit", data_note=_NOTE.format(source=data)
    )


@fairness.command("attention")
@click.option(
    "--areas",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="GeoJSON FeatureCollection of areas with population properties per group.",
)
@click.option(
    "--predictions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV/Parquet of points: lat, lon and a count. Default: the areas' count.",
)
@click.option("--count-property", default="count", show_default=True, help="Areas' count.")
@click.option(
    "--prediction-count-column", default="pred_count", show_default=True, help="Points' count."
)
@click.option(
    "--date-column", default=None, help="Date column of --predictions: adds a bootstrap over days."
)
@click.option(
    "--block-length", type=int, default=7, show_default=True, help="Days per bootstrap block."
)
@click.option(
    "--crime",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV/Parquet of recorded-crime events (lat, lon): compare with crime shares too.",
)
@click.option("--crime-count-column", default=None, help="Count per --crime row. Default: 1.")
@click.option("--areas-crs", default=None, help="CRS of the areas if not WGS84 (EPSG:26971).")
@click.option("--points-crs", default=None, help="CRS of the points if not WGS84.")
@click.option(
    "--population-columns", required=True, help="Comma-separated residents-per-group properties."
)
@click.option("--total-column", default=None, help="All residents. Default: sum of the groups.")
@click.option("--reference", default=None, help="Reference group. Default: largest.")
@click.option("--income-column", default=None, help="Numeric property for income bands.")
@click.option("--income-per", default=None, help="Property dividing --income-column (a share).")
@click.option("--income-bands", type=int, default=4, show_default=True, help="Quantile bands.")
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Interval level.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap random seed.")
@click.option("--data-note", default=None, help="What the data are (printed in the HTML report).")
@format_options
def attention_command(
    areas: Path,
    predictions: Path | None,
    count_property: str,
    prediction_count_column: str,
    date_column: str | None,
    block_length: int,
    crime: Path | None,
    crime_count_column: str | None,
    areas_crs: str | None,
    points_crs: str | None,
    population_columns: str,
    total_column: str | None,
    reference: str | None,
    income_column: str | None,
    income_per: str | None,
    income_bands: int,
    n_boot: int,
    confidence: float,
    seed: int,
    data_note: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Place-based attention by residents' group: shares, exposure ratios, Lorenz, Gini.

    Optionally against recorded crime (--crime) and over days (--date-column).
    """
    result = lib.audit_attention(
        areas,
        predictions=predictions,
        count_property=count_property,
        prediction_count_column=prediction_count_column,
        prediction_date_column=date_column,
        crime=crime,
        crime_count_column=crime_count_column,
        areas_crs=areas_crs,
        points_crs=points_crs,
        population_columns=[c.strip() for c in population_columns.split(",") if c.strip()],
        total_column=total_column,
        reference=reference,
        income_column=income_column,
        income_per=income_per,
        income_bands=income_bands,
        n_boot=n_boot,
        block_length=block_length,
        confidence=confidence,
        random_state=seed,
    )
    note = data_note or _NOTE.format(source=areas)
    emit(result, fmt=fmt, out=out, title="Attention audit", data_note=note)
