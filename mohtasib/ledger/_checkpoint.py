r"""Checkpoints: the text form of a signed tree head (C2SP ``tlog-checkpoint``).

A checkpoint is the body of a signed note (https://c2sp.org/tlog-checkpoint)::

    <origin>\n
    <tree size, ASCII decimal, no leading zeroes>\n
    <root hash, standard base64 (RFC 4648 §4)>\n
    [<extension line>\n ...]

The root is the RFC 9162 §2.1.1 Merkle tree hash of the first ``size`` leaves.
Parsing is strict: a checkpoint is evidence, and two spellings of one tree head
(``+7``, ``007``, unpadded base64, trailing bits) must not both be accepted.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger.verify import HASH_SIZE

__all__ = ["Checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]*")
# Tree sizes are uint64 everywhere else in the ecosystem (RFC 9162 §4.10 ``tree_size``).
_MAX_SIZE = 2**64 - 1


def _check_line(what: str, line: str) -> None:
    """Reject an empty line or one holding a control character (signed-note rule)."""
    if not line:
        raise InputError(f"{what} is empty; want a non-empty line", source="checkpoint")
    bad = next((c for c in line if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise InputError(
            f"{what} {line!r} contains control character {bad!r}; want printable text",
            source="checkpoint",
        )


def _decode_root(text: str) -> bytes:
    """Decode a canonical standard-base64 32-byte root hash."""
    try:
        root = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise VerificationError(f"root hash {text!r} is not standard base64: {exc}") from exc
    if base64.b64encode(root).decode("ascii") != text:
        raise VerificationError(f"root hash {text!r} is not canonical base64")
    if len(root) != HASH_SIZE:
        raise VerificationError(
            f"root hash decodes to {len(root)} bytes; want {HASH_SIZE} (SHA-256)"
        )
    return root


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as the note text of a C2SP ``tlog-checkpoint``.

    Parameters
    ----------
    origin
        The log's identity, the first line (non-empty; C2SP recommends a
        schema-less URL such as ``oversight.example.pk/ledger``).
    size
        Number of leaves in the tree; ``0 <= size < 2**64``.
    root_hash
        The 32-byte RFC 9162 §2.1.1 root of the first ``size`` leaves.
    extensions
        Optional extension lines (each non-empty); opaque to witnesses and
        not auditable, so C2SP does not recommend them.

    Raises
    ------
    InputError
        When a field breaks the format (empty origin, negative size, a root
        that is not 32 bytes, an empty extension line, a control character).

    Notes
    -----
    Format: https://c2sp.org/tlog-checkpoint (note text section). The
    signatures around it are handled by :func:`mohtasib.ledger.sign_note`
    and :func:`mohtasib.ledger.open_note`.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line("origin", self.origin)
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise InputError(f"size is {self.size!r}; want an int", source="checkpoint")
        if not 0 <= self.size <= _MAX_SIZE:
            raise InputError(f"size is {self.size}; want 0 <= size < 2**64", source="checkpoint")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            got = len(self.root_hash) if isinstance(self.root_hash, bytes) else self.root_hash
            raise InputError(f"root_hash is {got!r}; want {HASH_SIZE} bytes", source="checkpoint")
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for number, line in enumerate(self.extensions, start=1):
            _check_line(f"extension line {number}", line)

    def to_text(self) -> str:
        """The note text: origin, size, base64 root and extensions, each ending in a newline."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text (signature lines already removed).

        Raises
        ------
        VerificationError
            For any malformed line, naming the line and what was expected:
            missing final newline, fewer than three lines, an empty line, a size
            that is not canonical decimal, a root that is not canonical base64
            of 32 bytes.
        """
        if not text.endswith("\n"):
            raise VerificationError("checkpoint text does not end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise VerificationError(
                f"checkpoint has {len(lines)} line(s); want origin, size and root hash"
            )
        origin, size_text, root_text, *extensions = lines
        if not _SIZE.fullmatch(size_text):
            raise VerificationError(
                f"line 2 (tree size) is {size_text!r}; want ASCII decimal without leading zeroes"
            )
        root = _decode_root(root_text)
        try:
            return cls(origin, int(size_text), root, tuple(extensions))
        except InputError as exc:
            raise VerificationError(f"malformed checkpoint: {exc.message}") from exc

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view: origin, size, hex root hash and extension lines."""
        return {
            "origin": self.origin,
            "size": self.size,
            "root_hash": self.root_hash.hex(),
            "extensions": list(self.extensions),
        }
