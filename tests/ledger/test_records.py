"""Access records: canonical JSON, field validation, pseudonyms, leaf data and sealed bodies."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl import bindings
from nacl.public import PrivateKey

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._records import AccessRecord, CourtOrder, Fir, Warrant, pseudonymise
from mohtasib.ledger._sealing import (
    BODY_MAGIC,
    SALT_SIZE,
    BodyOpener,
    BodySealer,
    access_leaf,
    open_body,
    parse_leaf,
    seal_body,
    tombstone_leaf,
)
from mohtasib.ledger.verify import leaf_hash

MakeRecord = Callable[..., AccessRecord]


def test_pseudonymise_is_hmac_sha256_hex() -> None:
    key = b"0123456789abcdef"
    want = hmac.new(key, b"LEA-1234", hashlib.sha256).hexdigest()
    assert pseudonymise("LEA-1234", key) == want
    assert pseudonymise("LEA-1234", key) != pseudonymise("LEA-1234", b"x" * 16)


def test_pseudonymise_rejects_short_key() -> None:
    with pytest.raises(InputError, match="at least 16"):
        pseudonymise("35202-1234567-1", b"short")


def test_canonical_json_sorted_without_whitespace(make_record: MakeRecord) -> None:
    data = make_record().canonical_json()
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert b" " not in data.replace(b"Civil Lines", b"")
    assert data == json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()


def test_canonical_json_keeps_urdu_as_utf8(make_record: MakeRecord) -> None:
    data = make_record(purpose="تفتیش").canonical_json()
    assert "تفتیش".encode() in data


@pytest.mark.parametrize(
    "authority",
    [
        None,
        Fir("1/2025", "Saddar", "Quetta"),
        Warrant("W-1", "High Court", "Judge B", dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
        CourtOrder("CO-9", "Islamabad High Court"),
    ],
)
def test_record_round_trips_through_json(make_record: MakeRecord, authority: object) -> None:
    record = make_record(legal_authority=authority, approver="SP-1")
    assert AccessRecord.from_json(record.canonical_json()) == record


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requester", ""),
        ("role", None),
        ("time", dt.datetime(2025, 1, 5, 10, 0)),
        ("time", "yesterday"),
        ("system", " "),
        ("action", "mind_reading"),
        ("target", "LEA-1234"),
        ("target", "35202-1234567-1"),
        ("legal_authority", {"kind": "fir"}),
        ("purpose", ""),
        ("approver", ""),
        ("outcome", ""),
        ("retention_class", ""),
    ],
)
def test_record_rejects_bad_field_naming_it(
    make_record: MakeRecord, field: str, value: object
) -> None:
    with pytest.raises(InputError) as caught:
        make_record(**{field: value})
    assert caught.value.column == field


def test_warrant_rejects_reversed_window() -> None:
    with pytest.raises(InputError) as caught:
        Warrant("W-1", "Court", "Judge", dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    assert caught.value.column == "legal_authority.valid_until"


def test_from_dict_names_missing_and_bad_authority(make_record: MakeRecord) -> None:
    data = make_record().to_dict()
    del data["purpose"]
    with pytest.raises(InputError) as caught:
        AccessRecord.from_dict(data)
    assert caught.value.column == "purpose"
    data = make_record().to_dict()
    data["legal_authority"] = {"kind": "fir", "number": "1", "police_station": "S"}
    with pytest.raises(InputError) as caught:
        AccessRecord.from_dict(data)
    assert caught.value.column == "legal_authority"


def test_leaf_data_reveals_nothing_about_the_record(make_record: MakeRecord) -> None:
    record = make_record()
    digest, _ = seal_body(record.canonical_json(), PrivateKey.generate().public_key)
    leaf = access_leaf(digest, allowed=False, rule="warrant_window")
    assert leaf.startswith(b"mohtasib-access-v1\n")
    for field in (record.requester, record.target, "Lahore", "investigation"):
        assert field.encode() not in leaf
    view = parse_leaf(leaf)
    assert (view.kind, view.commitment, view.allowed, view.rule) == (
        "access",
        digest,
        False,
        "warrant_window",
    )


def test_same_record_gives_different_commitments(make_record: MakeRecord) -> None:
    key = PrivateKey.generate().public_key
    body = make_record().canonical_json()
    assert seal_body(body, key)[0] != seal_body(body, key)[0]


def test_sealed_body_opens_only_with_the_private_key(make_record: MakeRecord) -> None:
    key = PrivateKey.generate()
    body = make_record().canonical_json()
    digest, sealed = seal_body(body, key.public_key)
    assert open_body(sealed, key, digest) == body
    with pytest.raises(VerificationError, match="does not open"):
        open_body(sealed, PrivateKey.generate(), digest)
    with pytest.raises(VerificationError, match="commitment"):
        open_body(sealed, key, bytes(32))


def test_seal_many_writes_the_bytes_of_pynacls_crypto_box_easy_afternm() -> None:
    # seal_many calls libsodium through PyNaCl's CFFI object, skipping the wrapper: each
    # body must still be magic || ephemeral key || nonce || crypto_box_easy_afternm(...).
    key = PrivateKey.generate()
    documents = [b"", b"{}", '{"purpose":"تفتیش"}'.encode(), b"x" * 5000]
    digests, bodies = BodySealer(key.public_key).seal_many(documents)
    opener = BodyOpener(key)
    for document, digest, body in zip(documents, digests, bodies, strict=True):
        assert body.startswith(BODY_MAGIC)
        at = len(BODY_MAGIC)
        ephemeral, nonce = body[at : at + 32], body[at + 32 : at + 56]
        shared = bindings.crypto_box_beforenm(ephemeral, bytes(key))
        plain = bindings.crypto_box_open_afternm(body[at + 56 :], nonce, shared)
        assert plain[SALT_SIZE:] == document
        assert body[at + 56 :] == bindings.crypto_box_easy_afternm(plain, nonce, shared)
        assert digest == hashlib.sha256(plain).digest()
        assert open_body(body, key, digest) == opener.open(body, digest) == document
    assert len({body[36:60] for body in bodies}) == len(bodies)  # a fresh nonce per body


def test_tombstone_leaf_commits_to_index_leaf_and_deletion_time() -> None:
    original = access_leaf(bytes(32), allowed=True, rule=None)
    data = tombstone_leaf(7, original, "2025-03-01T00:00:00+05:00")
    assert data.startswith(b"mohtasib-tombstone-v2\n")
    view = parse_leaf(data)
    assert (view.kind, view.tombstone_of, view.tombstoned_leaf_hash, view.deleted_at) == (
        "tombstone",
        7,
        leaf_hash(original),
        "2025-03-01T00:00:00+05:00",
    )
    with pytest.raises(InputError, match="ISO 8601"):
        tombstone_leaf(7, original, "")


def test_version_1_tombstone_still_parses_without_a_time() -> None:
    digest = leaf_hash(b"x").hex()
    view = parse_leaf(b"mohtasib-tombstone-v1\n7\n" + digest.encode() + b"\n")
    assert (view.tombstone_of, view.deleted_at) == (7, None)


@pytest.mark.parametrize(
    "time",
    [b"yesterday", b"2025-03-01T00:00:00"],  # not ISO 8601; no time zone
)
def test_tombstone_with_a_bad_deletion_time_is_rejected(time: bytes) -> None:
    digest = leaf_hash(b"x").hex().encode()
    with pytest.raises(VerificationError, match="deletion time"):
        parse_leaf(b"mohtasib-tombstone-v2\n7\n" + digest + b"\n" + time + b"\n")


@pytest.mark.parametrize("data", [b"", b"mohtasib-access-v1\nshort", b"other\n"])
def test_parse_leaf_rejects_malformed(data: bytes) -> None:
    with pytest.raises(VerificationError):
        parse_leaf(data)


def _reference_canonical_json(record: AccessRecord) -> bytes:
    """The original implementation: json.dumps of to_dict with sorted keys."""
    return json.dumps(
        record.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


_AWKWARD = st.text(min_size=1).filter(lambda s: bool(s.strip()))


@settings(max_examples=200, deadline=None)
@given(
    requester=_AWKWARD,
    purpose=_AWKWARD,
    outcome=_AWKWARD,
    approver=st.none() | _AWKWARD,
    authority=st.sampled_from(["none", "fir", "warrant", "court_order"]),
    text=_AWKWARD,
    offset_minutes=st.integers(-14 * 60, 14 * 60),
    micro=st.integers(0, 999_999),
)
def test_canonical_json_equals_json_dumps_of_to_dict(
    requester: str,
    purpose: str,
    outcome: str,
    approver: str | None,
    authority: str,
    text: str,
    offset_minutes: int,
    micro: int,
) -> None:
    legal: Fir | Warrant | CourtOrder | None = {
        "none": None,
        "fir": Fir(text, 'Civil Lines "Saddar"', "لاہور"),
        "warrant": Warrant(text, "ATC-1", "J\\K", dt.date(2025, 1, 1), dt.date(2025, 2, 15)),
        "court_order": CourtOrder(text, "High Court\n\t\u2028"),
    }[authority]
    tz = dt.timezone(dt.timedelta(minutes=offset_minutes))
    record = AccessRecord(
        requester,
        "investigating_officer",
        dt.datetime(2025, 1, 5, 10, 0, 7, micro, tzinfo=tz),
        "psca-lahore-anpr\x7f\ud7ff",
        "plate_search",
        pseudonymise("LEA-1", b"k" * 16),
        legal,
        purpose,
        approver,
        outcome,
        "standard",
    )
    assert record.canonical_json() == _reference_canonical_json(record)
    assert record.canonical_json(record.time.isoformat()) == _reference_canonical_json(record)
