"""Oracles for the tests of equal proportions, the corrections and the power formula.

Oracles: statsmodels ``multipletests`` (Holm, Benjamini-Hochberg) and
``proportions_ztest``; SciPy ``boschloo_exact`` and ``fisher_exact``.

For :func:`n_per_group_for_ratio` statsmodels is not an oracle: its
``NormalIndPower`` with ``proportion_effectsize`` uses Cohen's arcsine
transform, a different approximation that gives different sample sizes. The
oracles used instead are (1) a golden value worked by hand from Fleiss, Levin &
Paik (2003) eq. 4.14 and (2) Monte Carlo simulation of the pooled two-sided z
test, whose power at the returned size must be the nominal power.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from mohtasib.fairness import (
    benjamini_hochberg,
    holm,
    n_per_group_for_ratio,
    two_proportion_test,
)

P_FAMILIES = [
    [0.01],
    [0.01, 0.04, 0.03, 0.005],
    [0.2, 0.2, 0.2, 0.01, 0.5, 0.9, 0.049],  # ties
    [1e-12, 0.3, 0.7, 1.0, 0.02, 0.021, 0.6, 0.0001, 0.05, 0.5],
    list(np.random.default_rng(20240601).uniform(size=40)),
]


# ---------------------------------------------------------------- corrections


@pytest.mark.parametrize("p", P_FAMILIES)
def test_holm_matches_statsmodels(p: list[float]) -> None:
    want = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("p", P_FAMILIES)
def test_benjamini_hochberg_matches_statsmodels_fdr_bh(p: list[float]) -> None:
    want = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), want, rtol=1e-12, atol=0)


@pytest.mark.parametrize(("correction", "method"), [(holm, "holm"), (benjamini_hochberg, "fdr_bh")])
def test_corrections_leave_nan_entries_out_of_the_family(correction, method: str) -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.005])
    got = correction(p)
    valid = ~np.isnan(p)
    assert np.isnan(got[~valid]).all()
    # The family has 4 members, not 6: compare with statsmodels on the four alone.
    np.testing.assert_allclose(got[valid], multipletests(p[valid], method=method)[1], rtol=1e-12)


@pytest.mark.parametrize("correction", [holm, benjamini_hochberg])
def test_corrections_return_all_nan_for_a_family_with_no_tests(correction) -> None:
    assert np.isnan(correction([np.nan, np.nan])).all()
    assert correction([]).shape == (0,)


# ---------------------------------------------------------------- z and exact tests


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [(805, 1795, 349, 1488), (30, 100, 45, 100), (50, 60, 40, 70), (12, 40, 30, 55)],
)
def test_two_proportion_test_z_matches_statsmodels_proportions_ztest(
    k1: int, n1: int, k2: int, n2: int
) -> None:
    p, test = two_proportion_test(k1, n1, k2, n2)
    _, want = proportions_ztest([k1, k2], [n1, n2])  # pooled variance, two-sided
    assert test == "z"
    assert p == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(1, 12, 6, 15), (0, 8, 4, 9), (3, 20, 0, 25), (1, 40, 7, 40)]
)
def test_two_proportion_test_uses_boschloo_when_an_expected_count_is_below_five(
    k1: int, n1: int, k2: int, n2: int
) -> None:
    table = np.array([[k1, k2], [n1 - k1, n2 - k2]])
    p, test = two_proportion_test(k1, n1, k2, n2)
    assert test == "boschloo"
    assert p == pytest.approx(stats.boschloo_exact(table).pvalue, rel=1e-9)
    # Boschloo's test is uniformly more powerful than Fisher's, so its p is never larger
    # than Fisher's under the same two-sided convention. SciPy's two-sided Boschloo
    # doubles the smaller one-sided p; fisher_exact's default two-sided p sums tables
    # no more likely than the observed one (smaller here for (3, 20, 0, 25)), so the
    # like-for-like comparison is with the doubled one-sided Fisher p.
    one_sided = min(
        stats.fisher_exact(table, alternative=side).pvalue for side in ("less", "greater")
    )
    assert p <= min(1.0, 2 * one_sided) + 1e-12


def test_two_proportion_test_uses_fisher_for_large_sparse_tables() -> None:
    k1, n1, k2, n2 = 2, 1000, 8, 100  # n1 * n2 > 2500, expected events in group 2 < 5
    p, test = two_proportion_test(k1, n1, k2, n2)
    assert test == "fisher"
    want = stats.fisher_exact([[k1, k2], [n1 - k1, n2 - k2]]).pvalue
    assert p == pytest.approx(want, rel=1e-12)


def test_two_proportion_test_uses_z_at_expected_count_exactly_five() -> None:
    # Expected counts 5, 5, 5, 5: Cochran's rule asks for an exact test only below 5.
    p, test = two_proportion_test(2, 10, 8, 10)
    assert test == "z"
    assert p == pytest.approx(proportions_ztest([2, 8], [10, 10])[1], rel=1e-12)


def test_two_proportion_test_is_nan_for_an_empty_group() -> None:
    for args in [(0, 0, 3, 10), (3, 10, 0, 0)]:
        p, test = two_proportion_test(*args)
        assert math.isnan(p)
        assert test == ""


def test_two_proportion_test_without_variation_has_p_one() -> None:
    assert two_proportion_test(0, 20, 0, 30) == (1.0, "none (no variation)")
    assert two_proportion_test(20, 20, 30, 30) == (1.0, "none (no variation)")


# ---------------------------------------------------------------- sample size


def test_n_per_group_for_ratio_matches_fleiss_eq_4_14_by_hand() -> None:
    # p1 = 0.3, p2 = 0.375, pbar = 0.3375, z_{.975} = 1.959964, z_{.8} = 0.841621:
    # [1.959964 sqrt(2 * .3375 * .6625) + 0.841621 sqrt(.3 * .7 + .375 * .625)]^2
    #   / 0.075^2 = (1.310669 + 0.561033)^2 / 0.005625 = 622.79, rounded up to 623.
    assert n_per_group_for_ratio(0.3) == 623


def _simulated_power(p1: float, p2: float, n: int, *, reps: int, seed: int) -> float:
    """Share of simulated trials where the pooled two-sided z test rejects at 5%."""
    rng = np.random.default_rng(seed)
    k1, k2 = rng.binomial(n, p1, reps), rng.binomial(n, p2, reps)
    pooled = (k1 + k2) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(k1 - k2) / n / se
    return float(np.mean(np.nan_to_num(z) > stats.norm.ppf(0.975)))


@pytest.mark.parametrize("reference_rate", [0.1, 0.3, 0.5])
def test_n_per_group_for_ratio_gives_nominal_power_by_simulation(reference_rate: float) -> None:
    n = int(n_per_group_for_ratio(reference_rate))
    p2 = 1.25 * reference_rate
    power = _simulated_power(reference_rate, p2, n, reps=40_000, seed=7)
    # Monte Carlo standard error is 0.002; the normal approximation adds a little.
    assert power == pytest.approx(0.80, abs=0.015)
    # And it is not generous: three quarters of that size is clearly underpowered.
    assert _simulated_power(reference_rate, p2, int(0.75 * n), reps=40_000, seed=8) < 0.72


def test_n_per_group_for_ratio_grows_with_power_and_shrinks_with_alpha() -> None:
    base = n_per_group_for_ratio(0.2)
    assert n_per_group_for_ratio(0.2, power=0.9) > base
    assert n_per_group_for_ratio(0.2, alpha=0.1) < base
    assert n_per_group_for_ratio(0.2, ratio=2.0) < base


@pytest.mark.parametrize("reference_rate", [0.0, 0.85, 1.0])
def test_n_per_group_for_ratio_is_nan_when_the_alternative_is_impossible(
    reference_rate: float,
) -> None:
    assert math.isnan(n_per_group_for_ratio(reference_rate))
