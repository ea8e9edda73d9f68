"""City scorecards from the example register and a real (in-memory) access ledger, and the
impact assessment a card stores, recomputed and checked on every load."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from nacl.public import PrivateKey

from mohtasib.cli._main import _Group
from mohtasib.cli._register import register
from mohtasib.errors import InputError
from mohtasib.ledger import (
    AccessRecord,
    Fir,
    Ledger,
    MemoryLedgerStore,
    Policy,
    ledger_statistics,
    pseudonymise,
    retention_sweep,
)
from mohtasib.register import city_scorecards, load_card, validate_card
from tests.conftest import REPO

CARDS_DIR = REPO / "examples" / "register"
CARD_FILES = sorted(p for p in CARDS_DIR.glob("*.yaml") if "answers" not in p.name)
QUETTA = CARDS_DIR / "quetta-cameras.yaml"
PKT = dt.timezone(dt.timedelta(hours=5))
KEY = PrivateKey(bytes(range(32)))


@click.group(cls=_Group)
def root() -> None:
    """Stand-in for the top-level group (the error edge)."""


root.add_command(register)


def _cards():
    return [load_card(p) for p in CARD_FILES]


def _copy_card(tmp_path: Path, name: str = "quetta-cameras") -> tuple[Path, dict]:
    """A copy of an example card and its answers file, to edit in a test."""
    card = tmp_path / f"{name}.yaml"
    shutil.copy(CARDS_DIR / f"{name}.yaml", card)
    shutil.copy(CARDS_DIR / f"{name}.answers.yaml", tmp_path / f"{name}.answers.yaml")
    return card, yaml.safe_load(card.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _stats(*, sweep: bool = False) -> dict:
    """Statistics of a SYNTHETIC log: four accesses in January 2025, one denied."""
    policy = Policy.from_dict(
        {
            "system": "quetta-safe-city-cameras",
            "purposes": ["investigation"],
            "actions": {"camera_footage_view": ["fir"]},
        }
    )
    ledger = Ledger(
        MemoryLedgerStore(),
        policy=policy,
        oversight_public_key=bytes(KEY.public_key),
        pseudonym_key=b"k" * 32,
    )

    def record(day: int, authority: Fir | None) -> AccessRecord:
        return AccessRecord(
            requester="OFFICER-1",
            role="investigating_officer",
            time=dt.datetime(2025, 1, day, 10, tzinfo=PKT),
            system="quetta-safe-city-cameras",
            action="camera_footage_view",
            target=pseudonymise("CAMERA-7", b"k" * 32),
            legal_authority=authority,
            purpose="investigation",
            approver=None,
            outcome="viewed",
            retention_class="standard",
        )

    fir = Fir("12/2025", "Example station", "Quetta")
    ledger.append_many([record(2, fir), record(3, fir), record(4, None), record(5, fir)])
    start, end = dt.datetime(2025, 1, 1, tzinfo=PKT), dt.datetime(2025, 2, 1, tzinfo=PKT)
    periods = {"standard": dt.timedelta(days=7)}
    if sweep:
        retention_sweep(ledger, now=end, periods=periods)
    stats = ledger_statistics(
        ledger.store,
        start=start,
        end=end,
        private_key=KEY,
        retention_periods=periods,
        retention_grace=dt.timedelta(days=31),  # the sweep runs once, at the period's end
    )
    return stats.to_dict()


def test_one_scorecard_per_city_with_camera_shares():
    cards = {c.city: c for c in city_scorecards(_cards())}
    assert sorted(cards) == ["Islamabad", "Karachi", "Lahore", "Peshawar", "Quetta"]
    quetta = cards["Quetta"].to_dict()["totals"]
    assert (quetta["cameras_working"], quetta["cameras_installed"]) == (219, 800)
    assert quetta["working_share"] == pytest.approx(219 / 800)


def test_a_missing_figure_is_not_reported_never_zero():
    lahore = next(c for c in city_scorecards(_cards()) if c.city == "Lahore")
    system = lahore.systems[0]
    assert system.cameras_installed == 8000 and system.cameras_working is None
    assert system.working_share is None
    assert {"cameras working", "complaints", "ledger statistics"} <= set(system.not_reported)
    totals = lahore.to_dict()["totals"]
    assert totals["cameras_working"] is None and totals["accesses"] is None


def test_ledger_statistics_reach_the_scorecard():
    stats = _stats()
    cards = city_scorecards(_cards(), ledger_statistics={"quetta-safe-city-cameras-ledger": stats})
    quetta = next(c for c in cards if c.city == "Quetta").to_dict()
    totals = quetta["totals"]
    assert (totals["accesses"], totals["denied"]) == (4, 1)
    assert totals["denied_by_rule"] == {"authority_missing": 1}
    assert totals["by_authority"] == {"fir": 3, "none": 1}
    assert quetta["systems"][0]["ledger"]["retention"]["compliant"] is False
    assert (totals["retention_compliant_systems"], totals["retention_judged_systems"]) == (0, 1)


def test_retention_met_after_a_sweep():
    cards = city_scorecards(
        _cards(), ledger_statistics={"quetta-safe-city-cameras": _stats(sweep=True)}
    )
    totals = next(c for c in cards if c.city == "Quetta").to_dict()["totals"]
    assert (totals["retention_compliant_systems"], totals["retention_judged_systems"]) == (1, 1)


def test_statistics_for_an_unknown_log_are_an_error_not_dropped():
    with pytest.raises(InputError, match="no card names: karachi-other-ledger"):
        city_scorecards(_cards(), ledger_statistics={"karachi-other-ledger": _stats()})


def test_statistics_missing_a_field_are_an_error():
    stats = _stats()
    del stats["denied_by_rule"]
    with pytest.raises(InputError, match="lack denied_by_rule"):
        city_scorecards(_cards(), ledger_statistics={"quetta-safe-city-cameras": stats})


def test_duplicate_system_ids_are_an_error():
    card = load_card(QUETTA)
    with pytest.raises(InputError, match="more than one card: quetta-safe-city-cameras"):
        city_scorecards([card, card])


def test_restricted_and_oversight_only_fields_never_reach_a_scorecard(tmp_path: Path):
    path, data = _copy_card(tmp_path)
    data["deployment"]["cameras"]["locations"] = "OVERSIGHT-ONLY-MARKER"
    data["accountability"]["contract_terms"] = "RESTRICTED-MARKER"
    data["risk_and_impact"]["incidents"] = [
        {"date": "2025-03-01", "summary": "Public summary", "details": "DETAILS-MARKER"}
    ]
    card = load_card(_write(path, data))
    text = json.dumps([c.to_dict() for c in city_scorecards([card])])
    for marker in ("OVERSIGHT-ONLY-MARKER", "RESTRICTED-MARKER", "DETAILS-MARKER"):
        assert marker not in text
    assert '"incidents": 1' in text


def test_complaints_are_shown_when_reported(tmp_path: Path):
    path, data = _copy_card(tmp_path)
    data["risk_and_impact"]["complaints"] = {
        "period_start": "2025-01-01",
        "period_end": "2025-06-30",
        "received": 14,
        "upheld": 3,
        "source": "ILLUSTRATIVE figure for a test",
    }
    system = city_scorecards([load_card(_write(path, data))])[0].systems[0]
    assert system.complaints is not None and system.complaints["received"] == 14
    assert "complaints" not in system.not_reported


# --------------------------------------------------------------- the stored impact assessment


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_every_example_card_stores_an_assessment_its_answers_give(path: Path):
    card = load_card(path)
    assert card.assessment is not None
    assert card.assessment.level == card.data["risk_and_impact"]["impact_level"]
    assert card.assessment.unanswered_required == ()


def test_a_level_the_answers_do_not_give_is_an_error(tmp_path: Path):
    path, data = _copy_card(tmp_path)
    data["risk_and_impact"]["impact_assessment"]["level"] = "I"
    errors = [str(e) for e in validate_card(_write(path, data))]
    assert errors == [
        "$.risk_and_impact.impact_assessment.level: the card says 'I'; its answers give 'II'"
    ]
    with pytest.raises(InputError, match=r"impact_assessment\.level"):
        load_card(path)


def test_impact_level_must_match_the_assessment(tmp_path: Path):
    path, data = _copy_card(tmp_path)
    data["risk_and_impact"]["impact_level"] = "IV"
    errors = [e.path for e in validate_card(_write(path, data))]
    assert errors == ["$.risk_and_impact.impact_level"]


def test_answers_for_another_system_are_an_error(tmp_path: Path):
    path, _ = _copy_card(tmp_path)
    answers = tmp_path / "quetta-cameras.answers.yaml"
    doc = yaml.safe_load(answers.read_text(encoding="utf-8"))
    doc["system"] = "karachi-video-analytics"
    _write(answers, doc)
    errors = [str(e) for e in validate_card(path)]
    assert any("for system 'karachi-video-analytics'" in e for e in errors)


def test_a_missing_answers_file_is_an_error(tmp_path: Path):
    path, _ = _copy_card(tmp_path)
    (tmp_path / "quetta-cameras.answers.yaml").unlink()
    errors = validate_card(path)
    assert [e.path for e in errors] == ["$.risk_and_impact.impact_assessment.answers"]
    assert "cannot read" in errors[0].message


def test_unanswered_required_questions_are_an_error(tmp_path: Path):
    path, _ = _copy_card(tmp_path)
    answers = tmp_path / "quetta-cameras.answers.yaml"
    doc = yaml.safe_load(answers.read_text(encoding="utf-8"))
    del doc["answers"]["legal_basis"]
    _write(answers, doc)
    messages = [e.message for e in validate_card(path)]
    assert any("required question(s) unanswered: legal_basis" in m for m in messages)


# --------------------------------------------------------------------------------- the CLI


def test_cli_scorecards_json_and_html(tmp_path: Path):
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps(_stats()), encoding="utf-8")
    result = CliRunner().invoke(
        root,
        [
            "register",
            "scorecards",
            *map(str, CARD_FILES),
            "--ledger-stats",
            f"quetta-safe-city-cameras-ledger={stats}",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["city"] for c in data] == ["Islamabad", "Karachi", "Lahore", "Peshawar", "Quetta"]
    assert data[-1]["totals"]["accesses"] == 4
    out = tmp_path / "scorecards.html"
    result = CliRunner().invoke(
        root, ["register", "scorecards", str(QUETTA), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "219 / 800" in page and "27.4 %" in page and "not reported" in page


def test_cli_scorecards_bad_statistics_file_exits_3(tmp_path: Path):
    bad = tmp_path / "stats.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(
        root, ["register", "scorecards", str(QUETTA), "--ledger-stats", f"x={bad}"]
    )
    assert result.exit_code == 3
    assert "not JSON (line 1, column 2)" in result.output and "Traceback" not in result.output


def test_export_writes_scorecards_and_a_page_per_city(tmp_path: Path):
    result = CliRunner().invoke(
        root, ["register", "export", "--public", "--out", str(tmp_path), *map(str, CARD_FILES)]
    )
    assert result.exit_code == 0, result.output
    cities = sorted(p.name for p in tmp_path.glob("city-*.html"))
    assert cities == [
        f"city-{c}.html" for c in ("islamabad", "karachi", "lahore", "peshawar", "quetta")
    ]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="scorecards.html"' in index
    scorecards = json.loads((tmp_path / "scorecards.json").read_text(encoding="utf-8"))
    assert len(scorecards) == 5
