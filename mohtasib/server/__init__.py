"""The portal app (``server`` extra): the HTTP API of the access ledger, more to come.

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
    """The FastAPI application: the ledger API under ``/api/ledger`` (OpenAPI at /openapi.json).

    Raises MissingExtraError when the ``server`` extra is not installed, and
    ConfigError when the database or the key directory cannot be opened.
    """
    try:
        from mohtasib.server._app import build_app
    except ImportError as exc:
        if exc.name not in {"fastapi", "starlette", "pydantic"}:
            raise
        raise MissingExtraError("the portal", "server") from None
    return build_app(settings)
