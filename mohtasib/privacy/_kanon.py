"""Anonymity check of a released table: k-anonymity, l-diversity, t-closeness, risk.

An *equivalence class* is the set of records sharing one combination of
quasi-identifier values. The table is

* **k-anonymous** when every class holds at least ``k`` records (Sweeney 2002);
* **distinct l-diverse** when every class holds at least ``l`` distinct
  sensitive values, and **entropy l-diverse** when every class's entropy of
  the sensitive values is at least ``log l`` (Machanavajjhala et al. 2007);
  the entropy l reported is ``exp(min entropy)``;
* **t-close** when every class's distribution of the sensitive value is within
  earth mover's distance ``t`` of the table's (Li, Li & Venkatasubramanian
  2007; see :mod:`._equivalence`).

Failing classes are reported as aggregates (their quasi-identifier values and
counts), never as record ids or sensitive values.

References
----------
Sweeney, L. (2002). k-anonymity: a model for protecting privacy. IJUFKS 10(5), 557-570.
Machanavajjhala, A., Kifer, D., Gehrke, J., & Venkitasubramaniam, M. (2007).
l-diversity: privacy beyond k-anonymity. ACM TKDD 1(1), 3.
Li, N., Li, T., & Venkatasubramanian, S. (2007). t-Closeness. ICDE 2007, 106-115.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib._validation import require_columns
from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.io import read_table
from mohtasib.privacy._anonymity_report import AnonymityReport, EquivalenceClass
from mohtasib.privacy._equivalence import class_ids, class_stats, sensitive_codes
from mohtasib.privacy._risk import reidentification_risk

__all__ = ["AnonymityReport", "EquivalenceClass", "check_anonymity"]


def check_anonymity(
    data: pd.DataFrame | str | Path,
    *,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
    k: int = 5,
    l: int | None = 2,  # noqa: E741 - the standard name of the l-diversity parameter
    t: float | None = 0.2,
    population: pd.DataFrame | None = None,
    population_count: str | None = None,
    risk_threshold: float | None = None,
    max_classes_listed: int = 100,
    source: str | None = None,
) -> AnonymityReport:
    """Measure k-anonymity, l-diversity, t-closeness and re-identification risk.

    Parameters
    ----------
    data
        The table as released (a frame, or a CSV/Parquet path).
    quasi_identifiers
        Columns an attacker may know from elsewhere (age, sex, district, time).
        Missing values form a class value of their own (counted in ``warnings``).
    sensitive
        The column to protect (offence); l and t are measured only with it.
    k, l, t
        Targets: ``k >= 1``, ``l >= 1`` or None, ``0 <= t <= 1`` or None.
    population
        Optional population table with the quasi-identifier columns (one row per
        person, or counts in ``population_count``) for the journalist and
        marketer risks (:mod:`._risk`).
    population_count
        Column of ``population`` with the number of people per row, if any.
    risk_threshold
        A record is at risk above this probability (default ``1 / k``).
    max_classes_listed
        How many failing classes to list (smallest first).
    source
        Name used in errors and the report (default: the path, else ``"table"``).

    Raises
    ------
    InputError
        A named column is missing, or a quasi-identifier is unique in every row.
    InsufficientDataError
        The table is empty or has fewer records than ``k``.
    ConfigError
        A target is out of range, or ``sensitive`` is also a quasi-identifier.
    """
    frame, source = _load(data, source)
    qis = tuple(quasi_identifiers)
    _check_targets(qis, sensitive, k, l, t)
    require_columns(frame, (*qis, *([sensitive] if sensitive else [])), source=source)
    n = len(frame)
    if n == 0:
        raise InsufficientDataError(f"{source}: the table has no rows")
    if k > n:
        raise InsufficientDataError(f"{source}: got k={k}, but the table has only {n} records")
    _reject_unique(frame, qis, source)
    return measure_anonymity(
        frame,
        qis,
        sensitive=sensitive,
        k=k,
        l=l,
        t=t,
        population=population,
        population_count=population_count,
        risk_threshold=risk_threshold,
        max_classes_listed=max_classes_listed,
        source=source,
    )


def measure_anonymity(
    frame: pd.DataFrame,
    qis: tuple[str, ...],
    *,
    sensitive: str | None,
    k: int,
    l: int | None,  # noqa: E741
    t: float | None,
    population: pd.DataFrame | None,
    population_count: str | None,
    risk_threshold: float | None,
    max_classes_listed: int,
    source: str,
) -> AnonymityReport:
    """Build the report for a validated, non-empty frame (see :func:`check_anonymity`)."""
    n = len(frame)
    warnings = _missing_warnings(frame, (*qis, *([sensitive] if sensitive else [])))
    codes = [pd.factorize(frame[c], use_na_sentinel=False)[0] for c in qis]
    ids, n_classes = class_ids(codes, n)
    if sensitive:
        s_codes, m, ordered = sensitive_codes(frame[sensitive])
        stats = class_stats(ids, n_classes, s_codes, m, ordered=ordered, closeness=t is not None)
    else:
        stats, ordered = class_stats(ids, n_classes), False
    sizes = stats.sizes.astype(np.int64)
    # Ids follow first appearance, so class c first occurs where the running max reaches c.
    reps = np.flatnonzero(np.r_[True, np.diff(np.maximum.accumulate(ids)) > 0])
    big_f = None
    if population is not None:
        big_f = _population_sizes(frame, qis, reps, sizes, population, population_count)
    threshold = 1.0 / k if risk_threshold is None else risk_threshold
    risk = reidentification_risk(sizes, big_f, threshold=threshold)
    fail_k = sizes < k
    fail_l = stats.distinct < l if stats.distinct is not None and l is not None else None
    fail_t = stats.emd > t + 1e-12 if stats.emd is not None and t is not None else None
    listed, total = _failing(frame, qis, reps, stats, fail_k, fail_l, fail_t, max_classes_listed)
    return AnonymityReport(
        n_records=n,
        n_classes=n_classes,
        quasi_identifiers=qis,
        sensitive=sensitive,
        k=k,
        l=l if sensitive else None,
        t=t if sensitive else None,
        k_achieved=int(sizes.min()),
        classes_below_k=int(fail_k.sum()),
        records_below_k=int(sizes[fail_k].sum()),
        l_distinct=None if stats.distinct is None else int(stats.distinct.min()),
        l_entropy=None if stats.entropy_l is None else float(stats.entropy_l.min()),
        classes_below_l=None if fail_l is None else int(fail_l.sum()),
        records_below_l=None if fail_l is None else int(sizes[fail_l].sum()),
        t_achieved=None if stats.emd is None else float(stats.emd.max()),
        t_distance=None if stats.emd is None else ("ordered" if ordered else "equal"),
        classes_above_t=None if fail_t is None else int(fail_t.sum()),
        records_above_t=None if fail_t is None else int(sizes[fail_t].sum()),
        risk=risk,
        failing_classes=listed,
        failing_classes_total=total,
        warnings=warnings,
        source=source,
    )


def _load(data: pd.DataFrame | str | Path, source: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True), source or "table"
    table = read_table(data)
    return table.frame, source or table.source


def _check_targets(
    qis: tuple[str, ...],
    sensitive: str | None,
    k: int,
    l: int | None,  # noqa: E741
    t: float | None,
) -> None:
    if not qis:
        raise ConfigError("no quasi-identifiers given; want at least one column", key="qi")
    if len(set(qis)) != len(qis):
        raise ConfigError(f"got quasi-identifiers {list(qis)}; a column is named twice", key="qi")
    if sensitive is not None and sensitive in qis:
        raise ConfigError(
            f"column {sensitive!r} is both a quasi-identifier and the sensitive column",
            key="sensitive",
        )
    if k < 1:
        raise ConfigError(f"got k={k}; want k >= 1", key="k")
    if l is not None and l < 1:
        raise ConfigError(f"got l={l}; want l >= 1", key="l")
    if t is not None and not 0.0 <= t <= 1.0:
        raise ConfigError(f"got t={t}; want 0 <= t <= 1", key="t")


def _reject_unique(frame: pd.DataFrame, qis: tuple[str, ...], source: str) -> None:
    n = len(frame)
    for column in qis:
        if n > 1 and frame[column].nunique(dropna=False) == n:
            raise InputError(
                f"every one of the {n} values is different, so this quasi-identifier alone "
                "singles out every record (k = 1); generalise it first (e.g. age bands, "
                "day instead of timestamp, grid cell instead of point) or leave it out",
                source=source,
                column=column,
            )


def _missing_warnings(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for column in columns:
        missing = int(frame[column].isna().sum())
        if missing:
            out.append(
                f"column {column!r}: {missing} missing values, treated as one value of their own"
            )
    return tuple(out)


def _population_sizes(
    frame: pd.DataFrame,
    qis: tuple[str, ...],
    reps: np.ndarray,
    sizes: np.ndarray,
    population: pd.DataFrame,
    count: str | None,
) -> np.ndarray:
    require_columns(population, (*qis, *([count] if count else [])), source="population")
    weights = population[count] if count else pd.Series(1, index=population.index)
    pop = (
        population[list(qis)]
        .assign(_F=weights.to_numpy())
        .groupby(list(qis), dropna=False, observed=True)["_F"]
        .sum()
    )
    classes = frame.iloc[reps][list(qis)].reset_index(drop=True)
    merged = classes.merge(pop.reset_index(), on=list(qis), how="left")
    big_f = merged["_F"].fillna(0).to_numpy(dtype=float)
    short = big_f < sizes
    if short.any():
        i = int(np.flatnonzero(short)[0])
        values = ", ".join(f"{q}={classes.iloc[i][q]!r}" for q in qis)
        raise InputError(
            f"the population table has {big_f[i]:g} people with {values}, fewer than the "
            f"{int(sizes[i])} records in the table ({int(short.sum())} such classes); "
            "want a population that contains the table",
            source="population",
        )
    return big_f


def _failing(
    frame: pd.DataFrame,
    qis: tuple[str, ...],
    reps: np.ndarray,
    stats: Any,
    fail_k: np.ndarray,
    fail_l: np.ndarray | None,
    fail_t: np.ndarray | None,
    limit: int,
) -> tuple[tuple[EquivalenceClass, ...], int]:
    fail = fail_k.copy()
    for extra in (fail_l, fail_t):
        if extra is not None:
            fail |= extra
    which = np.flatnonzero(fail)
    which = which[np.argsort(stats.sizes[which], kind="stable")][: max(limit, 0)]
    values = frame.iloc[reps[which]][list(qis)].astype(object)
    values = values.where(values.notna(), "missing").astype(str)
    out = []
    for row, c in enumerate(which):
        fails = tuple(
            name
            for name, mask in (("k", fail_k), ("l", fail_l), ("t", fail_t))
            if mask is not None and mask[c]
        )
        out.append(
            EquivalenceClass(
                values=dict(zip(qis, values.iloc[row].tolist(), strict=True)),
                size=int(stats.sizes[c]),
                distinct_l=None if stats.distinct is None else int(stats.distinct[c]),
                entropy_l=None if stats.entropy_l is None else float(stats.entropy_l[c]),
                emd=None if stats.emd is None else float(stats.emd[c]),
                fails=fails,
            )
        )
    return tuple(out), int(fail.sum())
