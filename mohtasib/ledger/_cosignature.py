r"""Witness cosignatures on checkpoints (C2SP ``tlog-cosignature``, ``cosignature/v1``).

A cosignature is a note signature line (https://c2sp.org/tlog-cosignature) whose
key ID is ``SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]`` and
whose signature is a ``timestamped_signature``::

    u64 timestamp (big-endian POSIX seconds) || 64-byte Ed25519 signature

over the message ``"cosignature/v1\n" + "time <timestamp>\n" + <checkpoint note
text>`` (the whole note body, extension lines included, signature lines
excluded). The statement it makes: as of that time, this is the largest
consistent tree head the witness has seen for the log named by the origin line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mohtasib.errors import InputError
from mohtasib.ledger._note import NoteSigner, NoteVerifier

__all__ = ["CosignatureSigner", "CosignatureVerifier", "cosigned_message"]

#: Signature type byte of timestamped Ed25519 cosignatures (C2SP signed-note).
COSIGNATURE_V1 = 0x04
_ED25519_SIGNATURE = 64
_MAX_TIMESTAMP = 2**63 - 1


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The bytes a ``cosignature/v1`` signs: header line, time line, checkpoint text."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise InputError(f"timestamp {timestamp} is outside 0..2**63-1")
    return b"cosignature/v1\ntime %d\n" % timestamp + text


class CosignatureVerifier(NoteVerifier):
    """A witness's public key; checks its ``cosignature/v1`` lines (type 0x04).

    Its verifier-key string is ``<name>+<hex key ID>+base64(0x04 || public key)``.
    Use it in :func:`mohtasib.ledger.open_note` beside the log's verifier.
    """

    signature_type: ClassVar[int] = COSIGNATURE_V1

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """The POSIX time a cosignature claims (its first 8 bytes, big-endian)."""
        return int.from_bytes(signature[:8], "big")

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid ``timestamped_signature`` over the note text."""
        if len(signature) != 8 + _ED25519_SIGNATURE:
            return False
        timestamp = self.timestamp(signature)
        if timestamp > _MAX_TIMESTAMP:
            return False
        try:
            self.public_key.verify(signature[8:], cosigned_message(message, timestamp))
        except InvalidSignature:
            return False
        return True


class CosignatureSigner(NoteSigner):
    """A witness's private key; produces ``cosignature/v1`` signature lines (type 0x04).

    Parameters
    ----------
    name
        The witness's key name, e.g. ``witness.oversight.example.pk``.
    private_key
        Its Ed25519 private key. C2SP requires a separate key per cosigner, and
        this key must never sign plain notes (the message format does not
        commit to the name).
    clock
        Returns the current POSIX time in seconds; injectable for tests.
    """

    verifier_class: ClassVar[type[NoteVerifier]] = CosignatureVerifier

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name, private_key)
        self.clock = clock

    def verifier(self) -> CosignatureVerifier:
        """The matching :class:`CosignatureVerifier`."""
        verifier = super().verifier()
        assert isinstance(verifier, CosignatureVerifier)
        return verifier

    def sign(self, message: bytes) -> bytes:
        """``timestamp || Ed25519(cosigned_message(message, timestamp))`` at the clock's time."""
        timestamp = int(self.clock())
        signature = self._private_key.sign(cosigned_message(message, timestamp))
        return timestamp.to_bytes(8, "big") + signature
