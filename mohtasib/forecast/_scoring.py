"""Scores of one forecast against the events that followed, over the study-area cells.

Definitions (``y`` the observed counts, ``mu`` the forecast expected counts, both
over the ``A`` study-area cells; ``N = sum(y)``; the ``k = max(1, round(c * A))``
cells of highest forecast are flagged at coverage ``c``, ties in random order):

- hit rate ``n / N``, ``n`` the events in flagged cells;
- PAI ``(n / N) / (k / A)`` (Chainey, Tompson & Uhlig 2008, Security Journal 21);
- PEI ``n / n_max``, ``n_max`` the events in the ``k`` cells that in fact had
  most events: PAI over the best PAI attainable with the same area (Hunt 2016,
  NIJ Real-Time Crime Forecasting Challenge). When ``k`` exceeds the number of
  cells with an event, ``n_max = N`` and PEI equals the hit rate;
- PEI* ``k_min / k``, ``k_min`` the fewest cells that capture ``n`` events: PAI
  divided by the PAI of the smallest set of cells that captures as many events
  (1: no smaller area would have caught as many). This is our reading of White,
  Hunt & Green (2023), "A discussion of current crime forecasting indices and an
  improvement to the prediction efficiency index", Security Journal, whose
  abstract introduces PEI* as an operationally realistic efficiency index. The
  paper's full text and the NIJ challenge's scoring note for PEI* could not be
  obtained here, so the formula is checked against hand computations
  (tests/forecast/test_backtest.py), not against a worked example of the paper.
  Caution: the NIJ challenge's 2017 winners table already ranks by "PEI*", and
  public third-party code computes "PEI*" as the same-area ratio ``n / n_max``
  (our PEI); if that is the paper's definition, ``pei_star`` here is an extra index
  of our own (docs/explanation/forecast-models.md, "PEI*");
- log score: the mean over cells of the Poisson log-probability
  ``log P(Y = y_j | mu_j)``, with ``mu`` floored at ``1e-9`` (higher is better);
- Brier: the mean over cells of ``(p_j - 1[y_j > 0])^2`` with
  ``p_j = 1 - exp(-mu_j)`` the Poisson probability of at least one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

__all__ = ["OriginScores", "rank_cells", "score_origin"]

MU_FLOOR = 1e-9


@dataclass(frozen=True)
class OriginScores:
    """The scores of one model at one origin (hit-rate metrics keyed by coverage)."""

    n_events: int
    hit_rate: dict[float, float]
    pai: dict[float, float]
    pei: dict[float, float]
    pei_star: dict[float, float]
    log_score: float
    brier: float


def rank_cells(forecast: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Indices of ``forecast`` from highest to lowest, ties in random order."""
    shuffle = rng.permutation(forecast.size)
    order = np.argsort(-forecast[shuffle], kind="stable")
    return shuffle[order].astype(np.int64)


def score_origin(
    forecast: NDArray[np.float64],
    observed: NDArray[np.int64],
    *,
    coverages: Sequence[float],
    rng: np.random.Generator,
) -> OriginScores:
    """Score a forecast (expected counts) against observed counts on the same cells.

    Requires ``forecast`` and ``observed`` of equal length (the study-area cells).
    Hit-rate metrics are NaN when no event was observed.
    """
    area = forecast.size
    total = int(observed.sum())
    ranked = observed[rank_cells(forecast, rng)]
    best = np.sort(observed)[::-1]
    cum_best = np.cumsum(best)
    hit, pai, pei, pei_star = {}, {}, {}, {}
    for c in coverages:
        k = max(1, round(c * area))
        n = int(ranked[:k].sum())
        if total == 0:
            hit[c] = pai[c] = pei[c] = pei_star[c] = float("nan")
            continue
        hit[c] = n / total
        pai[c] = hit[c] / (k / area)
        n_max = int(cum_best[k - 1])
        pei[c] = n / n_max
        k_min = int(np.searchsorted(cum_best, n, side="left")) + 1 if n > 0 else 0
        pei_star[c] = k_min / k
    mu = np.maximum(forecast, MU_FLOOR)
    log_p = observed * np.log(mu) - mu - gammaln(observed + 1.0)
    p_any = -np.expm1(-mu)
    brier = float(np.mean((p_any - (observed > 0)) ** 2))
    return OriginScores(total, hit, pai, pei, pei_star, float(np.mean(log_p)), brier)
