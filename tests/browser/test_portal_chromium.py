"""The portal in headless Chromium driven by Playwright (never `playwright install`).

Browse the register, switch to Urdu, open a report, sign in as an officer, submit
a request denied for a missing FIR and one accepted, and verify the checkpoint
with ``mohtasib ledger verify``. Screenshots are saved in the test's tmp folder
(its path is printed) as artefacts.
"""

from __future__ import annotations

import dataclasses
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("MOHTASIB_REQUIRE_BROWSER", "playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        require("MOHTASIB_REQUIRE_BROWSER", "Chromium is not installed (apt-get install chromium)")
    for module in ("fastapi", "uvicorn", "argon2"):
        pytest.importorskip(module, reason="the server extra is not installed")
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _playwright()
    import uvicorn

    from tests.server.conftest import make_app

    app = make_app(tmp_path_factory.mktemp("portal"))
    # Served over plain HTTP on loopback, as `mohtasib serve --demo` does.
    portal = app.state.portal
    portal.settings = dataclasses.replace(portal.settings, cookie_secure=False)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
    portal.close()


@pytest.fixture(scope="module")
def browser(portal_url: str) -> Iterator[Any]:
    with _playwright()() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def _shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000  # a rendered page, not a blank one
    print(f"screenshot: {path}")


def test_browse_register_switch_to_urdu_open_report(
    page: Any, portal_url: str, tmp_path: Path
) -> None:
    page.goto(f"{portal_url}/register")
    assert page.locator("#register-table tbody tr").count() == 5
    assert page.get_attribute("html", "dir") == "ltr"
    _shot(page, tmp_path, "register-en")
    page.select_option("select[name=city]", "Lahore")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("form.filters button")
    assert page.locator("#register-table tbody tr").count() == 1
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#register-table a")
    assert "Lahore" in page.inner_text("#system-name")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#lang-switch")
    assert page.get_attribute("html", "lang") == "ur"
    assert page.get_attribute("html", "dir") == "rtl"
    assert "لاہور" in page.inner_text("#system-name")
    _shot(page, tmp_path, "system-ur")
    page.goto(f"{portal_url}/reports")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("a.report-link")
    assert "Audit report (test)" in page.inner_text("h1")
    _shot(page, tmp_path, "report")


def test_scorecards_show_each_systems_ledger_figures_in_both_languages(
    page: Any, portal_url: str, tmp_path: Path
) -> None:
    page.goto(f"{portal_url}/scorecards")
    data = page.request.get(f"{portal_url}/api/scorecards").json()
    systems = [s for city in data["scorecards"] for s in city["systems"]]
    assert len(systems) == 5
    for system in systems:
        row = page.locator(f"#system-{system['system_id']}")
        ledger = system["ledger"]
        expected = f"{ledger['accesses']} ({ledger['denied']} denied)"
        assert row.locator("td.accesses").inner_text().strip() == expected
    _shot(page, tmp_path, "scorecards-en")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#lang-switch")
    assert page.get_attribute("html", "dir") == "rtl"
    assert "مسترد، قاعدے کے لحاظ سے" in page.inner_text("main")
    _shot(page, tmp_path, "scorecards-ur")


def test_officer_request_denied_then_accepted_and_checkpoint_verified(
    page: Any, portal_url: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from mohtasib.cli._ledger import ledger
    from tests.server.conftest import PASSWORDS

    page.goto(f"{portal_url}/requests/new")
    assert "/login" in page.url  # signed out: sent to sign in, shown nothing
    page.fill("input[name=username]", "DEMO-OFFICER-01")
    page.fill("input[name=password]", PASSWORDS["DEMO-OFFICER-01"])
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#sign-in")
    page.wait_for_url(f"{portal_url}/requests/new")
    page.select_option("select[name=system]", "islamabad-safe-city-anpr")
    page.select_option("select[name=action]", "plate_search")
    page.fill("input[name=target_value]", "SYN-BROWSER-1")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#submit-request")
    decision = page.inner_text("#decision")
    assert "Denied" in decision and "authority_missing" in decision
    _shot(page, tmp_path, "request-denied")
    page.select_option("select[name=system]", "islamabad-safe-city-anpr")
    page.select_option("select[name=action]", "plate_search")
    page.fill("input[name=target_value]", "SYN-BROWSER-1")
    page.fill("input[name=fir_number]", "SYN-77/2025")
    page.fill("input[name=police_station]", "Demo Station")
    page.fill("input[name=district]", "Demo District")
    with page.expect_navigation():  # wait for the new page, not the old one
        page.click("#submit-request")
    decision = page.inner_text("#decision")
    assert "Allowed" in decision
    _shot(page, tmp_path, "request-allowed")

    page.goto(f"{portal_url}/ledger")
    _shot(page, tmp_path, "ledger")
    section = page.locator("#log-access")
    vkey = section.locator("code.vkey").inner_text()
    note = page.request.get(portal_url + section.locator("a.checkpoint-link").get_attribute("href"))
    proof = page.request.get(portal_url + section.locator("a.proof-link").get_attribute("href"))
    assert note.ok and proof.ok
    (tmp_path / "checkpoint.note").write_bytes(note.body())
    (tmp_path / "proof.json").write_bytes(proof.body())
    result = CliRunner().invoke(
        ledger,
        [
            "verify",
            str(tmp_path / "proof.json"),
            "--checkpoint",
            str(tmp_path / "checkpoint.note"),
            "--vkey",
            vkey,
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: entry 0 is in the log of size 32")
