"""The FastAPI application and the HTTP edge: mohtasib errors become statuses only here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from mohtasib import __version__
from mohtasib.errors import (
    ConfigError,
    InputError,
    MohtasibError,
    StorageError,
    VerificationError,
)
from mohtasib.ledger import StoreConflict
from mohtasib.server._api import api_router
from mohtasib.server._keys_admin import keys_router, reload_keys
from mohtasib.server._ledger_api import ledger_router
from mohtasib.server._pages import pages_router
from mohtasib.server._portal import Denied, LangMiddleware, Portal, RequestLog
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


def _denied_handler(portal: Portal) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        if exc.location is not None:
            return RedirectResponse(exc.location, status_code=exc.status)
        return portal.render(
            request, "error.html", status=exc.status, status_text=exc.status, message=exc.message
        )

    return handler


def _follow(portal: Portal) -> None:
    reload_keys(portal)  # another process rotated a key: signer, sealing key, keyring, figures


def build_app(settings: ServerSettings) -> FastAPI:
    """Open the ledger, the portal tables and the register; mount the pages and the API.

    See :func:`~mohtasib.server.create_app`. The stores stay open for the app's life,
    across any number of lifespans (a test harness may run one per request); the
    caller closes them with ``app.state.portal.close()``.
    """
    portal = Portal.open(settings)

    app = FastAPI(
        title="mohtasib",
        version=__version__,
        docs_url=None,  # Swagger UI loads scripts from a CDN, which the CSP forbids
        redoc_url=None,
        description=(
            "Independent oversight of police AI: the transparency register, published "
            "audit reports and the verifiable access ledger."
        ),
    )
    app.state.portal = portal
    app.add_exception_handler(MohtasibError, _mohtasib_error)
    app.add_exception_handler(Denied, _denied_handler(portal))
    app.include_router(ledger_router(portal.ledger), prefix="/api/ledger")
    app.include_router(api_router(portal), prefix="/api")
    pages = pages_router(portal)
    app.state.page_routes = pages.routes  # the HTML routes, for the access tests
    app.include_router(pages)
    portal.ledger.on_rotation = lambda: _follow(portal)
    app.include_router(keys_router(portal))  # /admin/keys, /ledger/verifiers.txt
    app.mount("/static", StaticFiles(packages=[("mohtasib.server", "static")]), name="static")
    app.add_middleware(RequestLog)
    app.add_middleware(LangMiddleware)
    return app
