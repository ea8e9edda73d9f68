r"""What goes into a public leaf, and the record body sealed to the oversight body.

Leaf data (the bytes whose RFC 9162 leaf hash enters the tree) come in two versioned kinds:

* access: ``b"mohtasib-access-v1\n" + SHA-256(salt || canonical_json) + b"\n" + decision``
  where ``decision`` is ``b"allowed\n"`` or ``b"denied " + rule + b"\n"``;
* tombstone: ``b"mohtasib-tombstone-v1\n" + index + b"\n" + hex(leaf hash of index) + b"\n"``,
  appended when entry ``index`` reaches the end of its retention period.

The salt (32 random bytes) makes the commitment hiding: without it nobody can test a
guessed record against a public leaf. The salt travels inside the body, which is
sealed to the oversight body's X25519 public key with a libsodium sealed box
(PyNaCl ``SealedBox``: ephemeral X25519 key per message, XSalsa20-Poly1305), so
only the oversight body can open the record and check it against its leaf.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger.verify import leaf_hash

__all__ = [
    "ACCESS_PREFIX",
    "TOMBSTONE_PREFIX",
    "LeafView",
    "access_leaf",
    "commitment",
    "open_body",
    "parse_leaf",
    "seal_body",
    "tombstone_leaf",
]

ACCESS_PREFIX = b"mohtasib-access-v1\n"
TOMBSTONE_PREFIX = b"mohtasib-tombstone-v1\n"
SALT_SIZE = 32
_RULE = re.compile(rb"[a-z0-9_]+")


def commitment(salt: bytes, canonical_json: bytes) -> bytes:
    """``SHA-256(salt || canonical_json)``: the salted commitment to one record."""
    return hashlib.sha256(salt + canonical_json).digest()


def access_leaf(digest: bytes, *, allowed: bool, rule: str | None) -> bytes:
    """Leaf data of an access entry: version line, commitment, decision line."""
    if allowed:
        decision = b"allowed\n"
    else:
        encoded = (rule or "").encode("ascii", "replace")
        if not _RULE.fullmatch(encoded):
            raise InputError(f"rule {rule!r} is not [a-z0-9_]+", column="rule")
        decision = b"denied " + encoded + b"\n"
    return ACCESS_PREFIX + digest + b"\n" + decision


def tombstone_leaf(index: int, original_leaf_data: bytes) -> bytes:
    """Leaf data of the tombstone of entry ``index`` (commits to that entry's leaf hash)."""
    return TOMBSTONE_PREFIX + f"{index}\n{leaf_hash(original_leaf_data).hex()}\n".encode()


@dataclasses.dataclass(frozen=True)
class LeafView:
    """A parsed leaf: ``kind`` is ``access`` or ``tombstone``."""

    kind: str
    commitment: bytes | None = None
    allowed: bool | None = None
    rule: str | None = None
    tombstone_of: int | None = None
    tombstoned_leaf_hash: bytes | None = None


def _parse_access(rest: bytes) -> LeafView:
    digest, sep, decision = rest[:32], rest[32:33], rest[33:]
    if len(digest) != 32 or sep != b"\n":
        raise VerificationError("access leaf has no 32-byte commitment")
    if decision == b"allowed\n":
        return LeafView("access", digest, True)
    if decision.startswith(b"denied ") and decision.endswith(b"\n"):
        rule = decision[7:-1]
        if _RULE.fullmatch(rule):
            return LeafView("access", digest, False, rule.decode())
    raise VerificationError(f"access leaf has a malformed decision {decision!r}")


def _parse_tombstone(rest: bytes) -> LeafView:
    parts = rest.split(b"\n")
    if len(parts) != 3 or parts[2] != b"" or not parts[0].isdigit():
        raise VerificationError(f"tombstone leaf is malformed: {rest!r}")
    try:
        target = bytes.fromhex(parts[1].decode("ascii"))
    except ValueError:
        raise VerificationError("tombstone leaf has a malformed leaf hash") from None
    if len(target) != 32:
        raise VerificationError("tombstone leaf hash is not 32 bytes")
    return LeafView("tombstone", tombstone_of=int(parts[0]), tombstoned_leaf_hash=target)


def parse_leaf(data: bytes) -> LeafView:
    """Parse leaf data; VerificationError when it is neither kind."""
    if data.startswith(ACCESS_PREFIX):
        return _parse_access(data[len(ACCESS_PREFIX) :])
    if data.startswith(TOMBSTONE_PREFIX):
        return _parse_tombstone(data[len(TOMBSTONE_PREFIX) :])
    raise VerificationError(f"leaf data has an unknown version line: {data[:24]!r}")


def _public_key(key: bytes | PublicKey) -> PublicKey:
    if isinstance(key, PublicKey):
        return key
    if not isinstance(key, bytes) or len(key) != 32:
        raise InputError("oversight public key must be 32 raw X25519 bytes", column="public_key")
    return PublicKey(key)


def seal_body(canonical_json: bytes, public_key: bytes | PublicKey) -> tuple[bytes, bytes]:
    """Draw a fresh salt; return ``(commitment, sealed body)``; the body is ``salt || json``."""
    salt = secrets.token_bytes(SALT_SIZE)
    box = SealedBox(_public_key(public_key))
    return commitment(salt, canonical_json), box.encrypt(salt + canonical_json)


def open_body(sealed: bytes, private_key: bytes | PrivateKey, expected: bytes) -> bytes:
    """Decrypt a body and check it against the leaf's commitment; return the canonical JSON.

    Raises VerificationError when the box does not open or the commitment differs.
    """
    key = private_key if isinstance(private_key, PrivateKey) else PrivateKey(private_key)
    try:
        plain = SealedBox(key).decrypt(sealed)
    except CryptoError:
        raise VerificationError("sealed body does not open with this private key") from None
    salt, body = plain[:SALT_SIZE], plain[SALT_SIZE:]
    if not hmac.compare_digest(commitment(salt, body), expected):
        raise VerificationError("decrypted body does not match the leaf's commitment")
    return body
