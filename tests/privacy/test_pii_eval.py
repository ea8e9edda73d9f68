"""The SYNTHETIC evaluation set meets the recall and precision goals (issue 6)."""

from __future__ import annotations

import pytest

from tests.privacy.eval import evaluate, generate


def test_eval_set_is_current_and_large_enough() -> None:
    rows = evaluate.load()
    assert len(rows) >= 500 and all(r["synthetic"] for r in rows)
    assert rows[:20] == generate.generate()[:20], "snippets.jsonl is stale: rerun generate.py"


@pytest.fixture(scope="module")
def tallies() -> dict[str, evaluate.Tally]:
    from mohtasib.privacy import ENTITY_TYPES

    return evaluate.score(evaluate.load(), evaluate.mohtasib_predict, ENTITY_TYPES)


@pytest.mark.parametrize("entity", ["CNIC", "PHONE_NUMBER", "VEHICLE_PLATE"])
def test_core_identifiers_meet_goal(tallies: dict[str, evaluate.Tally], entity: str) -> None:
    assert tallies[entity].recall >= 0.99
    assert tallies[entity].precision >= 0.95
