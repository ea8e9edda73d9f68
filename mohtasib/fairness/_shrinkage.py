"""Beta-Binomial shrinkage of small intersectional groups toward their parent group.

An intersection such as ``race × sex`` splits a group into cells that can be
small; their raw rates are noisy. Each cell's rate is shrunk toward its parent
group's rate (the group of the intersection's first attribute) with a Beta
prior of mean ``mu`` (the parent rate) and strength ``m``:
``(k + m * mu) / (n + m)``.

The strength is estimated from all cells of the grouping by the method of
moments for over-dispersed proportions (Kleinman 1973, JASA 68:46-54; the
empirical-Bayes reading is Efron & Morris 1975, JASA 70:311-319): with
intra-class correlation ``rho = 1 / (m + 1)``,
``E[(p_i - mu_i)^2] = mu_i (1 - mu_i) / n_i * (1 + (n_i - 1) rho)``.
The raw rate is always reported beside the shrunk one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["beta_binomial_shrinkage", "prior_strength"]

_RHO_FLOOR = 1e-6


def prior_strength(k: ArrayLike, n: ArrayLike, *, prior_mean: ArrayLike) -> float:
    """Method-of-moments prior strength ``m`` (pseudo-observations) over all cells.

    Cells with ``n == 0`` or an undefined prior mean are ignored. Returns
    ``1 / 1e-6 - 1`` (near-complete pooling) when the cells vary no more than
    binomial noise explains.
    """
    k_arr, n_arr, mu = (np.asarray(v, dtype=float) for v in (k, n, prior_mean))
    use = (n_arr > 0) & np.isfinite(mu)
    if not use.any():
        return float("nan")
    k_arr, n_arr, mu = k_arr[use], n_arr[use], mu[use]
    var = mu * (1 - mu)
    excess = np.sum((k_arr / n_arr - mu) ** 2) - np.sum(var / n_arr)
    scale = np.sum(var * (n_arr - 1) / n_arr)
    rho = float(np.clip(excess / scale, _RHO_FLOOR, 1.0)) if scale > 0 else 1.0
    return 1.0 / rho - 1.0


def beta_binomial_shrinkage(
    k: ArrayLike, n: ArrayLike, *, prior_mean: ArrayLike
) -> NDArray[np.float64]:
    """Posterior-mean rates ``(k + m mu) / (n + m)`` with ``m`` from :func:`prior_strength`.

    NaN where the cell is empty and the prior mean is undefined.
    """
    k_arr, n_arr, mu = (np.asarray(v, dtype=float) for v in (k, n, prior_mean))
    m = prior_strength(k_arr, n_arr, prior_mean=mu)
    with np.errstate(invalid="ignore", divide="ignore"):
        if not np.isfinite(m):
            return np.where(n_arr > 0, k_arr / n_arr, np.nan)
        return (k_arr + m * mu) / (n_arr + m)
