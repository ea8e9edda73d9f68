"""Operators: tag, mask, keyed pseudonyms, sealed encryption; no raw value survives."""

from __future__ import annotations

import base64

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import ConfigError, InputError
from mohtasib.privacy import redact, reveal

TEXT = "Imran Butt s/o Tariq Khan, CNIC 35202-1234567-1, cell 0300-1234567, car LEA-1234."
RAW = ["Imran Butt", "Tariq Khan", "35202-1234567-1", "0300-1234567", "LEA-1234"]
KEY = "k" * 32


@pytest.mark.parametrize("operator", ["tag", "mask", "pseudonym"])
def test_redact_leaves_no_raw_value(operator: str) -> None:
    out = redact(TEXT, operator=operator, key=KEY)
    assert not [v for v in RAW if v in out]


def test_tag_names_the_type() -> None:
    assert "<CNIC>" in redact(TEXT) and "<VEHICLE_PLATE>" in redact(TEXT)


def test_pseudonym_is_stable_across_documents_and_layouts() -> None:
    a = redact("CNIC 35202-1234567-1", operator="pseudonym", key=KEY)
    b = redact("شناختی کارڈ ۳۵۲۰۲۱۲۳۴۵۶۷۱ ملا", operator="pseudonym", key=KEY)
    assert a.split()[-1] in b


def test_pseudonym_differs_between_keys() -> None:
    a = redact("CNIC 35202-1234567-1", operator="pseudonym", key=KEY)
    b = redact("CNIC 35202-1234567-1", operator="pseudonym", key="z" * 32)
    assert a != b


def test_pseudonym_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOHTASIB_PSEUDONYM_KEY", KEY)
    assert redact(TEXT, operator="pseudonym") == redact(TEXT, operator="pseudonym", key=KEY)


def test_missing_pseudonym_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOHTASIB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigError, match="MOHTASIB_PSEUDONYM_KEY"):
        redact(TEXT, operator="pseudonym")


def test_short_pseudonym_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as info:
        redact(TEXT, operator="pseudonym", key="secret123")
    assert "secret123" not in str(info.value)


def test_encrypt_round_trips_for_the_private_key_holder() -> None:
    private = PrivateKey.generate()
    public = base64.b64encode(bytes(private.public_key)).decode()
    out = redact(TEXT, operator="encrypt", key=public)
    assert not [v for v in RAW if v in out]
    assert reveal(out, private_key=base64.b64encode(bytes(private)).decode()) == TEXT


def test_reveal_with_wrong_key_fails_without_values() -> None:
    out = redact(TEXT, operator="encrypt", key=bytes(PrivateKey.generate().public_key))
    with pytest.raises(InputError) as info:
        reveal(out, private_key=bytes(PrivateKey.generate()))
    assert not [v for v in RAW if v in str(info.value)]


def test_missing_public_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOHTASIB_OVERSIGHT_PUBLIC_KEY", raising=False)
    with pytest.raises(ConfigError, match="MOHTASIB_OVERSIGHT_PUBLIC_KEY"):
        redact(TEXT, operator="encrypt")


def test_unknown_operator_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="operator"):
        redact(TEXT, operator="erase")
