"""On a narrow screen (360 px) wide tables scroll inside their wrapper, not the whole page.

Signs in as the demo administrator in headless Chromium and opens the key page (long
public keys) and the tokens page, in English and in Urdu (right to left), and the
ledger page: the page itself must not be wider than the screen (long keys outside
tables wrap), and each table wider than the screen must
sit in a ``.table-wrap`` that scrolls horizontally. Also follows the language switch
after a form's POST (a key rotation refused on the form) and checks it opens a page.
Screenshots are saved in the test's tmp folder as artefacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_portal_chromium import _shot, browser, portal_url  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def narrow(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740})
    opened = context.new_page()
    yield opened
    context.close()


_WIDTHS = """() => ({
  page: document.documentElement.scrollWidth,
  screen: document.documentElement.clientWidth,
  tables: Array.from(document.querySelectorAll('main table')).map(t => ({
    table: t.scrollWidth,
    wrapped: t.parentElement.classList.contains('table-wrap'),
    wrap: t.parentElement.clientWidth,
    scrolls: getComputedStyle(t.parentElement).overflowX,
  })),
})"""


def test_wide_tables_scroll_in_their_wrapper_on_a_narrow_screen(
    narrow: Any,
    portal_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.server.conftest import PASSWORDS

    narrow.goto(f"{portal_url}/login")
    narrow.fill("input[name=username]", "demo-admin")
    narrow.fill("input[name=password]", PASSWORDS["demo-admin"])
    with narrow.expect_navigation():
        narrow.click("#sign-in")
    wide = 0
    pages = ("/admin/keys", "/ur/admin/keys", "/admin/tokens", "/ur/admin/tokens", "/ledger")
    for path in pages:
        narrow.goto(f"{portal_url}{path}")
        found = narrow.evaluate(_WIDTHS)
        assert found["page"] <= found["screen"], (path, found)  # long keys wrap or scroll
        assert found["tables"] or path == "/ledger", path
        for table in found["tables"]:
            assert table["wrapped"] and table["scrolls"] == "auto", (path, table)
            assert table["wrap"] <= found["screen"], (path, table)
            wide += table["table"] > table["wrap"]
        _shot(narrow, tmp_path, "narrow" + path.replace("/", "-"))
    assert wide >= 4  # the key tables are wider than 360 px: they scroll, the page does not

    # the language switch after a form's POST opens a page (not the POST-only path)
    narrow.goto(f"{portal_url}/admin/keys")
    narrow.fill("input[name=public_key]", "c2hvcnQ=")
    with narrow.expect_navigation():
        narrow.click("#rotate-oversight button")
    assert narrow.get_attribute("#lang-switch", "href") == "/ur/admin/keys"
    with narrow.expect_navigation():
        narrow.click("#lang-switch")
    assert narrow.url == f"{portal_url}/ur/admin/keys"
    assert narrow.get_attribute("html", "dir") == "rtl"
    assert narrow.locator("#rotate-oversight").count() == 1
