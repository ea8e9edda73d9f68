"""The veil-of-darkness test of stop data (Grogger & Ridgeway 2006; Pierson et al. 2020).

Officers can less easily see who they stop after dark. If a group's share of
stops falls after dark, holding clock time fixed, that is evidence that the
group was stopped more often when officers could see who was driving or
walking. Clock time is held fixed by using the inter-twilight period: times of
day that are light on some days of the year and dark on others.

Method, as in the Stanford Open Policing Project's analysis code
(Pierson et al. 2020, Methods "Veil of darkness"):

1. For each location (latitude and longitude rounded to 2 decimals) and date,
   compute sunset and civil dusk (sun 6° below the horizon) in local clock
   time with ``astral``; times are truncated to the minute.
2. Keep stops whose clock minute lies strictly between the location's
   earliest dusk and latest sunset over the dates in the data: those minutes
   are dark (after dusk) on some days and light (before sunset) on others.
   Stops on dates when the sun does not set or dusk does not come (polar
   latitudes) are outside the window.
3. Drop the ambiguous period: keep only stops before sunset or after dusk.
   ``is_dark`` means after dusk.
4. Fit the logistic regression ``P(group | stop) ~ is_dark + ns(minute, df=6)``
   (plus location fixed effects when there are several locations) and report
   the Wald interval and p-value of the ``is_dark`` coefficient.

The natural cubic spline is patsy's ``cr(minute, df=6, constraints="center")``:
knots at the same quantiles as R's ``ns(minute, df = 6)``, spanning the same
functions once the intercept is added, so the ``is_dark`` coefficient equals the
one R's ``glm`` gives.

References
----------
Grogger, J. and Ridgeway, G. (2006). Testing for racial profiling in traffic
stops from behind a veil of darkness. *JASA* 101(475):878-887.

Pierson, E. et al. (2020). A large-scale analysis of racial disparities in
police stops across the United States. *Nature Human Behaviour* 4:736-745.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from mohtasib.errors import ConfigError, InsufficientDataError
from mohtasib.fairness._counts import _attribute_frame
from mohtasib.fairness._result import VeilOfDarkness
from mohtasib.fairness._tables import MISSING
from mohtasib.fairness._twilight import DarknessTable

__all__ = [
    "MIN_GROUP_STOPS",
    "SPLINE_DF",
    "group_labels",
    "veil_of_darkness",
    "veil_tests",
]

#: Degrees of freedom of the natural spline in clock time (Pierson et al. 2020).
SPLINE_DF = 6
#: A per-group test needs at least this many of the group's stops after filtering.
MIN_GROUP_STOPS = 50


def veil_of_darkness(
    table: DarknessTable,
    *,
    groups: Sequence[str],
    reference: str,
    label: str,
    confidence: float,
) -> VeilOfDarkness:
    """Veil-of-darkness test of the stops of ``groups`` (pooled) against ``reference``.

    Parameters
    ----------
    table
        From :func:`darkness_table`.
    groups
        Group labels whose stops form the outcome class (one or several, pooled).
    reference
        The reference group's label.
    label
        Name of the compared group in the result (the group, or a pooled name).
    confidence
        Level of the Wald interval of the ``is_dark`` coefficient.

    Raises
    ------
    InsufficientDataError
        Too few stops, a class missing among light or dark stops, or the fit
        does not converge (e.g. perfect separation).
    """
    data, filters = _filtered(table, groups, reference)
    several = data["loc"].nunique() > 1
    if several:
        both = data.groupby("loc")["y"].transform(lambda y: 0 < y.sum() < len(y))
        data = data.loc[both.astype(bool)]
        filters.append(("locations where both classes were stopped", len(data)))
        several = data["loc"].nunique() > 1
    _check_cells(data, label, reference)
    coef, ci, p = _fit(data, confidence=confidence, location_effects=several, label=label)
    return VeilOfDarkness(
        group=label,
        reference=reference,
        coef=coef,
        ci=ci,
        p_value=p,
        n_used=len(data),
        filters=tuple(filters),
        spline_df=SPLINE_DF,
    )


def _filtered(
    table: DarknessTable, groups: Sequence[str], reference: str
) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    frame = table.frame
    steps = [
        (
            "stops with the compared group or the reference",
            frame["group"].isin([*groups, reference]),
        )
    ]
    steps.append(("date and time present", steps[-1][1] & frame["has_time"]))
    if table.per_row_location:
        steps.append(("location present", steps[-1][1] & frame["has_location"]))
    steps.append(("inside inter-twilight window", steps[-1][1] & frame["in_window"]))
    steps.append(("ambiguous sunset-to-dusk removed", steps[-1][1] & ~frame["ambiguous"]))
    keep = steps[-1][1]
    data = frame.loc[keep, ["minute", "loc", "is_dark"]].assign(
        y=frame.loc[keep, "group"].isin(groups).astype(np.int8),
        is_dark=frame.loc[keep, "is_dark"].astype(np.int8),
    )
    return data, [(name, int(mask.sum())) for name, mask in steps]


def _check_cells(data: pd.DataFrame, label: str, reference: str) -> None:
    counts = (
        pd.crosstab(data["is_dark"], data["y"])
        .reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        .to_numpy(dtype=np.int64)
    )
    if (counts == 0).any():
        raise InsufficientDataError(
            f"veil of darkness, {label} vs {reference}: after filtering there are "
            f"{counts[0, 1]} light and {counts[1, 1]} dark stops of {label}, "
            f"{counts[0, 0]} light and {counts[1, 0]} dark stops of {reference}; "
            "want stops of both in both light and dark"
        )
    if data["minute"].nunique() <= SPLINE_DF:
        raise InsufficientDataError(
            f"veil of darkness, {label} vs {reference}: only {data['minute'].nunique()} "
            f"distinct clock minutes; want more than {SPLINE_DF} for the time spline"
        )


def _spline_term(minutes: np.ndarray) -> str:
    """Patsy term of R's ``ns(minute, df = 6)``: knots at quantiles of the data, ties included.

    patsy's own ``cr(x, df=...)`` puts knots at quantiles of the *distinct*
    values, which differs from R when clock times repeat; so the knots are
    computed here and passed explicitly.
    """
    knots = np.quantile(minutes, np.linspace(0, 1, SPLINE_DF + 1))
    inner = ", ".join(repr(float(k)) for k in knots[1:-1])
    return (
        f"cr(minute, knots=[{inner}], lower_bound={float(knots[0])!r}, "
        f"upper_bound={float(knots[-1])!r}, constraints='center')"
    )


def _fit(
    data: pd.DataFrame, *, confidence: float, location_effects: bool, label: str
) -> tuple[float, tuple[float, float], float]:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from patsy import PatsyError
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    formula = f"y ~ is_dark + {_spline_term(data['minute'].to_numpy(dtype=float))}"
    if location_effects:
        formula += " + C(loc)"
    try:
        with warnings.catch_warnings():
            # A fit that does not converge or separates perfectly has no usable
            # estimate: turn exactly these warnings into errors and report them.
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("error", PerfectSeparationWarning)
            result = smf.glm(formula, data, family=sm.families.Binomial()).fit()
    except (
        ConvergenceWarning,
        PerfectSeparationWarning,
        np.linalg.LinAlgError,
        PatsyError,
        ValueError,
    ) as exc:
        raise InsufficientDataError(
            f"veil of darkness, {label}: the logistic regression failed ({exc})"
        ) from None
    coef = float(result.params["is_dark"])
    lo, hi = (float(v) for v in result.conf_int(alpha=1 - confidence).loc["is_dark"])
    p = float(result.pvalues["is_dark"])
    if not all(np.isfinite([coef, lo, hi, p])):
        raise InsufficientDataError(
            f"veil of darkness, {label}: the is_dark coefficient is not finite "
            "(separation in the data); no estimate"
        )
    return coef, (lo, hi), p


def group_labels(frame: pd.DataFrame, column: str) -> pd.Series:
    """Group labels as the engine writes them (whole floats as integers, missing as MISSING)."""
    values = _attribute_frame(frame, [column])[column]
    labels = pd.Series(values, index=frame.index).astype("string")
    return labels.fillna(MISSING).astype(object)


def veil_tests(
    table: DarknessTable,
    *,
    reference: str,
    veil_group: str | None,
    confidence: float,
) -> tuple[VeilOfDarkness, tuple[VeilOfDarkness, ...], list[str]]:
    """The headline test and one test per group, with warnings for groups skipped.

    Headline: ``veil_group`` against ``reference``, or every other known group
    pooled against ``reference``. Per group: each known non-reference group
    with at least :data:`MIN_GROUP_STOPS` stops after filtering and a fit.
    """
    present = sorted(set(table.frame["group"]) - {reference, MISSING})
    if veil_group is not None:
        if veil_group == reference or veil_group not in present:
            raise ConfigError(
                f"got veil_group {veil_group!r}; want a group other than the reference "
                f"{reference!r}, one of: {', '.join(present[:20])}",
                key="veil_group",
            )
        main = veil_of_darkness(
            table, groups=[veil_group], reference=reference, label=veil_group, confidence=confidence
        )
    else:
        main = veil_of_darkness(
            table,
            groups=present,
            reference=reference,
            label=f"all groups except {reference}",
            confidence=confidence,
        )
    per_group, notes = [], []
    for name in present:
        kept = _group_stops(table, name)
        if kept < MIN_GROUP_STOPS:
            notes.append(
                f"veil of darkness, {name} vs {reference}: {kept} stop(s) of {name} after "
                f"filtering, fewer than {MIN_GROUP_STOPS}; no per-group estimate"
            )
            continue
        try:
            per_group.append(
                veil_of_darkness(
                    table, groups=[name], reference=reference, label=name, confidence=confidence
                )
            )
        except InsufficientDataError as exc:
            notes.append(f"{exc}; no per-group estimate")
    return main, tuple(per_group), notes


def _group_stops(table: DarknessTable, name: str) -> int:
    f = table.frame
    return int(
        (
            f["group"].eq(name)
            & f["has_time"]
            & f["has_location"]
            & f["in_window"]
            & ~f["ambiguous"]
        ).sum()
    )
