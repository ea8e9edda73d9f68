"""Roll finest-cell counts up to groups, then compute rates and disparities.

The engine returns counts per finest cell (every attribute at once, see
``_counts.py``); this module sums them per grouping in pandas (Ibis has no
CUBE), then attaches intervals, comparisons with the reference group, p-values
and the family-wide Holm and Benjamini-Hochberg adjustments.

Small numbers (documented in docs/explanation/methods.md):
* a rate whose own denominator is below ``min_denominator`` is flagged
  ``low_precision``; below :data:`SUPPRESS_BELOW` it is suppressed (no value);
* a comparison involving a suppressed rate is suppressed and left out of the
  family of tests;
* each comparison states the denominator needed to detect a ratio of 1.25.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.errors import InputError
from mohtasib.fairness._intervals import (
    newcombe_difference_interval,
    proportion_interval,
    ratio_interval,
)
from mohtasib.fairness._metrics import MetricDefinition
from mohtasib.fairness._result import Disparity, GroupRates, RateEstimate
from mohtasib.fairness._shrinkage import beta_binomial_shrinkage
from mohtasib.fairness._significance import (
    benjamini_hochberg,
    holm,
    n_per_group_for_ratio,
    two_proportion_tests,
)

__all__ = [
    "BAND",
    "MISSING",
    "SUPPRESS_BELOW",
    "GroupTables",
    "build_tables",
    "grouping_name",
    "groupings_for",
]

#: Label of the group of rows whose protected attribute is missing.
MISSING = "<missing>"
#: Rates with a denominator below this are suppressed.
SUPPRESS_BELOW = 10
#: Rule-of-thumb band for ratios (four-fifths rule, both orientations).
BAND = (0.8, 1.25)
_SEP = " × "


def grouping_name(attributes: Sequence[str]) -> str:
    """Name of a grouping: the attribute, or attributes joined by ``" × "``."""
    return _SEP.join(attributes)


def groupings_for(attributes: Sequence[str], *, intersections: bool) -> list[tuple[str, ...]]:
    """Marginals, then (if asked) every pairwise intersection and the full cross."""
    out: list[tuple[str, ...]] = [(a,) for a in attributes]
    if intersections:
        for size in range(2, len(attributes) + 1):
            if size == 2 or size == len(attributes):
                out.extend(itertools.combinations(attributes, size))
    return out


@dataclass(frozen=True)
class GroupTables:
    """Groups, disparities and the facts about them that the result needs."""

    groups: tuple[GroupRates, ...]
    disparities: tuple[Disparity, ...]
    references: dict[str, str]
    family_size: int
    warnings: tuple[str, ...]


def build_tables(
    cells: pd.DataFrame,
    *,
    attributes: Sequence[str],
    groupings: Sequence[tuple[str, ...]],
    metrics: Sequence[MetricDefinition],
    count_columns: Sequence[str],
    references: Mapping[str, str],
    min_denominator: int,
    confidence: float,
    source: str | None = None,
) -> GroupTables:
    """Build per-group rates and disparities for every grouping.

    ``cells`` has one row per finest cell: one column per attribute (missing
    values already labelled :data:`MISSING`) and the ``count_columns``.
    """
    total = int(cells["n"].sum())
    groups: list[GroupRates] = []
    pending: list[dict[str, object]] = []
    chosen: dict[str, str] = {}
    warnings: list[str] = []
    marginal_rates: dict[tuple[str, str], dict[str, float]] = {}
    for grouping in groupings:
        name = grouping_name(grouping)
        rolled = cells.groupby(list(grouping), observed=True, sort=True)[list(count_columns)].sum()
        labels = [
            _SEP.join(map(str, key if isinstance(key, tuple) else (key,))) for key in rolled.index
        ]
        rolled.index = pd.Index(labels, name="group")
        reference = _reference_for(grouping, rolled, references, source)
        chosen[name] = reference
        parents = _parent_rates(grouping, rolled, marginal_rates)
        counted = {m.key: m.counts(rolled) for m in metrics}
        groups.extend(
            _group_rows(name, rolled, counted, total, min_denominator, confidence, parents)
        )
        if len(grouping) == 1:
            for key, (num, den) in counted.items():
                with np.errstate(invalid="ignore", divide="ignore"):
                    rate = np.where(den > 0, num / den, np.nan)
                for label, value in zip(rolled.index, rate, strict=True):
                    marginal_rates.setdefault((grouping[0], label), {})[key] = float(value)
        pending.extend(_comparisons(name, rolled, reference, counted, min_denominator))
        small = [label for label in rolled.index if rolled.loc[label, "n"] < SUPPRESS_BELOW]
        if small:
            warnings.append(
                f"{name}: {len(small)} group(s) have fewer than {SUPPRESS_BELOW} rows; "
                "their rates are suppressed"
            )
    disparities, family = _finish_comparisons(pending, confidence)
    return GroupTables(tuple(groups), tuple(disparities), chosen, family, tuple(warnings))


def _reference_for(
    grouping: tuple[str, ...],
    rolled: pd.DataFrame,
    references: Mapping[str, str],
    source: str | None,
) -> str:
    """The stated reference, the combination of stated references, or the largest group."""
    if all(a in references for a in grouping):
        label = _SEP.join(references[a] for a in grouping)
        if label not in rolled.index:
            if len(grouping) == 1:
                have = ", ".join(map(str, rolled.index[:20]))
                raise InputError(
                    f"reference group {references[grouping[0]]!r} does not occur; "
                    f"the groups are: {have}",
                    source=source,
                    column=grouping[0],
                )
        else:
            return label
    candidates = rolled.drop(index=[i for i in rolled.index if MISSING in i.split(_SEP)])
    if candidates.empty:
        candidates = rolled
    # Largest group; ties broken by label so the choice is reproducible.
    ordered = candidates.assign(_label=candidates.index).sort_values(
        ["n", "_label"], ascending=[False, True]
    )
    return str(ordered.index[0])


def _parent_rates(
    grouping: tuple[str, ...],
    rolled: pd.DataFrame,
    marginal_rates: Mapping[tuple[str, str], dict[str, float]],
) -> dict[str, dict[str, float]] | None:
    """For an intersection, each group's parent rates (its first attribute's group)."""
    if len(grouping) == 1:
        return None
    return {
        label: marginal_rates.get((grouping[0], label.split(_SEP)[0]), {}) for label in rolled.index
    }


def _rate_estimates(
    num: NDArray[np.int64], den: NDArray[np.int64], min_denominator: int, confidence: float
) -> list[RateEstimate]:
    lo, hi = proportion_interval(num, den, confidence=confidence)
    out = []
    for i, (k_raw, n_raw) in enumerate(zip(num, den, strict=True)):
        k, n = int(k_raw), int(n_raw)
        if n == 0:
            out.append(RateEstimate(None, None, k, n, ("no_denominator",)))
        elif n < SUPPRESS_BELOW:
            out.append(RateEstimate(None, None, k, n, ("suppressed",)))
        else:
            flags = ("low_precision",) if n < min_denominator else ()
            out.append(RateEstimate(k / n, (float(lo[i]), float(hi[i])), k, n, flags))
    return out


def _group_rows(
    name: str,
    rolled: pd.DataFrame,
    counted: Mapping[str, tuple[NDArray[np.int64], NDArray[np.int64]]],
    total: int,
    min_denominator: int,
    confidence: float,
    parents: Mapping[str, dict[str, float]] | None,
) -> list[GroupRates]:
    per_metric = {}
    shrunk: dict[str, dict[str, float]] = {label: {} for label in rolled.index}
    for key, (num, den) in counted.items():
        per_metric[key] = _rate_estimates(num, den, min_denominator, confidence)
        if parents is not None:
            prior = np.array([parents[label].get(key, np.nan) for label in rolled.index])
            values = beta_binomial_shrinkage(num, den, prior_mean=prior)
            for label, value in zip(rolled.index, values, strict=True):
                shrunk[label][key] = float(value)
    rows = []
    for i, label in enumerate(rolled.index):
        n = int(rolled["n"].iloc[i])
        flags = ("missing_attribute",) if MISSING in label.split(_SEP) else ()
        rows.append(
            GroupRates(
                attribute=name,
                group=label,
                n=n,
                share=n / total if total else float("nan"),
                missing=int(rolled["missing"].iloc[i]) if "missing" in rolled else 0,
                rates={key: per_metric[key][i] for key in counted},
                shrunk=shrunk[label],
                flags=flags,
            )
        )
    return rows


def _comparisons(
    name: str,
    rolled: pd.DataFrame,
    reference: str,
    counted: Mapping[str, tuple[NDArray[np.int64], NDArray[np.int64]]],
    min_denominator: int,
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    where = rolled.index.get_loc(reference)
    for key, (num, den) in counted.items():
        k2, n2 = int(num[where]), int(den[where])
        for i, label in enumerate(rolled.index):
            if label == reference:
                continue
            k1, n1 = int(num[i]), int(den[i])
            out.append(
                {
                    "attribute": name,
                    "group": label,
                    "reference": reference,
                    "metric": key,
                    "k1": k1,
                    "n1": n1,
                    "k2": k2,
                    "n2": n2,
                    "min_denominator": min_denominator,
                }
            )
    return out


def _finish_comparisons(
    pending: list[dict[str, object]], confidence: float
) -> tuple[list[Disparity], int]:
    if not pending:
        return [], 0
    frame = pd.DataFrame(pending)
    k1, n1, k2, n2 = (frame[c].to_numpy(dtype=float) for c in ("k1", "n1", "k2", "n2"))
    suppressed = (n1 < SUPPRESS_BELOW) | (n2 < SUPPRESS_BELOW)
    r_lo, r_hi, r_method = ratio_interval(k1, n1, k2, n2, confidence=confidence)
    d_lo, d_hi = newcombe_difference_interval(k1, n1, k2, n2, confidence=confidence)
    p, test = two_proportion_tests(
        np.where(suppressed, 0, k1), np.where(suppressed, 0, n1), k2, n2
    )  # an empty group yields (nan, ""): suppressed comparisons stay out of the family
    p_holm, p_bh = holm(p), benjamini_hochberg(p)
    family = int(np.count_nonzero(~np.isnan(p)))
    out = []
    for i, row in enumerate(pending):
        out.append(
            _disparity(
                row,
                suppressed=bool(suppressed[i]),
                ratio_ci=(float(r_lo[i]), float(r_hi[i])),
                ratio_method=str(r_method[i]),
                difference_ci=(float(d_lo[i]), float(d_hi[i])),
                p=(float(p[i]), str(test[i]), float(p_holm[i]), float(p_bh[i])),
            )
        )
    return out, family


def _disparity(
    row: Mapping[str, object],
    *,
    suppressed: bool,
    ratio_ci: tuple[float, float],
    ratio_method: str,
    difference_ci: tuple[float, float],
    p: tuple[float, str, float, float],
) -> Disparity:
    k1, n1, k2, n2 = (int(row[c]) for c in ("k1", "n1", "k2", "n2"))  # type: ignore[call-overload]
    base = {
        "attribute": str(row["attribute"]),
        "group": str(row["group"]),
        "reference": str(row["reference"]),
        "metric": str(row["metric"]),
    }
    needed = n_per_group_for_ratio(k2 / n2) if n2 else float("nan")
    if suppressed:
        return Disparity(
            **base, ratio=None, ratio_ci=None, ratio_method="", difference=None,
            difference_ci=None, p_value=None, test="", p_holm=None, p_bh=None,
            n_to_detect_ratio_1_25=needed, flags=("suppressed",),
        )  # fmt: skip
    p1, p2 = k1 / n1, k2 / n2
    flags: list[str] = ["missing_attribute"] if MISSING in base["group"].split(_SEP) else []
    min_den = int(row["min_denominator"])  # type: ignore[call-overload]
    if min(n1, n2) < min_den:
        flags.append("low_precision")
    if not math.isnan(needed) and n1 < needed:
        flags.append("underpowered_for_ratio_1_25")
    ratio = p1 / p2 if p2 > 0 else float("nan")
    if p2 == 0:
        flags.append("reference_rate_zero")
    if ratio_method == "koopman":
        flags.append("zero_count_koopman_interval")
    if p[1] in ("boschloo", "fisher"):
        flags.append("exact_test")
    flags.extend(_band_flags(ratio, ratio_ci))
    return Disparity(
        **base,
        ratio=ratio,
        ratio_ci=ratio_ci if ratio_method else None,
        ratio_method=ratio_method,
        difference=p1 - p2,
        difference_ci=difference_ci,
        p_value=p[0],
        test=p[1],
        p_holm=p[2],
        p_bh=p[3],
        n_to_detect_ratio_1_25=needed,
        flags=tuple(flags),
    )


def _band_flags(ratio: float, ci: tuple[float, float]) -> list[str]:
    """Four-fifths band flags: outside the band, and whether the interval also is."""
    lo_band, hi_band = BAND
    if math.isnan(ratio) or lo_band <= ratio <= hi_band:
        return []
    lo, hi = ci
    outside = hi < lo_band or lo > hi_band
    return ["outside_band", "interval_outside_band" if outside else "interval_crosses_band"]
