"""A schemathesis run against the portal's OpenAPI spec (in-process ASGI) finds no 5xx."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("schemathesis", reason="the fuzz test needs schemathesis")

import schemathesis
from hypothesis import HealthCheck, settings

from mohtasib.server import ApiToken, hash_token
from tests.server.conftest import make_app

_DIR = Path(tempfile.mkdtemp(prefix="mohtasib-fuzz-"))
_TOKEN = "fuzz-officer-token-SYNTHETIC"
# the spec is read when the module is collected; the token lets the fuzzer reach the appends
_app = make_app(_DIR, (ApiToken(hash_token(_TOKEN), "officer", "DEMO-OFFICER-01"),))
schema = schemathesis.openapi.from_asgi("/openapi.json", _app)


@pytest.fixture(scope="module", autouse=True)
def _close_portal() -> Iterator[None]:
    yield
    _app.state.portal.close()
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any) -> None:  # a schemathesis Case
    response = case.call(headers={"Authorization": f"Bearer {_TOKEN}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
