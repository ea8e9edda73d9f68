r"""What goes into a public leaf, and the record body sealed to the oversight body.

Leaf data (the bytes whose RFC 9162 leaf hash enters the tree) come in two versioned kinds:

* access: ``b"mohtasib-access-v1\n" + SHA-256(salt || canonical_json) + b"\n" + decision``
  where ``decision`` is ``b"allowed\n"`` or ``b"denied " + rule + b"\n"``;
* tombstone: ``b"mohtasib-tombstone-v2\n" + index + b"\n" + hex(leaf hash of index) + b"\n"
  + deleted_at + b"\n"``, appended when entry ``index`` reaches the end of its retention
  period; ``deleted_at`` is the ISO 8601 time the retention sweep ran (when the body was
  deleted), so the delay past the period is committed by the log. Version 1 tombstones
  (no time line) are still read, with no deletion time.

The salt (32 random bytes) makes the commitment hiding: without it nobody can test a
guessed record against a public leaf. The salt travels inside the body, which is
sealed to the oversight body's X25519 public key, so only the oversight body can
open the record and check it against its leaf.

Sealed body format ``v2`` (written by :class:`BodySealer`)::

    b"mtb2" || ephemeral X25519 public key (32) || nonce (24) || crypto_box_afternm(salt || json)

This is libsodium's ``crypto_box`` (X25519 + HSalsa20 key derivation, XSalsa20-Poly1305)
from an *ephemeral* sender key to the oversight body's key, the construction a sealed
box also uses; the difference is that one ephemeral key serves one batch of records,
each with its own random 24-byte nonce. ``crypto_box`` is designed for many messages
under one key pair with distinct nonces, and random 192-bit nonces do not repeat in
practice, so each body keeps the sealed box's confidentiality and integrity; what the
shared ephemeral key reveals is only that two bodies were sealed in one batch (their
adjacent indices already show that). It spends one X25519 operation per batch instead
of two per record (about 160 µs each record with ``SealedBox`` on the reference
machine). The ephemeral private key lives only while its batch is sealed. Every body
still opens on its own, so retention deletes bodies one by one. :func:`open_body`
also opens the earlier format, a plain PyNaCl ``SealedBox``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import itertools
import os
import re
from collections.abc import Sequence

from nacl import bindings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._sealworker import FRESH_SIZE, seal_documents
from mohtasib.ledger.verify import leaf_hash

__all__ = [
    "ACCESS_PREFIX",
    "TOMBSTONE_PREFIX",
    "BodyMismatch",
    "BodyNotOpened",
    "BodyOpener",
    "BodySealer",
    "LeafView",
    "access_leaf",
    "commitment",
    "open_body",
    "parse_leaf",
    "seal_body",
    "tombstone_leaf",
]

ACCESS_PREFIX = b"mohtasib-access-v1\n"
TOMBSTONE_PREFIX = b"mohtasib-tombstone-v2\n"
TOMBSTONE_V1_PREFIX = b"mohtasib-tombstone-v1\n"
SALT_SIZE = 32
#: First bytes of a body sealed by :class:`BodySealer` (format v2).
BODY_MAGIC = b"mtb2"
_NONCE = bindings.crypto_box_NONCEBYTES
_KEY = bindings.crypto_box_PUBLICKEYBYTES
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


def tombstone_leaf(index: int, original_leaf_data: bytes, deleted_at: str) -> bytes:
    """Leaf data of the tombstone of entry ``index``, deleted at ``deleted_at`` (ISO 8601).

    Commits to that entry's leaf hash and to the deletion time.
    """
    if not deleted_at or "\n" in deleted_at:
        raise InputError(f"got {deleted_at!r}; want an ISO 8601 time", column="deleted_at")
    digest = leaf_hash(original_leaf_data).hex()
    return TOMBSTONE_PREFIX + f"{index}\n{digest}\n{deleted_at}\n".encode()


@dataclasses.dataclass(frozen=True)
class LeafView:
    """A parsed leaf: ``kind`` is ``access`` or ``tombstone``."""

    kind: str
    commitment: bytes | None = None
    allowed: bool | None = None
    rule: str | None = None
    tombstone_of: int | None = None
    tombstoned_leaf_hash: bytes | None = None
    deleted_at: str | None = None


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


def _parse_tombstone(rest: bytes, *, timed: bool) -> LeafView:
    parts = rest.split(b"\n")
    lines = 4 if timed else 3
    if len(parts) != lines or parts[-1] != b"" or not parts[0].isdigit():
        raise VerificationError(f"tombstone leaf is malformed: {rest!r}")
    try:
        target = bytes.fromhex(parts[1].decode("ascii"))
    except ValueError:
        raise VerificationError("tombstone leaf has a malformed leaf hash") from None
    if len(target) != 32:
        raise VerificationError("tombstone leaf hash is not 32 bytes")
    deleted_at = None
    if timed:
        try:
            deleted_at = parts[2].decode("ascii")
            when = dt.datetime.fromisoformat(deleted_at)
        except ValueError:
            raise VerificationError(f"tombstone deletion time is malformed: {parts[2]!r}") from None
        if when.utcoffset() is None:
            raise VerificationError(f"tombstone deletion time {deleted_at} has no time zone")
    return LeafView(
        "tombstone", tombstone_of=int(parts[0]), tombstoned_leaf_hash=target, deleted_at=deleted_at
    )


def parse_leaf(data: bytes) -> LeafView:
    """Parse leaf data; VerificationError when it is neither kind."""
    if data.startswith(ACCESS_PREFIX):
        return _parse_access(data[len(ACCESS_PREFIX) :])
    if data.startswith(TOMBSTONE_PREFIX):
        return _parse_tombstone(data[len(TOMBSTONE_PREFIX) :], timed=True)
    if data.startswith(TOMBSTONE_V1_PREFIX):
        return _parse_tombstone(data[len(TOMBSTONE_V1_PREFIX) :], timed=False)
    raise VerificationError(f"leaf data has an unknown version line: {data[:24]!r}")


def _public_key(key: bytes | PublicKey) -> PublicKey:
    if isinstance(key, PublicKey):
        return key
    if not isinstance(key, bytes) or len(key) != 32:
        raise InputError("oversight public key must be 32 raw X25519 bytes", column="public_key")
    return PublicKey(key)


class BodySealer:
    """Seals record bodies to the oversight body's key, one ephemeral key per sealer.

    Make one sealer per batch (format ``v2`` in the module docstring) and drop it
    after the batch; :meth:`seal` is safe to call from several threads.

    Parameters
    ----------
    public_key
        The oversight body's X25519 public key (32 bytes or a PyNaCl ``PublicKey``).
    """

    def __init__(self, public_key: bytes | PublicKey) -> None:
        recipient = bytes(_public_key(public_key))
        ephemeral = PrivateKey.generate()
        self._prefix = BODY_MAGIC + bytes(ephemeral.public_key)
        self._key = bindings.crypto_box_beforenm(recipient, bytes(ephemeral))
        if len(self._key) != bindings.crypto_box_BEFORENMBYTES:
            raise CryptoError("libsodium returned a shared key of the wrong length")

    def seal(self, canonical_json: bytes) -> tuple[bytes, bytes]:
        """Draw a fresh salt and nonce; return ``(commitment, sealed body)``."""
        digests, bodies = self.seal_many([canonical_json])
        return digests[0], bodies[0]

    @property
    def prefix(self) -> bytes:
        """The first bytes of every body this sealer seals: magic and ephemeral public key."""
        return self._prefix

    @property
    def shared_key(self) -> bytes:
        """The ``crypto_box_beforenm`` key of this batch (for the sealing helper process)."""
        return self._key

    @staticmethod
    def draw(count: int) -> bytes:
        """Fresh salts and nonces for ``count`` records (56 bytes each, one ``os.urandom``)."""
        return os.urandom(FRESH_SIZE * count)

    def seal_many(
        self, documents: Sequence[bytes], fresh: bytes | None = None
    ) -> tuple[list[bytes], list[bytes]]:
        """Seal each canonical JSON document; return their commitments and sealed bodies.

        Same bytes as :meth:`seal` per document, with every salt and nonce of the batch
        drawn from the OS in one ``os.urandom`` call (or taken from ``fresh``, as
        :meth:`draw` returns them) and libsodium's ``crypto_box_easy_afternm`` (whose
        output is ``crypto_box_afternm``'s without the 16 zero bytes it strips) called
        through PyNaCl's CFFI library object itself: one AEAD call and one SHA-256 per
        record, nothing derived per record, every body written into one buffer
        (:func:`~mohtasib.ledger._sealworker.seal_documents`), then cut into one ``bytes``
        per body.
        """
        if fresh is None:
            fresh = self.draw(len(documents))
        digests, whole, sizes = seal_documents(self._key, self._prefix, fresh, documents)
        return digests, split(whole, sizes)


def split(whole: bytes, sizes: Sequence[int]) -> list[bytes]:
    """Cut ``whole`` into consecutive pieces of ``sizes``."""
    ends = list(itertools.accumulate(sizes))
    return [whole[end - size : end] for end, size in zip(ends, sizes, strict=True)]


def seal_body(canonical_json: bytes, public_key: bytes | PublicKey) -> tuple[bytes, bytes]:
    """Draw a fresh salt; return ``(commitment, sealed body)``; the body holds ``salt || json``.

    One record with its own ephemeral key; :class:`BodySealer` seals a batch.
    """
    return BodySealer(public_key).seal(canonical_json)


class BodyNotOpened(VerificationError):
    """A sealed body does not open with the private key(s) given.

    Either it was sealed to another key (for example before an oversight-key
    rotation) or its ciphertext was changed: authenticated encryption cannot tell
    these apart, the key history can (:meth:`~mohtasib.ledger.KeyringOpener.holds_key_for`).
    """


class BodyMismatch(VerificationError):
    """A sealed body opened but is not the record its leaf commits to (a finding)."""


def _decrypt(sealed: bytes, key: PrivateKey) -> bytes:
    if sealed.startswith(BODY_MAGIC) and len(sealed) > len(BODY_MAGIC) + _KEY + _NONCE:
        start = len(BODY_MAGIC)
        ephemeral = sealed[start : start + _KEY]
        nonce = sealed[start + _KEY : start + _KEY + _NONCE]
        try:
            return bindings.crypto_box_open(
                sealed[start + _KEY + _NONCE :], nonce, ephemeral, bytes(key)
            )
        except CryptoError:
            pass  # a v1 sealed box whose random ephemeral key began with the magic bytes
    return SealedBox(key).decrypt(sealed)


def open_body(sealed: bytes, private_key: bytes | PrivateKey, expected: bytes) -> bytes:
    """Decrypt a body and check it against the leaf's commitment; return the canonical JSON.

    Opens format v2 (:class:`BodySealer`) and v1 (a PyNaCl ``SealedBox``). Raises
    VerificationError when the body does not open or the commitment differs.
    """
    key = private_key if isinstance(private_key, PrivateKey) else PrivateKey(private_key)
    try:
        plain = _decrypt(sealed, key)
    except CryptoError:
        raise BodyNotOpened("sealed body does not open with this private key") from None
    salt, body = plain[:SALT_SIZE], plain[SALT_SIZE:]
    if not hmac.compare_digest(commitment(salt, body), expected):
        raise BodyMismatch("decrypted body does not match the leaf's commitment")
    return body


class BodyOpener:
    """Opens many bodies with one private key, deriving each batch's shared key once.

    Bodies sealed in one batch share an ephemeral key (format v2), so reading a
    whole log costs one X25519 operation per batch instead of one per body.
    :meth:`open` checks the commitment exactly as :func:`open_body` does.

    Parameters
    ----------
    private_key
        The oversight body's X25519 private key (32 bytes or a PyNaCl ``PrivateKey``).
    """

    _CACHE = 4096

    def __init__(self, private_key: bytes | PrivateKey) -> None:
        self._key = private_key if isinstance(private_key, PrivateKey) else PrivateKey(private_key)
        self._shared: dict[bytes, bytes] = {}

    def open(self, sealed: bytes, expected: bytes) -> bytes:
        """Decrypt ``sealed``, check it against the commitment ``expected``; return the JSON."""
        start = len(BODY_MAGIC)
        if not sealed.startswith(BODY_MAGIC) or len(sealed) <= start + _KEY + _NONCE:
            return open_body(sealed, self._key, expected)
        ephemeral = sealed[start : start + _KEY]
        shared = self._shared.get(ephemeral)
        if shared is None:
            if len(self._shared) >= self._CACHE:
                self._shared.clear()
            shared = bindings.crypto_box_beforenm(ephemeral, bytes(self._key))
            self._shared[ephemeral] = shared
        nonce = sealed[start + _KEY : start + _KEY + _NONCE]
        try:
            plain = bindings.crypto_box_open_afternm(sealed[start + _KEY + _NONCE :], nonce, shared)
        except CryptoError:
            return open_body(sealed, self._key, expected)  # v1 body, or one that will not open
        salt, body = plain[:SALT_SIZE], plain[SALT_SIZE:]
        if not hmac.compare_digest(commitment(salt, body), expected):
            raise BodyMismatch("decrypted body does not match the leaf's commitment")
        return body
