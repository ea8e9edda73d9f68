"""Golden vectors and independent oracles for the confidence intervals.

Oracles: statsmodels ``proportion_confint`` (Wilson, Clopper-Pearson), SciPy
``relative_risk`` (Katz), the worked examples printed in Koopman (1984) and
Newcombe (1998, Table II), and an independent re-derivation of Koopman's
score statistic by numerical maximisation of the constrained likelihood.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats.proportion import proportion_confint

from mohtasib.fairness import (
    clopper_pearson_interval,
    katz_ratio_interval,
    koopman_ratio_interval,
    newcombe_difference_interval,
    proportion_interval,
    ratio_interval,
    wilson_interval,
)

CONFIDENCES = (0.8, 0.9, 0.95, 0.99)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    """Every (k, n) with 1 <= n <= 60, plus a few large denominators."""
    pairs = [(k, n) for n in range(1, 61) for k in range(n + 1)]
    pairs += [(k, n) for n in (137, 1000, 7214) for k in (0, 1, 2, n // 3, n - 1, n)]
    k, n = np.array(pairs, dtype=float).T
    return k, n


# ---------------------------------------------------------------- one proportion


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_wilson_interval_matches_statsmodels_over_grid(confidence: float) -> None:
    k, n = _grid()
    lo, hi = wilson_interval(k, n, confidence=confidence)
    want_lo, want_hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(lo, want_lo, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hi, want_hi, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_clopper_pearson_interval_matches_statsmodels_beta_over_grid(confidence: float) -> None:
    k, n = _grid()
    lo, hi = clopper_pearson_interval(k, n, confidence=confidence)
    want_lo, want_hi = proportion_confint(k, n, alpha=1 - confidence, method="beta")
    np.testing.assert_allclose(lo, want_lo, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(hi, want_hi, rtol=1e-10, atol=1e-14)


def test_clopper_pearson_interval_is_closed_at_zero_and_n() -> None:
    lo, hi = clopper_pearson_interval([0, 7], [7, 7])
    assert lo[0] == 0.0
    assert hi[1] == 1.0
    # Exact one-sided bounds at the edges: 1 - (alpha/2)^(1/n) and (alpha/2)^(1/n).
    assert hi[0] == pytest.approx(1 - 0.025 ** (1 / 7), rel=1e-12)
    assert lo[1] == pytest.approx(0.025 ** (1 / 7), rel=1e-12)


def test_proportion_interval_uses_clopper_pearson_only_at_the_edges() -> None:
    k = np.array([0, 1, 5, 9, 10])
    n = np.full(5, 10)
    lo, hi = proportion_interval(k, n)
    w_lo, w_hi = wilson_interval(k, n)
    c_lo, c_hi = clopper_pearson_interval(k, n)
    edge = (k == 0) | (k == n)
    np.testing.assert_array_equal(lo, np.where(edge, c_lo, w_lo))
    np.testing.assert_array_equal(hi, np.where(edge, c_hi, w_hi))
    assert not np.allclose(c_lo[1:4], w_lo[1:4])  # the two methods do differ inside


@pytest.mark.parametrize("func", [wilson_interval, clopper_pearson_interval, proportion_interval])
def test_proportion_intervals_are_nan_for_an_empty_group(func) -> None:
    lo, hi = func([0, 3], [0, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert np.isfinite(lo[1]) and np.isfinite(hi[1])


# ---------------------------------------------------------------- ratio: Katz


KATZ_CASES = [
    (1, 10, 1, 10),
    (3, 17, 9, 22),
    (36, 40, 16, 80),
    (805, 1795, 349, 1488),  # COMPAS FPR, African-American vs Caucasian
    (7, 7, 1, 50),
    (1, 1000, 999, 1000),
]


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), KATZ_CASES)
def test_katz_ratio_interval_matches_scipy_relative_risk(
    k1: int, n1: int, k2: int, n2: int, confidence: float
) -> None:
    want = relative_risk(k1, n1, k2, n2).confidence_interval(confidence_level=confidence)
    lo, hi = katz_ratio_interval(k1, n1, k2, n2, confidence=confidence)
    assert float(lo) == pytest.approx(want.low, rel=1e-12)
    assert float(hi) == pytest.approx(want.high, rel=1e-12)


def test_katz_ratio_interval_is_nan_when_a_count_is_zero() -> None:
    lo, hi = katz_ratio_interval([0, 3, 3], [10, 10, 0], [3, 0, 3], [10, 10, 10])
    assert np.isnan(lo).all() and np.isnan(hi).all()


# ---------------------------------------------------------------- ratio: Koopman


def test_koopman_ratio_interval_reproduces_koopman_1984_example() -> None:
    # Koopman (1984), Biometrics 40:513-517: 36/40 vs 16/80, 95% interval (2.94, 7.15).
    lo, hi = koopman_ratio_interval(36, 40, 16, 80)
    assert round(lo, 2) == 2.94
    assert round(hi, 2) == 7.15


def _score_statistic(phi: float, k1: float, n1: float, k2: float, n2: float) -> float:
    """Koopman's U(phi), computed independently of the package.

    The restricted MLE of ``p2`` under ``p1 = phi * p2`` is found by maximising the
    binomial log-likelihood numerically (no closed-form quadratic), then the
    Pearson chi-square of observed against fitted counts is returned.
    """
    upper = min(1.0, 1.0 / phi)

    def neg_loglik(p2: float) -> float:
        p1 = phi * p2
        return -(stats.binom.logpmf(k1, n1, p1) + stats.binom.logpmf(k2, n2, p2))

    eps = 1e-13
    res = optimize.minimize_scalar(
        neg_loglik, bounds=(eps, upper - eps), method="bounded", options={"xatol": 1e-14}
    )
    p2 = float(res.x)
    p1 = phi * p2
    return (k1 - n1 * p1) ** 2 / (n1 * p1 * (1 - p1)) + (k2 - n2 * p2) ** 2 / (n2 * p2 * (1 - p2))


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [(36, 40, 16, 80), (3, 25, 11, 30), (0, 20, 5, 20), (4, 30, 0, 15), (12, 14, 2, 40)],
)
def test_koopman_ratio_interval_bounds_solve_the_score_equation(
    k1: int, n1: int, k2: int, n2: int
) -> None:
    crit = stats.chi2.ppf(0.95, 1)
    lo, hi = koopman_ratio_interval(k1, n1, k2, n2)
    finite = [b for b in (lo, hi) if 0 < b < math.inf]
    assert finite, "at least one bound must be finite and positive"
    for bound in finite:
        assert _score_statistic(bound, k1, n1, k2, n2) == pytest.approx(crit, rel=1e-5)


def test_koopman_ratio_interval_has_lower_bound_zero_when_group_count_is_zero() -> None:
    lo, hi = koopman_ratio_interval(0, 20, 5, 20)
    assert lo == 0.0
    assert 0 < hi < math.inf


def test_koopman_ratio_interval_has_infinite_upper_bound_when_reference_count_is_zero() -> None:
    lo, hi = koopman_ratio_interval(4, 30, 0, 15)
    assert 0 < lo < math.inf
    assert hi == math.inf


def test_koopman_ratio_interval_is_nan_without_events_or_rows() -> None:
    for args in [(0, 10, 0, 10), (0, 0, 3, 10), (3, 10, 0, 0)]:
        lo, hi = koopman_ratio_interval(*args)
        assert math.isnan(lo) and math.isnan(hi)


def test_ratio_interval_uses_katz_then_koopman_then_nothing() -> None:
    lo, hi, method = ratio_interval(
        [36, 0, 4, 0, 3], [40, 20, 30, 10, 0], [16, 5, 0, 0, 3], [80, 20, 15, 10, 10]
    )
    assert method.tolist() == ["katz", "koopman", "koopman", "", ""]
    k_lo, k_hi = katz_ratio_interval(36, 40, 16, 80)
    assert (lo[0], hi[0]) == (float(k_lo), float(k_hi))
    assert (lo[1], hi[1]) == koopman_ratio_interval(0, 20, 5, 20)
    assert (lo[2], hi[2]) == koopman_ratio_interval(4, 30, 0, 15)
    assert np.isnan(lo[3:]).all() and np.isnan(hi[3:]).all()


# ---------------------------------------------------------------- difference: Newcombe


def test_newcombe_difference_interval_reproduces_newcombe_1998_table_ii() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a),
    # method 10 (hybrid score): 56/70 - 48/80 has 95% interval (0.0524, 0.3339).
    lo, hi = newcombe_difference_interval(56, 70, 48, 80)
    assert round(float(lo), 4) == 0.0524
    assert round(float(hi), 4) == 0.3339


def test_newcombe_difference_interval_is_built_from_wilson_limits() -> None:
    k1, n1, k2, n2 = 9, 10, 3, 10
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    lo, hi = newcombe_difference_interval(k1, n1, k2, n2)
    assert float(lo) == pytest.approx(p1 - p2 - math.hypot(p1 - l1, u2 - p2), rel=1e-14)
    assert float(hi) == pytest.approx(p1 - p2 + math.hypot(u1 - p1, p2 - l2), rel=1e-14)


def test_newcombe_difference_interval_is_nan_for_an_empty_group() -> None:
    lo, hi = newcombe_difference_interval([0, 4, 4], [0, 10, 10], [1, 2, 0], [2, 10, 0])
    assert np.isnan(lo[[0, 2]]).all() and np.isnan(hi[[0, 2]]).all()
    assert np.isfinite(lo[1]) and np.isfinite(hi[1])
