"""Invariants of the interval, correction and shrinkage functions, checked with Hypothesis."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mohtasib.fairness import (
    benjamini_hochberg,
    beta_binomial_shrinkage,
    holm,
    katz_ratio_interval,
    koopman_ratio_interval,
    newcombe_difference_interval,
    proportion_interval,
    ratio_interval,
)

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=60, deadline=None)  # root finding per example


@st.composite
def count(draw: st.DrawFn, *, max_n: int = 2000, min_n: int = 1) -> tuple[int, int]:
    """A pair ``(k, n)`` with ``0 <= k <= n`` and ``min_n <= n <= max_n``."""
    n = draw(st.integers(min_n, max_n))
    k = draw(st.integers(0, n))
    return k, n


confidences = st.sampled_from([0.8, 0.9, 0.95, 0.99])


@FAST
@given(st.lists(count(), min_size=1, max_size=20), confidences)
def test_proportion_interval_lies_in_unit_interval_and_contains_the_rate(
    cells: list[tuple[int, int]], confidence: float
) -> None:
    k, n = (np.array(v, dtype=float) for v in zip(*cells, strict=True))
    lo, hi = proportion_interval(k, n, confidence=confidence)
    rate = k / n
    assert np.all((rate >= 0) & (rate <= 1))
    assert np.all(lo >= 0) and np.all(hi <= 1)
    assert np.all(lo <= rate + 1e-12) and np.all(rate <= hi + 1e-12)


@FAST
@given(count(), count(), confidences)
def test_newcombe_difference_interval_contains_the_difference(
    a: tuple[int, int], b: tuple[int, int], confidence: float
) -> None:
    lo, hi = newcombe_difference_interval(*a, *b, confidence=confidence)
    d = a[0] / a[1] - b[0] / b[1]
    assert -1 - 1e-12 <= lo <= d + 1e-12
    assert d - 1e-12 <= hi <= 1 + 1e-12


@SLOW
@given(count(max_n=500), count(max_n=500), confidences)
def test_ratio_interval_contains_the_ratio(
    a: tuple[int, int], b: tuple[int, int], confidence: float
) -> None:
    (k1, n1), (k2, n2) = a, b
    assume(k1 + k2 > 0)
    lo, hi, method = ratio_interval(k1, n1, k2, n2, confidence=confidence)
    ratio = (k1 / n1) / (k2 / n2) if k2 else math.inf
    assert method[0] == ("katz" if k1 and k2 else "koopman")
    assert 0 <= lo[0] <= ratio * (1 + 1e-9)
    assert ratio <= hi[0] * (1 + 1e-9)


@FAST
@given(count(min_n=1), count(min_n=1), confidences)
def test_katz_ratio_interval_inverts_when_group_and_reference_swap(
    a: tuple[int, int], b: tuple[int, int], confidence: float
) -> None:
    assume(a[0] > 0 and b[0] > 0)
    lo, hi = katz_ratio_interval(*a, *b, confidence=confidence)
    lo_swap, hi_swap = katz_ratio_interval(*b, *a, confidence=confidence)
    # Exact up to floating-point rounding: the log interval is symmetric in its sign.
    assert math.isclose(float(lo_swap), 1 / float(hi), rel_tol=1e-13)
    assert math.isclose(float(hi_swap), 1 / float(lo), rel_tol=1e-13)


@SLOW
@given(count(max_n=500), count(max_n=500))
def test_koopman_ratio_interval_inverts_when_group_and_reference_swap(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    assume(a[0] + b[0] > 0)
    lo, hi = koopman_ratio_interval(*a, *b)
    lo_swap, hi_swap = koopman_ratio_interval(*b, *a)
    inv = [1 / x if x not in (0.0, math.inf) else (math.inf if x == 0 else 0.0) for x in (hi, lo)]
    assert math.isclose(lo_swap, inv[0], rel_tol=1e-6) or lo_swap == inv[0]
    assert math.isclose(hi_swap, inv[1], rel_tol=1e-6) or hi_swap == inv[1]


p_values = st.lists(
    st.one_of(st.floats(0, 1, allow_nan=False), st.just(math.nan)), min_size=1, max_size=30
)


@FAST
@given(p_values)
def test_holm_is_at_least_raw_and_benjamini_hochberg_at_most_holm(p: list[float]) -> None:
    raw = np.array(p)
    h, bh = holm(raw), benjamini_hochberg(raw)
    valid = ~np.isnan(raw)
    np.testing.assert_array_equal(np.isnan(h), ~valid)
    np.testing.assert_array_equal(np.isnan(bh), ~valid)
    assert np.all(h[valid] >= raw[valid])
    # BH multiplies by m / rank, which is 1 for the largest p: allow its rounding.
    assert np.all(bh[valid] >= raw[valid] * (1 - 1e-12))
    assert np.all(bh[valid] <= h[valid] * (1 + 1e-12))
    assert np.all(h[valid] <= 1)


@FAST
@given(
    st.lists(
        st.tuples(count(max_n=300), st.floats(0.01, 0.99)),
        min_size=2,
        max_size=12,
    )
)
def test_shrinkage_estimate_lies_between_raw_rate_and_prior_mean(
    cells: list[tuple[tuple[int, int], float]],
) -> None:
    k = np.array([c[0][0] for c in cells], dtype=float)
    n = np.array([c[0][1] for c in cells], dtype=float)
    mu = np.array([c[1] for c in cells])
    shrunk = beta_binomial_shrinkage(k, n, prior_mean=mu)
    raw = k / n
    low, high = np.minimum(raw, mu), np.maximum(raw, mu)
    assert np.all(shrunk >= low - 1e-12)
    assert np.all(shrunk <= high + 1e-12)
