"""The language switch after a POST, the tokens page's pointer to the key page, wide tables."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.server.conftest import csrf_of

_SWITCH = re.compile(r'<a id="lang-switch" lang="[a-z]+" href="([^"]*)"')


def _switch(page: str) -> str:
    found = _SWITCH.search(page)
    assert found is not None, "no language switch on the page"
    return html.unescape(found.group(1))


def test_switch_after_a_post_leads_to_a_page_a_get_opens(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin = signed_in("demo-admin")
    csrf = csrf_of(admin.get("/admin/tokens").text)
    cases = [
        # (POST path, its form, where the switch must lead in Urdu)
        ("/admin/tokens/revoke", {"sha256": "0" * 64}, "/ur/admin/tokens"),
        ("/admin/users/active", {"username": "nobody-here", "active": "0"}, "/ur/admin/users"),
        ("/admin/users", {"username": "x", "role": "officer", "password": "s"}, "/ur/admin/users"),
        ("/admin/keys/oversight", {"public_key": "c2hvcnQ="}, "/ur/admin/keys"),
    ]
    for path, form, expected in cases:
        answer = admin.post(path, data={"csrf_token": csrf, **form})
        assert answer.status_code < 500, (path, answer.status_code)
        target = _switch(answer.text)
        assert target == expected, (path, target)
        assert admin.get(target).status_code == 200, target
        # and back from Urdu: the English page, never the POST-only path
        urdu = admin.post(f"/ur{path}", data={"csrf_token": csrf, **form})
        assert _switch(urdu.text) == expected.removeprefix("/ur"), path


def test_switch_after_the_officers_post_keeps_its_page(
    signed_in: Callable[[str], TestClient],
) -> None:
    officer = signed_in("DEMO-OFFICER-01")
    page = officer.get("/requests/new")
    data = {
        "csrf_token": csrf_of(page.text),
        "system": "quetta-safe-city-cameras",
        "action": "camera_footage_view",
        "purpose": "investigation",
        "target_value": "SYN-CAM-9",
    }
    answer = officer.post("/requests/new", data=data)
    assert _switch(answer.text) == "/ur/requests/new"


def test_switch_of_a_get_page_keeps_its_path_and_query(client: TestClient) -> None:
    page = client.get("/register?city=Quetta&lang=en")
    assert _switch(page.text) == "/ur/register?city=Quetta"
    assert _switch(client.get("/ur/register?city=Quetta").text) == "/register?city=Quetta"


def test_tokens_page_points_to_the_key_page_in_both_languages(
    signed_in: Callable[[str], TestClient],
) -> None:
    admin = signed_in("demo-admin")
    english = admin.get("/admin/tokens").text
    note = english.split('<p id="keys-note">', 1)[1].split("</p>", 1)[0]
    assert 'href="/admin/keys"' in note
    assert "listed, and rotated, on the key page" in note
    urdu = admin.get("/ur/admin/tokens").text
    note = urdu.split('<p id="keys-note">', 1)[1].split("</p>", 1)[0]
    assert 'href="/ur/admin/keys"' in note
    assert "کلیدوں کے صفحے پر دیکھا اور بدلا جاتا ہے" in note


def test_wide_tables_sit_in_a_scrolling_wrapper(
    signed_in: Callable[[str], TestClient], client: TestClient
) -> None:
    admin = signed_in("demo-admin")
    pages = [admin.get(p).text for p in ("/admin/keys", "/admin/tokens", "/admin/users")]
    pages += [client.get(p).text for p in ("/register", "/scorecards", "/reports")]
    for page in pages:
        tables = page.count("<table")
        assert tables > 0
        assert page.count('<div class="table-wrap"><table') == tables
    css = client.get("/static/portal.css").text
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", css)
