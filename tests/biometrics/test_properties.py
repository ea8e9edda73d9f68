"""Invariants: monotone rates in the threshold; group rates recombine to the overall rate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mohtasib.biometrics import build_index, gini, max_min_ratio

SCORES = st.lists(st.integers(0, 20), min_size=2, max_size=60)


def _index(scores, seed):
    rng = np.random.default_rng(seed)
    n = len(scores)
    pg, rg = rng.integers(0, 3, n), rng.integers(0, 3, n)
    genuine = rng.random(n) < 0.3
    rg = np.where(genuine, pg, rg)
    score = np.asarray(scores, dtype=float)
    return build_index(pg, rg, score, genuine, n_groups=3), score, genuine


@settings(max_examples=60, deadline=None)
@given(SCORES, st.integers(0, 10_000))
def test_fmr_non_increasing_and_fnmr_non_decreasing_in_threshold(scores, seed):
    index, _, _ = _index(scores, seed)
    t = np.linspace(-1, 21, 45)
    k_fm, _ = index.false_matches(t)
    k_fnm, _ = index.false_non_matches(t)
    assert np.all(np.diff(k_fm, axis=-1) <= 0)
    assert np.all(np.diff(k_fnm, axis=-1) >= 0)


@settings(max_examples=60, deadline=None)
@given(SCORES, st.integers(0, 10_000), st.floats(-1, 21))
def test_group_rates_recombine_to_the_overall_rate(scores, seed, t):
    index, score, genuine = _index(scores, seed)
    k, n = index.false_matches([t])
    if (~genuine).any():
        weighted = np.sum(np.divide(k[..., 0], n, out=np.zeros(n.shape), where=n > 0) * n)
        assert weighted / n.sum() == np.mean(score[~genuine] >= t)
    k, n = index.false_non_matches([t])
    if genuine.any():
        assert k.sum() / n.sum() == np.mean(score[genuine] < t)


@given(st.lists(st.floats(0.001, 1), min_size=2, max_size=8), st.floats(0.1, 10))
def test_ratio_and_gini_are_scale_free(rates, c):
    x = np.asarray(rates)
    assert np.isclose(max_min_ratio(x * c), max_min_ratio(x))
    assert np.isclose(gini(x * c), gini(x))


@settings(max_examples=60, deadline=None)
@given(SCORES, st.integers(0, 10_000), st.booleans())
def test_index_counts_equal_direct_counts_in_every_cell(scores, seed, symmetric):
    rng = np.random.default_rng(seed)
    n = len(scores)
    pg, rg = rng.integers(0, 3, n), rng.integers(0, 3, n)
    genuine = rng.random(n) < 0.3
    rg = np.where(genuine, pg, rg)
    score = np.asarray(scores, dtype=float)
    index = build_index(pg, rg, score, genuine, n_groups=3, symmetric=symmetric)
    t = np.array([15.0, -1.0, 7.0, 7.5])  # unsorted on purpose, with a tied score value
    k, m = index.false_matches(t)
    for p in range(3):
        for r in range(3):
            cell = ~genuine & (
                ((pg == p) & (rg == r)) | (symmetric & (pg == r) & (rg == p) & (p != r))
            )
            assert m[p, r] == cell.sum()
            np.testing.assert_array_equal(k[p, r], [(score[cell] >= x).sum() for x in t])
            np.testing.assert_array_equal(index.impostor_cell(p, r), np.sort(score[cell]))
