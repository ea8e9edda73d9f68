"""The FastAPI application and the HTTP edge: mohtasib errors become statuses only here."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mohtasib import __version__
from mohtasib.errors import (
    ConfigError,
    InputError,
    MohtasibError,
    StorageError,
    VerificationError,
)
from mohtasib.ledger import StoreConflict
from mohtasib.server._ledger_api import LedgerService, ledger_router
from mohtasib.server._settings import ServerSettings

__all__ = ["build_app", "status_for"]

_STATUSES: tuple[tuple[type[MohtasibError], int], ...] = (
    (InputError, 422),
    (ConfigError, 400),
    (StoreConflict, 503),
    (StorageError, 503),
    (VerificationError, 409),
)


def status_for(exc: MohtasibError) -> int:
    """The HTTP status of a mohtasib error (500 for anything unexpected)."""
    for kind, status in _STATUSES:
        if isinstance(exc, kind):
            return status
    return 500


async def _mohtasib_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MohtasibError)
    return JSONResponse(
        {"error": type(exc).__name__, "detail": str(exc)}, status_code=status_for(exc)
    )


def build_app(settings: ServerSettings) -> FastAPI:
    """Open the ledger named by ``settings`` and mount its API (see :func:`create_app`)."""
    service = LedgerService(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="mohtasib",
        version=__version__,
        description="Independent oversight of police AI: the verifiable access ledger.",
        lifespan=lifespan,
    )
    app.add_exception_handler(MohtasibError, _mohtasib_error)
    app.include_router(ledger_router(service), prefix="/api/ledger")
    return app
