"""Concentration and distance measures: golden values and invariants."""

from __future__ import annotations

import numpy as np
import pytest

from mohtasib.feedback import gini, hhi, jensen_shannon, shares, total_variation


def test_gini_is_zero_for_equal_shares_and_one_minus_one_over_n_for_one_cell() -> None:
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 5]) == pytest.approx(0.75)


def test_gini_matches_the_mean_absolute_difference_definition() -> None:
    x = np.array([3.0, 1.0, 0.0, 6.0, 2.0])
    s = x / x.sum()
    expected = np.abs(s[:, None] - s[None, :]).sum() / (2 * s.size**2 * s.mean())
    assert gini(x) == pytest.approx(expected)


def test_hhi_runs_from_one_over_n_to_one() -> None:
    assert hhi([2, 2, 2, 2]) == pytest.approx(0.25)
    assert hhi([0, 7, 0]) == pytest.approx(1.0)


def test_distances_are_zero_for_equal_and_one_for_disjoint_shares() -> None:
    assert total_variation([1, 1, 0], [2, 2, 0]) == pytest.approx(0.0)
    assert jensen_shannon([1, 1, 0], [2, 2, 0]) == pytest.approx(0.0)
    assert total_variation([1, 0], [0, 1]) == pytest.approx(1.0)
    assert jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)


def test_jensen_shannon_matches_scipy() -> None:
    from scipy.spatial.distance import jensenshannon

    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.3, 0.3, 0.4])
    assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2))


def test_measures_work_row_wise_on_batches() -> None:
    batch = np.array([[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(hhi(batch), [0.5, 1.0])
    np.testing.assert_allclose(total_variation(batch, np.array([[1.0, 1.0]])), [0.0, 0.5])


def test_shares_reject_negative_weights() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        shares([1.0, -1.0])
