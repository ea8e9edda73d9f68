"""The ledger's HTTP API: append (authenticated), checkpoint, entries and proofs (public).

* ``POST /api/ledger/entries`` — bearer token of role ``officer`` or ``system``. An
  officer's id comes from the token and becomes the record's ``requester`` (a
  different requester in the body is refused, 403); a system token may only
  record accesses to its own system. The body is an access record (schema in
  :mod:`mohtasib.ledger._records`); instead of ``target`` it may carry
  ``target_value`` (a raw plate, CNIC or probe id), which the server pseudonymises
  and never stores. 201 with the receipt; an access that breaks the policy is
  still appended and answered 201 with ``"decision": "denied"`` and its rule.
* ``GET /api/ledger/checkpoint`` — the latest signed checkpoint note (text/plain);
  when the log has grown since the last one and the server holds the log's key,
  a new one is signed and stored first.
* ``GET /api/ledger/entries?start&end`` — public leaf data only, never bodies.
* ``GET /api/ledger/proofs/inclusion?index&size`` and
  ``GET /api/ledger/proofs/consistency?from&to`` — proof bundles
  (:mod:`mohtasib.ledger._bundles`).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route functions'
# annotations at runtime, and the dependencies they name are local to ledger_router.
# The read routes are ``async``: a proof is a few indexed reads, cheaper than the hop to
# a worker thread; ``append`` stays a plain function, run in worker threads, so that
# concurrent appends share one durable commit (group commit, :mod:`mohtasib.ledger._log`).

import base64
import hmac
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mohtasib.errors import ConfigError
from mohtasib.ledger import AccessRecord, Ledger, Receipt, leaf_hash, load_policy, open_store
from mohtasib.ledger._bundles import ConsistencyBundle, InclusionBundle, publish_checkpoint
from mohtasib.ledger._keys import load_keys
from mohtasib.server._settings import ApiToken, ServerSettings, hash_token

__all__ = ["MAX_ENTRIES", "LedgerService", "keys_stamp", "ledger_router"]

#: Most entries one ``GET /api/ledger/entries`` returns.
MAX_ENTRIES = 1000
_bearer = HTTPBearer(auto_error=False, description="API token of role officer or system")
#: The key-directory files a rotation replaces (each by an atomic rename).
_ROTATED_FILES = ("keyring.json", "log.vkey", "oversight.pub")
_log = logging.getLogger("mohtasib.server")


def keys_stamp(keys_dir: Path) -> tuple[tuple[int, int, int] | None, ...]:
    """Identity of the key files a rotation replaces: (inode, mtime ns, size) each, or None."""
    stamp: list[tuple[int, int, int] | None] = []
    for name in _ROTATED_FILES:
        try:
            found = os.stat(keys_dir / name)
        except OSError:
            stamp.append(None)
        else:
            stamp.append((found.st_ino, found.st_mtime_ns, found.st_size))
    return tuple(stamp)


class LedgerService:
    """The open ledger behind the API, its signer and its token table."""

    def __init__(self, settings: ServerSettings) -> None:
        self.keys = load_keys(settings.keys_dir)
        policies = [load_policy(path) for path in settings.policies]
        self.ledger = Ledger(
            open_store(settings.database_url),
            policy=policies or None,
            oversight_public_key=self.keys.oversight_public_key,
            pseudonym_key=self.keys.pseudonym_key,
        )
        self.tokens = {token.sha256: token for token in settings.tokens}
        #: Tokens issued at run time (the portal's administrators), looked up by SHA-256.
        self.issued: Callable[[str], ApiToken | None] = lambda digest: None
        self._publish = threading.Lock()
        self.keys_dir = Path(settings.keys_dir)
        self.keys_stamp = keys_stamp(self.keys_dir)
        #: Re-reads the keys after another process rotated them (the portal sets its own).
        self.on_rotation: Callable[[], None] = self.reload_keys
        self._follow = threading.Lock()

    def reload_keys(self) -> None:
        """Re-read the key directory: the signer, and the key new records are sealed to."""
        self.keys = load_keys(self.keys_dir)
        self.ledger.set_oversight_public_key(self.keys.oversight_public_key)

    def append(self, record: AccessRecord) -> Receipt:
        """Append one access with the keys in use now (after any rotation elsewhere)."""
        self.follow_rotation()
        return self.ledger.append(record)

    def follow_rotation(self) -> None:
        """Switch to keys another process rotated (several workers share one key directory).

        Cheap when nothing changed (three ``stat`` calls). A key directory caught in
        the middle of a rotation (ConfigError from :func:`~mohtasib.ledger.load_keys`)
        is retried on the next call, with the keys in use kept meanwhile.
        """
        stamp = keys_stamp(self.keys_dir)
        if stamp == self.keys_stamp:
            return
        with self._follow:
            if stamp == self.keys_stamp:
                return
            try:
                self.on_rotation()
            except ConfigError as exc:
                _log.warning("key directory changed but cannot be read yet: %s", exc)
                return
            self.keys_stamp = stamp

    def authenticate(self, token: str) -> ApiToken | None:
        """The token's entry, compared in constant time; None when unknown or revoked."""
        digest = hash_token(token)
        found = self.tokens.get(digest) or self.issued(digest)
        if found is None or not hmac.compare_digest(found.sha256, digest):
            return None
        return found

    def latest_checkpoint(self) -> str | None:
        """The newest stored checkpoint note, signing a new one first when the log grew."""
        self.follow_rotation()
        with self._publish:
            saved = self.ledger.store.checkpoints()
            size = self.ledger.size()
            if (not saved or saved[-1][0] != size) and self.keys.signer is not None:
                return publish_checkpoint(self.ledger.store, self.keys.signer)
            return saved[-1][1] if saved else None

    def close(self) -> None:
        """Close the store."""
        self.ledger.store.close()


def _receipt(receipt: Receipt) -> dict[str, Any]:
    decision = receipt.decision
    return {
        "index": receipt.index,
        "leaf_hash": receipt.leaf_hash.hex(),
        "decision": "allowed" if decision.allowed else "denied",
        "rule": decision.rule,
        "reason": decision.reason,
    }


def _bind(token: ApiToken, body: dict[str, Any], service: LedgerService) -> dict[str, Any]:
    """The record as the token allows it: requester or system from the token."""
    record = dict(body)
    if token.role == "officer":
        if record.get("requester", token.subject) != token.subject:
            raise HTTPException(403, "the requester is the officer the token belongs to")
        record["requester"] = token.subject
    elif record.get("system") != token.subject:
        raise HTTPException(403, f"this token records accesses to system {token.subject!r} only")
    if "target_value" in record:
        if "target" in record:
            raise HTTPException(422, "give target or target_value, not both")
        record["target"] = service.ledger.pseudonymise(str(record.pop("target_value")))
    return record


def ledger_router(service: LedgerService) -> APIRouter:
    """The ``/api/ledger`` routes over one open ledger."""
    router = APIRouter(tags=["ledger"])

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiToken:
        if credentials is None:
            raise HTTPException(401, "bearer token required", {"WWW-Authenticate": "Bearer"})
        token = service.authenticate(credentials.credentials)
        if token is None:
            raise HTTPException(401, "unknown token", {"WWW-Authenticate": "Bearer"})
        return token

    @router.post("/entries", status_code=201, summary="Record one access (checked, then logged)")
    def append(
        token: Annotated[ApiToken, Depends(caller)],
        body: Annotated[dict[str, Any], Body(description="An access record (JSON schema v1)")],
    ) -> dict[str, Any]:
        record = AccessRecord.from_dict(_bind(token, body, service))
        return _receipt(service.append(record))

    @router.get("/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint")
    def checkpoint() -> PlainTextResponse:
        note = service.latest_checkpoint()
        if note is None:
            raise HTTPException(404, "no checkpoint has been signed yet")
        return PlainTextResponse(note, media_type="text/plain; charset=utf-8")

    @router.get("/entries", summary="Public leaf data of entries [start, end)")
    async def entries(
        start: Annotated[int, Query(ge=0)] = 0, end: Annotated[int | None, Query(ge=0)] = None
    ) -> dict[str, Any]:
        size = service.ledger.size()
        stop = min(size, start + MAX_ENTRIES if end is None else end)
        if stop - start > MAX_ENTRIES:
            raise HTTPException(422, f"at most {MAX_ENTRIES} entries per request")
        rows = service.ledger.store.entries(start, stop) if stop > start else []
        return {
            "size": size,
            "entries": [
                {
                    "index": row.index,
                    "leaf_data": base64.b64encode(row.leaf_data).decode("ascii"),
                    "leaf_hash": base64.b64encode(leaf_hash(row.leaf_data)).decode("ascii"),
                }
                for row in rows
            ],
        }

    @router.get("/proofs/inclusion", summary="Inclusion proof (RFC 9162 §2.1.3)")
    async def inclusion(
        index: Annotated[int, Query(ge=0)], size: Annotated[int | None, Query(ge=1)] = None
    ) -> dict[str, Any]:
        return InclusionBundle.from_store(service.ledger.store, index, size).to_dict()

    @router.get("/proofs/consistency", summary="Consistency proof (RFC 9162 §2.1.4)")
    async def consistency(
        size1: Annotated[int, Query(alias="from", ge=1)],
        size2: Annotated[int | None, Query(alias="to", ge=1)] = None,
    ) -> dict[str, Any]:
        return ConsistencyBundle.from_store(service.ledger.store, size1, size2).to_dict()

    return router
