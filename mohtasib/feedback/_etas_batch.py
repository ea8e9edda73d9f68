r"""Grid ETAS fitted for many simulation runs at once, with warm starts.

The model, the EM updates and the edge correction are those of
:func:`mohtasib.forecast.fit_grid_etas` (Mohler et al. 2015, section 2; Lewis &
Mohler 2011; the exponential-kernel recursion of Ogata 1981): one background rate
per cell, a branching ratio :math:`\theta` and a decay rate :math:`\omega`, here one
set per run. The events of every run are laid out together, keyed by
``run * n_cells + cell``, so one pass of the recursion serves all runs and the
Python loop has as many steps as the busiest (run, cell) has events.

Warm start: the deployment loop refits every day on a window that moved by one
day, so the previous day's :math:`\theta, \omega, \mu` start the EM. EM converges
to the same fixed point from either start (tests compare a warm-started fit with a
cold one); it needs fewer iterations from the warm one.

References
----------
Mohler, G. O. et al. (2015). Randomized controlled field trials of predictive policing.
*JASA* 110(512), 1399–1411. Lewis, E. and Mohler, G. (2011). A nonparametric EM
algorithm for multiscale Hawkes processes. Ogata, Y. (1981). On Lewis' simulation
method for point processes. *IEEE TIT* 27(1), 23–31.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mohtasib.forecast._etas import ogata_recursion

__all__ = ["BatchEtasFit", "fit_etas_batch", "predict_etas_batch"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# When theta -> 0 the decay omega is not identified and can drift to 1e-19, where
# 1 - exp(-omega * tau) rounds to 0; bounding omega (per day) keeps every update finite.
_OMEGA_BOUNDS = (1e-8, 1e8)
_THETA_RESTART = 0.01
_OMEGA_RESTART = (0.01, 100.0)


@dataclass(frozen=True)
class BatchEtasFit:
    """Grid-ETAS parameters of each run (see :func:`fit_etas_batch`).

    Attributes
    ----------
    theta, omega
        Branching ratio and decay rate per day, shape ``(n_runs,)``.
    mu
        Background rate per cell and day, shape ``(n_runs, n_cells)``.
    iterations
        EM iterations run.
    converged
        Whether every run's relative log-likelihood change fell to ``tol``.
    """

    theta: FloatArray = field(repr=False)
    omega: FloatArray = field(repr=False)
    mu: FloatArray = field(repr=False)
    iterations: int
    converged: bool


@dataclass(frozen=True)
class _Layout:
    key: IntArray  # run * n_cells + cell, sorted
    run: IntArray
    times: FloatArray
    gaps: FloatArray
    by_rank: list[IntArray]


def _layout(key: IntArray, times: FloatArray, n_cells: int, *, time_ordered: bool) -> _Layout:
    # Events already in time order within each key need only a stable sort by key.
    order = np.argsort(key, kind="stable") if time_ordered else np.lexsort((times, key))
    key, times = key[order], times[order]
    rank = np.arange(key.size, dtype=np.int64) - np.searchsorted(key, key, side="left")
    gaps = np.zeros_like(times)
    gaps[1:] = np.where(rank[1:] > 0, np.diff(times), 0.0)
    by_rank_order = np.argsort(rank, kind="stable")
    bounds = np.cumsum(np.bincount(rank))
    by_rank = np.split(by_rank_order, bounds[:-1])[1:]
    return _Layout(key, key // n_cells, times, gaps, by_rank)


def _recursion(layout: _Layout, omega_event: FloatArray) -> tuple[FloatArray, FloatArray]:
    return ogata_recursion(layout.gaps, layout.by_rank, omega_event)


def _per_run(values: FloatArray, run: IntArray, n_runs: int) -> FloatArray:
    return np.bincount(run, weights=values, minlength=n_runs).astype(np.float64)


def fit_etas_batch(
    run: IntArray,
    cells: IntArray,
    times: FloatArray,
    *,
    n_runs: int,
    n_cells: int,
    start: float,
    end: float,
    n_iter: int = 50,
    tol: float = 1e-6,
    initial: BatchEtasFit | None = None,
    theta0: float = 0.5,
    omega0: float = 1.0,
    time_ordered: bool = False,
) -> BatchEtasFit:
    """Fit grid ETAS by EM to the events of each run, all runs at once.

    Requires ``0 <= run < n_runs``, ``0 <= cells < n_cells`` and
    ``start <= times < end`` (the callers build these arrays; they are not user input).
    With ``initial=None`` each run starts as :func:`mohtasib.forecast.fit_grid_etas`
    does (``theta0``, ``omega0``, ``mu = (1 - theta0) * count / (end - start)``), and
    with one run the result equals that function's. With ``initial`` (the previous
    fit) the EM is warm-started (theta at least 0.01 and omega within [0.01, 100] per
    day, so that a run on the theta = 0 boundary can leave it); cells that now have
    events but had no background rate start from the cold value. Runs without events
    keep ``mu = 0``. Omega is kept within [1e-8, 1e8] per day: when theta -> 0 it is
    not identified, and below that bound ``1 - exp(-omega * tau)`` rounds to zero.
    ``time_ordered=True`` promises that the events of each (run, cell) come in time order
    (it saves a sort).
    """
    duration = end - start
    layout = _layout(run * n_cells + cells, times, n_cells, time_ordered=time_ordered)
    counts = np.bincount(layout.key, minlength=n_runs * n_cells).reshape(n_runs, n_cells)
    if initial is None:
        theta = np.full(n_runs, theta0)
        omega = np.full(n_runs, omega0)
        mu = np.asarray((1.0 - theta0) * counts / duration, dtype=np.float64)
    else:
        # A run whose last fit sat on the theta = 0 boundary would stay there (EM cannot
        # leave it); restart theta and omega from bounded values so it can move again.
        theta = np.maximum(initial.theta, _THETA_RESTART)
        omega = np.clip(initial.omega, _OMEGA_RESTART[0], _OMEGA_RESTART[1])
        cold = (1.0 - theta[:, None]) * counts / duration
        mu = np.asarray(
            np.where(counts > 0, np.where(initial.mu > 0, initial.mu, cold), 0.0), dtype=np.float64
        )
    tau = end - layout.times
    flat_key, ev_run = layout.key, layout.run
    ll_old = np.full(n_runs, -np.inf)
    converged, iteration = False, 0
    while iteration < n_iter:
        iteration += 1
        a, b = _recursion(layout, omega[ev_run])
        th, om = theta[ev_run], omega[ev_run]
        lam = mu.reshape(-1)[flat_key] + th * om * a
        tail = np.exp(-om * tau)
        ll = _loglik(lam, mu, theta, tail, ev_run, n_runs, duration)
        p_trig = th * om * a / lam
        total = _per_run(p_trig, ev_run, n_runs)
        gap_weighted = _per_run(th * om * b / lam, ev_run, n_runs)
        edge = _per_run(tau * tail, ev_run, n_runs)
        background = np.bincount(flat_key, weights=1.0 - p_trig, minlength=n_runs * n_cells)
        has = total > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            omega_new = np.where(has, total / (gap_weighted + theta * edge), omega)
            theta = np.where(has, total / _per_run(1.0 - tail, ev_run, n_runs), 0.0)
        omega = np.clip(omega_new, _OMEGA_BOUNDS[0], _OMEGA_BOUNDS[1])
        mu = np.asarray(background.reshape(n_runs, n_cells) / duration, dtype=np.float64)
        if bool(np.all(np.abs(ll - ll_old) <= tol * np.abs(ll))):
            converged = True
            break
        ll_old = ll
    return BatchEtasFit(theta, omega, mu, iteration, converged)


def _loglik(
    lam: FloatArray,
    mu: FloatArray,
    theta: FloatArray,
    tail: FloatArray,
    ev_run: IntArray,
    n_runs: int,
    duration: float,
) -> FloatArray:
    compensator = mu.sum(axis=1) * duration + theta * _per_run(1.0 - tail, ev_run, n_runs)
    return np.asarray(_per_run(np.log(lam), ev_run, n_runs) - compensator, dtype=np.float64)


def predict_etas_batch(
    fit: BatchEtasFit,
    run: IntArray,
    cells: IntArray,
    times: FloatArray,
    *,
    at: float,
    horizon: float = 1.0,
) -> FloatArray:
    r"""Expected events per run and cell in ``[at, at + horizon)``, shape ``(n_runs, n_cells)``.

    :math:`\mu_k h + \theta \sum_{t_j < at} (e^{-\omega(at - t_j)} - e^{-\omega(at + h - t_j)})`,
    as :meth:`mohtasib.forecast.GridEtasForecaster.predict`.
    """
    n_runs, n_cells = fit.mu.shape
    past = times < at
    r, c, t = run[past], cells[past], times[past]
    om = fit.omega[r]
    weight = fit.theta[r] * np.exp(-om * (at - t)) * -np.expm1(-om * horizon)
    triggered = np.bincount(r * n_cells + c, weights=weight, minlength=n_runs * n_cells)
    return np.asarray(fit.mu * horizon + triggered.reshape(n_runs, n_cells), dtype=np.float64)
