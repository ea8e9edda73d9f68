r"""Self-exciting point process (SEPP) of Mohler et al. (2011), fitted by EM on sparse pairs.

The conditional intensity (events per day per square metre) at time :math:`t` and
place :math:`s = (x, y)` is

.. math::

    \lambda(t, s) = \mu(s) + \sum_{t_j < t} g(t - t_j, s - s_j),
    \qquad
    g(\Delta t, \Delta s) = \theta\,\omega e^{-\omega \Delta t}\,
        \frac{e^{-\lVert \Delta s \rVert^2 / (2\sigma^2)}}{2\pi\sigma^2}
        \,\mathbf{1}[\Delta t \le T_{\max},\ \lVert \Delta s \rVert \le D_{\max}].

**Variant.** Mohler et al. (2011, section 3) estimate both kernels non-parametrically
by stochastic declustering with variable-bandwidth kernel density estimates. Here
the triggering kernel is the *parametric* one of the same authors' later work
(Mohler 2014, section 2; Mohler et al. 2015 in time): exponential decay in time
(rate :math:`\omega` per day), an isotropic Gaussian in space (standard deviation
:math:`\sigma` metres) and a branching ratio :math:`\theta`, cut off at
:math:`(T_{\max}, D_{\max})`. The background is time-constant,
:math:`\mu(s) = \frac{1}{T}\sum_j p_{jj}\,\phi_\eta(s - s_j)`: a fixed-bandwidth
Gaussian kernel density of the events weighted by their probabilities of being
background, as in the declustering step of Mohler et al. (2011, section 3) and
Mohler (2014, eq. 4), with a fixed bandwidth :math:`\eta` instead of the
nearest-neighbour one. It is computed on a fine lattice by binning and Gaussian
filtering (linear binning, Wand 1994), bilinearly interpolated, with bins of :math:`\eta / 4`.

**EM** (the expectation form of stochastic declustering, Mohler et al. 2011,
section 3; Veen & Schoenberg 2008). E-step: event *i* is background with
probability :math:`p_{ii} = \mu(s_i)/\lambda_i` and a child of *j* with
:math:`p_{ij} = g_{ij}/\lambda_i`. M-step with :math:`P = \sum p_{ij}`,
:math:`G = \sum p_{ij}\Delta t_{ij}`, :math:`R = \sum p_{ij}\lVert\Delta s_{ij}\rVert^2`,
:math:`\tau_i = \min(T - t_i, T_{\max})`, :math:`F(\omega) = \sum_i (1 - e^{-\omega\tau_i})`
and :math:`S(\sigma) = 1 - e^{-D_{\max}^2/(2\sigma^2)}` (the kernel mass inside the
cut-offs, which corrects for offspring after :math:`T`, Lewis & Mohler 2011):

- :math:`\omega' = P / (G + \theta S \sum_i \tau_i e^{-\omega\tau_i})`,
- :math:`\sigma'^2 = (R + \theta F D_{\max}^2 e^{-D_{\max}^2/(2\sigma^2)}) / (2P)`,
- :math:`\theta' = P / (F(\omega') S(\sigma'))`, and the background weights :math:`p_{ii}`.

**Memory.** Only pairs with :math:`0 < t_i - t_j \le T_{\max}` and
:math:`\lVert s_i - s_j\rVert \le D_{\max}` are kept, as a sparse list built chunk by
chunk with k-d trees over the time-sorted events; no :math:`N \times N` matrix is
formed (open_cp's implementation of the 2011 model forms one).

**Intervals.** Wald intervals from the observed information (Ogata 1978), the
negative Hessian of the log-likelihood in :math:`(\theta, \omega, \sigma^2)` at the EM
optimum, *conditional on the fitted background* (the kernel-density background has
no finite-dimensional likelihood, so its uncertainty is not propagated and the
intervals are somewhat too narrow). They are formed on the log scale.

References
----------
Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P. and Tita, G. E.
(2011). Self-exciting point process modeling of crime. *JASA* 106(493), 100–108.
Mohler, G. (2014). Marked point process hotspot maps for homicide and gun crime
prediction in Chicago. *International Journal of Forecasting* 30(3), 491–497.
Veen, A. and Schoenberg, F. P. (2008). Estimation of space–time branching process
models in seismology using an EM-type algorithm. *JASA* 103(482), 614–624.
Lewis, E. and Mohler, G. (2011). A nonparametric EM algorithm for multiscale Hawkes
processes. *Journal of Nonparametric Statistics* 1(1), 1–20.
Wand, M. P. (1994). Fast computation of multivariate kernel estimators. *Journal of
Computational and Graphical Statistics* 3(4), 433–445.
Ogata, Y. (1978). The asymptotic behaviour of maximum likelihood estimators for
stationary point processes. *Annals of the Institute of Statistical Mathematics* 30,
243–261.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.ndimage import gaussian_filter, map_coordinates
from scipy.spatial import cKDTree

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.forecast._events import GriddedEvents

__all__ = [
    "BinnedKde",
    "Pairs",
    "SeppFit",
    "SeppForecaster",
    "SeppParameters",
    "fit_sepp",
    "neighbour_pairs",
    "observed_information",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_Z95 = 1.959963984540054
_BIN_LIMIT = 4_000_000  # lattice bins for the background; coarser bins beyond this


@dataclass(frozen=True)
class Pairs:
    """Sparse (child, parent) pairs within the space-time cut-off.

    Attributes
    ----------
    child, parent
        Event indices (into the time-sorted events) with ``t[parent] < t[child]``.
    dt
        ``t[child] - t[parent]`` in days, in ``(0, max_days]``.
    r2
        Squared distance in square metres, at most ``max_m ** 2``.
    """

    child: NDArray[np.int32]
    parent: NDArray[np.int32]
    dt: FloatArray
    r2: FloatArray

    @property
    def n(self) -> int:
        """Number of pairs."""
        return int(self.child.size)


def neighbour_pairs(
    times: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    *,
    max_days: float,
    max_m: float,
    chunk: int = 4096,
) -> Pairs:
    """All pairs with ``0 < t_i - t_j <= max_days`` and distance ``<= max_m``.

    The events must be sorted by time. Children are taken ``chunk`` at a time; their
    candidate parents are the events from ``max_days`` before the chunk's first event
    to its last, and the spatial neighbours are found with :class:`scipy.spatial.cKDTree`
    (``sparse_distance_matrix``), so memory is proportional to the pairs kept.

    Raises
    ------
    InputError
        Lengths differ, a value is not finite, or the times are not sorted.
    ConfigError
        ``max_days``, ``max_m`` or ``chunk`` is not positive.
    """
    t = np.asarray(times, dtype=np.float64)
    xy = np.column_stack((np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)))
    if xy.shape[0] != t.size or t.ndim != 1:
        raise InputError(f"times, x and y must be 1-D of one length; got {t.size} and {xy.shape}")
    if not (np.isfinite(t).all() and np.isfinite(xy).all()):
        raise InputError("times, x and y must be finite")
    if t.size > 1 and bool(np.any(np.diff(t) < 0)):
        raise InputError("events must be sorted by time")
    for name, value in (("max_days", max_days), ("max_m", max_m), ("chunk", chunk)):
        if not value > 0:
            raise ConfigError(f"{name} must be > 0; got {value}", key=name)
    parts: list[tuple[NDArray[np.int32], NDArray[np.int32], FloatArray, FloatArray]] = []
    for lo in range(0, t.size, chunk):
        hi = min(t.size, lo + chunk)
        first = int(np.searchsorted(t, t[lo] - max_days, side="left"))
        children = cKDTree(xy[lo:hi])
        parents = cKDTree(xy[first:hi])
        found = children.sparse_distance_matrix(parents, max_m, output_type="ndarray")
        ci = found["i"].astype(np.int64) + lo
        pj = found["j"].astype(np.int64) + first
        dt = t[ci] - t[pj]
        keep = (dt > 0) & (dt <= max_days)
        dist = found["v"][keep]
        parts.append((ci[keep].astype(np.int32), pj[keep].astype(np.int32), dt[keep], dist * dist))
    if not parts:
        empty = np.zeros(0)
        return Pairs(np.zeros(0, np.int32), np.zeros(0, np.int32), empty, empty)
    return Pairs(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


@dataclass(frozen=True)
class BinnedKde:
    """A weighted Gaussian kernel density on a fine lattice (Wand 1994).

    ``density(x, y)`` approximates ``sum_j w_j phi_h((x, y) - s_j)`` (per square metre)
    by linear binning of the weights onto the bin centres, filtering with a Gaussian of
    ``h / bin`` bins (truncated at 4 standard deviations) and interpolating bilinearly.
    """

    x0: float
    y0: float
    bin_m: float
    values: FloatArray = field(repr=False)  # (ny, nx) density per square metre

    @classmethod
    def fit(
        cls, x: FloatArray, y: FloatArray, weights: FloatArray, bandwidth_m: float
    ) -> BinnedKde:
        """Bin ``weights`` at ``(x, y)`` and smooth with a Gaussian of ``bandwidth_m``."""
        pad = 4.0 * bandwidth_m
        x0, y0 = float(x.min()) - pad, float(y.min()) - pad
        width, height = float(x.max()) + pad - x0, float(y.max()) + pad - y0
        bin_m = bandwidth_m / 4.0
        while (width / bin_m + 1) * (height / bin_m + 1) > _BIN_LIMIT:
            bin_m *= 1.5
        nx, ny = int(width // bin_m) + 1, int(height // bin_m) + 1
        fx, fy = (x - x0) / bin_m - 0.5, (y - y0) / bin_m - 0.5  # in bin-centre units
        ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
        ax, ay = fx - ix, fy - iy
        hist = np.zeros(nx * ny)
        for dx, wx in ((0, 1.0 - ax), (1, ax)):  # linear binning (Wand 1994, section 2)
            for dy, wy in ((0, 1.0 - ay), (1, ay)):
                cell = np.clip(iy + dy, 0, ny - 1) * nx + np.clip(ix + dx, 0, nx - 1)
                hist += np.bincount(cell, weights=weights * wx * wy, minlength=nx * ny)
        smooth = gaussian_filter(
            hist.reshape(ny, nx), bandwidth_m / bin_m, mode="constant", truncate=4.0
        )
        return cls(x0, y0, bin_m, np.asarray(smooth, dtype=np.float64) / bin_m**2)

    def density(self, x: ArrayLike, y: ArrayLike) -> FloatArray:
        """Density per square metre at the points (0 beyond the lattice)."""
        col = (np.asarray(x, dtype=np.float64) - self.x0) / self.bin_m - 0.5
        row = (np.asarray(y, dtype=np.float64) - self.y0) / self.bin_m - 0.5
        out = map_coordinates(self.values, [row, col], order=1, mode="constant", cval=0.0)
        return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class SeppParameters:
    """Fitted SEPP parameters.

    Attributes
    ----------
    theta
        Branching ratio: expected offspring per event (inside the cut-offs).
    omega
        Trigger decay rate per day (mean delay ``1 / omega`` days).
    sigma
        Standard deviation of the Gaussian spatial trigger, metres.
    background_share
        Share of events attributed to the background, ``sum_j p_jj / n``.
    log_likelihood
        Log-likelihood at the returned parameters (background held at its estimate).
    iterations, converged
        EM iterations run, and whether the relative log-likelihood change fell to ``tol``.
    n_events, n_pairs
        Events fitted and (child, parent) pairs within the cut-offs.
    theta_ci, omega_ci, sigma_ci
        95 % Wald intervals from the observed information (log scale), conditional on
        the background; ``(nan, nan)`` where the variance is not positive (the information
        matrix is singular or indefinite: σ on its lower bound ``min_sigma_m``, or EM stopped
        before convergence).
    """

    theta: float
    omega: float
    sigma: float
    background_share: float
    log_likelihood: float
    iterations: int
    converged: bool
    n_events: int
    n_pairs: int
    theta_ci: tuple[float, float] = (math.nan, math.nan)
    omega_ci: tuple[float, float] = (math.nan, math.nan)
    sigma_ci: tuple[float, float] = (math.nan, math.nan)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain Python values."""
        return {
            "theta": self.theta,
            "omega": self.omega,
            "sigma_m": self.sigma,
            "background_share": self.background_share,
            "log_likelihood": self.log_likelihood,
            "iterations": self.iterations,
            "converged": self.converged,
            "n_events": self.n_events,
            "n_pairs": self.n_pairs,
            "theta_ci": list(self.theta_ci),
            "omega_ci": list(self.omega_ci),
            "sigma_m_ci": list(self.sigma_ci),
        }


@dataclass(frozen=True)
class SeppFit:
    """A fit: the parameters, the background surface and the events it was fitted on."""

    parameters: SeppParameters
    background: BinnedKde  # density of background events per square metre (not per day)
    duration: float
    weights: FloatArray = field(repr=False)  # p_jj per event


def _trigger(pairs: Pairs, theta: float, omega: float, s: float) -> FloatArray:
    return np.asarray(
        theta * omega * np.exp(-omega * pairs.dt - pairs.r2 / (2.0 * s)) / (2.0 * math.pi * s),
        dtype=np.float64,
    )


def _log_scale_ci(value: float, se: float) -> tuple[float, float]:
    if not (math.isfinite(se) and se > 0 and value > 0):
        return (math.nan, math.nan)
    half = _Z95 * se / value
    return (value * math.exp(-half), value * math.exp(half))


def observed_information(
    pairs: Pairs,
    mu_events: FloatArray,
    tau: FloatArray,
    theta: float,
    omega: float,
    s: float,
    max_m: float,
) -> FloatArray:
    r"""Negative Hessian of the SEPP log-likelihood in :math:`(\theta, \omega, \sigma^2)`.

    The background intensity at each event, ``mu_events``, is held fixed. With
    :math:`\lambda_i = \mu_i + \sum_j g_{ij}` the Hessian is
    :math:`\sum_i (\partial^2\lambda_i/\lambda_i - \partial\lambda_i\,\partial\lambda_i^\top
    /\lambda_i^2) - \partial^2\Lambda`, with the compensator
    :math:`\Lambda = \theta S(\sigma^2) F(\omega)` (module docstring).
    """
    n = mu_events.size
    g = _trigger(pairs, theta, omega, s)
    a = 1.0 / omega - pairs.dt  # d log g / d omega
    b = -1.0 / s + pairs.r2 / (2.0 * s * s)  # d log g / d s
    first = [g / theta, g * a, g * b]
    second = {
        (0, 0): np.zeros_like(g),
        (0, 1): g * a / theta,
        (0, 2): g * b / theta,
        (1, 1): g * (a * a - 1.0 / omega**2),
        (1, 2): g * a * b,
        (2, 2): g * (b * b + 1.0 / s**2 - pairs.r2 / s**3),
    }
    lam = mu_events + np.bincount(pairs.child, weights=g, minlength=n)
    d1 = [np.bincount(pairs.child, weights=f, minlength=n) for f in first]
    tail = np.exp(-omega * tau)
    f0, f1, f2 = (1.0 - tail).sum(), (tau * tail).sum(), -(tau * tau * tail).sum()
    half_d2 = max_m * max_m / 2.0
    e = math.exp(-half_d2 / s)
    s0, s1 = 1.0 - e, -e * half_d2 / s**2
    s2 = -half_d2 * e * (half_d2 / s**4 - 2.0 / s**3)
    comp = {
        (0, 0): 0.0,
        (0, 1): s0 * f1,
        (0, 2): s1 * f0,
        (1, 1): theta * s0 * f2,
        (1, 2): theta * s1 * f1,
        (2, 2): theta * s2 * f0,
    }
    info = np.zeros((3, 3))
    for (k, m), d2 in second.items():
        d2_sum = np.bincount(pairs.child, weights=d2, minlength=n)
        h = float((d2_sum / lam - d1[k] * d1[m] / lam**2).sum()) - comp[(k, m)]
        info[k, m] = info[m, k] = -h
    return info


def _check_fit_settings(settings: dict[str, float]) -> None:
    for name, value in settings.items():
        if not value > 0:
            raise ConfigError(f"{name} must be > 0; got {value}", key=name)
    if not settings["theta0"] < 1:
        raise ConfigError(f"theta0 must lie in (0, 1); got {settings['theta0']}", key="theta0")


def fit_sepp(
    times: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    *,
    end_time: float,
    max_days: float = 60.0,
    max_m: float = 500.0,
    bandwidth_m: float = 250.0,
    n_iter: int = 50,
    tol: float = 1e-6,
    theta0: float = 0.5,
    omega0: float = 0.1,
    sigma0: float | None = None,
    min_sigma_m: float = 10.0,
) -> SeppFit:
    r"""Fit the SEPP by EM on the sparse pairs (module docstring).

    Parameters
    ----------
    times, x, y
        Event times (days, sorted ascending) and projected coordinates (metres).
    end_time
        End :math:`T` of the observation window; every time must be ``< end_time``.
        The window starts at the earliest event.
    max_days, max_m
        The space-time cut-off :math:`(T_{\max}, D_{\max})` of the trigger.
    bandwidth_m
        Bandwidth :math:`\eta` of the background kernel density, metres.
    n_iter, tol
        Maximum EM iterations; stop when the relative log-likelihood change is ``<= tol``.
    theta0, omega0, sigma0
        Starting values (``sigma0`` defaults to ``max_m / 4``).
    min_sigma_m
        Lower bound on :math:`\sigma`: coordinates rounded to a common point (block
        geocoding) would otherwise drive it to zero. Set it to the coordinate precision.

    Raises
    ------
    ConfigError
        A setting is out of range.
    InsufficientDataError
        Fewer than two events, or no pair of events within the cut-off.
    InputError
        Shapes differ, values are not finite, times unsorted or not before ``end_time``.
    """
    sigma_start = max_m / 4.0 if sigma0 is None else sigma0
    _check_fit_settings(
        {
            "max_days": max_days, "max_m": max_m, "bandwidth_m": bandwidth_m,
            "n_iter": n_iter, "theta0": theta0, "omega0": omega0, "sigma0": sigma_start,
            "min_sigma_m": min_sigma_m,
        }
    )  # fmt: skip
    if not tol >= 0:
        raise ConfigError(f"tol must be >= 0; got {tol}", key="tol")
    t = np.asarray(times, dtype=np.float64)
    px, py = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if t.size < 2:
        raise InsufficientDataError(f"SEPP needs at least two events; got {t.size}")
    pairs = neighbour_pairs(t, px, py, max_days=max_days, max_m=max_m)
    if not float(t.max()) < end_time:
        raise InputError(f"times must lie before end_time={end_time}; got up to {t.max()}")
    if pairs.n == 0:
        raise InsufficientDataError(
            f"no pair of events lies within {max_days} days and {max_m} m; "
            "the trigger cannot be estimated (widen max_days / max_m)"
        )
    n = t.size
    duration = end_time - float(t.min())
    tau = np.minimum(end_time - t, max_days)
    theta, omega, s = theta0, omega0, sigma_start**2
    weights = np.full(n, 1.0 - theta0)
    floor = min_sigma_m**2
    loglik_old, converged, iteration = -math.inf, False, 0
    while iteration < n_iter:
        iteration += 1
        background = BinnedKde.fit(px, py, weights, bandwidth_m)
        mu_events = background.density(px, py) / duration
        loglik, weights, (theta, omega, s) = _em_step(
            pairs, mu_events, weights, tau, (theta, omega, s), max_m=max_m, floor=floor
        )
        if abs(loglik - loglik_old) <= tol * abs(loglik):
            converged = True
            break
        loglik_old = loglik
    background = BinnedKde.fit(px, py, weights, bandwidth_m)
    mu_events = background.density(px, py) / duration
    lam = mu_events + np.bincount(
        pairs.child, weights=_trigger(pairs, theta, omega, s), minlength=n
    )
    final = _loglik(lam, weights, theta, omega, s, tau, max_m)
    info = observed_information(pairs, mu_events, tau, theta, omega, s, max_m)
    se = _standard_errors(info)
    sigma = math.sqrt(s)
    params = SeppParameters(
        theta=float(theta),
        omega=float(omega),
        sigma=sigma,
        background_share=float(weights.sum() / n),
        log_likelihood=final,
        iterations=iteration,
        converged=converged,
        n_events=n,
        n_pairs=pairs.n,
        theta_ci=_log_scale_ci(theta, se[0]),
        omega_ci=_log_scale_ci(omega, se[1]),
        sigma_ci=_log_scale_ci(sigma, se[2] / (2.0 * sigma)),
    )
    return SeppFit(params, background, duration, weights)


def _em_step(
    pairs: Pairs,
    mu_events: FloatArray,
    weights: FloatArray,
    tau: FloatArray,
    current: tuple[float, float, float],
    *,
    max_m: float,
    floor: float,
) -> tuple[float, FloatArray, tuple[float, float, float]]:
    """One E- and M-step.

    Returns the log-likelihood at ``current``, the new background weights and the
    new ``(theta, omega, sigma^2)``.
    """
    theta, omega, s = current
    g = _trigger(pairs, theta, omega, s)
    lam = mu_events + np.bincount(pairs.child, weights=g, minlength=mu_events.size)
    loglik = _loglik(lam, weights, theta, omega, s, tau, max_m)
    p = g / lam[pairs.child]
    total = float(p.sum())
    tail = np.exp(-omega * tau)
    mass = -math.expm1(-max_m * max_m / (2.0 * s))
    omega_new = total / (float((p * pairs.dt).sum()) + theta * mass * float((tau * tail).sum()))
    spread = float((p * pairs.r2).sum())
    reach = theta * float((1.0 - tail).sum()) * max_m**2 * math.exp(-(max_m**2) / (2.0 * s))
    s_new = max((spread + reach) / (2.0 * total), floor)
    mass = -math.expm1(-max_m * max_m / (2.0 * s_new))
    theta_new = total / (float((-np.expm1(-omega_new * tau)).sum()) * mass)
    return loglik, mu_events / lam, (theta_new, omega_new, s_new)


def _standard_errors(info: FloatArray) -> FloatArray:
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(info.shape[0], math.nan)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), math.nan)


def _loglik(
    lam: FloatArray,
    weights: FloatArray,
    theta: float,
    omega: float,
    s: float,
    tau: FloatArray,
    max_m: float,
) -> float:
    mass = -math.expm1(-max_m * max_m / (2.0 * s))
    compensator = float(weights.sum()) + theta * mass * float((-np.expm1(-omega * tau)).sum())
    return float(np.log(lam).sum() - compensator)


class SeppForecaster:
    """Self-exciting point process forecaster (Mohler et al. 2011), scikit-learn style.

    Parametric exponential-time, Gaussian-space trigger with a space-time cut-off and
    a kernel-density background fitted by EM on sparse pairs (see the module
    docstring for the variant, the EM updates and the intervals).

    Parameters
    ----------
    max_days, max_m
        Trigger cut-off: only pairs within ``max_days`` days and ``max_m`` metres interact.
    bandwidth_m
        Background kernel bandwidth, metres.
    n_iter, tol
        Maximum EM iterations and the relative log-likelihood change at which EM stops.
    window_days
        Fit only on events in the last ``window_days`` days; ``None`` uses all events.
    min_sigma_m
        Lower bound on the spatial trigger scale (the coordinate precision).
    random_state
        Accepted for a uniform forecaster interface; fit and forecast are deterministic
        (EM replaces the random sampling of stochastic declustering).

    Attributes
    ----------
    parameters_ : SeppParameters
        The fitted parameters with their intervals.
    theta_, omega_, sigma_
        Shortcuts to the fitted trigger parameters.
    end_time_ : float
        End of the fitted window (just after the latest event).
    """

    def __init__(
        self,
        max_days: float = 60.0,
        max_m: float = 500.0,
        bandwidth_m: float = 250.0,
        n_iter: int = 50,
        tol: float = 1e-6,
        window_days: float | None = None,
        min_sigma_m: float = 10.0,
        random_state: int | None = None,
    ) -> None:
        self.max_days = max_days
        self.max_m = max_m
        self.bandwidth_m = bandwidth_m
        self.n_iter = n_iter
        self.tol = tol
        self.window_days = window_days
        self.min_sigma_m = min_sigma_m
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, as given to ``__init__``."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def fit(self, events: GriddedEvents) -> SeppForecaster:
        """Fit θ, ω, σ and the background to ``events`` and return ``self``.

        Events outside the grid (cell ``-1``) are fitted too: they are real events
        whose offspring may fall inside it.

        Raises
        ------
        ConfigError
            A setting is out of range.
        InsufficientDataError
            Fewer than two events (in the window) or no pair within the cut-off.
        """
        if self.window_days is not None and not self.window_days > 0:
            raise ConfigError(f"window_days must be > 0; got {self.window_days}", key="window_days")
        if len(events) == 0:
            raise InsufficientDataError("SEPP needs at least two events; got 0")
        end_time = float(np.nextafter(events.times.max(), np.inf))
        if self.window_days is not None:
            events = events.between(end_time - self.window_days, end_time)
        fit = fit_sepp(
            events.times, events.x, events.y, end_time=end_time, max_days=self.max_days,
            max_m=self.max_m, bandwidth_m=self.bandwidth_m, n_iter=self.n_iter, tol=self.tol,
            min_sigma_m=self.min_sigma_m,
        )  # fmt: skip
        self.fit_ = fit
        self.parameters_ = fit.parameters
        self.theta_ = fit.parameters.theta
        self.omega_ = fit.parameters.omega
        self.sigma_ = fit.parameters.sigma
        self.end_time_ = end_time
        self.events_ = events
        return self

    def intensity(self, t: float, x: ArrayLike, y: ArrayLike) -> FloatArray:
        r"""Conditional intensity :math:`\lambda(t, x, y)` per day per square metre.

        Uses the fitted events before ``t`` for the triggered part.
        """
        if not hasattr(self, "fit_"):
            raise InputError("SeppForecaster is not fitted; call fit(events) first")
        px, py = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        out = self.fit_.background.density(px, py) / self.fit_.duration
        past = self.events_.between(t - self.max_days, t)
        s = self.sigma_**2
        for ex, ey, et in zip(past.x, past.y, past.times, strict=True):
            r2 = (px - ex) ** 2 + (py - ey) ** 2
            g = self.theta_ * self.omega_ * math.exp(-self.omega_ * (t - et))
            out = out + np.where(
                r2 <= self.max_m**2, g * np.exp(-r2 / (2.0 * s)) / (2.0 * math.pi * s), 0.0
            )
        return np.asarray(out, dtype=np.float64)

    def predict(self, at: float, horizon: float) -> FloatArray:
        r"""Expected events per cell in ``[at, at + horizon)``.

        For cell :math:`k` with centre :math:`c_k` and area :math:`A`:

        .. math::

            A\Bigl(h\,\mu(c_k) + \theta \sum_{at - T_{\max} \le t_j < at}
                \bigl(e^{-\omega (at - t_j)}
                    - e^{-\omega \min(at + h - t_j,\ T_{\max})}\bigr)
                \phi_\sigma(c_k - s_j)\,\mathbf{1}[\lVert c_k - s_j\rVert \le D_{\max}]\Bigr),

        the intensity integrated over the horizon given the fitted events before ``at``
        (densities taken at the cell centre, as :class:`KdeForecaster` does).

        Raises
        ------
        ConfigError
            ``horizon <= 0``.
        InputError
            Not fitted.
        """
        if not hasattr(self, "fit_"):
            raise InputError("SeppForecaster is not fitted; call fit(events) first")
        if not horizon > 0:
            raise ConfigError(f"horizon must be > 0 days; got {horizon}", key="horizon")
        grid = self.events_.grid
        centres = grid.centroids()
        area = grid.cell_size**2
        surface = self.fit_.background.density(centres[:, 0], centres[:, 1]) / self.fit_.duration
        surface = surface * horizon
        past = self.events_.between(at - self.max_days, at)
        if len(past):
            s = self.sigma_**2
            age = at - past.times
            weight = self.theta_ * (
                np.exp(-self.omega_ * age)
                - np.exp(-self.omega_ * np.minimum(age + horizon, self.max_days))
            )
            r = int(self.max_m // grid.cell_size) + 1
            mx, my = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1))
            ix = np.floor((past.x - grid.x0) / grid.cell_size).astype(np.int64)[:, None]
            iy = np.floor((past.y - grid.y0) / grid.cell_size).astype(np.int64)[:, None]
            ix, iy = ix + mx.reshape(-1), iy + my.reshape(-1)
            half = grid.cell_size / 2.0
            cx, cy = grid.x0 + ix * grid.cell_size + half, grid.y0 + iy * grid.cell_size + half
            r2 = (cx - past.x[:, None]) ** 2 + (cy - past.y[:, None]) ** 2
            kernel = np.exp(-r2 / (2.0 * s)) / (2.0 * math.pi * s)
            ok = (ix >= 0) & (ix < grid.nx) & (iy >= 0) & (iy < grid.ny) & (r2 <= self.max_m**2)
            surface = surface + np.bincount(
                (iy * grid.nx + ix)[ok], weights=(weight[:, None] * kernel)[ok],
                minlength=grid.n_cells,
            )  # fmt: skip
        return np.asarray(surface * area, dtype=np.float64)
