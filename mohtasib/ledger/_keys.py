"""The key directory of a ledger: who signs checkpoints, who can read records, how targets hide.

``mohtasib ledger init`` writes, into a directory of its own (mode 0700):

============== ======= =============================================================
file           mode    holds
============== ======= =============================================================
log.skey       0600    the log's Ed25519 signer key (C2SP note ``PRIVATE+KEY+…`` form)
log.vkey       0644    the log's verifier key, the one to publish
oversight.key  0600    the oversight body's X25519 private key (base64); move it to the
                       oversight body: the server only needs the public half
oversight.pub  0644    the oversight body's X25519 public key (base64)
pseudonym.key  0600    the 32-byte HMAC key of :func:`~mohtasib.ledger.pseudonymise` (base64)
============== ======= =============================================================

Secret files are created exclusively (never overwritten) with mode 0600, and a secret
file that the group or others may read is refused when loaded, as OpenSSH does.

Keys are replaced by :mod:`mohtasib.ledger._keyring` (``mohtasib ledger rotate-key``, or
the portal's ``/admin/keys``), which adds ``keyring.json`` (the public history of every
key) and ``retired/`` (keys taken out of use) to the same directory. A signer rotation
that stopped half-way leaves ``log.skey.new``; :func:`load_keys` then refuses to guess
and says what to do.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import secrets
import stat
from pathlib import Path

from nacl.public import PrivateKey

from mohtasib.errors import ConfigError
from mohtasib.ledger._note import NoteSigner

__all__ = [
    "LedgerKeys",
    "create_keys",
    "load_keys",
    "load_oversight_key",
    "read_secret",
    "write_secret",
]

SIGNER_FILE = "log.skey"
VERIFIER_FILE = "log.vkey"
OVERSIGHT_PRIVATE_FILE = "oversight.key"
OVERSIGHT_PUBLIC_FILE = "oversight.pub"
PSEUDONYM_FILE = "pseudonym.key"
#: The next signer key while a rotation is under way (``_keyring.rotate_signer``).
PENDING_SIGNER_FILE = "log.skey.new"


def write_secret(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 and write ``text``; ConfigError if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError("refusing to overwrite an existing key file", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot create key file: {exc.strerror}", path=str(path)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _write_public(path: Path, text: str) -> None:
    if path.exists():
        raise ConfigError("refusing to overwrite an existing key file", path=str(path))
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)


def read_secret(path: Path) -> str:
    """Read a secret file; ConfigError when missing or readable by the group or others."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read key file: {exc.strerror}", path=str(path)) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"key file has mode {stat.S_IMODE(mode):04o}; want 0600 (chmod 600 it)",
            path=str(path),
        )
    return text.strip()


def _read_public(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read key file: {exc.strerror}", path=str(path)) from None


def _b64(path: Path, text: str, size: int, *, exact: bool = True) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ConfigError("key file is not base64", path=str(path)) from None
    if len(raw) < size or (exact and len(raw) != size):
        raise ConfigError(f"key is {len(raw)} bytes; want {size}", path=str(path))
    return raw


@dataclasses.dataclass(frozen=True, repr=False)
class LedgerKeys:
    """The keys of one ledger, read from its key directory (see the module docstring).

    ``signer`` is None when ``log.skey`` is absent (a read-only deployment);
    ``oversight_private_key`` is None when ``oversight.key`` has been moved away.
    """

    directory: Path
    signer: NoteSigner | None
    verifier_key: str
    oversight_public_key: bytes
    oversight_private_key: bytes | None
    pseudonym_key: bytes

    def require_signer(self) -> NoteSigner:
        """The log's signer; ConfigError when this directory has none."""
        if self.signer is None:
            raise ConfigError("no log signer key here", path=str(self.directory / SIGNER_FILE))
        return self.signer

    def __repr__(self) -> str:
        return f"LedgerKeys({str(self.directory)!r}, vkey={self.verifier_key!r})"


def create_keys(directory: str | os.PathLike[str], *, origin: str) -> LedgerKeys:
    """Generate every key of a new ledger into ``directory`` (created, mode 0700).

    ``origin`` names the log (the checkpoints' first line and the signer's key
    name). Refuses to overwrite any existing key file.
    """
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    signer = NoteSigner.generate(origin)
    oversight = PrivateKey.generate()
    write_secret(path / SIGNER_FILE, signer.skey + "\n")
    write_secret(path / OVERSIGHT_PRIVATE_FILE, base64.b64encode(bytes(oversight)).decode() + "\n")
    write_secret(path / PSEUDONYM_FILE, base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    _write_public(path / VERIFIER_FILE, signer.verifier().vkey + "\n")
    _write_public(
        path / OVERSIGHT_PUBLIC_FILE, base64.b64encode(bytes(oversight.public_key)).decode() + "\n"
    )
    from mohtasib.ledger._keyring import start_history

    start_history(path)
    return load_keys(path)


def load_keys(directory: str | os.PathLike[str]) -> LedgerKeys:
    """Read a key directory written by :func:`create_keys` (ConfigError names a bad file)."""
    path = Path(directory)
    if not path.is_dir():
        raise ConfigError("key directory does not exist", path=str(path))
    if (path / PENDING_SIGNER_FILE).exists():
        raise ConfigError(
            "a signer key rotation stopped half-way: if log.skey exists, delete log.skey.new "
            "and rotate again; if not, rename log.skey.new to log.skey and log.vkey to match "
            "(docs/how-to/rotate-ledger-keys.md)",
            path=str(path / PENDING_SIGNER_FILE),
        )
    signer = None
    if (path / SIGNER_FILE).exists():
        signer = NoteSigner.from_skey(read_secret(path / SIGNER_FILE))
    private = None
    if (path / OVERSIGHT_PRIVATE_FILE).exists():
        private_file = path / OVERSIGHT_PRIVATE_FILE
        private = _b64(private_file, read_secret(private_file), 32)
    public_file = path / OVERSIGHT_PUBLIC_FILE
    pseudonym_file = path / PSEUDONYM_FILE
    verifier_key = _read_public(path / VERIFIER_FILE)
    if signer is not None and signer.verifier().vkey != verifier_key:
        raise ConfigError(
            f"log.vkey does not match log.skey (key ID {signer.key_id.hex()}); if a signer "
            "rotation stopped half-way (log.skey is a key no retired/ file names), write "
            "log.skey's verifier key to log.vkey; otherwise restore the pair from retired/ "
            "(docs/how-to/rotate-ledger-keys.md)",
            path=str(path / VERIFIER_FILE),
        )
    oversight_public = _b64(public_file, _read_public(public_file), 32)
    if private is not None and bytes(PrivateKey(private).public_key) != oversight_public:
        raise ConfigError(
            "oversight.key is not the private half of oversight.pub; if an oversight key "
            "rotation stopped half-way, oversight.key is the new key, never installed: delete "
            "it and rotate again (docs/how-to/rotate-ledger-keys.md)",
            path=f"{path / OVERSIGHT_PRIVATE_FILE} and {public_file}",
        )
    return LedgerKeys(
        directory=path,
        signer=signer,
        verifier_key=verifier_key,
        oversight_public_key=oversight_public,
        oversight_private_key=private,
        pseudonym_key=_b64(pseudonym_file, read_secret(pseudonym_file), 16, exact=False),
    )


def load_oversight_key(path: str | os.PathLike[str]) -> bytes:
    """Read the oversight body's X25519 private key from its own file (``oversight.key``).

    The file must have mode 0600 and hold 32 bytes in base64 (ConfigError otherwise).
    """
    file = Path(path)
    return _b64(file, read_secret(file), 32)
