"""One-number summaries of how error rates differ between groups.

Every function takes rates with the groups on the last axis (so a ``(B, G)``
array of bootstrap replicates gives ``B`` summaries) and ignores NaN entries
(groups where the rate is not estimable).

Definitions and sources
-----------------------
* **max/min ratio** -- ``max_g r_g / min_g r_g``: "times worse than the best
  group", in the spirit of the "N times higher" comparisons of error rates
  between groups in Grother, Ngan & Hanaoka (2019), NIST IR 8280, *Face
  Recognition Vendor Test (FRVT) Part 3: Demographic Effects*,
  doi:10.6028/NIST.IR.8280 (NIST IR 8280 mostly compares groups with a
  reference group; the max/min form is mohtasib's). Infinite when the best
  group has no observed errors.
* **Inequity rate** -- ``A**alpha * B**(1 - alpha)`` with ``A`` the max/min FMR
  ratio and ``B`` the max/min FNMR ratio at one threshold; ``alpha`` weighs
  false matches against false non-matches. Attributed to the draft NIST IR 8429
  (Grother 2022, *FRVT Part 8: Summarizing Demographic Differentials*); the
  report number, title and the exact form of its measure could not be checked
  against the document when this was written, so read the formula here as
  mohtasib's definition.
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

Intervals for the selection-based summaries
-------------------------------------------
The max/min ratio, the inequity rate and FDR *select* the worst and the best
group. Re-selecting them in every bootstrap replicate estimates the expected
maximum and minimum of noisy rates, which lie above and below the true extremes
(the bootstrap of an extreme order statistic is biased and inconsistent:
Bickel & Freedman 1981, "Some asymptotic theory for the bootstrap", Ann.
Statist. 9(6):1196-1217, section 6; Andrews 2000, Econometrica 68(2):399-405),
so the interval of the ratio over 18 noisy groups can start above the point
estimate. :func:`fixed_group_replicates` therefore fixes the worst and best
groups *as identified on the full sample* and bootstraps the statistic of that
pair (their ratio, or their difference for FDR): an interval for "how much worse
is group W than group B", conditional on that choice, in the spirit of
inference after selection (Efron 2014, "Estimation and accuracy after model
selection", JASA 109(507):991-1007). How often each replicate would have picked
the same pair is reported beside it (``selection_share``): a low share says the
ranking itself is uncertain.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "fairness_discrepancy_rate",
    "fixed_group_replicates",
    "garbe",
    "gini",
    "inequity_rate",
    "max_min_ratio",
]

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
    """``A**alpha * B**(1 - alpha)``, ``A``/``B`` the max/min FMR and FNMR ratios (IR 8429)."""
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


def _extremes(point: Float) -> tuple[int, int] | None:
    """Positions of the largest and smallest estimable rate (None: fewer than two)."""
    valid = np.flatnonzero(~np.isnan(point))
    if valid.size < 2:
        return None
    values = point[valid]
    return int(valid[np.argmax(values)]), int(valid[np.argmin(values)])


def _fixed_pair(point: Float, reps: Float) -> tuple[Float, Float, float, tuple[int, int]] | None:
    """Replicates of the worst and best groups of ``point``, and how often they stay extreme."""
    pair = _extremes(point)
    if pair is None:
        return None
    worst, best = pair
    ok = ~np.isnan(reps).all(axis=1)
    hi = np.argmax(np.where(np.isnan(reps[ok]), -np.inf, reps[ok]), axis=1)
    lo = np.argmin(np.where(np.isnan(reps[ok]), np.inf, reps[ok]), axis=1)
    share = float(np.mean((hi == worst) & (lo == best))) if ok.any() else float("nan")
    return reps[:, worst], reps[:, best], share, pair


def fixed_group_replicates(
    fmr: ArrayLike, fnmr: ArrayLike, fmr_reps: ArrayLike, fnmr_reps: ArrayLike, *, alpha: float
) -> tuple[dict[str, Float], dict[str, dict[str, float]]]:
    """Bootstrap replicates of the selection-based summaries with the groups held fixed.

    Parameters
    ----------
    fmr, fnmr
        Point estimates per group (NaN: not estimable).
    fmr_reps, fnmr_reps
        ``(B, G)`` replicate rates.
    alpha
        Weight of FMR in the inequity rate and FDR.

    Returns
    -------
    replicates, selections
        ``{summary: (B,) replicates}`` for ``fmr_max_min_ratio``,
        ``fnmr_max_min_ratio``, ``inequity_rate`` and ``fdr``, each computed
        from the worst and best groups of the full sample; and per metric
        (``fmr``, ``fnmr``) the positions ``worst``, ``best`` and the share of
        replicates in which the same two groups were the extremes. Method and
        sources: the module docstring.
    """
    point = {"fmr": np.asarray(fmr, dtype=float), "fnmr": np.asarray(fnmr, dtype=float)}
    reps = {"fmr": np.asarray(fmr_reps, dtype=float), "fnmr": np.asarray(fnmr_reps, dtype=float)}
    n_boot = reps["fmr"].shape[0]
    nan = np.full(n_boot, np.nan)
    ratio: dict[str, Float] = {}
    spread: dict[str, Float] = {}
    selections: dict[str, dict[str, float]] = {}
    for name in ("fmr", "fnmr"):
        found = _fixed_pair(point[name], reps[name])
        if found is None:
            ratio[name], spread[name] = nan, nan
            continue
        w, b, share, (worst, best) = found
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio[name] = np.where(
                b > 0, w / np.where(b > 0, b, 1.0), np.where(w > 0, np.inf, np.nan)
            )
        spread[name] = w - b
        selections[name] = {"worst": worst, "best": best, "selection_share": share}
    with np.errstate(invalid="ignore", over="ignore"):
        inequity = ratio["fmr"] ** alpha * ratio["fnmr"] ** (1 - alpha)
    out: dict[str, Float] = {
        "fmr_max_min_ratio": ratio["fmr"],
        "fnmr_max_min_ratio": ratio["fnmr"],
        "inequity_rate": np.asarray(inequity, dtype=float),
        "fdr": np.asarray(1 - (alpha * spread["fmr"] + (1 - alpha) * spread["fnmr"]), dtype=float),
    }
    return out, selections
