"""Public pages: the register (public fields only), Urdu, reports as stored, checkpoints."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mohtasib.ledger import NoteVerifier, open_checkpoint
from mohtasib.register import load_card, public_view
from tests.server.conftest import REGISTER, REPORT_HTML


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {p: v for k, item in value.items() for p, v in _leaves(item, f"{path}.{k}").items()}
    if isinstance(value, list):
        return {
            p: v for i, item in enumerate(value) for p, v in _leaves(item, f"{path}[{i}]").items()
        }
    return {path: value}


def _hidden_values(name: str) -> list[str]:
    """Restricted and oversight-only text values of an example card."""
    card = load_card(REGISTER / name)
    public = set(_leaves(public_view(card)).values())
    return [
        v
        for p, v in _leaves(card.to_dict()).items()
        if isinstance(v, str) and len(v) > 15 and v not in public
    ]


def test_register_lists_every_example_card_marked_illustrative(client: TestClient) -> None:
    page = client.get("/register")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for city in ("Islamabad", "Karachi", "Lahore", "Peshawar", "Quetta"):
        assert city in page.text
    assert page.text.count("Illustrative example") >= 5
    assert '<html lang="en" dir="ltr">' in page.text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("city=Lahore", "lahore-safe-city-face-search", "karachi-video-analytics"),
        ("capability=risk-scoring", "peshawar-risk-scoring", "islamabad-safe-city-anpr"),
        ("status=in-use", "quetta-safe-city-cameras", "no-such-system"),
        ("status=retired", "No system matches", "lahore-safe-city-face-search"),
    ],
)
def test_register_filters(client: TestClient, query: str, shown: str, hidden: str) -> None:
    page = client.get(f"/register?{query}")
    assert page.status_code == 200
    assert shown in page.text
    assert f"/register/{hidden}" not in page.text
    api = client.get(f"/api/register?{query}").json()
    ids = [s["system_id"] for s in api["systems"]]
    assert hidden not in ids


def test_system_page_and_api_show_only_public_fields(client: TestClient) -> None:
    hidden = _hidden_values("lahore-face-search.yaml")
    assert "Oversight only: camera location list." in hidden  # the check has teeth
    page = client.get("/register/lahore-safe-city-face-search")
    api = client.get("/api/register/lahore-safe-city-face-search")
    assert page.status_code == api.status_code == 200
    assert "Lahore Safe City face search" in page.text
    assert 'id="impact-level"' in page.text
    assert api.json()["impact_assessment"]["level"] in {"I", "II", "III", "IV"}
    for value in hidden:
        assert value not in page.text, value
        assert value not in api.text, value


def test_unknown_system_is_404_without_data(client: TestClient) -> None:
    assert client.get("/register/no-such-system").status_code == 404
    assert client.get("/api/register/no-such-system").status_code == 404


@pytest.mark.parametrize("path", ["/ur/register", "/register?lang=ur"])
def test_urdu_pages_are_right_to_left(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="ur" dir="rtl">' in page.text
    assert "رجسٹر" in page.text
    assert "لاہور سیف سٹی چہرہ تلاش" in page.text  # the card's own Urdu name
    assert 'href="/ur/register/' in page.text  # links stay in Urdu


def test_every_public_page_has_an_urdu_version(client: TestClient) -> None:
    for path in ("/register/karachi-video-analytics", "/scorecards", "/reports", "/ledger"):
        english, urdu = client.get(path), client.get(f"/ur{path}")
        assert english.status_code == urdu.status_code == 200, path
        assert 'dir="rtl"' in urdu.text and 'dir="rtl"' not in english.text.split(">", 2)[1]


def test_published_report_is_served_byte_for_byte_with_its_hash(client: TestClient) -> None:
    digest = hashlib.sha256(REPORT_HTML).hexdigest()
    listing = client.get("/reports")
    assert digest in listing.text
    report = client.get(f"/reports/{digest}")
    assert report.status_code == 200
    assert report.content == REPORT_HTML
    assert report.headers["x-content-sha256"] == digest
    assert "sandbox" in report.headers["content-security-policy"]
    meta = client.get(f"/api/reports/{digest}").json()
    assert meta["sha256"] == digest and meta["size"] == len(REPORT_HTML)
    assert "uploaded_by" not in meta


def test_unknown_report_is_404(client: TestClient) -> None:
    assert client.get("/reports/" + "0" * 64).status_code == 404
    assert client.get("/api/reports/" + "0" * 64).status_code == 404


def test_ledger_page_shows_checkpoints_that_verify(client: TestClient) -> None:
    page = client.get("/ledger")
    assert page.status_code == 200
    vkeys = re.findall(r'<code class="vkey" dir="ltr">([^<]+)</code>', page.text)
    assert len(vkeys) == 2  # the access ledger and the administrators' log
    note = client.get("/api/ledger/checkpoint").text
    checkpoint = open_checkpoint(note, NoteVerifier.from_vkey(vkeys[0]))
    assert checkpoint.size == 30
    assert "mohtasib ledger verify proof.json --checkpoint checkpoint.note" in page.text
    assert str(checkpoint.size) in page.text


def test_scorecards_page_and_api(client: TestClient) -> None:
    page = client.get("/scorecards")
    assert page.status_code == 200
    assert 'id="city-lahore"' in page.text
    data = client.get("/api/scorecards").json()["scorecards"]
    assert sorted(s["city"] for s in data) == [
        "Islamabad",
        "Karachi",
        "Lahore",
        "Peshawar",
        "Quetta",
    ]


def test_security_headers_on_pages(client: TestClient) -> None:
    page = client.get("/register")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_openapi_lists_the_json_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/api/register",
        "/api/register/{system_id}",
        "/api/scorecards",
        "/api/reports",
        "/api/ledger/checkpoint",
        "/api/ledger/proofs/inclusion",
        "/api/admin-log/checkpoint",
    ):
        assert path in paths
    assert not any(p.startswith(("/admin", "/auditor", "/requests", "/login")) for p in paths)
