"""Signed-in work: roles on every route, CSRF, sessions, rate limits, officers, auditors, admins."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from mohtasib.ledger import InclusionBundle, NoteVerifier, open_checkpoint, verify_bundle
from tests.server.conftest import PASSWORDS, csrf_of, sign_in

PUBLIC = {
    ("GET", "/"),
    ("GET", "/register"),
    ("GET", "/register/{system_id}"),
    ("GET", "/scorecards"),
    ("GET", "/scorecards/{slug}"),
    ("GET", "/reports"),
    ("GET", "/reports/{sha256}"),
    ("GET", "/ledger"),
    ("GET", "/login"),
    ("POST", "/login"),
}
# (method, path, the only role allowed); /logout takes any signed-in user.
PROTECTED = [
    ("GET", "/requests/new", "officer"),
    ("POST", "/requests/new", "officer"),
    ("GET", "/auditor/reports", "auditor"),
    ("POST", "/auditor/reports", "auditor"),
    ("POST", "/auditor/reports/{sha256}/publish", "auditor"),
    ("GET", "/auditor/entries", "auditor"),
    ("GET", "/admin/users", "admin"),
    ("POST", "/admin/users", "admin"),
    ("POST", "/admin/users/active", "admin"),
    ("GET", "/admin/tokens", "admin"),
    ("POST", "/admin/tokens", "admin"),
    ("POST", "/admin/tokens/revoke", "admin"),
]
USERS = {"admin": "demo-admin", "auditor": "demo-auditor", "officer": "DEMO-OFFICER-01"}
SHA = "0" * 64


def _concrete(path: str) -> str:
    return path.replace("{sha256}", SHA)


def test_every_html_route_is_classified(app: FastAPI) -> None:
    """A new page must be added to PUBLIC or PROTECTED (and so get its access test)."""
    found = {
        (method, route.path)
        for route in app.state.page_routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    classified = PUBLIC | {(m, p) for m, p, _ in PROTECTED} | {("POST", "/logout")}
    assert found == classified


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED)
def test_unauthenticated_gets_no_data(
    client: TestClient, method: str, path: str, role: str
) -> None:
    response = client.request(method, _concrete(path), follow_redirects=False)
    if method == "GET":  # an HTML page: 303 to the sign-in form, with no data
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={_concrete(path)}"
        assert response.content in (b"", b'{"detail":"sign in first"}')
    else:
        assert response.status_code == 401
        assert "sign in first" in response.text
        assert "<table" not in response.text and "<form method" not in response.text


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED)
def test_other_roles_are_forbidden(
    signed_in: Callable[[str], TestClient], method: str, path: str, role: str
) -> None:
    for other, username in USERS.items():
        if other == role:
            continue
        response = signed_in(username).request(method, _concrete(path), follow_redirects=False)
        assert response.status_code == 403, (other, path)
        assert "<table" not in response.text


def test_logout_needs_a_session_and_csrf(signed_in: Callable[[str], TestClient]) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    assert officer.post("/logout", data={}).status_code == 403  # no CSRF token
    page = officer.get("/requests/new")
    done = officer.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert officer.get("/requests/new", follow_redirects=False).status_code == 303


def test_session_cookie_flags(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "demo-auditor",
            "password": PASSWORDS["demo-auditor"],
        },
        follow_redirects=False,
    )
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("mohtasib_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict"} <= flags


def test_login_needs_the_double_submit_csrf_token(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={
            "csrf_token": "forged",
            "username": "demo-admin",
            "password": PASSWORDS["demo-admin"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "mohtasib_session" not in response.headers.get("set-cookie", "")


def test_post_without_csrf_token_is_refused(signed_in: Callable[[str], TestClient]) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    response = officer.post("/requests/new", data={"system": "x", "target_value": "SYN-1"})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_login_is_rate_limited(fresh_app: FastAPI) -> None:
    with closing(TestClient(fresh_app, base_url="https://testserver")) as client:
        for _ in range(5):
            page = client.get("/login")
            wrong = {
                "csrf_token": csrf_of(page.text),
                "username": "demo-admin",
                "password": "x" * 14,
            }
            assert client.post("/login", data=wrong).status_code == 401
        page = client.get("/login")
        right = {
            "csrf_token": csrf_of(page.text),
            "username": "demo-admin",
            "password": PASSWORDS["demo-admin"],
        }
        refused = client.post("/login", data=right, follow_redirects=False)
        assert refused.status_code == 429
        assert "mohtasib_session" not in refused.headers.get("set-cookie", "")


def test_passwords_are_stored_as_argon2id_hashes(app: FastAPI) -> None:
    for user in app.state.portal.db.users():
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORDS[user.username] not in user.password_hash


def _submit(officer: TestClient, **fields: str) -> tuple[int, str]:
    page = officer.get("/requests/new")
    data = {
        "csrf_token": csrf_of(page.text),
        "system": "islamabad-safe-city-anpr",
        "action": "plate_search",
        "purpose": "investigation",
        "target_value": "SYN-PLATE-4411",
        **fields,
    }
    response = officer.post("/requests/new", data=data)
    return response.status_code, response.text


def test_officer_request_denied_for_missing_fir_then_accepted(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    ledger = app.state.portal.ledger.ledger
    before = ledger.size()
    status, html = _submit(officer)
    assert status == 201
    assert 'class="decision denied"' in html
    assert '<code class="rule">authority_missing</code>' in html
    assert "plate_search needs one of" in html
    fir = {"fir_number": "SYN-12/2025", "police_station": "Demo Station", "district": "Demo"}
    status, html = _submit(officer, **fir)
    assert status == 201
    assert 'class="decision allowed"' in html
    assert ledger.size() == before + 2
    record = ledger.read_record(before, app.state.portal.ledger.keys.oversight_private_key)
    assert record.requester == "DEMO-OFFICER-01"  # from the session, not the form
    assert record.target == ledger.pseudonymise("SYN-PLATE-4411")


def test_officer_request_with_bad_input_is_422_and_not_logged(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    before = app.state.portal.ledger.ledger.size()
    status, html = _submit(officer, action="teleport")
    assert status == 422
    assert "action" in html
    assert app.state.portal.ledger.ledger.size() == before


def test_raw_target_never_reaches_the_database(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    _submit(officer, target_value="SYN-UNIQUE-PLATE-9931")
    database = Path(app.state.portal.settings.database_url)
    for path in database.parent.glob("*.db*"):
        assert b"SYN-UNIQUE-PLATE-9931" not in path.read_bytes()


def test_server_log_holds_no_personal_data(
    app: FastAPI, signed_in: Callable[[str], TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="mohtasib.server"):
        officer = signed_in("DEMO-OFFICER-01")
        _submit(officer, target_value="SYN-LOGGED-PLATE-77")
        officer.get("/register?city=Lahore")
    lines = [r.getMessage() for r in caplog.records if r.name == "mohtasib.server"]
    assert any(line.startswith("POST /requests/new 201") for line in lines)
    text = "\n".join(lines)
    for secret in ("DEMO-OFFICER-01", "SYN-LOGGED-PLATE-77", "testclient", "city=Lahore"):
        assert secret not in text


def _upload(auditor: TestClient, body: bytes, **fields: str) -> tuple[int, str]:
    page = auditor.get("/auditor/reports")
    data = {"csrf_token": csrf_of(page.text), "title": "SYNTHETIC test report", **fields}
    files = {"report": ("report.html", body, "text/html")}
    response = auditor.post("/auditor/reports", data=data, files=files)
    return response.status_code, response.text


def test_auditor_uploads_checks_hash_and_publishes(
    fresh_app: FastAPI,
) -> None:
    portal = fresh_app.state.portal
    body = b"<!DOCTYPE html><html><body>another SYNTHETIC report</body></html>"
    digest = hashlib.sha256(body).hexdigest()
    with closing(TestClient(fresh_app, base_url="https://testserver")) as auditor:
        sign_in(auditor, "demo-auditor")
        status, html = _upload(auditor, body, expected_sha256="ab" * 32)
        assert status == 422 and "expected hash" in html
        assert portal.db.report(digest) is None  # nothing half-written
        status, _ = _upload(auditor, b"%PDF-1.7 not html")
        assert status == 422
        status, html = _upload(auditor, body, expected_sha256=digest)
        assert status == 201 and "not yet published" in html
        assert auditor.get(f"/reports/{digest}").status_code == 404
        admin_size = portal.admin_log.store.size()
        page = auditor.get("/auditor/reports")
        published = auditor.post(
            f"/auditor/reports/{digest}/publish", data={"csrf_token": csrf_of(page.text)}
        )
        assert published.status_code == 200
        assert auditor.get(f"/reports/{digest}").content == body
        assert portal.admin_log.store.size() == admin_size + 1


def test_oversized_report_is_413(fresh_app: FastAPI) -> None:
    portal = fresh_app.state.portal
    object.__setattr__(portal.settings, "max_report_bytes", 1000)
    body = b"<!doctype html><html>" + b"x" * 2000 + b"</html>"
    with closing(TestClient(fresh_app, base_url="https://testserver")) as auditor:
        sign_in(auditor, "demo-auditor")
        status, html = _upload(auditor, body)
    assert status == 413
    assert "at most 1000" in html
    assert portal.db.report(hashlib.sha256(body).hexdigest()) is None


def test_auditor_reads_decrypted_entries(
    app: FastAPI, signed_in: Callable[[str], TestClient]
) -> None:
    auditor = signed_in("demo-auditor")
    logged = app.state.portal.admin_log.store.size()
    page = auditor.get("/auditor/entries")
    assert page.status_code == 200
    assert app.state.portal.admin_log.store.size() == logged + 1  # the reading is logged
    assert re.search(r"DEMO-OFFICER-\d\d", page.text)
    assert "denied (authority_missing)" in page.text or "denied (purpose_not_allowed)" in page.text


def test_admin_manages_users_and_every_change_is_logged(fresh_app: FastAPI) -> None:
    portal = fresh_app.state.portal
    with closing(TestClient(fresh_app, base_url="https://testserver")) as admin:
        sign_in(admin, "demo-admin")
        before = portal.admin_log.store.size()
        page = admin.get("/admin/users")
        weak = {"csrf_token": csrf_of(page.text), "username": "SYN-AUD-2", "role": "auditor"}
        assert admin.post("/admin/users", data={**weak, "password": "short"}).status_code == 422
        created = admin.post("/admin/users", data={**weak, "password": "long-enough-pass-1"})
        assert created.status_code == 201
        assert portal.db.user("SYN-AUD-2").role == "auditor"
        page = admin.get("/admin/users")
        off = {"csrf_token": csrf_of(page.text), "username": "SYN-AUD-2", "active": "0"}
        assert admin.post("/admin/users/active", data=off).status_code == 200
        assert portal.admin_log.store.size() == before + 2
        note = admin.get("/api/admin-log/checkpoint").text
        vkey = portal.admin_log.verifier_key
    checkpoint = open_checkpoint(note, NoteVerifier.from_vkey(vkey))
    assert checkpoint.size == before + 2
    bundle = InclusionBundle.from_store(portal.admin_log.store, before, checkpoint.size)
    verify_bundle(bundle, [checkpoint])
    leaf = portal.admin_log.store.entry(before).leaf_data
    assert leaf.startswith(b"mohtasib-admin-v1\n") and b"user_create" in leaf
    assert b"SYN-AUD-2" not in leaf and b"demo-admin" not in leaf  # pseudonymised
    with closing(TestClient(fresh_app, base_url="https://testserver")) as disabled:
        page = disabled.get("/login")
        data = {
            "csrf_token": csrf_of(page.text),
            "username": "SYN-AUD-2",
            "password": "long-enough-pass-1",
        }
        assert disabled.post("/login", data=data).status_code == 401


def test_admin_issues_and_revokes_an_api_token(fresh_app: FastAPI) -> None:
    portal = fresh_app.state.portal
    record = {
        "role": "investigating_officer",
        "time": "2025-01-05T10:00:00+05:00",
        "system": "islamabad-safe-city-anpr",
        "action": "plate_search",
        "target_value": "SYN-TOKEN-1",
        "legal_authority": None,
        "purpose": "investigation",
        "approver": None,
        "outcome": "no_match",
        "retention_class": "standard",
    }
    with closing(TestClient(fresh_app, base_url="https://testserver")) as admin:
        sign_in(admin, "demo-admin")
        page = admin.get("/admin/tokens")
        data = {"csrf_token": csrf_of(page.text), "role": "officer", "subject": "DEMO-OFFICER-09"}
        issued = admin.post("/admin/tokens", data=data)
        assert issued.status_code == 201
        found = re.search(r'<code id="issued-token">([^<]+)</code>', issued.text)
        assert found is not None
        token = found.group(1)
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert [t[0] for t in portal.db.tokens()] == [digest]  # only the hash is stored
        headers = {"Authorization": f"Bearer {token}"}
        receipt = admin.post("/api/ledger/entries", json=record, headers=headers)
        assert receipt.status_code == 201
        assert receipt.json()["rule"] == "authority_missing"
        assert (
            portal.ledger.ledger.read_record(
                receipt.json()["index"], portal.ledger.keys.oversight_private_key
            ).requester
            == "DEMO-OFFICER-09"
        )  # bound to the token's subject
        page = admin.get("/admin/tokens")
        revoke = {"csrf_token": csrf_of(page.text), "sha256": digest}
        assert admin.post("/admin/tokens/revoke", data=revoke).status_code == 200
        assert admin.post("/api/ledger/entries", json=record, headers=headers).status_code == 401
    leaves = [
        portal.admin_log.store.entry(i).leaf_data for i in range(portal.admin_log.store.size())
    ]
    assert any(b"token_create" in leaf for leaf in leaves)
    assert any(b"token_revoke" in leaf for leaf in leaves)
