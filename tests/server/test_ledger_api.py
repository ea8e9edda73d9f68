"""The ledger's HTTP API: authenticated appends, public checkpoint, entries and proofs."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
pytest.importorskip("httpx", reason="the API tests need httpx")

from fastapi.testclient import TestClient

from mohtasib.errors import ConfigError
from mohtasib.ledger import Checkpoint, NoteVerifier, leaf_hash
from mohtasib.ledger._bundles import load_bundle, open_checkpoint, verify_bundle
from mohtasib.ledger._keys import create_keys
from mohtasib.server import ApiToken, ServerSettings, create_app, hash_token, load_settings

ORIGIN = "oversight.example.pk/ledger"
OFFICER, SYSTEM = "officer-token-1", "system-token-1"
POLICY = """\
system: psca-lahore-anpr
purposes: [investigation]
actions:
  plate_search: [fir]
"""


def _record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "role": "investigating_officer",
        "time": "2025-01-05T10:00:00+05:00",
        "system": "psca-lahore-anpr",
        "action": "plate_search",
        "target_value": "LEA-1234",
        "legal_authority": {
            "kind": "fir",
            "number": "123/2025",
            "police_station": "Civil Lines",
            "district": "Lahore",
        },
        "purpose": "investigation",
        "approver": None,
        "outcome": "no_match",
        "retention_class": "standard",
    }
    record.update(overrides)
    return record


@pytest.fixture
def verifier(tmp_path: Path) -> NoteVerifier:
    keys = create_keys(tmp_path / "keys", origin=ORIGIN)
    return NoteVerifier.from_vkey(keys.verifier_key)


@pytest.fixture
def client(tmp_path: Path, verifier: NoteVerifier) -> Iterator[TestClient]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    settings = ServerSettings(
        database_url=str(tmp_path / "ledger.db"),
        keys_dir=tmp_path / "keys",
        tokens=(
            ApiToken(hash_token(OFFICER), "officer", "INSP-1234"),
            ApiToken(hash_token(SYSTEM), "system", "psca-lahore-anpr"),
        ),
        policies=(policy,),
    )
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.portal.close()


def _post(client: TestClient, body: dict[str, Any], token: str | None = OFFICER) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/ledger/entries", json=body, headers=headers)


def test_officer_append_is_checked_logged_and_provable(
    client: TestClient, verifier: NoteVerifier
) -> None:
    response = _post(client, _record())
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["index"] == 0 and receipt["decision"] == "allowed"
    checkpoint = client.get("/api/ledger/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["content-type"].startswith("text/plain")
    head = open_checkpoint(checkpoint.text, verifier)
    assert head.size == 1
    proof = client.get("/api/ledger/proofs/inclusion", params={"index": 0})
    bundle = load_bundle(proof.text)
    verify_bundle(bundle, [head])
    assert bundle.leaf_hash.hex() == receipt["leaf_hash"]  # type: ignore[union-attr]


def test_policy_violation_is_recorded_and_answered_201_denied(client: TestClient) -> None:
    response = _post(client, _record(purpose="curiosity"))
    assert response.status_code == 201
    assert response.json()["decision"] == "denied"
    assert response.json()["rule"] == "purpose_not_allowed"


def test_append_needs_a_known_bearer_token(client: TestClient) -> None:
    assert _post(client, _record(), token=None).status_code == 401
    assert _post(client, _record(), token="guess").status_code == 401


def test_officer_identity_comes_from_the_token(client: TestClient) -> None:
    assert _post(client, _record(requester="SP-0042")).status_code == 403
    assert _post(client, _record(requester="INSP-1234")).status_code == 201


def test_system_token_records_its_own_system_only(client: TestClient) -> None:
    ok = _post(client, _record(requester="INSP-9", system="psca-lahore-anpr"), token=SYSTEM)
    assert ok.status_code == 201
    other = _post(client, _record(requester="INSP-9", system="karachi-faces"), token=SYSTEM)
    assert other.status_code == 403


def test_bad_record_is_422_naming_the_field(client: TestClient) -> None:
    response = _post(client, _record(action="teleport"))
    assert response.status_code == 422
    assert "action" in response.json()["detail"]


def test_entries_expose_public_leaf_data_only(client: TestClient) -> None:
    for _ in range(3):
        _post(client, _record())
    page = client.get("/api/ledger/entries", params={"start": 1, "end": 3}).json()
    assert page["size"] == 3 and [e["index"] for e in page["entries"]] == [1, 2]
    for entry in page["entries"]:
        assert set(entry) == {"index", "leaf_data", "leaf_hash"}
        data = base64.b64decode(entry["leaf_data"])
        assert data.startswith(b"mohtasib-access-v1\n") and b"LEA-1234" not in data
        assert base64.b64decode(entry["leaf_hash"]) == leaf_hash(data)


def test_consistency_proof_links_two_checkpoints(
    client: TestClient, verifier: NoteVerifier
) -> None:
    _post(client, _record())
    first = open_checkpoint(client.get("/api/ledger/checkpoint").text, verifier)
    for _ in range(4):
        _post(client, _record())
    second = open_checkpoint(client.get("/api/ledger/checkpoint").text, verifier)
    assert isinstance(second, Checkpoint) and second.size == 5
    proof = client.get("/api/ledger/proofs/consistency", params={"from": 1, "to": 5})
    verify_bundle(load_bundle(proof.text), [first, second])


def test_proof_outside_the_log_is_422(client: TestClient) -> None:
    _post(client, _record())
    response = client.get("/api/ledger/proofs/inclusion", params={"index": 5})
    assert response.status_code == 422 and response.json()["error"] == "InputError"


def test_openapi_spec_lists_the_ledger_paths(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/api/ledger/entries",
        "/api/ledger/checkpoint",
        "/api/ledger/proofs/inclusion",
        "/api/ledger/proofs/consistency",
    } <= set(spec["paths"])
    assert {"get", "post"} <= set(spec["paths"]["/api/ledger/entries"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_settings_hold_token_hashes_from_the_environment(tmp_path: Path) -> None:
    digest = hash_token("secret")
    env = {
        "MOHTASIB_DATABASE_URL": "ledger.db",
        "MOHTASIB_LEDGER_KEYS": "keys",
        "MOHTASIB_API_TOKENS": f"officer:INSP-1:{digest}",
    }
    settings = load_settings(environ=env)
    assert settings.tokens == (ApiToken(digest, "officer", "INSP-1"),)
    assert "secret" not in repr(settings)
    with pytest.raises(ConfigError, match="64 lower-case hex"):
        load_settings(environ={**env, "MOHTASIB_API_TOKENS": "officer:INSP-1:secret"})
    with pytest.raises(ConfigError, match="MOHTASIB_DATABASE_URL"):
        load_settings(environ={"MOHTASIB_LEDGER_KEYS": "keys"})
