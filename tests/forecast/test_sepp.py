"""SEPP (Mohler et al. 2011): sparse pairs, recovery of the trigger, intervals, surface."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.forecast import Grid, GriddedEvents, SeppForecaster
from mohtasib.forecast._sepp import BinnedKde, fit_sepp, neighbour_pairs, observed_information

# SYNTHETIC: every event in this file is simulated.
THETA, OMEGA, SIGMA = 0.4, 0.2, 100.0
DAYS, SIDE, RATE = 500.0, 5000.0, 4.0  # window (days), square side (m), background events/day


def _simulate(seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Branching (cluster) simulation of the Hawkes process (Hawkes & Oakes 1974):
    Poisson background uniform on the square and the window, then generation by
    generation each event has Poisson(θ) children at Exp(ω) delays and N(0, σ²I)
    displacements; children after the window are dropped."""
    rng = np.random.default_rng(seed)
    n0 = rng.poisson(RATE * DAYS)
    t = rng.uniform(0.0, DAYS, n0)
    x, y = rng.uniform(0.0, SIDE, n0), rng.uniform(0.0, SIDE, n0)
    all_t, all_x, all_y = [t], [x], [y]
    while t.size:
        k = rng.poisson(THETA, t.size)
        t = np.repeat(t, k) + rng.exponential(1.0 / OMEGA, k.sum())
        x = np.repeat(x, k) + rng.normal(0.0, SIGMA, k.sum())
        y = np.repeat(y, k) + rng.normal(0.0, SIGMA, k.sum())
        inside = t < DAYS
        t, x, y = t[inside], x[inside], y[inside]
        all_t.append(t)
        all_x.append(x)
        all_y.append(y)
    tt, xx, yy = np.concatenate(all_t), np.concatenate(all_x), np.concatenate(all_y)
    order = np.argsort(tt)
    return tt[order], xx[order], yy[order]


def _fit(seed: int):  # type: ignore[no-untyped-def]
    t, x, y = _simulate(seed)
    return fit_sepp(
        t, x, y, end_time=DAYS, max_days=50.0, max_m=600.0, bandwidth_m=250.0, n_iter=300
    ).parameters


def test_neighbour_pairs_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 30, 300))
    x, y = rng.uniform(0, 1000, 300), rng.uniform(0, 1000, 300)
    pairs = neighbour_pairs(t, x, y, max_days=5.0, max_m=150.0, chunk=37)
    got = set(zip(pairs.child.tolist(), pairs.parent.tolist(), strict=True))
    dt = t[:, None] - t[None, :]
    r2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
    want = {
        (int(i), int(j))
        for i, j in zip(*np.nonzero((dt > 0) & (dt <= 5) & (r2 <= 150**2)), strict=True)
    }
    assert got == want and len(want) > 50
    assert pairs.dt == pytest.approx(t[pairs.child] - t[pairs.parent])
    assert pairs.r2 == pytest.approx(r2[pairs.child, pairs.parent])


def test_fit_recovers_trigger_parameters_within_their_intervals() -> None:
    fit = _fit(seed=20110301)
    assert fit.converged
    assert fit.theta == pytest.approx(THETA, abs=0.06)
    assert fit.omega == pytest.approx(OMEGA, rel=0.2)
    assert fit.sigma == pytest.approx(SIGMA, rel=0.1)
    for value, ci in ((THETA, fit.theta_ci), (OMEGA, fit.omega_ci), (SIGMA, fit.sigma_ci)):
        assert ci[0] < value < ci[1]
    assert fit.background_share == pytest.approx(1 - THETA, abs=0.06)


def test_intervals_cover_the_true_values_in_most_simulations() -> None:
    fits = [_fit(seed) for seed in range(6)]
    for value, name in ((THETA, "theta_ci"), (OMEGA, "omega_ci"), (SIGMA, "sigma_ci")):
        covered = sum(getattr(f, name)[0] < value < getattr(f, name)[1] for f in fits)
        assert covered >= 4, (name, [getattr(f, name) for f in fits])
    widths = [f.theta_ci[1] - f.theta_ci[0] for f in fits]
    assert all(0.01 < w < 0.3 for w in widths)


def test_binned_background_matches_exact_gaussian_density() -> None:
    x, y, w = np.array([0.0, 300.0]), np.array([0.0, 0.0]), np.array([1.0, 0.5])
    kde = BinnedKde.fit(x, y, w, bandwidth_m=200.0)
    px, py = np.array([0.0, 150.0, 300.0, 100.0]), np.array([0.0, 0.0, 100.0, -200.0])
    exact = sum(
        wj * np.exp(-((px - xj) ** 2 + (py - yj) ** 2) / (2 * 200.0**2)) / (2 * np.pi * 200.0**2)
        for xj, yj, wj in zip(x, y, w, strict=True)
    )
    assert kde.density(px, py) == pytest.approx(exact, rel=0.03)
    assert kde.values.sum() * kde.bin_m**2 == pytest.approx(1.5, rel=1e-3)


def _one_row_grid(nx: int) -> Grid:
    return Grid(crs="EPSG:32616", x0=0.0, y0=0.0, cell_size=100.0, nx=nx, ny=1)


def _events(t: list[float], x: list[float], y: list[float], grid: Grid) -> GriddedEvents:
    xa, ya = np.array(x), np.array(y)
    return GriddedEvents(grid.cell_of(xa, ya), np.array(t), xa, ya, grid)


def test_predict_matches_hand_worked_surface() -> None:
    grid = _one_row_grid(5)
    events = _events([1.0, 2.0], [50.0, 60.0], [50.0, 50.0], grid)
    model = SeppForecaster(max_days=10.0, max_m=250.0, n_iter=5).fit(events)
    theta, omega, s = model.theta_, model.omega_, model.sigma_**2
    at, h = 4.0, 2.0
    got = model.predict(at, h)
    centres = grid.centroids()
    background = model.fit_.background.density(centres[:, 0], centres[:, 1]) / model.fit_.duration
    want = background * h
    for tj, xj in ((1.0, 50.0), (2.0, 60.0)):
        r2 = (centres[:, 0] - xj) ** 2 + (centres[:, 1] - 50.0) ** 2
        # θ (e^{-ω(at - t_j)} - e^{-ω(at + h - t_j)}) φ_σ(r), zero beyond 250 m
        mass = theta * (math.exp(-omega * (at - tj)) - math.exp(-omega * (at + h - tj)))
        want = want + np.where(r2 <= 250.0**2, mass * np.exp(-r2 / (2 * s)) / (2 * math.pi * s), 0)
    assert got == pytest.approx(want * 100.0**2, rel=1e-9)
    # Cell 4 (centre 450 m) is beyond the cut-off of both events: background only.
    assert got[4] == pytest.approx(background[4] * h * 100.0**2)
    # The intensity at an event's place exceeds the background there.
    lam = model.intensity(at, np.array([50.0]), np.array([50.0]))
    assert lam[0] > background[0]


def test_predict_far_from_data_is_background_only() -> None:
    t, x, y = _simulate(seed=3)
    grid = Grid(crs="EPSG:32616", x0=-500.0, y0=-500.0, cell_size=250.0, nx=24, ny=24)
    events = GriddedEvents(grid.cell_of(x, y), t, x, y, grid)
    model = SeppForecaster(max_days=50.0, max_m=600.0, bandwidth_m=250.0).fit(events)
    late = model.predict(model.end_time_ + 100.0, horizon=7.0)
    near = model.predict(model.end_time_, horizon=7.0)
    assert near.sum() > late.sum()
    assert late.sum() == pytest.approx(
        model.parameters_.background_share * t.size / model.fit_.duration * 7.0, rel=0.1
    )
    assert model.parameters_.to_dict()["n_events"] == t.size


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(InsufficientDataError, match="two events"):
        fit_sepp([1.0], [0.0], [0.0], end_time=2.0)
    with pytest.raises(InsufficientDataError, match="no pair"):
        fit_sepp([1.0, 2.0], [0.0, 5000.0], [0.0, 0.0], end_time=3.0, max_m=100.0)
    with pytest.raises(InputError, match="sorted"):
        fit_sepp([2.0, 1.0], [0.0, 0.0], [0.0, 0.0], end_time=3.0)
    with pytest.raises(InputError, match="end_time"):
        fit_sepp([1.0, 2.0], [0.0, 0.0], [0.0, 0.0], end_time=2.0)
    with pytest.raises(InputError, match="finite"):
        fit_sepp([1.0, 2.0], [0.0, np.nan], [0.0, 0.0], end_time=3.0)
    with pytest.raises(ConfigError, match="max_m"):
        fit_sepp([1.0, 2.0], [0.0, 0.0], [0.0, 0.0], end_time=3.0, max_m=0.0)
    with pytest.raises(ConfigError, match="theta0"):
        fit_sepp([1.0, 2.0], [0.0, 0.0], [0.0, 0.0], end_time=3.0, theta0=1.5)


def test_forecaster_rejects_unfitted_and_bad_settings() -> None:
    grid = _one_row_grid(2)
    events = _events([1.0, 2.0], [50.0, 60.0], [50.0, 50.0], grid)
    with pytest.raises(InputError, match="not fitted"):
        SeppForecaster().predict(1.0, 1.0)
    with pytest.raises(ConfigError, match="window_days"):
        SeppForecaster(window_days=-1.0).fit(events)
    with pytest.raises(ConfigError, match="horizon"):
        SeppForecaster(n_iter=2).fit(events).predict(3.0, 0.0)
    assert SeppForecaster(max_m=300.0).get_params()["max_m"] == 300.0


def test_observed_information_matches_numerical_hessian() -> None:
    t, x, y = _simulate(seed=5)
    pairs = neighbour_pairs(t, x, y, max_days=50.0, max_m=600.0)
    mu = np.full(t.size, RATE / SIDE**2)
    tau = np.minimum(DAYS - t, 50.0)

    def loglik(theta: float, omega: float, s: float) -> float:
        g = theta * omega * np.exp(-omega * pairs.dt - pairs.r2 / (2 * s)) / (2 * np.pi * s)
        lam = mu + np.bincount(pairs.child, weights=g, minlength=t.size)
        mass = 1 - np.exp(-(600.0**2) / (2 * s))
        return float(np.log(lam).sum() - theta * mass * (1 - np.exp(-omega * tau)).sum())

    x0 = np.array([THETA, OMEGA, SIGMA**2])
    step = x0 * 1e-3
    hess = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            e_i, e_j = np.eye(3)[i] * step[i], np.eye(3)[j] * step[j]
            points = [x0 + a * e_i + b * e_j for a in (1, -1) for b in (1, -1)]
            f = [loglik(float(p[0]), float(p[1]), float(p[2])) for p in points]
            hess[i, j] = (f[0] - f[1] - f[2] + f[3]) / (4 * step[i] * step[j])
    info = observed_information(pairs, mu, tau, THETA, OMEGA, SIGMA**2, 600.0)
    assert info == pytest.approx(-hess, rel=1e-3)


def test_sepp_runs_in_the_rolling_backtest() -> None:
    from mohtasib.forecast import NaiveCountForecaster, backtest

    t, x, y = _simulate(seed=8)
    grid = Grid(crs="EPSG:32616", x0=-500.0, y0=-500.0, cell_size=250.0, nx=24, ny=24)
    events = GriddedEvents(grid.cell_of(x, y), t, x, y, grid)
    result = backtest(
        events,
        {"naive": NaiveCountForecaster(window_days=200.0), "sepp": SeppForecaster(n_iter=20)},
        test_start=400.0,
        test_days=20.0,
        horizon_days=5.0,
        train_days=200.0,
        n_boot=50,
    )
    sepp = result.model("sepp")
    assert 0.0 <= sepp.to_dict()["hit_rate"]["0.05"] <= 1.0
    assert sepp.to_dict()["params"]["max_m"] == 500.0
