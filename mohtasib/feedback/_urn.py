r"""The two-region Pólya urn of Ensign et al. (2018) and their inverse-propensity correction.

Ensign, D., Friedler, S. A., Neville, S., Scheidegger, C. and Venkatasubramanian, S.
(2018). Runaway feedback loops in predictive policing. *Proceedings of FAT\* 2018*,
PMLR 81, 160–171 (§3 the urn model, §4 its runaway behaviour, §5 the correction).

The dynamics, as in the paper and its published code (``src/polya.py``,
``src/Makefile`` target ``oakland-examples``):

1. Two regions A and B with true daily incident rates :math:`\lambda_A, \lambda_B`.
   The urn holds :math:`n_A, n_B` balls (the prior: past records per region).
2. Each day one officer is sent to a region drawn with probability proportional
   to its balls, :math:`p_A = n_A / (n_A + n_B)`.
3. The officer discovers the visited region's incidents and the urn gains that
   many balls of its colour: :math:`\lambda_r` balls (deterministic update, the
   paper's §4 model) or a Poisson(:math:`\lambda_r`) number (``poisson_updates``).
   Nothing is learnt about the region not visited.
4. Correction (§5): a discovery in the visited region :math:`r` is added only with
   probability :math:`p_{\bar r} / \max(p_A, p_B)`, where :math:`\bar r` is the other
   region — i.e. discoveries are thinned in inverse proportion to how likely the
   region was to be visited, so each region's expected gain per day is proportional
   to :math:`\lambda_r` and the urn's share converges to
   :math:`\lambda_A / (\lambda_A + \lambda_B)`.

Uncorrected, the update matrix is :math:`\mathrm{diag}(\lambda_A, \lambda_B)`; with
:math:`\lambda_A > \lambda_B` the share of A tends to 1 (§4): the loop "runs away".
On the Oakland parameters (the two busiest cells of the Lum & Isaac data:
:math:`\lambda = 3.68511, 2.816466`, priors 609/379 or 6.09/3.79, 1,000 days) the
true share is 0.567; after 1,000 days the mean share of A is about 0.70 (strong
prior) and 0.84 (weak prior) uncorrected, and about 0.567 corrected (weak prior).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mohtasib.errors import ConfigError

__all__ = ["UrnSimulation", "simulate_urn"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class UrnSimulation:
    r"""Share of region A in the urn, day by day, over many seeded runs.

    Attributes
    ----------
    rates, prior
        :math:`(\lambda_A, \lambda_B)` and the starting balls :math:`(n_A, n_B)`.
    days, runs, corrected, poisson_updates, random_state
        The settings simulated.
    true_share
        :math:`\lambda_A / (\lambda_A + \lambda_B)`.
    mean, low, high
        Per day (index 0 is the prior, then after each day): mean share of A over runs,
        and its 5th and 95th percentiles over runs (the band).
    final_shares
        The share of A after the last day, one per run.
    """

    rates: tuple[float, float]
    prior: tuple[float, float]
    days: int
    runs: int
    corrected: bool
    poisson_updates: bool
    random_state: int | None
    true_share: float
    mean: FloatArray = field(repr=False)
    low: FloatArray = field(repr=False)
    high: FloatArray = field(repr=False)
    final_shares: FloatArray = field(repr=False)

    @property
    def final_mean(self) -> float:
        """Mean share of A over runs after the last day."""
        return float(self.mean[-1])

    @property
    def final_band(self) -> tuple[float, float]:
        """5th and 95th percentiles over runs of the final share of A."""
        return float(self.low[-1]), float(self.high[-1])

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (the daily curve every 10th day, and the final figures)."""
        step = max(1, self.days // 100)
        return {
            "method": "Ensign et al. (2018) two-region Polya urn"
            + (" with the inverse-propensity correction (section 5)" if self.corrected else ""),
            "rates": list(self.rates),
            "prior": list(self.prior),
            "days": self.days,
            "runs": self.runs,
            "corrected": self.corrected,
            "poisson_updates": self.poisson_updates,
            "random_state": self.random_state,
            "true_share": self.true_share,
            "final_mean": self.final_mean,
            "final_band_5_95": list(self.final_band),
            "curve": {
                "day": list(range(0, self.days + 1, step)),
                "mean": self.mean[::step].tolist(),
                "low": self.low[::step].tolist(),
                "high": self.high[::step].tolist(),
            },
        }


def _check(rates: tuple[float, float], prior: tuple[float, float], days: int, runs: int) -> None:
    if len(rates) != 2 or not all(np.isfinite(r) and r > 0 for r in rates):
        raise ConfigError(f"got rates {rates}; want two positive numbers", key="rates")
    if len(prior) != 2 or not all(np.isfinite(p) and p > 0 for p in prior):
        raise ConfigError(f"got prior {prior}; want two positive ball counts", key="prior")
    if days < 1 or runs < 1:
        raise ConfigError(f"got days={days}, runs={runs}; want both >= 1", key="days")


def simulate_urn(
    rates: tuple[float, float],
    prior: tuple[float, float],
    *,
    days: int = 1000,
    runs: int = 1000,
    corrected: bool = False,
    poisson_updates: bool = False,
    random_state: int | None = None,
) -> UrnSimulation:
    r"""Run Ensign et al.'s (2018) two-region urn ``runs`` times for ``days`` days.

    See the module docstring for the exact dynamics. All runs advance together
    (vectorised), drawing from one generator seeded by ``random_state``.

    Parameters
    ----------
    rates
        True daily incident rates of regions A and B, both > 0.
    prior
        Starting balls of A and B, both > 0 (need not be whole numbers).
    days, runs
        Days per run and number of runs, >= 1.
    corrected
        Apply the §5 inverse-propensity correction.
    poisson_updates
        Add a Poisson number of balls instead of exactly :math:`\lambda_r`.
    random_state
        Seed.

    Returns
    -------
    UrnSimulation

    Raises
    ------
    ConfigError
        A rate or prior is not positive, or ``days``/``runs`` < 1.
    """
    _check(rates, prior, days, runs)
    rng = np.random.default_rng(random_state)
    lam = np.asarray(rates, dtype=np.float64)
    balls = np.tile(np.asarray(prior, dtype=np.float64), (runs, 1))
    curve = np.empty((days + 1, runs))
    curve[0] = balls[:, 0] / balls.sum(axis=1)
    rows = np.arange(runs)
    for day in range(days):
        p_a = curve[day]
        region = (rng.random(runs) >= p_a).astype(np.int64)  # 0 = A, 1 = B
        gain = rng.poisson(lam[region]).astype(np.float64) if poisson_updates else lam[region]
        if corrected:
            p_visit = np.where(region == 0, p_a, 1.0 - p_a)
            keep = (1.0 - p_visit) / np.maximum(p_a, 1.0 - p_a)
            gain = np.where(rng.random(runs) < keep, gain, 0.0)
        balls[rows, region] += gain
        curve[day + 1] = balls[:, 0] / balls.sum(axis=1)
    low, high = np.percentile(curve, [5.0, 95.0], axis=1)
    return UrnSimulation(
        rates=(float(lam[0]), float(lam[1])),
        prior=(float(prior[0]), float(prior[1])),
        days=days,
        runs=runs,
        corrected=corrected,
        poisson_updates=poisson_updates,
        random_state=random_state,
        true_share=float(lam[0] / lam.sum()),
        mean=curve.mean(axis=1),
        low=np.asarray(low, dtype=np.float64),
        high=np.asarray(high, dtype=np.float64),
        final_shares=curve[-1].copy(),
    )
