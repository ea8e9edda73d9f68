"""The administrators' key page in headless Chromium: rotate both keys, verify what follows.

Signs in as the demo administrator, rotates the checkpoint signer (the handover note
shown on the page carries the old and the new key's signatures), installs a new
oversight public key after a refused bad one, and verifies the portal's next checkpoint
with ``mohtasib ledger verify`` and the published ``verifiers.txt``. Screenshots are
saved in the test's tmp folder as artefacts. Uses the fixtures of
:mod:`tests.browser.test_portal_chromium` (a portal of this module's own).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

from mohtasib.ledger import NoteVerifier, open_checkpoint, parse_note
from tests.browser.test_portal_chromium import _shot, browser, page, portal_url  # noqa: F401

pytestmark = pytest.mark.browser


def _sign_in_admin(page: Any, portal_url: str) -> None:  # noqa: F811
    from tests.server.conftest import PASSWORDS

    page.goto(f"{portal_url}/admin/keys")
    assert "/login" in page.url  # signed out: sent to sign in, shown nothing
    page.fill("input[name=username]", "demo-admin")
    page.fill("input[name=password]", PASSWORDS["demo-admin"])
    with page.expect_navigation():
        page.click("#sign-in")
    page.wait_for_url(f"{portal_url}/admin/keys")


def test_admin_rotates_keys_and_the_next_checkpoint_verifies(
    page: Any,  # noqa: F811
    portal_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from mohtasib.cli._ledger import ledger

    _sign_in_admin(page, portal_url)
    old = NoteVerifier.from_vkey(page.inner_text("#signer-keys tr.in-use code.vkey"))
    assert "Not rotated" in page.inner_text("#pseudonym-why")
    _shot(page, tmp_path, "keys-before")

    with page.expect_navigation():
        page.click("#rotate-signer button")
    handover = page.inner_text("#handover").rstrip("\n") + "\n"
    new = NoteVerifier.from_vkey(page.inner_text("#signer-keys tr.in-use code.vkey"))
    assert new.key_id != old.key_id
    assert [s.key_id for s in parse_note(handover).signatures] == [old.key_id, new.key_id]
    assert open_checkpoint(handover, old) == open_checkpoint(handover, new)
    assert page.locator("#signer-keys tr.retired").count() == 1
    _shot(page, tmp_path, "keys-signer-rotated")

    page.fill("input[name=public_key]", "c2hvcnQ=")
    with page.expect_navigation():
        page.click("#rotate-oversight button")
    assert "decodes to 5 bytes; want 32" in page.inner_text("#keys-error")
    _shot(page, tmp_path, "keys-bad-oversight-key")
    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    page.fill("input[name=public_key]", public)
    with page.expect_navigation():
        page.click("#rotate-oversight button")
    assert "oversight key was replaced" in page.inner_text("#keys-message")
    assert public in page.inner_text("#oversight-keys tr.in-use")
    assert page.locator("#oversight-keys tr.retired").count() == 1

    page.goto(f"{portal_url}/ur/admin/keys")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("#signer-keys tr.retired").count() == 1
    _shot(page, tmp_path, "keys-ur")

    page.goto(f"{portal_url}/ledger")
    section = page.locator("#log-access")
    assert section.locator("code.vkey").inner_text() == new.vkey
    assert section.locator("code.retired-vkey").inner_text() == old.vkey
    _shot(page, tmp_path, "ledger-after-rotation")
    for name, link in (
        ("checkpoint.note", "a.checkpoint-link"),
        ("proof.json", "a.proof-link"),
        ("verifiers.txt", "a.verifiers-link"),
    ):
        response = page.request.get(portal_url + section.locator(link).get_attribute("href"))
        assert response.ok, name
        (tmp_path / name).write_bytes(response.body())
    result = CliRunner().invoke(
        ledger,
        [
            "verify",
            str(tmp_path / "proof.json"),
            "--checkpoint",
            str(tmp_path / "checkpoint.note"),
            "--vkey",
            str(tmp_path / "verifiers.txt"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: entry 0 is in the log of size")
