"""What the scorecards' figures read is kept in the portal database; rotation-aware counting.

* Late deletions stay attributed per system after the portal restarts, on SQLite and
  PostgreSQL: read -> sweep -> restart -> deletion attributed.
* After an oversight-key rotation to a key whose private half is not on the server,
  new records are counted as sealed to a key not held here, not as mismatches; bodies
  that really do not match their leaves stay findings.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nacl.public import PrivateKey

from mohtasib.ledger import parse_leaf, retention_sweep
from mohtasib.ledger._sealing import BodyOpener
from mohtasib.server import create_app
from mohtasib.server._demo import _synthetic_accesses, build_demo
from mohtasib.server._keys_admin import rotate_portal_oversight
from mohtasib.server._ledger_figures import LedgerFigures
from mohtasib.server._settings import ServerSettings
from tests.server.conftest import REGISTER
from tests.server.test_portal_postgres import pg_settings

PERIOD = dt.timedelta(days=30)  # every example card's technical.retention.period_days


def _records(app: FastAPI) -> list[tuple[int, str, dt.datetime]]:
    """(index, system, time) of every access, read with the oversight key."""
    portal = app.state.portal
    ledger, key = portal.ledger.ledger, portal.ledger.keys.oversight_private_key
    out = []
    for row in ledger.store.entries(0, ledger.size()):
        if parse_leaf(row.leaf_data).kind == "access" and row.body is not None:
            record = ledger.read_record(row.index, key)
            out.append((row.index, record.system, record.time))
    return out


def _late(client: TestClient) -> dict[str, int]:
    data = client.get("/api/scorecards").json()["scorecards"]
    return {
        s["system_id"]: s["ledger"]["retention"]["deleted_late"]
        for city in data
        for s in city["systems"]
    }


def _read_sweep_restart(settings: ServerSettings) -> None:
    """Read every body, sweep, restart the portal: the deletions stay attributed."""
    app = create_app(settings)
    try:
        records = _records(app)
        first = min(when for _, _, when in records)
        sweep_at = first + PERIOD + dt.timedelta(hours=40)
        swept = [(s, w) for _, s, w in records if w + PERIOD <= sweep_at]
        late = Counter(system for system, when in swept if sweep_at > when + PERIOD)
        assert 0 < len(swept) < len(records) and late.total() > 0
        with closing(TestClient(app)) as client:
            before = client.get("/api/scorecards").json()["ledger"]  # reads every body
        since = before["deletions"]["attributable_since"]
        done = retention_sweep(
            app.state.portal.ledger.ledger, now=sweep_at, periods={"standard": PERIOD}
        )
        assert len(done.bodies_deleted) == len(swept)
    finally:
        app.state.portal.close()

    # A fresh process: nothing in memory, the bodies of the swept records are gone.
    restarted = create_app(settings)
    try:
        with closing(TestClient(restarted)) as client:
            coverage = client.get("/api/scorecards").json()["ledger"]
            assert coverage["deletions"]["attributed"] == len(swept)
            assert coverage["deletions"]["unattributed"] == 0
            assert coverage["deletions"]["attributable_since"] == since
            assert coverage["unattributed"]["body_missing"] == len(swept)
            judged = _late(client)
            assert {k: v for k, v in judged.items() if v} == {k: v for k, v in late.items() if v}
            html = client.get("/scorecards").text
            assert f"Records deleted by retention: {len(swept)} attributed" in html
    finally:
        restarted.state.portal.close()


def test_deletions_stay_attributed_after_a_restart_sqlite(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=12)
    _read_sweep_restart(demo.settings)
    # The table holds the entry's index, its system and its time: no personal detail.
    with closing(sqlite3.connect(demo.settings.database_url)) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(portal_record_systems)")]
        rows = conn.execute("SELECT * FROM portal_record_systems").fetchall()
    assert columns == ["entry_index", "system_id", "record_time"]
    assert len(rows) == 12
    assert all(isinstance(i, int) and "SYN-" not in s + t for i, s, t in rows)


def test_deletions_stay_attributed_after_a_restart_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = pg_settings(postgres_url, tmp_path)
    app = create_app(settings)
    try:
        _synthetic_accesses(app.state.portal.ledger.ledger, 12, seed=2025)
    finally:
        app.state.portal.close()
    _read_sweep_restart(settings)


def test_a_record_read_by_no_portal_stays_unattributed(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=4)
    app = create_app(demo.settings)
    try:
        with closing(TestClient(app)) as client:
            client.get("/api/scorecards")  # reads the first four
        ledger = app.state.portal.ledger.ledger
        _synthetic_accesses(ledger, 3, seed=7)  # appended, never read by a portal
        retention_sweep(
            ledger, now=dt.datetime(2035, 1, 1, tzinfo=dt.UTC), periods={"standard": PERIOD}
        )
    finally:
        app.state.portal.close()
    restarted = create_app(demo.settings)
    try:
        deletions = restarted.state.portal.figures.coverage(set())["deletions"]
        assert (deletions["attributed"], deletions["unattributed"]) == (4, 3)
    finally:
        restarted.state.portal.close()


# Rotation-aware figures ---------------------------------------------------------------


@pytest.fixture
def rotated(tmp_path: Path) -> Iterator[FastAPI]:
    """6 accesses sealed to the first key, then a rotation to an offline key, then 4 more."""
    demo = build_demo(tmp_path / "portal", register_dir=REGISTER, accesses=6)
    app = create_app(demo.settings)
    portal = app.state.portal
    offline = PrivateKey.generate()  # the oversight body keeps this one; not on the server
    public = base64.b64encode(bytes(offline.public_key)).decode("ascii")
    rotate_portal_oversight(portal, "demo-admin", public)
    _synthetic_accesses(portal.ledger.ledger, 4, seed=11)
    yield app
    portal.close()


def _coverage(app: FastAPI) -> dict[str, Any]:
    with closing(TestClient(app)) as client:
        return dict(client.get("/api/scorecards").json()["ledger"])


def test_records_sealed_to_a_key_not_held_here_are_not_mismatches(rotated: FastAPI) -> None:
    coverage = _coverage(rotated)
    assert coverage["attributed"] == 6
    assert coverage["unattributed"]["accesses"] == 4
    assert coverage["unattributed"]["sealed_elsewhere"] == 4
    assert coverage["unattributed"]["body_mismatches"] == 0
    with closing(TestClient(rotated)) as client:
        html = client.get("/scorecards").text
        urdu = client.get("/ur/scorecards").text
    item = html.split('id="unattributed-elsewhere">', 1)[1].split("</li>", 1)[0]
    assert item.startswith("sealed to an oversight key not held by this server")
    assert item.endswith(": 4")
    assert "record body not matching its leaf (a finding): 0" in html
    assert "نگران ادارے کی ایسی کلید پر مہر شدہ جو اس سرور پر نہیں" in urdu


def _swap_bodies(database: str, a: int, b: int) -> None:
    with closing(sqlite3.connect(database)) as conn, conn:
        body_a = conn.execute("SELECT body FROM entries WHERE idx = ?", (a,)).fetchone()[0]
        body_b = conn.execute("SELECT body FROM entries WHERE idx = ?", (b,)).fetchone()[0]
        conn.execute("UPDATE entries SET body = ? WHERE idx = ?", (body_b, a))
        conn.execute("UPDATE entries SET body = ? WHERE idx = ?", (body_a, b))


def test_damaged_bodies_stay_findings_after_a_rotation(rotated: FastAPI) -> None:
    portal = rotated.state.portal
    # Entry 0 (sealed to the held key) gets entry 7's body (sealed to the offline key):
    # no key here opens it, but the history says its key is held: a finding. Entry 7
    # gets entry 0's body: it opens with the held key but does not match: a finding too.
    _swap_bodies(portal.settings.database_url, 0, 7)
    figures = LedgerFigures(portal.ledger.ledger.store, None)
    figures.opener = portal.opener
    figures.update()
    coverage = figures.coverage(set())
    assert coverage["unattributed"]["body_mismatches"] == 2
    assert coverage["unattributed"]["sealed_elsewhere"] == 3
    assert coverage["attributed"] == 5


def test_without_the_history_a_body_that_does_not_open_is_a_mismatch(rotated: FastAPI) -> None:
    portal = rotated.state.portal
    # A plain opener over the held key knows no rotation history: it cannot tell.
    figures = LedgerFigures(portal.ledger.ledger.store, None)
    figures.opener = BodyOpener(next(iter(portal.keyring.private_keys.values())))
    figures.update()
    assert figures.coverage(set())["unattributed"]["body_mismatches"] == 4
    assert figures.sealed_elsewhere == 0
