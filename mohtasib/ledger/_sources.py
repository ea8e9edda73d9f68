"""Ledger statistics from files: the database, key files and checkpoint note a report names.

:func:`period_statistics` is what the audit configuration's ``ledger`` section
runs: it opens the store, reads the oversight body's private keys (from a key
directory, every one it holds in use or retired, or from one key file), opens
the signed checkpoint note with the log's verifier keys (in use and retired),
calls :func:`~mohtasib.ledger.ledger_statistics` and records the inputs (with
the note's SHA-256) and parameters in the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mohtasib.errors import ConfigError, InputError
from mohtasib.io import sha256_file
from mohtasib.ledger._keyring import Keyring, KeyringOpener
from mohtasib.ledger._keys import load_oversight_key
from mohtasib.ledger._note import NoteVerifier
from mohtasib.ledger._statistics import LedgerStatistics, ledger_statistics
from mohtasib.ledger._store import open_store

__all__ = ["period_statistics"]

_PathLike = str | os.PathLike[str]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None


def _private_key(
    keys: _PathLike | None, private_key: _PathLike | None
) -> bytes | KeyringOpener | None:
    """The file's key, or every oversight private key of the key directory (rotations)."""
    if private_key is not None:
        return load_oversight_key(private_key)
    if keys is None:
        return None
    found = Keyring.load(keys).opener()
    if found is None:
        raise ConfigError(
            "the key directory holds no oversight private key (oversight.key or retired/)",
            path=os.fspath(keys),
        )
    return found


def _verifier(
    vkey: _PathLike | None, keys: _PathLike | None
) -> NoteVerifier | list[NoteVerifier] | None:
    if vkey is not None:
        path = Path(vkey)
        text = _read(path).strip() if path.is_file() else os.fspath(vkey)
        return NoteVerifier.from_vkey(text)
    if keys is not None:  # the key in use and every retired one (docs: rotate-ledger-keys)
        return Keyring.load(keys).verifiers()
    return None


def _source(db: _PathLike) -> str:
    """The database as a report may print it: a URL loses its user and password."""
    text = os.fspath(db)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def period_statistics(
    db: _PathLike,
    *,
    start: dt.datetime,
    end: dt.datetime,
    keys: _PathLike | None = None,
    private_key: _PathLike | None = None,
    checkpoint: _PathLike | None = None,
    vkey: _PathLike | None = None,
    retention_days: Mapping[str, float] | None = None,
    retention_grace_days: float = 0.0,
) -> LedgerStatistics:
    """Ledger statistics for ``[start, end)`` from a database and the files that go with it.

    Parameters
    ----------
    db
        SQLite file or ``postgresql://`` URL (:func:`~mohtasib.ledger.open_store`).
    start, end
        The audit period, timezone-aware.
    keys
        A key directory (``ledger init``); its oversight private keys (``oversight.key``
        and retired ones) open the bodies, and its verifier keys (``log.vkey`` and
        retired ones) verify the checkpoint when ``vkey`` is not given.
    private_key
        The oversight body's ``oversight.key`` file (mode 0600), instead of ``keys``.
    checkpoint
        A signed checkpoint note file to audit the log against (needs ``vkey`` or ``keys``).
    vkey
        The log's verifier key, or a file holding it.
    retention_days
        Retention period in days per retention class.
    retention_grace_days
        Days after the end of its period within which a deletion is not late.
    """
    if not retention_grace_days >= 0:
        raise ConfigError(
            f"got {retention_grace_days!r} for the retention grace; want days >= 0",
            key="retention_grace_days",
        )
    secret = _private_key(keys, private_key)
    verifier = _verifier(vkey, keys)
    note = None if checkpoint is None else _read(Path(checkpoint))
    if note is not None and verifier is None:
        raise ConfigError("a checkpoint needs the log's verifier key (vkey or keys)")
    periods = None
    if retention_days is not None:
        periods = {k: dt.timedelta(days=v) for k, v in retention_days.items()}
    store = open_store(db)
    try:
        stats = ledger_statistics(
            store,
            start=start,
            end=end,
            private_key=secret,
            checkpoint=note,
            verifier=verifier,
            retention_periods=periods,
            retention_grace=dt.timedelta(days=retention_grace_days),
        )
    finally:
        store.close()
    inputs: list[dict[str, Any]] = [{"source": _source(db), "role": "ledger", "sha256": None}]
    if checkpoint is not None:
        path = Path(checkpoint)
        inputs.append({"source": str(path), "role": "checkpoint", "sha256": sha256_file(path)})
    parameters = {"start": stats.start, "end": stats.end, "bodies_opened": secret is not None}
    return dataclasses.replace(stats, inputs=tuple(inputs), parameters=parameters)
