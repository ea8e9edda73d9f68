"""Typed, frozen result objects of the face-recognition audit, with ``to_dict()`` views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mohtasib._json import json_number, json_pair

__all__ = [
    "SCHEMA_VERSION",
    "BiometricAudit",
    "CrossGroupCell",
    "DetCurve",
    "DifferentialSummary",
    "ErrorRate",
    "GroupErrorRates",
    "SafeguardCheck",
    "ThresholdAdvice",
    "ThresholdRow",
]

#: Version of the JSON layout written by :meth:`BiometricAudit.to_dict`.
SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class ErrorRate:
    """``errors / trials`` with its interval.

    ``value`` is None when ``trials == 0`` ("not estimable", never 0). ``ci`` is
    the subject-level bootstrap percentile interval (``ci_method="bootstrap"``),
    or Clopper-Pearson where there is no bootstrap or no observed error.
    ``clopper_pearson`` is always given; ``rule_of_three`` (``3 / trials``) only
    when no error was observed.
    """

    value: float | None
    errors: int
    trials: int
    ci: tuple[float, float] | None
    ci_method: str
    clopper_pearson: tuple[float, float] | None
    rule_of_three: float | None = None

    def to_dict(self, name: str) -> dict[str, Any]:
        """Return the JSON view with keys prefixed by ``name``."""
        return {
            name: json_number(self.value),
            f"{name}_ci": json_pair(self.ci),
            f"{name}_ci_method": self.ci_method,
            f"{name}_errors": self.errors,
            f"{name}_trials": self.trials,
            f"{name}_ci_clopper_pearson": json_pair(self.clopper_pearson),
            f"{name}_rule_of_three": json_number(self.rule_of_three),
        }


@dataclass(frozen=True)
class GroupErrorRates:
    """FMR (both subjects in the group), FNMR, FTA and EER of one group."""

    group: str
    n_subjects: int
    fmr: ErrorRate
    fnmr: ErrorRate
    fta: ErrorRate
    eer: float | None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (the issue's keys first)."""
        out: dict[str, Any] = {
            "group": self.group,
            "n_subjects": self.n_subjects,
            "n_impostor": self.fmr.trials,
            "n_genuine": self.fnmr.trials,
        }
        for name in ("fmr", "fnmr", "fta"):
            out.update(getattr(self, name).to_dict(name))
        out["eer"] = json_number(self.eer)
        out["flags"] = list(self.flags)
        return out


@dataclass(frozen=True)
class CrossGroupCell:
    """FMR of impostor comparisons of a probe group against a reference group."""

    probe_group: str
    reference_group: str
    fmr: float | None
    errors: int
    n: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "probe_group": self.probe_group,
            "reference_group": self.reference_group,
            "fmr": json_number(self.fmr),
            "errors": self.errors,
            "n": self.n,
        }


@dataclass(frozen=True)
class DifferentialSummary:
    """Summaries of the differences between groups, with bootstrap intervals.

    Definitions and sources: :mod:`mohtasib.biometrics._summaries`. A value is
    None when not estimable (a best group without observed errors makes a
    ratio infinite; no genuine pairs leave FNMR summaries undefined).

    The intervals of the max/min ratios, the inequity rate and FDR hold the
    worst and best groups of the full sample fixed; ``selections`` names them
    per metric (``fmr``, ``fnmr``) with ``selection_share``, the share of
    bootstrap replicates in which the same two groups were the extremes.
    """

    alpha: float
    values: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None]
    n_bootstrap: int
    selections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view: ``<name>`` and ``<name>_ci`` per summary."""
        out: dict[str, Any] = {"alpha": self.alpha, "n_bootstrap": self.n_bootstrap}
        for name, value in self.values.items():
            out[name] = json_number(value)
            out[f"{name}_ci"] = json_pair(self.intervals.get(name))
        out["selections"] = {k: dict(v) for k, v in self.selections.items()}
        return out


@dataclass(frozen=True)
class ThresholdRow:
    """One group's rates at the vendor's threshold and at the advised one."""

    group: str
    fmr_at_default: float | None
    fmr_at_recommended: float | None
    fnmr_at_default: float | None
    fnmr_at_recommended: float | None
    lowest_threshold: float | None
    binding: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            k: (json_number(v) if isinstance(v, float) else v) for k, v in self.__dict__.items()
        }


@dataclass(frozen=True)
class ThresholdAdvice:
    """Lowest threshold at which every group's FMR is at or below ``fmr_target``."""

    fmr_target: float
    default_threshold: float
    recommended_threshold: float | None
    rows: tuple[ThresholdRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "fmr_target": self.fmr_target,
            "default_threshold": self.default_threshold,
            "recommended_threshold": json_number(self.recommended_threshold),
            "groups": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True)
class DetCurve:
    """A group's DET curve (thinned) and its EER; thresholds in the scores' own convention."""

    group: str
    thresholds: tuple[float, ...]
    fmr: tuple[float, ...]
    fnmr: tuple[float, ...]
    eer: float | None
    eer_threshold: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "group": self.group,
            "thresholds": list(self.thresholds),
            "fmr": list(self.fmr),
            "fnmr": list(self.fnmr),
            "eer": json_number(self.eer),
            "eer_threshold": json_number(self.eer_threshold),
        }


@dataclass(frozen=True)
class SafeguardCheck:
    """One deployment safeguard: what the policy says, the verdict and the evidence it needs."""

    key: str
    requirement: str
    value: Any
    status: str
    evidence_needed: str
    evidence: str | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class BiometricAudit:
    """Result of :func:`mohtasib.biometrics.audit_comparisons` (1:1 verification)."""

    threshold: float
    higher_is_similar: bool
    group_by: tuple[str, ...]
    groups: tuple[GroupErrorRates, ...]
    cross_group_fmr: tuple[CrossGroupCell, ...]
    summary: DifferentialSummary
    threshold_advice: ThresholdAdvice | None
    det_curves: tuple[DetCurve, ...]
    safeguards: tuple[SafeguardCheck, ...]
    inputs: tuple[dict[str, Any], ...]
    parameters: dict[str, Any]
    warnings: tuple[str, ...]
    kind: str = "biometrics"

    @property
    def recommended_threshold(self) -> float | None:
        """The advised threshold, or None when no FMR target was given."""
        return (
            None if self.threshold_advice is None else self.threshold_advice.recommended_threshold
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (``schema_version`` 1.0)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "threshold": self.threshold,
            "higher_is_similar": self.higher_is_similar,
            "group_by": list(self.group_by),
            "groups": [g.to_dict() for g in self.groups],
            "cross_group_fmr": [c.to_dict() for c in self.cross_group_fmr],
            "summary": self.summary.to_dict(),
            "recommended_threshold": json_number(self.recommended_threshold),
            "threshold_advice": None
            if self.threshold_advice is None
            else self.threshold_advice.to_dict(),
            "det_curves": [d.to_dict() for d in self.det_curves],
            "safeguards": [s.to_dict() for s in self.safeguards],
            "inputs": list(self.inputs),
            "parameters": dict(self.parameters),
            "warnings": list(self.warnings),
        }
