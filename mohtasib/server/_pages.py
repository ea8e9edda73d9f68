"""The portal's HTML pages: public (register, scorecards, reports, ledger) and signed-in.

Public pages need no sign-in and show only public data: the register's cards pass
through :func:`mohtasib.register.public_view` when they are loaded, reports are
listed only once published, and the ledger page shows signed checkpoints, never
record bodies. Signed-in pages follow the access rule of :mod:`._portal`:

* officers: ``/requests/new`` (an access request, checked by the ledger's policy);
* auditors: ``/auditor/reports`` (upload, publish) and ``/auditor/entries``
  (decrypted ledger entries, when the oversight key is on the server);
* administrators: ``/admin/users`` (add, disable, enable) and ``/admin/tokens`` (issue
  and revoke API tokens, shown once and stored as SHA-256; the ledger's keys), each
  change appended to the administrators' log; key rotation is ``/admin/keys``
  (:mod:`._keys_admin`).

Every page is in English and Urdu (:mod:`._i18n`): forms post to the page's own
language, sign-in and sign-out keep it, and what a page says back is in that
language; an InputError's field-by-field detail stays English after an Urdu lead.
"""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at runtime.

import datetime as dt
import itertools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from mohtasib.errors import InputError, MohtasibError
from mohtasib.ledger import ACTIONS, AccessRecord, Keyring, parse_leaf
from mohtasib.register import city_slug
from mohtasib.server._auth import (
    SESSION_COOKIE,
    USER_ROLES,
    Session,
    client_address,
    csrf_matches,
    new_token,
)
from mohtasib.server._db import StoredReport
from mohtasib.server._i18n import rule_text, text
from mohtasib.server._portal import (
    LOGIN_CSRF_COOKIE,
    Denied,
    Portal,
    lang_of,
    now_text,
    sha256_hex,
)
from mohtasib.server._settings import ROLES, hash_token

__all__ = ["ENTRIES_PAGE", "pages_router", "store_report"]

#: Decrypted entries per page of ``/auditor/entries``.
ENTRIES_PAGE = 50
_PKT = dt.timezone(dt.timedelta(hours=5), "PKT")


def _client(request: Request, portal: Portal) -> str:
    """The client's address: ``X-Forwarded-For`` is believed from trusted proxies only."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.getlist("x-forwarded-for")
    return client_address(peer, forwarded, portal.settings.trusted_proxies)


def _say(request: Request, key: str, **params: object) -> str:
    """Interface text ``key`` in the request's language, with ``params`` filled in."""
    return text(key, lang_of(request)).format(**params)


def _problem(
    request: Request, key: str | None = None, detail: str = "", **params: object
) -> dict[str, str]:
    """What a page shows as an error: its text in the request's language, and a detail.

    The detail (an InputError's message, naming the field) is English; on an Urdu
    page it follows an Urdu lead (``form_invalid`` unless ``key`` is given).
    """
    if key is not None:
        return {"text": _say(request, key, **params), "detail": detail}
    if lang_of(request) == "en":
        return {"text": detail, "detail": ""}
    return {"text": _say(request, "form_invalid"), "detail": detail}


def _in_lang(request: Request, path: str) -> str:
    """``path`` in the request's language (``/ur/...`` for Urdu)."""
    urdu = lang_of(request) == "ur" and not (path == "/ur" or path.startswith("/ur/"))
    return f"/ur{path}" if urdu else path


def _safe_next(target: str) -> str:
    """Only a local path may follow sign-in (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/register"


def store_report(
    portal: Portal, html: bytes, *, title: str, uploaded_by: str, publish: bool, expected: str = ""
) -> StoredReport:
    """Check and store an uploaded report; InputError names what is wrong.

    The report must be at most ``max_report_bytes``, look like an HTML document,
    and, when ``expected`` is given, have that SHA-256. Nothing is stored when any
    check fails; the bytes are stored exactly as given.
    """
    limit = portal.settings.max_report_bytes
    if len(html) > limit:
        raise InputError(f"the report is {len(html)} bytes; at most {limit}", column="report")
    if not html:
        raise InputError("the report is empty", column="report")
    head = html[:512].lstrip().lower()
    if not (head.startswith(b"<!doctype html") or head.startswith(b"<html")):
        raise InputError("want an HTML document (<!doctype html> or <html>)", column="report")
    digest = sha256_hex(html)
    wanted = expected.strip().lower()
    if wanted and wanted != digest:
        raise InputError(
            f"the report's SHA-256 is {digest}; the expected hash was {wanted}",
            column="expected_sha256",
        )
    title = title.strip()
    if not title or len(title) > 200:
        raise InputError("want a title of 1 to 200 characters", column="title")
    report = StoredReport(digest, title, len(html), uploaded_by, now_text(), publish)
    if not portal.db.add_report(report, html) and publish:
        portal.db.publish_report(digest)  # the same bytes again: publish the stored copy
    if publish:
        portal.admin_log.append(uploaded_by, "report_publish", digest)
    found = portal.db.report(digest)
    assert found is not None
    return found


def _retired_bounds(keyring: Keyring | None) -> dict[str, str]:
    """Each bounded retired verifier key -> its ``# retired: … up to size N`` line.

    The same lines as ``/ledger/verifiers.txt`` (:meth:`Keyring.verifiers_text`).
    """
    lines = keyring.verifiers_text().splitlines() if keyring else []
    return {vkey: line for line, vkey in itertools.pairwise(lines) if line.startswith("#")}


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _record(session: Session, form: Any, portal: Portal) -> AccessRecord:
    """The access record of an officer's form; the target is pseudonymised at once."""
    target = _field(form, "target_value")
    if not target:
        raise InputError("give the plate, CNIC or probe id searched for", column="target_value")
    fir = [_field(form, k) for k in ("fir_number", "police_station", "district")]
    authority = None
    if any(fir):
        authority = {
            "kind": "fir",
            "number": fir[0],
            "police_station": fir[1],
            "district": fir[2],
        }
    return AccessRecord.from_dict(
        {
            "v": 1,
            "requester": session.user.username,
            "role": "investigating_officer",
            "time": dt.datetime.now(_PKT).isoformat(timespec="seconds"),
            "system": _field(form, "system"),
            "action": _field(form, "action"),
            "target": portal.ledger.ledger.pseudonymise(target),
            "legal_authority": authority,
            "purpose": _field(form, "purpose"),
            "approver": _field(form, "approver") or None,
            "outcome": "requested",
            "retention_class": "standard",
        }
    )


def pages_router(portal: Portal) -> APIRouter:
    """The HTML routes of one portal."""
    router = APIRouter(include_in_schema=False)
    for add in (
        _public_pages,
        _sign_in_pages,
        _officer_pages,
        _auditor_pages,
        _entries_page,
        _admin_pages,
        _token_pages,
    ):
        add(router, portal)
    return router


def _public_pages(router: APIRouter, portal: Portal) -> None:
    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/register", status_code=303)

    @router.get("/register", response_class=HTMLResponse)
    async def register_page(
        request: Request, city: str = "", capability: str = "", status: str = ""
    ) -> HTMLResponse:
        cards = portal.register.select(city=city, capability=capability, status=status)
        filters = {"city": city, "capability": capability, "status": status}
        facets = portal.register.facets()
        return portal.render(request, "register.html", cards=cards, filters=filters, facets=facets)

    @router.get("/register/{system_id}", response_class=HTMLResponse)
    async def system_page(request: Request, system_id: str) -> HTMLResponse:
        card = portal.register.get(system_id)
        if card is None:
            raise Denied(404, f"no system {system_id!r} in the register")
        return portal.render(request, "system.html", card=card, card_yaml=card.public_yaml)

    @router.get("/scorecards", response_class=HTMLResponse)
    async def scorecards_page(request: Request) -> HTMLResponse:
        scorecards = portal.refresh_scorecards()
        if scorecards is None:
            raise Denied(404, "this register has no city scorecards")
        return portal.render(
            request,
            "scorecards.html",
            scorecards=scorecards,
            coverage=portal.scorecards_ledger,
            city=None,
        )

    @router.get("/scorecards/{slug}", response_class=HTMLResponse)
    async def city_page(request: Request, slug: str) -> HTMLResponse:
        scorecards = portal.refresh_scorecards()
        found = [c for c in scorecards or [] if city_slug(str(c["city"])) == slug]
        if not found:
            raise Denied(404, f"no city scorecard {slug!r} in this register")
        return portal.render(
            request,
            "scorecards.html",
            scorecards=found,
            coverage=portal.scorecards_ledger,
            city=found[0]["city"],
        )

    @router.get("/reports", response_class=HTMLResponse)
    async def reports_page(request: Request) -> HTMLResponse:
        reports = portal.db.reports(published_only=True)
        return portal.render(request, "reports.html", reports=reports)

    @router.get("/reports/{sha256}")
    def report_file(sha256: str) -> Response:
        report = portal.db.report(sha256.lower())
        html = portal.db.report_html(sha256.lower()) if report and report.published else None
        if report is None or html is None:
            raise Denied(404, "no published report has this SHA-256")
        headers = {
            "X-Content-SHA256": report.sha256,
            "ETag": f'"{report.sha256}"',
            # The report runs in a sandbox: no access to the portal's origin or cookies.
            "Content-Security-Policy": "sandbox allow-scripts allow-popups",
        }
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)

    @router.get("/ledger", response_class=HTMLResponse)
    async def ledger_page(request: Request) -> HTMLResponse:
        portal.ledger.follow_rotation()  # keys another worker rotated
        base = str(request.base_url).rstrip("/")
        logs = [
            {
                "id": "access",
                "title": "Access ledger",
                "size": portal.ledger.ledger.size(),
                "checkpoint": portal.ledger.latest_checkpoint(),
                "vkey": portal.ledger.keys.verifier_key,
                "retired_vkeys": portal.keyring.verifier_keys()[1:] if portal.keyring else [],
                "retired_bounds": _retired_bounds(portal.keyring),
                "checkpoint_url": "/api/ledger/checkpoint",
                "proof_url": "/api/ledger/proofs/inclusion",
            },
            {
                "id": "admin",
                "title": "Administrators' log",
                "size": portal.admin_log.store.size(),
                "checkpoint": portal.admin_log.latest_checkpoint(),
                "vkey": portal.admin_log.verifier_key,
                "checkpoint_url": "/api/admin-log/checkpoint"
                if portal.admin_log.latest_checkpoint()
                else None,
                "proof_url": "/api/admin-log/proofs/inclusion",
            },
        ]
        return portal.render(request, "ledger.html", logs=logs, base=base)


def _sign_in_pages(router: APIRouter, portal: Portal) -> None:
    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/register") -> HTMLResponse:
        return _login_form(request, next, error_key=None, status=200)

    def _login_form(
        request: Request, target: str, error_key: str | None, status: int
    ) -> HTMLResponse:
        token = new_token()
        response = portal.render(
            request,
            "login.html",
            status=status,
            login_csrf=token,
            next=_safe_next(target),
            error=None if error_key is None else _problem(request, error_key),
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            secure=portal.settings.cookie_secure,
            samesite="strict",
            path=_in_lang(request, "/login"),  # where the form posts to
        )
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        given = form.get("csrf_token")
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not csrf_matches(cookie, given if isinstance(given, str) else None):
            raise Denied(403, "the sign-in form's CSRF token is missing; reload the page")
        username, password = _field(form, "username"), form.get("password")
        target = _field(form, "next") or "/register"
        keys = (f"ip:{_client(request, portal)}", f"user:{username.casefold()[:64]}")
        if not portal.limiter.acquire(*keys):  # counted now; taken back if it succeeds
            return _login_form(request, target, "login_limited", 429)
        user = None
        if username and isinstance(password, str) and password:
            user = portal.accounts.check_password(username, password)
        if user is None:
            return _login_form(request, target, "login_wrong", 401)  # stays counted
        portal.limiter.release(keys[0])
        portal.limiter.reset(keys[1])
        token, _session = portal.accounts.open_session(user)
        response = RedirectResponse(_in_lang(request, _safe_next(target)), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            secure=portal.settings.cookie_secure,
            samesite="strict",
            max_age=8 * 3600,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path=_in_lang(request, "/login"))
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session, _form = await portal.require_form(request, *USER_ROLES)
        portal.accounts.close_session(session)
        response = RedirectResponse(_in_lang(request, "/register"), status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response


def _officer_pages(router: APIRouter, portal: Portal) -> None:
    def _systems() -> list[str]:
        policies = sorted(portal.ledger.ledger.policies)
        return policies or [c.system_id for c in portal.register.cards]

    def _actions(request: Request) -> list[tuple[str, str]]:
        """(action, its label in the request's language); an action with no label shows its id."""
        lang = lang_of(request)
        out = []
        for action in ACTIONS:
            try:
                out.append((action, text(f"action_{action}", lang)))
            except KeyError:
                out.append((action, action))
        return out

    @router.get("/requests/new", response_class=HTMLResponse)
    def request_form(request: Request) -> HTMLResponse:
        session = portal.require(request, "officer")
        return portal.render(
            request,
            "request.html",
            session=session,
            systems=_systems(),
            actions=_actions(request),
            receipt=None,
            error=None,
        )

    @router.post("/requests/new", response_class=HTMLResponse)
    async def submit_request(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "officer")
        receipt, error, status = None, None, 201
        try:
            record = _record(session, form, portal)
            done = portal.ledger.append(record)
        except InputError as exc:
            error, status = _problem(request, detail=str(exc)), 422
        else:
            receipt = {
                "index": done.index,
                "decision": "allowed" if done.decision.allowed else "denied",
                "rule": done.decision.rule,
                "explanation": rule_text(done.decision.rule, lang_of(request)),
                "reason": done.decision.reason,
            }
        return portal.render(
            request,
            "request.html",
            status=status,
            session=session,
            systems=_systems(),
            actions=_actions(request),
            receipt=receipt,
            error=error,
        )


def _auditor_pages(router: APIRouter, portal: Portal) -> None:
    def _auditor_page(
        request: Request,
        session: Session,
        status: int = 200,
        message: str | None = None,
        error: dict[str, str] | None = None,
    ) -> HTMLResponse:
        return portal.render(
            request,
            "auditor_reports.html",
            status=status,
            session=session,
            reports=portal.db.reports(published_only=False),
            message=message,
            error=error,
            max_mib=portal.settings.max_report_bytes // (1024 * 1024),
        )

    @router.get("/auditor/reports", response_class=HTMLResponse)
    def auditor_reports(request: Request) -> HTMLResponse:
        return _auditor_page(request, portal.require(request, "auditor"))

    @router.post("/auditor/reports", response_class=HTMLResponse)
    async def upload_report(request: Request) -> HTMLResponse:
        session = portal.require(request, "auditor")
        limit = portal.settings.max_report_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            msg = _problem(request, "upload_too_big", size=declared, limit=limit)
            return _auditor_page(request, session, 413, error=msg)
        session, form = await portal.require_form(request, "auditor")
        html = b""
        try:
            upload = form.get("report")
            if not isinstance(upload, UploadFile):
                return _auditor_page(request, session, 422, error=_problem(request, "choose_file"))
            html = await upload.read(limit + 1)
            report = store_report(
                portal,
                html,
                title=_field(form, "title"),
                uploaded_by=session.user.username,
                publish=_field(form, "publish") == "1",
                expected=_field(form, "expected_sha256"),
            )
        except InputError as exc:
            status = 413 if len(html) > limit else 422
            return _auditor_page(request, session, status, error=_problem(request, detail=str(exc)))
        finally:
            await form.close()  # type: ignore[attr-defined]
        state = "report_published" if report.published else "report_stored"
        message = _say(request, state, sha256=report.sha256)
        return _auditor_page(request, session, 201, message=message)

    @router.post("/auditor/reports/{sha256}/publish", response_class=HTMLResponse)
    async def publish_report(request: Request, sha256: str) -> HTMLResponse:
        session, _form = await portal.require_form(request, "auditor")
        if portal.db.report(sha256) is None:
            raise Denied(404, "no report has this SHA-256")
        portal.db.publish_report(sha256)
        portal.admin_log.append(session.user.username, "report_publish", sha256)
        message = _say(request, "report_published", sha256=sha256)
        return _auditor_page(request, session, message=message)


def _entries_page(router: APIRouter, portal: Portal) -> None:
    @router.get("/auditor/entries", response_class=HTMLResponse)
    def auditor_entries(request: Request, start: int | None = None) -> HTMLResponse:
        session = portal.require(request, "auditor")
        ledger = portal.ledger.ledger
        size = ledger.size()
        first = max(0, size - ENTRIES_PAGE) if start is None else max(0, min(start, size))
        end = min(size, first + ENTRIES_PAGE)
        key = portal.opener  # every oversight private key here, current and retired
        if key is not None and end > first:  # reading sealed bodies is itself logged
            portal.admin_log.append(session.user.username, "ledger_read", f"{first}-{end}")
        entries = []
        for row in ledger.store.entries(first, end) if end > first else []:
            item: dict[str, Any] = {"index": row.index, "record": None, "note": "", "decision": ""}
            view = parse_leaf(row.leaf_data)
            if view.kind == "access":
                item["decision"] = (
                    _say(request, "entry_allowed")
                    if view.allowed
                    else _say(request, "entry_denied", rule=view.rule)
                )
            else:
                item["decision"] = _say(request, "entry_tombstone")
            if key is not None:
                try:
                    item["record"] = key.read_record(ledger.store, row.index).to_dict()
                except MohtasibError as exc:
                    item["note"] = str(exc)
            else:
                item["note"] = _say(request, "sealed")
            entries.append(item)
        entries.reverse()
        return portal.render(
            request,
            "entries.html",
            session=session,
            entries=entries,
            start=first,
            end=end,
            size=size,
            page=ENTRIES_PAGE,
            can_open=key is not None,
        )


def _admin_pages(router: APIRouter, portal: Portal) -> None:
    def _users_page(
        request: Request,
        session: Session,
        status: int = 200,
        message: str | None = None,
        error: dict[str, str] | None = None,
    ) -> HTMLResponse:
        return portal.render(
            request,
            "users.html",
            status=status,
            session=session,
            users=portal.db.users(),
            roles=USER_ROLES,
            message=message,
            error=error,
        )

    @router.get("/admin/users", response_class=HTMLResponse)
    def users_page(request: Request) -> HTMLResponse:
        return _users_page(request, portal.require(request, "admin"))

    @router.post("/admin/users", response_class=HTMLResponse)
    async def add_user(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "admin")
        password = form.get("password")
        username = _field(form, "username")
        try:
            portal.accounts.create_user(
                username, _field(form, "role"), password if isinstance(password, str) else ""
            )
        except InputError as exc:
            return _users_page(request, session, 422, error=_problem(request, detail=str(exc)))
        portal.admin_log.append(session.user.username, "user_create", username)
        message = _say(request, "user_added", username=username)
        return _users_page(request, session, 201, message=message)

    @router.post("/admin/users/active", response_class=HTMLResponse)
    async def set_active(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "admin")
        username = _field(form, "username")
        if portal.db.user(username) is None:
            return _users_page(request, session, 404, error=_problem(request, "no_such_user"))
        if username == session.user.username:
            return _users_page(request, session, 422, error=_problem(request, "not_yourself"))
        active = _field(form, "active") == "1"
        portal.db.set_active(username, active)
        action = "user_enable" if active else "user_disable"
        portal.admin_log.append(session.user.username, action, username)
        done = "user_enabled" if active else "user_disabled"
        return _users_page(request, session, message=_say(request, done, username=username))


def _token_pages(router: APIRouter, portal: Portal) -> None:
    def _tokens_page(
        request: Request,
        session: Session,
        status: int = 200,
        issued: str | None = None,
        error: dict[str, str] | None = None,
    ) -> HTMLResponse:
        return portal.render(
            request,
            "tokens.html",
            status=status,
            session=session,
            tokens=portal.db.tokens(),
            roles=ROLES,
            issued=issued,
            error=error,
            verifier_key=portal.ledger.keys.verifier_key,
            admin_verifier_key=portal.admin_log.verifier_key,
            oversight_key_here=portal.ledger.keys.oversight_private_key is not None,
        )

    @router.get("/admin/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request) -> HTMLResponse:
        return _tokens_page(request, portal.require(request, "admin"))

    @router.post("/admin/tokens", response_class=HTMLResponse)
    async def issue_token(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "admin")
        role, subject = _field(form, "role"), _field(form, "subject")
        if role not in ROLES:
            error = _problem(request, "bad_role", roles=list(ROLES))
            return _tokens_page(request, session, 422, error=error)
        if not subject or len(subject) > 100:
            return _tokens_page(request, session, 422, error=_problem(request, "bad_subject"))
        token = new_token()
        digest = hash_token(token)
        portal.db.add_token(digest, role, subject, now_text())
        portal.admin_log.append(session.user.username, "token_create", digest)
        return _tokens_page(request, session, 201, issued=token)

    @router.post("/admin/tokens/revoke", response_class=HTMLResponse)
    async def revoke_token(request: Request) -> HTMLResponse:
        session, form = await portal.require_form(request, "admin")
        digest = _field(form, "sha256")
        if not any(t[0] == digest for t in portal.db.tokens()):
            return _tokens_page(request, session, 404, error=_problem(request, "no_such_token"))
        portal.db.revoke_token(digest)
        portal.admin_log.append(session.user.username, "token_revoke", digest)
        return _tokens_page(request, session)
