"""The signed-in pages in English and Urdu: every interface string in both, Urdu pages RTL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import mohtasib.ledger
import mohtasib.server
from mohtasib.ledger import ACTIONS
from mohtasib.server._auth import USER_ROLES
from mohtasib.server._i18n import _TEXT, RULES, rule_text, text
from mohtasib.server._settings import ROLES
from tests.server.conftest import PASSWORDS, csrf_of

TEMPLATES = Path(mohtasib.server.__file__).parent / "templates"
LEDGER = Path(mohtasib.ledger.__file__).parent
_LITERAL = re.compile(r"""\bt\(\s*(['"])([^'"]+)\1\s*\)""")
_PREFIX = re.compile(r"""\bt\(\s*(['"])([^'"]+)\1\s*~""")
_URDU = re.compile(r"[\u0600-\u06ff]")
_RTL = '<html lang="ur" dir="rtl">'


def _template_keys() -> dict[str, set[str]]:
    """Literal keys passed to ``t()`` in each template."""
    return {
        path.name: {m.group(2) for m in _LITERAL.finditer(path.read_text(encoding="utf-8"))}
        for path in sorted(TEMPLATES.glob("*.html"))
    }


def test_every_key_a_template_uses_exists_in_both_languages() -> None:
    missing = [
        f"{name}: {key!r} ({lang})"
        for name, keys in _template_keys().items()
        for key in sorted(keys)
        for lang in ("en", "ur")
        if not _TEXT.get(key, {}).get(lang)
    ]
    assert missing == []


def test_key_check_would_catch_a_missing_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(_TEXT["nav_request"], "ur")
    with pytest.raises(AssertionError, match="nav_request"):
        test_every_key_a_template_uses_exists_in_both_languages()


def test_every_string_is_in_both_languages_and_urdu_is_in_urdu_script() -> None:
    for key, entry in _TEXT.items():
        assert entry.get("en") and entry.get("ur"), key
        if key != "language":  # the switch link names the other language
            assert _URDU.search(entry["ur"]), key
        fields = set(re.findall(r"\{(\w+)\}", entry["en"]))
        assert fields == set(re.findall(r"\{(\w+)\}", entry["ur"])), key  # same placeholders


def test_computed_keys_cover_their_values() -> None:
    prefixes = {
        m.group(2)
        for path in TEMPLATES.glob("*.html")
        for m in _PREFIX.finditer(path.read_text(encoding="utf-8"))
    }
    assert {"role_", "http_"} <= prefixes
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in _TEXT), prefix
    for role in (*USER_ROLES, *ROLES):
        assert text(f"role_{role}", "ur") != text(f"role_{role}", "en")
    for action in ACTIONS:
        assert _URDU.search(text(f"action_{action}", "ur")), action


def _ledger_rules() -> set[str]:
    """Every rule id the ledger can deny with, read from its source."""
    found: set[str] = set()
    for path in LEDGER.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_deny\(\s*"(\w+)"', source))
        found |= set(re.findall(r'Decision\(\s*False,\s*"(\w+)"', source))
    return found


def test_every_policy_rule_has_an_explanation_in_both_languages() -> None:
    rules = _ledger_rules()
    assert {"authority_missing", "two_person_rule", "unknown_system"} <= rules
    assert rules <= set(RULES), rules - set(RULES)
    for rule in rules:
        assert _URDU.search(rule_text(rule, "ur")) and rule_text(rule, "en"), rule
    assert rule_text(None, "ur") == ""
    assert _URDU.search(rule_text("a_rule_added_later", "ur"))  # never a blank explanation


def _sign_in_urdu(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    page = client.get("/ur/login")
    assert _RTL in page.text and "صارف نام" in page.text
    assert 'action="/ur/login"' in page.text
    response = client.post(
        "/ur/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": username,
            "password": PASSWORDS[username],
            "next": "/register",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/ur/register"  # stays in Urdu
    return client


@pytest.fixture
def urdu(app: FastAPI) -> Iterator[dict[str, TestClient]]:
    clients = {name: _sign_in_urdu(app, name) for name in PASSWORDS}
    yield clients
    for client in clients.values():
        client.close()


def _visible(html: str) -> str:
    """The page's text, without tags, scripts or attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    ("user", "path", "urdu_text", "english_text"),
    [
        ("DEMO-OFFICER-01", "/requests/new", "رسائی کی درخواست", "Submit"),
        ("DEMO-OFFICER-01", "/requests/new", "ایف آئی آر نمبر", "FIR number"),
        ("demo-auditor", "/auditor/reports", "ابھی شائع کریں", "Publish now"),
        ("demo-auditor", "/auditor/entries", "درخواست دہندہ", "Requester"),
        ("demo-admin", "/admin/users", "نیا صارف شامل کریں", "Add a user"),
        ("demo-admin", "/admin/users", "منتظم", "Disable"),
        ("demo-admin", "/admin/tokens", "ٹوکن جاری کریں", "Issue a token"),
        ("demo-admin", "/admin/tokens", "منتظمین کے لاگ کی تصدیقی کلید", "verifier key"),
    ],
)
def test_signed_in_pages_render_rtl_in_urdu(
    urdu: dict[str, TestClient], user: str, path: str, urdu_text: str, english_text: str
) -> None:
    for url in (f"/ur{path}", f"{path}?lang=ur"):
        page = urdu[user].get(url)
        assert page.status_code == 200, url
        assert _RTL in page.text
        assert urdu_text in page.text
        assert english_text not in _visible(page.text)
        assert "This portal publishes" not in page.text  # the footer too
        assert 'href="/ur/' in page.text  # navigation stays in Urdu


def test_english_pages_keep_their_text(urdu: dict[str, TestClient]) -> None:
    page = urdu["DEMO-OFFICER-01"].get("/requests/new")
    assert '<html lang="en" dir="ltr">' in page.text
    assert "FIR number" in page.text and "ایف آئی آر" not in page.text


def _request(client: TestClient, prefix: str, **fields: str) -> Any:
    form = client.get(f"{prefix}/requests/new")
    data = {
        "csrf_token": csrf_of(form.text),
        "system": "islamabad-safe-city-anpr",
        "action": "plate_search",
        "purpose": "investigation",
        "target_value": "SYN-I18N-1",
        **fields,
    }
    return client.post(f"{prefix}/requests/new", data=data)


def test_denied_request_explained_in_urdu_with_rule_id(urdu: dict[str, TestClient]) -> None:
    response = _request(urdu["DEMO-OFFICER-01"], "/ur")
    assert response.status_code == 201
    page = response.text
    assert _RTL in page
    decision = page.split('id="decision"', 1)[1].split("</div>", 1)[0]
    assert "مسترد" in decision
    assert '<code class="rule">authority_missing</code>' in decision
    assert rule_text("authority_missing", "ur") in decision
    assert '<span class="reason" lang="en" dir="ltr">plate_search needs one of' in decision
    english = _request(urdu["DEMO-OFFICER-01"], "").text
    assert rule_text("authority_missing", "en") in english
    assert "Denied" in english and "مسترد" not in english


def test_allowed_request_in_urdu(urdu: dict[str, TestClient]) -> None:
    fir = {"fir_number": "SYN-9/2025", "police_station": "Demo Station", "district": "Demo"}
    page = _request(urdu["DEMO-OFFICER-01"], "/ur", **fir).text
    decision = page.split('id="decision"', 1)[1].split("</div>", 1)[0]
    assert "منظور" in decision and 'class="rule"' not in decision


def test_invalid_request_shows_urdu_lead_and_the_field_in_english(
    urdu: dict[str, TestClient],
) -> None:
    response = _request(urdu["DEMO-OFFICER-01"], "/ur", target_value="")
    assert response.status_code == 422
    page = response.text
    assert text("form_invalid", "ur") in page
    assert re.search(r'<span class="detail" lang="en" dir="ltr">[^<]*target_value', page)


def test_wrong_password_and_refusals_in_urdu(app: FastAPI) -> None:
    with closing(TestClient(app, base_url="https://testserver")) as client:
        page = client.get("/login?lang=ur")
        assert 'action="/ur/login"' in page.text
        data = {"csrf_token": csrf_of(page.text), "username": "SYN-NOBODY", "password": "x" * 14}
        wrong = client.post("/ur/login", data=data)
        assert wrong.status_code == 401
        assert _RTL in wrong.text and "صارف نام یا پاس ورڈ غلط ہے۔" in wrong.text
        # the sign-in form's CSRF cookie is scoped to where the form posts
        cookie = wrong.headers["set-cookie"]
        assert "mohtasib_login_csrf=" in cookie and "Path=/ur/login" in cookie


def test_error_page_in_urdu(urdu: dict[str, TestClient]) -> None:
    refused = urdu["DEMO-OFFICER-01"].get("/ur/admin/users")
    assert refused.status_code == 403
    assert _RTL in refused.text
    assert text("http_403", "ur") in refused.text
    assert '<span class="detail" lang="en" dir="ltr">this page is for the role' in refused.text
    missing = urdu["DEMO-OFFICER-01"].get("/ur/register/no-such-system")
    assert missing.status_code == 404 and text("http_404", "ur") in missing.text


def test_admin_messages_in_urdu(urdu: dict[str, TestClient]) -> None:
    admin = urdu["demo-admin"]
    form = admin.get("/ur/admin/users")
    data = {"csrf_token": csrf_of(form.text), "username": "demo-admin", "active": "0"}
    page = admin.post("/ur/admin/users/active", data=data)
    assert page.status_code == 422 and text("not_yourself", "ur") in page.text
    tokens = admin.get("/ur/admin/tokens")
    bad = admin.post(
        "/ur/admin/tokens",
        data={"csrf_token": csrf_of(tokens.text), "role": "system", "subject": ""},
    )
    assert bad.status_code == 422 and text("bad_subject", "ur") in bad.text
