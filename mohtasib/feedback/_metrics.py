"""Distances and concentration measures between a patrol allocation and the truth.

All functions take non-negative weight vectors over cells (or a batch of them,
one per row) and normalise them to shares first; a row with zero total has no
share and yields ``nan``.

- Gini coefficient of a share vector over ``n`` cells: the mean absolute
  difference over all pairs divided by twice the mean (Gini 1912; the sorted
  form of Damgaard & Weiner 2000, eq. 1).
- Herfindahl–Hirschman index: the sum of squared shares (Hirschman 1964).
- Total-variation distance: half the L1 distance between two share vectors.
- Jensen–Shannon distance: the square root of the Jensen–Shannon divergence in
  bits (Lin 1991, "Divergence measures based on the Shannon entropy", IEEE TIT
  37(1), eq. 4.1; the square root is a metric, Endres & Schindelin 2003).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["gini", "hhi", "jensen_shannon", "shares", "total_variation"]

FloatArray = NDArray[np.float64]


def shares(weights: ArrayLike) -> FloatArray:
    """Normalise the last axis of ``weights`` to sum to one (``nan`` where it sums to zero).

    Raises
    ------
    ValueError
        A weight is negative or not finite (callers validate input first; this guards the maths).
    """
    w = np.asarray(weights, dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    total = w.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(total > 0, w / total, np.nan), dtype=np.float64)


def gini(weights: ArrayLike) -> FloatArray:
    r"""Gini coefficient of each row of ``weights``, in ``[0, 1 - 1/n]``.

    .. math::  G = \frac{\sum_{i}(2i - n - 1)\, s_{(i)}}{n \sum_i s_{(i)}}

    with :math:`s_{(i)}` the shares sorted ascending (Damgaard & Weiner 2000, eq. 1).
    0 means every cell has the same share; ``1 - 1/n`` means one cell has it all.
    """
    s = np.sort(shares(weights), axis=-1)
    n = s.shape[-1]
    rank = 2.0 * np.arange(1, n + 1) - n - 1
    return np.asarray((s * rank).sum(axis=-1) / n, dtype=np.float64)


def hhi(weights: ArrayLike) -> FloatArray:
    """Herfindahl–Hirschman index of each row: the sum of squared shares, in ``[1/n, 1]``."""
    s = shares(weights)
    return np.asarray((s * s).sum(axis=-1), dtype=np.float64)


def total_variation(p: ArrayLike, q: ArrayLike) -> FloatArray:
    """Total-variation distance ``0.5 * sum |p - q|`` between share vectors, in ``[0, 1]``."""
    return np.asarray(0.5 * np.abs(shares(p) - shares(q)).sum(axis=-1), dtype=np.float64)


def _kl_bits(p: FloatArray, m: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p / m), 0.0)
    return np.asarray(terms.sum(axis=-1), dtype=np.float64)


def jensen_shannon(p: ArrayLike, q: ArrayLike) -> FloatArray:
    r"""Jensen–Shannon distance :math:`\sqrt{JS(p, q)}` in bits, in ``[0, 1]`` (Lin 1991)."""
    sp, sq = shares(p), shares(q)
    m = 0.5 * (sp + sq)
    js = 0.5 * _kl_bits(sp, m) + 0.5 * _kl_bits(sq, m)
    return np.asarray(np.sqrt(np.clip(js, 0.0, 1.0)), dtype=np.float64)
