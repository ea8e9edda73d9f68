"""Threshold advice: the lowest threshold keeping every group's FMR at or below a target.

FMR is non-increasing in the threshold, so for each group ``g`` with ``n_g``
impostor comparisons the allowed number of false matches is
``k_g = floor(target * n_g)`` and the lowest admissible threshold lies just
above the ``(k_g + 1)``-th highest impostor score. The advice is the largest
of these over the groups (the group that sets it is *binding*). A lower
threshold would push some group above the target; a higher one raises FNMR
for every group. Grother et al. (2019), NIST IR 8280, discuss how one global
threshold gives different FMRs in different groups; fixing it on the worst
group rather than on the whole population is mohtasib's reading of that
finding (no section number is cited: it could not be checked).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from mohtasib.biometrics._rates import ScoreIndex

__all__ = ["lowest_threshold_for_fmr"]


def lowest_threshold_for_fmr(index: ScoreIndex, target: float) -> tuple[float, NDArray[np.float64]]:
    """Lowest similarity threshold at which every group's FMR is ``<= target``.

    Requires ``0 <= target < 1``. Returns ``(threshold, per_group)``: the per-group
    lowest thresholds (``-inf`` where a group has no impostor comparisons or any
    threshold meets the target) and their maximum. A match is ``score >= threshold``.
    """
    if not 0 <= target < 1:
        raise ValueError(f"got fmr_target={target}; want 0 <= target < 1")
    per_group = np.full(index.n_groups, -np.inf)
    for g in range(index.n_groups):
        cell = index.impostor_cell(g, g)
        allowed = math.floor(target * cell.size + 1e-9)
        if cell.size and allowed < cell.size:
            per_group[g] = np.nextafter(cell[cell.size - allowed - 1], np.inf)
    return float(per_group.max(initial=-np.inf)), per_group
