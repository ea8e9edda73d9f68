"""Size bounds of retired signer keys: a retired key vouches only for the log it saw.

A signer key is rotated out (:mod:`mohtasib.ledger._keyring`) at a known log size, and
the handover checkpoint for exactly that size is its last legitimate signature. The key
itself stays on disk in ``retired/`` until the operator destroys it, and a suspected
leak is the main reason to rotate; so a retired key's signature counts only for a
checkpoint of a size up to the one recorded at its retirement. Anything larger was
signed after the key left service and is refused, whatever else the note carries.
This is the validity-period rule of key rollover (RFC 6781, section 4.1: a retired key
must not be trusted for data signed after its rollover) applied to a transparency log,
whose checkpoints are ordered by size rather than by time.

The published form (``/ledger/verifiers.txt``, read back by ``mohtasib ledger verify
--vkey FILE``) is one verifier key per line, the one in use first; a retired key is
preceded by a comment line ``# retired: <key name>+<key ID hex> up to size <N>``. A
bare key line without such a comment has no bound (the meaning it had before).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._note import NoteVerifier, Verifier, parse_note

__all__ = ["BoundedVerifier", "bound_line", "check_size_bounds", "parse_verifier_lines"]

_BOUND = re.compile(r"#\s*retired:\s*(\S+)\+([0-9a-f]{8})\s+up to size\s+(\d+)\s*")


class BoundedVerifier(NoteVerifier):
    """A note verifier of a retired signer key, good for checkpoints up to ``max_size``.

    ``max_size`` None means no bound (a key retired before bounds were recorded).
    """

    def __init__(
        self, name: str, public_key: Ed25519PublicKey, max_size: int | None = None
    ) -> None:
        super().__init__(name, public_key)
        self.max_size = max_size

    @classmethod
    def bounded(cls, verifier: NoteVerifier, max_size: int | None) -> BoundedVerifier:
        """``verifier`` with the bound ``max_size``."""
        return cls(verifier.name, verifier.public_key, max_size)


def bound_line(name: str, key_id: bytes, max_size: int) -> str:
    """The comment line that bounds key ``name+key_id`` in a verifiers file."""
    return f"# retired: {name}+{key_id.hex()} up to size {max_size}"


def parse_verifier_lines(lines: Iterable[str], source: str) -> list[NoteVerifier]:
    """Parse a verifiers file: key lines, bound comments (module docstring), other comments.

    Raises InputError naming ``source`` and the line for a malformed bound comment or
    a bound naming no key of the file, and VerificationError for a malformed key.
    """
    keys: list[tuple[int, NoteVerifier]] = []
    bounds: dict[tuple[str, str], tuple[int, int]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.lstrip("# \t").startswith("retired:"):
                match = _BOUND.fullmatch(line)
                if match is None:
                    raise InputError(
                        f"line {number}: {line!r}; want "
                        "'# retired: <key name>+<8 hex digits> up to size <N>'",
                        source=source,
                    )
                name, key_id, size = match.groups()
                bounds[(name, key_id)] = (int(size), number)
            continue
        keys.append((number, NoteVerifier.from_vkey(line)))
    out: list[NoteVerifier] = []
    for _number, verifier in keys:
        found = bounds.pop((verifier.name, verifier.key_id.hex()), None)
        out.append(verifier if found is None else BoundedVerifier.bounded(verifier, found[0]))
    for (name, key_id), (_size, number) in bounds.items():
        raise InputError(
            f"line {number}: bound for key {name}+{key_id}, which the file does not list",
            source=source,
        )
    return out


def check_size_bounds(
    note: str,
    size: int,
    verifiers: Sequence[Verifier],
    max_sizes: Mapping[str, int] | None = None,
) -> None:
    """Refuse a verified checkpoint note of ``size`` whose only signers are out of bounds.

    Call after :func:`~mohtasib.ledger.open_note` accepted ``note`` (so every signature
    by a key in ``verifiers`` is valid). A key's bound is its ``max_size``
    (:class:`BoundedVerifier`) or ``max_sizes[key ID hex]``, the tighter of the two;
    a key without either has none. Raises VerificationError naming each signing
    key, its bound and the size when no signing key may vouch for ``size``.
    """
    known = {(v.name, v.key_id): v for v in verifiers}
    refused: list[str] = []
    for sig in parse_note(note).signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        limits = [getattr(verifier, "max_size", None)]
        if max_sizes is not None:
            limits.append(max_sizes.get(sig.key_id.hex()))
        present = [limit for limit in limits if limit is not None]
        bound = min(present) if present else None
        if bound is None or size <= bound:
            return
        refused.append(f"{sig.name}+{sig.key_id.hex()} (retired at size {bound})")
    if refused:
        raise VerificationError(
            f"checkpoint of size {size} is signed only by retired key(s) "
            f"{', '.join(refused)}, valid only up to that size: a retired key may not "
            "vouch for the log after its rotation"
        )
