"""The portal app (``server`` extra): the register, audit reports and the access ledger.

Importing this package needs no extra; :func:`create_app` raises
:class:`~mohtasib.errors.MissingExtraError` when FastAPI is not installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mohtasib.errors import MissingExtraError
from mohtasib.server._settings import ROLES, ApiToken, ServerSettings, hash_token, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ROLES", "ApiToken", "ServerSettings", "create_app", "hash_token", "load_settings"]


def create_app(settings: ServerSettings) -> FastAPI:
    """The portal: public pages, signed-in pages and the JSON API (OpenAPI at /openapi.json).

    Public pages: ``/register``, ``/register/{system_id}``, ``/scorecards``,
    ``/reports``, ``/ledger`` (English; Urdu at ``/ur/...``). Signed-in pages for
    officers, auditors and administrators; the JSON API under ``/api/`` (the ledger
    under ``/api/ledger``). The app's stores are open until
    ``app.state.portal.close()``.

    Raises MissingExtraError when the ``server`` extra is not installed, and
    ConfigError when the database or the key directory cannot be opened.
    """
    try:
        from mohtasib.server._app import build_app
    except ImportError as exc:
        if exc.name not in {
            "fastapi",
            "starlette",
            "pydantic",
            "jinja2",
            "argon2",
            "python_multipart",
        }:
            raise
        raise MissingExtraError("the portal", "server") from None
    return build_app(settings)
