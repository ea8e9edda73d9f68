"""Patrol allocation rules and the mitigations that change what is recorded.

- ``top-k``: one patrol in each of the ``k`` cells with the highest forecast
  (ties broken at random), the PredPol practice Lum & Isaac (2016) simulate.
- ``proportional``: ``k`` patrols sent independently, each to a cell drawn with
  probability proportional to the forecast (the many-region form of Ensign et
  al.'s 2018 urn, §3).
- ε-exploration (``explore:0.1``): each patrol, with probability ε, goes to a cell
  drawn uniformly instead (for ``top-k`` the explorers take cells not already
  chosen); the exploration remedy Ensign et al. (2018, §6) and Lum & Isaac discuss.
- Ensign et al.'s (2018, §5) correction: a discovered incident in cell ``j`` is
  recorded with probability ``pi_min / pi_j``, where ``pi_j`` is the probability that
  a patrol is sent to ``j`` and ``pi_min`` the smallest positive one that day, so
  that recorded discoveries are proportional to the true rate in expectation.
  Under ``top-k`` every patrolled cell has ``pi = 1`` (and unpatrolled cells yield
  no discoveries), so the correction changes nothing there: it needs a randomised
  allocation, as the paper's model has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mohtasib.errors import ConfigError

__all__ = ["ALLOCATIONS", "Mitigation", "allocate", "parse_mitigation"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ALLOCATIONS = ("top-k", "proportional")


@dataclass(frozen=True)
class Mitigation:
    """One mitigation: ``none``, ``ensign``, ``reported-only`` or ``explore`` with ``epsilon``."""

    name: str
    epsilon: float = 0.0

    @property
    def label(self) -> str:
        """The name as given on the command line (``explore:0.1``)."""
        return f"explore:{self.epsilon:g}" if self.name == "explore" else self.name


def parse_mitigation(text: str) -> Mitigation:
    """Parse ``none``, ``ensign``, ``reported-only`` or ``explore:EPS`` (0 < EPS <= 1).

    Raises
    ------
    ConfigError
        Any other text, or an ε outside ``(0, 1]``.
    """
    text = text.strip()
    if text in ("none", "ensign", "reported-only"):
        return Mitigation(text)
    name, sep, value = text.partition(":")
    if name == "explore" and sep:
        try:
            eps = float(value)
        except ValueError:
            eps = float("nan")
        if 0 < eps <= 1:
            return Mitigation("explore", eps)
        raise ConfigError(f"got {text!r}; want explore:EPS with 0 < EPS <= 1", key="mitigation")
    raise ConfigError(
        f"got mitigation {text!r}; want none, ensign, reported-only or explore:EPS",
        key="mitigation",
    )


def _shares(forecast: FloatArray) -> FloatArray:
    total = forecast.sum()
    n = forecast.size
    return forecast / total if total > 0 else np.full(n, 1.0 / n)


def allocate(
    forecast: FloatArray, *, rule: str, k: int, epsilon: float, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Patrols per cell for one run and day, and each cell's probability of a patrol.

    Returns
    -------
    patrols, propensity
        ``patrols[j]`` patrols in cell ``j`` (sum ``k``); ``propensity[j]`` the
        per-patrol probability of cell ``j`` (``proportional``) or the probability the
        cell gets a patrol (``top-k``), used by Ensign's correction.
    """
    n = forecast.size
    if rule == "proportional":
        p = (1.0 - epsilon) * _shares(forecast) + epsilon / n
        return rng.multinomial(k, p).astype(np.int64), p
    explorers = int(rng.binomial(k, epsilon)) if epsilon > 0 else 0
    order = np.lexsort((rng.random(n), -forecast))
    patrols = np.zeros(n, dtype=np.int64)
    patrols[order[: k - explorers]] = 1
    if explorers:
        free = order[k - explorers :]
        patrols[rng.choice(free, size=explorers, replace=False)] = 1
    return patrols, patrols.astype(np.float64)
