"""Tests of equal proportions, multiple-comparison corrections and power.

Methods and sources
-------------------
* Two-proportion z test with pooled variance (score test): Agresti (2013),
  *Categorical Data Analysis*, 3rd ed., section 3.1.
* Exact tests when an expected cell count is below 5 (Cochran's rule):
  Boschloo's unconditional test (Boschloo 1970, Statistica Neerlandica
  24:19-35; uniformly more powerful than Fisher's), SciPy's implementation,
  while ``n1 * n2 <= 2500`` (its cost grows with the number of tables);
  Fisher's exact test (Fisher 1935) beyond that.
* Holm (1979) step-down familywise correction, Scandinavian Journal of
  Statistics 6:65-70.
* Benjamini & Hochberg (1995) false-discovery-rate step-up adjustment, JRSS B
  57:289-300.
* Sample size for two proportions (normal approximation, equal groups):
  Fleiss, Levin & Paik (2003), *Statistical Methods for Rates and
  Proportions*, 3rd ed., eq. 4.14 (without continuity correction).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "benjamini_hochberg",
    "holm",
    "n_per_group_for_ratio",
    "two_proportion_test",
]

Float = NDArray[np.float64]

_BOSCHLOO_MAX_TABLES = 2_500


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value for H0: ``k1/n1 == k2/n2``, with the test used.

    Uses the pooled two-proportion z test, or an exact test (Boschloo, or
    Fisher for large tables) when any expected cell of the 2x2 table is below
    5. Returns ``(nan, "")`` when a group is empty, and p = 1 when both
    proportions are 0 or both are 1.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, ""
    total, successes = n1 + n2, k1 + k2
    if successes in (0, total):
        return 1.0, "none (no variation)"
    expected = [n * successes / total for n in (n1, n2)] + [
        n * (total - successes) / total for n in (n1, n2)
    ]
    if min(expected) < 5:
        table = np.array([[k1, k2], [n1 - k1, n2 - k2]])
        if n1 * n2 <= _BOSCHLOO_MAX_TABLES:
            result = stats.boschloo_exact(table, alternative="two-sided")
            return float(min(1.0, result.pvalue)), "boschloo"
        return float(stats.fisher_exact(table, alternative="two-sided").pvalue), "fisher"
    pooled = successes / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (k1 / n1 - k2 / n2) / se
    return float(2 * stats.norm.sf(abs(z))), "z"


def holm(p_values: ArrayLike) -> Float:
    """Holm step-down adjusted p-values; NaN entries are left out of the family and stay NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def benjamini_hochberg(p_values: ArrayLike) -> Float:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN entries stay NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")[::-1]]
    ranks = np.arange(m, 0, -1)
    adjusted = np.minimum.accumulate(p[order] * m / ranks)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def n_per_group_for_ratio(
    reference_rate: float, *, ratio: float = 1.25, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Denominator per group needed to detect ``rate = ratio * reference_rate``.

    Two-sided level ``alpha`` and the given power, equal group sizes, normal
    approximation (Fleiss et al. 2003, eq. 4.14). Returns NaN when the reference
    rate is 0 or the alternative rate would exceed 1.
    """
    p1, p2 = reference_rate, reference_rate * ratio
    if not 0 < p1 < 1 or not 0 < p2 < 1:
        return math.nan
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    p_bar = (p1 + p2) / 2
    numerator = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return float(math.ceil(numerator**2 / (p2 - p1) ** 2))
