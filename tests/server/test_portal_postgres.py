"""The portal on PostgreSQL (MOHTASIB_DATABASE_URL=postgresql://…): the same pages and rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.ledger import NoteVerifier, create_keys, open_checkpoint
from mohtasib.server import create_app, load_settings
from mohtasib.server._demo import DEMO_POLICIES
from mohtasib.server._pages import store_report
from mohtasib.server._settings import ServerSettings
from tests.server.conftest import PASSWORDS, REGISTER, REPORT_HTML, csrf_of, sign_in


def pg_settings(postgres_url: str, tmp_path: Path) -> ServerSettings:
    """Settings of a portal on PostgreSQL: fresh keys, the demo policies and register."""
    create_keys(tmp_path / "keys", origin="test.mohtasib.invalid/portal-SYNTHETIC")
    policies = []
    for system, body in DEMO_POLICIES.items():
        path = tmp_path / f"{system}.yaml"
        path.write_text(yaml.safe_dump({"system": system, **body}), encoding="utf-8")
        policies.append(path)
    settings = load_settings(
        environ={
            "MOHTASIB_DATABASE_URL": postgres_url,
            "MOHTASIB_LEDGER_KEYS": str(tmp_path / "keys"),
            "MOHTASIB_REGISTER_DIR": str(REGISTER),
        },
        policies=policies,
    )
    return settings


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    settings = pg_settings(postgres_url, tmp_path)
    app = create_app(settings)
    portal = app.state.portal
    portal.accounts.create_user("DEMO-OFFICER-01", "officer", PASSWORDS["DEMO-OFFICER-01"])
    store_report(portal, REPORT_HTML, title="SYNTHETIC", uploaded_by="demo-auditor", publish=True)
    yield app
    portal.close()


def test_portal_on_postgresql(pg_app: FastAPI, postgres_url: str) -> None:
    portal = pg_app.state.portal
    assert portal.db.url.startswith("postgresql://")
    with closing(TestClient(pg_app, base_url="https://testserver")) as client:
        assert "Quetta" in client.get("/register").text
        digest = hashlib.sha256(REPORT_HTML).hexdigest()
        assert client.get(f"/reports/{digest}").content == REPORT_HTML
        assert client.get("/requests/new", follow_redirects=False).status_code == 303
        sign_in(client, "DEMO-OFFICER-01")
        page = client.get("/requests/new")
        data = {
            "csrf_token": csrf_of(page.text),
            "system": "quetta-safe-city-cameras",
            "action": "camera_footage_view",
            "purpose": "investigation",
            "target_value": "SYN-CAM-1",
        }
        denied = client.post("/requests/new", data=data)
        assert '<code class="rule">authority_missing</code>' in denied.text
        note = client.get("/api/ledger/checkpoint").text
    checkpoint = open_checkpoint(note, NoteVerifier.from_vkey(portal.ledger.keys.verifier_key))
    assert checkpoint.size == 1
    # the report publication went to the administrators' log, in a schema of its own
    assert portal.admin_log.store.size() == 1
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'portal_%' OR table_schema LIKE '%_admin_log'"
        ).fetchall()
    schemas = {schema for schema, _ in tables}
    assert any(s.endswith("_admin_log") for s in schemas)
    assert {"portal_users", "portal_sessions", "portal_reports"} <= {t for _, t in tables}
