"""Bootstrap intervals of the attention audit: over areas, and over days in blocks.

Over areas: the areas are resampled with replacement (a percentile bootstrap,
Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 6 and 13),
treating areas as independent draws. Over days: whole days of predictions are
resampled in moving blocks of ``block_length`` consecutive days (Künsch 1989,
"The jackknife and the bootstrap for general stationary observations",
*Annals of Statistics* 17(3), §2; Efron & Tibshirani 1993, §8.6), so that
day-to-day dependence within a block is kept; ``block_length = 1`` is the
ordinary day-level bootstrap. Residents are held fixed in the day bootstrap:
it measures how much the figures move with the days that happened to be
observed, not with the areas.
"""

from __future__ import annotations

import numpy as np

__all__ = ["area_weights", "block_day_weights", "percentile_interval", "ratio_to_reference"]


def area_weights(n_areas: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot × n_areas`` multiplicities of areas drawn with replacement."""
    return rng.multinomial(n_areas, np.full(n_areas, 1.0 / n_areas), size=n_boot).astype(float)


def block_day_weights(
    n_days: int, n_boot: int, block_length: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_boot × n_days`` multiplicities of days from a moving-block bootstrap (Künsch 1989).

    Requires ``1 <= block_length``; a block longer than the series is cut to it.
    Blocks of ``block_length`` consecutive days start uniformly among the
    ``n_days − block_length + 1`` possible starts and are joined until
    ``n_days`` days are drawn.
    """
    length = min(block_length, n_days)
    n_blocks = -(-n_days // length)
    starts = rng.integers(0, n_days - length + 1, size=(n_boot, n_blocks))
    days = (starts[:, :, None] + np.arange(length)).reshape(n_boot, -1)[:, :n_days]
    flat = days + (np.arange(n_boot) * n_days)[:, None]
    return (
        np.bincount(flat.ravel(), minlength=n_boot * n_days).reshape(n_boot, n_days).astype(float)
    )


def ratio_to_reference(numerator: np.ndarray, denominator: np.ndarray, ref: int) -> np.ndarray:
    """``(num_g / den_g) / (num_ref / den_ref)`` along the last axis; NaN where undefined."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(denominator > 0, numerator / denominator, np.nan)
        result: np.ndarray = rate / rate[..., [ref]]
    return result


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """Equal-tailed percentile interval of the finite values; None when there are none."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    alpha = (1 - confidence) / 2
    return float(np.quantile(finite, alpha)), float(np.quantile(finite, 1 - alpha))
