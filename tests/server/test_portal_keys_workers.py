"""A rotation made by one portal process is followed by the others sharing the key directory."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nacl.public import PrivateKey

from mohtasib.errors import VerificationError
from mohtasib.ledger import KeyringOpener, load_keys, open_checkpoint
from mohtasib.server import create_app
from mohtasib.server._ledger_api import keys_stamp
from tests.server.conftest import csrf_of, make_app, sign_in


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two portals over one database and one key directory, as two worker processes run."""
    first = make_app(tmp_path)
    second = create_app(first.state.portal.settings)
    yield first, second
    second.state.portal.close()
    first.state.portal.close()


def _client(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    sign_in(client, username)
    return client


def _request(app: FastAPI, target: str) -> None:
    with closing(_client(app, "DEMO-OFFICER-01")) as officer:
        form = officer.get("/requests/new")
        response = officer.post(
            "/requests/new",
            data={
                "csrf_token": csrf_of(form.text),
                "system": "quetta-safe-city-cameras",
                "action": "camera_footage_view",
                "purpose": "investigation",
                "target_value": target,
            },
        )
    assert response.status_code == 201, response.text


def test_the_other_worker_signs_and_seals_with_the_rotated_keys(
    two_workers: tuple[FastAPI, FastAPI],
) -> None:
    first, second = two_workers
    keys_dir = first.state.portal.settings.keys_dir
    old = load_keys(keys_dir).require_signer().verifier()
    with closing(_client(first, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        assert admin.post("/admin/keys/signer", data={"csrf_token": csrf_of(page.text)}).is_success
    new = load_keys(keys_dir).require_signer().verifier()
    assert new.key_id != old.key_id
    # the second worker never saw the rotation happen; its next checkpoint uses the new key
    _request(second, "SYN-CAM-21")
    with closing(TestClient(second, base_url="https://testserver")) as public:
        note = public.get("/api/ledger/checkpoint").text
        listed = public.get("/ledger/verifiers.txt").text
    assert open_checkpoint(note, new).size == second.state.portal.ledger.ledger.size()
    with pytest.raises(VerificationError):
        open_checkpoint(note, old)
    assert listed.splitlines()[0] == new.vkey

    pair = PrivateKey.generate()
    with closing(_client(first, "demo-admin")) as admin:
        page = admin.get("/admin/keys")
        response = admin.post(
            "/admin/keys/oversight",
            data={
                "csrf_token": csrf_of(page.text),
                "public_key": base64.b64encode(bytes(pair.public_key)).decode(),
            },
        )
    assert response.is_success, response.text
    store = second.state.portal.ledger.ledger.store
    at = store.size()
    _request(second, "SYN-CAM-22")  # through the worker that did not rotate
    assert KeyringOpener([bytes(pair)]).read_record(store, at).requester == "DEMO-OFFICER-01"


def test_a_key_directory_caught_mid_rotation_keeps_the_keys_in_use(
    two_workers: tuple[FastAPI, FastAPI],
) -> None:
    _, second = two_workers
    service = second.state.portal.ledger
    keys_dir: Path = service.keys_dir
    before = service.keys.verifier_key
    (keys_dir / "log.skey.new").write_text("half-written\n", encoding="utf-8")
    (keys_dir / "log.skey.new").chmod(0o600)
    (keys_dir / "keyring.json").touch()  # the stamp changes; load_keys refuses the directory
    service.follow_rotation()
    assert service.keys.verifier_key == before  # kept, and tried again on the next call
    assert service.keys_stamp != keys_stamp(keys_dir)
    with closing(TestClient(second, base_url="https://testserver")) as public:
        assert public.get("/api/ledger/checkpoint").status_code == 200
    (keys_dir / "log.skey.new").unlink()  # the rotation's other process cleaned up
    service.follow_rotation()
    assert service.keys_stamp == keys_stamp(keys_dir)
