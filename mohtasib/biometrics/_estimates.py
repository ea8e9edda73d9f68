"""Per-group counts for the bootstrap, and rates with intervals from them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mohtasib.biometrics._bootstrap import GroupCounts, _pair_matrix, percentile_interval
from mohtasib.biometrics._intervals import clopper_pearson_interval, rule_of_three
from mohtasib.biometrics._result import ErrorRate

__all__ = ["error_rates", "fta_counts", "verification_counts"]

Float = NDArray[np.float64]


def _local_positions(subject_group: NDArray[np.int32], n_groups: int) -> NDArray[np.int64]:
    """Position of each subject within its own group (0..n_g-1)."""
    local = np.zeros(subject_group.size, dtype=np.int64)
    for g in range(n_groups):
        members = np.flatnonzero(subject_group == g)
        local[members] = np.arange(members.size)
    return local


def verification_counts(
    subject_group: NDArray[np.int32],
    probe: NDArray[np.int32],
    reference: NDArray[np.int32],
    match: NDArray[np.bool_],
    genuine: NDArray[np.bool_],
    n_groups: int,
) -> list[GroupCounts]:
    """Per group: false matches and impostor pairs per subject pair, misses per subject.

    Impostor pairs count only when both subjects are in the group; genuine
    comparisons count per subject.
    """
    local = _local_positions(subject_group, n_groups)
    pg, rg = subject_group[probe], subject_group[reference]
    within = ~genuine & (pg == rg)
    out = []
    for g in range(n_groups):
        n = int(np.sum(subject_group == g))
        sel = within & (pg == g)
        a, b = local[probe[sel]], local[reference[sel]]
        ones = np.ones(a.size)
        gen = genuine & (pg == g)
        s = local[probe[gen]]
        out.append(
            GroupCounts(
                n_subjects=n,
                per_subject={
                    "fnm": np.bincount(s, weights=(~match[gen]).astype(float), minlength=n).astype(
                        np.float64
                    ),
                    "gen": np.bincount(s, minlength=n).astype(np.float64),
                },
                per_pair={
                    "fm": _pair_matrix(a, b, match[sel].astype(float), n),
                    "imp": _pair_matrix(a, b, ones, n),
                },
            )
        )
    return out


def fta_counts(
    sample_group: NDArray[np.int64],
    sample_subject: NDArray[np.int64],
    fta: NDArray[np.bool_],
    n_groups: int,
) -> list[GroupCounts]:
    """Per group: failures to acquire and samples, per subject."""
    out = []
    for g in range(n_groups):
        sel = sample_group == g
        _, s = np.unique(sample_subject[sel], return_inverse=True)
        n = int(s.max()) + 1 if s.size else 0
        out.append(
            GroupCounts(
                n_subjects=n,
                per_subject={
                    "fta": np.bincount(s, weights=fta[sel].astype(float), minlength=n).astype(
                        np.float64
                    ),
                    "samples": np.bincount(s, minlength=n).astype(np.float64),
                },
            )
        )
    return out


def error_rates(
    errors: NDArray[np.int64],
    trials: NDArray[np.int64],
    replicates: tuple[Float, Float] | None,
    *,
    confidence: float,
) -> tuple[list[ErrorRate], Float]:
    """One :class:`ErrorRate` per group, and the ``(B, G)`` replicate rates (NaN if empty).

    The bootstrap interval is used where errors were observed; with no errors
    (or no bootstrap) the Clopper-Pearson interval, plus the rule of three.
    """
    lo, hi = clopper_pearson_interval(errors, trials, confidence=confidence)
    r3 = rule_of_three(trials)
    if replicates is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(replicates[1] > 0, replicates[0] / replicates[1], np.nan)
        b_lo, b_hi = percentile_interval(rates, confidence=confidence)
    else:
        rates = np.full((0, errors.size), np.nan)
    out = []
    for g in range(errors.size):
        k, n = int(errors[g]), int(trials[g])
        cp = (float(lo[g]), float(hi[g])) if n else None
        boot = replicates is not None and k > 0 and n > 0
        out.append(
            ErrorRate(
                value=k / n if n else None,
                errors=k,
                trials=n,
                ci=(float(b_lo[g]), float(b_hi[g])) if boot else cp,
                ci_method="subject bootstrap" if boot else ("clopper-pearson" if n else ""),
                clopper_pearson=cp,
                rule_of_three=float(r3[g]) if n and k == 0 else None,
            )
        )
    return out, rates
