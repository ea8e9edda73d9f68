"""The administrators' key page: roles, CSRF, rotations that the running portal uses at once."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nacl.public import PrivateKey

from mohtasib.errors import VerificationError
from mohtasib.ledger import (
    KeyringOpener,
    NoteVerifier,
    audit_log,
    load_keys,
    open_checkpoint,
    open_checkpoint_any,
    parse_note,
)
from mohtasib.server._admin_log import ADMIN_PREFIX
from tests.server.conftest import PASSWORDS, csrf_of, make_app, sign_in
from tests.server.test_portal_postgres import pg_app  # noqa: F401  (fixture)

ROUTES = [("GET", "/admin/keys"), ("POST", "/admin/keys/signer"), ("POST", "/admin/keys/oversight")]
_HANDOVER = re.compile(r'<pre class="checkpoint" id="handover" dir="ltr">(.*?)</pre>', re.S)


@pytest.fixture(scope="module")
def keys_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """A portal of this module's own: its keys get rotated."""
    built = make_app(tmp_path_factory.mktemp("portal-keys"))
    yield built
    built.state.portal.close()


def _client(app: FastAPI, username: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    if username is not None:
        sign_in(client, username)
    return client


def _key_files(app: FastAPI) -> dict[str, bytes]:
    directory: Path = app.state.portal.settings.keys_dir
    return {p.name: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _admin_actions(app: FastAPI) -> list[dict[str, object]]:
    store = app.state.portal.admin_log.store
    rows = store.entries(0, store.size())
    return [json.loads(row.leaf_data.removeprefix(ADMIN_PREFIX)) for row in rows]


def _request_footage(officer: TestClient, target: str) -> None:
    """Submit the access-request form: a camera-footage view for an investigation."""
    form = officer.get("/requests/new")
    officer.post(
        "/requests/new",
        data={
            "csrf_token": csrf_of(form.text),
            "system": "quetta-safe-city-cameras",
            "action": "camera_footage_view",
            "purpose": "investigation",
            "target_value": target,
        },
    )


def _new_public() -> tuple[PrivateKey, str]:
    pair = PrivateKey.generate()
    return pair, base64.b64encode(bytes(pair.public_key)).decode()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_key_routes_refuse_the_signed_out_and_other_roles(
    keys_app: FastAPI, method: str, path: str
) -> None:
    before = _key_files(keys_app)
    with closing(_client(keys_app)) as anonymous:
        response = anonymous.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"
        else:
            assert response.status_code == 401
        assert "PRIVATE" not in response.text and "<table" not in response.text
    for username in ("demo-auditor", "DEMO-OFFICER-01"):
        with closing(_client(keys_app, username)) as other:
            data = {"csrf_token": csrf_of(other.get("/register").text), "public_key": "x"}
            response = other.request(method, path, data=data if method == "POST" else None)
            assert response.status_code == 403, (username, path)
            assert "signer-keys" not in response.text
    assert _key_files(keys_app) == before


def test_verifier_keys_are_public_text(keys_app: FastAPI) -> None:
    with closing(_client(keys_app)) as anonymous:
        response = anonymous.get("/ledger/verifiers.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == keys_app.state.portal.ledger.keys.verifier_key
    assert all(NoteVerifier.from_vkey(line).name == lines[0].split("+")[0] for line in lines)


@pytest.mark.parametrize("path", ["/admin/keys/signer", "/admin/keys/oversight"])
def test_rotation_forms_need_the_csrf_token(keys_app: FastAPI, path: str) -> None:
    before = _key_files(keys_app)
    with closing(_client(keys_app, "demo-admin")) as admin:
        _pair, public = _new_public()
        missing = admin.post(path, data={"public_key": public})
        wrong = admin.post(path, data={"public_key": public, "csrf_token": "forged"})
    assert missing.status_code == wrong.status_code == 403
    assert _key_files(keys_app) == before


def test_key_page_lists_keys_and_never_a_secret(keys_app: FastAPI) -> None:
    keys = load_keys(keys_app.state.portal.settings.keys_dir)
    with closing(_client(keys_app, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        urdu = admin.get("/ur/admin/keys")
    assert page.status_code == 200
    signer = NoteVerifier.from_vkey(keys.verifier_key)
    assert f"{signer.name}+{signer.key_id.hex()}" in page.text
    assert keys.verifier_key in page.text
    assert base64.b64encode(keys.oversight_public_key).decode() in page.text
    assert 'id="pseudonym-why"' in page.text and "Not rotated" in page.text
    assert 'href="/admin/keys"' in page.text  # the administrators' navigation links here
    secrets = [keys.pseudonym_key, keys.oversight_private_key or b""]
    for secret in secrets:
        assert base64.b64encode(secret).decode() not in page.text
    assert "PRIVATE+KEY" not in page.text
    assert urdu.status_code == 200 and 'dir="rtl"' in urdu.text
    assert "لیجر کی کلیدیں" in urdu.text and 'action="/ur/admin/keys/signer"' in urdu.text


def test_signer_rotation_hands_over_and_the_portal_signs_with_the_new_key(
    keys_app: FastAPI,
) -> None:
    portal = keys_app.state.portal
    old = NoteVerifier.from_vkey(portal.ledger.keys.verifier_key)
    with closing(_client(keys_app, "demo-admin")) as admin:
        before = admin.get("/api/ledger/checkpoint").text
        size = open_checkpoint(before, old).size
        page = admin.get("/admin/keys")
        rotated = admin.post("/admin/keys/signer", data={"csrf_token": csrf_of(page.text)})
        assert rotated.status_code == 200, rotated.text
        found = _HANDOVER.search(rotated.text)
        assert found is not None
        handover = html.unescape(found.group(1))
        new = NoteVerifier.from_vkey(portal.ledger.keys.verifier_key)
        assert new.key_id != old.key_id and new.name == old.name
        assert f"{old.key_id.hex()} → {new.key_id.hex()}" in rotated.text
        # the handover carries both signatures over the tree head at the rotation
        assert [s.key_id for s in parse_note(handover).signatures] == [old.key_id, new.key_id]
        assert open_checkpoint(handover, old).size == open_checkpoint(handover, new).size == size
        assert admin.get("/api/ledger/checkpoint").text == handover
        # the running portal signs new checkpoints with the new key only
        officer = _client(keys_app, "DEMO-OFFICER-01")
        with closing(officer):
            _request_footage(officer, "SYN-CAM-9")
        after = admin.get("/api/ledger/checkpoint").text
        assert open_checkpoint(after, new).size == size + 1
        with pytest.raises(VerificationError, match="not signed by any known key"):
            open_checkpoint(after, old)
        # the public ledger page and verifiers.txt publish the current and retired keys
        ledger_page = admin.get("/ledger").text
        assert f'<code class="vkey" dir="ltr">{new.vkey}</code>' in ledger_page
        assert f'<code class="retired-vkey" dir="ltr">{old.vkey}</code>' in ledger_page
        listed = admin.get("/ledger/verifiers.txt").text.splitlines()
        bound = f"# retired: {old.name}+{old.key_id.hex()} up to size {size}"
        assert listed[:3] == [new.vkey, bound, old.vkey]
        assert f'<code class="retired-bound" dir="ltr">{bound}</code>' in ledger_page
        listed = [line for line in listed if not line.startswith("#")]
        keys_page = admin.get("/admin/keys").text
    assert 'id="retired-secret"' in keys_page and old.key_id.hex() in keys_page
    # an outside audit with the published keys passes across the rotation
    verifiers = [NoteVerifier.from_vkey(v) for v in listed]
    notes = [text for _, text in portal.ledger.ledger.store.checkpoints()]
    assert {open_checkpoint_any(n, verifiers).size for n in (before, handover, after)} == {
        size,
        size + 1,
    }
    result = audit_log(portal.ledger.ledger.store, notes, verifiers=verifiers)
    assert result.ok, result.findings
    # the rotation is in the administrators' log, key IDs in clear
    last = _admin_actions(keys_app)[-1]
    assert last["action"] == "key_rotate_signer"
    assert last["detail"] == {
        "old_key_id": old.key_id.hex(),
        "new_key_id": new.key_id.hex(),
        "size": str(size),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-base64!", "not standard base64"),
        (base64.b64encode(b"k" * 31).decode(), "decodes to 31 bytes; want 32"),
        ("", "give the new public key"),
    ],
)
def test_a_bad_oversight_key_is_refused_on_the_form(
    keys_app: FastAPI, value: str, message: str
) -> None:
    before = _key_files(keys_app)
    logged = keys_app.state.portal.admin_log.store.size()
    with closing(_client(keys_app, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        response = admin.post(
            "/admin/keys/oversight", data={"csrf_token": csrf_of(page.text), "public_key": value}
        )
    assert response.status_code == 422
    assert 'id="keys-error"' in response.text and message in response.text
    assert _key_files(keys_app) == before
    assert keys_app.state.portal.admin_log.store.size() == logged


def test_the_oversight_key_in_use_is_refused(keys_app: FastAPI) -> None:
    current = base64.b64encode(keys_app.state.portal.ledger.keys.oversight_public_key).decode()
    with closing(_client(keys_app, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        response = admin.post(
            "/admin/keys/oversight", data={"csrf_token": csrf_of(page.text), "public_key": current}
        )
    assert response.status_code == 422 and "the oversight key in use" in response.text


def test_oversight_rotation_seals_new_records_to_the_new_key(keys_app: FastAPI) -> None:
    portal = keys_app.state.portal
    store = portal.ledger.ledger.store
    old_private = portal.ledger.keys.oversight_private_key
    assert old_private is not None
    first_new = store.size()
    pair, public = _new_public()
    with closing(_client(keys_app, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        response = admin.post(
            "/admin/keys/oversight", data={"csrf_token": csrf_of(page.text), "public_key": public}
        )
    assert response.status_code == 200, response.text
    assert portal.ledger.keys.oversight_public_key == bytes(pair.public_key)
    with closing(_client(keys_app, "DEMO-OFFICER-01")) as officer:
        _request_footage(officer, "SYN-CAM-10")
    assert store.size() == first_new + 1
    # the new record opens with the new private key only, the old ones with the old key
    new_reader, old_reader = KeyringOpener([bytes(pair)]), KeyringOpener([old_private])
    assert new_reader.read_record(store, first_new).requester == "DEMO-OFFICER-01"
    with pytest.raises(VerificationError, match="tried"):
        old_reader.read_record(store, first_new)
    assert old_reader.read_record(store, 0).requester.startswith("DEMO-OFFICER-")
    # auditors still read the old records (retired key on the server) and see why not the new
    with closing(_client(keys_app, "demo-auditor")) as auditor:
        entries = auditor.get(f"/auditor/entries?start={first_new - 2}").text
    assert entries.count("DEMO-OFFICER-") >= 2
    assert "does not open with any oversight private key here" in entries
    actions = _admin_actions(keys_app)
    assert actions[-1]["action"] == "ledger_read"  # the auditor's reading, after the rotation
    last = actions[-2]
    assert last["action"] == "key_rotate_oversight"
    detail = last["detail"]
    assert isinstance(detail, dict) and detail["log_size"] == str(first_new)
    assert detail["new_fingerprint"] == portal.keyring.current("oversight").key_id
    keys_page = response.text
    assert detail["old_fingerprint"] in keys_page and detail["new_fingerprint"] in keys_page


def test_rotation_on_postgresql(pg_app: FastAPI) -> None:  # noqa: F811  (fixture)
    portal = pg_app.state.portal
    portal.accounts.create_user("demo-admin", "admin", PASSWORDS["demo-admin"])
    old = NoteVerifier.from_vkey(portal.ledger.keys.verifier_key)
    with closing(_client(pg_app, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        rotated = admin.post("/admin/keys/signer", data={"csrf_token": csrf_of(page.text)})
        assert rotated.status_code == 200
        note = admin.get("/api/ledger/checkpoint").text
    new = NoteVerifier.from_vkey(portal.ledger.keys.verifier_key)
    assert open_checkpoint(note, old).size == open_checkpoint(note, new).size
    assert _admin_actions(pg_app)[-1]["action"] == "key_rotate_signer"


def test_appends_racing_a_portal_oversight_rotation_are_attributed_exactly(
    keys_app: FastAPI,
) -> None:
    import datetime as dt
    import threading

    from mohtasib.ledger import AccessRecord, Fir, Keyring, pseudonymise
    from mohtasib.server._keys_admin import rotate_portal_oversight

    portal = keys_app.state.portal
    ledger = portal.ledger.ledger
    start = ledger.size()
    stop, errors = threading.Event(), []

    def record() -> AccessRecord:
        return AccessRecord(
            requester="DEMO-RACE-01",
            role="investigating_officer",
            time=dt.datetime(2025, 1, 5, 10, 0, tzinfo=dt.UTC),
            system="quetta-safe-city-cameras",
            action="camera_footage_view",
            target=pseudonymise("SYN-CAM-RACE", b"s" * 32),
            legal_authority=Fir("1/2025", "Civil Lines", "Quetta"),
            purpose="investigation",
            approver=None,
            outcome="no_match",
            retention_class="standard",
        )

    def append(many: bool) -> None:
        try:
            while not stop.is_set():
                if many:
                    ledger.append_many([record(), record()])
                else:
                    ledger.append(record())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        while ledger.size() < start + 20:
            stop.wait(0.001)
        pair, public = _new_public()
        done = rotate_portal_oversight(portal, "demo-admin", public)
        while ledger.size() < done.log_size + 20:
            stop.wait(0.001)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert start + 20 <= done.log_size
    ring = Keyring.load(portal.settings.keys_dir)
    assert ring.retired("oversight")[0].log_size == done.log_size
    new_reader = KeyringOpener([bytes(pair)])
    for index in range(start, ledger.size()):
        if index < done.log_size:  # sealed to the old key: the new one does not open it
            assert ring.sealing_key_at(index) == done.old_fingerprint
            with pytest.raises(VerificationError, match="does not open"):
                new_reader.read_record(ledger.store, index)
        else:
            assert ring.sealing_key_at(index) == done.new_fingerprint
            assert new_reader.read_record(ledger.store, index).requester == "DEMO-RACE-01"
