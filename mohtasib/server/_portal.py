"""Everything the portal's routes share: database, accounts, register, ledger, templates.

Access rule, the same on every route: a public route needs nothing; any other
route needs a signed-in user of the route's roles. Without a session, a ``GET``
of an HTML page is answered ``303 See Other`` to ``/login`` (no data), and every
other request ``401``; a signed-in user of another role gets ``403``. Every
``POST`` form also needs the session's CSRF token (``403`` without it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import threading
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mohtasib import __version__
from mohtasib.ledger import Keyring, KeyringOpener
from mohtasib.register import city_scorecards, city_slug
from mohtasib.server._admin_log import AdminLog
from mohtasib.server._auth import (
    SESSION_COOKIE,
    Accounts,
    RateLimiter,
    Session,
    SharedRateLimiter,
    csrf_matches,
)
from mohtasib.server._content import Register, load_register
from mohtasib.server._db import PortalDB
from mohtasib.server._i18n import LANGUAGES, text
from mohtasib.server._ledger_api import LedgerService
from mohtasib.server._ledger_figures import LedgerFigures
from mohtasib.server._settings import ApiToken, ServerSettings

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "Denied",
    "LangMiddleware",
    "Portal",
    "RequestLog",
    "switch_target",
]

#: Cookie of the double-submit CSRF token of the sign-in form.
LOGIN_CSRF_COOKIE = "mohtasib_login_csrf"
#: How old the scorecards' retention judgement may get before it is made again (no new entries).
_RETENTION_REFRESH = dt.timedelta(minutes=10)
log = logging.getLogger("mohtasib.server")


class Denied(Exception):
    """A request that may not proceed: its status, and where to send a browser (303)."""

    def __init__(self, status: int, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location


@dataclasses.dataclass
class Portal:
    """The open resources of one running portal."""

    settings: ServerSettings
    ledger: LedgerService
    db: PortalDB
    accounts: Accounts
    register: Register
    admin_log: AdminLog
    #: The sign-in limiter: shared through the database (per process in some tests).
    limiter: SharedRateLimiter | RateLimiter
    templates: jinja2.Environment
    figures: LedgerFigures
    scorecards: list[dict[str, Any]] | None = None
    #: What the scorecards' ledger figures cover (:meth:`LedgerFigures.coverage`).
    scorecards_ledger: dict[str, Any] | None = None
    #: The ledger's keys in use and retired, and an opener over every oversight private
    #: key on the server (None: none here); replaced on a key rotation (``/admin/keys``).
    keyring: Keyring | None = None
    opener: KeyringOpener | None = None
    _refreshing: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: ServerSettings) -> Portal:
        """Open the ledger, the portal tables, the register and the administrators' log."""
        ledger = LedgerService(settings)
        db = PortalDB(settings.database_url)
        register = load_register(settings.register_dir)
        templates = jinja2.Environment(
            loader=jinja2.PackageLoader("mohtasib.server", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        templates.filters["city_slug"] = city_slug
        portal = cls(
            settings=settings,
            ledger=ledger,
            db=db,
            accounts=Accounts(db),
            register=register,
            admin_log=AdminLog(settings.database_url, ledger.keys),
            limiter=SharedRateLimiter(db),
            templates=templates,
            figures=LedgerFigures(
                ledger.ledger.store, ledger.keys.oversight_private_key, memory=db
            ),
        )
        portal.keyring = Keyring.load(settings.keys_dir)
        portal.opener = portal.keyring.opener()
        if portal.opener is not None:  # also opens bodies sealed to retired oversight keys
            portal.figures.opener = portal.opener
        portal.refresh_scorecards()
        ledger.issued = portal.issued_token
        return portal

    def issued_token(self, sha256: str) -> ApiToken | None:
        """A live API token issued on the admin page, by its SHA-256 (None otherwise)."""
        found = self.db.token(sha256)
        return None if found is None else ApiToken(sha256, found[0], found[1])

    def refresh_scorecards(self) -> list[dict[str, Any]] | None:
        """The city scorecards, first adding any ledger entries appended since last time.

        Computed when the portal opens from the register's cards and the per-system
        figures of its ledger (:mod:`._ledger_figures`), and again whenever the log
        has grown; None for an empty register.
        """
        self.ledger.follow_rotation()  # keys another worker rotated
        if not self.register.full_cards:
            return None
        with self._refreshing:
            grew = self.figures.update()
            stale = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(self.figures.as_of)
            if not grew and self.scorecards is not None and stale < _RETENTION_REFRESH:
                return self.scorecards
            if not grew:
                self.figures.touch()  # retention is judged as of now
            cards = list(self.register.full_cards)
            systems = {card.system_id for card in cards}
            periods = {
                card.system_id: float(card.data["technical"]["retention"]["period_days"])
                for card in cards
                if "period_days" in card.data.get("technical", {}).get("retention", {})
            }
            stats = self.figures.statistics(systems, periods)
            self.scorecards = [s.to_dict() for s in city_scorecards(cards, ledger_statistics=stats)]
            self.scorecards_ledger = self.figures.coverage(systems)
        return self.scorecards

    def close(self) -> None:
        """Close every store."""
        self.ledger.close()
        self.admin_log.close()
        self.db.close()

    # who is asking
    def session(self, request: Request) -> Session | None:
        """The signed-in session of a request, or None."""
        return self.accounts.session(request.cookies.get(SESSION_COOKIE))

    def require(self, request: Request, *roles: str) -> Session:
        """The session of a user in ``roles`` (module docstring for the refusals)."""
        session = self.session(request)
        if session is None:
            if request.method == "GET" and not request.url.path.startswith("/api/"):
                target = urllib.parse.quote(request.url.path, safe="/")
                login = "/ur/login" if lang_of(request) == "ur" else "/login"
                raise Denied(303, "sign in first", f"{login}?next={target}")
            raise Denied(401, "sign in first")
        if session.user.role not in roles:
            raise Denied(403, f"this page is for the role(s) {', '.join(roles)}")
        return session

    async def require_form(
        self, request: Request, *roles: str
    ) -> tuple[Session, Mapping[str, Any]]:
        """The session and the parsed form of a POST whose CSRF token matches."""
        session = self.require(request, *roles)
        form = await request.form(max_files=1, max_fields=50)
        given = form.get("csrf_token")
        if not csrf_matches(session.csrf, given if isinstance(given, str) else None):
            raise Denied(403, "the form's CSRF token is missing or does not match; reload the page")
        return session, form

    # rendering
    def render(
        self, request: Request, name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """Render a template in the request's language."""
        lang = lang_of(request)
        path = switch_target(request)
        other = "en" if lang == "ur" else "ur"
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        if path != request.url.path:
            query = []  # the query belonged to another route
        switch_path = f"/ur{path}" if other == "ur" else path
        switch = switch_path + ("?" + urllib.parse.urlencode(query) if query else "")

        def u(target: str) -> str:
            return f"/ur{target}" if lang == "ur" else target

        values = {
            "lang": lang,
            "dir": LANGUAGES[lang],
            "t": lambda key: text(key, lang),
            "u": u,
            "switch_url": switch,
            "version": __version__,
            "session": context.pop("session", None) or self.session(request),
            "has_scorecards": self.scorecards is not None,
        }
        values.update(context)
        html = self.templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status)


def switch_target(request: Request) -> str:
    """The page the language switch leads to: one a ``GET`` can open (not a POST-only path).

    A page rendered for a ``GET`` switches to itself. A page rendered for another
    method (a form's answer, such as ``POST /admin/keys/signer``) switches to the same
    path when it also answers ``GET`` (``/requests/new``, ``/admin/users``), or else to
    the nearest enclosing path that does (``/admin/keys`` for ``/admin/keys/signer``,
    ``/auditor/reports`` for ``/auditor/reports/{sha256}/publish``); ``/register`` when
    none does.
    """
    path: str = request.url.path
    if request.method in ("GET", "HEAD"):
        return path
    app = request.scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", [])
    candidate = path.rstrip("/")
    while candidate:
        scope = {"type": "http", "method": "GET", "path": candidate, "root_path": "", "headers": []}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            return candidate
        candidate = candidate.rpartition("/")[0]
    return "/register"


def lang_of(request: Request) -> str:
    """The request's language: ``/ur/...`` or ``?lang=ur`` give Urdu, else English."""
    if request.scope.get("mohtasib_lang") == "ur" or request.query_params.get("lang") == "ur":
        return "ur"
    return "en"


class LangMiddleware:
    """Serve ``/ur/<path>`` as ``<path>`` in Urdu (the language goes into the scope)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strip the ``/ur`` prefix and remember the language."""
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/ur" or path.startswith("/ur/"):
                scope = dict(scope)
                scope["path"] = path[3:] or "/"
                scope["raw_path"] = scope["path"].encode()
                scope["mohtasib_lang"] = "ur"
        await self.app(scope, receive, send)


class RequestLog:
    """Log each request without personal data; add the security headers.

    A line holds the method, the path (never the query string, which can carry
    a search), the status and the time taken: no client address, no user name,
    no form field, no cookie. Every response gets ``X-Content-Type-Options``,
    ``Referrer-Policy`` and ``X-Frame-Options``, and a ``Content-Security-Policy``
    unless the route set its own (a report's sandbox).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; log it when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                    b"content-security-policy": b"default-src 'self'; frame-ancestors 'none'",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
                took = (time.perf_counter() - started) * 1000
                log.info("%s %s %d %.1fms", scope["method"], scope["path"], message["status"], took)
            await send(message)

        await self.app(scope, receive, send_wrapper)


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``, hex."""
    return hashlib.sha256(data).hexdigest()


def now_text() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
