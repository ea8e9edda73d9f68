"""Vectorised error counts: FMR, FNMR, the cross-group FMR matrix, DET curves and EER.

Convention (stated in docs/explanation/methods.md): scores are similarity-oriented
and a comparison *matches* at threshold ``t`` when ``score >= t``. So

* ``FMR(t)  = #{impostor scores >= t} / #impostor``,
* ``FNMR(t) = #{genuine scores  <  t} / #genuine``,

the convention of ISO/IEC 19795-1:2021, scikit-learn's ``det_curve`` and pyeer's
``calculate_roc``. For distances (stored negated) this is ``distance <= t``.

Within-group impostor scores and genuine scores are sorted once per group; any
set of thresholds is then counted with :func:`numpy.searchsorted`, ``O(T log n)``
per group. The cross-group matrix is counted in one linear pass per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

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


def _code_dtype(n: int) -> type[np.unsignedinteger[Any]]:
    return np.uint8 if n <= 1 << 8 else np.uint16 if n <= 1 << 16 else np.uint32


@dataclass(frozen=True, eq=False)
class ScoreIndex:
    """Scores arranged for counting at any thresholds.

    ``diagonal[g]`` holds the sorted impostor scores with both subjects in group
    ``g`` and ``genuine[g]`` the sorted genuine scores of group ``g``: the
    per-group rates, DET curves and EERs read them with binary search. The
    cross-group cells are counted from ``cell`` (each comparison's cell code
    ``p * n_groups + r``, ``n_groups**2`` for a genuine comparison) and
    ``score`` in one linear pass per call; :attr:`impostor` sorts them only if
    asked for.
    """

    n_groups: int
    symmetric: bool
    diagonal: tuple[Float, ...]
    genuine: tuple[Float, ...]
    cell: NDArray[np.unsignedinteger[Any]]
    score: Float

    @cached_property
    def impostor(self) -> tuple[Float, ...]:
        """Sorted impostor scores of every cell, ``[p * n_groups + r]`` (symmetric: ``p <= r``)."""
        g = self.n_groups
        keep = self.cell < g * g
        return _sorted_segments(self.cell[keep].astype(np.int64), self.score[keep], g * g)

    def impostor_cell(self, probe: int, reference: int) -> Float:
        """Sorted impostor scores of one cell (either order for symmetric data)."""
        if probe == reference:
            return self.diagonal[probe]
        if self.symmetric and probe > reference:
            probe, reference = reference, probe
        return self.impostor[probe * self.n_groups + reference]

    def false_matches(self, thresholds: ArrayLike) -> tuple[Int, Int]:
        """False-match counts ``k[p, r, t]`` and comparisons ``n[p, r]`` of every cell.

        One pass: each score's bin among the sorted thresholds
        (:func:`numpy.searchsorted`), then a count per (cell, bin). For
        symmetric data both ``[p, r]`` and ``[r, p]`` hold the pairs between
        the two groups, so the matrix is symmetric.
        """
        t = np.atleast_1d(np.asarray(thresholds, dtype=float))
        order = np.argsort(t, kind="stable")
        g, n_t = self.n_groups, t.size
        if n_t == 1:
            bins = (self.score >= t[0]).view(np.int8)
        else:
            bins = np.searchsorted(t[order], self.score, side="right")
        hist = np.bincount(
            self.cell.astype(np.int64) * (n_t + 1) + bins, minlength=(g * g + 1) * (n_t + 1)
        )[: g * g * (n_t + 1)].reshape(g, g, n_t + 1)
        if self.symmetric:
            upper = np.triu(np.ones((g, g), dtype=bool), k=1)
            hist = hist + np.where(upper.T[..., None], hist.transpose(1, 0, 2), 0)
        above = np.cumsum(hist[..., ::-1], axis=-1)[..., ::-1][..., 1:]
        k = np.empty_like(above)
        k[..., order] = above
        return k.astype(np.int64), hist.sum(axis=-1).astype(np.int64)

    def group_false_matches(self, thresholds: ArrayLike) -> tuple[Int, Int]:
        """False matches ``k[g, t]`` and comparisons ``n[g]`` with both subjects in group ``g``."""
        t = np.atleast_1d(np.asarray(thresholds, dtype=float))
        cells = self.diagonal
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
    """Arrange the scores for counting; see :class:`ScoreIndex`.

    Requires group codes in ``[0, n_groups)`` and similarity-oriented scores.
    Only the within-group impostor scores and the genuine scores are sorted
    (one radix partition of those rows, then one sort per group); the
    cross-group cells are counted linearly when asked for.
    """
    g = n_groups
    dtype = _code_dtype(g * g + 1)
    pg = np.asarray(probe_group)
    rg = np.asarray(reference_group)
    if symmetric:
        pg, rg = np.minimum(pg, rg), np.maximum(pg, rg)
    cell = (pg.astype(dtype) * dtype(g) + rg.astype(dtype)).astype(dtype, copy=False)
    cell[genuine] = g * g
    rows = np.flatnonzero((pg == rg) | genuine)
    # within-group impostor rows go to segment g_p, genuine rows to segment n_groups + g_p
    key = pg[rows].astype(np.int64) + g * genuine[rows]
    segments = _sorted_segments(key, np.asarray(score, dtype=np.float64)[rows], 2 * g)
    return ScoreIndex(
        n_groups=g,
        symmetric=symmetric,
        diagonal=segments[:g],
        genuine=segments[g:],
        cell=cell,
        score=np.asarray(score, dtype=np.float64),
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
