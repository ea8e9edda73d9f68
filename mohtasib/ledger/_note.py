"""Signed notes with Ed25519 (C2SP ``signed-note``, as golang.org/x/mod/sumdb/note).

A signed note is a text ending in a newline, a blank line, and one or more
signature lines ``— <key name> base64(key ID || signature)``
(https://c2sp.org/signed-note). The key ID is the first four bytes of
``SHA-256(key name || 0x0A || signature type || public key)``; signature type
``0x01`` is Ed25519 over the note text (RFC 8032).

Keys travel as strings in the Go ``note`` package's formats:

* verifier key ("vkey"): ``<name>+<hex key ID>+base64(0x01 || 32-byte public key)``;
* signer key: ``PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mohtasib.errors import InputError, VerificationError

__all__ = [
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "ParsedNote",
    "Verifier",
    "append_signatures",
    "open_note",
    "parse_note",
    "sign_note",
]

#: Signature type byte of plain Ed25519 note signatures (C2SP signed-note).
ED25519 = 0x01
_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE
_MAX_SIGNATURES = 100  # the spec asks for at least 16; Go's note package allows 100


class Verifier(Protocol):
    """Anything that checks a signature line identified by (key name, key ID).

    :class:`NoteVerifier` and :class:`~mohtasib.ledger.CosignatureVerifier` are two.
    """

    @property
    def name(self) -> str:
        """Key name the signature line must carry."""
        ...

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID the signature must start with."""
        ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (after the key ID) is valid over the note text."""
        ...


def check_key_name(name: str) -> None:
    """Raise InputError unless ``name`` is a valid key name (non-empty, no spaces, no ``+``)."""
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise InputError(f"key name {name!r} is invalid; want non-empty text without spaces or '+'")


def compute_key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """``SHA-256(name || 0x0A || signature_type || public_key)[:4]`` (C2SP signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64: alphabet, padding and canonical trailing bits."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise VerificationError(f"{what} {text!r} is not standard base64: {exc}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerificationError(f"{what} {text!r} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def parse_key_string(text: str, signature_type: int) -> tuple[str, bytes, bytes]:
    """Split ``<name>+<hex key ID>+base64(type || key)`` and check the type byte.

    Returns the name, the claimed 4-byte key ID and the 32 key bytes; the caller
    checks the key ID against the key. Raises VerificationError when any part
    is malformed.
    """
    name, _, rest = text.partition("+")
    id_hex, plus, key64 = rest.partition("+")
    if not plus or len(id_hex) != 8:
        raise VerificationError(f"key {text!r}: want <name>+<8 hex digits>+<base64 key>")
    check_key_name(name)
    try:
        claimed = bytes.fromhex(id_hex)
    except ValueError as exc:
        raise VerificationError(f"key {text!r}: key ID {id_hex!r} is not hex") from exc
    raw = _b64decode(key64, "key material")
    if len(raw) != 33 or raw[0] != signature_type:
        raise VerificationError(
            f"key {name!r}: want 33 bytes starting with type 0x{signature_type:02x}; "
            f"got {len(raw)} bytes starting with 0x{raw[:1].hex() or '--'}"
        )
    return name, claimed, raw[1:]


def _check_key_id(name: str, claimed: bytes, computed: bytes) -> None:
    if claimed != computed:
        raise VerificationError(
            f"key {name!r}: key ID {claimed.hex()} does not match the key "
            f"(computed {computed.hex()})"
        )


class NoteVerifier:
    """An Ed25519 public key that checks note signatures (C2SP signed-note, type 0x01).

    Parameters
    ----------
    name
        Key name (non-empty, no spaces, no ``+``); for a log, its origin.
    public_key
        The Ed25519 public key.
    """

    signature_type: ClassVar[int] = ED25519

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        check_key_name(name)
        self._name = name
        self.public_key = public_key
        self._key_id = compute_key_id(name, self.signature_type, _raw_public(public_key))

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """``SHA-256(name || 0x0A || type || public key)[:4]``."""
        return self._key_id

    @property
    def vkey(self) -> str:
        """Verifier key string ``<name>+<hex key ID>+base64(type || public key)``."""
        material = bytes([self.signature_type]) + _raw_public(self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{_b64(material)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse a verifier key string; VerificationError if malformed or its key ID is wrong."""
        name, claimed, raw = parse_key_string(vkey, cls.signature_type)
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(raw))
        _check_key_id(name, claimed, verifier.key_id)
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey!r})"


class NoteSigner:
    """An Ed25519 private key that signs notes (C2SP signed-note, type 0x01).

    Parameters
    ----------
    name
        Key name (non-empty, no spaces, no ``+``); for a log, its origin.
    private_key
        The Ed25519 private key. Keep it out of logs: ``repr`` does not show it.
    """

    verifier_class: ClassVar[type[NoteVerifier]] = NoteVerifier

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self._name = name
        self._private_key = private_key
        self._verifier = self.verifier_class(name, private_key.public_key())

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID, as the matching verifier computes it."""
        return self._verifier.key_id

    @property
    def skey(self) -> str:
        """Signer key string ``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)``."""
        seed = self._private_key.private_bytes_raw()
        material = bytes([self.verifier_class.signature_type]) + seed
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{_b64(material)}"

    @classmethod
    def generate(cls, name: str) -> Self:
        """A signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Parse a signer key string; VerificationError if malformed or its key ID is wrong."""
        if not skey.startswith("PRIVATE+KEY+"):
            raise VerificationError("signer key does not start with PRIVATE+KEY+")
        rest = skey.removeprefix("PRIVATE+KEY+")
        name, claimed, seed = parse_key_string(rest, cls.verifier_class.signature_type)
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        _check_key_id(name, claimed, signer.key_id)
        return signer

    def verifier(self) -> NoteVerifier:
        """The matching verifier (public key only)."""
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message`` (the note text)."""
        return self._private_key.sign(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_id={self.key_id.hex()!r})"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class ParsedNote:
    """A note split into its text (with final newline) and signature lines, unverified."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str, what: str) -> None:
    bad = next(
        (c for c in text if c != "\n" and (ord(c) < 0x20 or 0xD800 <= ord(c) < 0xE000)), None
    )
    if bad is not None:
        raise VerificationError(f"{what} contains {bad!r}; only newline may be a control character")


def _parse_signature_line(number: int, line: str) -> NoteSignature:
    if not line.startswith(_PREFIX):
        raise VerificationError(f"signature line {number} {line!r} does not start with '— '")
    name, space, b64 = line.removeprefix(_PREFIX).partition(" ")
    if not space:
        raise VerificationError(f"signature line {number} has no space between name and signature")
    try:
        check_key_name(name)
    except InputError as exc:
        raise VerificationError(f"signature line {number}: {exc.message}") from exc
    raw = _b64decode(b64, f"signature line {number}")
    if len(raw) < 5:
        raise VerificationError(f"signature line {number} holds {len(raw)} bytes; want > 4")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(note: str) -> ParsedNote:
    """Split a signed note into text and signature lines without verifying anything.

    The text ends at the last blank line (C2SP signed-note). Raises
    VerificationError for a malformed note: control characters, no blank line,
    no signature, a signature block not ending in a newline, a bad line.
    """
    _check_text(note, "note")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise VerificationError("note has no blank line before its signatures")
    text, block = note[: cut + 1], note[cut + 2 :]
    if not block or not block.endswith("\n"):
        raise VerificationError("note's signature block is empty or does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise VerificationError(f"note has {len(lines)} signatures; at most {_MAX_SIGNATURES}")
    return ParsedNote(text, tuple(_parse_signature_line(n, ln) for n, ln in enumerate(lines, 1)))


def _signature_lines(text: str, signers: Sequence[NoteSigner]) -> str:
    if not signers:
        raise InputError("no signer given; a note needs at least one signature")
    message = text.encode()
    lines = []
    for signer in signers:
        check_key_name(signer.name)
        lines.append(f"{_PREFIX}{signer.name} {_b64(signer.key_id + signer.sign(message))}\n")
    return "".join(lines)


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    r"""Sign ``text`` with each signer: ``text + "\n" + signature lines``.

    Requires ``text`` to end in a newline and hold no control character other
    than newline (InputError otherwise).
    """
    if not text.endswith("\n"):
        raise InputError("note text must end in a newline")
    try:
        _check_text(text, "note text")
    except VerificationError as exc:
        raise InputError(str(exc)) from exc
    return text + "\n" + _signature_lines(text, signers)


def append_signatures(note: str, signers: Sequence[NoteSigner]) -> str:
    """Add signature lines to an already signed note (a witness's cosignature).

    The caller must have verified the note first (:func:`open_note`); this
    only parses it to find the text the new signatures cover.
    """
    return note + _signature_lines(parse_note(note).text, signers)


def open_note(note: str, verifiers: Sequence[Verifier]) -> tuple[str, list[str]]:
    """Verify a signed note; return its text and the names of the keys that verified.

    Signatures are matched to verifiers by (key name, key ID); others are
    ignored, as C2SP signed-note requires.

    Raises
    ------
    VerificationError
        When the note is malformed, when a signature from a known key does not
        verify (the whole note is rejected), or when no known key signed it;
        the last message lists the unknown signatures found.
    InputError
        When two verifiers share a name and key ID (ambiguous).
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if slot in known:
            raise InputError(f"two verifiers named {verifier.name!r} share key ID {slot[1].hex()}")
        known[slot] = verifier
    parsed = parse_note(note)
    message = parsed.text.encode()
    verified: list[str] = []
    unknown: list[str] = []
    for sig in parsed.signatures:
        match = known.get((sig.name, sig.key_id))
        if match is None:
            unknown.append(f"{sig.name}+{sig.key_id.hex()}")
        elif not match.verify(message, sig.signature):
            raise VerificationError(
                f"signature by {sig.name}+{sig.key_id.hex()} does not verify: the note or "
                "the signature was changed"
            )
        elif sig.name not in verified:
            verified.append(sig.name)
    if not verified:
        raise VerificationError(
            f"note is not signed by any known key; signatures from unknown keys: "
            f"{', '.join(unknown) or 'none'}"
        )
    return parsed.text, verified
