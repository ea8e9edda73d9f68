"""Subject-level (clustered) bootstrap of per-group error counts.

Comparisons that share a subject are correlated, so resampling comparisons
understates the uncertainty. Following the subsets bootstrap of Bolle, Ratha &
Pankanti (2004), "Error analysis of pattern recognition systems -- the subsets
bootstrap", CVIU 93:1-33, and the two-instance bootstrap of Schuckers (2010),
*Computational Methods in Biometric Authentication*, Springer, ch. 2-3, each
replicate draws *subjects* with replacement, within each group (stratified, so
group sizes stay fixed), and weights every comparison by the product of how
often its subjects were drawn:

* a quantity per subject (genuine comparisons, samples) counts ``m_s`` times;
* an impostor comparison of subjects ``a`` and ``b`` counts ``m_a * m_b`` times.

With ``M`` the ``B x n`` matrix of draws and ``E`` the sparse subject-by-subject
matrix of error counts, the replicate totals are ``rowsum((M @ E) * M)``: one
sparse-dense product per block of replicates, no Python loop over replicates.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

__all__ = ["GroupCounts", "clustered_bootstrap", "percentile_interval"]

Float = NDArray[np.float64]

#: Largest number of ``float64`` cells held per block of replicates (bounds memory).
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True, eq=False)
class GroupCounts:
    """The per-subject and per-pair counts of one group, subjects numbered ``0..n-1``."""

    n_subjects: int
    per_subject: Mapping[str, Float] = field(default_factory=dict)
    per_pair: Mapping[str, sparse.csr_matrix] = field(default_factory=dict)


def _pair_matrix(
    a: NDArray[np.integer], b: NDArray[np.integer], w: Float, n: int
) -> sparse.csr_matrix:
    """Sparse ``n x n`` matrix summing ``w`` over pairs ``(a, b)``."""
    return sparse.coo_matrix((w, (a, b)), shape=(n, n)).tocsr()


def clustered_bootstrap(
    groups: list[GroupCounts], *, n_boot: int, rng: np.random.Generator
) -> dict[str, Float]:
    """Replicate totals ``{name: (n_boot, n_groups)}`` of every count in ``groups``.

    Each group's subjects are resampled with replacement (``n`` draws from ``n``).
    A group without subjects gives zeros.
    """
    names = {k for g in groups for k in (*g.per_subject, *g.per_pair)}
    out = {name: np.zeros((n_boot, len(groups))) for name in names}
    for j, group in enumerate(groups):
        n = group.n_subjects
        if n == 0:
            continue
        block = max(1, _BLOCK_CELLS // n)
        for start in range(0, n_boot, block):
            b = min(block, n_boot - start)
            # n draws with replacement from n subjects, counted per subject: the multinomial
            # (n; 1/n, ..., 1/n) counts, sampled in O(b * n) instead of n binomials per replicate
            picks = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
            draws = np.bincount(picks.ravel(), minlength=b * n).reshape(b, n).astype(float)
            del picks
            for name, vector in group.per_subject.items():
                out[name][start : start + b, j] = draws @ vector
            for name, matrix in group.per_pair.items():
                weighted = np.asarray((matrix.T @ draws.T).T)
                out[name][start : start + b, j] = np.sum(weighted * draws, axis=1)
    return out


def percentile_interval(replicates: Float, *, confidence: float = 0.95) -> tuple[Float, Float]:
    """Percentile interval over axis 0, ignoring NaN replicates (empty denominators).

    Uses the order statistics themselves (no interpolation), so infinite
    replicates (a ratio whose best group drew no errors) stay well defined.
    """
    alpha = 1 - confidence
    with warnings.catch_warnings():  # an all-NaN column (no denominator) gives NaN bounds
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(replicates, alpha / 2, axis=0, method="lower")
        hi = np.nanquantile(replicates, 1 - alpha / 2, axis=0, method="higher")
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
