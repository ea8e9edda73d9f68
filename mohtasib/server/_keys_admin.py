"""The administrators' key page: the ledger's keys in use and retired, and their rotation.

* ``GET /admin/keys`` (admin): every key of the access ledger, in use and retired
  (:class:`mohtasib.ledger.Keyring`): names, key IDs, fingerprints, public keys and
  times, whether a private key is on the server; never a secret.
* ``POST /admin/keys/signer`` (admin, CSRF): rotate the checkpoint signer
  (:func:`mohtasib.ledger.rotate_signer`) and show the handover checkpoint signed by
  the old and the new key.
* ``POST /admin/keys/oversight`` (admin, CSRF): install the oversight body's new X25519
  public key (field ``public_key``, base64; :func:`mohtasib.ledger.rotate_oversight`).
  A key that is not 32 bytes of base64, or is the key in use or a retired one, is
  refused on the form (422) and nothing changes.
* ``GET /ledger/verifiers.txt`` (public): the access ledger's verifier keys, in use first,
  one per line, each retired key after a ``# retired: <name>+<key ID> up to size N``
  line (its bound, :mod:`mohtasib.ledger._bounds`), for ``mohtasib ledger verify --vkey
  verifiers.txt``.

The running portal process switches at once: checkpoints are signed by the new key from the
handover on, and the ledger seals new records to the new oversight key (the swap is
:meth:`mohtasib.ledger.Ledger.set_oversight_public_key`); auditors' decrypted entries
and the scorecards' figures open bodies with every oversight private key on the server.
Other portal processes sharing the key directory see a rotation only once restarted.
Each rotation is appended to the administrators' log with the old and new key IDs or
fingerprints. The pseudonym key is not rotated (:mod:`mohtasib.ledger._keyring` says why).
"""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at runtime.

import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from mohtasib.errors import ConfigError, InputError
from mohtasib.ledger import (
    Keyring,
    OversightRotation,
    SignerRotation,
    rotate_oversight,
    rotate_signer,
)
from mohtasib.server._auth import Session
from mohtasib.server._i18n import text
from mohtasib.server._ledger_api import keys_stamp
from mohtasib.server._portal import Portal, lang_of

__all__ = ["keys_router", "reload_keys", "rotate_portal_oversight", "rotate_portal_signer"]

_LOCK = threading.Lock()  # one rotation at a time in this process (files lock across processes)


def reload_keys(portal: Portal) -> Keyring:
    """Re-read the key directory into the running portal (after a rotation)."""
    directory = portal.settings.keys_dir
    service = portal.ledger
    service.reload_keys()
    keyring = Keyring.load(directory)
    portal.keyring = keyring
    portal.opener = keyring.opener()
    service.keys_stamp = keys_stamp(directory)
    if portal.opener is not None:
        portal.figures.opener = portal.opener
    return keyring


def rotate_portal_signer(portal: Portal, actor: str) -> SignerRotation:
    """Rotate the ledger's signer, switch the portal to it, log it; return what was done.

    Holds the ledger service's checkpoint lock, so no checkpoint is signed with the
    old key alone after the handover.
    """
    with _LOCK, portal.ledger._publish:
        done = rotate_signer(portal.settings.keys_dir, portal.ledger.ledger.store)
        reload_keys(portal)
    detail = {"old_key_id": done.old_key_id, "new_key_id": done.new_key_id, "size": str(done.size)}
    portal.admin_log.append(actor, "key_rotate_signer", done.old_vkey.split("+")[0], detail)
    return done


def rotate_portal_oversight(portal: Portal, actor: str, public_key: str) -> OversightRotation:
    """Install the oversight body's new public key, switch the portal to it, log it.

    Holds the ledger's commit lock (:meth:`mohtasib.ledger.Ledger.paused`) from reading
    the log's size to swapping the sealing key, so no append commits in between: the
    recorded ``log_size`` is exactly the first entry sealed to the new key.
    """
    ledger = portal.ledger.ledger
    with _LOCK, ledger.paused():
        size = ledger.size()
        done = rotate_oversight(portal.settings.keys_dir, public_key, log_size=size)
        reload_keys(portal)
    detail = {
        "old_fingerprint": done.old_fingerprint,
        "new_fingerprint": done.new_fingerprint,
        "log_size": str(done.log_size),
    }
    portal.admin_log.append(actor, "key_rotate_oversight", "oversight.pub", detail)
    return done


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def keys_router(portal: Portal) -> APIRouter:
    """The key routes of one portal (module docstring)."""
    router = APIRouter(include_in_schema=False)

    def _keyring() -> Keyring:
        portal.ledger.follow_rotation()
        return portal.keyring if portal.keyring is not None else reload_keys(portal)

    def _page(
        request: Request,
        session: Session,
        status: int = 200,
        *,
        message: str | None = None,
        error: str | None = None,
        handover: str | None = None,
        public_key: str = "",
    ) -> HTMLResponse:
        ring = _keyring()
        return portal.render(
            request,
            "keys.html",
            status=status,
            session=session,
            signer=ring.current("signer"),
            signer_name=ring.current("signer").public.split("+")[0],
            retired_signers=ring.retired("signer"),
            oversight=ring.current("oversight"),
            retired_oversight=ring.retired("oversight"),
            private_here=set(ring.private_keys),
            retired_secrets=ring.retired_secrets,
            admin_vkey=portal.admin_log.verifier_key,
            message=message,
            error=error,
            handover=handover,
            public_key=public_key,
        )

    @router.get("/admin/keys", response_class=HTMLResponse)
    def keys_page(request: Request) -> HTMLResponse:
        return _page(request, portal.require(request, "admin"))

    @router.post("/admin/keys/signer", response_class=HTMLResponse)
    async def rotate_signer_form(request: Request) -> HTMLResponse:
        session, _form = await portal.require_form(request, "admin")
        try:
            done = rotate_portal_signer(portal, session.user.username)
        except ConfigError as exc:
            return _page(request, session, 409, error=str(exc))
        message = text("keyadmin_rotated_signer", lang_of(request)).format(
            old=done.old_key_id, new=done.new_key_id
        )
        return _page(request, session, message=message, handover=done.handover)

    @router.post("/admin/keys/oversight", response_class=HTMLResponse)
    async def rotate_oversight_form(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "admin")
        value = _field(form, "public_key")
        try:
            done = rotate_portal_oversight(portal, session.user.username, value)
        except InputError as exc:
            return _page(request, session, 422, error=str(exc), public_key=value[:100])
        except ConfigError as exc:
            return _page(request, session, 409, error=str(exc), public_key=value[:100])
        message = text("keyadmin_rotated_oversight", lang_of(request)).format(
            old=done.old_fingerprint, new=done.new_fingerprint
        )
        return _page(request, session, message=message)

    @router.get("/ledger/verifiers.txt", response_class=PlainTextResponse)
    def verifiers() -> PlainTextResponse:
        return PlainTextResponse(_keyring().verifiers_text())  # retired keys with bounds

    return router
