"""The privacy-budget ledger composes releases, refuses overspending and writes atomically."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError, PolicyViolation, StoreConflict
from mohtasib.privacy import PrivacyBudget, keys_from_product, release_counts
from mohtasib.privacy._budget import locked_budget_file
from mohtasib.privacy._dp_mechanism import CountMechanism

DATA = pd.DataFrame({"district": ["a", "a", "b", "c"], "month": ["01", "02", "01", "01"]})
KEYS = keys_from_product({"district": ["a", "b", "c"], "month": ["01", "02"]})


def _release(budget, **kwargs):
    options = {"by": ["district", "month"], "epsilon": 0.5, "keys": KEYS, **kwargs}
    return release_counts(DATA, budget=budget, **options)


@pytest.fixture
def budget_file(tmp_path):
    path = tmp_path / "budget.json"
    PrivacyBudget(1.0, 1e-6).save(path)
    return path


def test_sequential_composition_sums_epsilon_and_delta(budget_file):
    _release(budget_file, epsilon=0.25)
    _release(budget_file, epsilon=0.5, delta=4e-7, mechanism="gaussian")
    budget = PrivacyBudget.load(budget_file)
    assert budget.spent_epsilon == pytest.approx(0.75)
    assert budget.spent_delta == pytest.approx(4e-7)
    assert budget.remaining_epsilon == pytest.approx(0.25)
    assert [e.mechanism for e in budget.spent] == ["laplace", "gaussian"]
    assert budget.spent[0].description == "counts by district, month"


def test_release_beyond_total_is_refused_before_noise_and_file_unchanged(budget_file, monkeypatch):
    _release(budget_file, epsilon=0.75)
    before = budget_file.read_bytes()

    def no_noise(self, counts):
        raise AssertionError("noise was drawn for a refused release")

    monkeypatch.setattr(CountMechanism, "add_noise", no_noise)
    with pytest.raises(PolicyViolation, match="exhausted"):
        _release(budget_file, epsilon=0.5)
    assert budget_file.read_bytes() == before


def test_delta_beyond_total_is_refused(tmp_path):
    path = tmp_path / "pure.json"
    PrivacyBudget(5.0).save(path)
    with pytest.raises(PolicyViolation, match="delta"):
        _release(path, delta=1e-9, mechanism="gaussian")
    assert PrivacyBudget.load(path).spent == ()


def test_float_drift_does_not_refuse_an_exact_fit():
    budget = PrivacyBudget(0.3)
    for _ in range(3):
        budget = budget.charge(epsilon=0.1, delta=0.0, mechanism="laplace", description="x")
    assert len(budget.spent) == 3
    with pytest.raises(PolicyViolation):
        budget.check(1e-6)


def test_in_memory_budget_is_returned_charged_and_original_untouched():
    budget = PrivacyBudget(1.0)
    release = _release(budget)
    assert budget.spent == ()
    assert release.budget.spent_epsilon == pytest.approx(0.5)


def test_bad_data_leaves_budget_file_unchanged(budget_file):
    before = budget_file.read_bytes()
    keys = KEYS.rename(columns={"month": "nope"})
    with pytest.raises(InputError, match="column"):
        release_counts(DATA, by=["district", "nope"], epsilon=0.5, keys=keys, budget=budget_file)
    assert budget_file.read_bytes() == before


def test_failed_write_leaves_old_file_and_no_temporary(budget_file, monkeypatch):
    before = budget_file.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        _release(budget_file)
    assert budget_file.read_bytes() == before
    assert sorted(p.name for p in budget_file.parent.iterdir()) == [
        "budget.json",
        "budget.json.lock",
    ]


def test_concurrent_writer_fails_clearly(budget_file):
    with locked_budget_file(budget_file), pytest.raises(StoreConflict, match="lock"):
        _release(budget_file)
    _release(budget_file)  # the lock is released afterwards


def test_file_layout_round_trips(budget_file):
    _release(budget_file)
    data = json.loads(budget_file.read_text(encoding="utf-8"))
    assert data["format"] == "mohtasib-privacy-budget/1"
    assert data["total"] == {"epsilon": 1.0, "delta": 1e-6}
    assert data["spent"][0]["epsilon"] == 0.5
    assert PrivacyBudget.from_dict(data) == PrivacyBudget.load(budget_file)


def test_missing_budget_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        _release(tmp_path / "absent.json")


@pytest.mark.parametrize(
    "text",
    ["{not json", '{"format": "other"}', '{"format": "mohtasib-privacy-budget/1"}'],
    ids=["not-json", "wrong-format", "no-total"],
)
def test_malformed_budget_file_is_a_config_error(tmp_path, text):
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        PrivacyBudget.load(path)


@pytest.mark.parametrize(("epsilon", "delta"), [(0.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (1.0, -0.1)])
def test_budget_rejects_bad_totals(epsilon, delta):
    with pytest.raises(ConfigError):
        PrivacyBudget(epsilon, delta)
