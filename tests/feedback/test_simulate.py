"""The deployment loop on SYNTHETIC cells: lock-in, mitigations, bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.feedback import (
    CellHistory,
    FeedbackSettings,
    read_cell_grid,
    read_cell_history,
    simulate_feedback,
)
from tests.feedback.conftest import true_rates

MITIGATIONS = ("none", "ensign", "reported-only", "explore:0.3")


@pytest.fixture
def history(grid_file: Path, records_file: Path) -> CellHistory:
    grid = read_cell_grid(grid_file, id_property="cell", group_property="zone")
    return read_cell_history(records_file, grid, source_col="source")


def _settings(**kw: object) -> FeedbackSettings:
    base = {"model": "naive", "k": 4, "days": 150, "train_days": 60, "discovery_rate": 0.5,
            "report_rate": 0.2, "runs": 10, "random_state": 5,
            "mitigations": MITIGATIONS}  # fmt: skip
    base.update(kw)
    return FeedbackSettings(**base)  # type: ignore[arg-type]


def test_top_k_locks_on_and_reported_only_and_exploration_reduce_it(history: CellHistory) -> None:
    result = simulate_feedback(history, _settings(), truth=true_rates())
    none = result.outcome("none").final("tv")
    for label in ("reported-only", "explore:0.3"):
        _, _, high = result.outcome(label).final("tv")
        assert high < none[1], label  # its whole band lies below the uncorrected band
    assert result.outcome("reported-only").discovered_share == 0.0
    assert result.outcome("none").discovered_share > 0.1


def test_etas_and_kde_run_and_report_em_iterations(history: CellHistory) -> None:
    for model in ("etas", "kde"):
        result = simulate_feedback(
            history, _settings(model=model, days=20, runs=3, mitigations=("none",)),
            truth=true_rates(),
        )  # fmt: skip
        outcome = result.outcome("none")
        assert np.isfinite(outcome.daily["runaway"].mean).all()
        assert (outcome.etas_iterations > 0) == (model == "etas")


def test_same_seed_same_result_and_jobs_do_not_change_naive_runs(history: CellHistory) -> None:
    settings = _settings(days=30, mitigations=("none", "explore:0.3"))
    a = simulate_feedback(history, settings, truth=true_rates())
    b = simulate_feedback(history, settings, truth=true_rates(), n_jobs=2)
    for label in settings.mitigations:
        np.testing.assert_array_equal(a.outcome(label).cell_share.mean,
                                      b.outcome(label).cell_share.mean)  # fmt: skip


def test_group_shares_add_up_and_follow_the_truth(history: CellHistory) -> None:
    result = simulate_feedback(history, _settings(days=30), truth=true_rates())
    groups = result.outcome("none").groups
    assert [g.group for g in groups] == ["north", "south"]
    assert sum(g.mean for g in groups) == pytest.approx(1.0)
    north = true_rates()[18:].sum() / true_rates().sum()
    assert groups[0].true_share == pytest.approx(north)
    daily = groups[0].daily.mean + groups[1].daily.mean
    assert daily.shape == (30,) and np.allclose(daily, 1.0)  # each day's k patrols, all placed


def test_json_view_is_strict_json(history: CellHistory) -> None:
    result = simulate_feedback(history, _settings(days=12, runs=2))
    text = json.dumps(result.to_dict(), allow_nan=False)
    doc = json.loads(text)
    assert doc["kind"] == "feedback_simulation"
    assert [o["mitigation"] for o in doc["outcomes"]] == list(MITIGATIONS)
    assert doc["truth_source"] == "daily rate of reported records / report_rate 0.2"


def test_truth_defaults_to_all_records_with_a_stated_assumption(
    grid_file: Path, records_file: Path
) -> None:
    grid = read_cell_grid(grid_file, id_property="cell")
    history = read_cell_history(records_file, grid)
    result = simulate_feedback(history, _settings(days=5, runs=1, mitigations=("none",)))
    assert "assumed" in result.truth_source
    assert any("assumption" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"k": 37}, ConfigError, "k=37 patrols; want 1 <= k <= 36"),
        ({"k": 0}, ConfigError, "k=0"),
        ({"discovery_rate": 1.5}, ConfigError, "discovery_rate=1.5"),
        ({"model": "svm"}, ConfigError, "model 'svm'"),
        ({"mitigations": ("explore:2",)}, ConfigError, "explore:EPS"),
        ({"mitigations": ("magic",)}, ConfigError, "mitigation 'magic'"),
        ({"incidents": "replay", "days": 100}, InsufficientDataError, "want >= 160"),
    ],
)
def test_bad_settings_raise_clear_errors(
    history: CellHistory, kw: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        simulate_feedback(history, _settings(**kw))


def test_bad_truth_raises(history: CellHistory) -> None:
    bad = true_rates()
    bad[3] = -1.0
    with pytest.raises(InputError, match="negative or missing"):
        simulate_feedback(history, _settings(days=2), truth=bad)
    with pytest.raises(InsufficientDataError, match="zero in every cell"):
        simulate_feedback(history, _settings(days=2), truth=np.zeros(36))


def test_days_with_an_all_zero_forecast_are_null_in_json(history: CellHistory) -> None:
    empty = CellHistory(history.grid, "2024-01-01", np.zeros((10, 36), dtype=np.int64))
    result = simulate_feedback(
        empty, _settings(train_days=5, days=2, runs=2, report_rate=0.0), truth=true_rates()
    )
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert doc["outcomes"][0]["daily"]["runaway"]["mean"][0] is None
