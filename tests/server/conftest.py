"""Portal fixtures: a demo portal (illustrative register, SYNTHETIC ledger), signed-in clients."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
pytest.importorskip("argon2", reason="the server extra is not installed")
pytest.importorskip("httpx", reason="the portal tests need httpx")

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.server import ApiToken, create_app
from mohtasib.server._demo import build_demo, load_demo_content
from tests.conftest import REPO
from tests.ledger.conftest import postgres_server, postgres_url  # noqa: F401  (fixtures)

REGISTER = REPO / "examples" / "register"
PASSWORDS = {
    "demo-admin": "admin-password-SYNTHETIC",
    "demo-auditor": "auditor-password-SYNTHETIC",
    "DEMO-OFFICER-01": "officer-password-SYNTHETIC",
}
REPORT_HTML = b"<!doctype html>\n<html lang=en><body><h1>Audit report (test)</h1></body></html>\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def make_app(directory: Path, tokens: tuple[ApiToken, ...] = ()) -> FastAPI:
    """A demo portal in ``directory`` (30 SYNTHETIC accesses, the test report published)."""
    demo = build_demo(directory / "portal", register_dir=REGISTER, passwords=PASSWORDS, accesses=30)
    report = directory / "report.html"
    report.write_bytes(REPORT_HTML)
    app = create_app(dataclasses.replace(demo.settings, cookie_secure=True, tokens=tokens))
    load_demo_content(app.state.portal, demo, report)
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """One portal per test module (Argon2 hashing makes a portal slow to set up)."""
    built = make_app(tmp_path_factory.mktemp("portal"))
    yield built
    built.state.portal.close()


@pytest.fixture
def fresh_app(tmp_path: Path) -> Iterator[FastAPI]:
    """A portal of the test's own (rate limits, users and reports start empty)."""
    built = make_app(tmp_path)
    yield built
    built.state.portal.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # https: the session cookie is Secure, so a client on plain http would never send it.
    # No ``with``: that would run the lifespan, whose end closes the module's portal.
    with closing(TestClient(app, base_url="https://testserver")) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str | None = None) -> None:
    """Sign ``client`` in through the form (CSRF double-submit cookie included)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": username,
            "password": PASSWORDS[username] if password is None else password,
            "next": "/register",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/register"


@pytest.fixture
def signed_in(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        test_client = TestClient(app, base_url="https://testserver")
        clients.append(test_client)
        sign_in(test_client, username)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()
