"""The noise has the scale OpenDP states, and the 95 % error bounds cover the noise.

OpenDP cannot be seeded (it samples from the operating system's secure generator), so
these tests are statistical. Each tolerance is at least 6 standard errors wide; the
false-failure probability of each check is below 1e-8 and of this whole file below 1e-7.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mohtasib.errors import ConfigError
from mohtasib.privacy._dp_mechanism import calibrate

DRAWS = 20_000


def _noise(mechanism, draws=DRAWS):
    return mechanism.add_noise(np.zeros(draws, dtype=np.int64))


def _discrete_laplace_coverage(scale, bound):
    """Exact P(|Y| < bound) for the discrete Laplace with scale ``scale``."""
    q = math.exp(-1.0 / scale)
    m = math.ceil(bound) - 1  # |Y| < bound  <=>  |Y| <= m
    return 1.0 - 2.0 * q ** (m + 1) / (1.0 + q)


def test_laplace_scale_is_sensitivity_over_epsilon():
    assert calibrate("laplace", epsilon=0.5).scale == pytest.approx(2.0, rel=1e-9)
    assert calibrate("laplace", epsilon=0.5, sensitivity=3).scale == pytest.approx(6.0, rel=1e-9)


def test_laplace_certified_epsilon_within_request():
    mechanism = calibrate("laplace", epsilon=0.7, sensitivity=2)
    assert mechanism.certified[0] <= 0.7 * (1 + 1e-12)
    assert mechanism.certified[1] == 0.0


def test_gaussian_certified_within_request_and_scales_with_sensitivity():
    one = calibrate("gaussian", epsilon=1.0, delta=1e-6)
    three = calibrate("gaussian", epsilon=1.0, delta=1e-6, sensitivity=3)
    assert one.certified[0] <= 1.0 * (1 + 1e-9)
    assert one.certified[1] <= 1e-6 * (1 + 1e-9)
    assert three.scale == pytest.approx(3 * one.scale, rel=1e-3)


def test_laplace_empirical_variance_matches_stated_scale():
    # SE of the sample variance ~ var * sqrt(5 / n) = 1.6 % here; tolerance 10 % (> 6 SE).
    mechanism = calibrate("laplace", epsilon=0.5)
    noise = _noise(mechanism)
    assert np.var(noise) == pytest.approx(mechanism.noise_variance(), rel=0.10)
    assert abs(noise.mean()) < 0.15  # SE 0.02
    assert noise.dtype == np.int64


def test_gaussian_empirical_variance_matches_stated_scale():
    # SE of the sample variance ~ var * sqrt(2 / n) = 1 %; tolerance 8 %.
    mechanism = calibrate("gaussian", epsilon=1.0, delta=1e-6)
    noise = _noise(mechanism)
    assert np.var(noise) == pytest.approx(mechanism.scale**2, rel=0.08)
    assert abs(noise.mean()) < 0.25  # SE 0.032


@pytest.mark.parametrize(
    ("name", "delta"), [("laplace", None), ("gaussian", 1e-6)], ids=["laplace", "gaussian"]
)
def test_error_bound_covers_95_percent_of_draws(name, delta):
    # SE of a proportion near 0.95 with 20,000 draws is 0.0015; the floor 0.94 is > 6 SE away.
    mechanism = calibrate(name, epsilon=0.5, delta=delta)
    bound = mechanism.accuracy(0.05)
    covered = float(np.mean(np.abs(_noise(mechanism)) < bound))
    assert covered >= 0.94
    assert covered <= 0.995  # the bound is not uselessly wide


def test_laplace_error_bound_coverage_matches_exact_distribution():
    mechanism = calibrate("laplace", epsilon=0.25)
    bound = mechanism.accuracy(0.05)
    exact = _discrete_laplace_coverage(mechanism.scale, bound)
    assert exact >= 0.95
    covered = float(np.mean(np.abs(_noise(mechanism)) < bound))
    assert covered == pytest.approx(exact, abs=0.01)  # SE 0.0015


def test_add_noise_on_empty_vector_returns_empty():
    assert calibrate("laplace", epsilon=1.0).add_noise([]).shape == (0,)


@pytest.mark.parametrize("epsilon", [0.0, -1.0, math.nan, math.inf])
def test_calibrate_rejects_bad_epsilon(epsilon):
    with pytest.raises(ConfigError, match="epsilon"):
        calibrate("laplace", epsilon=epsilon)


@pytest.mark.parametrize(
    ("name", "delta", "match"),
    [
        ("laplace", 1e-6, "pure"),
        ("gaussian", None, "0 < delta < 1"),
        ("gaussian", 0.0, "0 < delta < 1"),
        ("gaussian", 1.0, "0 < delta < 1"),
        ("exponential", None, "want one of"),
    ],
)
def test_calibrate_rejects_bad_mechanism_or_delta(name, delta, match):
    with pytest.raises(ConfigError, match=match):
        calibrate(name, epsilon=1.0, delta=delta)


@pytest.mark.parametrize("sensitivity", [0, -2, True, 1.5])
def test_calibrate_rejects_bad_max_contributions(sensitivity):
    with pytest.raises(ConfigError, match="max_contributions"):
        calibrate("laplace", epsilon=1.0, sensitivity=sensitivity)
