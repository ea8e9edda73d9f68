"""The portal's public JSON API (under ``/api/``; the spec at ``/openapi.json``).

* ``GET /api/register?city&capability&status`` and ``GET /api/register/{system_id}``:
  public views of system cards with their impact assessments;
* ``GET /api/scorecards``: the city scorecards, with each system's figures from the
  portal's ledger, and under ``ledger`` what those figures cover and what could not
  be attributed to a system (:mod:`._ledger_figures`; 404 when the register has none);
* ``GET /api/reports`` and ``GET /api/reports/{sha256}``: metadata of published
  reports (the HTML itself is at ``/reports/{sha256}``);
* ``GET /api/admin-log/checkpoint`` and ``GET /api/admin-log/proofs/inclusion``: the
  administrators' log (:mod:`._admin_log`), checked with ``mohtasib ledger verify``.

The ledger's own routes are in :mod:`._ledger_api`.
"""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at runtime.

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import PlainTextResponse

from mohtasib.ledger import InclusionBundle
from mohtasib.server._portal import Portal

__all__ = ["api_router"]

_SHA256 = Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the report, lower-case hex")


def api_router(portal: Portal) -> APIRouter:
    """The public JSON routes of one portal."""
    router = APIRouter(tags=["register"])

    @router.get("/register", summary="System cards (public fields), filtered")
    def register(
        city: Annotated[str, Query(max_length=100)] = "",
        capability: Annotated[str, Query(max_length=100)] = "",
        status: Annotated[str, Query(max_length=100)] = "",
    ) -> dict[str, Any]:
        cards = portal.register.select(city=city, capability=capability, status=status)
        return {"systems": [c.to_dict() for c in cards], "facets": portal.register.facets()}

    @router.get("/register/{system_id}", summary="One system card (public fields)")
    def system(system_id: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
        card = portal.register.get(system_id)
        if card is None:
            raise HTTPException(404, f"no system {system_id!r} in the register")
        return card.to_dict()

    @router.get("/scorecards", summary="City scorecards")
    def scorecards() -> dict[str, Any]:
        cards = portal.refresh_scorecards()
        if cards is None:
            raise HTTPException(404, "this register has no city scorecards")
        return {"scorecards": cards, "ledger": portal.scorecards_ledger}

    @router.get("/reports", summary="Published audit reports", tags=["reports"])
    def reports() -> dict[str, Any]:
        return {"reports": [r.to_dict() for r in portal.db.reports(published_only=True)]}

    @router.get("/reports/{sha256}", summary="One published report's metadata", tags=["reports"])
    def report(sha256: Annotated[str, _SHA256]) -> dict[str, Any]:
        found = portal.db.report(sha256)
        if found is None or not found.published:
            raise HTTPException(404, "no published report has this SHA-256")
        return found.to_dict()

    @router.get(
        "/admin-log/checkpoint",
        response_class=PlainTextResponse,
        summary="Latest signed checkpoint of the administrators' log",
        tags=["admin-log"],
    )
    def admin_checkpoint() -> PlainTextResponse:
        note = portal.admin_log.latest_checkpoint()
        if note is None:
            raise HTTPException(404, "no administrative action has been recorded yet")
        return PlainTextResponse(note, media_type="text/plain; charset=utf-8")

    @router.get(
        "/admin-log/proofs/inclusion",
        summary="Inclusion proof in the administrators' log (RFC 9162 §2.1.3)",
        tags=["admin-log"],
    )
    def admin_inclusion(
        index: Annotated[int, Query(ge=0)], size: Annotated[int | None, Query(ge=1)] = None
    ) -> dict[str, Any]:
        return InclusionBundle.from_store(portal.admin_log.store, index, size).to_dict()

    return router
