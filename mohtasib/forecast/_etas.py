r"""Grid ETAS: a per-cell Hawkes process with an exponential trigger (the PredPol model).

In cell :math:`k` the conditional intensity (events per day) is

.. math::

    \lambda_k(t) = \mu_k + \theta\,\omega \sum_{t_j < t,\ c_j = k} e^{-\omega (t - t_j)},

with a background rate :math:`\mu_k` per cell, a branching ratio :math:`\theta`
(expected direct offspring per event) and a decay rate :math:`\omega` (per day)
shared by all cells (Mohler et al. 2015, section 2; the box-specific background
as re-derived by Lum & Isaac 2016). Parameters are estimated by the EM algorithm
of Mohler et al. (2015) with the edge correction of Lewis & Mohler (2011), which
accounts for offspring that would fall after the end of the observation window.

No :math:`N \times N` matrix is formed. For an exponential kernel the parent sums
follow from the recursion of Ogata (1981),

.. math::

    A_i = \sum_{j<i} e^{-\omega (t_i - t_j)} = e^{-\omega (t_i - t_{i-1})}(1 + A_{i-1}),
    \qquad
    B_i = \sum_{j<i} (t_i - t_j) e^{-\omega (t_i - t_j)}
        = e^{-\omega (t_i - t_{i-1})}\bigl(B_{i-1} + (t_i - t_{i-1})(1 + A_{i-1})\bigr),

over the events of one cell in time order. The recursion is run for all cells at
once, one event rank at a time, so memory is :math:`O(n)` and the Python loop has
as many steps as the busiest cell has events.

References
----------
Mohler, G. O., Short, M. B., Malinowski, S., Johnson, M., Tita, G. E., Bertozzi, A. L.
and Brantingham, P. J. (2015). Randomized controlled field trials of predictive
policing. *JASA* 110(512), 1399–1411.
Lum, K. and Isaac, W. (2016). To predict and serve? *Significance* 13(5), 14–19.
Lewis, E. and Mohler, G. (2011). A nonparametric EM algorithm for multiscale Hawkes
processes. *Journal of Nonparametric Statistics* 1(1), 1–20.
Ogata, Y. (1978). The asymptotic behaviour of maximum likelihood estimators for
stationary point processes. *Annals of the Institute of Statistical Mathematics* 30,
243–261.
Ogata, Y. (1981). On Lewis' simulation method for point processes. *IEEE TIT* 27(1), 23–31.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.forecast._events import GriddedEvents

__all__ = [
    "EtasParameters",
    "GridEtasForecaster",
    "etas_information",
    "fit_grid_etas",
    "trigger_sums",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_Z95 = 1.959963984540054  # standard normal 97.5 % quantile


@dataclass(frozen=True)
class EtasParameters:
    """Fitted grid-ETAS parameters.

    Attributes
    ----------
    theta
        Branching ratio: expected number of events directly triggered by one event.
    omega
        Decay rate of the trigger, per day (mean delay to offspring is ``1 / omega`` days).
    mu
        Background rate per cell, events per day, shape ``(n_cells,)``.
    log_likelihood
        Log-likelihood of the returned parameters over the observation window.
    iterations
        EM iterations run.
    converged
        Whether the relative change in log-likelihood fell to ``tol`` before ``n_iter``.
    theta_ci, omega_ci
        95 % Wald intervals from the observed information with ``mu`` profiled out
        (:func:`etas_information`), formed on the log scale; ``(nan, nan)`` when the
        information matrix is singular.
    """

    theta: float
    omega: float
    mu: FloatArray = field(repr=False)
    log_likelihood: float
    iterations: int
    converged: bool
    theta_ci: tuple[float, float] = (math.nan, math.nan)
    omega_ci: tuple[float, float] = (math.nan, math.nan)

    def to_dict(self) -> dict[str, Any]:
        """Return the scalar parameters and a summary of ``mu`` as plain Python values."""
        return {
            "theta": self.theta,
            "omega": self.omega,
            "theta_ci": list(self.theta_ci),
            "omega_ci": list(self.omega_ci),
            "mu_total": float(self.mu.sum()),
            "n_cells": int(self.mu.size),
            "log_likelihood": self.log_likelihood,
            "iterations": self.iterations,
            "converged": self.converged,
        }


@dataclass(frozen=True)
class _Layout:
    """Events sorted by cell then time, with the index of each event rank."""

    cells: IntArray
    times: FloatArray
    gaps: FloatArray  # t_i - t_{i-1} within the cell; 0 for a cell's first event
    by_rank: list[IntArray]  # positions of the 2nd, 3rd, ... event of every cell


def _layout(cells: IntArray, times: FloatArray) -> _Layout:
    order = np.lexsort((times, cells))
    cells, times = cells[order], times[order]
    position = np.arange(cells.size, dtype=np.int64)
    rank = position - np.searchsorted(cells, cells, side="left")
    gaps = np.zeros_like(times)
    gaps[1:] = np.where(rank[1:] > 0, np.diff(times), 0.0)
    by_rank_order = np.argsort(rank, kind="stable")
    bounds = np.cumsum(np.bincount(rank))
    by_rank = np.split(by_rank_order, bounds[:-1])[1:]
    return _Layout(cells, times, gaps, by_rank)


def ogata_recursion(
    gaps: FloatArray, by_rank: Sequence[IntArray], omega: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Ogata's O(n) recursion for an exponential trigger, event by event within its cell.

    For events sorted by cell and time, ``gaps[i]`` is the time since the previous
    event of the same cell and ``by_rank[r]`` holds the indices of the events that
    are the ``r + 1``-th of their cell (each with its predecessor at ``i - 1``).
    Returns ``A_i = sum_{j<i} exp(-omega (t_i - t_j))`` and its derivative term
    ``B_i = sum_{j<i} (t_i - t_j) exp(-omega (t_i - t_j))`` over earlier events of
    the same cell (Ogata 1981; Mohler et al. 2015). ``omega`` is one decay rate or
    one per event (the batched simulation's runs each have their own).
    """
    decay = np.exp(-omega * gaps)
    a = np.zeros_like(gaps)
    b = np.zeros_like(gaps)
    for idx in by_rank:  # every event here has its predecessor at idx - 1
        prev = idx - 1
        one_plus = 1.0 + a[prev]
        a[idx] = decay[idx] * one_plus
        b[idx] = decay[idx] * (b[prev] + gaps[idx] * one_plus)
    return a, b


def _recursion(layout: _Layout, omega: float) -> tuple[FloatArray, FloatArray]:
    return ogata_recursion(layout.gaps, layout.by_rank, omega)


def trigger_sums(cells: ArrayLike, times: ArrayLike, *, omega: float) -> FloatArray:
    r"""Return :math:`A_i = \sum_{j<i,\ c_j = c_i} e^{-\omega (t_i - t_j)}` for each event.

    Computed with Ogata's (1981) O(n) recursion, in the input order of the events.

    Parameters
    ----------
    cells
        Cell id of each event (non-negative integers).
    times
        Event times in days.
    omega
        Decay rate per day, > 0.

    Returns
    -------
    numpy.ndarray
        The sums, float64, aligned with the input.
    """
    c = np.asarray(cells, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    order = np.lexsort((t, c))
    a, _ = _recursion(_layout(c, t), omega)
    out = np.empty_like(a)
    out[order] = a
    return out


def _check_inputs(
    cells: IntArray, times: FloatArray, n_cells: int, start: float, end_time: float
) -> None:
    if cells.size == 0:
        raise InsufficientDataError("grid ETAS needs at least one event; got 0")
    if cells.shape != times.shape or cells.ndim != 1:
        raise InputError(
            f"cells and times must be 1-D of equal length; got {cells.shape} and {times.shape}"
        )
    if not np.isfinite(times).all():
        raise InputError(f"times must be finite; got {int((~np.isfinite(times)).sum())} non-finite")
    if cells.min() < 0 or cells.max() >= n_cells:
        raise InputError(f"cell ids must lie in [0, {n_cells}); got [{cells.min()}, {cells.max()}]")
    if not start <= times.min() or not times.max() < end_time:
        raise InputError(
            f"times must lie in [start_time, end_time) = [{start}, {end_time}); "
            f"got [{times.min()}, {times.max()}]"
        )


def _check_settings(n_iter: int, tol: float, theta0: float, omega0: float) -> None:
    if n_iter < 1:
        raise ConfigError(f"n_iter must be >= 1; got {n_iter}", key="n_iter")
    if not tol >= 0:
        raise ConfigError(f"tol must be >= 0; got {tol}", key="tol")
    if not 0 < theta0 < 1:
        raise ConfigError(f"theta0 must lie in (0, 1); got {theta0}", key="theta0")
    if not omega0 > 0:
        raise ConfigError(f"omega0 must be > 0; got {omega0}", key="omega0")


def fit_grid_etas(
    cells: ArrayLike,
    times: ArrayLike,
    n_cells: int,
    *,
    end_time: float,
    start_time: float | None = None,
    n_iter: int = 50,
    tol: float = 1e-6,
    theta0: float = 0.5,
    omega0: float = 1.0,
    mu0: ArrayLike | None = None,
) -> EtasParameters:
    r"""Fit grid ETAS by EM with the Lewis & Mohler (2011) edge correction.

    E-step (Mohler et al. 2015): with :math:`\lambda_i = \mu_{c_i} + \theta\omega A_i`,
    event *i* is background with probability :math:`\mu_{c_i}/\lambda_i`; the summed
    probabilities that it was triggered, and those weighted by the parent gap, are
    :math:`\theta\omega A_i/\lambda_i` and :math:`\theta\omega B_i/\lambda_i`
    (see the module docstring). Summing over events gives :math:`P` and :math:`G`.

    M-step, with :math:`\tau_i = T - t_i` and the current :math:`\theta, \omega`:

    - :math:`\theta' = P / \sum_i (1 - e^{-\omega\tau_i})` (edge-corrected;
      uncorrected it is :math:`P / n`),
    - :math:`\omega' = P / (G + \theta \sum_i \tau_i e^{-\omega\tau_i})` (edge-corrected;
      uncorrected it is the inverse weighted mean gap :math:`P / G`),
    - :math:`\mu_k' = (\text{background probability summed over cell } k) / (T - S)`.

    These are the stationary points of the expected complete-data log-likelihood whose
    compensator is :math:`\sum_k \mu_k (T-S) + \theta\sum_i(1-e^{-\omega\tau_i})`,
    with the :math:`\omega` equation solved by one fixed-point step per iteration; the
    same updates as open_cp's ``seppexp.maximisation_corrected``.

    Parameters
    ----------
    cells, times
        Cell id (in ``[0, n_cells)``) and time in days of each event, in any order.
    n_cells
        Number of cells in the grid.
    end_time
        End :math:`T` of the observation window (days); every time must be ``< end_time``.
    start_time
        Start :math:`S` of the window; defaults to the earliest event.
    n_iter
        Maximum EM iterations, >= 1.
    tol
        Stop when the relative change in log-likelihood is at most ``tol``.
    theta0, omega0
        Starting values.
    mu0
        Starting background rates, shape ``(n_cells,)``; default
        ``(1 - theta0) * count_k / (T - S)`` (open_cp starts at ``count_k / (T - S)``).

    Returns
    -------
    EtasParameters

    Raises
    ------
    ConfigError
        A setting is out of range.
    InsufficientDataError
        There are no events, or no cell has two.
    InputError
        Shapes differ, times are not finite or outside the window, or a cell id is out of range.
    """
    _check_settings(n_iter, tol, theta0, omega0)
    c = np.asarray(cells, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    start = start_time if start_time is not None else float(t.min()) if t.size else 0.0
    _check_inputs(c, t, n_cells, start, end_time)
    layout = _layout(c, t)
    if not layout.by_rank:  # no cell has two events: θ and ω are not identified
        raise InsufficientDataError("grid ETAS needs a cell with at least two events; got none")
    duration = end_time - start
    tau = end_time - layout.times
    theta, omega = theta0, omega0
    mu: FloatArray = (
        (1.0 - theta0) * np.bincount(c, minlength=n_cells).astype(np.float64) / duration
        if mu0 is None
        else np.asarray(mu0, dtype=np.float64).copy()
    )
    if mu.shape != (n_cells,) or not bool(np.all(mu >= 0)):
        raise ConfigError(f"mu0 must be {n_cells} rates >= 0; got shape {mu.shape}", key="mu0")
    loglik_old = -np.inf
    converged = False
    iteration = 0
    while iteration < n_iter:
        iteration += 1
        a, b = _recursion(layout, omega)
        lam = mu[layout.cells] + theta * omega * a
        tail = np.exp(-omega * tau)
        loglik = _loglik(lam, mu, theta, tail, duration)
        p_triggered = theta * omega * a / lam
        total = p_triggered.sum()
        gap_weighted = (theta * omega * b / lam).sum()
        background = np.bincount(layout.cells, weights=1.0 - p_triggered, minlength=n_cells)
        omega_new = total / (gap_weighted + theta * (tau * tail).sum())
        theta = total / (1.0 - tail).sum()
        omega = float(omega_new)
        mu = background.astype(np.float64) / duration
        if abs(loglik - loglik_old) <= tol * abs(loglik):
            converged = True
            break
        loglik_old = loglik
    a, _ = _recursion(layout, omega)
    lam = mu[layout.cells] + theta * omega * a
    final = _loglik(lam, mu, theta, np.exp(-omega * tau), duration)
    theta_ci, omega_ci = _intervals(layout, mu, float(theta), omega, tau)
    return EtasParameters(float(theta), omega, mu, final, iteration, converged, theta_ci, omega_ci)


def _moments(layout: _Layout, omega: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    r""":math:`A_i, B_i` and :math:`C_i = \sum_{j<i} (t_i - t_j)^2 e^{-\omega (t_i - t_j)}`.

    :math:`C_i = e^{-\omega\Delta}(C_{i-1} + 2\Delta B_{i-1} + \Delta^2 (1 + A_{i-1}))`
    with :math:`\Delta = t_i - t_{i-1}`, the next step of Ogata's recursion.
    """
    a, b = _recursion(layout, omega)
    decay = np.exp(-omega * layout.gaps)
    c = np.zeros_like(layout.times)
    for idx in layout.by_rank:
        prev, gap = idx - 1, layout.gaps[idx]
        c[idx] = decay[idx] * (c[prev] + 2.0 * gap * b[prev] + gap * gap * (1.0 + a[prev]))
    return a, b, c


def etas_information(
    cells: ArrayLike, times: ArrayLike, parameters: EtasParameters, *, end_time: float
) -> FloatArray:
    r"""Observed information for :math:`(\theta, \omega)` with the background profiled out.

    The log-likelihood is :math:`\ell = \sum_i \log\lambda_i - \Lambda` with
    :math:`\lambda_i = \mu_{c_i} + \theta\omega A_i` and
    :math:`\Lambda = (T - S)\sum_k\mu_k + \theta\sum_i (1 - e^{-\omega\tau_i})`.
    Its Hessian in :math:`(\theta, \omega, \mu)` is
    :math:`\sum_i(\partial^2\lambda_i/\lambda_i - \partial\lambda_i\partial\lambda_i^\top/
    \lambda_i^2) - \partial^2\Lambda`, using :math:`\partial A_i/\partial\omega = -B_i` and
    :math:`\partial B_i/\partial\omega = -C_i` (:func:`_moments`). The block of the
    :math:`\mu_k` is diagonal, so the information for :math:`(\theta, \omega)` with every
    :math:`\mu_k` estimated is the Schur complement
    :math:`J_{\psi\psi} - \sum_k J_{\psi k} J_{k\psi} / J_{kk}` (cells with events only;
    a cell with none has :math:`\mu_k = 0` on the boundary and no curvature). Its inverse
    is the asymptotic covariance of the maximum-likelihood estimate (Ogata 1978,
    *Ann. Inst. Statist. Math.* 30, 243–261; Rathbun 1996, *J. Statist. Plann.
    Inference* 51, 55–74).

    Parameters
    ----------
    cells, times
        The events the parameters were fitted on.
    parameters
        The fit (from :func:`fit_grid_etas`).
    end_time
        End :math:`T` of the observation window.

    Returns
    -------
    numpy.ndarray
        The 2 x 2 information matrix for ``(theta, omega)``.
    """
    layout = _layout(np.asarray(cells, dtype=np.int64), np.asarray(times, dtype=np.float64))
    tau = end_time - layout.times
    return _information(layout, parameters.mu, parameters.theta, parameters.omega, tau)


def _information(
    layout: _Layout,
    mu: FloatArray,
    theta: float,
    omega: float,
    tau: FloatArray,
    *,
    profile: bool = True,
) -> FloatArray:
    a, b, c = _moments(layout, omega)
    lam = mu[layout.cells] + theta * omega * a
    d_theta, d_omega = omega * a, theta * (a - omega * b)  # dλ/dθ, dλ/dω
    d_theta_omega, d_omega2 = a - omega * b, theta * (omega * c - 2.0 * b)
    tail = np.exp(-omega * tau)
    inv2 = 1.0 / lam**2
    j = np.empty((2, 2))
    j[0, 0] = (d_theta * d_theta * inv2).sum()
    j[0, 1] = j[1, 0] = (d_theta * d_omega * inv2 - d_theta_omega / lam).sum() + (tau * tail).sum()
    j[1, 1] = (d_omega * d_omega * inv2 - d_omega2 / lam).sum() - theta * (tau * tau * tail).sum()
    if not profile:
        return j
    n_cells = mu.size
    j_mm = np.bincount(layout.cells, weights=inv2, minlength=n_cells)
    cross = [
        np.bincount(layout.cells, weights=d * inv2, minlength=n_cells) for d in (d_theta, d_omega)
    ]
    has = j_mm > 0
    for k in range(2):
        for m in range(2):
            j[k, m] -= float((cross[k][has] * cross[m][has] / j_mm[has]).sum())
    return j


def _intervals(
    layout: _Layout, mu: FloatArray, theta: float, omega: float, tau: FloatArray
) -> tuple[tuple[float, float], tuple[float, float]]:
    info = _information(layout, mu, theta, omega, tau)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return (math.nan, math.nan), (math.nan, math.nan)
    out = []
    for value, var in ((theta, cov[0, 0]), (omega, cov[1, 1])):
        if not (var > 0 and value > 0 and math.isfinite(var)):
            out.append((math.nan, math.nan))
            continue
        half = _Z95 * math.sqrt(var) / value
        out.append((value * math.exp(-half), value * math.exp(half)))
    return out[0], out[1]


def _loglik(
    lam: FloatArray, mu: FloatArray, theta: float, tail: FloatArray, duration: float
) -> float:
    compensator = mu.sum() * duration + theta * (1.0 - tail).sum()
    return float(np.log(lam).sum() - compensator)


class GridEtasForecaster:
    """Grid ETAS forecaster (Mohler et al. 2015), scikit-learn style.

    Parameters
    ----------
    n_iter
        Maximum EM iterations, >= 1.
    tol
        Relative log-likelihood change at which EM stops, >= 0.
    window_days
        Fit only on events in the last ``window_days`` days before the latest event;
        ``None`` uses all events.
    random_state
        Accepted for a uniform forecaster interface; fit and forecast are deterministic.

    Attributes
    ----------
    parameters_ : EtasParameters
        The fitted parameters.
    theta_, omega_, mu_
        Shortcuts to ``parameters_.theta``, ``.omega`` and ``.mu``.
    end_time_ : float
        End of the fitted observation window (days): just after the latest event.
    event_cells_, event_times_
        The events fitted, whose triggered intensity :meth:`predict` carries forward.
    """

    def __init__(
        self,
        n_iter: int = 50,
        tol: float = 1e-6,
        window_days: float | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.window_days = window_days
        self.random_state = random_state

    def fit(self, events: GriddedEvents) -> GridEtasForecaster:
        """Fit θ, ω and μ to ``events`` (a ``GriddedEvents``) and return ``self``.

        Raises
        ------
        ConfigError
            ``n_iter < 1``, ``tol < 0`` or ``window_days <= 0``.
        InsufficientDataError
            No events (in the window).
        """
        if self.window_days is not None and not self.window_days > 0:
            raise ConfigError(f"window_days must be > 0; got {self.window_days}", key="window_days")
        cells = np.asarray(events.cells, dtype=np.int64)
        times = np.asarray(events.times, dtype=np.float64)
        if times.size == 0:
            raise InsufficientDataError("grid ETAS needs at least one event; got 0")
        end_time = float(np.nextafter(times.max(), np.inf))
        if self.window_days is not None:
            keep = times >= end_time - self.window_days
            cells, times = cells[keep], times[keep]
        self.parameters_ = fit_grid_etas(
            cells, times, int(events.grid.n_cells), end_time=end_time,
            n_iter=self.n_iter, tol=self.tol,
        )  # fmt: skip
        self.theta_ = self.parameters_.theta
        self.omega_ = self.parameters_.omega
        self.mu_ = self.parameters_.mu
        self.end_time_ = end_time
        self.event_cells_ = cells
        self.event_times_ = times
        return self

    def predict(self, at: float, horizon: float) -> FloatArray:
        r"""Return the expected number of events per cell over ``[at, at + horizon)``.

        .. math::

            \mu_k h + \theta \sum_{t_j < at,\ c_j = k}
                \bigl(e^{-\omega (at - t_j)} - e^{-\omega (at + h - t_j)}\bigr),

        the conditional intensity integrated over the horizon given the events fitted
        before ``at``; offspring of events inside the horizon are not added (as in
        PredPol's ranking by current intensity).

        Raises
        ------
        ConfigError
            ``horizon <= 0``.
        """
        if not horizon > 0:
            raise ConfigError(f"horizon must be > 0 days; got {horizon}", key="horizon")
        past = self.event_times_ < at
        age = at - self.event_times_[past]
        weight = np.exp(-self.omega_ * age) * -np.expm1(-self.omega_ * horizon)
        triggered = np.bincount(
            self.event_cells_[past], weights=self.theta_ * weight, minlength=self.mu_.size
        )
        return np.asarray(self.mu_ * horizon + triggered, dtype=np.float64)
