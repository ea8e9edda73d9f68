"""The simulation's findings and report section say what was simulated and its limits."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mohtasib.feedback import FeedbackSettings, read_cell_grid, read_cell_history, simulate_feedback
from mohtasib.report._feedback_findings import (
    feedback_context,
    feedback_findings,
    feedback_section_html,
)
from tests.feedback.conftest import true_rates


def test_findings_state_assumptions_and_never_claim_fairness(
    grid_file: Path, records_file: Path
) -> None:
    grid = read_cell_grid(grid_file, id_property="cell", group_property="zone")
    history = read_cell_history(records_file, grid, source_col="source")
    settings = FeedbackSettings(model="naive", k=4, days=10, train_days=60, runs=2,
                                mitigations=("none", "explore:0.2"))  # fmt: skip
    result = simulate_feedback(history, settings, truth=true_rates())
    text = " ".join(feedback_findings(result))
    assert "SYNTHETIC" in text and "true intensity" in text.lower()
    assert "Mitigation explore:0.2" in text and "By area (none)" in text
    lowered = text.lower()
    assert "fair" not in lowered and "unbiased" not in lowered
    html = feedback_section_html(result, title="Loop", data_note="SYNTHETIC test data")
    assert (
        html.count("<svg") == 3
        and 'id="feedback-groups"' in html
        and 'id="feedback-mitigations"' in html
    )
    section = SimpleNamespace(key="loop", title="Loop", data_note="SYNTHETIC", result=result)
    assert feedback_context(section)["key"] == "loop"
