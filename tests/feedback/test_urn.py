"""Ensign et al. (2018) urn on the Oakland parameters: the published figures.

The paper (and its code, ``src/Makefile`` target ``oakland-examples``) uses the two
busiest cells of the Lum & Isaac Oakland data: rates 3.68511 and 2.816466, prior
609/379 (strong) or 6.09/3.79 (weak), 1,000 days. Published: true share 0.567;
uncorrected final share about 0.70 (strong) and 0.84 (weak); corrected about 0.567.
"""

from __future__ import annotations

import pytest

from mohtasib.errors import ConfigError
from mohtasib.feedback import simulate_urn

RATES = (3.68511, 2.816466)
STRONG, WEAK = (609.0, 379.0), (6.09, 3.79)


def test_true_share_is_the_rate_ratio() -> None:
    result = simulate_urn(RATES, STRONG, days=1, runs=1, random_state=0)
    assert result.true_share == pytest.approx(0.567, abs=5e-4)


def test_uncorrected_strong_prior_runs_away_to_about_0_70() -> None:
    result = simulate_urn(RATES, STRONG, days=1000, runs=1000, random_state=1)
    assert 0.69 <= result.final_mean <= 0.71
    assert result.final_band[0] > result.true_share  # nearly every run ends above the truth


def test_uncorrected_weak_prior_runs_away_to_about_0_84() -> None:
    result = simulate_urn(RATES, WEAK, days=1000, runs=1000, random_state=2)
    assert 0.82 <= result.final_mean <= 0.86


def test_corrected_weak_prior_stays_near_the_true_share() -> None:
    result = simulate_urn(RATES, WEAK, days=1000, runs=1000, corrected=True, random_state=3)
    assert result.final_mean == pytest.approx(0.567, abs=0.01)
    low, high = result.final_band
    assert low < result.true_share < high


def test_poisson_updates_give_the_same_runaway_on_average() -> None:
    result = simulate_urn(RATES, STRONG, days=1000, runs=500, poisson_updates=True, random_state=4)
    assert 0.68 <= result.final_mean <= 0.72


def test_same_seed_same_curve() -> None:
    a = simulate_urn(RATES, WEAK, days=50, runs=20, random_state=7)
    b = simulate_urn(RATES, WEAK, days=50, runs=20, random_state=7)
    assert a.final_shares.tolist() == b.final_shares.tolist()
    assert a.to_dict()["curve"]["day"][0] == 0


@pytest.mark.parametrize(
    ("rates", "prior", "days"), [((0.0, 1.0), (1.0, 1.0), 10), ((1.0, 1.0), (1.0, -1.0), 10),
                                 ((1.0, 1.0), (1.0, 1.0), 0)]
)  # fmt: skip
def test_bad_settings_raise_config_error(
    rates: tuple[float, float], prior: tuple[float, float], days: int
) -> None:
    with pytest.raises(ConfigError):
        simulate_urn(rates, prior, days=days, runs=1)
