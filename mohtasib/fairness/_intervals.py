"""Confidence intervals for proportions, ratios and differences of proportions.

Methods and sources
-------------------
* Wilson score interval for one proportion: Wilson (1927), JASA 22:209-212;
  recommended by Brown, Cai & DasGupta (2001), Statistical Science 16:101-133.
* Clopper-Pearson exact interval, used when the count is 0 or n (where Wilson's
  coverage is poorest): Clopper & Pearson (1934), Biometrika 26:404-413.
* Katz log interval for a ratio of proportions: Katz, Baptista, Azen & Pike
  (1978), Biometrics 34:469-474.
* Koopman score interval for a ratio, used when a count is zero (Katz is
  undefined there): Koopman (1984), Biometrics 40:513-517.
* Newcombe hybrid score interval for a difference (method 10): Newcombe (1998),
  Statistics in Medicine 17:873-890.

All functions take NumPy arrays (or scalars) and are vectorised except the
Koopman interval, which needs root finding and is only used for zero counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from mohtasib._binomial import clopper_pearson_interval

__all__ = [
    "clopper_pearson_interval",
    "katz_ratio_interval",
    "koopman_ratio_interval",
    "newcombe_difference_interval",
    "proportion_interval",
    "ratio_interval",
    "wilson_interval",
]

Float = NDArray[np.float64]


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95) -> tuple[Float, Float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (Wilson 1927).

    Requires ``0 <= k <= n``. Where ``n == 0`` both bounds are NaN.
    """
    k_arr, n_arr = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        denom = 1 + z * z / n_arr
        centre = (p + z * z / (2 * n_arr)) / denom
        half = z * np.sqrt(p * (1 - p) / n_arr + z * z / (4 * n_arr * n_arr)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def proportion_interval(
    k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95
) -> tuple[Float, Float]:
    """Wilson interval, or Clopper-Pearson where ``k == 0`` or ``k == n``."""
    k_arr, n_arr = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    w_lo, w_hi = wilson_interval(k_arr, n_arr, confidence=confidence)
    c_lo, c_hi = clopper_pearson_interval(k_arr, n_arr, confidence=confidence)
    edge = (k_arr == 0) | (k_arr == n_arr)
    return np.where(edge, c_lo, w_lo), np.where(edge, c_hi, w_hi)


def katz_ratio_interval(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, *, confidence: float = 0.95
) -> tuple[Float, Float]:
    """Katz log interval for ``(k1/n1) / (k2/n2)`` (Katz et al. 1978).

    Undefined (NaN) where ``k1 == 0`` or ``k2 == 0``; use :func:`ratio_interval`.
    Agrees with ``scipy.stats.contingency.relative_risk(...).confidence_interval()``.
    """
    k1a, n1a, k2a, n2a = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = np.log(k1a / n1a) - np.log(k2a / n2a)
        se = np.sqrt(1 / k1a - 1 / n1a + 1 / k2a - 1 / n2a)
        lo, hi = np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)
    undefined = (k1a <= 0) | (k2a <= 0) | (n1a <= 0) | (n2a <= 0)
    return np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)


def _koopman_statistic(phi: float, k1: float, n1: float, k2: float, n2: float) -> float:
    """Pearson chi-square at the MLE constrained to p1 = phi * p2 (Koopman 1984, eq. 3)."""
    a = phi * (n1 + n2)
    b = -(phi * (n1 + k2) + k1 + n2)
    c = k1 + k2
    p2 = (-b - math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    p1 = phi * p2
    total = 0.0
    for k, n, p in ((k1, n1, p1), (k2, n2, p2)):
        var = n * p * (1 - p)
        total += 0.0 if var <= 0 else (k - n * p) ** 2 / var
    return total


def koopman_ratio_interval(
    k1: float, n1: float, k2: float, n2: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Koopman (1984) asymptotic score interval for a ratio of two proportions.

    The interval is ``{phi : U(phi) <= chi2_1(confidence)}`` where ``U`` is the
    Pearson statistic at the maximum-likelihood estimate constrained to
    ``p1 = phi * p2``. Defined when a count is zero: ``k1 == 0`` gives lower
    bound 0 and ``k2 == 0`` gives upper bound infinity. Requires ``n1, n2 > 0``
    and ``k1 + k2 > 0``.
    """
    if n1 <= 0 or n2 <= 0 or k1 + k2 <= 0:
        return math.nan, math.nan
    crit = float(stats.chi2.ppf(confidence, 1))

    def excess(log_phi: float) -> float:
        return _koopman_statistic(math.exp(log_phi), k1, n1, k2, n2) - crit

    # The statistic is zero near the point estimate and grows on either side.
    centre = math.log((k1 + 0.5) / (n1 + 0.5)) - math.log((k2 + 0.5) / (n2 + 0.5))
    while (
        excess(centre) > 0
    ):  # pragma: no cover - the shrunk estimate is inside for all tested data
        centre += -0.1 if k1 == 0 else 0.1
    lower = 0.0 if k1 == 0 else math.exp(_bracket_root(excess, centre, -1.0))
    upper = math.inf if k2 == 0 else math.exp(_bracket_root(excess, centre, 1.0))
    return lower, upper


def _bracket_root(f: Callable[[float], float], start: float, direction: float) -> float:
    step = 0.5
    edge = start + direction * step
    while f(edge) < 0:
        step *= 2
        edge = start + direction * step
        if step > 200:  # pragma: no cover - bounded search; the statistic always diverges
            return edge
    lo, hi = sorted((start, edge))
    return float(optimize.brentq(f, lo, hi, xtol=1e-12))


def ratio_interval(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, *, confidence: float = 0.95
) -> tuple[Float, Float, NDArray[np.str_]]:
    """Interval for a ratio of proportions: Katz log, or Koopman score where a count is zero.

    Returns ``(lower, upper, method)``; ``method`` is ``"katz"``, ``"koopman"``
    or ``""`` where no interval exists (both counts zero or an empty group).
    """
    k1a, n1a, k2a, n2a = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (k1, n1, k2, n2))
    lo, hi = katz_ratio_interval(k1a, n1a, k2a, n2a, confidence=confidence)
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    method = np.where(np.isnan(lo), "", "katz").astype("<U7")
    for i in np.flatnonzero(np.isnan(lo)):
        if n1a[i] > 0 and n2a[i] > 0 and k1a[i] + k2a[i] > 0:
            lo[i], hi[i] = koopman_ratio_interval(
                k1a[i], n1a[i], k2a[i], n2a[i], confidence=confidence
            )
            method[i] = "koopman"
    return lo, hi, method


def newcombe_difference_interval(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, *, confidence: float = 0.95
) -> tuple[Float, Float]:
    """Newcombe (1998) hybrid score interval (method 10) for ``k1/n1 - k2/n2``.

    Built from the two Wilson intervals: ``d - sqrt((p1-l1)^2 + (u2-p2)^2)`` and
    ``d + sqrt((u1-p1)^2 + (p2-l2)^2)``.
    """
    k1a, n1a, k2a, n2a = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    l1, u1 = wilson_interval(k1a, n1a, confidence=confidence)
    l2, u2 = wilson_interval(k2a, n2a, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1a / n1a, k2a / n2a
        d = p1 - p2
        lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lo, hi
