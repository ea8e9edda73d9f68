"""The Markup's comparison: who lives in the most- and least-targeted areas.

The Markup (Sankin, Mehrotra, Mattu & Gilbertson 2021, "Crime
Prediction Software Promised to Be Free of Biases. New Data Shows It
Perpetuates Them", and the methodology article "How We Determined Crime
Prediction Software Disproportionately Targeted Low-Income, Black, and Latino
Neighborhoods", §"Disparate impact analysis") ranked each jurisdiction's block
groups by their number of predictions and compared the share of each group
among the residents of the *most-targeted* block groups with its share in the
whole jurisdiction. Their code (the-markup/investigation-prediction-bias,
``R/preprocessing/rank-and-label.R``) takes:

- most targeted: the ``round(0.05·n) + 1`` block groups with the most predictions;
- least targeted: as many with the fewest, and when more block groups than that
  tie at the fewest (usually zero predictions), a window of that size at the
  edge of the tie (which of the tied areas fall in it depends on row order);
- top decile: areas with a count above the 90th percentile of counts,
  R's type-7 quantile (NumPy's default).

A group's share in a set of areas is its residents there over all residents
there. Areas with no residents stay in the ranking, as in The Markup's code.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TARGETING_SETS", "targeting_composition"]

#: The sets of areas compared with the jurisdiction, in report order.
TARGETING_SETS = ("most_targeted", "least_targeted", "top_decile", "jurisdiction")


def targeting_composition(
    count: np.ndarray, total: np.ndarray, pop: np.ndarray, *, window: float = 0.05
) -> dict[str, np.ndarray]:
    """Each group's share of the residents of each targeting set (keys: ``TARGETING_SETS``).

    ``count`` and ``total`` are per area, ``pop`` is areas × groups. Ties in
    ``count`` keep the input order (a stable sort, as R's ``arrange``). A set
    with no residents gives NaN shares.
    """
    masks = _targeting_masks(count, window)
    out = {}
    for name in TARGETING_SETS:
        mask = masks.get(name, np.ones(len(count), dtype=bool))
        residents = total[mask].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = (
                pop[mask].sum(axis=0) / residents
                if residents > 0
                else np.full(pop.shape[1], np.nan)
            )
    return out


def _targeting_masks(count: np.ndarray, window: float) -> dict[str, np.ndarray]:
    n = len(count)
    order = np.argsort(-count, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, 0, -1)  # the most-predicted area has rank n, the least rank 1
    size = round(n * window)
    n_min = int((count == count.min()).sum()) if n else 0
    low, high = (n_min - size, n_min) if n_min > size else (1, 1 + size)
    q90 = float(np.quantile(count, 0.9)) if n else 0.0
    return {
        "most_targeted": rank >= n - size,
        "least_targeted": (rank >= low) & (rank <= high),
        "top_decile": count > q90,
    }
