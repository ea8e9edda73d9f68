"""One-number summaries of how error rates differ between groups.

Every function takes rates with the groups on the last axis (so a ``(B, G)``
array of bootstrap replicates gives ``B`` summaries) and ignores NaN entries
(groups where the rate is not estimable).

Definitions and sources
-----------------------
* **max/min ratio** -- ``max_g r_g / min_g r_g``: "times worse than the best
  group", the summary used throughout Grother, Ngan & Hanaoka (2019), NIST IR
  8280, *Face Recognition Vendor Test Part 3: Demographic Effects*. Infinite
  when the best group has no observed errors.
* **Inequity rate** -- ``A**alpha * B**(1 - alpha)`` with ``A`` the max/min FMR
  ratio and ``B`` the max/min FNMR ratio at one threshold, as proposed for
  summarising demographic differentials in Grother (2022), NIST IR 8429 (draft),
  *FRVT Part 8: Summarizing Demographic Differentials*; ``alpha`` weighs false
  matches against false non-matches.
* **GARBE** (Gini Aggregation Rate for Biometric Equitability) --
  ``alpha * Gini(FMR_g) + (1 - alpha) * Gini(FNMR_g)`` with the small-sample
  Gini ``n/(n-1) * sum_ij |x_i - x_j| / (2 n**2 mean(x))``: Howard, Laird,
  Rubin, Sirotin, Tipton & Vemury (2022), "Evaluating proposed fairness models
  for face recognition algorithms", arXiv:2203.05051. 0 = equal rates.
* **FDR** (fairness discrepancy rate) -- ``1 - (alpha * max_ij |FMR_i - FMR_j|
  + (1 - alpha) * max_ij |FNMR_i - FNMR_j|)``: Pereira & Marcel (2021),
  "Fairness in biometrics: a figure of merit to assess biometric verification
  systems", IEEE T-BIOM 4(1):19-29. FDR works on *differences*; at the low
  error rates where face recognition operates (FMR 1e-5 .. 1e-3) every
  difference is tiny, so FDR reads close to 1 ("no discrepancy") even when one
  group's FMR is 100 times another's. It is kept for comparison with the
  literature; read the ratios.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["fairness_discrepancy_rate", "garbe", "gini", "inequity_rate", "max_min_ratio"]

Float = NDArray[np.float64]


def _prepare(rates: ArrayLike) -> tuple[Float, NDArray[np.int64]]:
    x = np.asarray(rates, dtype=float)
    return x, np.sum(~np.isnan(x), axis=-1)


def max_min_ratio(rates: ArrayLike) -> Float:
    """``max / min`` over estimable groups.

    ``inf`` when the smallest rate is 0 and the largest positive; NaN when fewer
    than two groups are estimable or every rate is 0.
    """
    x, n = _prepare(rates)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = np.nanmax(np.where(n[..., None] > 0, x, 0.0), axis=-1)
        lo = np.nanmin(np.where(n[..., None] > 0, x, 0.0), axis=-1)
        ratio = np.where(lo > 0, hi / np.where(lo > 0, lo, 1.0), np.where(hi > 0, np.inf, np.nan))
    return np.asarray(np.where(n >= 2, ratio, np.nan), dtype=float)


def gini(rates: ArrayLike) -> Float:
    """Gini coefficient with the ``n / (n - 1)`` correction (Howard et al. 2022).

    NaN with fewer than two estimable groups or a zero mean.
    """
    x, n = _prepare(rates)
    filled = np.where(np.isnan(x), 0.0, x)
    valid = ~np.isnan(x)
    diffs = np.abs(filled[..., :, None] - filled[..., None, :])
    both = valid[..., :, None] & valid[..., None, :]
    total = np.sum(np.where(both, diffs, 0.0), axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.sum(filled, axis=-1) / n
        value = n / (n - 1) * total / (2 * n * n * mean)
    return np.asarray(np.where((n >= 2) & (mean > 0), value, np.nan), dtype=float)


def _max_difference(rates: ArrayLike) -> Float:
    x, n = _prepare(rates)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=-1) - np.nanmin(
            np.where(np.isnan(x), np.inf, x), axis=-1
        )
    return np.asarray(np.where(n >= 2, spread, np.nan), dtype=float)


def inequity_rate(fmr: ArrayLike, fnmr: ArrayLike, *, alpha: float = 0.5) -> Float:
    """``A**alpha * B**(1 - alpha)``, ``A``/``B`` the max/min FMR/FNMR ratios (NIST IR 8429)."""
    a, b = max_min_ratio(fmr), max_min_ratio(fnmr)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(a**alpha * b ** (1 - alpha), dtype=float)


def garbe(fmr: ArrayLike, fnmr: ArrayLike, *, alpha: float = 0.5) -> Float:
    """``alpha * Gini(FMR) + (1 - alpha) * Gini(FNMR)`` (Howard et al. 2022)."""
    return np.asarray(alpha * gini(fmr) + (1 - alpha) * gini(fnmr), dtype=float)


def fairness_discrepancy_rate(fmr: ArrayLike, fnmr: ArrayLike, *, alpha: float = 0.5) -> Float:
    """``1 - (alpha * max|dFMR| + (1 - alpha) * max|dFNMR|)`` (Pereira & Marcel 2021).

    Reads close to 1 whenever all rates are small, whatever their ratios; see the
    module docstring.
    """
    return np.asarray(
        1 - (alpha * _max_difference(fmr) + (1 - alpha) * _max_difference(fnmr)), dtype=float
    )
