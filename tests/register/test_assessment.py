"""The impact assessment follows the adapted AIA scoring rules, computed by hand here."""

from __future__ import annotations

from pathlib import Path

import pytest

from mohtasib.errors import InputError
from mohtasib.register import assess, load_questionnaire
from tests.conftest import REPO

# Raw maximum 4 + 6 = 10 (radio: top choice; checkbox: sum); mitigation maximum 5.
SMALL = """
id: small
scoring: {mitigation_threshold: 0.8, mitigation_reduction: 0.15, level_bounds: [0.25, 0.5, 0.75]}
obligations: {I: [notice], II: [notice, explanation], III: [notice, human_final_decision],
              IV: [notice, approval]}
overrides: [{question: use, choice: live_public, level: IV, reason: live FR in public}]
questions:
  - {id: use, section: raw, kind: radio, required: true,
     choices: {none: 0, low: 1, high: 4, live_public: 0}}
  - {id: data, section: raw, kind: checkbox, required: false, choices: {a: 1, b: 2, c: 3}}
  - {id: audit, section: mitigation, kind: radio, required: true, choices: {none: 0, done: 3}}
  - {id: log, section: mitigation, kind: radio, required: false, choices: {none: 0, done: 2}}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("answers", "raw", "level"),
    [
        ({"use": "none", "data": ["b"]}, 2, "I"),  # 20 %
        ({"use": "low", "data": ["a"]}, 2, "I"),
        ({"use": "low", "data": ["a", "c"]}, 5, "II"),  # exactly 50 %: level II
        ({"use": "high", "data": ["a", "b"]}, 7, "III"),  # 70 %
        ({"use": "high", "data": ["a", "b", "c"]}, 10, "IV"),
    ],
)
def test_levels_split_at_quarters_of_the_raw_maximum(small, answers, raw, level):
    result = assess(answers, questionnaire=small)
    assert (result.raw_score, result.raw_max, result.level) == (raw, 10, level)


def test_mitigation_at_80_percent_reduces_raw_score_by_15_percent(small):
    # raw 4 + 1 + 3 = 8 (80 %: level IV); mitigation 3/5 = 60 % -> no reduction
    no = assess({"use": "high", "data": ["a", "c"], "audit": "done"}, questionnaire=small)
    assert (no.mitigation_score, no.mitigation_applied, no.level) == (3, False, "IV")
    # mitigation 5/5 >= 80 % -> 8 * 0.85 = 6.8 (68 %): level III
    yes = assess(
        {"use": "high", "data": ["a", "c"], "audit": "done", "log": "done"}, questionnaire=small
    )
    assert (yes.mitigation_applied, yes.adjusted_score, yes.level) == (True, 6.8, "III")
    assert yes.obligations == ("notice", "human_final_decision")


def test_live_face_recognition_in_public_is_level_iv(small):
    result = assess({"use": "live_public", "audit": "done", "log": "done"}, questionnaire=small)
    assert result.raw_score == 0
    assert result.level == "IV"
    assert result.overrides_applied == ("live FR in public",)


def test_unanswered_required_questions_are_listed(small):
    assert assess({"data": []}, questionnaire=small).unanswered_required == ("use", "audit")


def test_unknown_question_names_it(small):
    with pytest.raises(InputError, match="colour"):
        assess({"use": "low", "colour": "red"}, questionnaire=small)


@pytest.mark.parametrize("answer", ["maybe", ["low", "high"]])
def test_invalid_choice_names_the_question(small, answer):
    with pytest.raises(InputError, match="'use'"):
        assess({"use": answer}, questionnaire=small)


def test_shipped_questionnaire_covers_pakistan_questions():
    form = load_questionnaire()
    ids = {q.id for q in form.questions}
    assert {"legal_basis", "nadra_linkage", "fine_revenue"} <= ids
    text = " ".join(q.text for q in form.questions)
    for law in ("PECA 2016", "Investigation for Fair Trial Act 2013", "Punjab Safe Cities"):
        assert law in text
    assert form.obligations["III"][-1] == "human_final_decision"


def test_example_answers_hand_computed():
    result = assess(REPO / "examples" / "register" / "lahore-face-search.answers.yaml")
    # 3 + 4 + 2 + 0 + 2 + (3 + 2) + 2 + 2 + 0 = 20 of 49 (41 %): level II
    assert result.to_dict()["raw_score"] == 20
    assert (result.raw_max, result.level, result.mitigation_applied) == (49, "II", False)


def test_shipped_live_face_public_is_level_iv():
    assert assess({"capability": "live_face_public"}).level == "IV"
