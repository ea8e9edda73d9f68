"""Access policy: legal authority per action, warrant windows and cap, two-person rule, purposes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from mohtasib.errors import ConfigError
from mohtasib.ledger._policy import Policy, evaluate, load_policy
from mohtasib.ledger._records import AccessRecord, CourtOrder, Warrant
from tests.ledger.conftest import PKT

MakeRecord = Callable[..., AccessRecord]

POLICY_YAML = """\
system: psca-lahore-anpr
purposes: [investigation, missing_person]
actions:
  plate_search: [fir, warrant, court_order]
  face_search: [warrant, court_order]
  face_match_action: [warrant, court_order]
"""


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY_YAML, encoding="utf-8")
    return load_policy(path)


def test_policy_loads_with_defaults(policy: Policy) -> None:
    assert policy.warrant_max_days == 60
    assert policy.two_person_actions == frozenset({"face_match_action"})
    assert policy.actions["face_search"] == frozenset({"warrant", "court_order"})


def test_evaluate_allows_lawful_access(make_record: MakeRecord, policy: Policy) -> None:
    decision = evaluate(make_record(), policy)
    assert decision.allowed and decision.rule is None


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"system": "other-system"}, "unknown_system"),
        ({"action": "export"}, "action_not_permitted"),
        ({"legal_authority": None}, "authority_missing"),
        ({"action": "face_search"}, "authority_type"),
        ({"purpose": "curiosity"}, "purpose_not_allowed"),
    ],
)
def test_evaluate_denies_with_rule(
    make_record: MakeRecord, policy: Policy, overrides: dict[str, object], rule: str
) -> None:
    decision = evaluate(make_record(**overrides), policy)
    assert not decision.allowed
    assert decision.rule == rule
    assert decision.reason


def test_warrant_window_enforced(make_record: MakeRecord, policy: Policy, warrant: Warrant) -> None:
    inside = make_record(action="face_search", legal_authority=warrant)
    assert evaluate(inside, policy).allowed
    late = make_record(
        action="face_search", legal_authority=warrant, time=dt.datetime(2025, 2, 16, 9, tzinfo=PKT)
    )
    assert evaluate(late, policy).rule == "warrant_window"


def test_warrant_cap_default_60_days_and_configurable(
    make_record: MakeRecord, policy: Policy
) -> None:
    long = Warrant("W-9", "Court", "Judge", dt.date(2025, 1, 1), dt.date(2025, 3, 3))
    record = make_record(action="face_search", legal_authority=long)
    assert evaluate(record, policy).rule == "warrant_too_long"
    relaxed = Policy.from_dict(
        {
            "system": policy.system,
            "purposes": ["investigation"],
            "warrant_max_days": 90,
            "actions": {"face_search": ["warrant"]},
        }
    )
    assert evaluate(record, relaxed).allowed


@pytest.mark.parametrize("approver", [None, "INSP-1234"])
def test_two_person_rule_for_face_match_action(
    make_record: MakeRecord, policy: Policy, approver: str | None
) -> None:
    record = make_record(
        action="face_match_action", legal_authority=CourtOrder("CO-1", "Court"), approver=approver
    )
    assert evaluate(record, policy).rule == "two_person_rule"
    approved = make_record(
        action="face_match_action", legal_authority=CourtOrder("CO-1", "Court"), approver="SP-42"
    )
    assert evaluate(approved, policy).allowed


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"purposes": ["a"], "actions": {"plate_search": ["fir"]}}, "system"),
        ({"system": "s", "purposes": ["a"], "actions": {"teleport": ["fir"]}}, "actions.teleport"),
        (
            {"system": "s", "purposes": ["a"], "actions": {"plate_search": ["oath"]}},
            "actions.plate_search",
        ),
        ({"system": "s", "purposes": "a", "actions": {"plate_search": ["fir"]}}, "purposes"),
        (
            {
                "system": "s",
                "purposes": ["a"],
                "actions": {"plate_search": ["fir"]},
                "warrant_max_days": 0,
            },
            "warrant_max_days",
        ),
        ({"system": "s", "purposes": ["a"], "actions": {}}, "actions"),
        (
            {"system": "s", "purposes": ["a"], "actions": {"plate_search": ["fir"]}, "extra": 1},
            "extra",
        ),
    ],
)
def test_bad_policy_raises_config_error_naming_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Policy.from_dict(data)
    assert caught.value.key == key


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("system: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert caught.value.path == str(path)
