"""``mohtasib serve``: --demo loads the example register, a report and a SYNTHETIC ledger."""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.cli._serve import serve_command
from mohtasib.errors import InputError
from mohtasib.ledger import create_keys
from tests.server.conftest import REPORT_HTML


def test_serve_demo_serves_register_report_and_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "report.html").write_bytes(REPORT_HTML)
    seen: dict[str, Any] = {}

    def fake_run(app: FastAPI, **kwargs: Any) -> None:
        seen.update(kwargs)
        with closing(TestClient(app)) as client:
            seen["register"] = client.get("/register").text
            seen["reports"] = client.get("/reports").text
            seen["ledger"] = client.get("/api/ledger/entries").json()["size"]
            seen["secure"] = app.state.portal.settings.cookie_secure

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    result = CliRunner().invoke(
        serve_command, ["--demo", "--port", "8123", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1"
    assert seen["access_log"] is False  # uvicorn's access log would record client addresses
    assert seen["register"].count("Illustrative example") >= 5
    assert "/reports/" in seen["reports"]
    assert seen["ledger"] == 60
    assert seen["secure"] is False  # plain HTTP on loopback only
    assert re.search(r"demo account DEMO-OFFICER-01: \S{12,}", result.output)


def test_serve_add_user_then_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    create_keys(tmp_path / "keys", origin="test.mohtasib.invalid/SYNTHETIC")
    env = {
        "MOHTASIB_DATABASE_URL": str(tmp_path / "portal.db"),
        "MOHTASIB_LEDGER_KEYS": str(tmp_path / "keys"),
        "MOHTASIB_NEW_PASSWORD": "a-long-SYNTHETIC-password",
    }
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not serve"))
    result = CliRunner(env=env).invoke(serve_command, ["--add-user", "SYN-ADMIN-1:admin"])
    assert result.exit_code == 0, result.output
    assert "Added admin SYN-ADMIN-1." in result.output
    bad = CliRunner(env=env).invoke(serve_command, ["--add-user", "SYN-ADMIN-2:superuser"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, InputError)  # the main group prints it without a traceback
    assert "column 'role'" in str(bad.exception)
