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

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

__all__ = [
    "benjamini_hochberg",
    "holm",
    "n_per_group_for_ratio",
    "two_proportion_test",
    "two_proportion_tests",
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
    p, test = two_proportion_tests([k1], [n1], [k2], [n2])
    return float(p[0]), str(test[0])


def two_proportion_tests(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike
) -> tuple[Float, NDArray[np.str_]]:
    """Vectorised :func:`two_proportion_test`: the z test in one pass, exact tests row by row."""
    k1a, n1a, k2a, n2a = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (k1, n1, k2, n2))
    total, successes = n1a + n2a, k1a + k2a
    p = np.full(k1a.shape, np.nan)
    test = np.full(k1a.shape, "", dtype="<U19")
    valid = (n1a > 0) & (n2a > 0)
    flat = valid & ((successes == 0) | (successes == total))
    p[flat], test[flat] = 1.0, "none (no variation)"
    live = valid & ~flat
    with np.errstate(invalid="ignore", divide="ignore"):
        share = successes / total
        expected = np.minimum(np.minimum(n1a, n2a) * share, np.minimum(n1a, n2a) * (1 - share))
        pooled_se = np.sqrt(share * (1 - share) * (1 / n1a + 1 / n2a))
        z = (k1a / n1a - k2a / n2a) / pooled_se
    ztest = live & (expected >= 5)
    p[ztest] = special.erfc(np.abs(z[ztest]) / math.sqrt(2))
    test[ztest] = "z"
    for i in np.flatnonzero(live & ~ztest):
        p[i], test[i] = _exact(int(k1a[i]), int(n1a[i]), int(k2a[i]), int(n2a[i]))
    return p, test


def _exact(k1: int, n1: int, k2: int, n2: int) -> tuple[float, str]:
    table = np.array([[k1, k2], [n1 - k1, n2 - k2]])
    if n1 * n2 <= _BOSCHLOO_MAX_TABLES:
        result = stats.boschloo_exact(table, alternative="two-sided")
        return float(min(1.0, result.pvalue)), "boschloo"
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue), "fisher"


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


@functools.lru_cache(maxsize=16)
def _normal_quantiles(alpha: float, power: float) -> tuple[float, float]:
    return float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))


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
    z_a, z_b = _normal_quantiles(alpha, power)
    p_bar = (p1 + p2) / 2
    numerator = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return float(math.ceil(numerator**2 / (p2 - p1) ** 2))
