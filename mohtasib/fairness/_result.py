"""Typed, frozen result objects of the fairness audits, with ``to_dict()`` views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mohtasib._json import json_number, json_pair

__all__ = [
    "SCHEMA_VERSION",
    "CalibrationBin",
    "Disparity",
    "DisparityAudit",
    "GroupRates",
    "GroupScoreSummary",
    "InputFile",
    "RateEstimate",
    "VeilOfDarkness",
]

#: Version of the JSON layout written by :meth:`DisparityAudit.to_dict`.
SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class InputFile:
    """One input file of an analysis: where it came from and its SHA-256."""

    source: str
    sha256: str | None
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {"source": self.source, "sha256": self.sha256, "rows": self.rows}


@dataclass(frozen=True)
class RateEstimate:
    """A proportion ``numerator / denominator`` with its confidence interval.

    ``value`` and ``ci`` are None when the denominator is below the suppression
    limit (flag ``suppressed``) or zero (flag ``no_denominator``).
    """

    value: float | None
    ci: tuple[float, float] | None
    numerator: int
    denominator: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRates:
    """Every rate of one group of one attribute (or intersection of attributes).

    ``missing`` counts the group's rows whose outcome (label) is missing; such
    rows count towards ``n`` and the selection rate but not the label-based rates.
    ``shrunk`` holds Beta-Binomial shrinkage estimates (intersections only).
    """

    attribute: str
    group: str
    n: int
    share: float
    missing: int
    rates: Mapping[str, RateEstimate]
    shrunk: Mapping[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (stable keys: ``<metric>``, ``<metric>_ci``, ...)."""
        out: dict[str, Any] = {
            "attribute": self.attribute,
            "group": self.group,
            "n": self.n,
            "share": self.share,
            "missing": self.missing,
        }
        for name, rate in self.rates.items():
            out[name] = json_number(rate.value)
            out[f"{name}_ci"] = json_pair(rate.ci)
            out[f"{name}_numerator"] = rate.numerator
            out[f"{name}_denominator"] = rate.denominator
            if name in self.shrunk:
                out[f"{name}_shrunk"] = json_number(self.shrunk[name])
        flags = list(self.flags)
        for name, rate in self.rates.items():
            flags.extend(f"{name}:{flag}" for flag in rate.flags)
        out["flags"] = flags
        return out


@dataclass(frozen=True)
class Disparity:
    """One group compared with the reference group on one metric.

    ``ratio`` is ``rate(group) / rate(reference)`` with ``ratio_ci`` from the
    method in ``ratio_method`` (Katz log or Koopman score); ``difference`` is
    ``rate(group) - rate(reference)`` with the Newcombe hybrid score interval.
    ``p_holm`` and ``p_bh`` are adjusted over the audit's whole family of tests.
    """

    attribute: str
    group: str
    reference: str
    metric: str
    ratio: float | None
    ratio_ci: tuple[float, float] | None
    ratio_method: str
    difference: float | None
    difference_ci: tuple[float, float] | None
    p_value: float | None
    test: str
    p_holm: float | None
    p_bh: float | None
    n_to_detect_ratio_1_25: float | None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "reference": self.reference,
            "metric": self.metric,
            "ratio": json_number(self.ratio),
            "ratio_ci": json_pair(self.ratio_ci),
            "ratio_method": self.ratio_method,
            "difference": json_number(self.difference),
            "difference_ci": json_pair(self.difference_ci),
            "p_value": json_number(self.p_value),
            "test": self.test,
            "p_holm": json_number(self.p_holm),
            "p_bh": json_number(self.p_bh),
            "n_to_detect_ratio_1_25": json_number(self.n_to_detect_ratio_1_25),
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class GroupScoreSummary:
    """AUC of the score for one group, with a Hanley-McNeil interval."""

    attribute: str
    group: str
    auc: float | None
    auc_ci: tuple[float, float] | None
    positives: int
    negatives: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "auc": json_number(self.auc),
            "auc_ci": json_pair(self.auc_ci),
            "positives": self.positives,
            "negatives": self.negatives,
        }


@dataclass(frozen=True)
class CalibrationBin:
    """Observed outcome rate among one group's rows in one score bin."""

    attribute: str
    group: str
    bin: str
    score_mean: float
    n: int
    observed_rate: float | None
    observed_ci: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "bin": self.bin,
            "score_mean": json_number(self.score_mean),
            "n": self.n,
            "observed_rate": json_number(self.observed_rate),
            "observed_ci": json_pair(self.observed_ci),
        }


@dataclass(frozen=True)
class VeilOfDarkness:
    """Veil-of-darkness test (Grogger & Ridgeway 2006; Pierson et al. 2020).

    ``coef`` is the log-odds coefficient of darkness on the probability that a
    stopped person belongs to ``group`` rather than ``reference``, adjusted for
    clock time with a natural spline. A negative coefficient means that
    group's share of stops falls after dark, when officers can less easily see
    who they stop. ``filters`` lists the number of stops kept at each step.
    """

    group: str
    reference: str
    coef: float
    ci: tuple[float, float]
    p_value: float
    n_used: int
    filters: tuple[tuple[str, int], ...]
    spline_df: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "group": self.group,
            "reference": self.reference,
            "coef": json_number(self.coef),
            "ci": json_pair(self.ci),
            "p_value": json_number(self.p_value),
            "n_used": self.n_used,
            "filters": [{"step": step, "n": n} for step, n in self.filters],
            "spline_df": self.spline_df,
        }


@dataclass(frozen=True)
class DisparityAudit:
    """The result of a bias audit (decisions) or a stop-and-search audit (stops).

    Attributes
    ----------
    kind
        ``"decisions"`` (:func:`mohtasib.fairness.audit`) or ``"stops"``
        (:func:`mohtasib.fairness.audit_stops`).
    metrics
        Metric keys in report order.
    groups, disparities
        Per-group rates and per-group comparisons with the reference.
    references
        Reference group for each attribute or intersection.
    family_size
        Number of tests over which ``p_holm`` and ``p_bh`` were adjusted.
    warnings
        Every exclusion and data problem found, in words, with counts.
    """

    kind: str
    metrics: tuple[str, ...]
    groups: tuple[GroupRates, ...]
    disparities: tuple[Disparity, ...]
    references: Mapping[str, str]
    family_size: int
    warnings: tuple[str, ...]
    parameters: Mapping[str, Any]
    inputs: tuple[InputFile, ...]
    n_rows: int
    scores: tuple[GroupScoreSummary, ...] = ()
    calibration: tuple[CalibrationBin, ...] = ()
    veil_of_darkness: VeilOfDarkness | None = None
    veil_of_darkness_by_group: tuple[VeilOfDarkness, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (layout documented in docs/reference/json.md)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "n_rows": self.n_rows,
            "metrics": list(self.metrics),
            "references": dict(self.references),
            "family_size": self.family_size,
            "parameters": dict(self.parameters),
            "inputs": [i.to_dict() for i in self.inputs],
            "groups": [g.to_dict() for g in self.groups],
            "disparities": [d.to_dict() for d in self.disparities],
            "warnings": list(self.warnings),
        }
        if self.scores:
            out["auc"] = [s.to_dict() for s in self.scores]
        if self.calibration:
            out["calibration"] = [c.to_dict() for c in self.calibration]
        if self.veil_of_darkness is not None:
            out["veil_of_darkness"] = self.veil_of_darkness.to_dict()
            out["veil_of_darkness_by_group"] = [v.to_dict() for v in self.veil_of_darkness_by_group]
        return out

    def by_group(self, metric: str) -> pd.DataFrame:
        """One row per group: the metric's value, interval, denominator and flags."""
        self._check_metric(metric)
        rows = []
        for g in self.groups:
            rate = g.rates[metric]
            lo, hi = rate.ci if rate.ci is not None else (None, None)
            rows.append(
                {
                    "attribute": g.attribute,
                    "group": g.group,
                    "n": g.n,
                    metric: rate.value,
                    "ci_low": lo,
                    "ci_high": hi,
                    "denominator": rate.denominator,
                    "flags": ", ".join((*g.flags, *rate.flags)),
                }
            )
        return pd.DataFrame(rows)

    def disparity_table(self, metric: str) -> pd.DataFrame:
        """One row per compared group for ``metric``: ratio, difference, p-values, flags."""
        self._check_metric(metric)
        return pd.DataFrame([d.to_dict() for d in self.disparities if d.metric == metric])

    def _check_metric(self, metric: str) -> None:
        if metric not in self.metrics:
            raise KeyError(f"unknown metric {metric!r}; want one of {', '.join(self.metrics)}")
