"""Noise mechanisms for integer counts, built from OpenDP measurements.

Two mechanisms, both on integers, so no floating-point noise is ever sampled
(floating-point Laplace noise leaks through its low-order bits; Mironov 2012):

``laplace``
    The discrete Laplace (two-sided geometric) mechanism, ``ε``-differentially
    private (Dwork, McSherry, Nissim & Smith 2006; Ghosh, Roughgarden & Sundararajan
    2009). OpenDP's ``make_laplace`` on integer vectors with the L1 distance.
``gaussian``
    The discrete Gaussian mechanism (Canonne, Kamath & Steinke 2020), ρ-zero-concentrated
    DP, converted to ``(ε, δ)``-DP by OpenDP's ``make_zCDP_to_approxDP`` and
    ``make_fix_delta``. OpenDP's ``make_gaussian`` on integer vectors with the L2 distance.

The noise scale is the smallest one OpenDP's privacy map certifies for the requested
``(ε, δ)`` at the given sensitivity (``opendp.prelude.binary_search_param``), so the
guarantee is OpenDP's, not a formula re-derived here.

OpenDP marks these constructors ``contrib``: their proofs are written and published
with the library (https://docs.opendp.org/en/stable/api/user-guide/programming-framework/)
but have not finished OpenDP's formal vetting. Enabling ``contrib`` is how every OpenDP
tutorial uses them. mohtasib enables ``contrib`` only: not ``honest-but-curious``
(which trusts user-written functions; none is used) nor ``floating-point`` (no
floating-point noise is used).

Randomness: OpenDP draws from the operating system's cryptographically secure generator
and cannot be seeded, by design (a seed would let whoever knows it subtract the noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mohtasib.errors import ConfigError, MissingExtraError

__all__ = ["MECHANISMS", "CountMechanism", "calibrate"]

#: Mechanism names accepted by :func:`calibrate`.
MECHANISMS = ("laplace", "gaussian")


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError:
        raise MissingExtraError("differentially private releases (OpenDP)", "privacy") from None
    dp.enable_features("contrib")
    return dp


@dataclass(frozen=True)
class CountMechanism:
    """A calibrated noise mechanism for a vector of integer counts.

    Attributes
    ----------
    name
        ``laplace`` or ``gaussian``.
    epsilon, delta
        The guarantee requested (``delta`` 0 for ``laplace``).
    sensitivity
        How much one person can change the count vector: L1 norm (``laplace``) or
        L2 norm (``gaussian``); the number of rows one person may contribute.
    scale
        The noise scale OpenDP uses (discrete Laplace ``b``; discrete Gaussian ``σ``).
    certified
        What OpenDP's privacy map returns for ``sensitivity`` at ``scale``: ``ε`` for
        ``laplace``, ``(ε, δ)`` for ``gaussian``; each within the request.
    """

    name: str
    epsilon: float
    delta: float
    sensitivity: int
    scale: float
    certified: tuple[float, float]
    _measurement: Any

    def accuracy(self, alpha: float = 0.05) -> float:
        """Half-width ``a`` with ``P(|noise| >= a) <= alpha`` for each cell.

        From OpenDP's ``discrete_laplacian_scale_to_accuracy`` or
        ``discrete_gaussian_scale_to_accuracy``. It describes the noise only: the
        error of a count before the non-negativity clamp.
        """
        dp = _opendp()
        if self.name == "laplace":
            return float(dp.discrete_laplacian_scale_to_accuracy(self.scale, alpha))
        return float(dp.discrete_gaussian_scale_to_accuracy(self.scale, alpha))

    def noise_variance(self) -> float:
        """The exact variance of one cell's noise (used by the tests and the docs).

        Discrete Laplace with scale ``b``: ``2q / (1 - q)^2`` with ``q = exp(-1/b)``.
        Discrete Gaussian with scale ``σ``: at most ``σ²``, and for ``σ >= 1`` equal to
        ``σ²`` to well within ``1e-8`` relative (Canonne, Kamath & Steinke 2020, §2.1).
        """
        if self.name == "laplace":
            q = math.exp(-1.0 / self.scale)
            return 2.0 * q / (1.0 - q) ** 2
        return self.scale**2

    def add_noise(self, counts: Sequence[int] | np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Return ``counts`` plus independent noise, one draw per cell (int64)."""
        values = [int(v) for v in np.asarray(counts, dtype=np.int64)]
        if not values:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._measurement(values), dtype=np.int64)


def calibrate(
    name: str, *, epsilon: float, delta: float | None = None, sensitivity: int = 1
) -> CountMechanism:
    """Build the OpenDP measurement for counts at the smallest certified noise scale.

    Parameters
    ----------
    name
        ``laplace`` (pure ε-DP; requires ``delta`` None or 0) or ``gaussian``
        (``(ε, δ)``-DP; requires ``0 < delta < 1``).
    epsilon
        Requires a finite ``epsilon > 0``.
    delta
        See ``name``.
    sensitivity
        The most rows one person contributes (``>= 1``): the L1 and L2 sensitivity
        of the count vector when all of them may fall in one cell.

    Raises
    ------
    ConfigError
        A parameter is out of range or the mechanism is unknown.
    """
    eps, dlt = _check_parameters(name, epsilon, delta, sensitivity)
    dp = _opendp()
    domain = dp.vector_domain(dp.atom_domain(T=int))
    if name == "laplace":
        space = (domain, dp.l1_distance(T=int))

        def make(scale: float) -> Any:
            return dp.m.make_laplace(*space, scale)

        scale = float(dp.binary_search_param(make, d_in=sensitivity, d_out=eps))
        measurement = make(scale)
        certified = (float(measurement.map(sensitivity)), 0.0)
    else:
        space = (domain, dp.l2_distance(T=int))

        def make(scale: float) -> Any:
            zcdp = dp.m.make_gaussian(*space, scale)
            return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), dlt)

        scale = float(dp.binary_search_param(make, d_in=sensitivity, d_out=(eps, dlt)))
        measurement = make(scale)
        got = measurement.map(sensitivity)
        certified = (float(got[0]), float(got[1]))
    return CountMechanism(name, eps, dlt, sensitivity, scale, certified, measurement)


def _check_parameters(
    name: str, epsilon: float, delta: float | None, sensitivity: int
) -> tuple[float, float]:
    if name not in MECHANISMS:
        raise ConfigError(f"got mechanism {name!r}; want one of {', '.join(MECHANISMS)}")
    eps = float(epsilon)
    if not (math.isfinite(eps) and eps > 0):
        raise ConfigError(f"got epsilon {epsilon}; want a finite number > 0", key="epsilon")
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, int) or sensitivity < 1:
        raise ConfigError(
            f"got max_contributions {sensitivity!r}; want a whole number >= 1",
            key="max_contributions",
        )
    dlt = 0.0 if delta is None else float(delta)
    if name == "laplace" and dlt != 0.0:
        raise ConfigError(
            f"got delta {delta} with the laplace mechanism, which is pure ε-DP; "
            "drop delta or use mechanism 'gaussian'",
            key="delta",
        )
    if name == "gaussian" and not (0.0 < dlt < 1.0):
        raise ConfigError(
            f"got delta {delta} with the gaussian mechanism; want 0 < delta < 1 "
            "(commonly well below 1 / number of people)",
            key="delta",
        )
    return eps, dlt
