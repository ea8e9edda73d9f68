r"""The administrators' log: every administrative action, appended to a signed Merkle log.

Accounts created, disabled or enabled, API tokens issued or revoked, reports
published, decrypted ledger entries read by an auditor: each becomes one leaf of a log of
its own, built with the access ledger's RFC 9162 tree and stores
(:mod:`mohtasib.ledger`), and signed with C2SP checkpoint notes, so the same
``mohtasib ledger prove`` / ``mohtasib ledger verify`` commands check it. It is a
separate log, with its own origin (``<ledger origin>/admin-actions``) and its own
key (``admin-log.skey`` in the ledger's key directory, created on first use), so
that the access ledger's leaves keep their two documented kinds.

Leaf data: ``b"mohtasib-admin-v1\n"`` + canonical JSON ``{"action", "actor",
"subject", "time", "v": 1}``, where ``actor`` and ``subject`` are pseudonyms of
staff user names under the ledger's pseudonym key (HMAC-SHA256): the log shows
what was done and when, and only the key's holder can tell by whom. A key rotation
(``key_rotate_signer``, ``key_rotate_oversight``) adds ``"detail"``: the old and new
key IDs or fingerprints, in clear (public facts, never a secret).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mohtasib.errors import ConfigError
from mohtasib.ledger import (
    LedgerKeys,
    LedgerStore,
    NoteSigner,
    StoredEntry,
    leaf_hash,
    nodes_for_append,
    open_store,
    pseudonymise,
    publish_checkpoint,
)
from mohtasib.ledger._keys import read_secret, write_secret

__all__ = ["ADMIN_ACTIONS", "ADMIN_PREFIX", "AdminLog", "admin_log_url"]

ADMIN_PREFIX = b"mohtasib-admin-v1\n"
#: Actions the administrators' log records.
ADMIN_ACTIONS = (
    "user_create",
    "user_disable",
    "user_enable",
    "token_create",
    "token_revoke",
    "report_publish",
    "ledger_read",
    "key_rotate_signer",
    "key_rotate_oversight",
)
SIGNER_FILE = "admin-log.skey"
_SCHEMA = "mohtasib_admin_log"
_SEARCH_PATH = re.compile(r"search_path=([A-Za-z_][A-Za-z0-9_]*)")


def admin_log_url(database_url: str) -> str:
    """Where the administrators' log lives, beside the ledger named by ``database_url``.

    A SQLite file ``x.db`` gets ``x-admin-log.db``; PostgreSQL gets the schema
    ``mohtasib_admin_log`` of the same database (``<s>_admin_log`` when the URL sets
    the search path to schema ``<s>``), created when missing.
    """
    if database_url == "memory:":
        return database_url
    if database_url.startswith(("postgresql://", "postgres://")):
        import psycopg

        parts = urllib.parse.urlsplit(database_url)
        query = urllib.parse.parse_qsl(parts.query)
        options = " ".join(v for k, v in query if k == "options")
        found = _SEARCH_PATH.search(options)
        schema = f"{found.group(1)}_admin_log" if found else _SCHEMA
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        query = [(k, v) for k, v in query if k != "options"]
        query.append(("options", f"-csearch_path={schema}"))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    path = Path(database_url.removeprefix("sqlite://"))
    return str(path.with_name(f"{path.stem}-admin-log{path.suffix or '.db'}"))


def _signer(keys: LedgerKeys) -> NoteSigner:
    path = keys.directory / SIGNER_FILE
    if not path.exists():
        if keys.signer is None:
            raise ConfigError("the administrators' log needs the log signer key", path=str(path))
        write_secret(path, NoteSigner.generate(f"{keys.signer.name}/admin-actions").skey + "\n")
    return NoteSigner.from_skey(read_secret(path))


class AdminLog:
    """The administrators' log of one portal (module docstring)."""

    def __init__(self, database_url: str, keys: LedgerKeys) -> None:
        self.store: LedgerStore = open_store(admin_log_url(database_url))
        self.signer = _signer(keys)
        self._key = keys.pseudonym_key
        self._lock = threading.Lock()

    @property
    def verifier_key(self) -> str:
        """The verifier key of this log's checkpoints (publish it)."""
        return self.signer.verifier().vkey

    def append(
        self, actor: str, action: str, subject: str, detail: Mapping[str, str] | None = None
    ) -> int:
        """Append one action; return its index once committed, with a new checkpoint.

        ``detail`` (key rotations) is stored in clear: public facts only.
        """
        if action not in ADMIN_ACTIONS:
            raise ConfigError(f"got {action!r}; want one of {list(ADMIN_ACTIONS)}", key="action")
        body: dict[str, Any] = {
            "action": action,
            "actor": pseudonymise(actor, self._key),
            "subject": pseudonymise(subject, self._key),
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "v": 1,
        }
        if detail:
            body["detail"] = dict(detail)
        data = ADMIN_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        with self._lock:
            size = self.store.size()
            digest = leaf_hash(data)
            nodes = nodes_for_append(size, [digest], self.store)
            self.store.append_batch([StoredEntry(size, "admin", data)], nodes, size + 1)
            publish_checkpoint(self.store, self.signer)
        return size

    def latest_checkpoint(self) -> str | None:
        """The newest signed checkpoint note, or None before the first action."""
        saved = self.store.checkpoints()
        return saved[-1][1] if saved else None

    def close(self) -> None:
        """Close the store."""
        self.store.close()
