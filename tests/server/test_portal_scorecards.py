"""City scorecards with each system's figures from the portal's one ledger."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.ledger import parse_leaf, retention_sweep
from mohtasib.register import city_slug
from mohtasib.server import create_app
from mohtasib.server._demo import build_demo
from mohtasib.server._ledger_figures import LedgerFigures
from tests.server.conftest import REGISTER, csrf_of

SYSTEMS = {
    "islamabad-safe-city-anpr",
    "karachi-video-analytics",
    "lahore-safe-city-face-search",
    "peshawar-risk-scoring",
    "quetta-safe-city-cameras",
}


def _ledger_counts(app: FastAPI) -> dict[str, dict[str, Any]]:
    """Per system, counted straight from the ledger: decisions, legal-authority kinds, times."""
    portal = app.state.portal
    ledger, key = portal.ledger.ledger, portal.ledger.keys.oversight_private_key
    counts: dict[str, dict[str, Any]] = {}
    for row in ledger.store.entries(0, ledger.size()):
        view = parse_leaf(row.leaf_data)
        if view.kind != "access":
            continue
        record = ledger.read_record(row.index, key)
        mine = counts.setdefault(
            record.system, {"decision": Counter(), "authority": Counter(), "times": []}
        )
        mine["times"].append(record.time)
        mine["decision"]["allowed" if view.allowed else str(view.rule)] += 1
        authority = record.legal_authority
        mine["authority"]["none" if authority is None else authority.kind] += 1
    return counts


def _systems(client: TestClient) -> dict[str, dict[str, Any]]:
    data = client.get("/api/scorecards").json()["scorecards"]
    return {s["system_id"]: s for city in data for s in city["systems"]}


def test_demo_scorecards_carry_each_systems_accesses_and_denials(
    app: FastAPI, client: TestClient
) -> None:
    counted = _ledger_counts(app)
    assert set(counted) == SYSTEMS  # the demo ledger touches every example system
    systems = _systems(client)
    assert set(systems) == SYSTEMS
    now = dt.datetime.fromisoformat(client.get("/api/scorecards").json()["ledger"]["as_of"])
    kept_total = 0
    denials_seen = 0
    for system_id, score in systems.items():
        ledger, mine = score["ledger"], counted[system_id]
        assert ledger is not None, system_id
        decisions = dict(mine["decision"])
        allowed = decisions.pop("allowed", 0)
        assert ledger["accesses"] == mine["decision"].total()
        assert ledger["allowed"] == allowed
        assert ledger["denied"] == sum(decisions.values())
        assert ledger["denied_by_rule"] == decisions
        assert ledger["by_authority"] == dict(mine["authority"])
        kept = sum(now - when > dt.timedelta(days=30) for when in mine["times"])
        assert ledger["retention"]["period_days"] == 30
        assert ledger["retention"]["bodies_kept"] == kept
        assert ledger["retention"]["compliant"] is (kept == 0)
        kept_total += kept
        assert "ledger statistics" not in score["not_reported"]
        denials_seen += ledger["denied"]
    assert denials_seen > 0
    assert 0 < kept_total < sum(len(c["times"]) for c in counted.values())  # a mix, as designed
    total = sum(c["decision"].total() for c in counted.values())
    coverage = client.get("/api/scorecards").json()["ledger"]
    assert coverage["bodies_opened"] is True
    assert coverage["attributed"] == total
    assert coverage["unattributed"]["accesses"] == 0
    assert coverage["unregistered_systems"] == {}


def test_city_totals_add_up_their_systems(client: TestClient) -> None:
    for city in client.get("/api/scorecards").json()["scorecards"]:
        ledgers = [s["ledger"] for s in city["systems"]]
        assert city["totals"]["accesses"] == sum(x["accesses"] for x in ledgers)
        assert city["totals"]["denied"] == sum(x["denied"] for x in ledgers)
        assert city["totals"]["ledgers_counted"] == len(ledgers)


def test_a_request_through_the_portal_refreshes_the_scorecards(
    client: TestClient, signed_in: Callable[[str], TestClient]
) -> None:
    system = "islamabad-safe-city-anpr"
    before = _systems(client)[system]["ledger"]
    officer = signed_in("DEMO-OFFICER-01")
    page = officer.get("/requests/new")
    data = {
        "csrf_token": csrf_of(page.text),
        "system": system,
        "action": "plate_search",
        "purpose": "investigation",
        "target_value": "SYN-PLATE-7001",
    }
    assert officer.post("/requests/new", data=data).status_code == 201  # no FIR: denied
    after = _systems(client)[system]["ledger"]
    assert after["accesses"] == before["accesses"] + 1
    assert after["denied"] == before["denied"] + 1
    rule = after["denied_by_rule"]
    assert rule["authority_missing"] == before["denied_by_rule"].get("authority_missing", 0) + 1
    assert after["by_authority"]["none"] == before["by_authority"].get("none", 0) + 1
    html = client.get("/scorecards").text
    assert f'id="system-{system}"' in html
    assert f"authority_missing: {rule['authority_missing']}" in html


def test_scorecards_page_shows_ledger_figures_in_english_and_urdu(client: TestClient) -> None:
    english = client.get("/scorecards").text
    assert "Denied, by rule" in english
    assert "Accesses by legal authority" in english
    assert "late deletions are judged only for the whole log" in english
    assert "kept past the period" in english
    urdu = client.get("/ur/scorecards")
    assert urdu.status_code == 200
    assert 'dir="rtl"' in urdu.text
    assert "مسترد، قاعدے کے لحاظ سے" in urdu.text
    assert "قانونی اختیار کے لحاظ سے رسائیاں" in urdu.text


def test_accesses_whose_body_retention_deleted_are_unattributed(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=12)
    app = create_app(demo.settings)
    try:
        portal = app.state.portal
        with closing(TestClient(app)) as client:
            assert client.get("/api/scorecards").json()["ledger"]["attributed"] == 12
            now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
            sweep = retention_sweep(
                portal.ledger.ledger, now=now, periods={"standard": dt.timedelta(days=1)}
            )
            assert len(sweep.bodies_deleted) == 12
            body = client.get("/api/scorecards").json()
            coverage = body["ledger"]
            assert coverage["attributed"] == 0
            assert coverage["unattributed"]["accesses"] == 12
            assert coverage["unattributed"]["body_missing"] == 12
            assert all(
                s["ledger"]["accesses"] == 0 for city in body["scorecards"] for s in city["systems"]
            )
            assert "cannot be attributed to a system" in client.get("/scorecards").text
            # A portal opened afterwards reads the same log from the start and agrees.
            fresh = LedgerFigures(
                portal.ledger.ledger.store, portal.ledger.keys.oversight_private_key
            )
            fresh.update()
            assert fresh.coverage(SYSTEMS)["unattributed"] == coverage["unattributed"]
    finally:
        app.state.portal.close()


def test_without_the_oversight_key_no_access_is_attributed(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=6)
    (demo.settings.keys_dir / "oversight.key").unlink()
    app = create_app(demo.settings)
    try:
        with closing(TestClient(app)) as client:
            body = client.get("/api/scorecards").json()
            assert body["ledger"]["bodies_opened"] is False
            assert all(s["ledger"] is None for c in body["scorecards"] for s in c["systems"])
            assert all(
                "ledger statistics" in s["not_reported"]
                for c in body["scorecards"]
                for s in c["systems"]
            )
            assert "The oversight key is not on this server" in client.get("/scorecards").text
    finally:
        app.state.portal.close()


def test_each_city_has_its_own_scorecard_page(client: TestClient) -> None:
    cities = [c["city"] for c in client.get("/api/scorecards").json()["scorecards"]]
    assert len(cities) >= 5
    index = client.get("/scorecards").text
    for city in cities:
        slug = city_slug(city)
        assert f'href="/scorecards/{slug}"' in index
        page = client.get(f"/scorecards/{slug}")
        assert page.status_code == 200
        assert f"<h1>{city}</h1>" in page.text
        assert page.text.count('class="scorecard"') == 1  # this city only
        others = [c for c in cities if c != city]
        assert not any(f'id="city-{c.lower()}"' in page.text for c in others)
    urdu = client.get(f"/ur/scorecards/{city_slug(cities[0])}")
    assert urdu.status_code == 200 and 'dir="rtl"' in urdu.text
    assert f'href="/ur/scorecards/{city_slug(cities[0])}"' not in urdu.text  # no self link
    assert 'href="/ur/scorecards"' in urdu.text
    missing = client.get("/scorecards/atlantis")
    assert missing.status_code == 404 and "atlantis" in missing.text


def test_city_slugs_keep_letters_of_any_script() -> None:
    assert city_slug("Lahore") == "lahore"
    assert city_slug("Dera Ismail Khan") == "dera-ismail-khan"
    assert city_slug("  D.I. Khan ") == "d-i-khan"
    assert city_slug("لاہور") == "لاہور"
    assert city_slug("—") == "unnamed"
