"""The Clopper-Pearson interval, shared by the pillars that report binomial rates.

Clopper & Pearson (1934), "The use of confidence or fiducial limits illustrated in
the case of the binomial", Biometrika 26:404-413: the exact interval from Beta
quantiles. Kept in the foundation because domain packages do not import each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["clopper_pearson_interval"]


def clopper_pearson_interval(
    k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Clopper-Pearson exact interval for ``k`` successes in ``n`` trials.

    Requires ``0 <= k <= n``. Both bounds are NaN where ``n <= 0``. Vectorised.
    """
    k_arr, n_arr = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k_arr > 0, special.betaincinv(k_arr, n_arr - k_arr + 1, alpha / 2), 0.0)
        hi = np.where(
            k_arr < n_arr, special.betaincinv(k_arr + 1, n_arr - k_arr, 1 - alpha / 2), 1.0
        )
    empty = n_arr <= 0
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)
