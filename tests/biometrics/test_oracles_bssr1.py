"""BSSR1 (NIST, real matcher scores): FMR, FNMR and EER agree with scikit-learn and pyeer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import det_curve

from mohtasib.biometrics import equal_error_rate, error_curve, read_score_matrix

MATCHERS = {"C": -1.0, "G": None}  # matcher C marks a failed enrolment with -1.0


@pytest.fixture(params=sorted(MATCHERS))
def scores(request, shared_data):
    path = shared_data / "biometrics" / "bssr1-face-scores" / f"face-{request.param}.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    comp = read_score_matrix(path, sentinel=MATCHERS[request.param])
    gen, imp = np.sort(comp.score[comp.genuine]), np.sort(comp.score[~comp.genuine])
    return request.param, gen, imp


def test_bssr1_shape_and_sentinel(scores):
    name, gen, imp = scores
    assert gen.size + imp.size == 517 * 517 - (517 if name == "C" else 0)
    assert gen.size == (516 if name == "C" else 517)


def test_bssr1_rates_equal_sklearn_det_curve_at_every_threshold(scores):
    _, gen, imp = scores
    y = np.r_[np.ones(gen.size), np.zeros(imp.size)]
    fpr, fnr, thresholds = det_curve(y, np.r_[gen, imp])
    t, fmr, fnmr = error_curve(gen, imp)
    at = np.searchsorted(t, thresholds)
    assert np.array_equal(t[at], thresholds)
    np.testing.assert_array_equal(fmr[at], fpr)
    np.testing.assert_array_equal(fnmr[at], fnr)


def test_bssr1_rates_equal_a_hand_count(scores):
    _, gen, imp = scores
    t, fmr, fnmr = error_curve(gen, imp)
    for q in (0.5, 0.9, 0.99, 0.999):
        thr = np.quantile(imp, q)
        i = np.searchsorted(t, thr)
        if t[i] != thr:
            continue
        assert fmr[i] == np.sum(imp >= thr) / imp.size
        assert fnmr[i] == np.sum(gen < thr) / gen.size


def test_bssr1_eer_equals_pyeer(scores):
    pyeer = pytest.importorskip("pyeer.eer_stats", reason="pyeer (test-only dependency) absent")
    _, gen, imp = scores
    t_ref, fmr_ref, fnmr_ref = pyeer.calculate_roc(gen.tolist(), imp.tolist())
    t, fmr, fnmr = error_curve(gen, imp)
    np.testing.assert_array_equal(t, t_ref)
    np.testing.assert_allclose(fmr, fmr_ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(fnmr, fnmr_ref, rtol=0, atol=1e-15)
    assert equal_error_rate(fmr, fnmr)[0] == pytest.approx(
        pyeer.get_eer_values(fmr_ref, fnmr_ref)[3], abs=1e-15
    )


def test_bssr1_eer_from_sklearn_points_is_the_same(scores):
    _, gen, imp = scores
    y = np.r_[np.ones(gen.size), np.zeros(imp.size)]
    fpr, fnr, _ = det_curve(y, np.r_[gen, imp])  # thresholds ascending
    eer_ref, _ = equal_error_rate(fpr, fnr)
    eer, _ = equal_error_rate(*error_curve(gen, imp)[1:])
    assert eer == pytest.approx(eer_ref, abs=1e-15)
    assert 0.03 < eer < 0.07  # SOURCE.md: about 4.3 % (C) and 5.2 % (G)
