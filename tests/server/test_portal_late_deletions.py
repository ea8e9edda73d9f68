"""Late deletions per system on the scorecards: attributed through bodies read before deletion."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.ledger import parse_leaf, retention_sweep
from mohtasib.server import create_app
from mohtasib.server._demo import build_demo
from mohtasib.server._ledger_figures import LedgerFigures
from tests.server.conftest import REGISTER

PERIOD = dt.timedelta(days=30)  # every example card's technical.retention.period_days


@pytest.fixture
def portal_app(tmp_path: Path) -> Iterator[FastAPI]:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=12)
    app = create_app(demo.settings)
    yield app
    app.state.portal.close()


def _records(app: FastAPI) -> list[tuple[int, str, dt.datetime]]:
    """(index, system, time) of every access, read with the oversight key before any sweep."""
    portal = app.state.portal
    ledger, key = portal.ledger.ledger, portal.ledger.keys.oversight_private_key
    out = []
    for row in ledger.store.entries(0, ledger.size()):
        if parse_leaf(row.leaf_data).kind == "access":
            record = ledger.read_record(row.index, key)
            out.append((row.index, record.system, record.time))
    return out


def _systems(client: TestClient) -> dict[str, dict[str, Any]]:
    data = client.get("/api/scorecards").json()["scorecards"]
    return {s["system_id"]: s["ledger"] for city in data for s in city["systems"]}


def test_late_deletions_are_counted_per_system(portal_app: FastAPI) -> None:
    records = _records(portal_app)
    first = min(when for _, _, when in records)
    sweep_at = first + PERIOD + dt.timedelta(hours=40)  # 40 h after the oldest record's period
    swept = [(system, when) for _, system, when in records if when + PERIOD <= sweep_at]
    late = Counter(system for system, when in swept if sweep_at > when + PERIOD)
    assert 0 < len(swept) < len(records) and late.total() > 0
    with closing(TestClient(portal_app)) as client:
        client.get("/api/scorecards")  # the portal reads every body before the sweep
        done = retention_sweep(portal_app.state.portal.ledger.ledger, now=sweep_at, periods={})
        assert done.tombstoned == ()  # no class period given: nothing swept
        done = retention_sweep(
            portal_app.state.portal.ledger.ledger, now=sweep_at, periods={"standard": PERIOD}
        )
        assert len(done.bodies_deleted) == len(swept)
        systems = _systems(client)
        for system, ledger in systems.items():
            retention = ledger["retention"]
            assert retention["deleted_late"] == late[system], system
            if late[system]:
                assert retention["compliant"] is False
        body = client.get("/api/scorecards").json()["ledger"]
        assert body["deletions"]["attributed"] == len(swept)
        assert body["deletions"]["unattributed"] == 0
        html = client.get("/scorecards").text
        some = next(system for system in late if late[system])
        row = html.split(f'id="system-{some}"', 1)[1].split("</tr>", 1)[0]
        assert f'<span class="late">{late[some]} deleted late</span>' in row
        assert f"Records deleted by retention: {len(swept)} attributed" in html
        assert "تاخیر سے حذف" in client.get("/ur/scorecards").text


def test_delays_are_measured_from_the_committed_times(portal_app: FastAPI) -> None:
    records = _records(portal_app)
    system, when = next((s, w) for _, s, w in records)  # the oldest access
    figures = portal_app.state.portal.figures
    sweep_at = when + dt.timedelta(days=5)  # long before its 30-day period ends
    retention_sweep(
        portal_app.state.portal.ledger.ledger,
        now=sweep_at,
        periods={"standard": dt.timedelta(days=1)},
    )
    figures.update()
    judged = figures.retention({system: 30.0})[system]
    assert judged["tombstoned"] >= 1
    assert judged["deleted_late"] == 0  # deleted early, not late
    assert judged["max_delay_days"] == pytest.approx(-25.0, abs=1.0)
    assert judged["deletion_time_unknown"] == 0


def test_a_server_started_after_the_sweep_cannot_attribute_it(portal_app: FastAPI) -> None:
    portal = portal_app.state.portal
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    retention_sweep(portal.ledger.ledger, now=now, periods={"standard": dt.timedelta(days=1)})
    with closing(TestClient(portal_app)) as client:
        live = client.get("/api/scorecards").json()
        assert live["ledger"]["deletions"]["attributed"] == 12  # read before: attributed
        assert sum(s["retention"]["deleted_late"] for s in _systems(client).values()) == 12
    fresh = LedgerFigures(portal.ledger.ledger.store, portal.ledger.keys.oversight_private_key)
    fresh.update()
    systems = set(_system_ids(live))
    coverage = fresh.coverage(systems)
    assert coverage["deletions"]["attributed"] == 0
    assert coverage["deletions"]["unattributed"] == 12  # the bodies were gone: said, not guessed
    judged = fresh.statistics(systems, dict.fromkeys(systems, 30.0))
    assert all(stats["retention"]["deleted_late"] == 0 for stats in judged.values())


def _system_ids(scorecards: dict[str, Any]) -> list[str]:
    return [s["system_id"] for city in scorecards["scorecards"] for s in city["systems"]]


def test_without_the_oversight_key_deletions_are_counted_unattributed(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=4)
    (demo.settings.keys_dir / "oversight.key").unlink()
    app = create_app(demo.settings)
    try:
        now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        periods = {"standard": dt.timedelta(days=1)}
        retention_sweep(app.state.portal.ledger.ledger, now=now, periods=periods)
        with closing(TestClient(app)) as client:
            coverage = client.get("/api/scorecards").json()["ledger"]
            assert coverage["deletions"] == {
                "attributed": 0,
                "unattributed": 4,
                "attributable_since": coverage["deletions"]["attributable_since"],
            }
    finally:
        app.state.portal.close()
