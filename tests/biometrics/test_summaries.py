"""Selection-based summaries: intervals hold the full sample's worst and best groups fixed."""

from __future__ import annotations

import numpy as np
import pytest

from mohtasib.biometrics import fixed_group_replicates, max_min_ratio, percentile_interval


def test_fixed_groups_use_the_full_sample_extremes():
    point = np.array([0.1, 0.4, np.nan, 0.2])
    reps = np.array([[0.1, 0.4, np.nan, 0.2], [0.5, 0.4, np.nan, 0.1], [0.2, 0.6, np.nan, 0.0]])
    out, chosen = fixed_group_replicates(point, point * np.nan, reps, reps * np.nan, alpha=0.5)
    assert chosen == {"fmr": {"worst": 1, "best": 0, "selection_share": pytest.approx(1 / 3)}}
    np.testing.assert_allclose(out["fmr_max_min_ratio"], [4.0, 0.8, 3.0])
    assert np.isnan(out["fnmr_max_min_ratio"]).all() and np.isnan(out["inequity_rate"]).all()
    assert np.isnan(out["fdr"]).all()  # FDR needs both metrics, as its point estimate does


def test_zero_best_group_gives_an_infinite_replicate():
    point = np.array([0.2, 0.1])
    reps = np.array([[0.2, 0.0], [0.0, 0.0]])
    out, _ = fixed_group_replicates(point, point, reps, reps, alpha=0.5)
    assert out["fmr_max_min_ratio"][0] == np.inf and np.isnan(out["fmr_max_min_ratio"][1])
    np.testing.assert_allclose(out["fdr"][0], 1 - 0.2)


def test_reselection_is_biased_and_fixed_groups_are_not():
    # SYNTHETIC: 18 groups with the same true rate; binomial replicates of 300 trials.
    rng = np.random.default_rng(0)
    truth, n = 0.1, 300
    point = rng.binomial(n, truth, 18) / n
    reps = rng.binomial(n, point, (2000, 18)) / n
    estimate = float(max_min_ratio(point))
    reselected = max_min_ratio(reps)
    fixed, _ = fixed_group_replicates(point, point, reps, reps, alpha=0.5)
    lo_fixed, hi_fixed = percentile_interval(fixed["fmr_max_min_ratio"])
    assert np.median(reselected) > 1.15 * estimate  # re-selecting the extremes: biased up
    assert abs(np.median(fixed["fmr_max_min_ratio"]) / estimate - 1) < 0.05
    assert lo_fixed <= estimate <= hi_fixed
