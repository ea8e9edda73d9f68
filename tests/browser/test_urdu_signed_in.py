"""Signed-in pages in Urdu, in headless Chromium driven by Playwright (never `playwright install`).

Sign in on the Urdu sign-in page, open the officer's request form from the Urdu
navigation, submit a request denied for a missing FIR (the rule id and its Urdu
explanation shown, right to left) and one accepted, then sign out, still in Urdu.
Screenshots are saved in the test's tmp folder (its path is printed) as artefacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mohtasib.server._i18n import rule_text, text
from tests.browser import test_portal_chromium as chromium

pytestmark = pytest.mark.browser
# The fixtures of the English browser tests: a served demo portal, Chromium, a page.
portal_url = chromium.portal_url
browser = chromium.browser
page = chromium.page
_shot = chromium._shot


def _direction(page: Any, selector: str) -> str:
    """The computed CSS direction of an element (what the browser lays out)."""
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e).direction"))


def test_officer_signs_in_and_submits_requests_in_urdu(
    page: Any, portal_url: str, tmp_path: Path
) -> None:
    from tests.server.conftest import PASSWORDS

    page.goto(f"{portal_url}/ur/login")
    assert page.get_attribute("html", "lang") == "ur"
    assert _direction(page, "main") == "rtl"
    assert text("sign_in", "ur") in page.inner_text("h1")
    _shot(page, tmp_path, "login-ur")
    page.fill("input[name=username]", "DEMO-OFFICER-01")
    page.fill("input[name=password]", "a wrong SYNTHETIC password")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#sign-in")
    assert text("login_wrong", "ur") in page.inner_text("p.error")
    page.fill("input[name=username]", "DEMO-OFFICER-01")
    page.fill("input[name=password]", PASSWORDS["DEMO-OFFICER-01"])
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#sign-in")
    page.wait_for_url(f"{portal_url}/ur/register")
    with page.expect_navigation():  # the officer's link in the Urdu navigation
        page.click(f"header nav >> text={text('nav_request', 'ur')}")
    assert page.url == f"{portal_url}/ur/requests/new"
    assert _direction(page, "main form") == "rtl"
    assert text("request_title", "ur") in page.inner_text("h1")
    assert text("fir_number", "ur") in page.inner_text("main form")

    page.select_option("select[name=system]", "islamabad-safe-city-anpr")
    page.select_option("select[name=action]", "plate_search")
    page.fill("input[name=target_value]", "SYN-BROWSER-UR-1")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#submit-request")
    decision = page.locator("#decision")
    shown = decision.inner_text()
    assert text("decision_denied", "ur") in shown
    assert decision.locator("code.rule").inner_text() == "authority_missing"
    assert decision.locator("p.explanation").inner_text() == rule_text("authority_missing", "ur")
    assert _direction(page, "#decision p.explanation") == "rtl"
    assert _direction(page, "#decision span.reason") == "ltr"  # the English detail
    _shot(page, tmp_path, "request-denied-ur")

    page.select_option("select[name=system]", "islamabad-safe-city-anpr")
    page.select_option("select[name=action]", "plate_search")
    page.fill("input[name=target_value]", "SYN-BROWSER-UR-1")
    page.fill("input[name=fir_number]", "SYN-78/2025")
    page.fill("input[name=police_station]", "Demo Station")
    page.fill("input[name=district]", "Demo District")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#submit-request")
    shown = page.inner_text("#decision")
    assert text("decision_allowed", "ur") in shown and "Allowed" not in shown
    _shot(page, tmp_path, "request-allowed-ur")

    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#sign-out")
    assert page.url == f"{portal_url}/ur/register"
    assert page.get_attribute("html", "dir") == "rtl"
    assert text("sign_in", "ur") in page.inner_text("header nav")
