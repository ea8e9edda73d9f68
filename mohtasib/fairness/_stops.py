"""The stop-and-search audit: search and hit rates by group, and the veil of darkness.

The outcome test compares hit rates (the share of searches that find
something) across groups: a lower hit rate for a group suggests that its
members were searched on less evidence (Becker 1957; Knowles, Persico & Todd
2001; Pierson et al. 2020). The veil-of-darkness test (``_veil.py``) looks at
the decision to stop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mohtasib._validation import binary_column
from mohtasib.engine import connect, resolve_engine
from mohtasib.errors import ConfigError
from mohtasib.fairness._counts import stop_cells
from mohtasib.fairness._inputs import DataArg, load, missing_attribute_warnings
from mohtasib.fairness._metrics import STOP_METRICS
from mohtasib.fairness._result import DisparityAudit, VeilOfDarkness
from mohtasib.fairness._tables import build_tables
from mohtasib.fairness._twilight import darkness_table, veil_options
from mohtasib.fairness._veil import group_labels, veil_tests

__all__ = ["STOP_COUNTS", "audit_stops"]

#: Count columns returned by :func:`~mohtasib.fairness._counts.stop_cells`.
STOP_COUNTS = ("n", "searched", "found")


def audit_stops(
    data: DataArg,
    *,
    group: str,
    searched: str,
    found: Sequence[str],
    date: str | None = None,
    time: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
    location: tuple[float, float] | None = None,
    timezone: str | None = None,
    reference: str | None = None,
    veil_group: str | None = None,
    min_denominator: int = 30,
    confidence: float = 0.95,
    engine: str | None = None,
) -> DisparityAudit:
    """Audit search rates, hit rates and (optionally) the veil of darkness by group.

    Parameters
    ----------
    data
        A CSV/Parquet path, a pandas DataFrame or a :class:`~mohtasib.io.LoadedTable`;
        one row per stop.
    group
        The protected-attribute column (e.g. race). Missing values form the
        group ``<missing>``; they are reported, never dropped.
    searched
        Binary column (0/1, true/false, yes/no, Y/N): was the person searched.
        It must be complete: the search rate's denominator is every stop.
    found
        One or more binary columns (e.g. weapon found, other contraband found).
        A hit is a searched stop where any of them is positive. Among searched
        stops a missing flag counts as nothing found and is reported.
    date, time
        Stop date (``YYYY-MM-DD``) and local clock time (``HH:MM[:SS]``).
        Giving both runs the veil-of-darkness test; rows missing either are
        left out of that test only.
    lat, lon
        Latitude and longitude columns (WGS84 degrees) of each stop, or
    location
        one fixed ``(lat, lon)`` for every stop (e.g. the city centre).
    timezone
        IANA time zone in which ``time`` is clock time; required with times.
    reference
        Reference group (default: the largest known group, always printed).
    veil_group
        Group compared with the reference in the headline veil-of-darkness
        test (default: every other known group pooled).
    min_denominator
        Rates whose own denominator is below this are flagged ``low_precision``;
        below 10 they are suppressed.
    confidence
        Confidence level of every interval.
    engine
        ``"duckdb"`` (default) or ``"spark"``; see :mod:`mohtasib.engine`.

    Returns
    -------
    DisparityAudit
        ``kind="stops"`` with metrics ``search_rate`` (searched / stops) and
        ``hit_rate`` (found / searched) per group with intervals, comparisons
        with the reference, family-wide adjusted p-values, warnings, and the
        veil-of-darkness results when date and time were given.

    Raises
    ------
    ConfigError
        Inconsistent options (e.g. times without a time zone).
    InputError
        A column is missing or holds a value that cannot be read; the message
        names the file, row and column.
    InsufficientDataError
        No rows, or the headline veil-of-darkness fit has too little data.

    References
    ----------
    Knowles, J., Persico, N. and Todd, P. (2001). Racial bias in motor vehicle
    searches: theory and evidence. *J. Political Economy* 109(1):203-229.
    Grogger, J. and Ridgeway, G. (2006). Testing for racial profiling in traffic
    stops from behind a veil of darkness. *JASA* 101(475):878-887.
    Pierson, E. et al. (2020). A large-scale analysis of racial disparities in
    police stops across the United States. *Nature Human Behaviour* 4:736-745.
    """
    found = [found] if isinstance(found, str) else list(found)
    _check_options(found, min_denominator, confidence)
    tz = veil_options(date=date, time=time, lat=lat, lon=lon, location=location, timezone=timezone)
    if tz is None and veil_group is not None:
        raise ConfigError("veil_group was given without date and time columns", key="veil_group")
    optional = [c for c in (date, time, lat, lon) if c is not None]
    frame, source, input_file, notes = load(data, [group, searched, *found, *optional])
    was_searched = binary_column(
        frame[searched], source=source, column=searched, allow_missing=False
    )
    hits, hit_notes = _hits(frame, found, was_searched, source)
    warnings = [*notes, *missing_attribute_warnings(frame, [group]), *hit_notes]
    engine_name = resolve_engine(engine)
    cells = stop_cells(
        connect(engine_name), frame, attributes=[group], searched=was_searched, found=hits
    )
    tables = build_tables(
        cells,
        attributes=[group],
        groupings=[(group,)],
        metrics=STOP_METRICS,
        count_columns=STOP_COUNTS,
        references={group: reference} if reference is not None else {},
        min_denominator=min_denominator,
        confidence=confidence,
        source=source,
    )
    veil: VeilOfDarkness | None = None
    by_group: tuple[VeilOfDarkness, ...] = ()
    if tz is not None:
        assert date is not None and time is not None
        table = darkness_table(
            frame,
            source=source,
            groups=group_labels(frame, group),
            date=date,
            time=time,
            lat=lat,
            lon=lon,
            location=location,
            tz=tz,
        )
        veil, by_group, veil_notes = veil_tests(
            table, reference=tables.references[group], veil_group=veil_group, confidence=confidence
        )
        warnings.extend(veil_notes)
    parameters = {
        "group": group,
        "searched": searched,
        "found": found,
        "date": date,
        "time": time,
        "lat": lat,
        "lon": lon,
        "location": list(location) if location is not None else None,
        "timezone": timezone,
        "reference": reference,
        "veil_group": veil_group,
        "min_denominator": min_denominator,
        "confidence": confidence,
        "engine": engine_name,
    }
    return DisparityAudit(
        kind="stops",
        metrics=tuple(m.key for m in STOP_METRICS),
        groups=tables.groups,
        disparities=tables.disparities,
        references=tables.references,
        family_size=tables.family_size,
        warnings=(*warnings, *tables.warnings),
        parameters=parameters,
        inputs=(input_file,),
        n_rows=len(frame),
        veil_of_darkness=veil,
        veil_of_darkness_by_group=by_group,
    )


def _hits(
    frame: pd.DataFrame, found: Sequence[str], searched: np.ndarray, source: str
) -> tuple[np.ndarray, list[str]]:
    """1 where a searched stop found anything; warnings for missing flags among searches."""
    flags = np.column_stack(
        [binary_column(frame[c], source=source, column=c, allow_missing=True) for c in found]
    )
    was_searched = searched == 1
    hit = was_searched & (flags == 1).any(axis=1)
    notes = []
    for i, name in enumerate(found):
        missing = int((was_searched & np.isnan(flags[:, i])).sum())
        if missing:
            notes.append(
                f"{missing} searched stop(s) have no value for {name!r}; they count as "
                "nothing found for that flag"
            )
    return hit.astype(np.int8), notes


def _check_options(found: Sequence[str], min_denominator: int, confidence: float) -> None:
    if not found:
        raise ConfigError("no found column given; want at least one (e.g. contraband found)")
    if min_denominator < 1:
        raise ConfigError(f"got min_denominator {min_denominator}; want at least 1")
    if not 0 < confidence < 1:
        raise ConfigError(f"got confidence {confidence}; want a number between 0 and 1")
