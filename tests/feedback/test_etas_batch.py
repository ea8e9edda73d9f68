"""The batched grid-ETAS EM equals the forecast package's fit; warm starts equal cold fits."""

from __future__ import annotations

import numpy as np
import pytest

from mohtasib.feedback import fit_etas_batch, predict_etas_batch
from mohtasib.forecast import fit_grid_etas


def _events(seed: int, n: int = 600, cells: int = 30, end: float = 120.0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)  # SYNTHETIC events
    return rng.integers(0, cells, n), np.sort(rng.uniform(0.0, end, n))


def test_cold_batched_fit_equals_fit_grid_etas_run_by_run() -> None:
    (c0, t0), (c1, t1) = _events(0), _events(1, n=400)
    run = np.concatenate([np.zeros(c0.size, int), np.ones(c1.size, int)])
    fit = fit_etas_batch(run, np.concatenate([c0, c1]), np.concatenate([t0, t1]), n_runs=2,
                         n_cells=30, start=0.0, end=120.0, n_iter=40, tol=0.0)  # fmt: skip
    for r, (c, t) in enumerate([(c0, t0), (c1, t1)]):
        ref = fit_grid_etas(c, t, 30, end_time=120.0, start_time=0.0, n_iter=40, tol=0.0)
        assert fit.theta[r] == pytest.approx(ref.theta, rel=1e-9)
        assert fit.omega[r] == pytest.approx(ref.omega, rel=1e-9)
        np.testing.assert_allclose(fit.mu[r], ref.mu, rtol=1e-9, atol=1e-15)


def _hawkes(seed: int, cells: int = 30, end: float = 120.0):  # type: ignore[no-untyped-def]
    """SYNTHETIC grid ETAS events by branching: mu 0.1/day/cell, theta 0.5, omega 1/day."""
    rng = np.random.default_rng(seed)
    n0 = rng.poisson(0.1 * end * cells)
    c, t = rng.integers(0, cells, n0), rng.uniform(0.0, end, n0)
    parents_c, parents_t = c, t
    while parents_t.size:
        k = rng.poisson(0.5, parents_t.size)
        kid_c = np.repeat(parents_c, k)
        kid_t = np.repeat(parents_t, k) + rng.exponential(1.0, k.sum())
        keep = kid_t < end
        parents_c, parents_t = kid_c[keep], kid_t[keep]
        c, t = np.concatenate([c, parents_c]), np.concatenate([t, parents_t])
    order = np.argsort(t)
    return c[order], t[order]


def test_warm_started_fit_equals_a_cold_fit_to_tolerance() -> None:
    cells, times = _hawkes(2)
    zeros = np.zeros(cells.size, dtype=np.int64)
    yesterday = times < 119.0
    kw = {"n_runs": 1, "n_cells": 30, "n_iter": 5000, "tol": 1e-12}
    prev = fit_etas_batch(zeros[yesterday], cells[yesterday], times[yesterday] + 1.0,
                          start=0.0, end=120.0, **kw)  # fmt: skip
    warm = fit_etas_batch(zeros, cells, times, start=0.0, end=120.0, initial=prev, **kw)
    cold = fit_etas_batch(zeros, cells, times, start=0.0, end=120.0, **kw)
    assert warm.theta[0] == pytest.approx(cold.theta[0], rel=1e-4, abs=1e-6)
    assert warm.omega[0] == pytest.approx(cold.omega[0], rel=1e-3)
    np.testing.assert_allclose(warm.mu, cold.mu, rtol=1e-3, atol=1e-6)
    f_warm = predict_etas_batch(warm, zeros, cells, times, at=120.0)
    f_cold = predict_etas_batch(cold, zeros, cells, times, at=120.0)
    np.testing.assert_allclose(f_warm, f_cold, rtol=1e-3)
    assert warm.iterations < cold.iterations


def test_predict_matches_grid_etas_forecaster_formula() -> None:
    cells, times = _events(3)
    ref = fit_grid_etas(cells, times, 30, end_time=120.0, start_time=0.0)
    fit = fit_etas_batch(np.zeros(cells.size, dtype=np.int64), cells, times, n_runs=1,
                         n_cells=30, start=0.0, end=120.0)  # fmt: skip
    age = 120.0 - times
    expected = ref.mu + np.bincount(
        cells, weights=ref.theta * np.exp(-ref.omega * age) * -np.expm1(-ref.omega), minlength=30
    )
    got = predict_etas_batch(fit, np.zeros(cells.size, dtype=np.int64), cells, times, at=120.0)
    np.testing.assert_allclose(got[0], expected, rtol=1e-6)
