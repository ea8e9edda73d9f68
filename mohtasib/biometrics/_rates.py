"""Vectorised error counts: FMR, FNMR, the cross-group FMR matrix, DET curves and EER.

Convention (stated in docs/explanation/methods.md): scores are similarity-oriented
and a comparison *matches* at threshold ``t`` when ``score >= t``. So

* ``FMR(t)  = #{impostor scores >= t} / #impostor``,
* ``FNMR(t) = #{genuine scores  <  t} / #genuine``,

the convention of ISO/IEC 19795-1:2021, scikit-learn's ``det_curve`` and pyeer's
``calculate_roc``. For distances (stored negated) this is ``distance <= t``.

Every score is sorted once, within its cell (probe group x reference group for
impostors, group for genuine comparisons); any set of thresholds is then
counted with :func:`numpy.searchsorted`, ``O(T log n)`` per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ScoreIndex", "build_index", "equal_error_rate", "error_curve"]

Float = NDArray[np.float64]
Int = NDArray[np.int64]


def _sorted_segments(key: NDArray[np.int64], values: Float, n: int) -> tuple[Float, ...]:
    # A stable sort of a 16-bit (or smaller) key is a radix sort in numpy: O(n), no comparisons.
    small = np.uint8 if n <= 1 << 8 else np.uint16 if n <= 1 << 16 else np.int64
    order = np.argsort(key.astype(small), kind="stable")
    ordered = values[order]
    del order
    bounds = np.concatenate([[0], np.cumsum(np.bincount(key, minlength=n))])
    segments = []
    for i in range(n):
        segment = ordered[bounds[i] : bounds[i + 1]]
        segment.sort()  # in place: each score is sorted once, inside its own cell
        segments.append(segment)
    return tuple(segments)


@dataclass(frozen=True, eq=False)
class ScoreIndex:
    """Scores sorted once per cell, ready for counting at any thresholds.

    ``impostor[p * n_groups + r]`` holds the impostor scores of probe group ``p``
    against reference group ``r`` (for symmetric data only ``p <= r`` is filled);
    ``genuine[g]`` the genuine scores of group ``g``. All ascending.
    """

    n_groups: int
    symmetric: bool
    impostor: tuple[Float, ...]
    genuine: tuple[Float, ...]

    def impostor_cell(self, probe: int, reference: int) -> Float:
        """Sorted impostor scores of one cell (either order for symmetric data)."""
        if self.symmetric and probe > reference:
            probe, reference = reference, probe
        return self.impostor[probe * self.n_groups + reference]

    def false_matches(self, thresholds: ArrayLike) -> tuple[Int, Int]:
        """False-match counts ``k[p, r, t]`` and comparisons ``n[p, r]`` of every cell.

        For symmetric data both ``[p, r]`` and ``[r, p]`` hold the pairs between
        the two groups, so the matrix is symmetric.
        """
        t = np.atleast_1d(np.asarray(thresholds, dtype=float))
        g = self.n_groups
        k = np.zeros((g, g, t.size), dtype=np.int64)
        n = np.zeros((g, g), dtype=np.int64)
        for p in range(g):
            for r in range(g):
                cell = self.impostor_cell(p, r)
                n[p, r] = cell.size
                k[p, r] = cell.size - np.searchsorted(cell, t, side="left")
        return k, n

    def group_false_matches(self, thresholds: ArrayLike) -> tuple[Int, Int]:
        """False matches ``k[g, t]`` and comparisons ``n[g]`` with both subjects in group ``g``."""
        t = np.atleast_1d(np.asarray(thresholds, dtype=float))
        cells = [self.impostor_cell(g, g) for g in range(self.n_groups)]
        k = np.array([c.size - np.searchsorted(c, t, side="left") for c in cells], dtype=np.int64)
        return k.reshape(self.n_groups, t.size), np.array([c.size for c in cells], dtype=np.int64)

    def false_non_matches(self, thresholds: ArrayLike) -> tuple[Int, Int]:
        """False non-matches ``k[g, t]`` and genuine comparisons ``n[g]`` per group."""
        t = np.atleast_1d(np.asarray(thresholds, dtype=float))
        k = np.array([np.searchsorted(c, t, side="left") for c in self.genuine], dtype=np.int64)
        n = np.array([c.size for c in self.genuine], dtype=np.int64)
        return k.reshape(self.n_groups, t.size), n


def build_index(
    probe_group: NDArray[np.integer],
    reference_group: NDArray[np.integer],
    score: Float,
    genuine: NDArray[np.bool_],
    *,
    n_groups: int,
    symmetric: bool = False,
) -> ScoreIndex:
    """Sort every score once within its cell; see :class:`ScoreIndex`.

    Requires group codes in ``[0, n_groups)`` and similarity-oriented scores.
    """
    impostor = ~genuine
    pg = probe_group[impostor].astype(np.int64)
    rg = reference_group[impostor].astype(np.int64)
    if symmetric:
        pg, rg = np.minimum(pg, rg), np.maximum(pg, rg)
    cells = _sorted_segments(pg * n_groups + rg, score[impostor], n_groups * n_groups)
    genuine_groups = probe_group[genuine].astype(np.int64)
    return ScoreIndex(
        n_groups=n_groups,
        symmetric=symmetric,
        impostor=cells,
        genuine=_sorted_segments(genuine_groups, score[genuine], n_groups),
    )


def error_curve(genuine: Float, impostor: Float) -> tuple[Float, Float, Float]:
    """FMR and FNMR at every distinct score (a DET curve), thresholds ascending.

    Requires both inputs sorted ascending and non-empty. Returns
    ``(thresholds, fmr, fnmr)``: the thresholds are the distinct scores, as in
    pyeer's ``calculate_roc``.
    """
    thresholds = np.unique(np.concatenate([genuine, impostor]))
    fmr = (impostor.size - np.searchsorted(impostor, thresholds, side="left")) / impostor.size
    fnmr = np.searchsorted(genuine, thresholds, side="left") / genuine.size
    return thresholds, fmr, fnmr


def equal_error_rate(fmr: Float, fnmr: Float) -> tuple[float, int]:
    """Equal error rate from a curve with ascending thresholds (Maio et al. 2002, FVC2000).

    ``t2`` is the first point with ``FMR <= FNMR`` and ``t1`` the point before it
    (or ``t2`` itself when the rates are equal there); of the two, the point
    with the smaller ``FMR + FNMR`` is taken and the EER is the midpoint
    ``(FMR + FNMR) / 2`` there. Returns ``(eer, index)``; ``(nan, -1)`` when the
    curves never cross. Same rule as pyeer's ``get_eer_values``.
    """
    crossed = np.flatnonzero(fmr - fnmr <= 0)
    if crossed.size == 0:
        return float("nan"), -1
    t2 = int(crossed[0])
    t1 = t2 - 1 if fmr[t2] != fnmr[t2] and t2 != 0 else t2
    best = t1 if fmr[t1] + fnmr[t1] <= fmr[t2] + fnmr[t2] else t2
    return float((fmr[best] + fnmr[best]) / 2), best
