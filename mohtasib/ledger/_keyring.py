r"""Key rotation: the ledger's keys now and before, and how one is replaced by the next.

A key directory (:mod:`mohtasib.ledger._keys`) holds one key of each kind *in use*. Keys
are replaced over a ledger's life (routine rotation, a staff change, a suspected leak);
what was signed or sealed with an earlier key must stay checkable and readable. This
module adds, to the same directory:

================================ ======= ====================================================
file                             mode    holds
================================ ======= ====================================================
keyring.json                     0644    the public history: every signer and oversight key,
                                         its key ID or fingerprint, public key, when it was
                                         created and retired, the log size at its rotation
                                         and the signer handover checkpoint (no secret)
retired/                         0700    keys taken out of use
retired/log-<key ID>.vkey        0644    a retired signer's verifier key
retired/log-<key ID>.skey        0600    a retired signer key, moved here (not copied)
retired/oversight-<fpr>.pub      0644    a retired oversight public key
retired/oversight-<fpr>.key      0600    its private key, when it was on this server
================================ ======= ====================================================

**Signer** (:func:`rotate_signer`). C2SP signed notes (https://c2sp.org/signed-note)
name a key by key name *and* key ID, ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``,
so the new Ed25519 key keeps the log's origin as its name and gets a new ID. The
*handover checkpoint*, for the log's size at the rotation, is one note signed by both
keys (a note may carry several signatures): whoever trusts the old key verifies it with
the old key, sees the new key's signature on the same tree head and can move its trust
to the new key (:class:`~mohtasib.ledger.Witness` does exactly that, and only that way).
This follows the key-rotation practice of transparency logs: Go's checksum database
verifier accepts a note signed by any key it knows (golang.org/x/mod/sumdb/note), and
C2SP tlog-witness lets a log list several keys; a checkpoint cosigned by old and new key
chains trust from one to the other. Earlier checkpoints stay verifiable with the retired
verifier key, which the portal keeps publishing.

The old signer key is *moved* to ``retired/`` (mode 0600 kept), not deleted. Deleting it
would leave nothing to recover from if the rotation stops half-way, and the operator,
not the software, should decide when a key is destroyed. The price is that a retired
key still on disk can sign checkpoints that stale verifiers (those who never saw the
handover) accept; so destroy ``retired/log-*.skey`` once the witnesses have cosigned the
handover (``shred -u``); the portal's key page shows whether it is still there. Verifiers
that know the rotation refuse such checkpoints: :meth:`Keyring.verifiers` and the published
``verifiers.txt`` bound each retired key to the log size at its retirement
(:mod:`mohtasib.ledger._bounds`), and :func:`open_checkpoint_any` enforces the bound.

**Oversight key** (:func:`rotate_oversight`). Record bodies are sealed to the oversight
body's X25519 public key. The oversight body makes the new key pair offline and hands
over only the public half (base64); from the rotation on, new bodies are sealed to it,
and earlier bodies stay sealed to the earlier key (nothing is re-encrypted: that would
need the old private key on the server and would rewrite stored evidence). A sealed body
does not name its recipient, so :class:`KeyringOpener` tries each private key it holds
(libsodium's ``crypto_box_open`` authenticates, so a wrong key fails cleanly) and names
the fingerprints it tried when none opens.

**Pseudonym key**: not rotated. Pseudonyms (HMAC-SHA256 of a plate, CNIC or probe id)
are what lets the oversight body see that two accesses concern the same person; a new
key would cut every link between accesses before and after it, and the raw values needed
to re-pseudonymise are never stored. The key's leak reveals little on its own: a pseudonym
appears only inside sealed bodies, which need the oversight private key.

Every file is written atomically (a temporary file, ``fsync``, ``os.replace``, then the
directory is synced); no key file is ever overwritten; two rotations of one directory
are kept apart by an exclusive ``fcntl`` lock on ``rotation.lock``. ``keyring.json`` is
written last, and :meth:`Keyring.load` and both rotations check that its keys in use are
the key files' (``_reconcile``): a rotation that stopped just before it is rolled forward
when ``retired/`` shows it unambiguously, any other disagreement is refused.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey

from mohtasib.errors import ConfigError, InputError, VerificationError
from mohtasib.ledger._bounds import BoundedVerifier, bound_line, check_size_bounds
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._keys import (
    OVERSIGHT_PRIVATE_FILE,
    OVERSIGHT_PUBLIC_FILE,
    PENDING_SIGNER_FILE,
    SIGNER_FILE,
    VERIFIER_FILE,
    LedgerKeys,
    load_keys,
    read_secret,
    write_secret,
)
from mohtasib.ledger._log import sealed_body
from mohtasib.ledger._note import NoteSigner, NoteVerifier, open_note, sign_note
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sealing import BodyMismatch, BodyNotOpened, BodyOpener
from mohtasib.ledger._store import LedgerStore
from mohtasib.ledger._tree import root_hash

__all__ = [
    "KEYRING_FILE",
    "RETIRED_DIR",
    "KeyRecord",
    "Keyring",
    "KeyringOpener",
    "OversightRotation",
    "SignerRotation",
    "open_checkpoint_any",
    "oversight_fingerprint",
    "parse_oversight_public_key",
    "rotate_oversight",
    "rotate_signer",
]

KEYRING_FILE = "keyring.json"
RETIRED_DIR = "retired"
LOCK_FILE = "rotation.lock"
_FORMAT = "mohtasib-keyring/1"
_KINDS = ("signer", "oversight")


def oversight_fingerprint(public_key: bytes) -> str:
    """Fingerprint of an X25519 public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sync_dir(path: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):  # make renames in it durable (POSIX)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_public(path: Path, text: str, *, replace: bool) -> None:
    """Write a public file (mode 0644) atomically; refuse an existing one unless ``replace``."""
    if not replace and path.exists():
        raise ConfigError("refusing to overwrite an existing key file", path=str(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def _move_secret(source: Path, target: Path) -> None:
    """Move a secret file (its 0600 mode goes with it); never onto an existing file."""
    if target.exists():
        raise ConfigError("refusing to overwrite an existing key file", path=str(target))
    os.replace(source, target)
    target.chmod(0o600)
    _sync_dir(source.parent)
    _sync_dir(target.parent)


@contextlib.contextmanager
def _rotation_lock(directory: Path) -> Iterator[None]:
    import fcntl

    fd = os.open(directory / LOCK_FILE, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                "another key rotation of this directory is running; retry when it ends",
                path=str(directory),
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _retired_dir(directory: Path) -> Path:
    retired = directory / RETIRED_DIR
    retired.mkdir(mode=0o700, exist_ok=True)
    return retired


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    """One key in the history (``keyring.json``): public facts only.

    ``key_id`` is the signer's 4-byte C2SP key ID (hex) or the oversight key's
    fingerprint (:func:`oversight_fingerprint`); ``public`` the verifier key string or
    the base64 X25519 public key; ``created``/``retired`` ISO 8601 times (None: before
    the history began, or still in use); ``log_size`` the log's size when it was
    retired; ``handover`` the checkpoint note signed by it and its successor.
    """

    kind: str
    key_id: str
    public: str
    created: str | None = None
    retired: str | None = None
    log_size: int | None = None
    handover: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as stored in ``keyring.json``."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any, where: str) -> KeyRecord:
        """Parse one stored record; ConfigError names the file when it is malformed."""
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or not {"kind", "key_id", "public"} <= set(data):
            raise ConfigError("want records with kind, key_id and public", path=where)
        if set(data) - fields or data["kind"] not in _KINDS:
            raise ConfigError(f"malformed key record {sorted(data)!r}", path=where)
        return cls(**data)


def _current_records(directory: Path) -> list[KeyRecord]:
    keys = load_keys(directory)
    verifier = NoteVerifier.from_vkey(keys.verifier_key)
    public = keys.oversight_public_key
    return [
        KeyRecord("signer", verifier.key_id.hex(), keys.verifier_key),
        KeyRecord(
            "oversight", oversight_fingerprint(public), base64.b64encode(public).decode("ascii")
        ),
    ]


def _read_history(directory: Path) -> list[KeyRecord] | None:
    path = directory / KEYRING_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"key history is unreadable: {exc}", path=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ConfigError(f"not a {_FORMAT} file", path=str(path))
    records = data.get("keys")
    if not isinstance(records, list):
        raise ConfigError("want a list under 'keys'", path=str(path))
    return [KeyRecord.from_dict(item, str(path)) for item in records]


def _write_history(directory: Path, records: Sequence[KeyRecord]) -> None:
    data = {"format": _FORMAT, "keys": [r.to_dict() for r in records]}
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _write_public(directory / KEYRING_FILE, text, replace=True)


def start_history(directory: str | os.PathLike[str]) -> None:
    """Write ``keyring.json`` for a new key directory (its keys created now)."""
    path = Path(directory)
    now = _now()
    _write_history(path, [dataclasses.replace(r, created=now) for r in _current_records(path)])


def _history(directory: Path, keys: LedgerKeys | None = None) -> list[KeyRecord]:
    """The stored history, or one made from the keys in use (created: unknown).

    The history's keys in use must be the key files' (``log.vkey``, ``oversight.pub``):
    :func:`_reconcile` rolls a rotation that stopped after its key files were written
    forward, and refuses any other disagreement.
    """
    found = _read_history(directory)
    if found is None:
        return _current_records(directory)
    return _reconcile(directory, found, keys if keys is not None else load_keys(directory))


def _reconcile(directory: Path, records: list[KeyRecord], keys: LedgerKeys) -> list[KeyRecord]:
    """Check the history's keys in use against the key files; roll a stopped rotation forward.

    A rotation writes the new key files, then ``keyring.json``. When it stopped in
    between, the files hold a key the history has never seen and ``retired/`` holds the
    public key the history still has in use, unchanged: the rotation is then recorded
    here (in memory; the next rotation writes it), the old key retired at its
    ``retired/`` file's time with the log size unknown (None), the new key in use.
    Any other disagreement raises ConfigError naming ``keyring.json`` and the repair.
    """
    signer_vkey = keys.verifier_key
    on_disk = {
        "signer": (NoteVerifier.from_vkey(signer_vkey).key_id.hex(), signer_vkey, VERIFIER_FILE),
        "oversight": (
            oversight_fingerprint(keys.oversight_public_key),
            base64.b64encode(keys.oversight_public_key).decode("ascii"),
            OVERSIGHT_PUBLIC_FILE,
        ),
    }
    out = list(records)
    for kind in _KINDS:
        key_id, public, file = on_disk[kind]
        current = [r for r in out if r.kind == kind and r.retired is None]
        if len(current) == 1 and current[0].key_id == key_id:
            continue
        held = current[0] if len(current) == 1 else None
        retired_public = (
            None
            if held is None
            else directory
            / RETIRED_DIR
            / (f"log-{held.key_id}.vkey" if kind == "signer" else f"oversight-{held.key_id}.pub")
        )
        known = any(r.kind == kind and r.key_id == key_id for r in out)
        if (
            held is not None
            and retired_public is not None
            and not known
            and retired_public.is_file()
            and retired_public.read_text(encoding="utf-8").strip() == held.public
        ):
            when = dt.datetime.fromtimestamp(retired_public.stat().st_mtime, dt.UTC)
            out = _retire(out, kind, held.key_id, retired=when.isoformat(timespec="seconds"))
            out.append(KeyRecord(kind, key_id, public))
            continue
        says = ", ".join(r.key_id for r in current) or "none"
        repair = (
            "it records that key as retired: put the files of the key in use back from "
            f"{RETIRED_DIR}/"
            if known
            else f"{RETIRED_DIR}/ has no unchanged copy of the key in use: restore keyring.json "
            f"or the {kind} key files from a backup so that they agree"
        )
        raise ConfigError(
            f"the key history has no {kind} key {key_id} in use ({file} holds it; the history "
            f"has {says} in use); {repair}, then load again (docs/how-to/rotate-ledger-keys.md, "
            "'If a rotation stopped half-way')",
            path=str(directory / KEYRING_FILE),
        )
    return out


def _retire(records: list[KeyRecord], kind: str, key_id: str, **changes: Any) -> list[KeyRecord]:
    out, hit = [], False
    for record in records:
        if record.kind == kind and record.key_id == key_id and record.retired is None:
            out.append(dataclasses.replace(record, **changes))
            hit = True
        else:
            out.append(record)
    if not hit:
        raise ConfigError(f"the key history has no {kind} key {key_id} in use", key=KEYRING_FILE)
    return out


@dataclasses.dataclass(frozen=True)
class SignerRotation:
    """What :func:`rotate_signer` did: both verifier keys and the handover checkpoint."""

    old_key_id: str
    new_key_id: str
    old_vkey: str
    new_vkey: str
    size: int
    handover: str
    retired_secret: Path

    def to_dict(self) -> dict[str, Any]:
        """Public facts only (no secret): key IDs, verifier keys, size and handover note."""
        return {
            "which": "signer",
            "old_key_id": self.old_key_id,
            "new_key_id": self.new_key_id,
            "old_vkey": self.old_vkey,
            "new_vkey": self.new_vkey,
            "size": self.size,
            "handover": self.handover,
        }


def rotate_signer(
    directory: str | os.PathLike[str], store: LedgerStore, *, now: str | None = None
) -> SignerRotation:
    """Replace the log's Ed25519 signer key; return the handover checkpoint (module docstring).

    Steps, each durable before the next: the new key is written to ``log.skey.new``
    (0600); the handover checkpoint for the log's current size, signed by the old and
    the new key, is stored with the log's checkpoints; the old key moves to
    ``retired/log-<key ID>.skey`` and its verifier key to ``retired/``; ``log.skey.new``
    becomes ``log.skey``; ``log.vkey`` and ``keyring.json`` are replaced. A stop in
    between leaves either the old key in use (with at most an unused handover note), a
    ``log.skey.new`` or a ``log.vkey`` not matching ``log.skey`` that
    :func:`~mohtasib.ledger.load_keys` reports with the repair, or new key files ahead of
    ``keyring.json``, which ``_reconcile`` rolls forward.

    Raises ConfigError when the directory has no signer, a rotation is already running,
    or a file it would write exists.
    """
    path = Path(directory)
    with _rotation_lock(path):
        keys = load_keys(path)
        old = keys.require_signer()
        records = _history(path, keys)
        new = NoteSigner.generate(old.name)
        when = now or _now()
        old_id, new_id = old.key_id.hex(), new.key_id.hex()
        retired = _retired_dir(path)
        secret_target = retired / f"log-{old_id}.skey"
        if secret_target.exists():
            raise ConfigError("refusing to overwrite an existing key file", path=str(secret_target))
        size = store.size()
        handover = sign_note(
            Checkpoint(old.name, size, root_hash(size, store)).to_text(), [old, new]
        )
        # the new history is checked before any file changes
        records = _retire(records, "signer", old_id, retired=when, log_size=size, handover=handover)
        records.append(KeyRecord("signer", new_id, new.verifier().vkey, created=when))
        write_secret(path / PENDING_SIGNER_FILE, new.skey + "\n")
        store.save_checkpoint(size, handover)
        _write_public(retired / f"log-{old_id}.vkey", old.verifier().vkey + "\n", replace=True)
        _move_secret(path / SIGNER_FILE, secret_target)
        _move_secret(path / PENDING_SIGNER_FILE, path / SIGNER_FILE)
        _write_public(path / VERIFIER_FILE, new.verifier().vkey + "\n", replace=True)
        _write_history(path, records)
    return SignerRotation(
        old_id, new_id, old.verifier().vkey, new.verifier().vkey, size, handover, secret_target
    )


def parse_oversight_public_key(text: str | bytes) -> bytes:
    """Decode an X25519 public key given as base64 text (or 32 raw bytes).

    Raises InputError (column ``public_key``) naming what is wrong: not base64, not
    32 bytes, or all zero bytes (a degenerate key nothing could be sealed to).
    """
    if isinstance(text, bytes) and len(text) == 32:
        raw = text
    else:
        value = text.decode("ascii", "replace") if isinstance(text, bytes) else text
        value = value.strip()
        if not value:
            raise InputError("give the new public key (base64)", column="public_key")
        try:
            raw = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise InputError(
                "the public key is not standard base64 (RFC 4648 §4)", column="public_key"
            ) from None
    if len(raw) != 32:
        raise InputError(
            f"the public key decodes to {len(raw)} bytes; want 32 (X25519)", column="public_key"
        )
    if raw == bytes(32):
        raise InputError(
            "the public key is all zero bytes; want a real X25519 key", column="public_key"
        )
    return raw


@dataclasses.dataclass(frozen=True)
class OversightRotation:
    """What :func:`rotate_oversight` did: the old and new fingerprints and public keys."""

    old_fingerprint: str
    new_fingerprint: str
    old_public: str
    new_public: str
    log_size: int
    old_private_kept: bool
    new_private_here: bool

    def to_dict(self) -> dict[str, Any]:
        """Public facts only: fingerprints, public keys, the log size at the rotation."""
        return {
            "which": "oversight",
            "old_fingerprint": self.old_fingerprint,
            "new_fingerprint": self.new_fingerprint,
            "old_public": self.old_public,
            "new_public": self.new_public,
            "log_size": self.log_size,
            "old_private_kept": self.old_private_kept,
            "new_private_here": self.new_private_here,
        }


def rotate_oversight(
    directory: str | os.PathLike[str],
    public_key: str | bytes,
    *,
    log_size: int,
    private_key: bytes | None = None,
    now: str | None = None,
) -> OversightRotation:
    """Install the oversight body's new X25519 public key (module docstring).

    Parameters
    ----------
    directory
        The ledger's key directory.
    public_key
        The new public key, base64 (or 32 raw bytes), made offline by the oversight body.
    log_size
        The log's size now: bodies of entries from about here on are sealed to the new key.
    private_key
        The new private key, only when it was generated here for a demo
        (``ledger rotate-key --generate``); written to ``oversight.key`` (0600).
    now
        The rotation time (ISO 8601; default: the clock).

    Raises
    ------
    InputError
        For a public key that is not 32 bytes of base64, equals the key in use or one
        retired before, or does not match ``private_key``.
    ConfigError
        When a file it would write exists or another rotation is running.
    """
    path = Path(directory)
    raw = parse_oversight_public_key(public_key)
    if private_key is not None and bytes(PrivateKey(private_key).public_key) != raw:
        raise InputError("the private key does not match the public key", column="public_key")
    with _rotation_lock(path):
        keys = load_keys(path)
        records = _history(path, keys)
        old = keys.oversight_public_key
        fingerprint, old_fp = oversight_fingerprint(raw), oversight_fingerprint(old)
        if raw == old:
            raise InputError(
                f"this is the oversight key in use ({fingerprint}); want a new one",
                column="public_key",
            )
        if any(r.kind == "oversight" and r.key_id == fingerprint for r in records):
            raise InputError(
                f"key {fingerprint} was used before and retired; a retired key is never reused",
                column="public_key",
            )
        when = now or _now()
        # the new history is checked before any file changes
        records = _retire(records, "oversight", old_fp, retired=when, log_size=log_size)
        new_b64 = base64.b64encode(raw).decode("ascii")
        records.append(KeyRecord("oversight", fingerprint, new_b64, created=when))
        retired = _retired_dir(path)
        old_b64 = base64.b64encode(old).decode("ascii")
        old_file = retired / f"oversight-{old_fp}.pub"
        if not (old_file.is_file() and old_file.read_text(encoding="utf-8").strip() == old_b64):
            _write_public(old_file, old_b64 + "\n", replace=False)  # kept by a stopped rotation
        kept = (path / OVERSIGHT_PRIVATE_FILE).exists()
        if kept:
            _move_secret(path / OVERSIGHT_PRIVATE_FILE, retired / f"oversight-{old_fp}.key")
        if private_key is not None:
            write_secret(
                path / OVERSIGHT_PRIVATE_FILE, base64.b64encode(private_key).decode("ascii") + "\n"
            )
        _write_public(path / OVERSIGHT_PUBLIC_FILE, new_b64 + "\n", replace=True)
        _write_history(path, records)
    return OversightRotation(
        old_fp, fingerprint, old_b64, new_b64, log_size, kept, private_key is not None
    )


class KeyringOpener(BodyOpener):
    """Opens record bodies with any of several oversight private keys (module docstring).

    Each body is tried with the key that opened the previous one first, then with the
    others; a body that opens but does not match its leaf's commitment is reported as
    such; a body no key opens raises VerificationError naming every fingerprint tried.

    Parameters
    ----------
    private_keys
        The oversight body's X25519 private keys (32 bytes each), current and retired.
    """

    def __init__(
        self,
        private_keys: Sequence[bytes],
        *,
        sealed_to: Callable[[int], str | None] | None = None,
    ) -> None:
        if not private_keys:
            raise ConfigError("a keyring needs at least one oversight private key")
        super().__init__(private_keys[0])
        self.openers = [BodyOpener(key) for key in private_keys]
        self.fingerprints = [
            oversight_fingerprint(bytes(PrivateKey(key).public_key)) for key in private_keys
        ]
        self._sealed_to = sealed_to
        self._last = 0

    def holds_key_for(self, index: int) -> bool | None:
        """Whether the key that sealed entry ``index`` is here (None: history unknown).

        Answered from the rotation history (:meth:`Keyring.sealing_key_at`), so a
        body that no key here opens can be told apart: sealed to a key this server
        does not hold, or damaged (a finding).
        """
        if self._sealed_to is None:
            return None
        fingerprint = self._sealed_to(index)
        return None if fingerprint is None else fingerprint in self.fingerprints

    def open(self, sealed: bytes, expected: bytes) -> bytes:
        """Decrypt ``sealed`` with whichever key opens it; check it against ``expected``."""
        order = [self._last, *(i for i in range(len(self.openers)) if i != self._last)]
        mismatch: BodyMismatch | None = None
        for at in order:
            try:
                body = self.openers[at].open(sealed, expected)
            except BodyMismatch as exc:
                mismatch = exc  # opened with this key, but not the committed record
                continue
            except BodyNotOpened:
                continue
            self._last = at
            return body
        if mismatch is not None:
            raise mismatch
        raise BodyNotOpened(
            "sealed body does not open with any oversight private key here; tried "
            f"{', '.join(self.fingerprints)} (it was sealed to another key)"
        )

    def read_record(self, store: LedgerStore, index: int) -> AccessRecord:
        """Decrypt entry ``index`` and check it against its leaf (as ``Ledger.read_record``).

        Raises InputError for a tombstone or a body deleted by retention, and
        VerificationError when no key opens the body or it does not match its leaf.
        """
        return AccessRecord.from_json(self.open(*sealed_body(store, index)))


@dataclasses.dataclass(frozen=True)
class Keyring:
    """Every key of a key directory, in use and retired (module docstring).

    ``records`` is the public history (``keyring.json``, or made from the keys in use
    when there is none yet); ``private_keys`` maps an oversight fingerprint to its
    private key, for each one on this server (``oversight.key`` and ``retired/``).
    """

    directory: Path
    records: tuple[KeyRecord, ...]
    private_keys: dict[str, bytes] = dataclasses.field(repr=False)
    retired_secrets: tuple[str, ...] = ()

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Keyring:
        """Read the history and the oversight private keys of ``directory``."""
        path = Path(directory)
        keys = load_keys(path)
        records = _history(path, keys)
        private: dict[str, bytes] = {}
        found = [keys.oversight_private_key] if keys.oversight_private_key else []
        retired = path / RETIRED_DIR
        secrets: list[str] = []
        if retired.is_dir():
            for file in sorted(retired.glob("oversight-*.key")):
                found.append(_private(file))
            secrets = sorted(f.stem.removeprefix("log-") for f in retired.glob("log-*.skey"))
        for raw in found:
            private[oversight_fingerprint(bytes(PrivateKey(raw).public_key))] = raw
        return cls(path, tuple(records), private, tuple(secrets))

    def current(self, kind: str) -> KeyRecord:
        """The key of ``kind`` (``signer`` or ``oversight``) in use."""
        for record in reversed(self.records):
            if record.kind == kind and record.retired is None:
                return record
        raise ConfigError(f"the key history has no {kind} key in use", key=KEYRING_FILE)

    def retired(self, kind: str) -> list[KeyRecord]:
        """Retired keys of ``kind``, newest first."""
        return [r for r in reversed(self.records) if r.kind == kind and r.retired is not None]

    def verifier_keys(self) -> list[str]:
        """The signer's verifier keys: the one in use first, then the retired ones."""
        return [self.current("signer").public, *(r.public for r in self.retired("signer"))]

    def verifiers(self) -> list[NoteVerifier]:
        """:meth:`verifier_keys` as note verifiers; a retired one is a bounded verifier.

        A retired signer key verifies checkpoints only up to the log size recorded at
        its retirement (:mod:`mohtasib.ledger._bounds`); one retired before sizes
        were recorded has no bound.
        """
        out = [NoteVerifier.from_vkey(self.current("signer").public)]
        for record in self.retired("signer"):
            verifier = NoteVerifier.from_vkey(record.public)
            out.append(BoundedVerifier.bounded(verifier, record.log_size))
        return out

    def verifiers_text(self) -> str:
        """The published verifiers file: the key in use, then each retired key after its bound.

        The format is described in :mod:`mohtasib.ledger._bounds`; ``mohtasib ledger
        verify --vkey FILE`` reads it back.
        """
        lines: list[str] = []
        for verifier in self.verifiers():
            max_size = getattr(verifier, "max_size", None)
            if max_size is not None:
                lines.append(bound_line(verifier.name, verifier.key_id, max_size))
            lines.append(verifier.vkey)
        return "".join(f"{line}\n" for line in lines)

    def sealing_key_at(self, index: int) -> str | None:
        """Fingerprint of the oversight key entry ``index`` was sealed to, from the history.

        Each retired oversight key covers the entries up to the log size recorded at
        its rotation; the key in use covers the rest. None when the history does not
        say (a retired key without a recorded log size).
        """
        start = 0
        for record in self.records:
            if record.kind != "oversight":
                continue
            if record.retired is None:
                return record.key_id if index >= start else None
            if record.log_size is None:
                return None
            if start <= index < record.log_size:
                return record.key_id
            start = max(start, record.log_size)
        return None

    def opener(self) -> KeyringOpener | None:
        """An opener over every oversight private key here (current first); None without any."""
        if not self.private_keys:
            return None
        current = self.current("oversight").key_id
        ordered = sorted(self.private_keys, key=lambda fp: fp != current)
        return KeyringOpener(
            [self.private_keys[fp] for fp in ordered], sealed_to=self.sealing_key_at
        )


def _private(path: Path) -> bytes:
    try:
        raw = base64.b64decode(read_secret(path).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ConfigError("key file is not base64", path=str(path)) from None
    if len(raw) != 32:
        raise ConfigError(f"key is {len(raw)} bytes; want 32", path=str(path))
    return raw


def open_checkpoint_any(
    note: str,
    verifiers: Sequence[NoteVerifier],
    *,
    max_sizes: Mapping[str, int] | None = None,
) -> Checkpoint:
    """Verify a checkpoint note signed by any of ``verifiers`` (a log's current and retired keys).

    A retired key counts only for checkpoints up to its bound: the ``max_size`` of a
    :class:`~mohtasib.ledger._bounds.BoundedVerifier` (as :meth:`Keyring.verifiers`
    gives) or ``max_sizes[key ID hex]``, the log size at its retirement; so the
    handover checkpoint verifies with the retired key, and a later one does not.

    Raises VerificationError when none of them signed it, a known key's signature is
    bad, the origin is not the name of a key that verified it, or every key that
    signed it is bounded below the checkpoint's size (the message names key, bound
    and size).
    """
    text, names = open_note(note, verifiers)
    checkpoint = Checkpoint.from_text(text)
    if checkpoint.origin not in names:
        raise VerificationError(
            f"checkpoint origin is {checkpoint.origin!r}; want one of {sorted(set(names))}"
        )
    check_size_bounds(note, checkpoint.size, verifiers, max_sizes)
    return checkpoint
