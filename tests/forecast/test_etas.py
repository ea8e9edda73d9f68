"""Grid ETAS: the Ogata recursion, EM recovery of θ and ω, the forecast, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.forecast import Grid, GriddedEvents
from mohtasib.forecast._etas import GridEtasForecaster, fit_grid_etas, trigger_sums

THETA, OMEGA, DAYS, N_CELLS = 0.5, 0.5, 400.0, 50


def _simulate_cell(
    mu: float, theta: float, omega: float, end: float, rng: np.random.Generator
) -> list[float]:
    """Ogata (1981) thinning: the intensity only decays between events, so its value
    just after the current time bounds it until the next candidate."""
    times: list[float] = []
    t, excitation = 0.0, 0.0  # excitation = θω Σ exp(-ω(t - t_j)) at time t
    while True:
        bound = mu + excitation
        step = rng.exponential(1.0 / bound)
        t += step
        if t >= end:
            return times
        excitation *= np.exp(-omega * step)
        if rng.uniform() * bound <= mu + excitation:
            times.append(t)
            excitation += theta * omega


def _simulate(seed: int) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.02, 0.2, N_CELLS)
    cells, times = [], []
    for k, rate in enumerate(mu):
        t = _simulate_cell(float(rate), THETA, OMEGA, DAYS, rng)
        cells.extend([k] * len(t))
        times.extend(t)
    return np.array(cells, dtype=np.int64), np.array(times), mu


def test_trigger_sums_match_direct_double_sum() -> None:
    cells = np.array([1, 0, 1, 0, 1, 1])
    times = np.array([0.5, 1.0, 2.0, 2.5, 3.0, 4.0])
    omega = 0.7
    direct = [
        sum(
            np.exp(-omega * (times[i] - times[j]))
            for j in range(6)
            if cells[j] == cells[i] and times[j] < times[i]
        )
        for i in range(6)
    ]
    got = trigger_sums(cells, times, omega=omega)
    assert got == pytest.approx(direct, rel=1e-12)
    # By hand: cell 0 has events at 1.0 and 2.5, so the second sees exp(-0.7 * 1.5).
    assert got[3] == pytest.approx(np.exp(-1.05))
    assert got[1] == 0.0


def test_fit_recovers_theta_and_omega_from_simulated_hawkes() -> None:
    cells, times, mu = _simulate(seed=20150907)
    fit = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=500)
    assert fit.converged
    assert fit.theta == pytest.approx(THETA, abs=0.06)
    assert fit.omega == pytest.approx(OMEGA, rel=0.2)
    assert np.corrcoef(fit.mu, mu)[0, 1] > 0.8
    assert fit.mu.sum() == pytest.approx(mu.sum(), rel=0.15)


def test_em_increases_log_likelihood_from_start() -> None:
    cells, times, _ = _simulate(seed=7)
    one = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=1)
    many = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=100)
    assert many.log_likelihood > one.log_likelihood
    assert many.iterations <= 100


def _events(cells: NDArray[np.int64], times: NDArray[np.float64], n_cells: int) -> GriddedEvents:
    grid = Grid(crs="EPSG:32616", x0=0.0, y0=0.0, cell_size=150.0, nx=n_cells, ny=1)
    order = np.argsort(times, kind="stable")
    zeros = np.zeros(times.size)
    return GriddedEvents(cells[order], times[order], zeros, zeros, grid)


def test_predict_is_background_plus_decaying_triggered_count() -> None:
    cells, times, _ = _simulate(seed=3)
    model = GridEtasForecaster(n_iter=200).fit(_events(cells, times, N_CELLS))
    at = model.end_time_
    near = model.predict(at, horizon=7.0)
    later = model.predict(at + 30.0, horizon=7.0)
    background = model.mu_ * 7.0
    assert (near >= background).all()
    assert (later >= background).all()
    assert (near >= later).all() and near.sum() > later.sum()
    # Far from the data only the background is left.
    assert model.predict(at + 1e4, horizon=7.0) == pytest.approx(background)


def test_predict_matches_hand_integral_for_one_event() -> None:
    model = GridEtasForecaster()
    model.mu_ = np.array([0.1, 0.0])
    model.theta_, model.omega_ = 0.4, 0.5
    model.event_cells_ = np.array([1], dtype=np.int64)
    model.event_times_ = np.array([10.0])
    got = model.predict(12.0, horizon=3.0)
    # cell 1: θ (e^{-ω·2} - e^{-ω·5})
    assert got == pytest.approx([0.3, 0.4 * (np.exp(-1.0) - np.exp(-2.5))])


def test_window_days_fits_only_recent_events() -> None:
    cells, times, _ = _simulate(seed=5)
    model = GridEtasForecaster(window_days=100.0).fit(_events(cells, times, N_CELLS))
    assert model.event_times_.min() >= times.max() - 100.0


def test_fit_rejects_empty_events() -> None:
    empty = _events(np.array([], dtype=np.int64), np.array([]), 4)
    with pytest.raises(InsufficientDataError, match="at least one event"):
        GridEtasForecaster().fit(empty)
    with pytest.raises(InsufficientDataError):
        fit_grid_etas([], [], 4, end_time=1.0)


def test_fit_rejects_events_without_a_repeat_cell() -> None:
    with pytest.raises(InsufficientDataError, match="at least two events"):
        fit_grid_etas([0, 1, 2], [0.1, 0.2, 0.3], 4, end_time=1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_iter": 0}, "n_iter"),
        ({"tol": -1.0}, "tol"),
        ({"theta0": 1.0}, "theta0"),
        ({"omega0": 0.0}, "omega0"),
    ],
)
def test_fit_rejects_bad_settings(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        fit_grid_etas([0, 0], [0.5, 0.7], 1, end_time=1.0, **kwargs)  # type: ignore[arg-type]


def test_forecaster_rejects_bad_settings() -> None:
    events = _events(np.array([0, 0], dtype=np.int64), np.array([0.5, 0.7]), 1)
    with pytest.raises(ConfigError, match="n_iter"):
        GridEtasForecaster(n_iter=0).fit(events)
    with pytest.raises(ConfigError, match="window_days"):
        GridEtasForecaster(window_days=0.0).fit(events)
    with pytest.raises(ConfigError, match="horizon"):
        GridEtasForecaster().fit(events).predict(1.0, horizon=0.0)


def test_fit_rejects_events_outside_grid_or_window() -> None:
    with pytest.raises(InputError, match="cell ids"):
        fit_grid_etas([5], [0.5], 2, end_time=1.0)
    with pytest.raises(InputError, match="end_time"):
        fit_grid_etas([0], [1.5], 2, end_time=1.0)
    with pytest.raises(InputError, match="finite"):
        fit_grid_etas([0, 1], [0.5, np.nan], 2, end_time=1.0)


def test_information_matches_numerical_hessian_of_profile_free_loglik() -> None:
    from mohtasib.forecast._etas import (
        _information,
        _layout,
        _loglik,
        _recursion,
        etas_information,
    )

    cells, times, _ = _simulate(seed=11)
    fit = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=300)
    layout = _layout(cells, times)

    def loglik(theta: float, omega: float, mu: NDArray[np.float64]) -> float:
        a, _ = _recursion(layout, omega)
        lam = mu[layout.cells] + theta * omega * a
        return _loglik(lam, mu, theta, np.exp(-omega * (DAYS - layout.times)), DAYS)

    # Hessian in (θ, ω) at fixed μ by central differences; the Schur complement for
    # the μ block can only lower the information, never raise it.
    h = 1e-4
    x0 = np.array([fit.theta, fit.omega])
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            points = [x0 + si * e_i + sj * e_j for si in (1, -1) for sj in (1, -1)]
            f = [loglik(float(p[0]), float(p[1]), fit.mu) for p in points]
            hess[i, j] = (f[0] - f[1] - f[2] + f[3]) / (4 * h * h)
    fixed_mu = _information(
        layout, fit.mu, fit.theta, fit.omega, DAYS - layout.times, profile=False
    )
    assert fixed_mu == pytest.approx(-hess, rel=1e-3)
    profiled = etas_information(cells, times, fit, end_time=DAYS)
    assert np.all(np.linalg.eigvalsh(-hess - profiled) > -1e-6 * np.abs(hess).max())
    assert profiled[0, 0] < -hess[0, 0] and profiled[0, 0] > 0.2 * -hess[0, 0]


def test_intervals_cover_true_theta_and_omega_in_most_simulations() -> None:
    fits = [
        fit_grid_etas(c, t, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=500)
        for c, t, _ in (_simulate(seed) for seed in range(100, 106))
    ]
    theta_in = sum(f.theta_ci[0] < THETA < f.theta_ci[1] for f in fits)
    omega_in = sum(f.omega_ci[0] < OMEGA < f.omega_ci[1] for f in fits)
    assert theta_in >= 4 and omega_in >= 4, [(f.theta_ci, f.omega_ci) for f in fits]
    assert all(f.theta_ci[0] < f.theta < f.theta_ci[1] for f in fits)
    assert all(0.0 < f.theta_ci[1] - f.theta_ci[0] < 0.3 for f in fits)
    assert fits[0].to_dict()["theta_ci"] == list(fits[0].theta_ci)


def test_mu0_sets_the_starting_background() -> None:
    cells, times, mu = _simulate(seed=13)
    one = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=1, mu0=mu)
    default = fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, start_time=0.0, n_iter=1)
    assert one.mu != pytest.approx(default.mu)
    with pytest.raises(ConfigError, match="mu0"):
        fit_grid_etas(cells, times, N_CELLS, end_time=DAYS, mu0=np.zeros(3))
