"""Replace personal data found by :func:`find_pii`: :func:`redact` and :func:`reveal`.

Operators (applied by Presidio's ``AnonymizerEngine``):

``tag``
    ``<CNIC>``, ``<PHONE_NUMBER>`` … : the type only.
``mask``
    every character of the value becomes ``*`` (the length stays visible).
``pseudonym``
    ``<CNIC:3f9a1c2b5d6e7f80>``: the first 16 hex digits of HMAC-SHA-256 (RFC 2104)
    of the entity type and the normalised value, keyed by ``MOHTASIB_PSEUDONYM_KEY``.
    The same value gives the same pseudonym in every document and run with that key,
    so records can still be linked; a different key gives unrelated pseudonyms.
    Values are normalised first (separators and Urdu digits in numbers, case in
    e-mail addresses), so ``35202-1234567-1`` and ``۳۵۲۰۲۱۲۳۴۵۶۷۱`` agree.
``encrypt``
    ``<CNIC:enc:…>``: the value sealed (libsodium sealed box: X25519 + XSalsa20-Poly1305)
    to the oversight body's public key (``MOHTASIB_OVERSIGHT_PUBLIC_KEY``, base64).
    Whoever redacts cannot decrypt; only the holder of the private key can, with
    :func:`reveal`. Each sealing is randomised, so equal values do not look equal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from mohtasib.errors import ConfigError, InputError
from mohtasib.privacy._nlp import AnonymizerEngine, AnonymizerResult, OperatorConfig
from mohtasib.privacy._pii import ENTITY_TYPES, PiiSpan, find_pii, normalise_digits

__all__ = ["OPERATORS", "PSEUDONYM_KEY_VAR", "PUBLIC_KEY_VAR", "redact", "reveal"]

#: The redaction operators.
OPERATORS: tuple[str, ...] = ("tag", "mask", "pseudonym", "encrypt")
#: Environment variable holding the pseudonym key (at least 16 characters; no default).
PSEUDONYM_KEY_VAR = "MOHTASIB_PSEUDONYM_KEY"
#: Environment variable holding the oversight body's base64 X25519 public key.
PUBLIC_KEY_VAR = "MOHTASIB_OVERSIGHT_PUBLIC_KEY"
_MIN_KEY_CHARS = 16
_TOKEN = re.compile(r"<([A-Z_]+):enc:([A-Za-z0-9_\-]+=*)>")
_NUMERIC = {"CNIC", "PHONE_NUMBER", "NTN", "FIR_NUMBER", "IBAN", "PASSPORT", "VEHICLE_PLATE"}


def _pseudonym_key(key: str | bytes | None) -> bytes:
    if key is None:
        key = os.environ.get(PSEUDONYM_KEY_VAR)
        if not key:
            raise ConfigError(
                f"the pseudonym operator needs a secret key: set {PSEUDONYM_KEY_VAR} "
                f"(at least {_MIN_KEY_CHARS} characters; there is no default)"
            )
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if len(raw) < _MIN_KEY_CHARS:
        raise ConfigError(
            f"the pseudonym key has {len(raw)} bytes; want at least {_MIN_KEY_CHARS}",
            key=PSEUDONYM_KEY_VAR,
        )
    return raw


def _public_key(key: str | bytes | None) -> PublicKey:
    if key is None:
        key = os.environ.get(PUBLIC_KEY_VAR)
        if not key:
            raise ConfigError(
                f"the encrypt operator needs the oversight body's public key: set {PUBLIC_KEY_VAR} "
                "(base64 of a 32-byte X25519 public key)"
            )
    try:
        raw = (
            key
            if isinstance(key, bytes) and len(key) == 32
            else base64.b64decode(key, validate=True)
        )
        return PublicKey(raw)
    except (binascii.Error, ValueError, TypeError, CryptoError):
        raise ConfigError("the public key is not base64 of 32 bytes", key=PUBLIC_KEY_VAR) from None


def normalise_value(entity_type: str, value: str) -> str:
    """The form of a value that pseudonyms are computed from.

    Numbers lose separators and Urdu digits become ASCII; phone numbers become
    ``92…`` without the trunk ``0``; other values are case-folded with spaces collapsed.
    """
    value = normalise_digits(value)
    if entity_type in _NUMERIC:
        value = re.sub(r"[^0-9A-Za-z]", "", value).upper()
        if entity_type == "PHONE_NUMBER":
            value = re.sub(r"^(?:0092|92|0)", "92", value)
        return value
    return " ".join(value.casefold().split())


def _operators(operator: str, key: str | bytes | None) -> Callable[[str], Callable[[str], str]]:
    if operator == "pseudonym":
        secret = _pseudonym_key(key)

        def pseudonym(entity: str) -> Callable[[str], str]:
            def apply(value: str) -> str:
                message = f"{entity}\x00{normalise_value(entity, value)}".encode()
                digest = hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]
                return f"<{entity}:{digest}>"

            return apply

        return pseudonym
    box = SealedBox(_public_key(key))

    def encrypt(entity: str) -> Callable[[str], str]:
        def apply(value: str) -> str:
            sealed = base64.urlsafe_b64encode(box.encrypt(value.encode("utf-8"))).decode()
            return f"<{entity}:enc:{sealed}>"

        return apply

    return encrypt


def _config(operator: str, key: str | bytes | None) -> dict[str, OperatorConfig]:
    if operator == "tag":
        return {e: OperatorConfig("replace", {"new_value": f"<{e}>"}) for e in ENTITY_TYPES}
    if operator == "mask":
        return {
            e: OperatorConfig(
                "mask", {"masking_char": "*", "chars_to_mask": 10**9, "from_end": False}
            )
            for e in ENTITY_TYPES
        }
    factory = _operators(operator, key)
    return {e: OperatorConfig("custom", {"lambda": factory(e)}) for e in ENTITY_TYPES}


def redact(
    text: str,
    *,
    operator: str = "tag",
    key: str | bytes | None = None,
    language: str = "auto",
    spans: list[PiiSpan] | None = None,
) -> str:
    """Return ``text`` with the personal data :func:`find_pii` finds replaced.

    Parameters
    ----------
    text
        The document.
    operator
        ``tag``, ``mask``, ``pseudonym`` or ``encrypt`` (see the module docstring).
    key
        ``pseudonym``: the secret key (default: ``$MOHTASIB_PSEUDONYM_KEY``).
        ``encrypt``: the oversight body's public key, raw 32 bytes or base64
        (default: ``$MOHTASIB_OVERSIGHT_PUBLIC_KEY``). Ignored by ``tag`` and ``mask``.
    language
        Passed to :func:`find_pii`.
    spans
        Spans already found in ``text`` (skips the analysis).

    Raises
    ------
    ConfigError
        Unknown operator; a key is missing, too short or malformed. Messages never
        contain the key or any part of the text.
    """
    if operator not in OPERATORS:
        raise ConfigError(f"got operator {operator!r}; want one of {', '.join(OPERATORS)}")
    operators = _config(operator, key)
    found = find_pii(text, language=language) if spans is None else spans
    if not found:
        return text
    results = [AnonymizerResult(s.entity_type, s.start, s.end, s.score) for s in found]
    engine = _anonymizer()
    return str(
        engine.anonymize(text, results, operators=operators, merge_entities_with_spaces=False).text
    )


_ANONYMIZER: list[AnonymizerEngine] = []


def _anonymizer() -> AnonymizerEngine:
    if not _ANONYMIZER:
        _ANONYMIZER.append(AnonymizerEngine())  # type: ignore[no-untyped-call]
    return _ANONYMIZER[0]


def reveal(text: str, *, private_key: str | bytes) -> str:
    """Decrypt the ``<TYPE:enc:…>`` tokens that the ``encrypt`` operator wrote.

    Parameters
    ----------
    text
        Redacted text.
    private_key
        The oversight body's X25519 private key, raw 32 bytes or base64.

    Raises
    ------
    ConfigError
        The key is malformed.
    InputError
        A token does not decrypt with this key (the message gives its position only).
    """
    try:
        raw = (
            private_key
            if isinstance(private_key, bytes) and len(private_key) == 32
            else base64.b64decode(private_key, validate=True)
        )
        box = SealedBox(PrivateKey(raw))
    except (binascii.Error, ValueError, TypeError, CryptoError):
        raise ConfigError("the private key is not base64 of 32 bytes") from None

    def _open(match: re.Match[str]) -> str:
        try:
            return str(box.decrypt(base64.urlsafe_b64decode(match.group(2))).decode("utf-8"))
        except (binascii.Error, ValueError, CryptoError):
            raise InputError(
                f"the {match.group(1)} token at character {match.start()} does not decrypt "
                "with this private key"
            ) from None

    return _TOKEN.sub(_open, text)
